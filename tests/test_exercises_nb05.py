"""The checkers of notebook 05 accept right answers and explain wrong ones without raising."""

from __future__ import annotations

from fractions import Fraction

import torch
import torch.nn.functional as F

from course_utils.exercises import Verdict
from course_utils.exercises.nb05 import (
    check_compose_kernels,
    check_stack_for_field,
    check_vgg_params,
)
from course_utils.exercises.solutions import reference


def _placeholder(*args):
    raise NotImplementedError


def _verdict(v: Verdict) -> tuple[bool, str]:
    assert isinstance(v, Verdict)
    return v.ok, repr(v)


def _expect_failures(checker, cases):
    for needle, answer in cases.items():
        ok, text = _verdict(checker(answer))
        assert not ok, needle
        assert needle in text, (needle, text)
        assert text.startswith("❌")


# ---- exercise 1


_stack = reference("05.1")  # the one reference solution


def test_stack_for_field_accepts_right_answers():
    assert check_stack_for_field(_stack)
    assert check_stack_for_field(lambda f: (_stack(f)[0], Fraction(9 * _stack(f)[0], f * f)))
    assert check_stack_for_field(lambda f: [float(_stack(f)[0]), _stack(f)[1]])  # 3.0 is fine


def test_stack_for_field_explains_mistakes():
    def no_check(field):
        n = (field - 1) // 2
        return n, 9 * n / field**2

    def layers_plus_one(field):
        _stack(field)
        return (field - 1) // 2 + 1, 0.5

    def thirds(field):
        return field // 3, _stack(field)[1]

    _expect_failures(
        check_stack_for_field,
        {
            "raise a ValueError": no_check,
            "not the layers + 1": layers_plus_one,
            "adds 2 pixels": thirds,
            "single layer over the stack": lambda f: (_stack(f)[0], 1 / _stack(f)[1]),
            "k·k weights per pair": lambda f: (_stack(f)[0], 3 * _stack(f)[0] / f),
            "every layer of the stack": lambda f: (_stack(f)[0], 9 / f**2),
            "return a pair": lambda f: _stack(f)[1],
            "must be a number": lambda f: (_stack(f)[0], "half"),
            "NotImplementedError": _placeholder,
        },
    )


def test_stack_for_field_wants_a_value_error():
    def type_error(field):
        if field % 2 == 0 or field < 3:
            raise TypeError("bad field")
        return _stack(field)

    ok, text = _verdict(check_stack_for_field(type_error))
    assert not ok and "raised TypeError" in text


# ---- exercise 2


_compose = reference("05.2")  # the one reference solution


def _impulses(weights):
    c = weights[0].shape[1]
    k = sum(w.shape[-1] - 1 for w in weights) + 1
    x = torch.zeros(c, c, 2 * k - 1, 2 * k - 1, dtype=weights[0].dtype)
    for i in range(c):
        x[i, i, k - 1, k - 1] = 1
    for w in weights:
        x = F.conv2d(x, w)
    return x.transpose(0, 1).flip(-1, -2)


def test_compose_kernels_accepts_two_methods():
    assert check_compose_kernels(_compose)
    assert check_compose_kernels(_impulses)
    assert check_compose_kernels(lambda ws: _compose(ws).float())  # float32 is fine


def test_compose_kernels_explains_mistakes():
    _expect_failures(
        check_compose_kernels,
        {
            "flipped": lambda ws: _compose(ws).flip(-1, -2),
            "swap the first two axes": lambda ws: _compose(ws).transpose(0, 1),
            "widens the field": lambda ws: ws[-1],
            "differs from the chain": lambda ws: 2 * _compose(ws),
            "return a tensor": lambda ws: _compose(ws).tolist(),
            "NotImplementedError": _placeholder,
        },
    )


def test_compose_kernels_catches_swapped_channels_of_a_square_kernel():
    def swapped(ws):
        return _compose(ws).transpose(0, 1) if ws[0].shape[1] == ws[-1].shape[0] else _compose(ws)

    ok, text = _verdict(check_compose_kernels(swapped))
    assert not ok and "channels are swapped" in text


# ---- exercise 3


def _vgg_params(cfg, num_classes, input_size, hidden, in_channels, bias=1, pools=True, head=True):
    total, c, side = 0, in_channels, input_size
    for v in cfg:
        if v == "M":
            side //= 2 if pools else 1
            continue
        total += (9 * c + bias) * v
        c = v
    if head:
        total += (c * side * side + bias) * hidden + (hidden + bias) * hidden
        total += (hidden + bias) * num_classes
    return total


def test_vgg_params_accepts_the_right_count():
    assert check_vgg_params(_vgg_params)
    assert check_vgg_params(lambda *a: float(_vgg_params(*a)))


def test_vgg_params_explains_mistakes():
    _expect_failures(
        check_vgg_params,
        {
            "one bias per output channel": lambda *a: _vgg_params(*a, bias=0),
            "add the dense head": lambda *a: _vgg_params(*a, head=False),
            "halves at every 'M'": lambda *a: _vgg_params(*a, pools=False),
            "two hidden dense layers": lambda cfg, n, s, h, c: (
                _vgg_params(cfg, n, s, h, c) - (h + 1) * h
            ),
            "(9·C + 1)·K": lambda *a: _vgg_params(*a) + 1,
            "return an int": lambda *a: "many",
            "NotImplementedError": _placeholder,
        },
    )


def test_checkers_never_print_the_answer(capsys):
    check_stack_for_field(_placeholder)
    check_compose_kernels(_placeholder)
    check_vgg_params(_placeholder)
    assert capsys.readouterr().out == ""
    text = repr(check_vgg_params(lambda *a: 0))
    assert "132,863,336" not in text and "132863336" not in text
    text = repr(check_stack_for_field(lambda f: (1, 0.5)))
    assert "27/49" not in text and "0.55" not in text
