"""Notebook 07's exercise checkers: right answers pass, usual mistakes get their hint."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from exercise_asserts import assert_correct, assert_hint, placeholder

from course_utils.exercises.nb07 import (
    check_bottleneck_params,
    check_residual_forward,
    check_zero_pad_shortcut,
)
from course_utils.exercises.solutions import reference

# ----------------------------------------------------------------- exercise 1: residual forward


residual_forward = reference("07.1")  # the one reference solution


def test_residual_forward_accepts_the_block():
    assert_correct(check_residual_forward(residual_forward))
    assert_correct(check_residual_forward(lambda block, x: block(x)))


def test_residual_forward_explains_mistakes():
    def no_skip(block, x):
        return F.relu(block.bn2(block.conv2(F.relu(block.bn1(block.conv1(x))))))

    def no_last_relu(block, x):
        return block.bn2(block.conv2(F.relu(block.bn1(block.conv1(x))))) + x

    def relu_then_add(block, x):
        return no_skip(block, x) + x

    def no_middle_relu(block, x):
        return F.relu(block.bn2(block.conv2(block.bn1(block.conv1(x)))) + x)

    def no_bn(block, x):
        return F.relu(block.conv2(F.relu(block.conv1(x))) + x)

    cases = {
        "shortcut is missing": no_skip,
        "last ReLU is missing": no_last_relu,
        "before the addition": relu_then_add,
        "between the two convolutions": no_middle_relu,
        "batch norms are missing": no_bn,
        "NotImplementedError": placeholder,
        "return a tensor": lambda block, x: 1.0,
        "keeps the shape": lambda block, x: residual_forward(block, x)[:, :1],
        "values differ": lambda block, x: residual_forward(block, x) * 1.1,
    }
    for needle, answer in cases.items():
        assert_hint(check_residual_forward(answer), needle)


# --------------------------------------------------------------- exercise 2: zero-pad shortcut


zero_pad = reference("07.2")  # the one reference solution


def test_zero_pad_shortcut_accepts_a_right_answer():
    assert_correct(check_zero_pad_shortcut(zero_pad))
    assert_correct(
        check_zero_pad_shortcut(
            lambda x, out, s: F.pad(x[:, :, ::s, ::s], (0, 0, 0, 0, 0, out - x.shape[1]))
        )
    )


def test_zero_pad_shortcut_explains_mistakes():
    def zeros_first(x, out, s):
        x = x[:, :, ::s, ::s]
        return torch.cat([x.new_zeros(x.shape[0], out - x.shape[1], *x.shape[2:]), x], dim=1)

    def averaged(x, out, s):
        return zero_pad(F.avg_pool2d(x, s, ceil_mode=True), out, 1)

    def ones(x, out, s):
        x = x[:, :, ::s, ::s]
        return torch.cat([x, x.new_ones(x.shape[0], out - x.shape[1], *x.shape[2:])], dim=1)

    def odd_pixels(x, out, s):
        return zero_pad(x[:, :, s - 1 :: s, s - 1 :: s], out, 1)

    cases = {
        "zero channels after": zeros_first,
        "averages": averaged,
        "must be zeros": ones,
        "first pixel": odd_pixels,
        "channels": lambda x, out, s: x[:, :, ::s, ::s],
        "shrink with the stride": lambda x, out, s: zero_pad(x, out, 1),
        "NotImplementedError": placeholder,
    }
    for needle, answer in cases.items():
        assert_hint(check_zero_pad_shortcut(answer), needle)


# ------------------------------------------------------------- exercise 3: bottleneck params


bottleneck_params = reference("07.3")  # the one reference solution


def test_bottleneck_params_accepts_the_formula():
    assert_correct(check_bottleneck_params(bottleneck_params))
    assert_correct(check_bottleneck_params(lambda *a: float(bottleneck_params(*a))))


def test_bottleneck_params_explains_mistakes():
    def no_bn(c_in, planes):
        out = 4 * planes
        return (
            bottleneck_params(c_in, planes)
            - 2 * (2 * planes + out)
            - (2 * out if c_in != out else 0)
        )

    def with_bias(c_in, planes):
        out = 4 * planes
        return bottleneck_params(c_in, planes) + 2 * planes + out + (out if c_in != out else 0)

    def no_projection(c_in, planes):
        out = 4 * planes
        return bottleneck_params(c_in, planes) - (c_in * out + 2 * out if c_in != out else 0)

    def always_projection(c_in, planes):
        out = 4 * planes
        return no_projection(c_in, planes) + c_in * out + 2 * out

    def no_expansion(c_in, planes):
        out = 4 * planes
        proj = c_in * out + 2 * out if c_in != out else 0
        return c_in * planes + 9 * planes**2 + planes**2 + 6 * planes + proj

    cases = {
        "γ and β": no_bn,
        "no bias": with_bias,
        "needs its 1×1 projection": no_projection,
        "the shortcut is the identity": always_projection,
        "expands to 4·planes": no_expansion,
        "return an int": lambda *a: "many",
        "per channel for each BN": lambda *a: bottleneck_params(*a) + 1,
        "NotImplementedError": placeholder,
    }
    for needle, answer in cases.items():
        assert_hint(check_bottleneck_params(answer), needle)


def test_checkers_never_print_the_answer(capsys):
    check_residual_forward(placeholder)
    check_zero_pad_shortcut(placeholder)
    text = repr(check_bottleneck_params(lambda *a: 0))
    assert capsys.readouterr().out == ""
    assert "70,400" not in text and "70400" not in text  # the 256 → 64 → 256 block's count
