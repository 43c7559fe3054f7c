"""Notebook 02's exercise checkers: right answers pass, usual mistakes get their hint."""

from __future__ import annotations

import math

import pytest
from exercise_asserts import assert_hint, placeholder

from course_utils.exercises.nb02 import (
    check_dilated_output_size,
    check_grouped_params,
    check_receptive_field,
    check_same_padding,
)
from course_utils.exercises.solutions import reference

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
# What every seeded checker does is tested once, in tests/test_exercise_seeds.py; here only
# what is specific to this one.


def test_same_padding_far_too_small_for_a_large_kernel_gets_a_verdict():
    # the 11-wide kernel no longer fits the 5-pixel test input: a verdict, not a ValueError
    verdict = check_same_padding(lambda f, d: (f - 1) // 2 if f < 11 else 0)
    assert_hint(verdict, "F=11, D=1", "too little")
    for seed in range(5):
        assert_hint(
            check_same_padding(lambda f, d: 0 if d * (f - 1) > 4 else d * (f - 1) // 2, seed=seed),
            "too little",
        )
