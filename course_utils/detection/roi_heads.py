"""The box head shared by R-CNN, Fast R-CNN and Faster R-CNN: sample, classify, regress, clean up.

After torchvision's ``roi_heads.py``. Training: every proposal is matched to the object it
overlaps most; a balanced mini-batch of them (25 % objects, IoU ≥ 0.5; the rest background,
IoU < 0.5) gets class labels and box-regression targets (:func:`sample_proposals`). The head
maps a pooled ``C × P × P`` region to ``num_classes`` scores and ``4 · num_classes`` box
deltas (:class:`BoxHead`); the loss is cross-entropy plus smooth-L1 on the deltas of the true
class (:func:`box_head_loss`, Fast R-CNN's multi-task loss). Inference: softmax, decode the
deltas of every class, clip, drop low scores, per-class NMS, keep the best
(:func:`postprocess_detections`).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

# the unchecked cores: the detectors check images, proposals and targets at their boundary
from course_utils.detection.boxes import (
    _box_iou,
    _clip_boxes,
    _decode_boxes,
    _encode_boxes,
    _remove_small_boxes,
)

__all__ = [
    "BOX_CODER_WEIGHTS",
    "BoxHead",
    "sample_proposals",
    "box_head_loss",
    "postprocess_detections",
]

#: Box-regression target scaling of the detection heads (torchvision's default).
BOX_CODER_WEIGHTS = (10.0, 10.0, 5.0, 5.0)


class BoxHead(nn.Module):
    """Two dense layers on a pooled region, then class scores and per-class box deltas.

    torchvision's ``TwoMLPHead`` + ``FastRCNNPredictor`` in one module (1024 hidden units
    there; ``hidden`` here, sized for a CPU).
    """

    def __init__(self, in_channels: int, pool_size: int, num_classes: int, hidden: int = 128):
        super().__init__()
        if num_classes < 2:
            raise ValueError(
                f"num_classes counts the background, so it must be ≥ 2, got {num_classes}"
            )
        self.num_classes = num_classes
        self.fc6 = nn.Linear(in_channels * pool_size * pool_size, hidden)
        self.fc7 = nn.Linear(hidden, hidden)
        self.cls_score = nn.Linear(hidden, num_classes)
        self.bbox_pred = nn.Linear(hidden, 4 * num_classes)
        nn.init.normal_(self.cls_score.weight, std=0.01)
        nn.init.normal_(self.bbox_pred.weight, std=0.001)
        nn.init.zeros_(self.cls_score.bias)
        nn.init.zeros_(self.bbox_pred.bias)

    def forward(self, pooled: Tensor) -> tuple[Tensor, Tensor]:
        x = F.relu(self.fc6(pooled.flatten(1)))
        x = F.relu(self.fc7(x))
        return self.cls_score(x), self.bbox_pred(x)


def sample_proposals(
    proposals: Tensor,
    gt_boxes: Tensor,
    gt_labels: Tensor,
    batch_size: int = 64,
    positive_fraction: float = 0.25,
    fg_iou: float = 0.5,
    generator: torch.Generator | None = None,
) -> tuple[Tensor, Tensor, Tensor]:
    """A training mini-batch of one image's proposals: ``(boxes, labels, regression targets)``.

    The ground-truth boxes join the proposals (so every object has a perfect positive);
    proposals with IoU ≥ ``fg_iou`` to an object take its class, the others are background
    (label 0, no regression target). At most ``positive_fraction`` of ``batch_size`` are
    positives. An image without objects yields background samples only.
    """
    proposals = torch.cat([proposals.to(gt_boxes.dtype), gt_boxes])
    if len(gt_boxes):
        iou = _box_iou(gt_boxes, proposals)  # (G, P)
        best_iou, best_gt = iou.max(dim=0)
        labels = torch.where(best_iou >= fg_iou, gt_labels[best_gt], torch.zeros_like(best_gt))
    else:
        best_gt = torch.zeros(len(proposals), dtype=torch.int64, device=proposals.device)
        labels = torch.zeros(len(proposals), dtype=torch.int64, device=proposals.device)
    positive = torch.where(labels > 0)[0]
    negative = torch.where(labels == 0)[0]
    num_pos = min(int(batch_size * positive_fraction), len(positive))
    num_neg = min(batch_size - num_pos, len(negative))
    keep = torch.cat(
        [
            positive[torch.randperm(len(positive), generator=generator)[:num_pos]],
            negative[torch.randperm(len(negative), generator=generator)[:num_neg]],
        ]
    )
    boxes, labels = proposals[keep], labels[keep]
    targets = torch.zeros_like(boxes)
    if len(gt_boxes):
        fg = labels > 0
        targets[fg] = _encode_boxes(boxes[fg], gt_boxes[best_gt[keep][fg]], BOX_CODER_WEIGHTS)
    return boxes, labels, targets


def box_head_loss(
    class_logits: Tensor, box_deltas: Tensor, labels: Tensor, targets: Tensor
) -> tuple[Tensor, Tensor]:
    """Fast R-CNN's multi-task loss: ``(classification, box regression)``.

    Cross-entropy over all sampled regions; smooth-L1 (β = 1/9, as torchvision) between the
    true class's predicted deltas and the targets, for object regions only, divided by the
    number of *all* sampled regions (torchvision's normalisation).
    """
    classification = F.cross_entropy(class_logits, labels)
    fg = torch.where(labels > 0)[0]
    deltas = box_deltas.reshape(len(box_deltas), -1, 4)[fg, labels[fg]]
    regression = F.smooth_l1_loss(deltas, targets[fg], beta=1 / 9, reduction="sum")
    return classification, regression / max(1, labels.numel())


def postprocess_detections(
    class_logits: Tensor,
    box_deltas: Tensor,
    proposals: Sequence[Tensor],
    image_size: tuple[int, int],
    score_threshold: float = 0.05,
    nms_threshold: float = 0.5,
    detections_per_image: int = 100,
) -> list[dict[str, Tensor]]:
    """Per image: ``{"boxes", "scores", "labels"}`` after per-class decoding, clipping and NMS."""
    from torchvision.ops import batched_nms  # equal to course_utils.detection.batched_nms (tested)

    num_classes = class_logits.shape[1]
    scores_all = F.softmax(class_logits, dim=1)
    boxes_all = _decode_boxes(torch.cat(list(proposals)), box_deltas, BOX_CODER_WEIGHTS)
    boxes_all = _clip_boxes(boxes_all.reshape(-1, num_classes, 4), image_size)
    results = []
    for boxes, scores in zip(
        boxes_all.split([len(p) for p in proposals]),
        scores_all.split([len(p) for p in proposals]),
        strict=True,
    ):
        labels = torch.arange(num_classes, device=scores.device).expand_as(scores)
        # drop the background column, flatten (region, class) pairs
        boxes, scores, labels = (
            boxes[:, 1:].reshape(-1, 4),
            scores[:, 1:].reshape(-1),
            labels[:, 1:].reshape(-1),
        )
        keep = torch.where(scores > score_threshold)[0]
        boxes, scores, labels = boxes[keep], scores[keep], labels[keep]
        keep = _remove_small_boxes(boxes, 1.0)
        boxes, scores, labels = boxes[keep], scores[keep], labels[keep]
        keep = batched_nms(boxes, scores, labels, nms_threshold)[:detections_per_image]
        results.append({"boxes": boxes[keep], "scores": scores[keep], "labels": labels[keep]})
    return results
