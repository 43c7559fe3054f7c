"""The region proposal network of Faster R-CNN (after torchvision's ``rpn.py``).

A 3×3 convolution slides over the backbone's feature map; at every cell two 1×1
convolutions score each of the ``A`` anchors (object or not) and regress it onto the
nearest object. Proposals are the best-scoring decoded anchors after NMS. Training labels
come from :func:`~course_utils.detection.anchors.match_anchors` (IoU ≥ 0.7 object,
< 0.3 background) and :func:`~course_utils.detection.anchors.sample_labels` (256 anchors,
at most half objects); the loss is binary cross-entropy plus smooth-L1 on the positives.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from course_utils.detection.anchors import (
    _match_anchors,
    anchor_labels,
    generate_anchors,
    sample_labels,
)

# the unchecked cores: the detector checked its images and targets at its boundary
from course_utils.detection.boxes import (
    _clip_boxes,
    _decode_boxes,
    _encode_boxes,
    _remove_small_boxes,
)

__all__ = ["RPN_CODER_WEIGHTS", "RPNHead", "RegionProposalNetwork"]

#: The RPN regresses anchors with unit weights (torchvision's default).
RPN_CODER_WEIGHTS = (1.0, 1.0, 1.0, 1.0)


class RPNHead(nn.Module):
    """3×3 conv + ReLU, then per-anchor objectness ``(N, A, H, W)`` and deltas ``(N, 4A, H, W)``."""

    def __init__(self, in_channels: int, num_anchors: int):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, in_channels, 3, padding=1)
        self.cls_logits = nn.Conv2d(in_channels, num_anchors, 1)
        self.bbox_pred = nn.Conv2d(in_channels, 4 * num_anchors, 1)
        for layer in (self.conv, self.cls_logits, self.bbox_pred):
            nn.init.normal_(layer.weight, std=0.01)
            nn.init.zeros_(layer.bias)

    def forward(self, features: Tensor) -> tuple[Tensor, Tensor]:
        x = F.relu(self.conv(features))
        return self.cls_logits(x), self.bbox_pred(x)


def _flatten(objectness: Tensor, deltas: Tensor) -> tuple[Tensor, Tensor]:
    """``(N, A, H, W)``, ``(N, 4A, H, W)`` → ``(N, H·W·A)``, ``(N, H·W·A, 4)``: the anchors' order."""
    n, a, h, w = objectness.shape
    objectness = objectness.permute(0, 2, 3, 1).reshape(n, -1)
    deltas = deltas.reshape(n, a, 4, h, w).permute(0, 3, 4, 1, 2).reshape(n, -1, 4)
    return objectness, deltas


class RegionProposalNetwork(nn.Module):
    """Anchors → objectness and deltas → proposals (and, when training, the RPN loss).

    ``stride``: image pixels per feature cell; ``sizes`` × ``aspect_ratios``: the anchors of
    one cell. ``pre_nms_top_n`` / ``post_nms_top_n`` are ``(training, inference)`` pairs.
    """

    def __init__(
        self,
        in_channels: int,
        stride: int,
        sizes: Sequence[float] = (16, 32, 64),
        aspect_ratios: Sequence[float] = (0.5, 1.0, 2.0),
        pre_nms_top_n: tuple[int, int] = (1000, 500),
        post_nms_top_n: tuple[int, int] = (256, 100),
        nms_threshold: float = 0.7,
        fg_iou: float = 0.7,
        bg_iou: float = 0.3,
        batch_size_per_image: int = 256,
        positive_fraction: float = 0.5,
        min_size: float = 1.0,
    ):
        super().__init__()
        self.stride = stride
        self.sizes, self.aspect_ratios = tuple(sizes), tuple(aspect_ratios)
        self.num_anchors = len(self.sizes) * len(self.aspect_ratios)
        self.head = RPNHead(in_channels, self.num_anchors)
        self.pre_nms_top_n, self.post_nms_top_n = pre_nms_top_n, post_nms_top_n
        self.nms_threshold = nms_threshold
        self.fg_iou, self.bg_iou = fg_iou, bg_iou
        self.batch_size_per_image, self.positive_fraction = batch_size_per_image, positive_fraction
        self.min_size = min_size
        self._anchor_cache: dict[tuple, Tensor] = {}

    def anchors(self, feature_size: tuple[int, int], device: torch.device) -> Tensor:
        """All ``H·W·A`` anchors of a feature map, cached per size."""
        key = (*feature_size, str(device))
        if key not in self._anchor_cache:
            self._anchor_cache[key] = generate_anchors(
                feature_size, self.stride, self.sizes, self.aspect_ratios, device=device
            )
        return self._anchor_cache[key]

    def select_proposals(
        self, anchors: Tensor, objectness: Tensor, deltas: Tensor, image_size: tuple[int, int]
    ) -> tuple[list[Tensor], list[Tensor]]:
        """Per image: decode, keep the top ``pre_nms_top_n`` by score, clip, NMS, top ``post``."""
        from torchvision.ops import nms  # equal to course_utils.detection.nms (tested)

        pre = self.pre_nms_top_n[0 if self.training else 1]
        post = self.post_nms_top_n[0 if self.training else 1]
        boxes_out, scores_out = [], []
        for scores, d in zip(objectness.detach(), deltas.detach(), strict=True):
            top = scores.topk(min(pre, len(scores))).indices
            boxes = _clip_boxes(_decode_boxes(anchors[top], d[top], RPN_CODER_WEIGHTS), image_size)
            scores = scores[top]
            keep = _remove_small_boxes(boxes, self.min_size)
            boxes, scores = boxes[keep], scores[keep]
            keep = nms(boxes, scores, self.nms_threshold)[:post]
            boxes_out.append(boxes[keep])
            scores_out.append(torch.sigmoid(scores[keep]))
        return boxes_out, scores_out

    def loss(
        self, anchors: Tensor, objectness: Tensor, deltas: Tensor, targets: Sequence[dict]
    ) -> tuple[Tensor, Tensor]:
        """``(objectness BCE, box smooth-L1)`` over the sampled anchors of every image."""
        sampled, labels, box_targets, positives = [], [], [], []
        offset = len(anchors)
        for i, target in enumerate(targets):
            matches = _match_anchors(anchors, target["boxes"], self.fg_iou, self.bg_iou, True)
            image_labels = anchor_labels(matches)
            pos, neg = sample_labels(
                image_labels, self.batch_size_per_image, self.positive_fraction
            )
            sampled.append(torch.cat([pos, neg]) + i * offset)
            labels.append(image_labels[torch.cat([pos, neg])])
            if len(pos):
                box_targets.append(
                    _encode_boxes(anchors[pos], target["boxes"][matches[pos]], RPN_CODER_WEIGHTS)
                )
                positives.append(pos + i * offset)
        sampled_idx = torch.cat(sampled)
        objectness_loss = F.binary_cross_entropy_with_logits(
            objectness.reshape(-1)[sampled_idx], torch.cat(labels)
        )
        if positives:
            pos_idx = torch.cat(positives)
            box_loss = F.smooth_l1_loss(
                deltas.reshape(-1, 4)[pos_idx], torch.cat(box_targets), beta=1 / 9, reduction="sum"
            ) / max(1, sampled_idx.numel())
        else:  # no object in the whole batch: nothing to regress
            box_loss = deltas.sum() * 0.0
        return objectness_loss, box_loss

    def forward(
        self,
        features: Tensor,
        image_size: tuple[int, int],
        targets: Sequence[dict] | None = None,
    ) -> tuple[list[Tensor], dict[str, Tensor]]:
        """Proposals per image, and the losses when ``targets`` are given."""
        objectness, deltas = self.head(features)
        objectness, deltas = _flatten(objectness, deltas)
        anchors = self.anchors(tuple(features.shape[-2:]), features.device)
        proposals, _ = self.select_proposals(anchors, objectness, deltas, image_size)
        losses = {}
        if targets is not None:
            obj, box = self.loss(anchors, objectness, deltas, targets)
            losses = {"loss_objectness": obj, "loss_rpn_box_reg": box}
        return proposals, losses
