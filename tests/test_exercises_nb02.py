"""Notebook 02's exercise checkers: right answers pass, usual mistakes get their hint."""

from __future__ import annotations

import inspect
import math

import pytest
import torch
from exercise_asserts import assert_correct, assert_hint, placeholder

import course_utils.exercises.nb02 as nb02_module
from course_utils.exercises.nb02 import (
    TYPICAL_MISTAKES,
    check_dilated_output_size,
    check_grouped_params,
    check_receptive_field,
    check_same_padding,
)
from course_utils.exercises.solutions import SOLUTIONS, checker_for, reference

# ----------------------------------------------------------------------------- reference answers


output_size = reference("02.1")  # the one reference solution


grouped_params = reference("02.2")  # the one reference solution


same_padding = reference("02.3")  # the one reference solution


rf_size = reference("02.4")  # the one reference solution


# ----------------------------------------------------------------------------- right answers


@pytest.mark.parametrize(
    "checker, answer",
    [
        (check_dilated_output_size, output_size),
        (check_grouped_params, grouped_params),
        (check_same_padding, same_padding),
        (check_receptive_field, rf_size),
    ],
)
def test_right_answers_pass(checker, answer):
    verdict = checker(answer)
    assert verdict and repr(verdict).startswith("✅ correct")


def test_float_whole_numbers_are_accepted():
    assert check_dilated_output_size(lambda *a: float(output_size(*a)))
    assert check_same_padding(lambda f, d: float(same_padding(f, d)))


@pytest.mark.parametrize(
    "checker",
    [check_dilated_output_size, check_grouped_params, check_same_padding, check_receptive_field],
)
def test_placeholders_and_crashes_do_not_raise(checker):
    assert_hint(checker(placeholder), "NotImplementedError")
    assert_hint(checker(lambda *a: 1 / 0), "ZeroDivisionError")
    assert_hint(checker(lambda *a: "55"), "return a number")
    with pytest.raises(TypeError, match="pass your function itself"):
        checker(55)


# ----------------------------------------------------------------------------- usual mistakes


def test_output_size_hints():
    assert_hint(
        check_dilated_output_size(lambda w, f, p, s, d: (w + 2 * p - d * (f - 1) - 1) / s + 1),
        "rounds it down",
    )
    assert_hint(
        check_dilated_output_size(lambda w, f, p, s, d: (w + 2 * p - f) // s + 1),
        "D·(F − 1) + 1",
    )
    assert_hint(
        check_dilated_output_size(lambda w, f, p, s, d: (w + p - d * (f - 1) - 1) // s + 1),
        "both sides",
    )
    assert_hint(
        check_dilated_output_size(lambda w, f, p, s, d: (w + 2 * p - d * (f - 1) - 1) // s),
        "+ 1",
    )
    assert_hint(
        check_dilated_output_size(
            lambda w, f, p, s, d: math.ceil((w + 2 * p - d * (f - 1) - 1) / s) + 1
        ),
        "round down",
    )


def test_output_size_message_names_the_layer_not_the_answer():
    verdict = check_dilated_output_size(lambda w, f, p, s, d: 0)
    assert_hint(verdict, "W=227, F=11, P=0, S=4, D=1")
    assert "55" not in repr(verdict)


def test_grouped_params_hints():
    assert_hint(check_grouped_params(lambda c, k, f, g: f * f * c // g * k), "bias")
    assert_hint(
        check_grouped_params(lambda c, k, f, g: (f * f * c + 1) * k), "C/groups input channels"
    )
    assert_hint(
        check_grouped_params(lambda c, k, f, g: (f * f * c // g + 1) * (k // g)),
        "all K filters still exist",
    )
    assert_hint(check_grouped_params(lambda c, k, f, g: (f * f + 1) * k), "all the input channels")
    assert_hint(check_grouped_params(lambda c, k, f, g: f * f * c // g + 1), "K of them")
    verdict = check_grouped_params(lambda c, k, f, g: 0)
    assert_hint(verdict, "C=96, K=256, F=5, groups=2")
    assert "307456" not in repr(verdict) and "307,456" not in repr(verdict)


def test_same_padding_hints():
    assert_hint(check_same_padding(lambda f, d: d * (f - 1)), "both sides")
    assert_hint(check_same_padding(lambda f, d: (f - 1) // 2), "D·(F − 1) + 1")
    assert_hint(check_same_padding(lambda f, d: 0), "too little")
    assert_hint(check_same_padding(lambda f, d: -1), "negative")
    assert_hint(check_same_padding(lambda f, d: 0.5), "whole number")


def test_receptive_field_hints():
    assert_hint(
        check_receptive_field(lambda layers: 1 + sum(k - 1 for k, _ in layers)),
        "product of the strides",
    )

    def own_stride(layers):
        size, jump = 1, 1
        for k, s in layers:
            jump *= s
            size += (k - 1) * jump
        return size

    assert_hint(check_receptive_field(own_stride), "before")
    assert_hint(check_receptive_field(lambda layers: math.prod(k for k, _ in layers)), "adding")
    verdict = check_receptive_field(lambda layers: 0)
    assert_hint(verdict, "[(3, 1), (3, 1), (3, 1)]", "start from 1 pixel")


def test_checkers_give_the_learner_fresh_lists():
    """A learner's function that mutates its argument cannot corrupt later cases."""

    def destructive(layers):
        size = rf_size(layers)
        layers.clear()
        return size

    assert check_receptive_field(destructive)


# ----------------------------------------------------------------------------- hidden seeds
# Hidden autograder tests call check_x(answer, seed=s): other inputs, same messages.

SEEDED = {
    "02.1": check_dilated_output_size,
    "02.2": check_grouped_params,
    "02.3": check_same_padding,
    "02.4": check_receptive_field,
}
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
    keys = {k for k in SOLUTIONS if k.startswith("02.")}
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
    assert "TYPICAL_MISTAKES" in nb02_module.__all__


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


@pytest.mark.parametrize("key", ["02.1", "02.2", "02.3", "02.4"])
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


def test_same_padding_far_too_small_for_a_large_kernel_gets_a_verdict():
    # the 11-wide kernel no longer fits the 5-pixel test input: a verdict, not a ValueError
    verdict = check_same_padding(lambda f, d: (f - 1) // 2 if f < 11 else 0)
    assert_hint(verdict, "F=11, D=1", "too little")
    for seed in range(5):
        assert_hint(
            check_same_padding(lambda f, d: 0 if d * (f - 1) > 4 else d * (f - 1) // 2, seed=seed),
            "too little",
        )
