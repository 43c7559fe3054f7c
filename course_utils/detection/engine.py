"""Train, run, time and evaluate the detectors (the kit's and torchvision's) the same way.

The detection data sets are small and generated, so a split is held in memory as two
lists (:func:`materialize`). Selective search runs once per image and is cached by the
caller (:func:`selective_search_all`). :func:`train_detector` is a plain loop — Adam,
cosine learning-rate decay, horizontal flips — that works for every model in
``course_utils.detection.detectors`` and for ``torchvision.models.detection.FasterRCNN``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch
from torch import Tensor, nn

from course_utils.detection.detectors import (
    RCNN,
    Backbone,
    FasterRCNN,
    FastRCNN,
    MaskRCNN,
    check_images,
)
from course_utils.detection.metrics import mean_average_precision
from course_utils.detection.proposals import selective_search_boxes

__all__ = [
    "DETECTION_SPLIT",
    "SELECTIVE_SEARCH",
    "detection_data",
    "materialize",
    "selective_search_all",
    "needs_proposals",
    "torchvision_faster_rcnn",
    "torchvision_mask_rcnn",
    "needs_masks",
    "train_detector",
    "detect",
    "fixed_batch_losses",
    "evaluate_detector",
    "stage_times",
    "compare_stage_times",
    "timed_selective_search",
]

#: The split every detection checkpoint is trained and tested on (128×128 shapes, 3 classes).
DETECTION_SPLIT = {"n_train": 600, "n_val": 100, "n_test": 200, "seed": 0}
#: Selective-search settings used for R-CNN and Fast R-CNN (training and test).
SELECTIVE_SEARCH = {"mode": "fast", "scale": 150, "max_proposals": 2000}


def detection_data():
    """The train / val / test ``DetectionShapes`` of :data:`DETECTION_SPLIT`."""
    from course_utils.data.shapes import detection_splits

    return detection_splits(**DETECTION_SPLIT)


def materialize(dataset: Sequence) -> tuple[list[Tensor], list[dict[str, Tensor]]]:
    """All images and targets of a (generated) data set as two lists."""
    images, targets = [], []
    for i in range(len(dataset)):
        image, target = dataset[i]
        images.append(image)
        targets.append(target)
    return images, targets


def selective_search_all(images: Sequence[Tensor], **kwargs: Any) -> list[Tensor]:
    """Selective-search proposals for every image (:data:`SELECTIVE_SEARCH` unless overridden)."""
    options = {**SELECTIVE_SEARCH, **kwargs}
    return [selective_search_boxes(image, **options) for image in images]


def needs_proposals(model: nn.Module) -> bool:
    """True for R-CNN and Fast R-CNN, which take proposals from outside."""
    return isinstance(model, RCNN | FastRCNN) and not isinstance(model, FasterRCNN)


def needs_masks(model: nn.Module) -> bool:
    """True for the Mask R-CNNs (the kit's and torchvision's), which train on instance masks."""
    from torchvision.models.detection import MaskRCNN as TVMaskRCNN

    return isinstance(model, MaskRCNN | TVMaskRCNN)


def _roi_align_pooler(output_size: int) -> nn.Module:
    """torchvision's ``MultiScaleRoIAlign`` on the one feature map ``"0"``, its backward the
    kit's (:func:`course_utils.detection.roi.roi_align`: the same gradient as torchvision's
    CPU kernel to float rounding, 2–7× faster); forward and results are torchvision's."""
    from torchvision.ops import MultiScaleRoIAlign

    from course_utils.detection.roi import roi_align

    class OneLevelRoIAlign(MultiScaleRoIAlign):
        def forward(self, x, boxes, image_shapes):
            features = x[self.featmap_names[0]]
            # torchvision's rule (_setup_scales): feature height / tallest image, a power of 2
            tallest = max(shape[0] for shape in image_shapes)
            scale = 2.0 ** round(math.log2(features.shape[-2] / tallest))
            return roi_align(features, list(boxes), self.output_size, scale,
                             self.sampling_ratio, aligned=False)  # fmt: skip

    return OneLevelRoIAlign(["0"], output_size=output_size, sampling_ratio=2)


def _torchvision_settings(num_classes: int, backbone: nn.Module) -> dict[str, Any]:
    """The keyword arguments that size torchvision's two-stage detectors like the kit's."""
    from torchvision.models.detection.anchor_utils import AnchorGenerator
    from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead

    return dict(
        min_size=128,
        max_size=128,
        image_mean=[0.0, 0.0, 0.0],
        image_std=[1.0, 1.0, 1.0],
        rpn_anchor_generator=AnchorGenerator(((16, 32, 64),), ((0.5, 1.0, 2.0),)),
        rpn_pre_nms_top_n_train=1000,
        rpn_pre_nms_top_n_test=500,
        rpn_post_nms_top_n_train=256,
        rpn_post_nms_top_n_test=100,
        box_roi_pool=_roi_align_pooler(7),
        box_head=TwoMLPHead(backbone.out_channels * 49, 128),
        box_predictor=FastRCNNPredictor(128, num_classes),
        box_batch_size_per_image=128,
    )


def torchvision_faster_rcnn(num_classes: int, backbone: nn.Module | None = None) -> nn.Module:
    """``torchvision.models.detection.FasterRCNN`` on the kit's backbone, sized like the kit's.

    Same anchors (16, 32, 64 px × ratios 0.5, 1, 2), same proposal counts, same head size
    (two dense layers of 128 on 7×7 pooled features), no resizing (images stay 128×128)
    and no extra normalisation (the backbone normalises). Differences that remain are
    torchvision's: RoI Align instead of RoI pooling, its samplers and its defaults. Its RoI
    Align pooler is torchvision's ``MultiScaleRoIAlign`` with the kit's backward
    (:func:`_roi_align_pooler`: the same gradient, computed faster on the CPU).
    """
    from torchvision.models.detection import FasterRCNN as TVFasterRCNN

    backbone = backbone or Backbone()
    return TVFasterRCNN(backbone, **_torchvision_settings(num_classes, backbone))


def torchvision_mask_rcnn(num_classes: int, backbone: nn.Module | None = None) -> nn.Module:
    """``torchvision.models.detection.MaskRCNN`` on the kit's backbone, sized like the kit's.

    :func:`torchvision_faster_rcnn`'s settings, plus torchvision's mask branch at the kit's
    :class:`~course_utils.detection.masks.MaskHead` width: 14×14 RoI Align, four 3×3
    convolutions of 32 channels, a 2× transposed convolution, 28×28 masks.
    """
    from torchvision.models.detection import MaskRCNN as TVMaskRCNN
    from torchvision.models.detection.mask_rcnn import MaskRCNNHeads, MaskRCNNPredictor

    backbone = backbone or Backbone()
    return TVMaskRCNN(
        backbone,
        mask_roi_pool=_roi_align_pooler(14),
        mask_head=MaskRCNNHeads(backbone.out_channels, [32] * 4, 1),
        mask_predictor=MaskRCNNPredictor(32, 32, num_classes),
        **_torchvision_settings(num_classes, backbone),
    )


def _flip(image: Tensor, target: dict, proposals: Tensor | None):
    width = image.shape[-1]
    flip_boxes = lambda b: torch.stack([width - b[:, 2], b[:, 1], width - b[:, 0], b[:, 3]], 1)  # noqa: E731
    target = {**target, "boxes": flip_boxes(target["boxes"])}
    if "masks" in target:
        target["masks"] = target["masks"].flip(-1)
    return image.flip(-1), target, None if proposals is None else flip_boxes(proposals)


def _call(model: nn.Module, images, targets=None, proposals=None):
    if needs_proposals(model):
        if proposals is None:
            raise ValueError(
                f"{type(model).__name__} needs proposals (e.g. selective_search_all(images))"
            )
        return (
            model(images, proposals, targets) if targets is not None else model(images, proposals)
        )
    return model(images, targets) if targets is not None else model(images)


def train_detector(
    model: nn.Module,
    images: Sequence[Tensor],
    targets: Sequence[dict],
    epochs: int,
    proposals: Sequence[Tensor] | None = None,
    batch_size: int = 8,
    lr: float = 1e-3,
    weight_decay: float = 1e-4,
    flip: bool = True,
    seed: int = 0,
    log: Callable[[str], None] | None = print,
) -> list[dict[str, float]]:
    """Train with Adam and a cosine learning-rate decay; per-epoch mean of each loss term.

    ``proposals`` (one tensor per image) is required for R-CNN and Fast R-CNN. With
    ``flip``, each image is mirrored left–right with probability ½ (boxes and proposals too).
    """
    if len(images) != len(targets):
        raise ValueError(f"got {len(images)} images but {len(targets)} targets")
    if needs_proposals(model) and (proposals is None or len(proposals) != len(images)):
        raise ValueError(f"{type(model).__name__} needs one proposal tensor per training image")
    keys = ("boxes", "labels", "masks") if needs_masks(model) else ("boxes", "labels")
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)  # the samplers inside the models draw from the global generator
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    steps = epochs * math.ceil(len(images) / batch_size)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps))
    )
    history = []
    model.train()
    for epoch in range(epochs):
        order = torch.randperm(len(images), generator=generator).tolist()
        flips = (torch.rand(len(images), generator=generator) < 0.5).tolist() if flip else None
        sums: dict[str, Tensor] = {}
        start = time.perf_counter()
        for first in range(0, len(order), batch_size):
            batch_imgs, batch_tgts, batch_props = [], [], []
            for i in order[first : first + batch_size]:
                props = proposals[i] if proposals is not None else None
                img, tgt = images[i], {k: targets[i][k] for k in keys}
                if flips is not None and flips[i]:
                    img, tgt, props = _flip(img, tgt, props)
                batch_imgs.append(img)
                batch_tgts.append(tgt)
                batch_props.append(props)
            losses = _call(
                model, batch_imgs, batch_tgts, batch_props if proposals is not None else None
            )
            loss = sum(losses.values())
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            for k, v in losses.items():  # summed on the device; read back once per epoch
                sums[k] = sums.get(k, 0.0) + v.detach()
        n_batches = math.ceil(len(order) / batch_size)
        record = {k: float(v) / n_batches for k, v in sums.items()}
        record["loss"] = sum(record.values())
        if not math.isfinite(record["loss"]):
            raise FloatingPointError(
                f"the training loss became {record['loss']} in epoch {epoch + 1}; lower lr (now {lr})"
            )
        history.append(record)
        if log is not None:
            terms = ", ".join(
                f"{k.removeprefix('loss_')} {v:.3f}" for k, v in record.items() if k != "loss"
            )
            log(f"epoch {epoch + 1}/{epochs}: loss {record['loss']:.3f} ({terms}) "
                f"[{time.perf_counter() - start:.0f} s]")  # fmt: skip
    model.eval()
    return history


@torch.no_grad()
def fixed_batch_losses(
    model: nn.Module, images: Sequence[Tensor], targets: Sequence[dict], seed: int = 0
) -> dict[str, float]:
    """The training losses of ``model`` on one fixed batch, without changing the model.

    Training mode (the losses exist only there) with batch norm in eval mode, so its running
    statistics are left alone; the samplers draw from the global generator, seeded with
    ``seed`` so that two models see the same samples where their proposals agree. For
    comparing a fresh, a briefly trained and a stored model on the same images.
    """
    keys = ("boxes", "labels", "masks") if needs_masks(model) else ("boxes", "labels")
    was_training = model.training
    model.train()
    for module in model.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            module.eval()
    torch.manual_seed(seed)
    try:
        losses = _call(model, list(images), [{k: t[k] for k in keys} for t in targets])
    finally:
        model.train(was_training)
    return {k: float(v) for k, v in losses.items()}


@torch.no_grad()
def detect(
    model: nn.Module,
    images: Sequence[Tensor],
    proposals: Sequence[Tensor] | None = None,
    batch_size: int = 16,
) -> list[dict[str, Tensor]]:
    """The model's detections for every image, in eval mode, in batches."""
    check_images(images)
    was_training = model.training
    model.eval()
    out: list[dict[str, Tensor]] = []
    for first in range(0, len(images), batch_size):
        batch = list(images[first : first + batch_size])
        props = None if proposals is None else list(proposals[first : first + batch_size])
        for d in _call(model, batch, proposals=props):
            if "masks" in d and d["masks"].dim() == 4:  # torchvision: (D, 1, H, W) probabilities
                d["masks"] = d["masks"][:, 0] > 0.5
            out.append(d)
    model.train(was_training)
    return out


def evaluate_detector(
    model: nn.Module,
    images: Sequence[Tensor],
    targets: Sequence[dict],
    proposals: Sequence[Tensor] | None = None,
    iou_threshold: float = 0.5,
) -> dict[str, Any]:
    """mAP at ``iou_threshold`` (all-point AP, VOC matching) and seconds per image (batches of 16).

    For a model that predicts masks also ``mask_map`` and ``mask_ap_per_class``: the same
    recipe with mask IoU (``iou_type="segm"``).
    """
    start = time.perf_counter()
    predictions = detect(model, images, proposals)
    seconds = (time.perf_counter() - start) / max(1, len(images))
    result = mean_average_precision(predictions, targets, iou_threshold=iou_threshold)
    if predictions and "masks" in predictions[0]:
        masks = mean_average_precision(predictions, targets, iou_threshold, iou_type="segm")
        result["mask_map"], result["mask_ap_per_class"] = masks["map"], masks["ap_per_class"]
    return {**result, "seconds_per_image": seconds, "predictions": predictions}


def timed_selective_search(images: Sequence[Tensor], **kwargs: Any) -> tuple[list[Tensor], float]:
    """:func:`selective_search_all` and its mean seconds per image."""
    start = time.perf_counter()
    proposals = selective_search_all(images, **kwargs)
    return proposals, (time.perf_counter() - start) / max(1, len(images))


@torch.no_grad()
def stage_times(
    model: nn.Module,
    images: Sequence[Tensor],
    proposals: Sequence[Tensor] | None = None,
    warmup: int = 2,
) -> dict[str, float]:
    """Mean seconds per image of each stage, one image at a time (as a deployed detector runs).

    The kit's detectors report their stages (:meth:`detect_timed`); any other detector
    (torchvision's) is timed as a whole. ``"total"`` is the sum. Proposal computation
    (selective search) is not included: time it with :func:`timed_selective_search`.
    """
    check_images(images)
    model.eval()
    timed = hasattr(model, "detect_timed")
    if needs_proposals(model) and proposals is None:
        raise ValueError(f"{type(model).__name__} needs proposals to be timed")
    sums: dict[str, float] = {}
    for i in range(-warmup, len(images)):
        j = max(i, 0)
        props = None if proposals is None or not needs_proposals(model) else [proposals[j]]
        if timed:
            _, times = (
                model.detect_timed([images[j]], props) if props else model.detect_timed([images[j]])
            )
        else:
            start = time.perf_counter()
            model([images[j]])
            times = {"detector": time.perf_counter() - start}
        if i >= 0:  # the first calls warm up allocators and caches
            for k, v in times.items():
                sums[k] = sums.get(k, 0.0) + v
    out = {k: v / len(images) for k, v in sums.items()}
    out["total"] = sum(out.values())
    return out


@torch.no_grad()
def compare_stage_times(
    models: Mapping[str, nn.Module],
    images: Sequence[Tensor],
    proposals: Sequence[Tensor] | None = None,
    rounds: int = 3,
    warmup: int = 2,
) -> dict[str, dict[str, float]]:
    """:func:`stage_times` of several detectors on the same images, fair on a busy machine.

    Timed one after the other, two detectors can meet different loads (another process
    starts), which shows up as a false speed ratio. Here the detectors take turns image by
    image, for ``rounds`` rounds, so that a change of load hits all of them alike, and for
    each detector and image the fastest round counts (as :func:`course_utils.bench.benchmark`
    takes the minimum). Returns ``{name: {stage: mean seconds per image, …, "total": …}}``.

    >>> from course_utils.detection.detectors import FastRCNN
    >>> times = compare_stage_times({"fast": FastRCNN(4)}, [torch.rand(3, 64, 64)],
    ...                             [torch.tensor([[0.0, 0.0, 32.0, 32.0]])], rounds=1, warmup=0)
    >>> sorted(times["fast"])
    ['backbone', 'head', 'postprocess', 'roi_pool', 'total']
    """
    if rounds < 1:
        raise ValueError(f"rounds must be at least 1, got {rounds}")
    if not models:
        raise ValueError("pass at least one detector, e.g. {'Fast R-CNN': model}")
    check_images(images)
    if proposals is not None and len(proposals) != len(images):
        raise ValueError(f"got proposals for {len(proposals)} images but {len(images)} images")
    for model in models.values():  # warm-up (and a clear error for a model without proposals)
        stage_times(model, images[:1], None if proposals is None else proposals[:1], warmup=warmup)
    best: dict[str, list[dict[str, float] | None]] = {name: [None] * len(images) for name in models}
    for _ in range(rounds):
        for j, image in enumerate(images):
            props = None if proposals is None else [proposals[j]]
            for name, model in models.items():
                times = stage_times(model, [image], props, warmup=0)
                kept = best[name][j]
                if kept is None or times["total"] < kept["total"]:
                    best[name][j] = times
    out = {}
    for name, per_image in best.items():
        stages = [k for k in per_image[0] if k != "total"]  # type: ignore[union-attr]
        out[name] = {k: sum(t[k] for t in per_image) / len(images) for k in stages}  # type: ignore[index]
        out[name]["total"] = sum(out[name].values())
    return out
