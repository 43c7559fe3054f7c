"""Boxes: formats, area, IoU, the R-CNN box coding, clipping and input checks.

Every box in this package is a row ``(x1, y1, x2, y2)`` ("xyxy") in pixels, with
``x1 <= x2`` and ``y1 <= y2``; a set of boxes is a float tensor of shape ``(K, 4)``.
Other formats appear only at the edges (data files, OpenCV) and are converted at once:

- ``xywh``   ``(x1, y1, width, height)`` — COCO files, OpenCV ``Rect``;
- ``cxcywh`` ``(centre x, centre y, width, height)`` — what box regression predicts.

>>> b = torch.tensor([[0.0, 0.0, 2.0, 2.0], [1.0, 1.0, 3.0, 3.0]])
>>> box_iou(b, b)  # overlap 1×1 over union 4 + 4 − 1 = 7
tensor([[1.0000, 0.1429],
        [0.1429, 1.0000]])
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import Tensor

from course_utils._checks import (
    boxes_ok,
    check_boxes,
    check_boxes_shape,
    check_image_size,
    check_int,
    check_number,
    check_tensor,
    first_bad_box,
    fmt_row,
    raise_bad_boxes,
    spans_ok,
)

__all__ = [
    "BBOX_XFORM_CLIP",
    "xyxy_to_xywh",
    "xywh_to_xyxy",
    "xyxy_to_cxcywh",
    "cxcywh_to_xyxy",
    "convert_boxes",
    "box_area",
    "box_iou",
    "box_iou_loops",
    "encode_boxes",
    "decode_boxes",
    "clip_boxes",
    "remove_small_boxes",
    "validate_boxes",
    "validate_target",
]

#: Largest log-scale change ``dw``/``dh`` that :func:`decode_boxes` lets through: a box may
#: grow at most 1000/16 ≈ 62× in one step (torchvision's ``bbox_xform_clip``), so that an
#: untrained regressor cannot send ``exp`` to infinity.
BBOX_XFORM_CLIP = math.log(1000.0 / 16)


# --------------------------------------------------------------------------- formats
def xyxy_to_xywh(boxes: Tensor) -> Tensor:
    """``(x1, y1, x2, y2)`` → ``(x1, y1, w, h)``.

    >>> xyxy_to_xywh(torch.tensor([[10.0, 20.0, 40.0, 60.0]]))
    tensor([[10., 20., 30., 40.]])
    """
    x1, y1, x2, y2 = check_boxes_shape("boxes", boxes, allow_batch=True).unbind(-1)
    return torch.stack((x1, y1, x2 - x1, y2 - y1), dim=-1)


def xywh_to_xyxy(boxes: Tensor) -> Tensor:
    """``(x1, y1, w, h)`` → ``(x1, y1, x2, y2)`` with ``x2 = x1 + w``.

    >>> xywh_to_xyxy(torch.tensor([[10.0, 20.0, 30.0, 40.0]]))
    tensor([[10., 20., 40., 60.]])
    """
    x1, y1, w, h = check_boxes_shape("boxes", boxes, allow_batch=True).unbind(-1)
    return torch.stack((x1, y1, x1 + w, y1 + h), dim=-1)


def xyxy_to_cxcywh(boxes: Tensor) -> Tensor:
    """``(x1, y1, x2, y2)`` → ``(cx, cy, w, h)``.

    >>> xyxy_to_cxcywh(torch.tensor([[10.0, 20.0, 40.0, 60.0]]))
    tensor([[25., 40., 30., 40.]])
    """
    x1, y1, x2, y2 = check_boxes_shape("boxes", boxes, allow_batch=True).unbind(-1)
    w, h = x2 - x1, y2 - y1
    return torch.stack((x1 + 0.5 * w, y1 + 0.5 * h, w, h), dim=-1)


def cxcywh_to_xyxy(boxes: Tensor) -> Tensor:
    """``(cx, cy, w, h)`` → ``(x1, y1, x2, y2)``.

    >>> cxcywh_to_xyxy(torch.tensor([[25.0, 40.0, 30.0, 40.0]]))
    tensor([[10., 20., 40., 60.]])
    """
    cx, cy, w, h = check_boxes_shape("boxes", boxes, allow_batch=True).unbind(-1)
    return torch.stack((cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h), dim=-1)


_TO_XYXY = {"xyxy": lambda b: b, "xywh": xywh_to_xyxy, "cxcywh": cxcywh_to_xyxy}
_FROM_XYXY = {"xyxy": lambda b: b, "xywh": xyxy_to_xywh, "cxcywh": xyxy_to_cxcywh}


def convert_boxes(boxes: Tensor, in_fmt: str, out_fmt: str) -> Tensor:
    """Convert between ``"xyxy"``, ``"xywh"`` and ``"cxcywh"`` (through xyxy).

    >>> convert_boxes(torch.tensor([[10.0, 20.0, 30.0, 40.0]]), "xywh", "cxcywh")
    tensor([[25., 40., 30., 40.]])
    """
    for fmt in (in_fmt, out_fmt):
        if not isinstance(fmt, str) or fmt not in _TO_XYXY:
            raise ValueError(f"unknown box format {fmt!r}; use one of {sorted(_TO_XYXY)}")
    return _FROM_XYXY[out_fmt](_TO_XYXY[in_fmt](boxes))


# --------------------------------------------------------------------------- area and IoU
def _upcast(t: Tensor) -> Tensor:
    """float16/bfloat16 → float32 and small integers → int32, as torchvision's ``_upcast``.

    An area or a product of two sides overflows float16 above 65504 (a 256×256 box) and
    int8 above 127; the sums and products run in the wider type, the result keeps it.
    """
    if t.is_floating_point():
        return t if t.dtype in (torch.float32, torch.float64) else t.float()
    return t if t.dtype in (torch.int32, torch.int64) else t.int()


def _spans(boxes: Tensor) -> Tensor:
    """Widths and heights ``(..., 2)`` of (upcast) boxes."""
    return boxes[..., 2:] - boxes[..., :2]


def _box_area(boxes: Tensor) -> Tensor:
    boxes = _upcast(boxes)
    return (boxes[..., 2] - boxes[..., 0]) * (boxes[..., 3] - boxes[..., 1])


def box_area(boxes: Tensor) -> Tensor:
    """Area ``(x2 − x1)·(y2 − y1)`` of each xyxy box, shape ``(K,)``.

    Computed in at least float32 (int32 for integer boxes), as torchvision does: a float16
    area overflows above 256×256 pixels, an int8 one above 11×11.

    >>> box_area(torch.tensor([[0.0, 0.0, 2.0, 3.0]]))
    tensor([6.])
    """
    check_boxes_shape("boxes", boxes, allow_batch=True)
    wh = _spans(_upcast(boxes))
    if not spans_ok(wh):
        raise_bad_boxes("boxes", boxes)
    return wh.prod(-1)


def _iou_matrix(boxes1: Tensor, boxes2: Tensor, area1: Tensor, area2: Tensor) -> Tensor:
    a, b = boxes1[:, None, :], boxes2[None, :, :]
    left = torch.maximum(a[..., 0], b[..., 0])
    top = torch.maximum(a[..., 1], b[..., 1])
    # the in-place ops (sub_, clamp_, mul_, div_) reuse the (N, M) buffers: at
    # N = M = 2000 each one is 16 MB, and fewer allocations make this 2-3× faster
    width = torch.minimum(a[..., 2], b[..., 2]).sub_(left).clamp_(min=0)  # no overlap → 0
    height = torch.minimum(a[..., 3], b[..., 3]).sub_(top).clamp_(min=0)
    inter = width.mul_(height)
    union = (area1[:, None] + area2[None, :]).sub_(inter)
    return (inter / union).nan_to_num_(0.0)  # 0/0 (zero union) → 0


def _box_iou(boxes1: Tensor, boxes2: Tensor) -> Tensor:
    """:func:`box_iou` without the input checks (for callers that checked already)."""
    boxes1, boxes2 = _upcast(boxes1), _upcast(boxes2)
    return _iou_matrix(boxes1, boxes2, _box_area(boxes1), _box_area(boxes2))


def box_iou(boxes1: Tensor, boxes2: Tensor) -> Tensor:
    """Intersection over union of every pair: an ``(N, M)`` matrix, no Python loops.

    Broadcasting does the pairing: ``boxes1[:, None, 0]`` has shape ``(N, 1)`` and
    ``boxes2[None, :, 0]`` has ``(1, M)``, so their element-wise max is ``(N, M)``: the
    left edge of every intersection at once. A pair with zero union (two zero-area
    boxes) gets IoU 0, not NaN. Boxes with NaN/inf or ``x2 < x1`` are refused (see the
    NaN policy in :mod:`course_utils.detection`). float16/bfloat16 boxes are computed in
    float32 and give a float32 matrix, as ``torchvision.ops.box_iou``.

    >>> box_iou(torch.tensor([[0.0, 0.0, 2.0, 2.0]]), torch.tensor([[1.0, 0.0, 3.0, 2.0]]))
    tensor([[0.3333]])
    """
    check_boxes_shape("boxes1", boxes1)
    check_boxes_shape("boxes2", boxes2)
    boxes1, boxes2 = _upcast(boxes1), _upcast(boxes2)
    wh1, wh2 = _spans(boxes1), _spans(boxes2)  # the areas need them anyway: checked for free
    if not spans_ok(torch.cat((wh1, wh2))):
        raise_bad_boxes("boxes1", boxes1)
        raise_bad_boxes("boxes2", boxes2)
    return _iou_matrix(boxes1, boxes2, wh1.prod(1), wh2.prod(1))


def box_iou_loops(boxes1: Tensor, boxes2: Tensor) -> Tensor:
    """Teaching reference for :func:`box_iou`: the same numbers with two Python loops.

    Slow (N·M Python iterations); use it to read, :func:`box_iou` to compute.
    """
    check_boxes("boxes1", boxes1)
    check_boxes("boxes2", boxes2)
    out = torch.zeros(len(boxes1), len(boxes2), dtype=boxes1.dtype, device=boxes1.device)
    for i, (ax1, ay1, ax2, ay2) in enumerate(boxes1.tolist()):
        for j, (bx1, by1, bx2, by2) in enumerate(boxes2.tolist()):
            inter_w = max(0.0, min(ax2, bx2) - max(ax1, bx1))
            inter_h = max(0.0, min(ay2, by2) - max(ay1, by1))
            inter = inter_w * inter_h
            union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter
            out[i, j] = inter / union if union > 0 else 0.0
    return out


# --------------------------------------------------------------------------- box coding
def _check_weights(weights: Sequence[float]) -> tuple[float, float, float, float]:
    if isinstance(weights, str) or not isinstance(weights, Sequence) or len(weights) != 4:
        raise TypeError(
            f"weights must be four numbers (wx, wy, ww, wh), e.g. (10, 10, 5, 5), got {weights!r}"
        )
    names = ("wx", "wy", "ww", "wh")
    return tuple(  # type: ignore[return-value]
        check_number(f"weights {n}", w, minimum=0, min_open=True, maximum=math.inf, max_open=True)
        for n, w in zip(names, weights, strict=True)
    )


def _check_sized(boxes: Tensor) -> Tensor:
    """0-d bool: finite, and positive width and height (box coding divides and takes logs)."""
    wh = boxes[:, 2:] - boxes[:, :2]
    return torch.isfinite(boxes).all() & (wh > 0).all()


def _first_unsized(name: str, boxes: Tensor) -> str:
    wh = boxes[:, 2:] - boxes[:, :2]
    bad = ~(wh > 0).all(dim=1)
    if not bool(torch.isfinite(boxes).all()) or not bool(bad.any()):
        return first_bad_box(name, boxes)
    i = int(torch.where(bad)[0][0])
    return (
        f"{name} row {i} is {fmt_row(boxes[i])}: zero or negative width or height. The box "
        "coding divides by the width and height and takes log(gw/pw), so every box needs "
        f"x2 > x1 and y2 > y1; drop such boxes first, e.g. {name}[remove_small_boxes({name}, 1.0)]"
    )


def _encode_boxes(proposals: Tensor, gt_boxes: Tensor, weights: Sequence[float]) -> Tensor:
    wx, wy, ww, wh = weights
    p = xyxy_to_cxcywh(proposals)
    g = xyxy_to_cxcywh(gt_boxes.to(proposals.dtype))
    tx = wx * (g[:, 0] - p[:, 0]) / p[:, 2]
    ty = wy * (g[:, 1] - p[:, 1]) / p[:, 3]
    tw = ww * torch.log(g[:, 2] / p[:, 2])
    th = wh * torch.log(g[:, 3] / p[:, 3])
    return torch.stack((tx, ty, tw, th), dim=1)


def encode_boxes(
    proposals: Tensor,
    gt_boxes: Tensor,
    weights: Sequence[float] = (10.0, 10.0, 5.0, 5.0),
) -> Tensor:
    """Regression targets that move each proposal onto its ground-truth box (R-CNN).

    With proposal centre/size ``(px, py, pw, ph)`` and ground truth ``(gx, gy, gw, gh)``::

        tx = wx·(gx − px)/pw    ty = wy·(gy − py)/ph    tw = ww·log(gw/pw)    th = wh·log(gh/ph)

    Shifts are measured in proposal widths and sizes as log-ratios, so a target means the
    same for a small and a large box. The weights only rescale the targets to about unit
    variance: (10, 10, 5, 5) for the R-CNN heads, (1, 1, 1, 1) for the RPN (torchvision).
    Both box sets need positive widths and heights (a zero width would give ±inf).

    >>> encode_boxes(torch.tensor([[0.0, 0.0, 10.0, 10.0]]), torch.tensor([[1.0, 0.0, 11.0, 20.0]]))
    tensor([[1.0000, 5.0000, 0.0000, 3.4657]])
    """
    check_boxes_shape("proposals", proposals)
    check_boxes_shape("gt_boxes", gt_boxes)
    if proposals.shape != gt_boxes.shape:
        raise ValueError(
            f"encode_boxes pairs proposal i with ground truth i, so both need the same shape; "
            f"got {tuple(proposals.shape)} and {tuple(gt_boxes.shape)}"
        )
    if not proposals.is_floating_point():
        raise TypeError(
            f"proposals must be floating point (the targets are fractions), got "
            f"{proposals.dtype}; use proposals.float()"
        )
    weights = _check_weights(weights)
    if len(proposals) and not bool(_check_sized(proposals) & _check_sized(gt_boxes)):
        for name, boxes in (("proposals", proposals), ("gt_boxes", gt_boxes)):
            if not bool(_check_sized(boxes)):
                raise ValueError(_first_unsized(name, boxes))
    return _encode_boxes(proposals, gt_boxes, weights)


def _decode_boxes(
    proposals: Tensor, deltas: Tensor, weights: Sequence[float], clip: float = BBOX_XFORM_CLIP
) -> Tensor:
    wx, wy, ww, wh = weights
    d = deltas.reshape(len(deltas), -1, 4)  # (K, C, 4)
    p = xyxy_to_cxcywh(proposals.to(deltas.dtype))[:, None, :]  # (K, 1, 4)
    dx, dy = d[..., 0] / wx, d[..., 1] / wy
    dw = (d[..., 2] / ww).clamp(max=clip)
    dh = (d[..., 3] / wh).clamp(max=clip)
    cx = dx * p[..., 2] + p[..., 0]
    cy = dy * p[..., 3] + p[..., 1]
    w = torch.exp(dw) * p[..., 2]
    h = torch.exp(dh) * p[..., 3]
    boxes = cxcywh_to_xyxy(torch.stack((cx, cy, w, h), dim=-1))
    return boxes.reshape(deltas.shape)


def decode_boxes(
    proposals: Tensor,
    deltas: Tensor,
    weights: Sequence[float] = (10.0, 10.0, 5.0, 5.0),
    clip: float = BBOX_XFORM_CLIP,
) -> Tensor:
    """Apply regression outputs to proposals: the inverse of :func:`encode_boxes`.

    ``deltas`` is ``(K, 4)`` or, for class-specific regression, ``(K, 4·C)``; the result has
    the same shape (boxes xyxy). ``dw``/``dh`` are clamped at ``clip`` (≈ log 62.5) before
    ``exp``, so a wild prediction gives a big box, never ``inf``. NaN/inf in the proposals
    or deltas (a diverged regressor) are refused.

    >>> p = torch.tensor([[0.0, 0.0, 10.0, 10.0]])
    >>> decode_boxes(p, encode_boxes(p, torch.tensor([[1.0, 0.0, 11.0, 20.0]])))
    tensor([[ 1.,  0., 11., 20.]])
    """
    check_boxes_shape("proposals", proposals)
    check_tensor("deltas", deltas)
    if deltas.dim() != 2 or deltas.shape[1] % 4 != 0 or len(deltas) != len(proposals):
        raise ValueError(
            f"deltas must be (K, 4) or (K, 4·C) for K = {len(proposals)} proposals; "
            f"got {tuple(deltas.shape)}"
        )
    if not deltas.is_floating_point():
        raise TypeError(f"deltas must be floating point, got {deltas.dtype}; use deltas.float()")
    weights = _check_weights(weights)
    clip = check_number("clip", clip, minimum=-math.inf)
    if len(proposals) and not bool(torch.isfinite(deltas).all() & torch.isfinite(proposals).all()):
        if not bool(torch.isfinite(proposals).all()):
            raise ValueError(first_bad_box("proposals", proposals, ordered=False))
        i = int(torch.where(~torch.isfinite(deltas).all(dim=1))[0][0])
        raise ValueError(
            f"deltas row {i} is {fmt_row(deltas[i])}: deltas must be finite (no NaN/inf); "
            "a regression head that outputs NaN has diverged (lower the learning rate)"
        )
    return _decode_boxes(proposals, deltas, weights, clip)


# --------------------------------------------------------------------------- clean-up
def _clip_boxes(boxes: Tensor, image_size: tuple[int, int]) -> Tensor:
    height, width = image_size
    x = boxes[..., 0::2].clamp(min=0, max=width)
    y = boxes[..., 1::2].clamp(min=0, max=height)
    return torch.stack((x[..., 0], y[..., 0], x[..., 1], y[..., 1]), dim=-1)


def clip_boxes(boxes: Tensor, image_size: tuple[int, int]) -> Tensor:
    """Clamp xyxy boxes into an image of ``image_size = (height, width)``.

    ``boxes`` may be ``(K, 4)`` or ``(..., 4)``; the image size must be positive.

    >>> clip_boxes(torch.tensor([[-5.0, 2.0, 50.0, 80.0]]), (64, 32))
    tensor([[ 0.,  2., 32., 64.]])
    """
    image_size = check_image_size("image_size", image_size)
    return _clip_boxes(check_boxes("boxes", boxes, allow_batch=True), image_size)


def _remove_small_boxes(boxes: Tensor, min_size: float) -> Tensor:
    w = boxes[:, 2] - boxes[:, 0]
    h = boxes[:, 3] - boxes[:, 1]
    return torch.where((w >= min_size) & (h >= min_size))[0]


def remove_small_boxes(boxes: Tensor, min_size: float) -> Tensor:
    """Indices of the boxes whose width and height are both at least ``min_size``.

    >>> remove_small_boxes(torch.tensor([[0.0, 0.0, 1.0, 5.0], [0.0, 0.0, 4.0, 4.0]]), 2.0)
    tensor([1])
    """
    min_size = check_number("min_size", min_size)
    return _remove_small_boxes(check_boxes("boxes", boxes, ordered=False), min_size)


# --------------------------------------------------------------------------- input checks
def validate_boxes(
    boxes: Any,
    image_size: tuple[int, int] | None = None,
    name: str = "boxes",
    allow_degenerate: bool = False,
    require_float: bool = True,
) -> Tensor:
    """Check that ``boxes`` is a ``(K, 4)`` xyxy tensor and say exactly what is wrong if not.

    Checks, in order: a tensor; shape ``(K, 4)`` (``K = 0`` is fine); a floating dtype
    (unless ``require_float=False``); finite values; ``x1 ≤ x2`` and ``y1 ≤ y2``; positive
    width and height (unless ``allow_degenerate``); inside ``image_size = (H, W)`` if given.
    Returns ``boxes`` unchanged, so it can wrap an expression.

    >>> validate_boxes(torch.tensor([[10.0, 10.0, 5.0, 30.0]]))
    Traceback (most recent call last):
    ...
    ValueError: boxes row 0 is (10, 10, 5, 30): x2 < x1. boxes must be xyxy with x1 ≤ x2 and \
y1 ≤ y2; did you pass xywh? convert with xywh_to_xyxy
    """
    if not isinstance(boxes, Tensor):
        raise TypeError(
            f"{name} must be a torch.Tensor of shape (K, 4), got {type(boxes).__name__}; "
            "use torch.as_tensor(...)"
        )
    if boxes.dim() != 2 or boxes.shape[1] != 4:
        hint = " (an image without objects has torch.zeros((0, 4)))" if boxes.numel() == 0 else ""
        raise ValueError(f"{name} must have shape (K, 4), got {tuple(boxes.shape)}{hint}")
    if require_float and not boxes.is_floating_point():
        raise ValueError(
            f"{name} must be a floating-point tensor (IoU and regression divide), got "
            f"{boxes.dtype}; use {name}.float()"
        )
    if len(boxes) == 0:
        return boxes
    if not bool(boxes_ok(boxes)):
        raise ValueError(first_bad_box(name, boxes))
    if not allow_degenerate:
        flat = (boxes[:, 2] <= boxes[:, 0]) | (boxes[:, 3] <= boxes[:, 1])
        if bool(flat.any()):
            i = int(torch.where(flat)[0][0])
            raise ValueError(
                f"{name} row {i} is {fmt_row(boxes[i])}: zero width or height. Degenerate boxes "
                f"have no area (IoU 0/0, log(0) in box regression); drop them, e.g. with "
                f"{name}[remove_small_boxes({name}, 1.0)]"
            )
    if image_size is not None:
        height, width = check_image_size("image_size", image_size)
        limit = boxes.new_tensor([0.0, 0.0, width, height])
        outside = (boxes[:, :2] < limit[:2]).any(dim=1) | (boxes[:, 2:] > limit[2:]).any(dim=1)
        if bool(outside.any()):
            i = int(torch.where(outside)[0][0])
            raise ValueError(
                f"{name} row {i} is {fmt_row(boxes[i])}: outside the image (height {height}, "
                f"width {width}); boxes are (x, y) pixels, so x ≤ width and y ≤ height. "
                f"Use clip_boxes({name}, (height, width)) if it only sticks out a little"
            )
    return boxes


def validate_target(
    target: Mapping[str, Tensor],
    num_classes: int,
    image_size: tuple[int, int] | None = None,
) -> Mapping[str, Tensor]:
    """Check one training target ``{"boxes": (K, 4) float, "labels": (K,) int64}``.

    ``num_classes`` counts the background, as in torchvision: labels run from 1 to
    ``num_classes − 1`` and 0 is reserved for background. ``K = 0`` (an image without
    objects) is valid. Returns ``target`` unchanged.

    >>> validate_target({"boxes": torch.zeros((0, 4)), "labels": torch.zeros(0, dtype=torch.int64)}, 3)
    {'boxes': tensor([], size=(0, 4)), 'labels': tensor([], dtype=torch.int64)}
    """
    num_classes = check_int(
        "num_classes", num_classes, minimum=2, hint="it counts the background as class 0"
    )
    if not isinstance(target, Mapping):
        raise TypeError(
            f"a target must be a dict with 'boxes' and 'labels', got {type(target).__name__}"
        )
    missing = [k for k in ("boxes", "labels") if k not in target]
    if missing:
        raise ValueError(f"target is missing {missing}; it needs 'boxes' (K, 4) and 'labels' (K,)")
    boxes, labels = target["boxes"], target["labels"]
    validate_boxes(boxes, image_size=image_size, name="target['boxes']")
    if not isinstance(labels, Tensor) or labels.dim() != 1:
        shape = tuple(labels.shape) if isinstance(labels, Tensor) else type(labels).__name__
        raise ValueError(f"target['labels'] must be a 1-D tensor (K,), got {shape}")
    if labels.dtype != torch.int64:
        raise ValueError(
            f"target['labels'] must be int64 class indices, got {labels.dtype}; use labels.long()"
        )
    if len(labels) != len(boxes):
        raise ValueError(
            f"target has {len(boxes)} boxes but {len(labels)} labels; one label per box"
        )
    if len(labels):
        bad = (labels < 1) | (labels >= num_classes)
        if bool(bad.any()):
            i = int(torch.where(bad)[0][0])
            zero = " (0 is background and never a ground-truth label)" if labels[i] == 0 else ""
            raise ValueError(
                f"target['labels'][{i}] = {int(labels[i])}; labels must be in 1..{num_classes - 1} "
                f"for num_classes = {num_classes} (which counts the background){zero}"
            )
    return target
