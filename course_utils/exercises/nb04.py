"""Checkers for notebook 04 (AlexNet and ZFNet).

Each checker runs the learner's function on fixed and seeded inputs, compares with a reference
(PyTorch or ``course_utils.conv_math``), and says what is off without printing the expected value.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

import torch
from torch import nn

from course_utils.conv_math import conv_output_size, pool_output_size
from course_utils.exercises import M, Verdict, call_answer, check_seed, report, whole_number
from course_utils.i18n import define

__all__ = ["check_dropout", "check_conv_pool_side", "check_dense_head_params", "TYPICAL_MISTAKES"]


define(
    {
        "04.not_whole": (
            "return a whole number (an int), not {got}",
            "정수(int)를 반환해야 한다 (지금은 {got})",
        ),
        # exercise 1
        "04.dropout_shape": (
            "the output has shape {shape}; dropout keeps the input's shape",
            "출력의 모양이 {shape|이다}: 드롭아웃은 입력의 모양을 유지한다",
        ),
        "04.eval_scaled": (
            "in evaluation (training=False) the input must come back unchanged: inverted "
            "dropout does its scaling during training, so test time needs no correction",
            "평가 모드(training=False)에서는 입력이 그대로 돌아와야 한다: 역 드롭아웃은 학습 중에 "
            "크기를 조정하므로 테스트 때는 보정할 것이 없다",
        ),
        "04.eval_changed": (
            "in evaluation (training=False) no value may be dropped or changed",
            "평가 모드(training=False)에서는 어떤 값도 버리거나 바꾸면 안 된다",
        ),
        "04.p_zero": (
            "with p = 0 nothing is dropped: the output must equal the input",
            "p = 0이면 아무것도 버리지 않는다: 출력이 입력과 같아야 한다",
        ),
        "04.keep_probability": (
            "with p = {p} about {rate:.0%} of the values were zeroed: p is the probability "
            "of *dropping* a value, not of keeping it",
            "p = {p}에서 값의 약 {rate:.0%|가} 0이 되었다: p는 값을 남길 확률이 아니라 *버릴* "
            "확률이다",
        ),
        "04.drop_rate": (
            "with p = {p}, {rate:.1%} of the values were zeroed; expected about {want:.0%}",
            "p = {p}에서 값의 {rate:.1%|가} 0이 되었다: 약 {want:.0%}여야 한다",
        ),
        "04.whole_rows": (
            "whole rows are dropped together: draw one independent coin per value "
            "(a mask with the same shape as x)",
            "행 전체가 한꺼번에 버려진다: 값마다 독립적으로 동전을 하나씩 던져라 "
            "(x와 모양이 같은 마스크)",
        ),
        "04.not_rescaled": (
            "the kept values are not rescaled: divide them by (1 − p) so the expected "
            "output equals the input (inverted dropout)",
            "남긴 값의 크기가 조정되지 않았다: 출력의 기댓값이 입력과 같도록 (1 − p)로 나누어라 "
            "(역 드롭아웃)",
        ),
        "04.multiplied": (
            "the kept values are multiplied by (1 − p): divide by it instead",
            "남긴 값에 (1 − p)를 곱했다: 곱하지 말고 나누어라",
        ),
        "04.not_divided": (
            "with p = {p} the kept values are not the input divided by 1 − p",
            "p = {p}에서 남긴 값이 입력을 1 − p로 나눈 값이 아니다",
        ),
        "04.generator": (
            "two calls with equally seeded generators gave different masks: draw the mask with "
            "the generator you are given, e.g. torch.rand(x.shape, generator=generator)",
            "같은 시드의 생성기로 두 번 불렀는데 마스크가 달랐다: 주어진 생성기로 마스크를 뽑아라. "
            "예: torch.rand(x.shape, generator=generator)",
        ),
        "04.dropout_ok": (
            "drop rate, rescaling, evaluation mode and reproducibility all check out",
            "드롭 비율, 크기 조정, 평가 모드, 재현성이 모두 맞다",
        ),
        # exercise 2
        "04.pool_conv_only": (
            "that is the convolution's output only: the 3×3/2 max-pool comes after it",
            "그것은 합성곱의 출력일 뿐이다: 그 뒤에 3×3/2 최대 풀링이 온다",
        ),
        "04.pool_2x2": (
            "AlexNet's pools overlap: 3×3 windows at stride 2, not 2×2",
            "AlexNet의 풀링은 겹친다: 2×2가 아니라 스트라이드 2의 3×3 창이다",
        ),
        "04.pool_ceil": (
            "ceil_mode=True rounds the pool's (W − 3)/2 up (the last window may hang over "
            "the edge), ceil_mode=False rounds it down",
            "ceil_mode=True는 풀링의 (W − 3)/2를 올림하고 (마지막 창이 가장자리 밖으로 삐져나가도 "
            "된다), ceil_mode=False는 내림한다",
        ),
        "04.pool_padding": (
            "the padding is missing: the convolution sees W + 2P pixels",
            "패딩이 빠졌다: 합성곱은 W + 2P 픽셀을 본다",
        ),
        "04.pool_other": (
            "conv: (W + 2P − F)//S + 1, then pool: (W' − 3)/2 + 1, rounded as ceil_mode says",
            "합성곱: (W + 2P − F)//S + 1, 그다음 풀링: (W' − 3)/2 + 1 "
            "(ceil_mode에 따라 올림 또는 내림)",
        ),
        "04.pool_ok": (
            "right for all {n} layers, AlexNet's and ZFNet's included",
            "AlexNet과 ZFNet의 층을 포함한 {n}개 층 모두에서 맞다",
        ),
        # exercise 3
        "04.head_bias": (
            "the biases are missing: each output unit of a Linear layer has one",
            "편향이 빠졌다: Linear 층의 출력 유닛마다 편향이 하나 있다",
        ),
        "04.head_side": (
            "the first layer sees every position: channels × side × side inputs",
            "첫 층은 모든 위치를 본다: 입력은 channels × side × side개다",
        ),
        "04.head_last": (
            "the last layer (to num_classes) is missing",
            "마지막 층(num_classes로 가는 층)이 빠졌다",
        ),
        "04.head_other": (
            "per Linear layer: (inputs + 1) × outputs",
            "Linear 층마다: (입력 수 + 1) × 출력 수",
        ),
        "04.head_ok": (
            "right for AlexNet's, ZFNet's, VGG's and three more heads",
            "AlexNet, ZFNet, VGG의 헤드와 그 밖의 헤드 세 개에서 맞다",
        ),
    }
)


# ---------------------------------------------------------------------------------------------
# exercise 1: inverted dropout


def _run_dropout(dropout_fn: Callable, x: torch.Tensor, p: float, training: bool, seed: int):
    """Call the answer on a copy of ``x``; (ok, output or message, input changed?)."""
    given = x.clone()
    ok, got = call_answer(dropout_fn, given, p, training, torch.Generator().manual_seed(seed))
    if not ok:
        return False, got, False
    changed = not torch.equal(given, x)
    if not isinstance(got, torch.Tensor):
        return False, M("not_a_tensor", type=type(got).__name__), changed
    if got.shape != x.shape:
        shape = "×".join(map(str, got.shape))
        return False, M("04.dropout_shape", shape=shape), changed
    return True, got.to(x.dtype), changed


def _dropout_inputs(seed: int | None) -> tuple[torch.Tensor, tuple[float, ...], tuple[int, ...]]:
    """(x, the three training p's, the mask generators' seeds: p = 0 / training / reproducibility)."""
    if seed is None:
        g = torch.Generator().manual_seed(4)
        x = torch.rand(400, 500, generator=g) + 0.5  # positive: a zero can only come from the mask
        return x, (0.2, 0.5, 0.8), (0, 1, 7)
    rng = random.Random(seed)
    g = torch.Generator().manual_seed(seed)
    rows, cols = rng.randint(300, 500), rng.randint(300, 500)  # ≥ 90,000 values: rates within 1 %
    x = torch.rand(rows, cols, generator=g) * rng.uniform(0.5, 2.0) + rng.uniform(0.1, 1.0)
    # one low, one middling, one high p: the drop rate tells p from 1 − p on the low and high ones
    probs = (rng.randint(5, 35) / 100, rng.randint(40, 60) / 100, rng.randint(65, 95) / 100)
    mask_seeds = tuple(rng.randrange(2**31) for _ in range(3))
    return x, probs, mask_seeds


def check_dropout(
    dropout_fn: Callable[[torch.Tensor, float, bool, torch.Generator], torch.Tensor],
    *,
    seed: int | None = None,
) -> Verdict:
    """Exercise 1: ``dropout_fn(x, p, training, generator)`` is inverted dropout.

    In training, each value is zeroed independently with probability ``p`` (a mask drawn with
    ``generator``) and the kept values are divided by ``1 − p``, so the expected output equals
    the input; in evaluation (``training=False``) the input comes back unchanged, as ``nn.Dropout``.
    ``seed``: None checks the notebook's cases; an int ≥ 0 draws another x, other p's and masks.
    """
    seed = check_seed(seed)
    x, probs, (zero_seed, train_seed, repro_seed) = _dropout_inputs(seed)

    ok, got, changed = _run_dropout(dropout_fn, x, 0.5, False, zero_seed)
    if not ok:
        return report(False, got)
    if changed:
        return report(False, M("input_changed"))
    if not torch.allclose(got, x):
        if torch.allclose(got, x * 0.5) or torch.allclose(got, x * 2.0):
            return report(False, M("04.eval_scaled"))
        return report(False, M("04.eval_changed"))

    ok, got, _ = _run_dropout(dropout_fn, x, 0.0, True, zero_seed)
    if not ok:
        return report(False, got)
    if not torch.allclose(got, x):
        return report(False, M("04.p_zero"))

    for p in probs:
        ok, got, changed = _run_dropout(dropout_fn, x, p, True, train_seed)
        if not ok:
            return report(False, got)
        if changed:
            return report(False, M("input_changed"))
        dropped = got == 0
        rate = dropped.float().mean().item()
        if abs(rate - (1 - p)) < 0.02 and abs(rate - p) > 0.02:
            return report(False, M("04.keep_probability", p=p, rate=rate))
        if abs(rate - p) > 0.02:
            return report(False, M("04.drop_rate", p=p, rate=rate, want=p))
        per_row = dropped.float().mean(1)
        if ((per_row == 0) | (per_row == 1)).all():
            return report(False, M("04.whole_rows"))
        kept, kept_x = got[~dropped], x[~dropped]
        if torch.allclose(kept, kept_x / (1 - p), rtol=1e-4):
            pass
        elif torch.allclose(kept, kept_x, rtol=1e-4):
            return report(False, M("04.not_rescaled"))
        elif torch.allclose(kept, kept_x * (1 - p), rtol=1e-4):
            return report(False, M("04.multiplied"))
        else:
            return report(False, M("04.not_divided", p=p))

    ok, first, _ = _run_dropout(dropout_fn, x, 0.5, True, repro_seed)
    ok2, second, _ = _run_dropout(dropout_fn, x, 0.5, True, repro_seed)
    if not (ok and ok2):
        return report(False, first if not ok else second)
    if not torch.equal(first, second):
        return report(False, M("04.generator"))
    return report(True, M("04.dropout_ok"))


# ---------------------------------------------------------------------------------------------
# exercise 2: a convolution followed by AlexNet's overlapping 3×3/2 max-pool


def _conv_pool_reference(size: int, kernel: int, stride: int, padding: int, ceil: bool) -> int:
    conv = conv_output_size(size, kernel, stride=stride, padding=padding)
    return pool_output_size(conv, 3, 2, ceil_mode=ceil)


def _conv_pool_cases(seed: int | None = None) -> list[tuple[int, int, int, int, bool]]:
    """(W, F, S, P, ceil_mode): the networks' own first layers, then more.

    With a ``seed`` the networks' six layers stay and 14 layers drawn from it replace the rest.
    """
    if seed is not None:
        return _conv_pool_cases()[:6] + _drawn_conv_pool_cases(seed, 14)
    return [
        # ordered so that each usual mistake first fails where its hint is unambiguous
        (227, 11, 4, 0, False),  # AlexNet (paper) conv1 → pool1
        (55, 5, 2, 0, True),  # ZFNet conv2 → pool2 (the pool rounds up)
        (32, 5, 1, 2, False),  # mini AlexNet conv1 → pool1
        (224, 7, 2, 1, True),  # ZFNet conv1 → pool1
        (32, 3, 1, 1, True),  # mini ZFNet conv1 → pool1
        (224, 11, 4, 2, False),  # torchvision's AlexNet conv1 → pool1
        (64, 3, 1, 1, True),
        (100, 7, 2, 3, True),
        (40, 5, 1, 0, False),
        (33, 3, 1, 0, True),
    ]


def _drawn_conv_pool_cases(seed: int, n: int) -> list[tuple[int, int, int, int, bool]]:
    """``n`` valid (W, F, S, P, ceil_mode): even without its padding the conv leaves ≥ 3 pixels."""
    rng = random.Random(seed)
    cases: list[tuple[int, int, int, int, bool]] = []
    while len(cases) < n:
        w, f, s = rng.randint(16, 256), rng.choice((1, 2, 3, 4, 5, 6, 7, 9, 11)), rng.randint(1, 4)
        p = rng.randint(0, f // 2)
        if (w - f) // s + 1 < 3:
            continue
        ceil = len(cases) % 2 == 1
        if len(cases) < 2 and (conv_output_size(w, f, stride=s, padding=p) - 3) % 2 == 0:
            continue  # the first two: the pool's (W' − 3)/2 is not whole, so rounding matters
        cases.append((w, f, s, p, ceil))
    return cases


def check_conv_pool_side(
    side_fn: Callable[[int, int, int, int, bool], int],
    *,
    seed: int | None = None,
) -> Verdict:
    """Exercise 2: ``side_fn(W, F, S, P, ceil_mode)`` is the side after a conv and a 3×3/2 max-pool.

    The convolution has kernel F, stride S and padding P; the max-pool is AlexNet's overlapping
    3×3 window at stride 2, rounding down, or up with ``ceil_mode=True`` (ZFNet), as
    ``nn.MaxPool2d(3, 2, ceil_mode=...)``.
    ``seed``: None checks the notebook's layers; an int ≥ 0 adds 14 layers drawn from it.
    """
    seed = check_seed(seed)
    cases = _conv_pool_cases(seed)
    for w, f, s, p, ceil in cases:
        ok, got = call_answer(side_fn, w, f, s, p, ceil)
        if not ok:
            return report(False, got)
        value = whole_number(got)
        if value is None:
            return report(False, M("04.not_whole", got=repr(got)))
        expected = _conv_pool_reference(w, f, s, p, ceil)
        if value == expected:
            continue
        where = f"W={w}, F={f}, S={s}, P={p}, ceil_mode={ceil}"
        conv = conv_output_size(w, f, stride=s, padding=p)
        if value == conv:
            hint = M("04.pool_conv_only")
        elif value == pool_output_size(conv, 2, 2, ceil_mode=ceil):
            hint = M("04.pool_2x2")
        elif value == _conv_pool_reference(w, f, s, p, not ceil):
            hint = M("04.pool_ceil")
        elif value == pool_output_size(
            conv_output_size(w, f, stride=s, padding=0), 3, 2, ceil_mode=ceil
        ):
            hint = M("04.pool_padding")
        else:
            hint = M("04.pool_other")
        return report(False, M("wrong_for", where=where, hint=hint))
    return report(True, M("04.pool_ok", n=len(cases)))


# ---------------------------------------------------------------------------------------------
# exercise 3: parameters of the dense head


def _dense_head(channels: int, side: int, hidden: Sequence[int], num_classes: int) -> nn.Module:
    layers: list[nn.Module] = [nn.Flatten()]
    fan_in = channels * side * side
    for width in hidden:
        layers += [nn.Linear(fan_in, width), nn.ReLU()]
        fan_in = width
    layers.append(nn.Linear(fan_in, num_classes))
    return nn.Sequential(*layers)


def _dense_head_params(channels: int, side: int, hidden: Sequence[int], num_classes: int) -> int:
    with torch.device("meta"):
        head = _dense_head(channels, side, hidden, num_classes)
    return sum(p.numel() for p in head.parameters())


def _weights_only(channels: int, side: int, hidden: Sequence[int], num_classes: int) -> int:
    widths = [channels * side * side, *hidden, num_classes]
    return sum(a * b for a, b in zip(widths, widths[1:], strict=False))


def _dense_head_cases(seed: int | None) -> list[tuple[int, int, tuple[int, ...], int]]:
    """(channels, side, hidden, num_classes); with a ``seed`` the three unnamed heads are drawn."""
    named = [
        (256, 6, (4096, 4096), 1000),  # AlexNet
        (512, 6, (4096, 4096), 1000),  # ZFNet with 512-1024-512 maps
        (512, 7, (4096, 4096), 1000),  # VGG
    ]
    if seed is None:
        return [
            named[0],
            (32, 3, (256, 256), 6),  # mini AlexNet
            named[1],
            named[2],
            (64, 1, (), 10),  # global pooling and one layer
            (16, 4, (100,), 3),
        ]
    rng = random.Random(seed)
    drawn = []
    for depth in rng.sample((0, 1, 2, 3), 3):  # three heads of different depths
        hidden = tuple(rng.randint(2, 2048) for _ in range(depth))
        drawn.append((rng.randint(2, 512), rng.randint(2, 8), hidden, rng.randint(2, 1000)))
    return named + drawn


def check_dense_head_params(
    params_fn: Callable[[int, int, Sequence[int], int], int],
    *,
    seed: int | None = None,
) -> Verdict:
    """Exercise 3: ``params_fn(channels, side, hidden, num_classes)`` counts a dense head's parameters.

    The head flattens a ``channels × side × side`` feature map, then has one ``nn.Linear`` (with
    bias) per width in ``hidden`` and a last ``nn.Linear`` to ``num_classes``: AlexNet's head is
    ``(256, 6, (4096, 4096), 1000)``.
    ``seed``: None checks the notebook's heads; an int ≥ 0 draws the three unnamed heads from it.
    """
    seed = check_seed(seed)
    for channels, side, hidden, classes in _dense_head_cases(seed):
        ok, got = call_answer(params_fn, channels, side, tuple(hidden), classes)
        if not ok:
            return report(False, got)
        value = whole_number(got)
        if value is None:
            return report(False, M("04.not_whole", got=repr(got)))
        expected = _dense_head_params(channels, side, hidden, classes)
        if value == expected:
            continue
        where = f"channels={channels}, side={side}, hidden={tuple(hidden)}, num_classes={classes}"
        if value == _weights_only(channels, side, hidden, classes):
            hint = M("04.head_bias")
        elif value == _dense_head_params(channels, 1, hidden, classes):
            hint = M("04.head_side")
        elif (
            value
            == _dense_head_params(channels, side, hidden, classes)
            - ((hidden[-1] if hidden else channels * side * side) + 1) * classes
        ):
            hint = M("04.head_last")
        else:
            hint = M("04.head_other")
        return report(False, M("wrong_for", where=where, hint=hint))
    return report(True, M("04.head_ok"))


# ---------------------------------------------------------------------------------------------
# one usual mistake per exercise, as code a student might write: every checker rejects it, with
# the notebook's cases and with any seed (the autograder's tests use them to test the tests)

TYPICAL_MISTAKES: dict[str, str] = {
    # the kept values are not divided by 1 − p
    "04.1": """
import torch


def dropout(x, p, training, generator):
    if not training or p == 0:
        return x.clone()
    keep = torch.rand(x.shape, generator=generator) >= p
    return x * keep
""",
    # the notebook's starter: the pool always rounds down, ceil_mode is ignored
    "04.2": """
def conv_pool_side(W, F, S, P, ceil_mode):
    conv = (W + 2 * P - F) // S + 1
    return (conv - 3) // 2 + 1
""",
    # the biases are forgotten: a · b per layer instead of (a + 1) · b
    "04.3": """
def dense_head_params(channels, side, hidden, num_classes):
    widths = [channels * side * side, *hidden, num_classes]
    return sum(a * b for a, b in zip(widths, widths[1:]))
""",
}
