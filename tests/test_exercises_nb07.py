"""Notebook 07's exercise checkers: right answers pass, usual mistakes get their hint."""

from __future__ import annotations

import hashlib

import pytest
import torch
import torch.nn.functional as F
from exercise_asserts import assert_correct, assert_hint, placeholder

from course_utils.exercises import nb07
from course_utils.exercises.nb07 import (
    TYPICAL_MISTAKES,
    check_bottleneck_params,
    check_residual_forward,
    check_zero_pad_shortcut,
)
from course_utils.exercises.solutions import SOLUTIONS, checker_for, reference

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


# ------------------------------------------ seeds (the autograder's hidden tests) and mistakes

# every checker of notebook 07 takes a seed
SEEDED = {
    "07.1": check_residual_forward,
    "07.2": check_zero_pad_shortcut,
    "07.3": check_bottleneck_params,
}


def _fingerprint(value):
    """What a call's arguments are, comparable with ==: tensors by shape and bytes."""
    if isinstance(value, torch.Tensor):
        data = value.detach().contiguous().numpy().tobytes()
        return ("tensor", tuple(value.shape), hashlib.sha1(data).hexdigest())
    if isinstance(value, torch.Generator):
        return ("generator", value.initial_seed())
    if isinstance(value, torch.nn.Module):
        return ("module", _fingerprint(list(value.state_dict().values())))
    if isinstance(value, dict):
        return tuple(sorted((k, _fingerprint(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_fingerprint(v) for v in value)
    return value


def _inputs_seen(key, seed):
    """The arguments of every call the checker makes to the reference solution."""
    right, calls = reference(key), []

    def recording(*args, **kwargs):
        calls.append(_fingerprint((args, kwargs)))
        return right(*args, **kwargs)

    assert_correct(SEEDED[key](recording, seed=seed))
    return calls


def test_every_checker_of_the_notebook_is_seeded():
    keys = {key for key in SOLUTIONS if key.startswith("07.")}
    assert set(SEEDED) == keys
    assert all(SEEDED[key] is checker_for(key) for key in keys)


@pytest.mark.parametrize("key", sorted(SEEDED))
def test_reference_passes_with_every_seed(key):
    right = reference(key)
    for seed in (None, *range(5)):
        assert_correct(SEEDED[key](right, seed=seed))


@pytest.mark.parametrize("key", sorted(SEEDED))
def test_seeded_inputs_differ_from_the_notebooks(key):
    default, seeded = _inputs_seen(key, None), _inputs_seen(key, 1)
    assert default == _inputs_seen(key, None)  # the notebook's cases: the same every time
    assert seeded == _inputs_seen(key, 1)  # a seed's cases: the same every time
    assert seeded != default
    assert seeded != _inputs_seen(key, 2)


@pytest.mark.parametrize("key", sorted(SEEDED))
@pytest.mark.parametrize("bad", [True, 1.5, "1"])
def test_a_seed_that_is_not_an_int_is_refused(key, bad):
    with pytest.raises(TypeError, match="seed") as error:
        SEEDED[key](reference(key), seed=bad)
    assert repr(bad) in str(error.value) and "int" in str(error.value)
    assert "None" in str(error.value)


@pytest.mark.parametrize("key", sorted(SEEDED))
def test_a_negative_seed_is_refused(key):
    with pytest.raises(ValueError, match="seed") as error:
        SEEDED[key](reference(key), seed=-1)
    assert "-1" in str(error.value)


def test_typical_mistakes_cover_the_notebook():
    assert set(TYPICAL_MISTAKES) == {key for key in SOLUTIONS if key.startswith("07.")}
    assert "TYPICAL_MISTAKES" in nb07.__all__


@pytest.mark.parametrize("key", sorted(TYPICAL_MISTAKES))
def test_typical_mistakes_are_rejected_with_every_seed(key):
    namespace: dict = {}
    exec(compile(TYPICAL_MISTAKES[key], f"<mistake {key}>", "exec"), namespace)  # noqa: S102
    answer = namespace[SOLUTIONS[key].name]
    for seed in (None, *range(5)):
        assert_hint(checker_for(key)(answer, seed=seed))


def _hard_coded(key):
    """A lookup table of the reference's answers to the notebook's cases (a student's shortcut)."""
    right, table = reference(key), {}

    def recording(*args):
        table[_fingerprint(args)] = right(*args)
        return table[_fingerprint(args)]

    assert_correct(SEEDED[key](recording))

    def lookup(*args):
        if _fingerprint(args) not in table:
            raise ValueError("not one of the cases I looked up")
        return table[_fingerprint(args)]

    return lookup


@pytest.mark.parametrize("key", ["07.3"])
def test_an_answer_hard_coded_to_the_notebooks_cases_fails_the_seeds(key):
    lookup = _hard_coded(key)
    assert_correct(SEEDED[key](lookup))  # passes the public test…
    for seed in range(5):
        assert_hint(SEEDED[key](lookup, seed=seed))  # …and fails every hidden one
