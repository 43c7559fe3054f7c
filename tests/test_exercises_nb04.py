"""The checkers of notebook 04 accept right answers and explain wrong ones without raising."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from course_utils.conv_math import conv_output_size, pool_output_size
from course_utils.exercises import Verdict
from course_utils.exercises.nb04 import (
    check_conv_pool_side,
    check_dense_head_params,
    check_dropout,
)
from course_utils.exercises.solutions import reference

_dropout = reference("04.1")  # the one reference solution


_conv_pool_side = reference("04.2")  # the one reference solution


_head_params = reference("04.3")  # the one reference solution


def _placeholder(*args):
    raise NotImplementedError


def _verdict(v: Verdict) -> tuple[bool, str]:
    assert isinstance(v, Verdict)
    return v.ok, repr(v)


def test_dropout_accepts_right_answers():
    assert check_dropout(_dropout)
    # torch's own functional dropout with the generator's mask is right too
    assert check_dropout(
        lambda x, p, training, g: (
            x * (torch.rand(x.shape, generator=g) >= p) / (1 - p) if training else x
        )
    )
    assert "✅" in repr(check_dropout(_dropout))


def test_dropout_explains_mistakes():
    def no_rescale(x, p, training, g):
        return x * (torch.rand(x.shape, generator=g) >= p) if training else x

    def times_keep(x, p, training, g):
        return x * (torch.rand(x.shape, generator=g) >= p) * (1 - p) if training else x

    def keep_prob(x, p, training, g):
        return x * (torch.rand(x.shape, generator=g) < p) / (1 - p) if training and p else x

    def scaled_at_test(x, p, training, g):
        return _dropout(x, p, training, g) if training else x * (1 - p)

    def rows(x, p, training, g):
        return x * (torch.rand(x.shape[0], 1, generator=g) >= p) / (1 - p) if training else x

    def global_rng(x, p, training, g):
        return F.dropout(x, p, training)

    def in_place(x, p, training, g):
        if training and p:
            x.mul_((torch.rand(x.shape, generator=g) >= p) / (1 - p))
        return x

    cases = {
        "not rescaled": no_rescale,
        "multiplied by (1 − p)": times_keep,
        "not of keeping": keep_prob,
        "unchanged": scaled_at_test,
        "whole rows": rows,
        "generator you are given": global_rng,
        "in place": in_place,
        "NotImplementedError": _placeholder,
        "return a tensor": lambda x, p, t, g: 0.5,
        "shape": lambda x, p, t, g: x.flatten(),
    }
    for needle, answer in cases.items():
        ok, text = _verdict(check_dropout(answer))
        assert not ok, needle
        assert needle in text, (needle, text)
        assert text.startswith("❌")


def test_conv_pool_side():
    assert check_conv_pool_side(_conv_pool_side)
    assert check_conv_pool_side(
        lambda w, f, s, p, c: pool_output_size(conv_output_size(w, f, s, p), 3, 2, ceil_mode=c)
    )
    assert check_conv_pool_side(lambda *a: float(_conv_pool_side(*a)))  # 55.0 is fine
    cases = {
        "convolution's output only": lambda w, f, s, p, c: (w + 2 * p - f) // s + 1,
        "rounds the pool": lambda w, f, s, p, c: _conv_pool_side(w, f, s, p, not c),
        "not 2×2": lambda w, f, s, p, c: pool_output_size(
            (w + 2 * p - f) // s + 1, 2, 2, ceil_mode=c
        ),
        "padding is missing": lambda w, f, s, p, c: _conv_pool_side(w, f, s, 0, c),
        "rounded as ceil_mode says": lambda *a: _conv_pool_side(*a) + 1,
        "whole number": lambda *a: "big",
        "NotImplementedError": _placeholder,
    }
    for needle, answer in cases.items():
        ok, text = _verdict(check_conv_pool_side(answer))
        assert not ok, needle
        assert needle in text, (needle, text)


def test_dense_head_params():
    assert check_dense_head_params(_head_params)
    assert _head_params(256, 6, (4096, 4096), 1000) == 58_631_144  # AlexNet's dense layers
    cases = {
        "biases are missing": lambda c, s, h, k: _head_params(c, s, h, k) - sum(h) - k,
        "channels × side × side": lambda c, s, h, k: _head_params(c, 1, h, k),
        "last layer": lambda c, s, h, k: (
            _head_params(c, s, h, k) - ((h[-1] if h else c * s * s) + 1) * k
        ),
        "(inputs + 1) × outputs": lambda *a: _head_params(*a) + 7,
        "whole number": lambda *a: None,
        "NotImplementedError": _placeholder,
    }
    for needle, answer in cases.items():
        ok, text = _verdict(check_dense_head_params(answer))
        assert not ok, needle
        assert needle in text, (needle, text)


def test_checkers_never_print_the_answer(capsys):
    check_dropout(_placeholder)
    check_conv_pool_side(lambda *a: 0)
    check_dense_head_params(lambda *a: 0)
    assert capsys.readouterr().out == ""
    text = repr(check_dense_head_params(lambda *a: 0))
    assert "58631144" not in text and "58,631,144" not in text  # AlexNet's head: never shown
