"""The checkers of notebook 06 accept right answers and explain wrong ones without raising."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from course_utils.exercises import Verdict
from course_utils.exercises.nb06 import (
    check_auxiliary_loss,
    check_inception_params,
    check_reduced_conv_macs,
)
from course_utils.exercises.solutions import reference
from course_utils.models import Inception, count_parameters, googlenet_loss


def _conv(cin, cout, k, bias=True):
    return (k * k * cin + int(bias)) * cout


def _inception_params(c, c1, r3, c3, r5, c5, pp, *, bias=True, reduce=True, on_input=False,
                      proj=True, k5=5):  # fmt: skip
    total = _conv(c, c1, 1, bias)
    total += _conv(c, c3, 3, bias) if on_input else _conv(r3, c3, 3, bias)
    total += _conv(c, c5, k5, bias) if on_input else _conv(r5, c5, k5, bias)
    if reduce:
        total += _conv(c, r3, 1, bias) + _conv(c, r5, 1, bias)
    if proj:
        total += _conv(c, pp, 1, bias)
    return total


_reduced_macs = reference("06.2")  # the one reference solution


def _placeholder(*args, **kwargs):
    raise NotImplementedError


def _verdict(v: Verdict) -> tuple[bool, str]:
    assert isinstance(v, Verdict)
    return v.ok, repr(v)


def _assert_explained(check, cases):
    for needle, answer in cases.items():
        ok, text = _verdict(check(answer))
        assert not ok, needle
        assert text.startswith("❌"), text
        assert needle in text, (needle, text)


def test_inception_params_accepts_right_answers():
    assert check_inception_params(_inception_params)
    assert check_inception_params(lambda *a: count_parameters(Inception(*a)))
    assert check_inception_params(lambda *a: float(_inception_params(*a)))
    assert "✅" in repr(check_inception_params(_inception_params))


def test_inception_params_explains_mistakes():
    _assert_explained(
        check_inception_params,
        {
            "biases are missing": lambda *a: _inception_params(*a, bias=False),
            "1×1 reduce convolutions": lambda *a: _inception_params(*a, reduce=False),
            "*reduced* channels": lambda *a: _inception_params(*a, on_input=True),
            "pool_proj": lambda *a: _inception_params(*a, proj=False),
            "5×5 filters": lambda *a: _inception_params(*a, k5=3),
            "branch by branch": lambda *a: _inception_params(*a) + 1,
            "return an int": lambda *a: "lots",
            "NotImplementedError": _placeholder,
            "raised ZeroDivisionError": lambda *a: 1 / 0,
        },
    )


def test_reduced_conv_macs():
    assert check_reduced_conv_macs(_reduced_macs)
    assert check_reduced_conv_macs(lambda *a: torch.tensor(_reduced_macs(*a)))
    _assert_explained(
        check_reduced_conv_macs,
        {
            "FLOPs": lambda *a: 2 * _reduced_macs(*a),
            "reduce convolution costs MACs": lambda c, r, k, f, s: s * s * r * k * f * f,
            "not in_channels": lambda c, r, k, f, s: s * s * (c * r + c * k * f * f),
            "square the kernel": lambda c, r, k, f, s: s * s * (c * r + r * k * f),
            "square the size": lambda c, r, k, f, s: s * (c * r + r * k * f * f),
            "per convolution": lambda *a: _reduced_macs(*a) + 7,
            "return an int": lambda *a: None,
            "NotImplementedError": _placeholder,
        },
    )


def test_auxiliary_loss():
    assert check_auxiliary_loss(googlenet_loss)

    def main_only(outputs, target, aux_weight=0.3):
        logits = outputs if isinstance(outputs, torch.Tensor) else outputs.logits
        return F.cross_entropy(logits, target)

    def fixed_weight(outputs, target, aux_weight=0.3):
        return googlenet_loss(outputs, target, 0.3)

    def unweighted(outputs, target, aux_weight=0.3):
        return googlenet_loss(outputs, target, 1.0)

    def mean_of_three(outputs, target, aux_weight=0.3):
        if isinstance(outputs, torch.Tensor):
            return F.cross_entropy(outputs, target)
        return sum(F.cross_entropy(t, target) for t in outputs) / 3

    def weight_on_main(outputs, target, aux_weight=0.3):
        if isinstance(outputs, torch.Tensor):
            return F.cross_entropy(outputs, target)
        main, a1, a2 = (F.cross_entropy(t, target) for t in outputs)
        return aux_weight * main + a1 + a2

    def no_eval_mode(outputs, target, aux_weight=0.3):
        return (
            googlenet_loss(outputs, target, aux_weight)
            if not isinstance(outputs, torch.Tensor)
            else outputs.sum()
        )

    def no_none(outputs, target, aux_weight=0.3):  # F.cross_entropy(None, …) raises a TypeError
        if isinstance(outputs, torch.Tensor):
            return F.cross_entropy(outputs, target)
        main, a1, a2 = (F.cross_entropy(t, target) for t in outputs)
        return main + aux_weight * (a1 + a2)

    _assert_explained(
        check_auxiliary_loss,
        {
            "losses are missing": main_only,
            "aux_weight argument": fixed_weight,
            "without their weight": unweighted,
            "mean of the three": mean_of_three,
            "not on the main one": weight_on_main,
            "evaluation mode": no_eval_mode,
            "aux2 is None": no_none,
            "one-number tensor": lambda o, t, aux_weight=0.3: "loss",
            "NotImplementedError": _placeholder,
        },
    )


def test_checkers_never_print_the_answer(capsys):
    check_inception_params(_placeholder)
    check_reduced_conv_macs(lambda *a: 0)
    check_auxiliary_loss(lambda o, t, aux_weight=0.3: torch.tensor(0.0))
    assert capsys.readouterr().out == ""
    text = repr(check_inception_params(lambda *a: 0))
    assert "163" not in text  # the (3a) count, 163,696, does not leak
    text = repr(check_reduced_conv_macs(lambda *a: 0))
    assert "12,4" not in text and "12443648" not in text
