"""conv_math formulas against PyTorch's own layers, on hundreds of seeded random layers."""

from __future__ import annotations

import re
from functools import partial

import pytest
import torch
import torch.nn.functional as F
import torchvision
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from course_utils.conv_math import (
    RFInfo,
    conv_flops,
    conv_macs,
    conv_output_size,
    conv_params,
    conv_transpose_output_size,
    effective_kernel,
    linear_flops,
    linear_macs,
    linear_params,
    pool_output_size,
    receptive_field,
)
from course_utils.seed import seed_everything

N_RANDOM = 400  # random layers per formula

# A ValueError from conv_math always shows arithmetic ("... = 3", "divides by 0", "// 2 = 1")
# and a fix ("use ...", "try ...").
ARITHMETIC = re.compile(r"(\(-?\d+ [+−] |= -?\d)")
FIX = re.compile(r"\b(use|try)\b")


def _torch_outcome(layer, shape):
    """Output spatial shape of a real tiny layer (a module or a functional call taking the input
    tensor), or None when PyTorch refuses it."""
    try:
        return tuple(layer(torch.zeros(1, 1, *shape)).shape[2:])
    except (RuntimeError, ValueError):
        return None


def _our_outcome(formula):
    try:
        out = formula()
    except ValueError as error:
        message = str(error)
        assert ARITHMETIC.search(message), f"no arithmetic in: {message}"
        assert FIX.search(message), f"no suggested fix in: {message}"
        return None
    return out


def _axis(rng, low, high, per_axis, rare=None):
    """An int, or a (height, width) tuple; ``rare`` values appear with 5 % probability."""

    def one():
        if rare is not None and rng.random() < 0.05:
            return int(rare)
        return int(rng.integers(low, high + 1))

    return (one(), one()) if per_axis else one()


def _pair(value):
    return value if isinstance(value, tuple) else (value, value)


# ----------------------------------------------------------------------------- worked examples


def test_alexnet_conv1_worked_example():
    assert conv_output_size(227, 11, 4) == 55  # (227 − 11)/4 + 1
    assert conv_params(3, 96, 11) == 34944  # (11·11·3 + 1)·96
    assert pool_output_size(55, 3, stride=2) == 27
    assert conv_macs(3, 96, 11, 55) == 96 * 55 * 55 * 11 * 11 * 3
    assert conv_flops(3, 96, 11, 55) == 2 * conv_macs(3, 96, 11, 55)


def test_int_in_int_out_tuple_in_tuple_out():
    assert conv_output_size(32, 3, padding=1) == 32
    assert conv_output_size((32, 16), 3, padding=1) == (32, 16)
    assert conv_output_size(32, (3, 5), padding=(1, 2)) == (32, 32)
    assert conv_output_size((9,), 3) == (7,)
    assert conv_output_size((8, 8, 8), 3, stride=2) == (3, 3, 3)
    assert pool_output_size((7, 8), 2) == (3, 4)
    assert conv_transpose_output_size((4, 5), 4, stride=2, padding=1) == (8, 10)


def test_string_padding_like_pytorch():
    assert conv_output_size(17, 4, padding="same", dilation=2) == 17
    assert conv_output_size(17, 4, padding="valid") == 14
    with pytest.raises(ValueError, match="only with stride 1, got stride 2"):
        conv_output_size(17, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="'valid' or 'same'"):
        conv_output_size(17, 3, padding="full")


def test_bad_argument_types_and_axis_counts():
    with pytest.raises(TypeError, match="int or a tuple of ints"):
        conv_output_size(32.0, 3)
    with pytest.raises(TypeError):
        conv_output_size(32, True)
    with pytest.raises(ValueError, match="size has 2, kernel has 3"):
        conv_output_size((32, 32), (3, 3, 3))


# ----------------------------------------------------------------------------- against PyTorch


def test_conv_output_size_matches_conv2d_on_random_layers():
    rng = seed_everything(0)
    agree_valid = agree_invalid = 0
    for _ in range(N_RANDOM):
        per_axis = bool(rng.random() < 0.5)
        size = _axis(rng, 1, 24, per_axis, rare=0)
        kernel = _axis(rng, 1, 7, per_axis, rare=0)
        stride = _axis(rng, 1, 4, per_axis, rare=0)
        padding = _axis(rng, 0, 4, per_axis, rare=-1)
        dilation = _axis(rng, 1, 3, per_axis, rare=0)
        ours = _our_outcome(partial(conv_output_size, size, kernel, stride, padding, dilation))
        weight = torch.zeros(1, 1, *_pair(kernel)) if min(_pair(kernel)) >= 0 else None
        theirs = _torch_outcome(
            partial(F.conv2d, weight=weight, stride=stride, padding=padding, dilation=dilation),
            _pair(size),
        )
        config = dict(size=size, kernel=kernel, stride=stride, padding=padding, dilation=dilation)
        if theirs is None:
            assert ours is None, f"PyTorch refuses {config} but conv_output_size gives {ours}"
            agree_invalid += 1
        else:
            assert ours is not None, f"PyTorch accepts {config} but conv_output_size raises"
            assert _pair(ours) == theirs, config
            assert isinstance(ours, tuple) == per_axis
            agree_valid += 1
    # the sample exercises both sides
    assert agree_valid > 150 and agree_invalid > 50, (agree_valid, agree_invalid)


@pytest.mark.parametrize("ceil_mode", [False, True])
def test_pool_output_size_matches_maxpool2d_on_random_layers(ceil_mode):
    rng = seed_everything(1 + ceil_mode)
    counts = {"valid": 0, "invalid": 0}
    for _ in range(N_RANDOM):
        per_axis = bool(rng.random() < 0.5)
        size = _axis(rng, 1, 20, per_axis, rare=0)
        kernel = _axis(rng, 1, 6, per_axis, rare=0)
        stride = None if rng.random() < 0.2 else _axis(rng, 1, 4, per_axis, rare=0)
        padding = _axis(rng, 0, 3, per_axis, rare=-1)
        dilation = _axis(rng, 1, 3, per_axis, rare=0)
        config = dict(size=size, kernel=kernel, stride=stride, padding=padding, dilation=dilation)
        ours = _our_outcome(partial(pool_output_size, ceil_mode=ceil_mode, **config))
        theirs = _torch_outcome(
            nn.MaxPool2d(kernel, stride, padding, dilation, ceil_mode=ceil_mode), _pair(size)
        )
        if theirs is None:
            assert ours is None, f"PyTorch refuses {config} but pool_output_size gives {ours}"
        else:
            assert ours is not None, f"PyTorch accepts {config} but pool_output_size raises"
            assert _pair(ours) == theirs, config
        counts["invalid" if theirs is None else "valid"] += 1
    assert counts["valid"] > 80 and counts["invalid"] > 50, counts


def test_pool_output_size_matches_avgpool2d():
    rng = seed_everything(3)
    for _ in range(150):
        size, kernel = int(rng.integers(1, 16)), int(rng.integers(1, 6))
        stride, padding = int(rng.integers(1, 4)), int(rng.integers(0, 3))
        ceil_mode = bool(rng.random() < 0.5)
        ours = _our_outcome(partial(pool_output_size, size, kernel, stride, padding, 1, ceil_mode))
        theirs = _torch_outcome(
            nn.AvgPool2d(kernel, stride, padding, ceil_mode=ceil_mode), (size, size)
        )
        assert (ours is None) == (theirs is None), (size, kernel, stride, padding, ceil_mode)
        if theirs is not None:
            assert (ours, ours) == theirs


def test_ceil_mode_last_window_must_start_inside_input():
    # 5 + 2·1 − 2 = 5, ceil(5/2) + 1 = 4, but window 3 would start at 6 ≥ 5 + 1: PyTorch drops it
    assert pool_output_size(5, 2, stride=2, padding=1, ceil_mode=True) == 3
    assert _torch_outcome(nn.MaxPool2d(2, 2, 1, ceil_mode=True), (5, 5)) == (3, 3)
    assert pool_output_size(7, 2, ceil_mode=True) == 4  # the partial window is kept
    assert pool_output_size(1, 2, ceil_mode=True) == 1


def test_conv_transpose_output_size_matches_convtranspose2d_on_random_layers():
    rng = seed_everything(4)
    counts = {"valid": 0, "invalid": 0}
    for _ in range(N_RANDOM):
        per_axis = bool(rng.random() < 0.5)
        size = _axis(rng, 1, 12, per_axis, rare=0)
        kernel = _axis(rng, 1, 5, per_axis, rare=0)
        stride = _axis(rng, 1, 4, per_axis, rare=0)
        padding = _axis(rng, 0, 5, per_axis, rare=-1)
        output_padding = _axis(rng, 0, 3, per_axis, rare=-1)
        dilation = _axis(rng, 1, 3, per_axis, rare=0)
        config = dict(
            size=size,
            kernel=kernel,
            stride=stride,
            padding=padding,
            output_padding=output_padding,
            dilation=dilation,
        )
        ours = _our_outcome(partial(conv_transpose_output_size, **config))
        weight = torch.zeros(1, 1, *_pair(kernel)) if min(_pair(kernel)) >= 0 else None
        theirs = _torch_outcome(
            partial(
                F.conv_transpose2d,
                weight=weight,
                stride=stride,
                padding=padding,
                output_padding=output_padding,
                dilation=dilation,
            ),
            _pair(size),
        )
        if theirs is None:
            assert ours is None, f"PyTorch refuses {config} but we give {ours}"
        else:
            assert ours is not None, f"PyTorch accepts {config} but we raise"
            assert _pair(ours) == theirs, config
        counts["invalid" if theirs is None else "valid"] += 1
    assert counts["valid"] > 100 and counts["invalid"] > 50, counts


def test_conv_params_match_nn_conv2d_including_groups():
    rng = seed_everything(5)
    for _ in range(200):
        in_channels, out_channels = int(rng.integers(1, 13)), int(rng.integers(1, 13))
        kernel = _axis(rng, 1, 5, bool(rng.random() < 0.5))
        groups = int(rng.integers(1, 5))
        bias = bool(rng.random() < 0.5)
        try:
            layer = nn.Conv2d(
                in_channels, out_channels, kernel, groups=groups, bias=bias, device="meta"
            )
        except ValueError:
            with pytest.raises(ValueError, match=r"is not divisible by groups \d+: .* = "):
                conv_params(in_channels, out_channels, kernel, bias=bias, groups=groups)
            continue
        expected = sum(p.numel() for p in layer.parameters())
        assert conv_params(in_channels, out_channels, kernel, bias=bias, groups=groups) == expected


def test_linear_params_and_macs():
    layer = nn.Linear(9216, 4096, device="meta")
    assert linear_params(9216, 4096) == sum(p.numel() for p in layer.parameters())
    assert linear_params(10, 3, bias=False) == 30
    assert linear_macs(10, 3) == 30
    assert linear_flops(10, 3) == 60


def test_macs_match_flop_counter_mode():
    """FlopCounterMode counts 2 FLOPs per multiply-accumulate and ignores bias additions."""
    rng = seed_everything(6)
    for _ in range(30):
        groups = int(rng.integers(1, 4))
        in_channels = groups * int(rng.integers(1, 5))
        out_channels = groups * int(rng.integers(1, 5))
        kernel = (int(rng.integers(1, 6)), int(rng.integers(1, 6)))
        stride = int(rng.integers(1, 3))
        layer = nn.Conv2d(in_channels, out_channels, kernel, stride, groups=groups, device="meta")
        x = torch.empty(1, in_channels, 20, 17, device="meta")
        with FlopCounterMode(display=False) as counter:
            out = layer(x)
        output_size = conv_output_size((20, 17), kernel, stride)
        assert tuple(out.shape[2:]) == output_size
        macs = conv_macs(in_channels, out_channels, kernel, output_size, groups=groups)
        assert conv_flops(in_channels, out_channels, kernel, output_size, groups) == 2 * macs
        assert counter.get_total_flops() == 2 * macs


# ----------------------------------------------------------------------------- error messages


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: conv_output_size(5, 7),
            "kernel 7 does not fit input 5 with padding 0: (5 + 2·0 − 7)/1 + 1 = -1; "
            "use padding ≥ 1 or a smaller kernel",
        ),
        (
            lambda: conv_output_size(5, 3, dilation=3),
            "kernel 3 with dilation 3 (spans 3·(3 − 1) + 1 = 7 pixels) does not fit input 5 "
            "with padding 0: (5 + 2·0 − 7)/1 + 1 = -1; use padding ≥ 1",
        ),
        (lambda: conv_output_size((32, 5), (3, 7)), "width: kernel 7 does not fit input 5"),
        (
            lambda: conv_output_size(32, 3, stride=0),
            "(32 + 2·0 − 3)/0 + 1 divides by 0; use stride ≥ 1",
        ),
        (lambda: conv_output_size(0, 3), "input size 0 is empty: (0 + 2·0 − 3)/1 + 1"),
        (lambda: conv_output_size(32, 0), "kernel 0 has no weights"),
        (
            lambda: conv_output_size(32, 3, padding=-1),
            "padding -1 is negative: (32 + 2·(-1) − 3)/1 + 1",
        ),
        (lambda: conv_output_size(32, 3, dilation=0), "0·(3 − 1) + 1 = 1 pixels; use dilation ≥ 1"),
        (
            lambda: pool_output_size(32, 3, padding=2),
            "padding 2 is more than half of kernel 3: PyTorch pooling needs padding ≤ 3 // 2 = 1",
        ),
        (
            lambda: pool_output_size(1, 3),
            "pooling kernel 3 does not fit input 1 with padding 0: (1 + 2·0 − 3)/3 + 1 = 0.33, "
            "rounded down to 0; use padding ≥ 1",
        ),
        (
            lambda: pool_output_size(2, 3, dilation=3),
            "(2 + 2·0 − 7)/3 + 1 = -0.67, rounded down to -1; the input has only 2 pixel(s) left",
        ),
        (
            lambda: conv_transpose_output_size(5, 3, padding=5),
            "(5 − 1)·1 − 2·5 + 1·(3 − 1) + 0 + 1 = -3; use padding ≤ 3",
        ),
        (
            lambda: conv_transpose_output_size(5, 3, stride=2, output_padding=2),
            "output_padding 2 must be ≥ 0 and smaller than stride 2 or dilation 1",
        ),
        (
            lambda: conv_params(3, 96, 11, groups=2),
            "in_channels 3 is not divisible by groups 2: each group would get 3/2 = 1.5 channels",
        ),
    ],
)
def test_impossible_layers_explain_the_arithmetic(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


def test_strict_refuses_layers_that_do_not_tile():
    assert conv_output_size(32, 5, stride=3) == 10  # (32 − 5)/3 + 1 = 10 exactly
    assert conv_output_size(32, 5, stride=3, strict=True) == 10
    with pytest.raises(
        ValueError,
        match=re.escape(
            "stride 2 does not tile input 32 with kernel 5 and padding 0: (32 + 2·0 − 5)/2 + 1 "
            "= 14.5 is not a whole number, so the last 1 pixel(s)"
        ),
    ):
        conv_output_size(32, 5, stride=2, strict=True)
    # the suggested padding really tiles
    with pytest.raises(ValueError, match="try padding 2") as info:
        conv_output_size(32, 3, stride=3, strict=True)
    assert "(32 + 2·0 − 3)/3 + 1 = 10.67 is not a whole number" in str(info.value)
    assert conv_output_size(32, 3, stride=3, padding=2, strict=True) == 12
    assert conv_output_size(32, 3, stride=3) == 10  # not strict: PyTorch rounds down
    with pytest.raises(ValueError, match="does not tile input 7"):
        pool_output_size(7, 2, strict=True)
    assert pool_output_size(8, 2, strict=True) == 4


def test_effective_kernel():
    assert effective_kernel(3) == 3
    assert effective_kernel(3, 2) == 5


# ----------------------------------------------------------------------------- receptive field


def test_receptive_field_of_stacked_3x3():
    assert receptive_field([(3, 1, 1)] * 2)[-1].size == 5
    assert receptive_field([(3, 1, 1)] * 3)[-1].size == 7
    assert receptive_field([(7, 1, 3)])[-1].size == 7
    assert receptive_field([(3, 1)] * 3)[-1] == RFInfo(size=7, jump=1, start=3.0)


def test_receptive_field_alexnet():
    conv1, pool1 = receptive_field([(11, 4), (3, 2)])
    assert conv1 == RFInfo(11, 4, 5.0)
    assert pool1 == RFInfo(19, 8, 9.0)
    alexnet = torchvision.models.alexnet
    with torch.device("meta"):
        features = alexnet(weights=None).features
    infos = receptive_field(features)
    assert len(infos) == len(features)  # one record per layer, ReLUs included
    assert [info.size for info in infos if "Conv" in info.name or "Pool" in info.name] == [
        11,
        19,
        51,
        67,
        99,
        131,
        163,
        195,
    ]
    assert infos[1] == infos[0]  # ReLU passes through


def test_receptive_field_vgg16_features():
    with torch.device("meta"):
        vgg = torchvision.models.vgg16(weights=None)
    last = receptive_field(vgg.features)[-1]
    assert (last.size, last.jump) == (212, 32)


def test_receptive_field_dilation_and_non_square():
    assert receptive_field([(3, 1, 2, 2)])[-1] == RFInfo(5, 1, 0.0)
    same = nn.Sequential(nn.Conv2d(1, 1, 4, padding="same", dilation=2), nn.MaxPool2d(2))
    assert receptive_field(same) == [RFInfo(7, 1, 0.0), RFInfo(8, 2, 0.5)]
    layers = [((3, 5), 1, (1, 2))]
    with pytest.raises(ValueError, match="pass axis=0"):
        receptive_field(layers)
    assert receptive_field(layers, axis=0)[-1].size == 3
    assert receptive_field(layers, axis=1)[-1].size == 5


def test_receptive_field_refuses_branching_and_dense_layers():
    with pytest.raises(ValueError, match=r"classifier|layer 1 \(Linear\) mixes every position"):
        receptive_field(nn.Sequential(nn.Conv2d(1, 1, 3), nn.Linear(3, 3)))
    with torch.device("meta"):
        resnet = torchvision.models.resnet18()
    with pytest.raises(ValueError, match="BasicBlock, whose forward\\(\\) may branch"):
        receptive_field(nn.Sequential(resnet.conv1, resnet.layer1))
    with pytest.raises(ValueError, match="give \\(kernel, stride\\)"):
        receptive_field([(3,)])
    with pytest.raises(ValueError, match="stride 0"):
        receptive_field([(3, 0)])


def _empirical_field(net: nn.Module, length: int, dims: int) -> tuple[int, float, int]:
    """Backprop from the middle output unit: (extent of nonzero input gradient, centre, unit)."""
    for module in net.modules():
        if isinstance(module, nn.Conv1d | nn.Conv2d):
            nn.init.constant_(module.weight, 0.1)
            nn.init.zeros_(module.bias)
    x = (1.0 + torch.rand((1, 1) + (length,) * dims, dtype=torch.float64)).requires_grad_()
    y = net.double()(x)
    unit = y.shape[-1] // 2
    y[(0, 0) + (unit,) * dims].backward()
    grad = x.grad[0, 0]
    grad = grad.sum(dim=tuple(range(dims - 1))) if dims > 1 else grad  # along the last axis
    nonzero = torch.nonzero(grad).flatten()
    first, last = int(nonzero.min()), int(nonzero.max())
    assert 0 < first and last < length - 1, "receptive field clipped: use a longer input"
    return last - first + 1, (first + last) / 2, unit


def test_receptive_field_equals_gradient_region_of_a_real_net():
    # AvgPool rather than MaxPool: max pooling sends gradient to one pixel per window only,
    # while the field is where the unit *can* look; the geometry is the same.
    net = nn.Sequential(
        nn.Conv2d(1, 1, 3, padding=1),
        nn.ReLU(),
        nn.AvgPool2d(2),
        nn.Conv2d(1, 1, 3, dilation=2, padding=2),
        nn.BatchNorm2d(1).eval(),
        nn.AvgPool2d(3, stride=2, padding=1),
        nn.Conv2d(1, 1, 5),
    )
    info = receptive_field(net)[-1]
    size, centre, unit = _empirical_field(net, 96, dims=2)
    assert size == info.size
    assert centre == info.start + unit * info.jump


def test_receptive_field_equals_gradient_region_on_random_stacks():
    rng = seed_everything(7)
    for _ in range(12):
        layers = []
        for _ in range(int(rng.integers(2, 6))):
            kernel, stride, dilation = int(rng.integers(1, 6)), int(rng.integers(1, 3)), 1
            if rng.random() < 0.5:
                padding = int(rng.integers(0, kernel // 2 + 1))
                layers.append(nn.AvgPool1d(kernel, stride, padding))
            else:
                dilation = int(rng.integers(1, 3))
                layers += [
                    nn.Conv1d(1, 1, kernel, stride, int(rng.integers(0, 3)), dilation),
                    nn.ReLU(),
                ]
        net = nn.Sequential(*layers)
        info = receptive_field(net)[-1]
        size, centre, unit = _empirical_field(net, 4 * info.size + 8 * info.jump, dims=1)
        assert size == info.size, net
        assert centre == info.start + unit * info.jump, net
