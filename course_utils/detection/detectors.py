"""R-CNN, Fast R-CNN and Faster R-CNN at CPU size, built from the same parts.

All three share one small backbone (:class:`Backbone`, stride 4) and one box head
(:class:`~course_utils.detection.roi_heads.BoxHead`); they differ only in *where the
convolutions run* and *where the proposals come from* — which is the whole story of the
three papers:

=================  ===============================  ===================================
model              convolutions                     proposals
=================  ===============================  ===================================
:class:`RCNN`      once per proposal, on a warped   given (selective search)
                   crop of the image
:class:`FastRCNN`  once per image; RoI pooling cuts given (selective search)
                   each proposal out of the map
:class:`FasterRCNN` once per image                  a region proposal network on the
                                                    same feature map
=================  ===============================  ===================================

Interface as torchvision's detectors: ``images`` is a list of ``3×H×W`` float tensors in
[0, 1] (one size per batch here); in training mode pass ``targets`` (dicts with ``boxes``
xyxy pixels and ``labels`` 1..C−1) and get a dict of losses; in eval mode get one dict
``{"boxes", "scores", "labels"}`` per image. R-CNN and Fast R-CNN also take ``proposals``,
one ``(K, 4)`` tensor per image. :meth:`detect_timed` returns the detections together
with the seconds spent in each stage.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torchvision.ops import roi_align, roi_pool

from course_utils._checks import check_choice
from course_utils.detection import roi as _roi
from course_utils.detection.boxes import (
    _box_iou,
    cxcywh_to_xyxy,
    validate_boxes,
    validate_target,
    xyxy_to_cxcywh,
)
from course_utils.detection.masks import (
    MASK_LOSSES,
    MaskHead,
    mask_loss,
    mask_probabilities,
    mask_targets,
    paste_masks,
)
from course_utils.detection.roi_heads import (
    BoxHead,
    box_head_loss,
    postprocess_detections,
    sample_proposals,
)
from course_utils.detection.rpn import RegionProposalNetwork
from course_utils.device import synchronize

__all__ = [
    "Backbone",
    "RCNN",
    "FastRCNN",
    "FasterRCNN",
    "MaskRCNN",
    "check_images",
    "check_proposals",
]


class Backbone(nn.Module):
    """A small CNN with stride 4: 128×128 image → 32×32 map of ``2·width`` channels.

    5×5/2 conv → 2×2 max-pool → ``convs`` 3×3 convs, batch norm and ReLU after each conv.
    ``out_channels`` and ``stride`` are what the detectors (and torchvision's) need to know.
    """

    def __init__(self, width: int = 32, convs: int = 3, in_channels: int = 3):
        super().__init__()
        if convs < 1:
            raise ValueError(f"convs must be at least 1, got {convs}")
        self.out_channels = 2 * width
        self.stride = 4

        def block(c_in: int, c_out: int, k: int, s: int) -> list[nn.Module]:
            conv = nn.Conv2d(c_in, c_out, k, s, k // 2, bias=False)
            return [conv, nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]

        layers = [*block(in_channels, width, 5, 2), nn.MaxPool2d(2), *block(width, 2 * width, 3, 1)]
        for _ in range(convs - 1):
            layers += block(2 * width, 2 * width, 3, 1)
        self.body = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.body((x - 0.5) / 0.25)  # images in [0, 1] → roughly zero mean, unit spread


def check_images(images: Any) -> Tensor:
    """A list (or batch tensor) of ``3×H×W`` float images of one size → an ``N×3×H×W`` batch."""
    if isinstance(images, Tensor) and images.dim() == 4:
        images = list(images)
    if isinstance(images, Tensor) or not isinstance(images, Sequence) or not len(images):
        raise TypeError(
            "images must be a non-empty list of 3×H×W tensors (as torchvision's detectors take "
            f"them), got {type(images).__name__}; for one image pass [image]"
        )
    for i, image in enumerate(images):
        if not isinstance(image, Tensor) or image.dim() != 3 or image.shape[0] != 3:
            shape = tuple(image.shape) if isinstance(image, Tensor) else type(image).__name__
            raise ValueError(
                f"images[{i}] must be a 3×H×W tensor (RGB, channels first), got {shape}"
            )
        if not image.is_floating_point():
            raise ValueError(
                f"images[{i}] has dtype {image.dtype}; pass floats in [0, 1] (image.float() / 255)"
            )
        if image.shape != images[0].shape:
            raise ValueError(
                f"images[{i}] is {tuple(image.shape)} but images[0] is {tuple(images[0].shape)}; "
                "these detectors take one image size per batch (resize, or run the images one by one)"
            )
    return torch.stack(list(images))


def check_proposals(proposals: Any, num_images: int) -> list[Tensor]:
    """One ``(K, 4)`` float xyxy tensor per image."""
    if isinstance(proposals, Tensor) or not isinstance(proposals, Sequence):
        raise TypeError(
            "proposals must be a list with one (K, 4) box tensor per image, got "
            f"{type(proposals).__name__}; for one image pass [boxes]"
        )
    if len(proposals) != num_images:
        raise ValueError(f"got proposals for {len(proposals)} images but {num_images} images")
    return [validate_boxes(p, name=f"proposals[{i}]").float() for i, p in enumerate(proposals)]


def _check_targets(
    targets: Any, num_classes: int, images: Tensor, masks: bool = False
) -> list[dict]:
    if targets is None:
        raise ValueError("in training mode the detector needs targets; call model.eval() to detect")
    if not isinstance(targets, Sequence) or len(targets) != len(images):
        raise ValueError(f"pass one target dict per image: {len(images)} images")
    size = tuple(images.shape[-2:])
    checked = [
        validate_target(t, num_classes, image_size=size)
        for t in targets  # type: ignore[misc]
    ]
    if masks:
        from course_utils.detection.masks import check_masks

        for i, t in enumerate(checked):
            if "masks" not in t:
                raise ValueError(
                    f"targets[{i}] has no 'masks': Mask R-CNN trains on one (H, W) binary mask "
                    "per object, stacked (K, H, W)"
                )
            check_masks(f"targets[{i}]['masks']", t["masks"], len(t["boxes"]), size)
    return checked


def _sample_all(proposals: list[Tensor], targets: list[dict], batch_size: int):
    sampled = [
        sample_proposals(p, t["boxes"], t["labels"], batch_size=batch_size)
        for p, t in zip(proposals, targets, strict=True)
    ]
    boxes, labels, regression = zip(*sampled, strict=True)
    return list(boxes), torch.cat(labels), torch.cat(regression)


class _Detector(nn.Module):
    """What the three detectors share: the head, the training batch, the post-processing."""

    def __init__(self, num_classes: int, backbone: Backbone | None, pool_size: int, hidden: int,
                 rois_per_image: int):  # fmt: skip
        super().__init__()
        self.num_classes = num_classes
        self.backbone = backbone or Backbone()
        self.pool_size = pool_size
        self.head = BoxHead(self.backbone.out_channels, pool_size, num_classes, hidden)
        self.rois_per_image = rois_per_image
        self.score_threshold, self.nms_threshold, self.detections_per_image = 0.05, 0.5, 100

    def _postprocess(self, logits, deltas, boxes, size):
        return postprocess_detections(logits, deltas, boxes, size, self.score_threshold,
                                      self.nms_threshold, self.detections_per_image)  # fmt: skip

    def _head_losses(self, logits, deltas, labels, regression) -> dict[str, Tensor]:
        classification, box = box_head_loss(logits, deltas, labels, regression)
        return {"loss_classifier": classification, "loss_box_reg": box}


class _Timer:
    def __init__(self, device: torch.device):
        self.device, self.times = device, {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        synchronize(self.device)
        now = time.perf_counter()
        self.times[name] = self.times.get(name, 0.0) + now - self._last
        self._last = now


class RCNN(_Detector):
    """R-CNN (Girshick et al., 2014): warp every proposal to ``warp_size``² and run the CNN on it.

    The region keeps ``context`` pixels of surroundings on each side of the warped crop (the
    paper: 16 of 227). The backbone's map of the crop is max-pooled to ``pool_size``² and
    classified by the same head as Fast R-CNN's (the paper trained SVMs and separate box
    regressors on the CNN's features; one softmax head trained end to end is the Fast R-CNN
    simplification, kept here so the three detectors differ only where the papers differ).
    """

    def __init__(self, num_classes: int, backbone: Backbone | None = None, warp_size: int = 64,
                 context: int = 4, pool_size: int = 7, hidden: int = 128, rois_per_image: int = 16,
                 region_batch: int = 256):  # fmt: skip
        super().__init__(num_classes, backbone, pool_size, hidden, rois_per_image)
        if not 0 <= 2 * context < warp_size:
            raise ValueError(
                f"context ({context}) must be ≥ 0 and leave room in warp_size ({warp_size})"
            )
        self.warp_size, self.context, self.region_batch = warp_size, context, region_batch

    def warp(self, images: Tensor, boxes: Sequence[Tensor]) -> Tensor:
        """Crop every box (with context) and resize it to ``warp_size``², ignoring aspect ratio."""
        grow = self.warp_size / (self.warp_size - 2 * self.context)
        padded = []
        for b in boxes:
            c = xyxy_to_cxcywh(b)
            padded.append(cxcywh_to_xyxy(torch.cat([c[:, :2], c[:, 2:] * grow], dim=1)))
        return roi_align(images, padded, (self.warp_size, self.warp_size), spatial_scale=1.0,
                         sampling_ratio=2, aligned=True)  # fmt: skip

    def classify_regions(self, crops: Tensor) -> tuple[Tensor, Tensor]:
        """The CNN on each warped crop (in chunks of ``region_batch``): scores and deltas."""
        logits, deltas = [], []
        for chunk in crops.split(self.region_batch):
            pooled = F.adaptive_max_pool2d(self.backbone(chunk), self.pool_size)
            lg, dl = self.head(pooled)
            logits.append(lg)
            deltas.append(dl)
        if not logits:
            empty = crops.new_zeros((0, self.num_classes))
            return empty, crops.new_zeros((0, 4 * self.num_classes))
        return torch.cat(logits), torch.cat(deltas)

    def forward(self, images, proposals, targets=None):
        x = check_images(images)
        proposals = check_proposals(proposals, len(x))
        if self.training:
            targets = _check_targets(targets, self.num_classes, x)
            boxes, labels, regression = _sample_all(proposals, targets, self.rois_per_image)
            logits, deltas = self.classify_regions(self.warp(x, boxes))
            return self._head_losses(logits, deltas, labels, regression)
        return self.detect_timed(images, proposals)[0]

    @torch.no_grad()
    def detect_timed(self, images, proposals) -> tuple[list[dict], dict[str, float]]:
        """Detections and seconds per stage: ``warp``, ``cnn`` (backbone + head), ``postprocess``."""
        x = check_images(images)
        proposals = check_proposals(proposals, len(x))
        timer = _Timer(x.device)
        crops = self.warp(x, proposals)
        timer.lap("warp")
        logits, deltas = self.classify_regions(crops)
        timer.lap("cnn")
        detections = self._postprocess(logits, deltas, proposals, tuple(x.shape[-2:]))
        timer.lap("postprocess")
        return detections, timer.times


class FastRCNN(_Detector):
    """Fast R-CNN (Girshick, 2015): one backbone pass per image, RoI max pooling per proposal."""

    def __init__(self, num_classes: int, backbone: Backbone | None = None, pool_size: int = 7,
                 hidden: int = 128, rois_per_image: int = 64):  # fmt: skip
        super().__init__(num_classes, backbone, pool_size, hidden, rois_per_image)

    def pool(self, features: Tensor, boxes: Sequence[Tensor]) -> Tensor:
        """RoI max pooling (torchvision's kernel; equal to ``course_utils.detection.roi_pool``)."""
        return roi_pool(features, list(boxes), self.pool_size, 1.0 / self.backbone.stride)

    def _head_training_losses(self, features, proposals, targets) -> dict[str, Tensor]:
        """Sample each image's proposals, pool them from the shared map, the head's losses."""
        boxes, labels, regression = _sample_all(proposals, targets, self.rois_per_image)
        logits, deltas = self.head(self.pool(features, boxes))
        return self._head_losses(logits, deltas, labels, regression)

    def _detect_on_features(self, x, features, proposals, timer: _Timer) -> list[dict]:
        """The stages after the proposals: ``roi_pool``, ``head``, ``postprocess`` (timed)."""
        pooled = self.pool(features, proposals)
        timer.lap("roi_pool")
        logits, deltas = self.head(pooled)
        timer.lap("head")
        detections = self._postprocess(logits, deltas, proposals, tuple(x.shape[-2:]))
        timer.lap("postprocess")
        return detections

    def forward(self, images, proposals, targets=None):
        x = check_images(images)
        proposals = check_proposals(proposals, len(x))
        if self.training:
            targets = _check_targets(targets, self.num_classes, x)
            return self._head_training_losses(self.backbone(x), proposals, targets)
        return self.detect_timed(images, proposals)[0]

    @torch.no_grad()
    def detect_timed(self, images, proposals) -> tuple[list[dict], dict[str, float]]:
        """Detections and seconds per stage: ``backbone``, ``roi_pool``, ``head``, ``postprocess``."""
        x = check_images(images)
        proposals = check_proposals(proposals, len(x))
        timer = _Timer(x.device)
        features = self.backbone(x)
        timer.lap("backbone")
        return self._detect_on_features(x, features, proposals, timer), timer.times


class FasterRCNN(FastRCNN):
    """Faster R-CNN (Ren et al., 2015): Fast R-CNN whose proposals come from an RPN on the same map."""

    def __init__(self, num_classes: int, backbone: Backbone | None = None, pool_size: int = 7,
                 hidden: int = 128, rois_per_image: int = 128, **rpn_kwargs: Any):  # fmt: skip
        super().__init__(num_classes, backbone, pool_size, hidden, rois_per_image)
        self.rpn = RegionProposalNetwork(
            self.backbone.out_channels, self.backbone.stride, **rpn_kwargs
        )

    def forward(self, images, targets=None):
        x = check_images(images)
        if self.training:
            targets = _check_targets(targets, self.num_classes, x)
            features = self.backbone(x)
            proposals, losses = self.rpn(features, tuple(x.shape[-2:]), targets)
            return {**losses, **self._head_training_losses(features, proposals, targets)}
        return self.detect_timed(images)[0]

    @torch.no_grad()
    def propose(self, images) -> list[Tensor]:
        """The RPN's proposals alone (eval mode: the inference top-N)."""
        x = check_images(images)
        return self.rpn(self.backbone(x), tuple(x.shape[-2:]))[0]

    @torch.no_grad()
    def detect_timed(self, images, proposals=None) -> tuple[list[dict], dict[str, float]]:
        """Detections and seconds per stage: ``backbone``, ``rpn``, ``roi_pool``, ``head``, ``postprocess``."""
        if proposals is not None:
            raise ValueError("Faster R-CNN makes its own proposals; do not pass any")
        x = check_images(images)
        timer = _Timer(x.device)
        features = self.backbone(x)
        timer.lap("backbone")
        proposals, _ = self.rpn(features, tuple(x.shape[-2:]))
        timer.lap("rpn")
        return self._detect_on_features(x, features, proposals, timer), timer.times


class MaskRCNN(FasterRCNN):
    """Mask R-CNN (He et al., 2017): Faster R-CNN with RoI Align and a mask branch.

    Two changes to Faster R-CNN, as in the paper: RoI *Align* replaces RoI pooling for the
    box head (no rounding of the RoI to feature cells), and a third head, parallel to
    classification and box regression, predicts a ``28 × 28`` mask per class for each
    positive RoI (:class:`~course_utils.detection.masks.MaskHead`, on ``14 × 14`` RoI Align
    features). Training adds the mask loss on the positive RoIs of the box head's sample;
    inference runs the mask head on the *final* detections and pastes each mask into the
    image. Targets need ``masks`` (``K × H × W``, binary). Eval mode returns
    ``{"boxes", "scores", "labels", "masks"}`` with ``masks`` ``(D, H, W)`` bool.

    ``pooler="max"`` puts RoI max pooling back into both heads (the ablation of Table 2c);
    ``mask_loss="softmax"`` makes the classes compete per pixel (Table 2b).
    """

    def __init__(self, num_classes: int, backbone: Backbone | None = None, pool_size: int = 7,
                 hidden: int = 128, rois_per_image: int = 128, mask_pool_size: int = 14,
                 mask_width: int = 32, pooler: str = "align", mask_loss: str = "sigmoid",
                 **rpn_kwargs: Any):  # fmt: skip
        super().__init__(num_classes, backbone, pool_size, hidden, rois_per_image, **rpn_kwargs)
        self.pooler = check_choice("pooler", pooler, ("align", "max"))
        self.mask_loss_kind = check_choice("mask_loss", mask_loss, MASK_LOSSES)
        self.mask_pool_size = mask_pool_size
        self.mask_head = MaskHead(self.backbone.out_channels, num_classes, width=mask_width)
        self.mask_threshold = 0.5

    def _pool(self, features: Tensor, boxes: Sequence[Tensor], size: int) -> Tensor:
        scale = 1.0 / self.backbone.stride
        if self.pooler == "max":
            return roi_pool(features, list(boxes), size, scale)
        # the kit's roi_align: torchvision's kernel forward, a faster backward (same gradient)
        return _roi.roi_align(features, list(boxes), size, scale, sampling_ratio=2, aligned=True)

    def pool(self, features: Tensor, boxes: Sequence[Tensor]) -> Tensor:
        """RoI Align (bilinear, no rounding) to ``pool_size``²; RoI max pooling if ``pooler="max"``."""
        return self._pool(features, boxes, self.pool_size)

    def mask_logits(self, features: Tensor, boxes: Sequence[Tensor]) -> Tensor:
        """The mask head on each box: ``(R, num_classes, 28, 28)`` logits."""
        return self.mask_head(self._pool(features, boxes, self.mask_pool_size))

    def _head_training_losses(self, features, proposals, targets) -> dict[str, Tensor]:

        boxes, labels, regression = _sample_all(proposals, targets, self.rois_per_image)
        logits, deltas = self.head(self.pool(features, boxes))
        losses = self._head_losses(logits, deltas, labels, regression)
        positive_boxes, positive_labels, mask_goals = [], [], []
        for b, lab, t in zip(boxes, labels.split([len(b) for b in boxes]), targets, strict=True):
            fg = torch.where(lab > 0)[0] if len(t["boxes"]) else lab[:0]
            matched = _box_iou(b[fg], t["boxes"]).argmax(dim=1) if len(fg) else fg  # as sampled
            positive_boxes.append(b[fg])
            positive_labels.append(lab[fg])
            mask_goals.append(mask_targets(t["masks"][matched], b[fg], self.mask_head_size))
        losses["loss_mask"] = mask_loss(self.mask_logits(features, positive_boxes),
                                        torch.cat(positive_labels), torch.cat(mask_goals),
                                        self.mask_loss_kind)  # fmt: skip
        return losses

    @property
    def mask_head_size(self) -> int:
        """Side of the predicted masks (2 × ``mask_pool_size``: 28)."""
        return 2 * self.mask_pool_size

    def forward(self, images, targets=None):
        x = check_images(images)
        if self.training:
            targets = _check_targets(targets, self.num_classes, x, masks=True)
            features = self.backbone(x)
            proposals, losses = self.rpn(features, tuple(x.shape[-2:]), targets)
            return {**losses, **self._head_training_losses(features, proposals, targets)}
        return self.detect_timed(images)[0]

    def _detect_on_features(self, x, features, proposals, timer: _Timer) -> list[dict]:
        """Faster R-CNN's stages, then ``mask_head`` (on the final boxes) and ``paste`` (timed).

        ``roi_pool`` times RoI Align unless ``pooler="max"``.
        """

        detections = super()._detect_on_features(x, features, proposals, timer)
        size = tuple(x.shape[-2:])
        boxes = [d["boxes"] for d in detections]
        logits = self.mask_logits(features, boxes)
        labels = torch.cat([d["labels"] for d in detections])
        probs = mask_probabilities(logits, labels, self.mask_loss_kind)
        timer.lap("mask_head")
        for d, p in zip(detections, probs.split([len(b) for b in boxes]), strict=True):
            d["masks"] = paste_masks(p, d["boxes"], size, self.mask_threshold)
        timer.lap("paste")
        return detections
