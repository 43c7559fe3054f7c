"""Anchors for a Region Proposal Network: generate, match to ground truth, sample.

Faster R-CNN places ``A = len(sizes) · len(aspect_ratios)`` reference boxes ("anchors")
at every cell of the feature map; the RPN scores each anchor (object or not) and regresses
it onto the nearest object. This module makes the anchors and the training labels.

Order of the anchors, the same as torchvision's ``AnchorGenerator``: location-major,
row by row — all ``A`` anchors of cell (0, 0), then cell (0, 1), …, then row 1 … — and
within one cell aspect-ratio-major: ``(ratio 0, size 0), (ratio 0, size 1), …``. Anchor
``i`` therefore sits at cell ``(i // A) // W, (i // A) % W`` with shape ``i % A``, the same
order in which an RPN head's ``(N, A, H, W)`` output is flattened after a permute to
``(N, H, W, A)``.

>>> generate_anchors((1, 2), stride=16, sizes=(32,), aspect_ratios=(1.0,))
tensor([[-16., -16.,  16.,  16.],
        [  0., -16.,  32.,  16.]])
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from course_utils._checks import (
    check_boxes,
    check_int,
    check_positive_int,
    check_probability,
    check_tensor,
)
from course_utils.detection.boxes import _box_iou

__all__ = [
    "NEGATIVE",
    "IGNORE",
    "base_anchors",
    "generate_anchors",
    "match_anchors",
    "anchor_labels",
    "sample_labels",
]

#: ``match_anchors`` value of an anchor whose best IoU is below ``neg_iou``: background.
NEGATIVE = -1
#: ``match_anchors`` value of an anchor between the thresholds: left out of the loss.
IGNORE = -2


def base_anchors(
    sizes: Sequence[float],
    aspect_ratios: Sequence[float],
    dtype: torch.dtype = torch.float32,
) -> Tensor:
    """The ``A`` anchors of one cell, centred on (0, 0), ratio-major; shape ``(A, 4)``.

    ``aspect_ratio = height / width`` and the area stays ``size²``: ``h = size·√r``,
    ``w = size/√r``. Coordinates are rounded to whole pixels, as torchvision does.

    >>> base_anchors((32,), (0.5, 1.0, 2.0))
    tensor([[-23., -11.,  23.,  11.],
            [-16., -16.,  16.,  16.],
            [-11., -23.,  11.,  23.]])
    """
    for name, value in (("sizes", sizes), ("aspect_ratios", aspect_ratios)):
        if isinstance(value, str) or not isinstance(value, Sequence | Tensor):
            raise TypeError(f"{name} must be a sequence of numbers, e.g. (32, 64), got {value!r}")
    if not dtype.is_floating_point:
        raise TypeError(f"dtype must be a floating-point dtype, got {dtype}")
    scales = torch.as_tensor(sizes, dtype=dtype)
    ratios = torch.as_tensor(aspect_ratios, dtype=dtype)
    if scales.dim() != 1 or ratios.dim() != 1 or not len(scales) or not len(ratios):
        raise ValueError(
            f"sizes and aspect_ratios must be non-empty 1-D sequences, got {sizes}, {aspect_ratios}"
        )
    if not bool((scales > 0).all() & (ratios > 0).all() & scales.isfinite().all()):
        raise ValueError(
            f"sizes and aspect ratios must be positive and finite, got {sizes}, {aspect_ratios}"
        )
    h_ratios = torch.sqrt(ratios)
    w_ratios = 1 / h_ratios
    ws = (w_ratios[:, None] * scales[None, :]).reshape(-1)  # ratio-major, size-minor
    hs = (h_ratios[:, None] * scales[None, :]).reshape(-1)
    return (torch.stack((-ws, -hs, ws, hs), dim=1) / 2).round()


def generate_anchors(
    feature_size: tuple[int, int],
    stride: int | tuple[int, int],
    sizes: Sequence[float] = (128, 256, 512),
    aspect_ratios: Sequence[float] = (0.5, 1.0, 2.0),
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
) -> Tensor:
    """All anchors of one feature map: ``(H·W·A, 4)`` xyxy boxes in image pixels.

    ``feature_size = (H, W)`` of the feature map; ``stride`` = image pixels per feature
    cell (an int or ``(stride_y, stride_x)``). Cell ``(y, x)``'s anchors are the
    :func:`base_anchors` shifted by ``(x·stride_x, y·stride_y)`` — the cell's top-left
    pixel, as in torchvision. See the module docstring for the order.

    >>> generate_anchors((2, 3), stride=16).shape  # 2·3 cells × 9 anchors
    torch.Size([54, 4])
    """
    if (
        isinstance(feature_size, str)
        or not isinstance(feature_size, Sequence)
        or len(feature_size) != 2
    ):
        raise TypeError(f"feature_size must be (height, width) in cells, got {feature_size!r}")
    height = check_positive_int("feature_size height", feature_size[0])
    width = check_positive_int("feature_size width", feature_size[1])
    stride_y, stride_x = (stride, stride) if isinstance(stride, int | float) else stride
    for name, value in (("stride_y", stride_y), ("stride_x", stride_x)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise ValueError(
                f"stride must be a positive number of image pixels per feature cell (or a "
                f"(stride_y, stride_x) pair), got {name} = {value!r}"
            )
    cell = base_anchors(sizes, aspect_ratios, dtype=dtype).to(device)
    shift_x = torch.arange(width, device=device, dtype=dtype) * stride_x
    shift_y = torch.arange(height, device=device, dtype=dtype) * stride_y
    sy, sx = torch.meshgrid(shift_y, shift_x, indexing="ij")  # row-major grid, (H, W)
    shifts = torch.stack((sx, sy, sx, sy), dim=-1).reshape(-1, 1, 4)  # (H·W, 1, 4)
    return (shifts + cell[None, :, :]).reshape(-1, 4)  # (H·W, A, 4) → (H·W·A, 4)


def _match_anchors(
    anchors: Tensor, gt_boxes: Tensor, pos_iou: float, neg_iou: float, allow_low_quality: bool
) -> Tensor:
    """:func:`match_anchors` without the input checks (the RPN's training step)."""
    if len(gt_boxes) == 0:
        return torch.full((len(anchors),), NEGATIVE, dtype=torch.int64, device=anchors.device)
    if len(anchors) == 0:
        return torch.zeros(0, dtype=torch.int64, device=anchors.device)
    iou = _box_iou(gt_boxes, anchors)  # (G, A_total)
    best_iou, best_gt = iou.max(dim=0)  # per anchor
    matches = best_gt.clone()
    matches[best_iou < neg_iou] = NEGATIVE
    matches[(best_iou >= neg_iou) & (best_iou < pos_iou)] = IGNORE
    if allow_low_quality:
        # for each gt box the anchors with its highest IoU, ties included, get their best gt back
        best_per_gt = iou.max(dim=1, keepdim=True).values
        claimed = (iou == best_per_gt).any(dim=0)
        matches[claimed] = best_gt[claimed]
    return matches


def match_anchors(
    anchors: Tensor,
    gt_boxes: Tensor,
    pos_iou: float = 0.7,
    neg_iou: float = 0.3,
    allow_low_quality: bool = True,
) -> Tensor:
    """For every anchor, the index of its ground-truth box, or ``NEGATIVE`` (−1) / ``IGNORE`` (−2).

    The Faster R-CNN rule (torchvision's ``Matcher``): an anchor whose best IoU is
    ``≥ pos_iou`` takes that box; ``< neg_iou`` is background; in between is ignored.
    With ``allow_low_quality``, every ground-truth box also claims the anchor(s) with its
    highest IoU (ties included), even below ``pos_iou`` — otherwise a small or oddly shaped
    object might get no anchor at all. An image without ground truth: all anchors negative.

    >>> a = torch.tensor([[0.0, 0.0, 10.0, 10.0], [0.0, 0.0, 10.0, 6.0], [50.0, 50.0, 60.0, 60.0]])
    >>> match_anchors(a, torch.tensor([[0.0, 0.0, 10.0, 9.0]]))  # best IoUs 0.9, 0.67, 0
    tensor([ 0, -2, -1])
    """
    pos_iou = check_probability("pos_iou", pos_iou)
    neg_iou = check_probability("neg_iou", neg_iou)
    if not neg_iou <= pos_iou:
        raise ValueError(f"neg_iou ({neg_iou}) must not exceed pos_iou ({pos_iou})")
    check_boxes("anchors", anchors)
    check_boxes("gt_boxes", gt_boxes)
    return _match_anchors(anchors, gt_boxes, pos_iou, neg_iou, allow_low_quality)


def anchor_labels(matches: Tensor) -> Tensor:
    """RPN targets from :func:`match_anchors`: 1 object, 0 background, −1 ignore (float).

    >>> anchor_labels(torch.tensor([3, -1, -2]))
    tensor([ 1.,  0., -1.])
    """
    check_tensor("matches", matches)
    if matches.is_floating_point() or matches.is_complex():
        raise TypeError(f"matches must be integer (match_anchors' output), got {matches.dtype}")
    labels = (matches >= 0).to(torch.float32)
    labels[matches == IGNORE] = -1.0
    return labels


def sample_labels(
    labels: Tensor,
    batch_size_per_image: int = 256,
    positive_fraction: float = 0.5,
    generator: torch.Generator | None = None,
) -> tuple[Tensor, Tensor]:
    """Pick a balanced mini-batch: indices of sampled positives and negatives.

    ``labels``: ≥ 1 positive (an RPN object label or a class index), 0 negative, −1 ignore.
    At most ``batch_size_per_image · positive_fraction`` positives are drawn at random;
    negatives fill the rest. Without this, the ~99 % background anchors swamp the loss.
    Pass a seeded ``generator`` for a repeatable draw.

    >>> g = torch.Generator().manual_seed(0)
    >>> pos, neg = sample_labels(torch.tensor([1, 0, 0, 0, -1, 1]), 4, 0.25, generator=g)
    >>> len(pos), len(neg)
    (1, 3)
    """
    check_tensor("labels", labels)
    batch_size_per_image = check_int("batch_size_per_image", batch_size_per_image, minimum=0)
    positive_fraction = check_probability("positive_fraction", positive_fraction)
    positive = torch.where(labels >= 1)[0]
    negative = torch.where(labels == 0)[0]
    num_pos = min(int(batch_size_per_image * positive_fraction), len(positive))
    num_neg = min(batch_size_per_image - num_pos, len(negative))
    device = labels.device
    pos = positive[torch.randperm(len(positive), generator=generator)[:num_pos].to(device)]
    neg = negative[torch.randperm(len(negative), generator=generator)[:num_neg].to(device)]
    return pos, neg
