"""Argument checks at the public boundary of ``course_utils``: one place, one style of message.

Every public function checks its arguments here before it computes anything, so a bad
input gives a ``TypeError`` (wrong kind of thing) or ``ValueError`` (right kind, wrong
value) that names the argument, shows what was given and says what is expected — never a
silent wrong answer or an error from deep inside PyTorch.

The checks are cheap on purpose: a tensor check is one reduction and one read-back
(``bool(...)``) per call, and only when something is wrong does it look for the first bad
row to quote. Internal helpers call the unchecked cores, so nothing is checked twice.

>>> check_probability("iou_threshold", 1.5)
Traceback (most recent call last):
...
ValueError: iou_threshold must be in [0, 1], got 1.5
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor

__all__ = [
    "describe",
    "check_int",
    "check_positive_int",
    "check_number",
    "check_probability",
    "check_choice",
    "check_tensor",
    "check_boxes",
    "check_boxes_shape",
    "check_image_size",
    "boxes_ok",
    "first_bad_box",
    "fmt_row",
    "raise_bad_boxes",
    "read_scalars",
    "spans_ok",
]


def describe(value: Any) -> str:
    """A short description of ``value`` for an error message."""
    if isinstance(value, Tensor):
        return f"a {value.dtype} tensor of shape {tuple(value.shape)}"
    text = repr(value)
    return text if len(text) <= 60 else f"{type(value).__name__} {text[:57]}..."


def _hint(hint: str) -> str:
    return f"; {hint}" if hint else ""


def check_int(
    name: str,
    value: Any,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    hint: str = "",
) -> int:
    """``value`` as an ``int`` (Python or NumPy integer, not ``bool``) within the bounds.

    >>> check_int("max_objects", 10**6, maximum=100, hint="ask for fewer objects")
    Traceback (most recent call last):
    ...
    ValueError: max_objects must be at most 100, got 1000000; ask for fewer objects
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {describe(value)}{_hint(hint)}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}{_hint(hint)}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum}, got {value}{_hint(hint)}")
    return value


def check_positive_int(name: str, value: Any, hint: str = "") -> int:
    """An ``int ≥ 1``."""
    return check_int(name, value, minimum=1, hint=hint)


def _interval(minimum, maximum, min_open, max_open) -> str:
    lo = "-inf" if minimum is None else f"{minimum:g}"
    hi = "inf" if maximum is None else f"{maximum:g}"
    return f"{'(' if min_open or minimum is None else '['}{lo}, {hi}{')' if max_open or maximum is None else ']'}"


def check_number(
    name: str,
    value: Any,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    min_open: bool = False,
    max_open: bool = False,
    hint: str = "",
) -> float:
    """A real number (int, float, NumPy scalar or one-element tensor; not ``bool`` or ``str``)
    that is not NaN and lies in the interval; returned as ``float``.

    >>> check_number("difficulty", "hard", minimum=0, maximum=1)
    Traceback (most recent call last):
    ...
    TypeError: difficulty must be a number in [0, 1], got 'hard'
    """
    interval = _interval(minimum, maximum, min_open, max_open)
    if isinstance(value, Tensor) and value.numel() == 1 and not value.is_complex():
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a number in {interval}, got {describe(value)}{_hint(hint)}"
        )
    value = float(value)
    too_low = minimum is not None and (value <= minimum if min_open else value < minimum)
    too_high = maximum is not None and (value >= maximum if max_open else value > maximum)
    if math.isnan(value) or too_low or too_high:
        raise ValueError(f"{name} must be in {interval}, got {value:g}{_hint(hint)}")
    return value


def check_probability(name: str, value: Any, hint: str = "") -> float:
    """A number in ``[0, 1]`` (an IoU threshold, a fraction, a probability)."""
    return check_number(name, value, minimum=0.0, maximum=1.0, hint=hint)


def check_choice(name: str, value: Any, choices: Sequence[Any]) -> Any:
    """One of ``choices``."""
    if not isinstance(value, str | int | float | type(None)) or value not in choices:
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {describe(value)}")
    return value


def check_tensor(name: str, value: Any, hint: str = "") -> Tensor:
    """A ``torch.Tensor`` (a list or an array is refused with the fix)."""
    if not isinstance(value, Tensor):
        fix = hint or "use torch.as_tensor(...)"
        raise TypeError(f"{name} must be a torch.Tensor, got {describe(value)}; {fix}")
    return value


def fmt_row(row: Tensor) -> str:
    return "(" + ", ".join(f"{v:g}" for v in row.tolist()) + ")"


def read_scalars(*values: Tensor) -> list[float]:
    """0-d tensors as Python numbers with at most one device read-back (none on the CPU)."""
    if all(v.device.type == "cpu" for v in values):
        return [v.item() for v in values]
    return torch.stack([v.double() for v in values]).tolist()


def spans_ok(wh: Tensor) -> bool:
    """Widths and heights ``x2 − x1``, ``y2 − y1`` all finite and ≥ 0 (one fused min/max).

    NaN anywhere in a box makes its span NaN (and ``min`` NaN); ``x2 < x1`` a negative span;
    an infinite corner an infinite or NaN span. Cheaper than ``isfinite`` plus a comparison:
    callers that need the spans anyway (areas) check them for two small ops.
    """
    if wh.numel() == 0:
        return True
    low, high = read_scalars(*torch.aminmax(wh))
    return low >= 0 and high < math.inf


def boxes_ok(boxes: Tensor, ordered: bool = True) -> Tensor:
    """A 0-d bool tensor: every coordinate finite (and ``x1 ≤ x2``, ``y1 ≤ y2``).

    One fused reduction; the caller reads it back once (or combines it with other checks).
    """
    ok = torch.isfinite(boxes).all()
    if ordered:
        ok &= (boxes[:, 2:] >= boxes[:, :2]).all()
    return ok


def first_bad_box(name: str, boxes: Tensor, ordered: bool = True) -> str | None:
    """The message for the first row that :func:`boxes_ok` refuses (None: no such row)."""
    finite = torch.isfinite(boxes).all(dim=1)
    if not bool(finite.all()):
        i = int(torch.where(~finite)[0][0])
        return (
            f"{name} row {i} is {fmt_row(boxes[i])}: boxes must be finite (no NaN/inf). "
            "A NaN box has no defined overlap, so it is refused rather than silently kept or "
            "dropped; find where it came from (a diverged regressor, a division by zero)"
        )
    if ordered:
        for axis, (lo, hi) in (("x", (0, 2)), ("y", (1, 3))):
            bad = boxes[:, hi] < boxes[:, lo]
            if bool(bad.any()):
                i = int(torch.where(bad)[0][0])
                return (
                    f"{name} row {i} is {fmt_row(boxes[i])}: {axis}2 < {axis}1. {name} must be "
                    "xyxy with x1 ≤ x2 and y1 ≤ y2; did you pass xywh? convert with xywh_to_xyxy"
                )
    return None


def raise_bad_boxes(name: str, boxes: Tensor, ordered: bool = True) -> None:
    """Raise the message of the first bad row, if there is one (a fast check said maybe)."""
    message = first_bad_box(name, boxes.reshape(-1, 4), ordered)
    if message is not None:
        raise ValueError(message)


def check_boxes_shape(name: str, boxes: Any, allow_batch: bool = False) -> Tensor:
    """A real ``(K, 4)`` tensor (``(..., 4)`` with ``allow_batch``); no look at the values."""
    check_tensor(name, boxes, hint="boxes are a (K, 4) tensor: use torch.tensor(boxes)")
    if boxes.dtype == torch.bool or boxes.is_complex():
        raise TypeError(f"{name} must hold real coordinates, got dtype {boxes.dtype}")
    good = boxes.dim() >= 1 if allow_batch else boxes.dim() == 2
    if not good or boxes.shape[-1] != 4:
        want = "(..., 4)" if allow_batch else "(N, 4)"
        hint = " (an image without boxes has torch.zeros((0, 4)))" if boxes.numel() == 0 else ""
        raise ValueError(
            f"{name} must have shape {want}, rows (x1, y1, x2, y2); got {tuple(boxes.shape)}{hint}"
        )
    return boxes


def check_boxes(name: str, boxes: Any, ordered: bool = True, allow_batch: bool = False) -> Tensor:
    """A ``(K, 4)`` xyxy box tensor: real dtype, finite, and (``ordered``) ``x1 ≤ x2``, ``y1 ≤ y2``.

    Zero-width boxes pass (their IoU is 0); integer boxes pass. One read-back per call.

    >>> check_boxes("boxes", torch.tensor([[0.0, 0.0, 1.0, 1.0, 0.5]]))
    Traceback (most recent call last):
    ...
    ValueError: boxes must have shape (N, 4), rows (x1, y1, x2, y2); got (1, 5)
    """
    check_boxes_shape(name, boxes, allow_batch)
    if boxes.numel():
        if ordered:
            ok = spans_ok(boxes[..., 2:] - boxes[..., :2])
        else:
            ok = bool(torch.isfinite(boxes).all())
        if not ok:
            raise_bad_boxes(name, boxes, ordered)
    return boxes


def check_image_size(name: str, value: Any) -> tuple[int, int]:
    """``(height, width)``, two positive numbers of pixels."""
    if isinstance(value, Tensor):
        value = value.tolist()
    if isinstance(value, str) or not isinstance(value, Sequence) or len(value) != 2:
        raise TypeError(f"{name} must be a (height, width) pair, got {describe(value)}")
    for label, v in (("height", value[0]), ("width", value[1])):
        check_number(
            f"{name} {label}", v, minimum=0, min_open=True, hint="image_size is (height, width)"
        )
    return value[0], value[1]
