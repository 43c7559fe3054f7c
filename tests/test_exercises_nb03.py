"""The checkers of notebook 03 accept right answers and explain wrong ones without raising."""

from __future__ import annotations

import inspect

import pytest
import torch
import torch.nn.functional as F
from exercise_asserts import assert_correct, assert_hint

import course_utils.exercises.nb03 as nb03_module
from course_utils.exercises import Verdict
from course_utils.exercises.nb03 import (
    TYPICAL_MISTAKES,
    check_avg_pool_as_conv,
    check_conv_stack_macs,
    check_max_pool,
)
from course_utils.exercises.solutions import SOLUTIONS, checker_for, reference


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


# ----------------------------------------------------------------------------- hidden seeds
# Hidden autograder tests call check_x(answer, seed=s): other inputs, same messages.

SEEDED = {"03.1": check_max_pool, "03.2": check_avg_pool_as_conv, "03.3": check_conv_stack_macs}
SEEDLESS: dict[str, object] = {}  # checkers of a fixed answer: no inputs to vary
SEEDS = [None, *range(5)]


def _plain(value):
    """A comparable copy of an argument a checker passed (tensors and models by value)."""
    if isinstance(value, torch.Tensor):
        return ("tensor", tuple(value.shape), repr(value.tolist()))
    if isinstance(value, torch.nn.Module):
        return ("module", repr([(k, v.tolist()) for k, v in value.state_dict().items()]))
    if isinstance(value, torch.optim.Optimizer):
        return ("optimizer", repr([g["lr"] for g in value.param_groups]))
    return repr(value)


def _calls(key, **seed):
    """The arguments, one tuple per call, the checker gives the reference, and its verdict."""
    answer, seen = reference(key), []

    def recording(*args):
        seen.append(tuple(_plain(a) for a in args))
        return answer(*args)

    return seen, SEEDED[key](recording, **seed)


def test_every_checker_is_seeded_or_takes_a_fixed_answer():
    keys = {k for k in SOLUTIONS if k.startswith("03.")}
    assert set(SEEDED) | set(SEEDLESS) == keys and not set(SEEDED) & set(SEEDLESS)
    for key in keys:
        checker = checker_for(key)
        parameters = inspect.signature(checker).parameters
        if key in SEEDED:
            assert SEEDED[key] is checker
            assert parameters["seed"].kind is inspect.Parameter.KEYWORD_ONLY
            assert parameters["seed"].default is None
            assert "seed" in checker.__doc__
        else:
            assert "seed" not in parameters


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("key", sorted(SEEDED))
def test_reference_passes_on_hidden_seeds(key, seed):
    assert_correct(SEEDED[key](reference(key), seed=seed))


@pytest.mark.parametrize("key", sorted(SEEDED))
def test_seeded_inputs_differ_from_the_notebook_ones(key):
    default, verdict = _calls(key)
    same, same_verdict = _calls(key, seed=None)  # seed=None is the notebook's own check
    assert same == default and same_verdict.message == verdict.message
    one, two = _calls(key, seed=1)[0], _calls(key, seed=2)[0]
    assert default and one and two
    assert one != default and two != default and one != two
    assert _calls(key, seed=1)[0] == one  # a seed always draws the same inputs


@pytest.mark.parametrize(
    ("seed", "error"),
    [(True, TypeError), (1.5, TypeError), ("1", TypeError), (-1, ValueError)],
)
@pytest.mark.parametrize("key", sorted(SEEDED))
def test_a_bad_seed_is_refused(key, seed, error):
    with pytest.raises(error, match="seed"):
        SEEDED[key](reference(key), seed=seed)


def test_typical_mistakes_cover_every_exercise():
    assert set(TYPICAL_MISTAKES) == set(SEEDED) | set(SEEDLESS)
    assert "TYPICAL_MISTAKES" in nb03_module.__all__


@pytest.mark.parametrize("key", sorted(SEEDED) + sorted(SEEDLESS))
def test_typical_mistakes_are_rejected(key):
    namespace = {}
    exec(compile(TYPICAL_MISTAKES[key], f"<mistake {key}>", "exec"), namespace)
    answer = namespace[SOLUTIONS[key].name]
    checker = checker_for(key)
    if key in SEEDLESS:
        assert_hint(checker(answer))
        return
    assert_hint(checker(answer))
    for seed in SEEDS:
        assert_hint(checker(answer, seed=seed))


@pytest.mark.parametrize("key", ["03.1", "03.2", "03.3"])
def test_an_answer_hard_coded_to_the_notebook_cases_fails_hidden_seeds(key):
    """A lookup table of the reference's answers to the notebook's own cases."""
    answer, table = reference(key), {}

    def learn(*args):
        table[tuple(_plain(a) for a in args)] = result = answer(*args)
        return result

    assert_correct(SEEDED[key](learn))
    memorised = lambda *args: table.get(tuple(_plain(a) for a in args))  # noqa: E731
    assert_correct(SEEDED[key](memorised))  # passes the notebook's check
    for seed in range(5):
        assert_hint(SEEDED[key](memorised, seed=seed))  # but no hidden one


def test_max_pool_wrong_values_on_a_non_square_output_get_a_verdict():
    def off_when_not_square(x, k, s):
        return F.max_pool2d(x, k, s) + (0.0 if x.shape[-1] == x.shape[-2] else 1.0)

    ok, text = _verdict(check_max_pool(off_when_not_square))
    assert not ok and "the values differ from max pooling for a 1×2×5×6 input" in text
