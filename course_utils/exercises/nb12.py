"""Checkers for notebook 12 (instance segmentation: Mask R-CNN's mask head).

Each checker runs the learner's function on fresh cases and compares it with
``course_utils.detection.masks``; when the answer is off it names the usual mistake it
looks like, never the expected values.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from course_utils.detection.masks import _mask_iou, mask_targets
from course_utils.exercises import (
    M,
    Verdict,
    call_answer,
    check_seed,
    draw_int,
    report,
    seeded_generator,
)
from course_utils.i18n import define

__all__ = ["TYPICAL_MISTAKES", "check_mask_target", "check_mask_iou"]

define(
    {
        "12.not_a_tensor": ("return a tensor, got {type}", "텐서를 반환해야 한다 (지금은 {type})"),
        # exercise 1
        "12.target_shape": (
            "for size={size} return a ({size}, {size}) tensor, got {shape} (drop batch/channel "
            "dimensions)",
            "size={size}이면 ({size}, {size}) 텐서를 반환하라 (지금은 {shape}): 배치/채널 차원을 "
            "없애라",
        ),
        "12.target_swapped": (
            "x and y are swapped: the mask is (H, W) = (rows = y, columns = x)",
            "x와 y가 뒤바뀌었다: 마스크는 (H, W) = (행 = y, 열 = x)이다",
        ),
        "12.target_whole_mask": (
            "you resized the whole mask: crop it to the box first",
            "마스크 전체의 크기를 바꿨다: 먼저 상자만큼 잘라 내라",
        ),
        "12.target_range": (
            "a mask target holds values in [0, 1] (the share of the object)",
            "마스크 목표의 값은 [0, 1] 범위에 있다 (객체가 차지하는 비율)",
        ),
        "12.target_other": (
            "the target differs from the object's mask in the box (IoU {iou:.2f} after "
            "thresholding at 0.5): crop [y1:y2, x1:x2], then resize",
            "목표가 상자 안의 객체 마스크와 다르다 (0.5에서 임계 처리한 뒤 IoU {iou:.2f}): "
            "[y1:y2, x1:x2]로 자른 뒤 크기를 바꿔라",
        ),
        "12.target_ok": (
            "agrees with mask_targets on {n} proposals",
            "제안 영역 {n}개에서 mask_targets와 일치한다",
        ),
        # exercise 2
        "12.iou_shape": (
            "for {n} and {m} masks return a ({n}, {m}) matrix, got {shape}",
            "마스크 {n}개와 {m}개에 대해 ({n}, {m}) 행렬을 반환하라 (지금은 {shape})",
        ),
        "12.iou_nan": (
            "two empty masks give 0/0: return 0 there, not NaN",
            "빈 마스크 두 개는 0/0이 된다: 거기서는 NaN이 아니라 0을 반환하라",
        ),
        "12.iou_union": (
            "the union counts the shared pixels once: |A| + |B| − |A ∩ B|",
            "합집합은 함께 가진 픽셀을 한 번만 센다: |A| + |B| − |A ∩ B|",
        ),
        "12.iou_transposed": ("rows are masks1, columns masks2", "행은 masks1, 열은 masks2다"),
        "12.iou_other": (
            "IoU = |A ∩ B| / |A ∪ B| for every pair (A from masks1, B from masks2)",
            "모든 쌍에 대해 IoU = |A ∩ B| / |A ∪ B| (A는 masks1에서, B는 masks2에서)",
        ),
        "12.iou_ok": (
            "equals mask_iou, empty masks included",
            "빈 마스크를 포함해 mask_iou와 같다",
        ),
    }
)


def _disc_masks(g: torch.Generator, n: int, size: int = 64) -> torch.Tensor:
    ys, xs = torch.meshgrid(torch.arange(size) + 0.5, torch.arange(size) + 0.5, indexing="ij")
    centres = torch.rand(n, 2, generator=g) * (size - 24) + 12
    radii = torch.rand(n, generator=g) * 8 + 5
    return torch.stack([(xs - cx) ** 2 + (ys - cy) ** 2 <= r**2
                        for (cx, cy), r in zip(centres.tolist(), radii.tolist(), strict=True)])  # fmt: skip


def _drawn_discs(g: torch.Generator, n: int, height: int, width: int) -> torch.Tensor:
    """``n`` disc masks of radius 22 to 30 on a ``height × width`` image, inside it."""
    ys, xs = torch.meshgrid(torch.arange(height) + 0.5, torch.arange(width) + 0.5, indexing="ij")
    centres = torch.rand(n, 2, generator=g) * (torch.tensor([width, height]) - 64) + 32
    radii = torch.rand(n, generator=g) * 8 + 22
    return torch.stack([(xs - cx) ** 2 + (ys - cy) ** 2 <= r**2
                        for (cx, cy), r in zip(centres.tolist(), radii.tolist(), strict=True)])  # fmt: skip


def _box_cases(masks: torch.Tensor, g: torch.Generator, size: int) -> list:
    """Each mask with its bounding box, corners moved by up to 3 pixels, and ``size``."""
    height, width = masks.shape[-2:]
    cases = []
    for m in masks:
        ys, xs = torch.where(m)
        box = torch.tensor([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], dtype=torch.float32)
        jitter = (torch.rand(4, generator=g) - 0.5) * 6
        limit = torch.tensor([width, height, width, height], dtype=torch.float32)
        cases.append((m, (box + jitter).clamp(min=torch.zeros(4), max=limit), size))
    return cases


def _target_cases(seed: int | None = None) -> list[tuple[torch.Tensor, torch.Tensor, int]]:
    """(instance mask (H, W), proposal box (4,), output size) triples, some boxes not square."""
    if seed is not None:
        return _drawn_target_cases(seed)
    g = torch.Generator().manual_seed(12)
    masks = _disc_masks(g, 4)
    half = torch.zeros(64, 64, dtype=torch.bool)
    half[10:50, 20:40] = True  # a tall rectangle: boxes on it tell x from y
    cases = [(half, torch.tensor([16.0, 6.0, 44.0, 54.0]), 28)]
    for m in masks:
        ys, xs = torch.where(m)
        box = torch.tensor([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], dtype=torch.float32)
        jitter = (torch.rand(4, generator=g) - 0.5) * 6
        cases.append((m, (box + jitter).clamp(0, 64), 28))
    cases.append((masks[0], cases[1][1], 14))
    return cases


def _drawn_target_cases(seed: int) -> list[tuple[torch.Tensor, torch.Tensor, int]]:
    """As the notebook's cases on another image (112 to 128 pixels a side, maybe not square):
    a rectangle twice as tall as wide or twice as wide as tall with a box around it, 3 to 5
    discs, and the first disc again at a smaller output size. The objects are large for the
    output size (48 or 56, then 28 or 32), so that any reasonable resampling (even
    ``F.interpolate``'s default, nearest) passes, as on the notebook's cases."""
    g = seeded_generator(seed, 1201)
    height, width = draw_int(112, 128, g), draw_int(112, 128, g)
    size = (48, 56)[draw_int(0, 1, g)]
    while True:  # a rectangle whose edges fall between the target's sample points
        short = draw_int(40, 50, g)
        h, w = (2 * short, short) if draw_int(0, 1, g) else (short, 2 * short)
        before = torch.randint(2, 6, (2,), generator=g).tolist()  # margins left and top
        span = [w + before[0] + draw_int(2, 5, g), h + before[1] + draw_int(2, 5, g)]
        edges = [(before[0], before[0] + w), (before[1], before[1] + h)]
        if all(
            abs((e * size / b) % 1 - 0.5) > 0.1
            for (e1, e2), b in zip(edges, span, strict=True)
            for e in (e1, e2)
        ):
            break
    x0 = draw_int(before[0], width - span[0] + before[0], g)  # the box inside the image
    y0 = draw_int(before[1], height - span[1] + before[1], g)
    rectangle = torch.zeros(height, width, dtype=torch.bool)
    rectangle[y0 : y0 + h, x0 : x0 + w] = True
    x1, y1 = x0 - before[0], y0 - before[1]
    box = torch.tensor([x1, y1, x1 + span[0], y1 + span[1]], dtype=torch.float32)
    cases = [(rectangle, box, size)]
    cases += _box_cases(_drawn_discs(g, draw_int(3, 5, g), height, width), g, size)
    cases.append((cases[1][0], cases[1][1], (28, 32)[draw_int(0, 1, g)]))
    return cases


def check_mask_target(
    target_fn: Callable[..., torch.Tensor], *, seed: int | None = None
) -> Verdict:
    """Exercise 1: ``target_fn(mask, box, size)`` is the ``size × size`` mask target of a proposal.

    ``mask`` is one object's ``(H, W)`` bool mask, ``box`` a proposal ``(x1, y1, x2, y2)`` in
    pixels; the target is the mask *inside the box*, resized to ``size × size`` (values in
    [0, 1]). Any reasonable resampling passes: the answer is compared with
    :func:`course_utils.detection.masks.mask_targets` after thresholding both at 0.5
    (IoU ≥ 0.9 of the two binary targets).
    ``seed``: None checks the notebook's cases; an int ≥ 0 draws other masks, boxes, image and
    output sizes (hidden tests).
    """
    seed = check_seed(seed)
    cases = _target_cases(seed)
    for mask, box, size in cases:
        ok, got = call_answer(target_fn, mask.clone(), box.clone(), size)
        if not ok:
            return report(False, got)
        if not isinstance(got, torch.Tensor):
            return report(False, M("12.not_a_tensor", type=type(got).__name__))
        if got.shape != (size, size):
            return report(False, M("12.target_shape", size=size, shape=str(tuple(got.shape))))
        got = got.detach().float()
        expected = mask_targets(mask[None], box[None], size)[0] >= 0.5
        iou = float(_mask_iou((got >= 0.5)[None], expected[None])[0, 0])
        if iou >= 0.9:
            continue
        transposed = float(_mask_iou((got.T >= 0.5)[None], expected[None])[0, 0])
        height, width = mask.shape
        whole = torch.tensor([[0.0, 0.0, float(width), float(height)]])
        whole = mask_targets(mask[None], whole, size)[0] >= 0.5
        if transposed >= 0.9:
            return report(False, M("12.target_swapped"))
        if float(_mask_iou((got >= 0.5)[None], whole[None])[0, 0]) >= 0.9:
            return report(False, M("12.target_whole_mask"))
        if got.max() > 1.0 + 1e-6 or got.min() < -1e-6:
            return report(False, M("12.target_range"))
        return report(False, M("12.target_other", iou=iou))
    return report(True, M("12.target_ok", n=len(cases)))


def _iou_cases(seed: int | None = None) -> list[tuple[torch.Tensor, torch.Tensor]]:
    if seed is not None:
        return _drawn_iou_cases(seed)
    g = torch.Generator().manual_seed(21)
    a, b = _disc_masks(g, 5), _disc_masks(g, 3)
    empty = torch.zeros(1, 64, 64, dtype=torch.bool)
    return [(a[:1], a[:1]), (a, b), (torch.cat([a[:2], empty]), torch.cat([empty, b[:1]]))]


def _drawn_iou_cases(seed: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """As the notebook's cases (a mask with itself, two sets, sets with an empty mask) with
    other discs, numbers of masks (2 to 6) and image sizes (72 to 128 pixels a side)."""
    g = seeded_generator(seed, 1202)
    height, width = draw_int(72, 128, g), draw_int(72, 128, g)
    a = _drawn_discs(g, draw_int(2, 6, g), height, width)
    b = _drawn_discs(g, draw_int(2, 6, g), height, width)
    empty = torch.zeros(1, height, width, dtype=torch.bool)
    return [(a[:1], a[:1]), (a, b), (torch.cat([a[:2], empty]), torch.cat([empty, b[:1]]))]


def check_mask_iou(iou_fn: Callable[..., torch.Tensor], *, seed: int | None = None) -> Verdict:
    """Exercise 2: ``iou_fn(masks1, masks2)`` is the ``(N, M)`` IoU of two sets of bool masks.

    As :func:`course_utils.detection.masks.mask_iou`: intersection over union of pixel
    sets; two empty masks have IoU 0 (not NaN).
    ``seed``: None checks the notebook's cases; an int ≥ 0 draws other masks and image sizes
    (hidden tests).
    """
    seed = check_seed(seed)
    for m1, m2 in _iou_cases(seed):
        ok, got = call_answer(iou_fn, m1.clone(), m2.clone())
        if not ok:
            return report(False, got)
        if not isinstance(got, torch.Tensor):
            return report(False, M("12.not_a_tensor", type=type(got).__name__))
        if got.shape != (len(m1), len(m2)):
            shape = str(tuple(got.shape))
            return report(False, M("12.iou_shape", n=len(m1), m=len(m2), shape=shape))
        got = got.detach().double()
        expected = _mask_iou(m1, m2)
        if torch.allclose(got, expected, atol=1e-6):
            continue
        if bool(torch.isnan(got).any()):
            return report(False, M("12.iou_nan"))
        a, b = m1.flatten(1).double(), m2.flatten(1).double()
        inter = a @ b.T
        if torch.allclose(
            got, inter / (a.sum(1)[:, None] + b.sum(1)[None]).clamp(min=1), atol=1e-6
        ):
            return report(False, M("12.iou_union"))
        if torch.allclose(got.T, expected.T[: got.shape[1], : got.shape[0]], atol=1e-6):
            return report(False, M("12.iou_transposed"))
        return report(False, M("12.iou_other"))
    return report(True, M("12.iou_ok"))


# ---------------------------------------------------------------------------------------------
# one typical mistake per exercise: code a student might write, which its checker rejects

TYPICAL_MISTAKES: dict[str, str] = {
    # x and y swapped: the crop takes rows x1:x2 and columns y1:y2
    "12.1": """
import torch.nn.functional as F


def mask_target(mask, box, size):
    x1, y1, x2, y2 = box.round().int().tolist()
    crop = mask[x1:x2, y1:y2].float()[None, None]
    return F.interpolate(crop, size=(size, size), mode="bilinear", align_corners=False)[0, 0]
""",
    # the union counts the shared pixels twice: |A| + |B|, the intersection not subtracted
    "12.2": """
import torch


def mask_iou_by_hand(masks1, masks2):
    a = masks1.flatten(1).float()
    b = masks2.flatten(1).float()
    inter = a @ b.T
    union = a.sum(1)[:, None] + b.sum(1)[None, :]
    return torch.where(union > 0, inter / union.clamp(min=1), torch.zeros_like(inter))
""",
}
