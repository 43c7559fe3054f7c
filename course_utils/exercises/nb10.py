"""Checkers for notebook 10 (Fast R-CNN: RoI projection, RoI max pooling, the multi-task loss).

Each checker compares the learner's answer with ``torchvision.ops.roi_pool`` or with the
kit's ``box_head_loss`` on seeded cases and, when the answer is off, names the usual
mistake it looks like, never the expected values.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torchvision.ops import roi_pool

from course_utils.detection.roi_heads import box_head_loss
from course_utils.exercises import (
    M,
    Message,
    Verdict,
    call_answer,
    check_seed,
    draw_int,
    report,
    seeded_generator,
)
from course_utils.i18n import define

__all__ = [
    "ROI_PROPOSAL",
    "ROI_STRIDE",
    "TYPICAL_MISTAKES",
    "check_roi_cells",
    "check_roi_pool_one",
    "check_multitask_loss",
]

define(
    {
        # exercise 1
        "10.cells_none": (
            "replace None with four whole numbers (x1, y1, x2, y2) in cells",
            "cells의 None을 정수 네 개 (x1, y1, x2, y2)로 바꿔라",
        ),
        "10.cells_not_four": (
            "give four numbers: (first column, first row, last column, last row)",
            "수 네 개를 넣어라: (첫 열, 첫 행, 마지막 열, 마지막 행)",
        ),
        "10.cells_unrounded": (
            "the projection is right; now round to whole cells",
            "투영은 맞다: 이제 정수 셀로 반올림하라",
        ),
        "10.cells_not_whole": (
            "cells are whole numbers: project the box, then round",
            "셀 좌표는 정수다: 상자를 투영한 뒤 반올림하라",
        ),
        "10.cells_pixels": (
            "these are image pixels: map the box onto the feature map first",
            "이것은 이미지 픽셀이다: 먼저 상자를 특징 맵 위로 옮겨라",
        ),
        "10.cells_order": (
            "the order is (x1, y1, x2, y2): columns first, then rows",
            "순서는 (x1, y1, x2, y2)이다: 열이 먼저, 그다음 행",
        ),
        "10.cells_floor": (
            "you rounded down (floor); RoI pooling rounds to the nearest cell",
            "내림(floor)했다: RoI 풀링은 가장 가까운 셀로 반올림한다",
        ),
        "10.cells_ceil": (
            "you rounded up (ceil); RoI pooling rounds to the nearest cell",
            "올림(ceil)했다: RoI 풀링은 가장 가까운 셀로 반올림한다",
        ),
        "10.cells_python_round": (
            "Python's round() sends a half to the even neighbour; the kernel (C's round) sends "
            "halves away from zero",
            "파이썬의 round()는 0.5를 짝수 쪽으로 보낸다: 커널(C의 round)은 0에서 먼 쪽으로 보낸다",
        ),
        "10.cells_times_stride": (
            "the stride shrinks the image: divide by it (spatial scale 1/stride)",
            "스트라이드만큼 이미지가 줄어든다: 스트라이드로 나누어라 (공간 배율 1/stride)",
        ),
        "10.cells_other": (
            "divide each coordinate by the stride, then round to the nearest cell",
            "각 좌표를 스트라이드로 나눈 뒤 가장 가까운 셀로 반올림하라",
        ),
        "10.cells_ok": (
            "scaled by 1/stride, then rounded halves away from zero, as the kernel",
            "커널과 똑같이 1/stride배로 줄인 뒤, 0.5는 0에서 먼 쪽으로 반올림했다",
        ),
        # exercise 2
        "10.pool_where": (
            "box {box} on a {h}×{w} map, scale {scale:g}, output {out}×{out}",
            "{h}×{w} 맵 위의 상자 {box}, 배율 {scale:g}, 출력 {out}×{out}",
        ),
        "10.pool_shape": (
            "for {where} the result is {shape}; it must be {out}×{out}",
            "{where}에서 결과의 모양이 {shape|이다}: {out}×{out} 모양이어야 한다",
        ),
        "10.pool_mean": (
            "RoI *max* pooling: take the largest value of each bin, not the mean",
            "RoI *최대* 풀링이다: 빈마다 평균이 아니라 가장 큰 값을 취하라",
        ),
        "10.pool_floor": (
            "project the box with rounding to the *nearest* cell, not down (floor)",
            "상자를 투영할 때 내림(floor)이 아니라 *가장 가까운* 셀로 반올림하라",
        ),
        "10.pool_python_round": (
            "round halves away from zero (as C's round), not to even (Python's round)",
            "0.5는 짝수 쪽(파이썬의 round)이 아니라 0에서 먼 쪽(C의 round)으로 반올림하라",
        ),
        "10.pool_plus_one": (
            "the region includes its last cell: it spans x2 − x1 + 1 cells (and y2 − y1 + 1)",
            "영역은 마지막 셀까지 포함한다: x2 − x1 + 1개 셀에 걸친다 (y2 − y1 + 1도 마찬가지)",
        ),
        "10.pool_bins": (
            "a bin ends at ceil((i + 1)·bin): neighbouring bins may share a cell",
            "빈은 ceil((i + 1)·bin)에서 끝난다: 이웃한 빈이 셀을 함께 쓸 수 있다",
        ),
        "10.pool_scale": (
            "multiply the box by spatial_scale to map image pixels onto the feature map",
            "이미지 픽셀을 특징 맵 위로 옮기려면 상자에 spatial_scale을 곱하라",
        ),
        "10.pool_other": (
            "compare bin by bin with torchvision.ops.roi_pool on a small map",
            "작은 맵에서 torchvision.ops.roi_pool과 빈마다 비교하라",
        ),
        "10.pool_ok": (
            "equals torchvision.ops.roi_pool on {n} regions, edge cases included",
            "까다로운 경우를 포함한 영역 {n}개에서 torchvision.ops.roi_pool과 같다",
        ),
        # exercise 3
        "10.loss_where": (
            "{regions} regions, {objects} of them objects",
            "영역 {regions}개, 그중 객체 {objects}개",
        ),
        "10.loss_not_scalar": (
            "return one number (a 0-d tensor), not a tensor of shape {shape}",
            "모양이 {shape}인 텐서가 아니라 수 하나(0차원 텐서)를 반환하라",
        ),
        "10.loss_not_a_number": (
            "return a number, not {type}",
            "수를 반환해야 한다 (지금은 {type})",
        ),
        "10.loss_background": (
            "background regions have no box target: the box term sums over object regions only "
            "([u ≥ 1])",
            "배경 영역에는 상자 목표값이 없다: 상자 항은 객체 영역에서만 더한다 ([u ≥ 1])",
        ),
        "10.loss_per_object": (
            "divide the box term by the number of *all* sampled regions, not of object regions",
            "상자 항은 객체 영역의 수가 아니라 표본으로 뽑은 *모든* 영역의 수로 나누어라",
        ),
        "10.loss_beta": (
            "smooth L1 here has β = 1/9 (quadratic only for |x| < 1/9)",
            "여기서 스무스 L1 손실은 β = 1/9이다 (|x| < 1/9에서만 이차식)",
        ),
        "10.loss_l1": (
            "smooth L1 is quadratic near zero: 0.5·x²/β for |x| < β, |x| − 0.5·β beyond",
            "스무스 L1 손실은 0 근처에서 이차식이다: |x| < β이면 0.5·x²/β, 그 밖에서는 |x| − 0.5·β",
        ),
        "10.loss_l2": (
            "the box term is smooth L1, not squared error (which outliers dominate)",
            "상자 항은 제곱 오차(이상치가 좌우한다)가 아니라 스무스 L1 손실이다",
        ),
        "10.loss_first_four": (
            "use each region's deltas for its *true* class (columns 4u … 4u + 3), not the first four",
            "영역마다 앞의 네 개가 아니라 *정답* 클래스의 변위(열 4u … 4u + 3)를 써라",
        ),
        "10.loss_no_box": ("add the box-regression term", "경계 상자 회귀 항을 더하라"),
        "10.loss_no_class": (
            "add the classification term (cross-entropy)",
            "분류 항(교차 엔트로피)을 더하라",
        ),
        "10.loss_ce_sum": (
            "average the cross-entropy over the regions (mean, not sum)",
            "교차 엔트로피를 영역에 대해 평균하라 (합이 아니라 평균)",
        ),
        "10.loss_other": (
            "write the two terms separately and check each",
            "두 항을 따로 써서 각각 확인하라",
        ),
        "10.loss_ok": (
            "equals box_head_loss on four batches, one without objects",
            "객체가 없는 배치 하나를 포함한 배치 네 개에서 box_head_loss와 같다",
        ),
    }
)

# ---------------------------------------------------------------------------------------------
# exercise 1: which feature-map cells does a proposal cover?

#: Exercise 1's proposal (x1, y1, x2, y2) in image pixels, and the backbone's stride.
ROI_PROPOSAL: tuple[float, float, float, float] = (21.0, 38.0, 90.0, 75.0)
ROI_STRIDE = 4


def _c_round(v: float) -> int:
    """C's ``round`` (halves away from zero), as torchvision's RoI-pooling kernel uses."""
    return int(math.copysign(math.floor(abs(v) + 0.5), v))


def _as_four_numbers(value: object) -> list[float] | None:
    if isinstance(value, torch.Tensor | np.ndarray):
        value = value.tolist()
    if not isinstance(value, list | tuple) or len(value) != 4:
        return None
    out = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            return None
        out.append(float(v))
    return out


def check_roi_cells(cells: object) -> Verdict:
    """Exercise 1: ``cells`` = (first column, first row, last column, last row) of the
    feature-map cells RoI max pooling uses for ``ROI_PROPOSAL`` at stride ``ROI_STRIDE``."""
    if cells is None:
        return report(False, M("10.cells_none"))
    got = _as_four_numbers(cells)
    if got is None:
        return report(False, M("10.cells_not_four"))
    scaled = [v / ROI_STRIDE for v in ROI_PROPOSAL]
    expected = [_c_round(v) for v in scaled]
    if got == expected:
        return report(True, M("10.cells_ok"))
    if any(v != int(v) for v in got):
        if got == scaled:
            return report(False, M("10.cells_unrounded"))
        return report(False, M("10.cells_not_whole"))
    if got == list(ROI_PROPOSAL):
        return report(False, M("10.cells_pixels"))
    if got == [expected[1], expected[0], expected[3], expected[2]]:
        return report(False, M("10.cells_order"))
    if got == [math.floor(v) for v in scaled]:
        return report(False, M("10.cells_floor"))
    if got == [math.ceil(v) for v in scaled]:
        return report(False, M("10.cells_ceil"))
    if got == [round(v) for v in scaled]:
        return report(False, M("10.cells_python_round"))
    if got == [_c_round(v * ROI_STRIDE) for v in ROI_PROPOSAL]:
        return report(False, M("10.cells_times_stride"))
    return report(False, M("10.cells_other"))


# ---------------------------------------------------------------------------------------------
# exercise 2: RoI max pooling of one region


def _roi_pool_variant(feature: torch.Tensor, box: torch.Tensor, out: int, scale: float,
                      rounding: Callable[[float], int] = _c_round, plus_one: int = 1,
                      edges: str = "floor-ceil", reduce: str = "max") -> torch.Tensor:  # fmt: skip
    """RoI pooling of a (H, W) map with one knob per usual mistake (the defaults are right)."""
    height, width = feature.shape
    s = torch.tensor(scale, dtype=torch.float32)
    x1, y1, x2, y2 = (rounding(float(torch.tensor(float(v)) * s)) for v in box)
    roi_w = torch.tensor(max(x2 - x1 + plus_one, 1), dtype=torch.float32)
    roi_h = torch.tensor(max(y2 - y1 + plus_one, 1), dtype=torch.float32)
    bin_w, bin_h = roi_w / out, roi_h / out  # in float32, as the kernel
    floor = lambda t: int(torch.floor(t))  # noqa: E731
    shared = (lambda t: int(torch.ceil(t))) if edges == "floor-ceil" else floor  # or: never share
    result = torch.zeros(out, out, dtype=feature.dtype)
    for ph in range(out):
        for pw in range(out):
            h0, h1 = floor(ph * bin_h), shared((ph + 1) * bin_h)
            w0, w1 = floor(pw * bin_w), shared((pw + 1) * bin_w)
            h0, h1 = min(max(h0 + y1, 0), height), min(max(h1 + y1, 0), height)
            w0, w1 = min(max(w0 + x1, 0), width), min(max(w1 + x1, 0), width)
            if h1 > h0 and w1 > w0:
                cells = feature[h0:h1, w0:w1]
                result[ph, pw] = cells.max() if reduce == "max" else cells.mean()
    return result


def _random_region(size: int, scale: float, g: torch.Generator) -> torch.Tensor:
    """A random box (image pixels) of at least one pixel whose corner lies on a size² map."""
    extent = size / scale
    corner = torch.rand(2, generator=g) * extent * 0.8
    wh = torch.rand(2, generator=g) * (extent - corner) + 1
    return torch.cat((corner, corner + wh))


def _pool_cases(seed: int | None = None) -> list[tuple[torch.Tensor, torch.Tensor, int, float]]:
    if seed is not None:
        return _drawn_pool_cases(seed)
    g = torch.Generator().manual_seed(10)
    cases = [
        # one cell of the map for each pixel: output 2×2 of a 4×4 map
        (torch.arange(16.0).reshape(4, 4), torch.tensor([0.0, 0.0, 3.0, 3.0]), 2, 1.0),
        # the exercise-1 proposal on a stride-4 map (rounding halves away from zero matters)
        (torch.randperm(32 * 32, generator=g).float().reshape(32, 32),
         torch.tensor(ROI_PROPOSAL), 7, 0.25),
    ]  # fmt: skip
    for size, scale, out in ((32, 0.25, 7), (16, 0.5, 3), (12, 1 / 16, 2), (20, 0.25, 7)):
        for _ in range(4):
            feature = torch.randperm(size * size, generator=g).float().reshape(size, size)
            cases.append((feature, _random_region(size, scale, g), out, scale))
    # a region smaller than the output grid (bins share cells) and one that leaves the map
    feature = torch.randperm(400, generator=g).float().reshape(20, 20)
    cases.append((feature, torch.tensor([40.0, 40.0, 47.0, 45.0]), 7, 0.25))
    cases.append((feature, torch.tensor([60.0, 50.0, 100.0, 95.0]), 7, 0.25))
    return cases


def _drawn_pool_cases(seed: int) -> list[tuple[torch.Tensor, torch.Tensor, int, float]]:
    """20 regions as the notebook's: one on a small map at scale 1 (bins of whole cells), one
    at stride 4 whose corners project onto halves (C's round, Python's and floor differ), four
    maps of other sizes, scales and outputs with four regions each, a region smaller than the
    output grid and one that leaves the map."""
    g = seeded_generator(seed, 1002)

    def feature_map(height: int, width: int) -> torch.Tensor:
        return torch.randperm(height * width, generator=g).float().reshape(height, width)

    out = draw_int(2, 3, g)  # bins of whole cells, as the notebook's first case
    w, h = out * draw_int(1, 2, g), out * draw_int(1, 2, g)
    n = max(w, h) + draw_int(0, 3, g)
    x1, y1 = draw_int(0, n - w, g), draw_int(0, n - h, g)
    box = torch.tensor([x1, y1, x1 + w - 1, y1 + h - 1])  # w × h cells, the last ones included
    cases = [(feature_map(n, n), box.float(), out, 1.0)]
    size = draw_int(24, 40, g)
    x1, y1 = draw_int(0, size // 2, g), 2 * draw_int(0, size // 4, g) + 1
    x2 = 2 * draw_int((x1 + 4) // 2 + 1, (size - 1) // 2, g)  # even: C's round and Python's differ
    y2 = draw_int(y1 + 3, size - 1, g)  # y1 odd: Python's round differs from floor
    box = torch.tensor([x1, y1, x2, y2]) * 4.0 + 2.0  # each corner at the middle of a stride-4 cell
    cases.append((feature_map(size, size), box, draw_int(5, 7, g), 0.25))
    for _ in range(4):
        size, out = draw_int(8, 40, g), draw_int(2, 7, g)
        scale = (1.0, 0.5, 0.25, 0.125, 1 / 16)[draw_int(0, 4, g)]
        for _ in range(4):
            cases.append((feature_map(size, size), _random_region(size, scale, g), out, scale))
    size = draw_int(16, 24, g)
    feature = feature_map(size, size)
    corner = torch.randint(0, 4 * size - 12, (2,), generator=g).float()
    small = torch.cat((corner, corner + torch.randint(2, 9, (2,), generator=g)))  # ≤ 3 cells
    cases.append((feature, small, 7, 0.25))
    corner = torch.randint(2 * size, 3 * size, (2,), generator=g).float()
    beyond = torch.cat((corner, corner + torch.randint(2 * size, 3 * size, (2,), generator=g)))
    cases.append((feature, beyond, 7, 0.25))  # past the map's right and bottom edges
    return cases


def check_roi_pool_one(
    pool_fn: Callable[[torch.Tensor, torch.Tensor, int, float], torch.Tensor],
    *,
    seed: int | None = None,
) -> Verdict:
    """Exercise 2: ``pool_fn(feature, box, output_size, spatial_scale)`` RoI-max-pools one region.

    ``feature`` is one ``(H, W)`` channel, ``box`` a ``(4,)`` xyxy tensor in image pixels;
    the answer ``(output_size, output_size)`` must equal ``torchvision.ops.roi_pool`` bit for
    bit: coordinates × scale rounded (halves away from zero), the region spans
    ``x2 − x1 + 1`` cells, bin ``i`` covers cells ``floor(i·bin)`` to ``ceil((i+1)·bin)``,
    clipped to the map; an empty bin is 0.
    ``seed``: None checks the notebook's cases; an int ≥ 0 draws other maps, regions, output
    sizes and scales (hidden tests).
    """
    cases = _pool_cases(check_seed(seed))
    for feature, box, out, scale in cases:
        ok, got = call_answer(pool_fn, feature.clone(), box.clone(), out, scale)
        if not ok:
            return report(False, got)
        height, width = feature.shape
        box_text = str([round(v, 1) for v in box.tolist()])
        where = M("10.pool_where", box=box_text, h=height, w=width, scale=scale, out=out)
        if not isinstance(got, torch.Tensor):
            return report(False, M("not_a_tensor_for", type=type(got).__name__, where=where))
        if tuple(got.shape) != (out, out):
            shape = "×".join(str(s) for s in got.shape) or M("a_scalar")
            return report(False, M("10.pool_shape", where=where, shape=shape, out=out))
        expected = roi_pool(feature[None, None], [box[None]], out, scale)[0, 0]
        got = got.to(expected.dtype)
        if torch.equal(got, expected):
            continue

        def same(**knobs: object) -> bool:
            return torch.equal(got, _roi_pool_variant(feature, box, out, scale, **knobs))  # noqa: B023

        if same(reduce="mean"):
            hint = M("10.pool_mean")
        elif same(rounding=math.floor):
            hint = M("10.pool_floor")
        elif same(rounding=lambda v: int(round(v))):
            hint = M("10.pool_python_round")
        elif same(plus_one=0):
            hint = M("10.pool_plus_one")
        elif same(edges="floor-floor"):
            hint = M("10.pool_bins")
        elif scale != 1 and torch.equal(got, _roi_pool_variant(feature, box, out, 1.0)):
            hint = M("10.pool_scale")
        else:
            hint = M("10.pool_other")
        return report(False, M("wrong_for_colon", where=where, hint=hint))
    return report(True, M("10.pool_ok", n=len(cases)))


# ---------------------------------------------------------------------------------------------
# exercise 3: the multi-task loss


_LossCase = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]


def _loss_batch(regions: int, classes: int, positives: int, g: torch.Generator) -> _LossCase:
    """Logits, deltas, labels (``positives`` objects) and targets of one sampled batch."""
    logits = torch.randn(regions, classes, generator=g) * 2
    deltas = torch.randn(regions, 4 * classes, generator=g) * 0.5
    labels = torch.zeros(regions, dtype=torch.int64)
    labels[:positives] = torch.randint(1, classes, (positives,), generator=g)
    labels = labels[torch.randperm(regions, generator=g)]
    targets = torch.randn(regions, 4, generator=g) * 0.5
    targets[labels == 0] = 0.0  # background regions have no regression target
    targets[torch.where(labels > 0)[0][:1]] += 3.0  # an outlier: smooth L1 and L2 differ most
    return logits, deltas, labels, targets


def _loss_cases(seed: int | None = None) -> list[_LossCase]:
    if seed is not None:
        return _drawn_loss_cases(seed)
    g = torch.Generator().manual_seed(100)
    cases = []
    for regions, classes, positives in ((8, 4, 3), (64, 4, 16), (32, 6, 8), (16, 4, 0)):
        cases.append(_loss_batch(regions, classes, positives, g))
    return cases


def _drawn_loss_cases(seed: int) -> list[_LossCase]:
    """Four batches of other sizes (4 to 64 regions, 2 to 8 classes), the last without
    objects, the others with objects in up to half of their regions."""
    g = seeded_generator(seed, 1003)
    cases = []
    for last in (False, False, False, True):
        regions, classes = draw_int(4, 64, g), draw_int(2, 8, g)
        positives = 0 if last else draw_int(1, regions // 2, g)
        cases.append(_loss_batch(regions, classes, positives, g))
    return cases


def _loss_variants(logits, deltas, labels, targets) -> dict[Message, float]:
    """The usual wrong multi-task losses, by the hint they deserve."""
    ce = F.cross_entropy(logits, labels)
    n = len(labels)
    fg = labels > 0
    per_class = deltas.reshape(n, -1, 4)
    true_cls = per_class[torch.arange(n), labels]

    def box(pred, mask, kind="smooth", beta=1 / 9, denom=None):
        diff = pred[mask] - targets[mask]
        if kind == "smooth":
            total = F.smooth_l1_loss(pred[mask], targets[mask], beta=beta, reduction="sum")
        elif kind == "l1":
            total = diff.abs().sum()
        else:
            total = (diff**2).sum()
        return total / (denom if denom is not None else max(1, n))

    right_box = box(true_cls, fg)
    return {
        M("10.loss_background"): float(ce + box(true_cls, torch.ones_like(fg))),
        M("10.loss_per_object"): float(ce + box(true_cls, fg, denom=max(1, int(fg.sum())))),
        M("10.loss_beta"): float(ce + box(true_cls, fg, beta=1.0)),
        M("10.loss_l1"): float(ce + box(true_cls, fg, kind="l1")),
        M("10.loss_l2"): float(ce + box(true_cls, fg, kind="l2")),
        M("10.loss_first_four"): float(ce + box(deltas[:, :4], fg)),
        M("10.loss_no_box"): float(ce),
        M("10.loss_no_class"): float(right_box),
        M("10.loss_ce_sum"): float(F.cross_entropy(logits, labels, reduction="sum") + right_box),
    }


def check_multitask_loss(loss_fn: Callable[..., object], *, seed: int | None = None) -> Verdict:
    """Exercise 3: ``loss_fn(class_logits, box_deltas, labels, targets)`` is Fast R-CNN's loss.

    ``class_logits`` ``(R, C)``, ``box_deltas`` ``(R, 4·C)``, ``labels`` ``(R,)`` (0 =
    background), ``targets`` ``(R, 4)``. The answer (a number or a 0-d tensor) must equal
    the sum of the two terms of :func:`course_utils.detection.roi_heads.box_head_loss`:
    mean cross-entropy + smooth-L1 (β = 1/9) of the true class's deltas over object regions,
    divided by R.
    ``seed``: None checks the notebook's batches; an int ≥ 0 draws four other batches (hidden
    tests).
    """
    seed = check_seed(seed)
    for logits, deltas, labels, targets in _loss_cases(seed):
        args = (logits.clone(), deltas.clone(), labels.clone(), targets.clone())
        ok, got = call_answer(loss_fn, *args)
        if not ok:
            return report(False, got)
        where = M("10.loss_where", regions=len(labels), objects=int((labels > 0).sum()))
        if isinstance(got, torch.Tensor):
            if got.numel() != 1:
                return report(False, M("10.loss_not_scalar", shape=str(tuple(got.shape))))
            got = got.item()
        if isinstance(got, bool) or not isinstance(got, numbers.Real):
            return report(False, M("10.loss_not_a_number", type=type(got).__name__))
        expected = float(sum(box_head_loss(logits, deltas, labels, targets)))
        if abs(got - expected) <= 1e-5 * max(1.0, abs(expected)):
            continue
        for hint, value in _loss_variants(logits, deltas, labels, targets).items():
            if abs(got - value) <= 1e-5 * max(1.0, abs(value)):
                return report(False, M("wrong_for_colon", where=where, hint=hint))
        return report(False, M("wrong_for_colon", where=where, hint=M("10.loss_other")))
    return report(True, M("10.loss_ok"))


# ---------------------------------------------------------------------------------------------
# one typical mistake per exercise: code a student might write, which its checker rejects

TYPICAL_MISTAKES: dict[str, str] = {
    # rounded down (floor) instead of to the nearest cell
    "10.1": """
# (21, 38, 90, 75) / 4 = (5.25, 9.5, 22.5, 18.75), each rounded down
cells = (5, 9, 22, 18)
""",
    # off by one: the region spans x2 − x1 cells, its last cell left out (no + 1)
    "10.2": """
import math

import torch


def roi_pool_one(feature, box, output_size, spatial_scale):
    height, width = feature.shape
    scale = torch.tensor(spatial_scale)
    x1, y1, x2, y2 = (math.floor(float(v * scale) + 0.5) for v in box)
    bin_w = torch.tensor(max(x2 - x1, 1), dtype=torch.float32) / output_size
    bin_h = torch.tensor(max(y2 - y1, 1), dtype=torch.float32) / output_size
    out = torch.zeros(output_size, output_size)
    for i in range(output_size):
        h0 = min(max(int(torch.floor(i * bin_h)) + y1, 0), height)
        h1 = min(max(int(torch.ceil((i + 1) * bin_h)) + y1, 0), height)
        for j in range(output_size):
            w0 = min(max(int(torch.floor(j * bin_w)) + x1, 0), width)
            w1 = min(max(int(torch.ceil((j + 1) * bin_w)) + x1, 0), width)
            if h1 > h0 and w1 > w0:
                out[i, j] = feature[h0:h1, w0:w1].max()
    return out
""",
    # the box term divided by the number of object regions, not of all regions
    "10.3": """
import torch
import torch.nn.functional as F


def multitask_loss(class_logits, box_deltas, labels, targets):
    classification = F.cross_entropy(class_logits, labels)
    fg = torch.where(labels > 0)[0]
    deltas = box_deltas.reshape(len(labels), -1, 4)[fg, labels[fg]]
    box = F.smooth_l1_loss(deltas, targets[fg], beta=1 / 9, reduction="sum") / max(1, len(fg))
    return classification + box
""",
}
