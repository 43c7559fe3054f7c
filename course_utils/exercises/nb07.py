"""Checkers for notebook 07 (ResNet: residual learning).

Each checker runs the learner's function on fresh inputs, compares it with the kit's
``course_utils.models`` blocks (themselves checked against torchvision's parameter counts)
and names the usual mistake, never the expected value.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import torch
import torch.nn.functional as F

from course_utils.exercises import M, Verdict, call_answer, check_seed, report, whole_number
from course_utils.i18n import define

__all__ = [
    "check_residual_forward",
    "check_zero_pad_shortcut",
    "check_bottleneck_params",
    "TYPICAL_MISTAKES",
]


define(
    {
        # what a message is about
        "07.input": ("a {shape} input", "{shape} 입력"),
        "07.input_out_stride": (
            "a {shape} input, {out} output channels, stride {stride}",
            "{shape} 입력, 출력 채널 {out}개, 스트라이드 {stride}",
        ),
        # exercise 1
        "07.block_shape": (
            "output shape {shape} for {where}: a residual block keeps the shape, so F(x) and x can "
            "be added",
            "{where}에서 출력의 모양이 {shape|이다}: 잔차 블록은 모양을 유지해야 F(x)와 x를 "
            "더할 수 있다",
        ),
        "07.no_shortcut": (
            "the shortcut is missing: add x to F(x) before the last ReLU",
            "스킵 연결이 빠졌다: 마지막 ReLU 전에 F(x)에 x를 더하라",
        ),
        "07.no_last_relu": (
            "the last ReLU is missing: the block outputs ReLU(F(x) + x)",
            "마지막 ReLU가 빠졌다: 블록의 출력은 ReLU(F(x) + x)이다",
        ),
        "07.relu_before_add": (
            "the ReLU comes before the addition here: add x first, then apply the ReLU",
            "여기서는 ReLU가 덧셈보다 먼저 온다: x를 먼저 더한 뒤 ReLU를 적용하라",
        ),
        "07.no_middle_relu": (
            "the ReLU between the two convolutions is missing",
            "두 합성곱 사이의 ReLU가 빠졌다",
        ),
        "07.no_bn": (
            "the batch norms are missing: each convolution is followed by its BN",
            "배치 정규화가 빠졌다: 합성곱마다 뒤에 BN이 온다",
        ),
        "07.block_values": (
            "the values differ from the block's output for {where}",
            "{where}에서 값이 블록의 출력과 다르다",
        ),
        "07.block_ok": (
            "equals BasicBlock(x) on three inputs",
            "입력 세 개에서 BasicBlock(x)와 같다",
        ),
        # exercise 2
        "07.shortcut_channels": (
            "it must have {out} channels: the input's {c}, then zeros",
            "채널이 {out}개여야 한다: 입력의 채널 {c}개, 그 뒤에 0으로 채운 채널",
        ),
        "07.shortcut_no_stride": (
            "the map must shrink with the stride, as the block's strided convolution does",
            "블록의 스트라이드 합성곱처럼 맵도 스트라이드에 맞춰 줄어야 한다",
        ),
        "07.shortcut_rank": (
            "expected N×{out}×⌈H/stride⌉×⌈W/stride⌉",
            "모양은 N×{out}×⌈H/stride⌉×⌈W/stride⌉ 꼴이어야 한다",
        ),
        "07.shortcut_zeros_first": (
            "put the input channels first and the zero channels after them",
            "입력 채널을 앞에, 0으로 채운 채널을 그 뒤에 두어라",
        ),
        "07.shortcut_average": (
            "that averages each window: option A just keeps every stride-th pixel",
            "그것은 창마다 평균을 낸다: 옵션 A는 stride번째 픽셀마다 하나씩 남길 뿐이다",
        ),
        "07.shortcut_not_zeros": (
            "the extra channels must be zeros (option A has no parameters)",
            "추가 채널은 0이어야 한다 (옵션 A에는 파라미터가 없다)",
        ),
        "07.shortcut_offset": (
            "start at the first pixel (index 0), as a stride-2 conv does",
            "스트라이드 2 합성곱처럼 첫 픽셀(인덱스 0)에서 시작하라",
        ),
        "07.shortcut_values": (
            "the values differ from the option A shortcut for {where}",
            "{where}에서 값이 옵션 A 스킵 연결과 다르다",
        ),
        "07.shortcut_ok": (
            "equals the option A (zero-padding) shortcut on three inputs",
            "입력 세 개에서 옵션 A(제로 패딩) 스킵 연결과 같다",
        ),
        # exercise 3
        "07.params_no_bn": (
            "the batch norms have parameters too: γ and β, one each per channel",
            "배치 정규화에도 파라미터가 있다: 채널마다 γ와 β가 하나씩",
        ),
        "07.params_conv_bias": (
            "the convolutions have no bias (the BN after each one has its own β)",
            "합성곱에는 편향이 없다 (각 합성곱 뒤의 BN에 자체 β가 있다)",
        ),
        "07.params_no_projection": (
            "the shape changes here, so the shortcut needs its 1×1 projection (+ BN)",
            "여기서는 모양이 바뀌므로 스킵 연결에 1×1 투영(+ BN)이 필요하다",
        ),
        "07.params_identity": (
            "in_channels = 4·planes here: the shortcut is the identity, no parameters",
            "여기서는 in_channels = 4·planes이므로 스킵 연결은 항등 사상이고 파라미터가 없다",
        ),
        "07.params_not_expanded": (
            "the last 1×1 convolution expands to 4·planes channels",
            "마지막 1×1 합성곱은 채널을 4·planes개로 늘린다",
        ),
        "07.params_other": (
            "count each conv as (F·F·C_in)·C_out, plus 2 per channel for each BN",
            "합성곱은 각각 (F·F·C_in)·C_out으로 세고, BN마다 채널당 2를 더하라",
        ),
        "07.params_ok": (
            "matches count_parameters(Bottleneck(...)) on five blocks",
            "블록 다섯 개에서 count_parameters(Bottleneck(...))와 일치한다",
        ),
    }
)


def _random_block(in_channels: int, planes: int, seed: int):
    """A BasicBlock (identity shortcut) with non-trivial BN statistics, in eval mode."""
    from course_utils.models import BasicBlock

    torch.manual_seed(seed)
    block = BasicBlock(in_channels, planes)
    g = torch.Generator().manual_seed(seed)
    for bn in (block.bn1, block.bn2):
        bn.weight.data = torch.rand(planes, generator=g) + 0.5
        bn.bias.data = torch.randn(planes, generator=g) * 0.3
        bn.running_mean = torch.randn(planes, generator=g) * 0.2
        bn.running_var = torch.rand(planes, generator=g) + 0.5
    return block.eval()


def _residual_cases(seed: int | None) -> tuple[list[tuple[int, int, int, int]], torch.Generator]:
    """(block seed, N, C, size) of three inputs, and the generator that draws them."""
    if seed is None:
        shapes = ((2, 4, 6), (1, 8, 5), (3, 2, 4))
        return [(i, *shape) for i, shape in enumerate(shapes)], torch.Generator().manual_seed(7)
    rng = random.Random(seed)
    cases = [
        (rng.randrange(2**31), rng.randint(1, 4), rng.randint(1, 8), rng.randint(3, 8))
        for _ in range(3)
    ]
    return cases, torch.Generator().manual_seed(seed)


def check_residual_forward(forward_fn: Callable, *, seed: int | None = None) -> Verdict:
    """Exercise 1: ``forward_fn(block, x)`` computes a basic residual block by hand.

    ``block`` has ``conv1, bn1, conv2, bn2`` (and ``relu``); the answer must equal
    ``ReLU(bn2(conv2(ReLU(bn1(conv1(x))))) + x)``, i.e. ``block(x)`` of
    ``course_utils.models.BasicBlock`` with an identity shortcut.
    ``seed``: None checks the notebook's three inputs; an int ≥ 0 draws other shapes and blocks.
    """
    seed = check_seed(seed)
    cases, g = _residual_cases(seed)
    for block_seed, n, c, size in cases:
        block = _random_block(c, c, block_seed)
        x = torch.randn(n, c, size, size, generator=g)
        with torch.no_grad():
            expected = block(x.clone())
            ok, got = call_answer(forward_fn, block, x.clone())
            if not ok:
                return report(False, got)
            where = M("07.input", shape=f"{n}×{c}×{size}×{size}")
            if not isinstance(got, torch.Tensor):
                return report(False, M("not_a_tensor_for", type=type(got).__name__, where=where))
            if got.shape != expected.shape:
                return report(False, M("07.block_shape", shape=str(tuple(got.shape)), where=where))
            got = got.detach().float()
            if torch.allclose(got, expected, atol=1e-5):
                continue
            residual = block.bn2(block.conv2(F.relu(block.bn1(block.conv1(x)))))
            hints = (
                (F.relu(residual), M("07.no_shortcut")),
                (residual + x, M("07.no_last_relu")),
                (F.relu(residual) + x, M("07.relu_before_add")),
                (
                    F.relu(block.bn2(block.conv2(block.bn1(block.conv1(x)))) + x),
                    M("07.no_middle_relu"),
                ),
                (F.relu(block.conv2(F.relu(block.conv1(x))) + x), M("07.no_bn")),
            )
            for wrong, hint in hints:
                if torch.allclose(got, wrong, atol=1e-5):
                    return report(False, hint)
            return report(False, M("07.block_values", where=where))
    return report(True, M("07.block_ok"))


def _shortcut_cases(
    seed: int | None,
) -> tuple[list[tuple[int, int, int, int, int]], torch.Generator]:
    """(N, C, size, out_channels, stride) of three inputs, and the generator that draws them.

    With a ``seed``: channels doubled at stride 2 (a CIFAR stage), more channels at stride 2
    or 3 on an odd size, and any out_channels ≥ C at stride 1.
    """
    if seed is None:
        cases = [(2, 4, 8, 8, 2), (1, 3, 7, 6, 2), (1, 2, 6, 2, 1)]
        return cases, torch.Generator().manual_seed(11)
    rng = random.Random(seed)
    c1, c2, c3 = rng.randint(1, 8), rng.randint(1, 8), rng.randint(1, 8)
    cases = [
        (rng.randint(1, 3), c1, rng.randrange(4, 17, 2), 2 * c1, 2),
        (rng.randint(1, 3), c2, rng.randrange(3, 16, 2), c2 + rng.randint(1, 8), rng.randint(2, 3)),
        (rng.randint(1, 3), c3, rng.randint(2, 12), c3 + rng.randint(0, 4), 1),
    ]
    return cases, torch.Generator().manual_seed(seed)


def check_zero_pad_shortcut(shortcut_fn: Callable, *, seed: int | None = None) -> Verdict:
    """Exercise 2: ``shortcut_fn(x, out_channels, stride)`` is the paper's option A shortcut.

    Keep every ``stride``-th pixel along height and width (starting at the first), and append
    ``out_channels − C`` channels of zeros after the C input channels: no parameters.
    ``seed``: None checks the notebook's three inputs; an int ≥ 0 draws other shapes and strides.
    """
    seed = check_seed(seed)
    from course_utils.models import ZeroPadShortcut

    cases, g = _shortcut_cases(seed)
    for n, c, size, out, stride in cases:
        x = torch.randn(n, c, size, size, generator=g)
        expected = ZeroPadShortcut(stride, out - c)(x)
        ok, got = call_answer(shortcut_fn, x.clone(), out, stride)
        if not ok:
            return report(False, got)
        where = M("07.input_out_stride", shape=f"{n}×{c}×{size}×{size}", out=out, stride=stride)
        if not isinstance(got, torch.Tensor):
            return report(False, M("not_a_tensor_for", type=type(got).__name__, where=where))
        if got.shape != expected.shape:
            if got.dim() == 4 and got.shape[1] != out:
                hint = M("07.shortcut_channels", out=out, c=c)
            elif got.dim() == 4 and got.shape[-1] == size:
                hint = M("07.shortcut_no_stride")
            else:
                hint = M("07.shortcut_rank", out=out)
            shape = str(tuple(got.shape))
            return report(False, M("output_shape_wrong", shape=shape, where=where, hint=hint))
        got = got.detach().float()
        if torch.allclose(got, expected):
            continue
        if out > c and torch.allclose(got[:, out - c :], expected[:, :c]):
            return report(False, M("07.shortcut_zeros_first"))
        if stride > 1 and torch.allclose(got[:, :c], F.avg_pool2d(x, stride, ceil_mode=True)):
            return report(False, M("07.shortcut_average"))
        if out > c and not torch.allclose(got[:, c:], torch.zeros_like(got[:, c:])):
            return report(False, M("07.shortcut_not_zeros"))
        if stride > 1 and torch.allclose(got[:, :c], x[:, :, 1::stride, 1::stride]):
            return report(False, M("07.shortcut_offset"))
        return report(False, M("07.shortcut_values", where=where))
    return report(True, M("07.shortcut_ok"))


def _bottleneck_cases(seed: int | None) -> list[tuple[int, int]]:
    """(in_channels, planes); with a ``seed`` three blocks need a projection and two do not."""
    if seed is None:
        return [(256, 64), (64, 64), (512, 128), (1024, 256), (12, 5)]
    rng = random.Random(seed)

    def projected():
        planes = rng.randint(1, 256)
        return rng.choice([c for c in range(1, 1025) if c != 4 * planes]), planes

    def identity():
        planes = rng.randint(1, 256)
        return 4 * planes, planes

    return [projected(), identity(), projected(), identity(), projected()]


def check_bottleneck_params(params_fn: Callable, *, seed: int | None = None) -> Verdict:
    """Exercise 3: ``params_fn(in_channels, planes)`` = parameters of a bottleneck block.

    1×1 conv ``in_channels → planes``, 3×3 conv ``planes → planes``, 1×1 conv ``planes → 4·planes``,
    each bias-free and followed by a batch norm (2 parameters per channel: γ and β); a 1×1
    projection conv + BN on the shortcut only when ``in_channels ≠ 4·planes``.
    The reference is ``count_parameters(Bottleneck(...))`` of ``course_utils.models``.
    ``seed``: None checks the notebook's five blocks; an int ≥ 0 draws five others from it.
    """
    seed = check_seed(seed)
    from torch import nn

    from course_utils.models import Bottleneck, count_parameters

    def reference(c_in: int, planes: int) -> int:
        out = 4 * planes
        proj = None
        if c_in != out:
            proj = nn.Sequential(nn.Conv2d(c_in, out, 1, bias=False), nn.BatchNorm2d(out))
        return count_parameters(Bottleneck(c_in, planes, shortcut=proj))

    for c_in, planes in _bottleneck_cases(seed):
        if seed is None:
            expected = reference(c_in, planes)
        else:
            with torch.device("meta"):  # no weights to draw: as fast as the notebook's blocks
                expected = reference(c_in, planes)
        ok, got = call_answer(params_fn, c_in, planes)
        if not ok:
            return report(False, got)
        where = f"in_channels={c_in}, planes={planes}"
        value = whole_number(got)
        if value is None:
            return report(False, M("not_an_int_for", type=type(got).__name__, where=where))
        if value == expected:
            continue
        out = 4 * planes
        convs = c_in * planes + 9 * planes * planes + planes * out
        bn = 2 * (planes + planes + out)
        proj = (c_in * out + 2 * out) if c_in != out else 0
        if value == convs + proj:
            hint = M("07.params_no_bn")
        elif value == convs + bn + proj + planes + planes + out + (out if proj else 0):
            hint = M("07.params_conv_bias")
        elif value == convs + bn and proj:
            hint = M("07.params_no_projection")
        elif value == convs + bn + c_in * out + 2 * out and not proj:
            hint = M("07.params_identity")
        elif value == c_in * planes + 9 * planes * planes + planes * planes + 6 * planes + proj:
            hint = M("07.params_not_expanded")
        else:
            hint = M("07.params_other")
        return report(False, M("wrong_for", where=where, hint=hint))
    return report(True, M("07.params_ok"))


# ---------------------------------------------------------------------------------------------
# one usual mistake per exercise, as code a student might write: every checker rejects it, with
# the notebook's cases and with any seed (the autograder's tests use them to test the tests)

TYPICAL_MISTAKES: dict[str, str] = {
    # the notebook's starter: the last ReLU before the addition, ReLU(F(x)) + x
    "07.1": """
import torch.nn.functional as F


def residual_forward(block, x):
    out = F.relu(block.bn1(block.conv1(x)))
    out = block.bn2(block.conv2(out))
    return F.relu(out) + x
""",
    # the zero channels put before the input's channels
    "07.2": """
import torch


def zero_pad_shortcut(x, out_channels, stride):
    x = x[:, :, ::stride, ::stride]
    zeros = x.new_zeros(x.shape[0], out_channels - x.shape[1], *x.shape[2:])
    return torch.cat([zeros, x], dim=1)
""",
    # the projection shortcut is forgotten where the channels change
    "07.3": """
def bottleneck_params(in_channels, planes):
    out = 4 * planes
    convs = in_channels * planes + 9 * planes * planes + planes * out
    norms = 2 * (planes + planes + out)
    return convs + norms
""",
}
