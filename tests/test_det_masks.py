"""The mask branch: targets, loss, pasting, mask IoU, mask AP (= pycocotools' segm), Mask R-CNN."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_utils.data.shapes import DetectionShapes
from course_utils.detection import mean_average_precision
from course_utils.detection.detectors import MaskRCNN
from course_utils.detection.engine import (
    detect,
    evaluate_detector,
    materialize,
    torchvision_mask_rcnn,
    train_detector,
)
from course_utils.detection.masks import (
    MaskHead,
    mask_iou,
    mask_loss,
    mask_probabilities,
    mask_targets,
    paste_masks,
)

NUM_CLASSES = 4


@pytest.fixture(scope="module")
def data():
    return materialize(DetectionShapes(4, seed=5, min_objects=1, max_objects=3))


def disc(size: int, cx: float, cy: float, r: float) -> torch.Tensor:
    ys, xs = torch.meshgrid(torch.arange(size) + 0.5, torch.arange(size) + 0.5, indexing="ij")
    return (xs - cx) ** 2 + (ys - cy) ** 2 <= r**2


# ---------------------------------------------------------------- targets and pasting


def test_mask_target_of_a_full_box_is_one_inside_soft_at_the_rim_and_zero_outside():
    mask = torch.zeros(1, 32, 32, dtype=torch.bool)
    mask[0, 8:24, 4:20] = True
    inside = mask_targets(mask, torch.tensor([[4.0, 8.0, 20.0, 24.0]]), size=28)
    assert torch.equal(inside[0, 1:-1, 1:-1], torch.ones(26, 26))
    # the outer bins sample half a pixel past the mask's last pixel centre: bilinear, soft
    assert 0.5 < float(inside.min()) < 1.0
    outside = mask_targets(mask, torch.tensor([[24.0, 0.0, 32.0, 8.0]]), size=28)
    assert torch.equal(outside, torch.zeros(1, 28, 28))


@pytest.mark.parametrize("r", [5.0, 11.0, 20.0])
def test_a_target_pasted_back_returns_the_mask(r):
    mask = disc(64, 30.0, 33.0, r)[None]
    box = torch.tensor([[30 - r, 33 - r, 30 + r, 33 + r]]).floor().clamp(0, 64)
    box[:, 2:] = box[:, 2:].ceil() + 1
    target = mask_targets(mask, box)
    pasted = paste_masks(target, box, (64, 64))
    assert float(mask_iou(pasted, mask)) >= 0.95  # the 28×28 round trip loses only edge pixels


def test_paste_keeps_pixels_outside_the_box_background():
    pasted = paste_masks(torch.ones(2, 28, 28), torch.tensor([[2.0, 3, 10, 7], [0, 0, 16, 16]]),
                         (16, 16))  # fmt: skip
    expected = torch.zeros(16, 16, dtype=torch.bool)
    expected[3:7, 2:10] = True
    assert torch.equal(pasted[0], expected)
    assert bool(pasted[1].all())
    assert paste_masks(torch.zeros(0, 28, 28), torch.zeros(0, 4), (16, 16)).shape == (0, 16, 16)


# ---------------------------------------------------------------- the head and its loss


def test_mask_head_shape():
    head = MaskHead(64, NUM_CLASSES)
    assert head(torch.randn(5, 64, 14, 14)).shape == (5, NUM_CLASSES, 28, 28)
    with pytest.raises(ValueError, match="num_classes"):
        MaskHead(64, 1)


def test_sigmoid_loss_trains_only_the_true_class_map_and_softmax_all():
    logits = torch.randn(3, NUM_CLASSES, 28, 28, requires_grad=True)
    labels = torch.tensor([1, 3, 1])
    targets = (torch.rand(3, 28, 28) > 0.5).float()
    mask_loss(logits, labels, targets, "sigmoid").backward()
    touched = logits.grad.abs().sum(dim=(2, 3)) > 0
    assert torch.equal(touched, torch.nn.functional.one_hot(labels, NUM_CLASSES).bool())
    logits.grad = None
    mask_loss(logits, labels, targets, "softmax").backward()
    assert bool((logits.grad.abs().sum(dim=(2, 3)) > 0).all())
    # the sigmoid loss is binary cross-entropy, by hand
    chosen = logits.detach()[torch.arange(3), labels]
    p = chosen.sigmoid()
    by_hand = -(targets * p.log() + (1 - targets) * (1 - p).log()).mean()
    assert float(mask_loss(logits.detach(), labels, targets)) == pytest.approx(
        float(by_hand), rel=1e-5
    )
    probs = mask_probabilities(logits.detach(), labels, "softmax")
    assert probs.shape == (3, 28, 28) and bool(((probs >= 0) & (probs <= 1)).all())


def test_loss_without_positive_rois_is_zero_and_keeps_the_graph():
    logits = torch.randn(0, NUM_CLASSES, 28, 28, requires_grad=True)
    loss = mask_loss(logits, torch.zeros(0, dtype=torch.int64), torch.zeros(0, 28, 28))
    assert float(loss.detach()) == 0.0 and loss.requires_grad
    with pytest.raises(ValueError, match="kind"):
        mask_loss(logits, torch.zeros(0, dtype=torch.int64), torch.zeros(0, 28, 28), "hinge")


# ---------------------------------------------------------------- mask IoU and mask AP


def test_mask_iou_against_loops():
    g = torch.Generator().manual_seed(0)
    a = torch.rand(5, 12, 12, generator=g) > 0.6
    b = torch.rand(4, 12, 12, generator=g) > 0.3
    b[0] = False  # an empty mask: IoU 0 with everything
    iou = mask_iou(a, b)
    for i in range(5):
        for j in range(4):
            inter = (a[i] & b[j]).sum().item()
            union = (a[i] | b[j]).sum().item()
            assert float(iou[i, j]) == pytest.approx(inter / union if union else 0.0, abs=1e-12)


@pytest.mark.parametrize(
    "masks, error, message",
    [
        (torch.rand(2, 8, 8), TypeError, "threshold"),
        (torch.zeros(2, 1, 8, 8, dtype=torch.bool), ValueError, r"\[:, 0\] > 0.5"),
        (torch.full((2, 8, 8), 2), ValueError, "only 0 and 1"),
        (torch.zeros(8, 8, dtype=torch.bool), ValueError, r"\(K, H, W\)"),
        ([[0, 1]], TypeError, "masks1"),
    ],
)
def test_bad_masks_are_refused_clearly(masks, error, message):
    with pytest.raises(error, match=message):
        mask_iou(masks, torch.zeros(1, 8, 8, dtype=torch.bool))


def random_segmentation_set(g: torch.Generator, num_images: int, crowded: bool):
    """Disc objects and detections: shifted/resized copies (TPs, duplicates) plus clutter."""
    size = 48
    preds, targets = [], []
    for _ in range(num_images):
        n = int(torch.randint(0, 5, (1,), generator=g))
        centres = torch.rand(n, 2, generator=g) * (size - 12) + 6
        if not crowded:  # one object per quadrant
            quadrant = torch.randperm(4, generator=g)[:n]
            centres = (
                torch.stack((quadrant % 2, quadrant // 2), 1) * 24
                + 6
                + torch.rand(n, 2, generator=g) * 12
            )
        radii = 3 + torch.rand(n, generator=g) * 5
        gt = [disc(size, *c.tolist(), float(r)) for c, r in zip(centres, radii, strict=True)]
        labels = torch.randint(1, 4, (n,), generator=g)
        copies = torch.randint(
            0, max(n, 1), (int(torch.randint(0, 3 * n + 1, (1,), generator=g)),), generator=g
        )
        det = [disc(size, *(centres[c] + torch.randn(2, generator=g) * 1.5).tolist(),
                    float(radii[c] * (0.8 + 0.4 * torch.rand(1, generator=g)))) for c in copies]  # fmt: skip
        det_labels = labels[copies].clone() if n else torch.zeros(0, dtype=torch.int64)
        m = int(torch.randint(0, 3, (1,), generator=g))
        det += [disc(size, *(torch.rand(2, generator=g) * size).tolist(), 4.0) for _ in range(m)]
        det_labels = torch.cat((det_labels, torch.randint(1, 4, (m,), generator=g)))
        stack = lambda ms: torch.stack(ms) if ms else torch.zeros(0, size, size, dtype=torch.bool)  # noqa: E731
        preds.append({"masks": stack(det), "scores": torch.rand(len(det), generator=g),
                      "labels": det_labels, "boxes": torch.zeros(len(det), 4)})  # fmt: skip
        targets.append({"masks": stack(gt), "labels": labels, "boxes": torch.zeros(n, 4)})
    return preds, targets


def pycocotools_segm_map(preds: list[dict], targets: list[dict], iou: float) -> float:
    """COCOeval with iouType "segm" at one IoU threshold, read in float64 (maxDets 100, area "all")."""
    from pycocotools import mask as mask_utils
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    def rle(m):
        encoded = mask_utils.encode(np.asfortranarray(m.numpy().astype(np.uint8)))
        return encoded

    images, annotations, detections = [], [], []
    for i, (p, t) in enumerate(zip(preds, targets, strict=True)):
        images.append({"id": i, "height": 48, "width": 48})
        for m, lab in zip(t["masks"], t["labels"].tolist(), strict=True):
            r = rle(m)
            annotations.append({"id": len(annotations) + 1, "image_id": i, "category_id": lab,
                                "segmentation": r, "area": float(mask_utils.area(r)), "iscrowd": 0,
                                "bbox": mask_utils.toBbox(r).tolist()})  # fmt: skip
        for m, lab, s in zip(p["masks"], p["labels"].tolist(), p["scores"].tolist(), strict=True):
            detections.append(
                {"image_id": i, "category_id": lab, "segmentation": rle(m), "score": s}
            )
    gt = COCO()
    gt.dataset = {"images": images, "annotations": annotations,
                  "categories": [{"id": c} for c in (1, 2, 3)]}  # fmt: skip
    gt.createIndex()
    dt = gt.loadRes(detections) if detections else COCO()
    evaluator = COCOeval(gt, dt, "segm")
    evaluator.params.iouThrs = np.array([iou])
    evaluator.evaluate()
    evaluator.accumulate()
    precision = evaluator.eval["precision"][0, :, :, 0, -1]  # (recall, class), area all, 100 dets
    per_class = [precision[:, k] for k in range(precision.shape[1])]
    aps = [float(np.mean(p)) for p in per_class if (p > -1).any()]
    return float(np.mean(aps))


@pytest.mark.parametrize("seed", range(6))
def test_mask_map_equals_pycocotools_segm(seed):
    pytest.importorskip("pycocotools")
    g = torch.Generator().manual_seed(seed)
    preds, targets = random_segmentation_set(g, num_images=10, crowded=seed % 2 == 1)
    for iou in (0.5, 0.75):
        reference = pycocotools_segm_map(preds, targets, iou)
        ours = mean_average_precision(
            preds, targets, iou, method="coco101", rule="coco", iou_type="segm"
        )
        assert ours["map"] == pytest.approx(reference, abs=1e-8)


def test_segm_map_needs_masks():
    preds, targets = random_segmentation_set(torch.Generator().manual_seed(1), 2, False)
    del preds[0]["masks"]
    with pytest.raises(ValueError, match="masks"):
        mean_average_precision(preds, targets, iou_type="segm")
    with pytest.raises(ValueError, match="iou_type"):
        mean_average_precision(preds, targets, iou_type="mask")


# ---------------------------------------------------------------- the detectors


@pytest.mark.parametrize("kwargs", [{}, {"pooler": "max"}, {"mask_loss": "softmax"}])
def test_mask_rcnn_trains_and_returns_a_mask_per_detection(kwargs, data):
    images, targets = data
    torch.manual_seed(0)
    model = MaskRCNN(NUM_CLASSES, **kwargs)
    losses = model(images[:2], targets[:2])
    assert set(losses) == {"loss_objectness", "loss_rpn_box_reg", "loss_classifier",
                           "loss_box_reg", "loss_mask"}  # fmt: skip
    sum(losses.values()).backward()
    assert model.mask_head.logits.weight.grad.abs().sum() > 0
    model.eval()
    out, times = model.detect_timed(images[:1])
    assert out[0]["masks"].dtype == torch.bool and out[0]["masks"].shape == (
        len(out[0]["boxes"]),
        128,
        128,
    )
    assert list(times) == [
        "backbone",
        "rpn",
        "roi_pool",
        "head",
        "postprocess",
        "mask_head",
        "paste",
    ]


def test_mask_rcnn_refuses_targets_without_masks(data):
    images, targets = data
    model = MaskRCNN(NUM_CLASSES)
    with pytest.raises(ValueError, match="has no 'masks'"):
        model(images[:1], [{"boxes": targets[0]["boxes"], "labels": targets[0]["labels"]}])
    bad = {**targets[0], "masks": targets[0]["masks"][:, :64]}
    with pytest.raises(ValueError, match="image is"):
        model(images[:1], [bad])
    with pytest.raises(ValueError, match="pooler"):
        MaskRCNN(NUM_CLASSES, pooler="avg")


def test_mask_rcnn_learns_a_small_set(data):
    images, targets = data
    torch.manual_seed(0)
    model = MaskRCNN(NUM_CLASSES)
    history = train_detector(model, images, targets, epochs=8, batch_size=2, lr=2e-3, log=None)
    assert history[-1]["loss_mask"] < 0.5 * history[0]["loss_mask"]


def test_torchvision_mask_rcnn_trains_on_masks_and_detect_binarises(data):
    images, targets = data
    torch.manual_seed(0)
    model = torchvision_mask_rcnn(NUM_CLASSES)
    history = train_detector(model, images[:2], targets[:2], epochs=1, batch_size=2, log=None)
    assert "loss_mask" in history[0]
    out = detect(model, images[:1])
    assert out[0]["masks"].dtype == torch.bool and out[0]["masks"].dim() == 3
    result = evaluate_detector(model, images[:2], targets[:2])
    assert 0.0 <= result["mask_map"] <= 1.0
