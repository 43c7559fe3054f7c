"""Checkers for notebook 12 (instance segmentation: Mask R-CNN's mask head).

Each checker runs the learner's function on fresh cases and compares it with
``course_utils.detection.masks``; when the answer is off it names the usual mistake it
looks like, never the expected values.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from course_utils.detection.masks import _mask_iou, mask_targets
from course_utils.exercises import Verdict, call_answer, report

__all__ = ["check_mask_target", "check_mask_iou"]


def _disc_masks(g: torch.Generator, n: int, size: int = 64) -> torch.Tensor:
    ys, xs = torch.meshgrid(torch.arange(size) + 0.5, torch.arange(size) + 0.5, indexing="ij")
    centres = torch.rand(n, 2, generator=g) * (size - 24) + 12
    radii = torch.rand(n, generator=g) * 8 + 5
    return torch.stack([(xs - cx) ** 2 + (ys - cy) ** 2 <= r**2
                        for (cx, cy), r in zip(centres.tolist(), radii.tolist(), strict=True)])  # fmt: skip


def _target_cases() -> list[tuple[torch.Tensor, torch.Tensor, int]]:
    """(instance mask (H, W), proposal box (4,), output size) triples, some boxes not square."""
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


def check_mask_target(target_fn: Callable[..., torch.Tensor]) -> Verdict:
    """Exercise 1: ``target_fn(mask, box, size)`` is the ``size × size`` mask target of a proposal.

    ``mask`` is one object's ``(H, W)`` bool mask, ``box`` a proposal ``(x1, y1, x2, y2)`` in
    pixels; the target is the mask *inside the box*, resized to ``size × size`` (values in
    [0, 1]). Any reasonable resampling passes: the answer is compared with
    :func:`course_utils.detection.masks.mask_targets` after thresholding both at 0.5
    (IoU ≥ 0.9 of the two binary targets).
    """
    for mask, box, size in _target_cases():
        ok, got = call_answer(target_fn, mask.clone(), box.clone(), size)
        if not ok:
            return report(False, got)
        if not isinstance(got, torch.Tensor):
            return report(False, f"return a tensor, got {type(got).__name__}")
        if got.shape != (size, size):
            return report(False, f"for size={size} return a ({size}, {size}) tensor, got "
                                 f"{tuple(got.shape)} (drop batch/channel dimensions)")  # fmt: skip
        got = got.detach().float()
        expected = mask_targets(mask[None], box[None], size)[0] >= 0.5
        iou = float(_mask_iou((got >= 0.5)[None], expected[None])[0, 0])
        if iou >= 0.9:
            continue
        transposed = float(_mask_iou((got.T >= 0.5)[None], expected[None])[0, 0])
        whole = mask_targets(mask[None], torch.tensor([[0.0, 0.0, 64.0, 64.0]]), size)[0] >= 0.5
        if transposed >= 0.9:
            return report(
                False, "x and y are swapped: the mask is (H, W) = (rows = y, columns = x)"
            )
        if float(_mask_iou((got >= 0.5)[None], whole[None])[0, 0]) >= 0.9:
            return report(False, "you resized the whole mask: crop it to the box first")
        if got.max() > 1.0 + 1e-6 or got.min() < -1e-6:
            return report(False, "a mask target holds values in [0, 1] (the share of the object)")
        return report(False, f"the target differs from the object's mask in the box (IoU {iou:.2f} "
                             "after thresholding at 0.5): crop [y1:y2, x1:x2], then resize")  # fmt: skip
    return report(True, f"agrees with mask_targets on {len(_target_cases())} proposals")


def _iou_cases() -> list[tuple[torch.Tensor, torch.Tensor]]:
    g = torch.Generator().manual_seed(21)
    a, b = _disc_masks(g, 5), _disc_masks(g, 3)
    empty = torch.zeros(1, 64, 64, dtype=torch.bool)
    return [(a[:1], a[:1]), (a, b), (torch.cat([a[:2], empty]), torch.cat([empty, b[:1]]))]


def check_mask_iou(iou_fn: Callable[..., torch.Tensor]) -> Verdict:
    """Exercise 2: ``iou_fn(masks1, masks2)`` is the ``(N, M)`` IoU of two sets of bool masks.

    As :func:`course_utils.detection.masks.mask_iou`: intersection over union of pixel
    sets; two empty masks have IoU 0 (not NaN).
    """
    for m1, m2 in _iou_cases():
        ok, got = call_answer(iou_fn, m1.clone(), m2.clone())
        if not ok:
            return report(False, got)
        if not isinstance(got, torch.Tensor):
            return report(False, f"return a tensor, got {type(got).__name__}")
        if got.shape != (len(m1), len(m2)):
            return report(False, f"for {len(m1)} and {len(m2)} masks return a ({len(m1)}, "
                                 f"{len(m2)}) matrix, got {tuple(got.shape)}")  # fmt: skip
        got = got.detach().double()
        expected = _mask_iou(m1, m2)
        if torch.allclose(got, expected, atol=1e-6):
            continue
        if bool(torch.isnan(got).any()):
            return report(False, "two empty masks give 0/0: return 0 there, not NaN")
        a, b = m1.flatten(1).double(), m2.flatten(1).double()
        inter = a @ b.T
        if torch.allclose(
            got, inter / (a.sum(1)[:, None] + b.sum(1)[None]).clamp(min=1), atol=1e-6
        ):
            return report(False, "the union counts the shared pixels once: |A| + |B| − |A ∩ B|")
        if torch.allclose(got.T, expected.T[: got.shape[1], : got.shape[0]], atol=1e-6):
            return report(False, "rows are masks1, columns masks2")
        return report(
            False, "IoU = |A ∩ B| / |A ∪ B| for every pair (A from masks1, B from masks2)"
        )
    return report(True, "equals mask_iou, empty masks included")
