"""Checkers for notebook 02 (convolution-layer arithmetic).

Each checker calls the learner's function on fixed and seeded random layers, compares with
``course_utils.conv_math`` (itself checked against PyTorch), and names the first layer where the
answer is off with a hint about the usual mistake, never the expected number.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence

import numpy as np

from course_utils.conv_math import conv_output_size, conv_params, receptive_field
from course_utils.exercises import M, Verdict, call_answer, check_seed, report, whole_number
from course_utils.i18n import define

__all__ = [
    "check_dilated_output_size",
    "check_grouped_params",
    "check_same_padding",
    "check_receptive_field",
    "TYPICAL_MISTAKES",
]

# One usual wrong answer per exercise, as a student would type it (the tests check that each
# checker rejects it, on the notebook's cases and on hidden seeded ones).
TYPICAL_MISTAKES: dict[str, str] = {
    # rounds up instead of down (a window that hangs over the edge is kept)
    "02.1": """
import math


def dilated_output_size(W, F, P, S, D):
    span = D * (F - 1) + 1
    return math.ceil((W + 2 * P - span) / S) + 1
""",
    # groups ignored: every filter sees all C channels (the notebook's starter code)
    "02.2": """
def grouped_params(C, K, F, groups):
    return (F * F * C + 1) * K
""",
    # dilation ignored: the padding of the undilated kernel
    "02.3": """
def same_padding(F, D):
    return (F - 1) // 2
""",
    # strides ignored: every layer adds k − 1 input pixels
    "02.4": """
def receptive_field_size(layers):
    size = 1
    for kernel, stride in layers:
        size += kernel - 1
    return size
""",
}


define(
    {
        "02.not_a_number": (
            "return a number (an int), not {type}",
            "수(int)를 반환해야 한다 (지금은 {type})",
        ),
        # exercise 1
        "02.size_not_whole": (
            "the division does not always come out whole: PyTorch rounds it down (use // or "
            "math.floor) and returns an int",
            "나눗셈이 늘 나누어떨어지지는 않는다: PyTorch는 내림해서 (// 또는 math.floor를 써라) "
            "int를 반환한다",
        ),
        "02.size_dilation": (
            "with dilation D the kernel's taps spread over D·(F − 1) + 1 pixels",
            "팽창 D에서는 커널의 탭이 D·(F − 1) + 1 픽셀에 걸쳐 퍼진다",
        ),
        "02.size_one_side": (
            "the padding is added on both sides of the input",
            "패딩은 입력의 양쪽에 더해진다",
        ),
        "02.size_plus_one": (
            "count the window's first position too (the + 1)",
            "창의 첫 위치도 세어라 (+ 1)",
        ),
        "02.size_round_up": (
            "a window that would hang over the edge is dropped: round down, not up",
            "가장자리 밖으로 삐져나가는 창은 버린다: 올림이 아니라 내림하라",
        ),
        "02.size_other": ("check each term of the formula", "공식의 항을 하나씩 확인하라"),
        "02.size_ok": (
            "equals nn.Conv2d's output size on {n} layers, dilated ones included",
            "팽창 합성곱을 포함한 층 {n}개에서 nn.Conv2d의 출력 크기와 같다",
        ),
        # exercise 2
        "02.params_bias": (
            "each of the K filters also has one bias",
            "K개의 필터마다 편향도 하나씩 있다",
        ),
        "02.params_all_channels": (
            "with groups each filter sees only C/groups input channels, not all C",
            "그룹이 있으면 각 필터는 입력 채널 C개 전부가 아니라 C/groups개만 본다",
        ),
        "02.params_fewer_filters": (
            "groups splits the input channels each filter sees; all K filters still exist",
            "groups는 각 필터가 보는 입력 채널을 나눌 뿐이다: K개의 필터는 모두 그대로 있다",
        ),
        "02.params_one_channel": (
            "a filter spans all the input channels of its group, not one",
            "필터 하나는 입력 채널 하나가 아니라 자기 그룹의 입력 채널 전부에 걸쳐 있다",
        ),
        "02.params_one_filter": (
            "that is one filter; the layer has K of them",
            "그것은 필터 하나의 파라미터 수다: 층에는 필터가 K개 있다",
        ),
        "02.params_other": (
            "check each factor: kernel area, channels per group, bias, number of filters",
            "인수를 하나씩 확인하라: 커널 넓이, 그룹당 채널 수, 편향, 필터 수",
        ),
        "02.params_ok": (
            "equals PyTorch's parameter count on {n} layers, AlexNet's split conv2 too",
            "AlexNet의 나뉜 conv2를 포함한 층 {n}개에서 PyTorch의 파라미터 수와 같다",
        ),
        # exercise 3
        "02.padding_not_whole": (
            "for {where} the padding must be a whole number of pixels",
            "{where}에서 패딩은 정수 개의 픽셀이어야 한다",
        ),
        "02.padding_negative": (
            "for {where} the padding is negative; padding adds pixels",
            "{where}에서 패딩이 음수다: 패딩은 픽셀을 더한다",
        ),
        "02.padding_changes": (
            "the size changes for {where} ({hint})",
            "{where}에서 크기가 바뀐다 ({hint})",
        ),
        "02.padding_both_sides": (
            "padding goes on both sides, so each side needs half of what the kernel eats",
            "패딩은 양쪽에 붙으므로 한쪽에는 커널이 줄이는 양의 절반만 있으면 된다",
        ),
        "02.padding_dilation": (
            "with dilation D the kernel spans D·(F − 1) + 1 pixels",
            "팽창 D에서는 커널이 D·(F − 1) + 1 픽셀에 걸친다",
        ),
        "02.padding_too_much": (
            "too much padding: the output grows",
            "패딩이 너무 많다: 출력이 커진다",
        ),
        "02.padding_too_little": (
            "too little padding: the output shrinks",
            "패딩이 너무 적다: 출력이 줄어든다",
        ),
        "02.padding_ok": (
            "keeps the size on {n} kernel and dilation settings",
            "커널과 팽창의 설정 {n}가지에서 크기를 유지한다",
        ),
        # exercise 4
        "02.rf_wrong": ("wrong for layers {layers} ({hint})", "층 {layers}에서 틀렸다 ({hint})"),
        "02.rf_no_stride": (
            "after a stride-s layer, one step of the next layer moves s input pixels: scale each "
            "(k − 1) by the product of the strides before it",
            "스트라이드 s인 층 뒤에서는 다음 층이 한 칸 움직일 때 입력에서 s 픽셀을 움직인다: "
            "각 (k − 1)에 그 앞 층들의 스트라이드를 모두 곱하라",
        ),
        "02.rf_own_stride": (
            "scale (k − 1) by the strides of the layers *before* it, not its own",
            "(k − 1)에는 그 층 자신의 스트라이드가 아니라 *앞* 층들의 스트라이드를 곱하라",
        ),
        "02.rf_multiplied": (
            "neighbouring windows overlap: the field grows by adding, not multiplying",
            "이웃한 창은 겹친다: 수용 영역은 곱해서가 아니라 더해서 커진다",
        ),
        "02.rf_other": (
            "start from 1 pixel and grow it layer by layer",
            "1 픽셀에서 시작해 층마다 키워라",
        ),
        "02.rf_ok": (
            "equals conv_math.receptive_field on {n} stacks, AlexNet's included",
            "AlexNet을 포함한 층 묶음 {n}개에서 conv_math.receptive_field와 같다",
        ),
    }
)


def _random(seed: int | None, default: int) -> np.random.Generator:
    """The random cases' generator: the notebook's (``default``) or one drawn from ``seed``,
    never the same as the notebook's."""
    return np.random.default_rng(default if seed is None else [seed, default])


def _not_a_number(got: object) -> M | None:
    if isinstance(got, bool) or not isinstance(got, numbers.Real):
        return M("02.not_a_number", type=type(got).__name__)
    return None


# ---------------------------------------------------------------------------------------------
# exercise 1: output size with dilation


def _output_cases(seed: int | None = None) -> list[tuple[int, int, int, int, int]]:
    """(W, F, P, S, D): named layers first, then seeded random valid ones."""
    cases = [
        (227, 11, 0, 4, 1),  # AlexNet conv1
        (32, 3, 1, 2, 1),  # (32 + 2 − 3)/2 + 1 = 16.5: rounds down
        (9, 3, 0, 1, 2),  # dilation 2: the kernel spans 5 pixels
        (64, 3, 2, 1, 2),  # dilated 'same' convolution
        (7, 7, 0, 1, 1),  # the window fits once
        (30, 5, 1, 3, 3),
    ]
    rng = _random(seed, 2024)
    while len(cases) < 40:
        w, f, p, s, d = (int(v) for v in rng.integers((1, 1, 0, 1, 1), (65, 8, 4, 5, 4)))
        if w + 2 * p - d * (f - 1) - 1 >= 0:
            cases.append((w, f, p, s, d))
    return cases


def check_dilated_output_size(
    size_fn: Callable[[int, int, int, int, int], int], *, seed: int | None = None
) -> Verdict:
    """Exercise 1: ``size_fn(W, F, P, S, D)`` is a convolution's output size along one axis.

    Input W, kernel F, padding P, stride S, dilation D, as ``nn.Conv2d`` computes it.
    ``seed``: None for the notebook's layers, an int ≥ 0 for other random ones (hidden tests).
    """
    for w, f, p, s, d in _output_cases(check_seed(seed)):
        ok, got = call_answer(size_fn, w, f, p, s, d)
        if not ok:
            return report(False, got)
        if (problem := _not_a_number(got)) is not None:
            return report(False, problem)
        expected = conv_output_size(w, f, stride=s, padding=p, dilation=d)
        where = f"W={w}, F={f}, P={p}, S={s}, D={d}"
        value = whole_number(got)
        if value == expected:
            continue
        eff = d * (f - 1) + 1
        if value is None:
            hint = M("02.size_not_whole")
        elif d > 1 and value == (w + 2 * p - f) // s + 1:
            hint = M("02.size_dilation")
        elif value == (w + p - eff) // s + 1:
            hint = M("02.size_one_side")
        elif value == (w + 2 * p - eff) // s:
            hint = M("02.size_plus_one")
        elif value == math.ceil((w + 2 * p - eff) / s) + 1:
            hint = M("02.size_round_up")
        else:
            hint = M("02.size_other")
        return report(False, M("wrong_for", where=where, hint=hint))
    return report(True, M("02.size_ok", n=len(_output_cases(seed))))


# ---------------------------------------------------------------------------------------------
# exercise 2: parameters of a grouped convolution


def _group_cases(seed: int | None = None) -> list[tuple[int, int, int, int]]:
    """(C, K, F, groups): AlexNet's two-GPU conv2 first, then depthwise and random ones."""
    cases = [(96, 256, 5, 2), (3, 96, 11, 1), (32, 32, 3, 32), (64, 128, 1, 4)]
    rng = _random(seed, 7)
    while len(cases) < 30:
        groups = int(rng.choice([1, 2, 3, 4, 8]))
        c = groups * int(rng.integers(1, 17))
        k = groups * int(rng.integers(1, 17))
        cases.append((c, k, int(rng.integers(1, 8)), groups))
    return cases


def check_grouped_params(
    params_fn: Callable[[int, int, int, int], int], *, seed: int | None = None
) -> Verdict:
    """Exercise 2: ``params_fn(C, K, F, groups)`` counts a convolution's weights and biases.

    ``groups`` splits the C input channels into groups; each of the K filters sees one group.
    ``seed``: None for the notebook's layers, an int ≥ 0 for other random ones (hidden tests).
    """
    for c, k, f, g in _group_cases(check_seed(seed)):
        ok, got = call_answer(params_fn, c, k, f, g)
        if not ok:
            return report(False, got)
        if (problem := _not_a_number(got)) is not None:
            return report(False, problem)
        expected = conv_params(c, k, f, groups=g)
        value = whole_number(got)
        if value == expected:
            continue
        where = f"C={c}, K={k}, F={f}, groups={g}"
        per_filter = f * f * c // g
        if value == per_filter * k:
            hint = M("02.params_bias")
        elif g > 1 and value == (f * f * c + 1) * k:
            hint = M("02.params_all_channels")
        elif g > 1 and value == (per_filter + 1) * (k // g):
            hint = M("02.params_fewer_filters")
        elif value == (f * f + 1) * k:
            hint = M("02.params_one_channel")
        elif value == f * f * c // g + 1:
            hint = M("02.params_one_filter")
        else:
            hint = M("02.params_other")
        return report(False, M("wrong_for", where=where, hint=hint))
    return report(True, M("02.params_ok", n=len(_group_cases(seed))))


# ---------------------------------------------------------------------------------------------
# exercise 3: the padding that keeps the size


def _padding_cases(seed: int | None) -> list[tuple[int, int]]:
    """(F, D) whose dilated kernel is odd: the notebook's 17, or 17 random ones (every other
    one dilated, so that a padding which ignores D shows)."""
    if seed is None:
        return [(f, d) for d in (1, 2, 3) for f in (1, 3, 5, 7, 11, 2, 4) if (d * (f - 1) + 1) % 2]
    rng = _random(seed, 3)
    cases: list[tuple[int, int]] = []
    while len(cases) < 17:
        f = int(rng.integers(1 if len(cases) % 2 else 2, 16))
        d = int(rng.integers(1 if len(cases) % 2 else 2, 6))
        if (d * (f - 1) + 1) % 2:
            cases.append((f, d))
    return cases


def check_same_padding(
    padding_fn: Callable[[int, int], int], *, seed: int | None = None
) -> Verdict:
    """Exercise 3: ``padding_fn(F, D)`` is the padding that keeps W at stride 1.

    Kernel F, dilation D; only layers whose dilated kernel D·(F − 1) + 1 is odd are asked
    (an even one cannot be centred).
    ``seed``: None for the notebook's settings, an int ≥ 0 for other random ones (hidden tests).
    """
    cases = _padding_cases(check_seed(seed))
    for f, d in cases:
        ok, got = call_answer(padding_fn, f, d)
        if not ok:
            return report(False, got)
        if (problem := _not_a_number(got)) is not None:
            return report(False, problem)
        value = whole_number(got)
        where = f"F={f}, D={d}"
        if value is None:
            return report(False, M("02.padding_not_whole", where=where))
        if value < 0:
            return report(False, M("02.padding_negative", where=where))
        try:
            kept = all(conv_output_size(w, f, padding=value, dilation=d) == w for w in (5, 16, 33))
        except ValueError:  # the dilated kernel no longer fits a small input: the size changed
            kept = False
        if kept:
            continue
        eff = d * (f - 1) + 1
        if value == eff - 1:
            hint = M("02.padding_both_sides")
        elif d > 1 and value == (f - 1) // 2:
            hint = M("02.padding_dilation")
        elif value > (eff - 1) // 2:
            hint = M("02.padding_too_much")
        else:
            hint = M("02.padding_too_little")
        return report(False, M("02.padding_changes", where=where, hint=hint))
    return report(True, M("02.padding_ok", n=len(cases)))


# ---------------------------------------------------------------------------------------------
# exercise 4: receptive field of a stack


def _rf_cases(seed: int | None = None) -> list[list[tuple[int, int]]]:
    cases = [
        [(3, 1)] * 3,  # three 3×3 layers
        [(11, 4), (3, 2)],  # AlexNet conv1 + pool1
        [(11, 4), (3, 2), (5, 1), (3, 2), (3, 1), (3, 1), (3, 1), (3, 2)],  # AlexNet features
        [(7, 2), (3, 2), (3, 1), (3, 1)],  # a ResNet stem and one block
        [(1, 1), (2, 2), (1, 1)],
    ]
    rng = _random(seed, 11)
    for _ in range(15):
        depth = int(rng.integers(1, 7))
        cases.append([(int(rng.integers(1, 8)), int(rng.integers(1, 4))) for _ in range(depth)])
    return cases


def _describe(layers: Sequence[tuple[int, int]]) -> str:
    return "[" + ", ".join(f"({k}, {s})" for k, s in layers) + "]"


def check_receptive_field(
    rf_fn: Callable[[list[tuple[int, int]]], int], *, seed: int | None = None
) -> Verdict:
    """Exercise 4: ``rf_fn(layers)`` is the receptive field, in input pixels, of one unit after
    a stack of layers given as ``(kernel, stride)`` pairs (dilation 1).

    ``seed``: None for the notebook's stacks, an int ≥ 0 for other random ones (hidden tests).
    """
    for layers in _rf_cases(check_seed(seed)):
        ok, got = call_answer(rf_fn, [tuple(layer) for layer in layers])
        if not ok:
            return report(False, got)
        if (problem := _not_a_number(got)) is not None:
            return report(False, problem)
        expected = receptive_field(layers)[-1].size
        value = whole_number(got)
        if value == expected:
            continue
        ignore_stride = 1 + sum(k - 1 for k, _ in layers)
        own_stride, jump = 1, 1
        for k, s in layers:
            jump *= s
            own_stride += (k - 1) * jump
        if value == ignore_stride:
            hint = M("02.rf_no_stride")
        elif value == own_stride:
            hint = M("02.rf_own_stride")
        elif value == math.prod(k for k, _ in layers):
            hint = M("02.rf_multiplied")
        else:
            hint = M("02.rf_other")
        return report(False, M("02.rf_wrong", layers=_describe(layers), hint=hint))
    return report(True, M("02.rf_ok", n=len(_rf_cases(seed))))
