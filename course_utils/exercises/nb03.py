"""Checkers for notebook 03 (pooling)."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from course_utils.exercises import M, Verdict, call_answer, check_seed, report
from course_utils.i18n import define

__all__ = ["check_max_pool", "check_avg_pool_as_conv", "check_conv_stack_macs", "TYPICAL_MISTAKES"]

# One usual wrong answer per exercise, as a student would type it (the tests check that each
# checker rejects it, on the notebook's cases and on hidden seeded ones).
TYPICAL_MISTAKES: dict[str, str] = {
    # the stride ignored: windows cut every `kernel` pixels
    "03.1": """
def max_pool_vectorised(x, kernel, stride):
    windows = x.unfold(2, kernel, kernel).unfold(3, kernel, kernel)
    return windows.amax(dim=(-2, -1))
""",
    # weights 1 instead of 1/k²: window sums (the notebook's starter code)
    "03.2": """
import torch
import torch.nn.functional as F


def avg_pool_as_conv(x, kernel):
    c = x.shape[1]
    weight = torch.ones(c, 1, kernel, kernel)
    return F.conv2d(x, weight, stride=kernel, groups=c)
""",
    # the side never halves: pooling ignored
    "03.3": """
def conv_stack_macs(in_channels, widths, size, pool):
    total, c = 0, in_channels
    for width in widths:
        total += size * size * width * 9 * c
        c = width
    return total
""",
}


define(
    {
        # exercise 1
        "03.max_where": (
            "a {shape} input with kernel {kernel}, stride {stride}",
            "{shape} 입력, 커널 {kernel}, 스트라이드 {stride}",
        ),
        "03.max_axes": (
            "keep the batch and channel axes: pooling acts on each channel on its own",
            "배치 축과 채널 축을 유지하라: 풀링은 채널마다 따로 작동한다",
        ),
        "03.max_stride": (
            "the stride is ignored: windows start every `stride` pixels",
            "스트라이드가 무시되었다: 창은 `stride` 픽셀마다 시작한다",
        ),
        "03.max_windows": (
            "each axis has (W − F)//S + 1 windows",
            "각 축에는 창이 (W − F)//S + 1개 있다",
        ),
        "03.max_average": (
            "that is average pooling: take the largest value of each window",
            "그것은 평균 풀링이다: 각 창에서 가장 큰 값을 취하라",
        ),
        "03.max_from_zero": (
            "negative windows come out as 0: start each maximum from the window's first value "
            "(or −inf), not from 0",
            "음수뿐인 창이 0으로 나온다: 최댓값을 0이 아니라 창의 첫 값(또는 −inf)에서 시작하라",
        ),
        "03.max_swapped": (
            "rows and columns are swapped for {where}",
            "{where}에서 행과 열이 뒤바뀌었다",
        ),
        "03.max_values": (
            "the values differ from max pooling for {where}",
            "{where}에서 값이 최대 풀링과 다르다",
        ),
        "03.max_ok": (
            "equals F.max_pool2d on four inputs, overlapping windows included",
            "겹치는 창을 포함한 입력 네 개에서 F.max_pool2d와 같다",
        ),
        # exercise 2
        "03.avg_where": ("a {shape} input, kernel {kernel}", "{shape} 입력, 커널 {kernel}"),
        "03.avg_channels": (
            "{c_out} output channels for {c_in} input channels ({where}): pooling keeps every "
            "channel; build a weight of shape (C, 1, k, k) and pass groups=C",
            "입력 채널 {c_in}개에 출력 채널이 {c_out}개다 ({where}): 풀링은 채널을 모두 유지한다. "
            "모양이 (C, 1, k, k)인 가중치를 만들고 groups=C를 넘겨라",
        ),
        "03.avg_overlap": ("the windows overlap: use stride=k", "창이 겹친다: stride=k를 써라"),
        "03.avg_stride": (
            "check stride (k) and padding (none)",
            "스트라이드(k)와 패딩(없음)을 확인하라",
        ),
        "03.avg_sums": (
            "these are window sums: each weight must be 1/(k·k)",
            "이것은 창의 합이다: 가중치는 모두 1/(k·k)로 두어야 한다",
        ),
        "03.avg_mixed": (
            "channels are mixed: use groups=C so each channel stays apart",
            "채널이 섞였다: 채널마다 따로 계산되도록 groups=C를 써라",
        ),
        "03.avg_values": (
            "the values differ from F.avg_pool2d for {where}",
            "{where}에서 값이 F.avg_pool2d와 다르다",
        ),
        "03.avg_ok": (
            "your convolution equals F.avg_pool2d on three inputs",
            "여러분의 합성곱이 입력 세 개에서 F.avg_pool2d와 같다",
        ),
        # exercise 3
        "03.macs_no_halving": (
            "the side must halve after every pool, so later layers see fewer pixels",
            "풀링을 지날 때마다 한 변이 절반이 되어야 하므로, 뒤쪽 층은 더 적은 픽셀을 본다",
        ),
        "03.macs_halves": (
            "check where the side halves: a layer works on its own input's size",
            "한 변이 절반이 되는 곳을 확인하라: 층은 자기 입력의 크기에서 계산한다",
        ),
        "03.macs_other": (
            "per conv: out_channels × H_out × W_out × 3 × 3 × in_channels",
            "합성곱마다: out_channels × H_out × W_out × 3 × 3 × in_channels",
        ),
        "03.macs_ok": (
            "matches layer_table on six stacks, with and without pooling",
            "풀링이 있을 때와 없을 때, 층 묶음 여섯 개에서 layer_table과 일치한다",
        ),
    }
)


def _shape(value: object) -> str:
    if isinstance(value, torch.Tensor):
        return "×".join(str(s) for s in value.shape)
    return type(value).__name__


def _max_pool_cases(seed: int) -> list[tuple[int, int, int, int, int, int]]:
    """Four random valid (N, C, H, W, kernel, stride), kernel ≤ H, W: the first two with
    overlapping windows (stride < kernel) and sides ≥ 2·kernel (so windows cut every `kernel`
    pixels show), the last two with stride ≥ kernel."""
    draw = random.Random(seed)
    cases = []
    for i in range(4):
        k = draw.randint(2, 4)
        s = draw.randint(1, k - 1) if i < 2 else draw.randint(k, k + 1)
        low = 2 * k if i < 2 else k
        n, c = draw.randint(1, 2), draw.randint(1, 3)
        cases.append((n, c, draw.randint(low, 12), draw.randint(low, 12), k, s))
    return cases


def check_max_pool(
    pool_fn: Callable[[torch.Tensor, int, int], torch.Tensor], *, seed: int | None = None
) -> Verdict:
    """Exercise 1: ``pool_fn(x, kernel, stride)`` is max pooling of an N×C×H×W tensor, by hand.

    No padding; windows that do not fit are dropped (PyTorch's default, ``ceil_mode=False``).
    The inputs hold negative numbers, so a maximum that starts from 0 shows up.
    ``seed``: None for the notebook's four inputs, an int ≥ 0 for four random ones (hidden tests).
    """
    if check_seed(seed) is None:
        g = torch.Generator().manual_seed(3)
        cases = ((1, 1, 4, 4, 2, 2), (2, 3, 7, 7, 3, 2), (1, 2, 5, 6, 2, 1), (1, 1, 9, 9, 3, 3))
    else:
        g = torch.Generator().manual_seed(seed)
        cases = _max_pool_cases(seed)
    for n, c, h, w, k, s in cases:
        x = torch.randn(n, c, h, w, generator=g) - 1.0  # mostly negative values
        ok, got = call_answer(pool_fn, x.clone(), k, s)
        if not ok:
            return report(False, got)
        where = M("03.max_where", shape=f"{n}×{c}×{h}×{w}", kernel=k, stride=s)
        expected = F.max_pool2d(x, k, s)
        if not isinstance(got, torch.Tensor):
            return report(False, M("not_a_tensor_for", type=type(got).__name__, where=where))
        if got.shape != expected.shape:
            if got.dim() != 4 or got.shape[:2] != expected.shape[:2]:
                hint = M("03.max_axes")
            elif s != k and got.shape == F.max_pool2d(x, k).shape:
                hint = M("03.max_stride")
            else:
                hint = M("03.max_windows")
            return report(False, M("output_shape_wrong", shape=_shape(got), where=where, hint=hint))
        got = got.to(expected.dtype)
        if torch.allclose(got, expected, atol=1e-6):
            continue
        if torch.allclose(got, F.avg_pool2d(x, k, s), atol=1e-6):
            return report(False, M("03.max_average"))
        if torch.allclose(got, expected.clamp(min=0), atol=1e-6):
            return report(False, M("03.max_from_zero"))
        transposed = expected.transpose(-1, -2)  # comparable only for a square output
        if (
            transposed.shape == got.shape and torch.allclose(got, transposed, atol=1e-6)
        ) or torch.allclose(
            got.transpose(-1, -2), F.max_pool2d(x.transpose(-1, -2), k, s), atol=1e-6
        ):
            return report(False, M("03.max_swapped", where=where))
        return report(False, M("03.max_values", where=where))
    return report(True, M("03.max_ok"))


def check_avg_pool_as_conv(
    conv_pool_fn: Callable[[torch.Tensor, int], torch.Tensor], *, seed: int | None = None
) -> Verdict:
    """Exercise 2: ``conv_pool_fn(x, kernel)`` is k×k average pooling written as ``F.conv2d``.

    Average pooling is a convolution with fixed weights 1/k², stride k, that never mixes
    channels (``groups = C``). The answer must equal ``F.avg_pool2d(x, k)``.
    ``seed``: None for the notebook's three inputs, an int ≥ 0 for three random ones (hidden tests).
    """
    if check_seed(seed) is None:
        g = torch.Generator().manual_seed(5)
        cases: Sequence[tuple[int, int, int, int]] = ((1, 1, 4, 2), (2, 3, 8, 2), (1, 4, 9, 3))
    else:  # size > k (more than one window); several channels from the second input on
        g = torch.Generator().manual_seed(seed)
        draw = random.Random(seed)
        drawn = []
        for i in range(3):
            k = draw.randint(2, 4)
            c = draw.randint(1, 4) if i == 0 else draw.randint(2, 4)
            drawn.append((draw.randint(1, 3), c, draw.randint(k + 1, 12), k))
        cases = drawn
    for n, c, size, k in cases:
        x = torch.rand(n, c, size, size, generator=g)
        ok, got = call_answer(conv_pool_fn, x.clone(), k)
        if not ok:
            return report(False, got)
        where = M("03.avg_where", shape=f"{n}×{c}×{size}×{size}", kernel=k)
        expected = F.avg_pool2d(x, k)
        if not isinstance(got, torch.Tensor):
            return report(False, M("not_a_tensor_for", type=type(got).__name__, where=where))
        if got.dim() == 4 and got.shape[1] != c:
            return report(False, M("03.avg_channels", c_out=got.shape[1], c_in=c, where=where))
        if got.shape != expected.shape:
            overlapping = F.avg_pool2d(x, k, stride=1)
            hint = M("03.avg_overlap") if got.shape == overlapping.shape else M("03.avg_stride")
            return report(False, M("output_shape_wrong", shape=_shape(got), where=where, hint=hint))
        got = got.to(expected.dtype)
        if torch.allclose(got, expected, atol=1e-5):
            continue
        if torch.allclose(got, expected * k * k, atol=1e-4):
            return report(False, M("03.avg_sums"))
        if c > 1 and torch.allclose(got, expected.sum(1, keepdim=True).expand_as(got), atol=1e-4):
            return report(False, M("03.avg_mixed"))
        return report(False, M("03.avg_values", where=where))
    return report(True, M("03.avg_ok"))


def _conv_stack(in_channels: int, widths: Sequence[int], pool: bool) -> nn.Sequential:
    layers: list[nn.Module] = []
    c = in_channels
    for w in widths:
        layers += [nn.Conv2d(c, w, 3, padding=1), nn.ReLU()]
        if pool:
            layers.append(nn.MaxPool2d(2))
        c = w
    return nn.Sequential(*layers)


def _stack_macs_without_pooling(in_channels: int, widths: Sequence[int], size: int) -> int:
    from course_utils.summary import layer_table

    stack = _conv_stack(in_channels, widths, pool=False)
    return layer_table(stack, (in_channels, size, size)).total_macs


def _stack_cases(seed: int) -> tuple[tuple[int, tuple[int, ...], int], ...]:
    """Three random (in_channels, widths, size): 2 to 4 layers (pooling changes the count),
    a side of at least 2^layers (every pool has a window), odd sides included."""
    draw = random.Random(seed)
    cases = []
    for _ in range(3):
        depth = draw.randint(2, 4)
        widths = tuple(draw.randint(1, 64) for _ in range(depth))
        cases.append((draw.randint(1, 4), widths, draw.randint(2**depth, 64)))
    return tuple(cases)


def check_conv_stack_macs(
    macs_fn: Callable[[int, Sequence[int], int, bool], int], *, seed: int | None = None
) -> Verdict:
    """Exercise 3: ``macs_fn(in_channels, widths, size, pool)`` counts a conv stack's MACs per image.

    The stack is ``3×3 conv (padding 1) → ReLU``, one per width, with a ``2×2`` max pool after
    each convolution when ``pool`` is true; the input is ``in_channels × size × size``. The
    reference is ``course_utils.summary.layer_table`` (pooling and ReLU count 0 MACs).
    ``seed``: None for the notebook's three stacks, an int ≥ 0 for three random ones (hidden tests).
    """
    from course_utils.summary import layer_table

    if check_seed(seed) is None:
        cases = ((3, (16, 32, 64), 64), (1, (8, 16), 16), (2, (4, 4, 4), 32))
    else:
        cases = _stack_cases(seed)
    for in_channels, widths, size in cases:
        for pool in (False, True):
            expected = layer_table(
                _conv_stack(in_channels, widths, pool), (in_channels, size, size)
            ).total_macs
            ok, got = call_answer(macs_fn, in_channels, tuple(widths), size, pool)
            if not ok:
                return report(False, got)
            where = f"in_channels={in_channels}, widths={tuple(widths)}, size={size}, pool={pool}"
            if isinstance(got, float) and got.is_integer():
                got = int(got)
            if isinstance(got, bool) or not isinstance(got, int):
                return report(False, M("not_an_int_for", type=type(got).__name__, where=where))
            if got == expected:
                continue
            if got == 2 * expected:
                hint = M("macs_counted_as_flops")
            elif pool and got == _stack_macs_without_pooling(in_channels, widths, size):
                hint = M("03.macs_no_halving")
            elif got > expected and pool:
                hint = M("03.macs_halves")
            else:
                hint = M("03.macs_other")
            return report(False, M("wrong_for", where=where, hint=hint))
    return report(True, M("03.macs_ok"))
