"""Non-maximum suppression: keep the best box, drop the boxes that overlap it, repeat.

A detector fires many times around one object. Greedy NMS walks the boxes from the
highest score down; each box still standing is kept and removes every later box whose IoU
with it is above ``iou_threshold``. The IoU matrix is computed once, vectorised; the walk
itself is a short loop over booleans.

Ties: boxes are ordered by a *stable* descending sort of the scores, so among equal scores
the box with the lower index comes first — the order torchvision's CPU kernel uses too.
(On the GPU torchvision does not promise an order for ties.)

NaN: a NaN box or score is refused with a ``ValueError`` (torchvision silently keeps a
NaN box and ranks a NaN score first). float16/bfloat16 boxes: the IoU is computed in
float32, so the kept set is the float32 one (torchvision's kernels do the same).

>>> boxes = torch.tensor([[0.0, 0.0, 10.0, 10.0], [1.0, 1.0, 11.0, 11.0], [20.0, 20.0, 30.0, 30.0]])
>>> nms(boxes, torch.tensor([0.9, 0.8, 0.7]), iou_threshold=0.5)
tensor([0, 2])
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from course_utils._checks import (
    check_boxes_shape,
    check_probability,
    check_tensor,
    raise_bad_boxes,
    read_scalars,
)
from course_utils.detection.boxes import _box_iou, _iou_matrix, _spans, _upcast

__all__ = ["NMSStep", "nms", "nms_steps", "batched_nms"]


def _check(boxes: Tensor, scores: Tensor, iou_threshold: float) -> float:
    """The boundary checks of the three NMS functions (the values: :func:`_check_values`)."""
    check_boxes_shape("boxes", boxes)
    check_tensor("scores", scores)
    if scores.shape != (len(boxes),):
        raise ValueError(
            f"scores must have shape ({len(boxes)},), one per box; got {tuple(scores.shape)}"
        )
    if scores.dtype == torch.bool or scores.is_complex():
        raise TypeError(f"scores must be real numbers, got dtype {scores.dtype}")
    iou_threshold = check_probability("iou_threshold", iou_threshold)
    return iou_threshold


def _check_values(boxes: Tensor, scores: Tensor, spans: Tensor) -> None:
    """Finite, ordered boxes and no NaN score: one min/max of the spans (``x2 − x1``,
    ``y2 − y1``, which the areas need anyway) and one sum (NaN in, NaN out), read together."""
    low, high, total = read_scalars(*torch.aminmax(spans), scores.sum())
    if not (low >= 0 and high < math.inf):
        raise_bad_boxes("boxes", boxes)
    if total != total and bool(torch.isnan(scores).any()):  # (inf − inf is no NaN score)
        i = int(torch.where(torch.isnan(scores))[0][0])
        raise ValueError(
            f"scores[{i}] is NaN: a NaN score has no place in the ranking (torch.sort puts it "
            "first and NMS would keep it over every real score), so it is refused; drop it "
            "with keep = ~scores.isnan() or find where it came from"
        )


def _threshold_below(iou_threshold: float, dtype: torch.dtype) -> Tensor:
    """The largest ``dtype`` number ``t ≤ iou_threshold``.

    torchvision's kernel compares a float IoU with a C++ double threshold; 0.7 is no
    float32, and ``iou > t`` is exactly ``iou > 0.7`` in double, without converting the
    whole matrix to double.
    """
    t = torch.tensor(iou_threshold, dtype=dtype)
    if t.item() > iou_threshold:
        t = torch.nextafter(t, torch.tensor(-torch.inf, dtype=dtype))
    return t


def _suppression_matrix(
    boxes: Tensor, iou_threshold: float, labels: Tensor | None = None, check: Tensor | None = None
) -> Tensor:
    """``S[i, j]`` is True when box i would remove box j (IoU above threshold, same class).

    With ``check`` (the scores), the boxes and scores are checked on the way (NaN policy).
    """
    up = _upcast(boxes)  # float32 or wider, also for float16/bfloat16 boxes
    wh = _spans(up)
    if check is not None:
        _check_values(boxes, check, wh)
    area = wh.prod(1)
    iou = _iou_matrix(up, up, area, area)
    suppress = iou > _threshold_below(iou_threshold, iou.dtype)
    if labels is not None:
        suppress &= labels[:, None] == labels[None, :]
    return suppress


def _greedy(order: Tensor, suppress_sorted: Tensor) -> Tensor:
    """The greedy walk over boxes sorted by score; returns kept positions in that order."""
    sup = suppress_sorted.cpu().numpy()
    removed = np.zeros(len(order), dtype=bool)
    kept = []
    for i in range(len(order)):
        if removed[i]:
            continue
        kept.append(i)
        removed |= sup[i]  # box i removes every box it overlaps (earlier ones are done already)
    return order[torch.as_tensor(kept, dtype=torch.int64, device=order.device)]


def nms(boxes: Tensor, scores: Tensor, iou_threshold: float) -> Tensor:
    """Greedy NMS: indices (int64) of the kept boxes, highest score first.

    Same result as ``torchvision.ops.nms``: a box is removed when its IoU with a kept,
    higher-scoring box is strictly greater than ``iou_threshold``. Memory is N² booleans
    (N = 4000 → 16 MB); for the tens of thousands of raw RPN boxes torchvision's kernel
    is the tool.

    >>> nms(torch.tensor([[0.0, 0.0, 4.0, 4.0], [0.0, 0.0, 4.0, 3.0]]), torch.tensor([0.6, 0.9]), 0.5)
    tensor([1])
    """
    iou_threshold = _check(boxes, scores, iou_threshold)
    if len(boxes) == 0:
        return torch.empty(0, dtype=torch.int64, device=boxes.device)
    order = torch.sort(scores, descending=True, stable=True).indices
    try:
        suppress = _suppression_matrix(boxes[order], iou_threshold, check=scores)
    except ValueError:  # name the row in the caller's order, not the sorted one
        _check_values(boxes, scores, _spans(_upcast(boxes)))
        raise
    return _greedy(order, suppress)


def batched_nms(boxes: Tensor, scores: Tensor, labels: Tensor, iou_threshold: float) -> Tensor:
    """NMS within each class: a box only suppresses boxes with the same label.

    Equivalent to running :func:`nms` per class and merging (highest score first).
    torchvision shifts each class's boxes far apart (the "offset trick") so that one
    plain NMS call does it; here the suppression matrix is simply masked with
    ``labels[i] == labels[j]``, which says the same thing without touching coordinates.

    >>> b = torch.tensor([[0.0, 0.0, 10.0, 10.0], [1.0, 1.0, 11.0, 11.0]])
    >>> batched_nms(b, torch.tensor([0.9, 0.8]), torch.tensor([1, 2]), 0.5)  # other class: kept
    tensor([0, 1])
    """
    if isinstance(boxes, Tensor) and boxes.numel() == 0:  # torchvision: any empty input → []
        return torch.empty(0, dtype=torch.int64, device=boxes.device)
    iou_threshold = _check(boxes, scores, iou_threshold)
    check_tensor("labels", labels)
    if labels.shape != scores.shape:
        raise ValueError(f"labels must have shape ({len(boxes)},), got {tuple(labels.shape)}")
    if labels.is_floating_point() or labels.is_complex():
        raise TypeError(f"labels must be integer class indices, got {labels.dtype}; use .long()")
    if len(boxes) == 0:
        return torch.empty(0, dtype=torch.int64, device=boxes.device)
    order = torch.sort(scores, descending=True, stable=True).indices
    try:
        suppress = _suppression_matrix(boxes[order], iou_threshold, labels[order], check=scores)
    except ValueError:  # name the row in the caller's order, not the sorted one
        _check_values(boxes, scores, _spans(_upcast(boxes)))
        raise
    return _greedy(order, suppress)


@dataclass
class NMSStep:
    """The state of greedy NMS after one pick (indices refer to the input boxes).

    ``picked`` was kept at this step; ``suppressed`` are the boxes it removed (with their
    ``ious`` to ``picked``); ``kept`` is everything kept so far; ``remaining`` are still
    waiting, highest score first.
    """

    step: int
    picked: int
    suppressed: Tensor
    ious: Tensor
    kept: Tensor
    remaining: Tensor


def nms_steps(boxes: Tensor, scores: Tensor, iou_threshold: float) -> Iterator[NMSStep]:
    """Greedy NMS one pick at a time, for an animation or a table in a notebook.

    The last step's ``kept`` equals :func:`nms`'s result.

    >>> b = torch.tensor([[0.0, 0.0, 10.0, 10.0], [1.0, 1.0, 11.0, 11.0], [20.0, 20.0, 30.0, 30.0]])
    >>> [(s.picked, s.suppressed.tolist()) for s in nms_steps(b, torch.tensor([0.9, 0.8, 0.7]), 0.5)]
    [(0, [1]), (2, [])]
    """
    iou_threshold = _check(boxes, scores, iou_threshold)
    if len(boxes):
        _check_values(boxes, scores, _spans(_upcast(boxes)))
    remaining = torch.sort(scores, descending=True, stable=True).indices
    kept: list[int] = []
    step = 0
    while len(remaining):
        best, rest = int(remaining[0]), remaining[1:]
        ious = _box_iou(boxes[best : best + 1], boxes[rest])[0]
        gone = ious > _threshold_below(iou_threshold, ious.dtype)
        kept.append(best)
        yield NMSStep(
            step=step,
            picked=best,
            suppressed=rest[gone],
            ious=ious[gone],
            kept=torch.as_tensor(kept, dtype=torch.int64, device=boxes.device),
            remaining=rest[~gone],
        )
        remaining = rest[~gone]
        step += 1
