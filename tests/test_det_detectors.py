"""The three detectors, their heads and the RPN: interfaces, losses, clear errors, empty images."""

import math

import pytest
import torch

from course_utils.data.shapes import DetectionShapes
from course_utils.detection import box_iou, encode_boxes
from course_utils.detection.detectors import RCNN, Backbone, FasterRCNN, FastRCNN
from course_utils.detection.engine import (
    detect,
    evaluate_detector,
    materialize,
    torchvision_faster_rcnn,
    train_detector,
)
from course_utils.detection.roi_heads import (
    BOX_CODER_WEIGHTS,
    BoxHead,
    box_head_loss,
    postprocess_detections,
    sample_proposals,
)
from course_utils.detection.rpn import RegionProposalNetwork

NUM_CLASSES = 4


@pytest.fixture(scope="module")
def data():
    images, targets = materialize(DetectionShapes(4, seed=5, min_objects=1, max_objects=3))
    return images, [{"boxes": t["boxes"], "labels": t["labels"]} for t in targets]


def _jittered(targets, n=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    out = []
    for t in targets:
        boxes = t["boxes"].repeat(n, 1) + torch.randn(len(t["boxes"]) * n, 4, generator=g) * 3
        boxes = torch.cat(
            [boxes, torch.tensor([[0.0, 0.0, 30.0, 30.0], [60.0, 70.0, 120.0, 120.0]])]
        )
        x1, x2 = boxes[:, 0].minimum(boxes[:, 2]), boxes[:, 0].maximum(boxes[:, 2]) + 1
        y1, y2 = boxes[:, 1].minimum(boxes[:, 3]), boxes[:, 1].maximum(boxes[:, 3]) + 1
        out.append(torch.stack([x1, y1, x2, y2], 1).clamp(0, 128))
    return out


def _models():
    torch.manual_seed(0)
    return {
        "rcnn": RCNN(NUM_CLASSES),
        "fast": FastRCNN(NUM_CLASSES),
        "faster": FasterRCNN(NUM_CLASSES),
        "torchvision": torchvision_faster_rcnn(NUM_CLASSES),
    }


@pytest.mark.parametrize("name", ["rcnn", "fast", "faster", "torchvision"])
def test_training_step_gives_finite_losses_and_gradients(name, data):
    model = _models()[name]
    images, targets = data
    model.train()
    args = (images, _jittered(targets), targets) if name in ("rcnn", "fast") else (images, targets)
    losses = model(*args)
    assert {"loss_classifier", "loss_box_reg"} <= set(losses)
    if name in ("faster", "torchvision"):
        assert {"loss_objectness", "loss_rpn_box_reg"} <= set(losses)
    total = sum(losses.values())
    assert math.isfinite(float(total.detach()))
    total.backward()
    assert model.backbone.body[0].weight.grad.abs().sum() > 0


@pytest.mark.parametrize("name", ["rcnn", "fast", "faster", "torchvision"])
def test_eval_returns_one_detection_dict_per_image(name, data):
    model = _models()[name]
    images, targets = data
    model.eval()
    props = _jittered(targets) if name in ("rcnn", "fast") else None
    out = detect(model, images, props)
    assert len(out) == len(images)
    for d in out:
        assert d["boxes"].shape[1:] == (4,) and len(d["boxes"]) == len(d["scores"]) == len(
            d["labels"]
        )
        if len(d["labels"]):
            assert int(d["labels"].min()) >= 1 and int(d["labels"].max()) < NUM_CLASSES
            assert float(d["boxes"].min()) >= 0 and float(d["boxes"].max()) <= 128


def test_stage_times_cover_every_stage(data):
    images, targets = data
    models = _models()
    _, times = models["rcnn"].eval().detect_timed(images[:1], _jittered(targets[:1]))
    assert set(times) == {"warp", "cnn", "postprocess"} and all(t >= 0 for t in times.values())
    _, times = models["faster"].eval().detect_timed(images[:1])
    assert set(times) == {"backbone", "rpn", "roi_pool", "head", "postprocess"}
    with pytest.raises(ValueError, match="makes its own proposals"):
        models["faster"].detect_timed(images[:1], _jittered(targets[:1]))


# ----------------------------------------------------------------- malformed input, clear errors
@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: {**t, "boxes": t["boxes"][:, [2, 1, 0, 3]]}, r"x2 < x1"),
        (lambda t: {**t, "labels": t["labels"] * 0 + NUM_CLASSES}, r"labels must be in 1\.\.3"),
        (lambda t: {**t, "labels": t["labels"] * 0}, r"0 is background"),
        (lambda t: {**t, "labels": t["labels"].float()}, r"int64"),
        (lambda t: {"boxes": t["boxes"]}, r"missing \['labels'\]"),
        (lambda t: {**t, "boxes": t["boxes"] * 2}, r"outside the image"),
    ],
)
@pytest.mark.parametrize("name", ["fast", "faster"])
def test_malformed_targets_are_refused_clearly(name, change, message, data):
    model = _models()[name].train()
    images, targets = data
    bad = [change(targets[0]), *targets[1:]]
    with pytest.raises(ValueError, match=message):
        if name == "fast":
            model(images, _jittered(targets), bad)
        else:
            model(images, bad)


def test_bad_images_and_proposals_are_refused_clearly(data):
    images, targets = data
    model = FastRCNN(NUM_CLASSES).eval()
    with pytest.raises(ValueError, match=r"3×H×W"):
        model([images[0][0]], [torch.zeros(0, 4)])
    with pytest.raises(ValueError, match=r"dtype torch.uint8.*floats in \[0, 1\]"):
        model([(images[0] * 255).to(torch.uint8)], [torch.zeros(0, 4)])
    with pytest.raises(ValueError, match="one image size per batch"):
        model([images[0], images[1][:, :64]], [torch.zeros(0, 4)] * 2)
    with pytest.raises(ValueError, match="proposals for 1 images but 2 images"):
        model(images[:2], [torch.zeros(0, 4)])
    with pytest.raises(TypeError, match="one \\(K, 4\\) box tensor per image"):
        model(images[:1], torch.zeros(3, 4))
    with pytest.raises(ValueError, match="needs targets"):
        model.train()(images[:1], [torch.zeros(0, 4)])
    with pytest.raises(ValueError, match="needs proposals"):
        detect(model, images[:1])


# ----------------------------------------------------------------- images without objects
def test_images_without_objects_train_and_evaluate():
    images, targets = materialize(DetectionShapes(3, seed=1, min_objects=0, max_objects=0))
    assert all(len(t["boxes"]) == 0 for t in targets)
    for name, model in _models().items():
        props = _jittered(targets) if name in ("rcnn", "fast") else None
        history = train_detector(
            model, images, targets, epochs=1, proposals=props, batch_size=3, log=None
        )
        assert math.isfinite(history[0]["loss"]), name
        result = evaluate_detector(model, images, targets, props)
        assert math.isnan(result["map"]) and result["ap_per_class"] == {}, name  # no ground truth


def test_mixed_batch_of_empty_and_full_images_trains(data):
    images, targets = data
    empty_img, empty_tgt = materialize(DetectionShapes(1, seed=2, min_objects=0, max_objects=0))
    model = FasterRCNN(NUM_CLASSES)
    history = train_detector(
        model, images + empty_img, targets + empty_tgt, epochs=1, batch_size=5, log=None
    )
    assert math.isfinite(history[0]["loss"])


# ----------------------------------------------------------------- the parts
def test_sample_proposals_balances_and_encodes():
    gt = torch.tensor([[10.0, 10.0, 40.0, 40.0], [60.0, 60.0, 90.0, 100.0]])
    labels = torch.tensor([1, 3])
    g = torch.Generator().manual_seed(0)
    props = torch.rand(200, 2, generator=g) * 100
    props = torch.cat([props, props + 5 + torch.rand(200, 2, generator=g) * 30], 1)
    boxes, cls, targets = sample_proposals(
        props, gt, labels, batch_size=32, positive_fraction=0.25, generator=g
    )
    assert (
        len(boxes) == 32 and int((cls > 0).sum()) <= 8 and int((cls > 0).sum()) >= 2
    )  # gt boxes join
    iou = box_iou(boxes, gt).max(dim=1)
    assert bool((iou.values[cls > 0] >= 0.5).all()) and bool((iou.values[cls == 0] < 0.5).all())
    fg = cls > 0
    expected = encode_boxes(boxes[fg], gt[iou.indices[fg]], BOX_CODER_WEIGHTS)
    assert torch.allclose(targets[fg], expected) and bool((targets[~fg] == 0).all())
    assert set(cls[fg].tolist()) <= {1, 3}


def test_box_head_loss_ignores_background_boxes():
    logits = torch.zeros(4, 3, requires_grad=True)
    deltas = torch.zeros(4, 12, requires_grad=True)
    labels = torch.tensor([0, 0, 2, 1])
    targets = torch.tensor([[9.0] * 4, [9.0] * 4, [0.0, 0, 0, 0], [1.0, 0, 0, 0]])
    classification, regression = box_head_loss(logits, deltas, labels, targets)
    assert classification.item() == pytest.approx(math.log(3))
    assert regression.item() == pytest.approx(
        (1 - 1 / 18) / 4
    )  # only row 3, one coordinate off by 1


def test_postprocess_drops_background_and_applies_nms():
    proposals = [
        torch.tensor(
            [[10.0, 10.0, 50.0, 50.0], [11.0, 11.0, 51.0, 51.0], [70.0, 70.0, 100.0, 100.0]]
        )
    ]
    logits = torch.tensor(
        [[0.0, 5.0, 0.0], [0.0, 4.0, 0.0], [5.0, 0.0, 0.0]]
    )  # third is background
    out = postprocess_detections(
        logits, torch.zeros(3, 12), proposals, (128, 128), score_threshold=0.2
    )[0]
    assert out["labels"].tolist() == [1] and torch.allclose(out["boxes"], proposals[0][:1])


def test_rpn_anchor_count_and_proposal_limits():
    rpn = RegionProposalNetwork(8, stride=4, post_nms_top_n=(20, 10)).eval()
    proposals, losses = rpn(torch.randn(2, 8, 16, 16), (64, 64))
    assert rpn.anchors((16, 16), torch.device("cpu")).shape == (16 * 16 * 9, 4)
    assert len(proposals) == 2 and all(len(p) <= 10 for p in proposals) and losses == {}
    rpn.train()
    target = {"boxes": torch.tensor([[8.0, 8.0, 40.0, 40.0]]), "labels": torch.tensor([1])}
    _, losses = rpn(
        torch.randn(2, 8, 16, 16),
        (64, 64),
        [
            target,
            {**target, "boxes": torch.zeros(0, 4), "labels": torch.zeros(0, dtype=torch.int64)},
        ],
    )
    assert losses["loss_objectness"] > 0 and losses["loss_rpn_box_reg"] >= 0


def test_backbone_stride_and_channels():
    backbone = Backbone(width=8)
    assert backbone(torch.rand(1, 3, 128, 128)).shape == (1, 16, 32, 32)
    assert backbone.stride == 4 and backbone.out_channels == 16


def test_box_head_needs_a_background_class():
    with pytest.raises(ValueError, match="counts the background"):
        BoxHead(8, 7, 1)


def test_faster_rcnn_learns_a_small_set(data):
    images, targets = data
    model = FasterRCNN(NUM_CLASSES)
    history = train_detector(model, images, targets, epochs=12, batch_size=4, lr=3e-3, log=None)
    assert history[-1]["loss"] < 0.6 * history[0]["loss"], history


def test_stage_times_per_image(data):
    from course_utils.detection.engine import stage_times, timed_selective_search

    images, targets = data
    models = _models()
    times = stage_times(models["fast"], images[:2], _jittered(targets[:2]), warmup=0)
    assert set(times) == {"backbone", "roi_pool", "head", "postprocess", "total"}
    assert times["total"] == pytest.approx(sum(v for k, v in times.items() if k != "total"))
    times = stage_times(models["torchvision"], images[:1], warmup=0)
    assert set(times) == {"detector", "total"}
    with pytest.raises(ValueError, match="needs proposals"):
        stage_times(models["rcnn"], images[:1])
    proposals, seconds = timed_selective_search(images[:1])
    assert len(proposals) == 1 and proposals[0].shape[1] == 4 and seconds > 0
