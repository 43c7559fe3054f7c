"""Notebook 12's checkers accept reference solutions and explain typical mistakes."""

import inspect

import pytest
import torch
import torch.nn.functional as F
from exercise_asserts import assert_correct, assert_hint

from course_utils.exercises import nb12
from course_utils.exercises.nb12 import TYPICAL_MISTAKES, check_mask_iou, check_mask_target
from course_utils.exercises.solutions import SOLUTIONS, reference

target_by_crop = reference("12.1")  # the reference solutions, stored once in course_utils
iou_by_sets = reference("12.2")


def test_mask_target_accepts_a_crop_and_resize():
    assert check_mask_target(target_by_crop)


def test_mask_target_names_the_mistakes():
    transposed = check_mask_target(lambda m, b, s: target_by_crop(m, b, s).T)
    assert not transposed and "swapped" in transposed.message
    whole = check_mask_target(
        lambda m, b, s: F.interpolate(m.float()[None, None], size=(s, s))[0, 0]
    )
    assert not whole and "crop" in whole.message
    shape = check_mask_target(lambda m, b, s: target_by_crop(m, b, s)[None])
    assert not shape and "(28, 28)" in shape.message
    assert (
        "NotImplementedError"
        in check_mask_target(lambda *a: (_ for _ in ()).throw(NotImplementedError)).message
    )


def test_mask_iou_accepts_the_set_formula_and_names_the_mistakes():
    assert check_mask_iou(iou_by_sets)
    nan = check_mask_iou(lambda a, b: (a.flatten(1).float() @ b.flatten(1).float().T)
                         / (a.flatten(1).float().sum(1)[:, None] + b.flatten(1).float().sum(1)[None]
                            - a.flatten(1).float() @ b.flatten(1).float().T))  # fmt: skip
    assert not nan and "NaN" in nan.message
    double = check_mask_iou(lambda a, b: (a.flatten(1).float() @ b.flatten(1).float().T)
                            / (a.flatten(1).float().sum(1)[:, None]
                               + b.flatten(1).float().sum(1)[None]).clamp(min=1))  # fmt: skip
    assert not double and "once" in double.message
    assert not check_mask_iou(lambda a, b: torch.zeros(len(a), len(b)))


# ----------------------------------------------------------------------------- hidden cases (seed)

SEEDED = {"12.1": check_mask_target, "12.2": check_mask_iou}
SEEDLESS = {}  # no exercise of this notebook is worked out by hand (a fixed answer, no seed)
SEEDS = [None, *range(5)]


def canonical(value):
    """A comparable form of a checker's arguments: tensors by dtype, shape and bytes."""
    if isinstance(value, torch.Tensor):
        return (str(value.dtype), tuple(value.shape), value.detach().numpy().tobytes())
    if isinstance(value, list | tuple):
        return tuple(canonical(v) for v in value)
    return value


def seen_inputs(key, seed):
    """The arguments the reference solution of ``key`` gets from its checker for ``seed``."""
    calls, answer = [], reference(key)

    def recording(*args):
        calls.append(canonical(args))
        return answer(*args)

    assert_correct(SEEDED[key](recording, seed=seed))
    return calls


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("key", sorted(SEEDED))
def test_reference_passes_the_hidden_cases(key, seed):
    assert_correct(SEEDED[key](reference(key), seed=seed))


@pytest.mark.parametrize("key", sorted(SEEDED))
def test_a_seed_draws_other_cases(key):
    default, one = seen_inputs(key, None), seen_inputs(key, 1)
    assert default != one
    assert one != seen_inputs(key, 2)
    assert one == seen_inputs(key, 1)  # the same seed, the same cases
    assert default == seen_inputs(key, None)


@pytest.mark.parametrize("bad", [True, 1.5, "1"])
@pytest.mark.parametrize("key", sorted(SEEDED))
def test_seed_must_be_an_int_or_none(key, bad):
    with pytest.raises(TypeError, match="seed"):
        SEEDED[key](reference(key), seed=bad)


@pytest.mark.parametrize("key", sorted(SEEDED))
def test_seed_must_not_be_negative_and_is_keyword_only(key):
    with pytest.raises(ValueError, match="seed"):
        SEEDED[key](reference(key), seed=-1)
    with pytest.raises(TypeError):
        SEEDED[key](reference(key), 1)


def test_typical_mistakes_cover_every_checked_exercise():
    assert "TYPICAL_MISTAKES" in nb12.__all__
    assert set(TYPICAL_MISTAKES) == set(SEEDED) | set(SEEDLESS)
    assert set(TYPICAL_MISTAKES) == {k for k in SOLUTIONS if k.startswith("12.")}
    for key, checker in {**SEEDED, **SEEDLESS}.items():
        assert SOLUTIONS[key].checker == checker.__name__
    for checker in SEEDLESS.values():
        assert "seed" not in inspect.signature(checker).parameters


@pytest.mark.parametrize("key", sorted(TYPICAL_MISTAKES))
def test_typical_mistake_is_rejected(key):
    namespace = {}
    exec(compile(TYPICAL_MISTAKES[key], f"<mistake {key}>", "exec"), namespace)
    answer = namespace[SOLUTIONS[key].name]
    if key in SEEDLESS:
        verdicts = [SEEDLESS[key](answer)]
    else:
        verdicts = [SEEDED[key](answer, seed=seed) for seed in SEEDS]
    for verdict in verdicts:
        assert_hint(verdict)
        assert "raised" not in verdict.message  # a wrong answer, not a crash


@pytest.mark.parametrize("key", sorted(SEEDED))
def test_an_answer_hard_coded_to_the_notebook_cases_fails_hidden_ones(key):
    answer, table = reference(key), {}

    def recording(*args):
        table[canonical(args)] = result = answer(*args)
        return result

    assert_correct(SEEDED[key](recording))

    def lookup(*args):  # the notebook's answers, looked up: a KeyError for any other case
        return table[canonical(args)]

    assert_correct(SEEDED[key](lookup))
    for seed in range(5):
        assert_hint(SEEDED[key](lookup, seed=seed), "KeyError")
