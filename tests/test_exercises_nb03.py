"""The checkers of notebook 03 accept right answers and explain wrong ones without raising."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from course_utils.exercises import Verdict
from course_utils.exercises.nb03 import (
    check_avg_pool_as_conv,
    check_conv_stack_macs,
    check_max_pool,
)
from course_utils.exercises.solutions import reference


def _max_pool_loops(x, kernel, stride):
    n, c, h, w = x.shape
    h_out, w_out = (h - kernel) // stride + 1, (w - kernel) // stride + 1
    out = torch.empty(n, c, h_out, w_out)
    for i in range(h_out):
        for j in range(w_out):
            window = x[:, :, i * stride : i * stride + kernel, j * stride : j * stride + kernel]
            out[:, :, i, j] = window.amax(dim=(2, 3))
    return out


_avg_pool_conv = reference("03.2")  # the one reference solution


_stack_macs = reference("03.3")  # the one reference solution


def _placeholder(*args):
    raise NotImplementedError


def _verdict(v: Verdict) -> tuple[bool, str]:
    assert isinstance(v, Verdict)
    return v.ok, repr(v)


def test_max_pool_accepts_loops_and_torch():
    assert check_max_pool(_max_pool_loops)
    assert check_max_pool(lambda x, k, s: F.max_pool2d(x, k, s))
    assert "✅" in repr(check_max_pool(_max_pool_loops))


def test_max_pool_explains_mistakes():
    cases = {
        "average pooling": lambda x, k, s: F.avg_pool2d(x, k, s),
        "from 0": lambda x, k, s: F.max_pool2d(x, k, s).clamp(min=0),
        "stride is ignored": lambda x, k, s: F.max_pool2d(x, k),
        "batch and channel": lambda x, k, s: F.max_pool2d(x, k, s)[0],
        "swapped": lambda x, k, s: F.max_pool2d(x, k, s).transpose(-1, -2),
        "NotImplementedError": _placeholder,
        "raised ZeroDivisionError": lambda x, k, s: 1 / 0,
        "return a tensor": lambda x, k, s: 3.0,
    }
    for needle, answer in cases.items():
        ok, text = _verdict(check_max_pool(answer))
        assert not ok, needle
        assert needle in text, (needle, text)
        assert text.startswith("❌")


def test_avg_pool_as_conv():
    assert check_avg_pool_as_conv(_avg_pool_conv)
    cases = {
        "window sums": lambda x, k: _avg_pool_conv(x, k) * k * k,
        "groups=C": lambda x, k: F.conv2d(
            x, torch.full((1, x.shape[1], k, k), 1.0 / k**2), stride=k
        ),
        "overlap": lambda x, k: F.avg_pool2d(x, k, stride=1),
        "NotImplementedError": _placeholder,
    }
    for needle, answer in cases.items():
        ok, text = _verdict(check_avg_pool_as_conv(answer))
        assert not ok, needle
        assert needle in text, (needle, text)


def test_avg_pool_mixing_channels_is_explained():
    def mixed(x, k):  # C output channels, each the sum over input channels
        c = x.shape[1]
        return F.conv2d(x, torch.full((c, c, k, k), 1.0 / k**2), stride=k)

    ok, text = _verdict(check_avg_pool_as_conv(mixed))
    assert not ok and "channels are mixed" in text


def test_conv_stack_macs():
    assert check_conv_stack_macs(_stack_macs)
    assert check_conv_stack_macs(lambda *a: float(_stack_macs(*a)))  # 1.0e6 as a float is fine
    cases = {
        "FLOPs": lambda *a: 2 * _stack_macs(*a),
        "halve": lambda c, w, s, pool: _stack_macs(c, w, s, False),
        "return an int": lambda *a: "many",
        "NotImplementedError": _placeholder,
        "per conv": lambda *a: _stack_macs(*a) - 1,
    }
    for needle, answer in cases.items():
        ok, text = _verdict(check_conv_stack_macs(answer))
        assert not ok, needle
        assert needle in text, (needle, text)


def test_checkers_never_print_the_answer(capsys):
    check_max_pool(_placeholder)
    check_avg_pool_as_conv(_placeholder)
    check_conv_stack_macs(lambda *a: 0)
    assert capsys.readouterr().out == ""
    text = repr(check_conv_stack_macs(lambda *a: 0))
    assert "11,2" not in text and "1769472" not in text  # no reference MAC count leaks


# ----------------------------------------------------------------------------- regressions
# (what every seeded checker does is tested once, in tests/test_exercise_seeds.py)


def test_max_pool_wrong_values_on_a_non_square_output_get_a_verdict():
    def off_when_not_square(x, k, s):
        return F.max_pool2d(x, k, s) + (0.0 if x.shape[-1] == x.shape[-2] else 1.0)

    ok, text = _verdict(check_max_pool(off_when_not_square))
    assert not ok and "the values differ from max pooling for a 1×2×5×6 input" in text
