"""Every checker's hidden cases (``seed=``) and typical mistakes, tested once for all exercises.

A graded assignment's hidden tests call ``check_x(answer, seed=s)``: the same checks and messages
on other inputs, drawn from ``s``. Each module ``course_utils.exercises.nbNN`` lists one typical
mistake per exercise in ``TYPICAL_MISTAKES``, which every call of its checker must reject.
What is specific to one checker (its hints on seeded calls, what its seed varies, regression
tests) stays in ``tests/test_exercises_nbNN.py``.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import pkgutil
from collections.abc import Callable
from typing import Any

import pytest
import torch
from exercise_asserts import SEEDS, assert_correct, assert_hint

import course_utils.exercises
from course_utils.exercises import Verdict
from course_utils.exercises.solutions import SOLUTIONS, checker_for, reference

KEYS = sorted(SOLUTIONS)  # every checked exercise, "NN.k"
NOTEBOOKS = sorted({key[:2] for key in KEYS})

#: exercises worked out by hand: one fixed answer, no inputs a seed could vary
FIXED_VALUE = {"01.3", "08.1", "08.3", "10.1"}

#: exercises a lookup table of the notebook's answers cannot even pass the notebook's check for
NO_LOOKUP = {
    # training_step must train the model: the checker calls it again on the model it stepped
    "00.3": "a replayed loss leaves the model untrained, so the next call's inputs are new",
}

BAD_SEEDS = [(True, TypeError), (1.5, TypeError), ("1", TypeError), (-1, ValueError)]


def _module(key: str):
    return importlib.import_module(f"course_utils.exercises.nb{key[:2]}")


def _seeded(key: str) -> bool:
    return "seed" in inspect.signature(checker_for(key)).parameters


SEEDED = [key for key in KEYS if _seeded(key)]


def fingerprint(value: Any) -> Any:
    """A comparable copy of a checker's argument: tensors by dtype, shape and bytes, models and
    optimizers by their state, containers item by item, anything else by its repr."""
    if isinstance(value, torch.Tensor):
        data = value.detach().cpu().contiguous().numpy().tobytes()
        return ("tensor", str(value.dtype), tuple(value.shape), hashlib.sha1(data).hexdigest())
    if isinstance(value, torch.Generator):
        state = value.get_state().numpy().tobytes()
        return ("generator", value.initial_seed(), hashlib.sha1(state).hexdigest())
    if isinstance(value, torch.nn.Module):
        return ("module", type(value).__name__, fingerprint(dict(value.state_dict())))
    if isinstance(value, torch.optim.Optimizer):
        groups = [{k: v for k, v in g.items() if k != "params"} for g in value.param_groups]
        return ("optimizer", type(value).__name__, repr(groups))
    if isinstance(value, dict):
        return ("dict", tuple((repr(k), fingerprint(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(fingerprint(v) for v in value))
    return repr(value)


def _case(args: tuple, kwargs: dict) -> str:
    """One call's arguments as a key: the repr of their fingerprint."""
    return repr(fingerprint((args, kwargs)))


def recorded_calls(key: str, **seed: Any) -> tuple[list[str], Verdict]:
    """The inputs, one per call, that the checker of ``key`` gives the reference solution."""
    answer, calls = reference(key), []

    def recording(*args, **kwargs):
        calls.append(_case(args, kwargs))
        return answer(*args, **kwargs)

    verdict = checker_for(key)(recording, **seed)
    assert_correct(verdict)
    return calls, verdict


def lookup_table(key: str, miss: Callable[[], Any]) -> Callable:
    """A student's shortcut: the reference's answers (or errors) to the notebook's own cases,
    recorded on the default call and replayed; any other case gets ``miss()``."""
    answer, table = reference(key), {}

    def learn(*args, **kwargs):
        case = _case(args, kwargs)
        try:
            table[case] = ("return", answer(*args, **kwargs))
        except Exception as exc:  # the reference refuses the case (ValueError): replay that too
            table[case] = ("raise", exc)
            raise
        return table[case][1]

    assert_correct(checker_for(key)(learn))
    assert table

    def lookup(*args, **kwargs):
        case = _case(args, kwargs)
        if case not in table:
            return miss()
        how, value = table[case]
        if how == "raise":
            raise value
        return value

    return lookup


def typical_mistake(key: str) -> Callable:
    """What the code of ``TYPICAL_MISTAKES[key]`` defines (the name the checker takes)."""
    namespace: dict = {}
    code = _module(key).TYPICAL_MISTAKES[key]
    exec(compile(code, f"<mistake {key}>", "exec"), namespace)
    return namespace[SOLUTIONS[key].name]


# ----------------------------------------------------------------------------- which checkers


def test_the_fixed_value_exercises_are_the_only_seedless_checkers():
    # a new seedless checker is a decision: add it here, with why nothing can vary
    assert set(KEYS) - set(SEEDED) == FIXED_VALUE


def test_every_exercise_module_is_a_notebook_with_checked_exercises():
    modules = {
        info.name[2:]
        for info in pkgutil.iter_modules(course_utils.exercises.__path__)
        if info.name.startswith("nb")
    }
    assert modules == set(NOTEBOOKS)


@pytest.mark.parametrize("key", KEYS)
def test_the_checker_is_the_notebook_module_s_and_takes_seed_by_keyword(key):
    checker = checker_for(key)
    assert checker is getattr(_module(key), SOLUTIONS[key].checker)
    assert checker.__name__ == SOLUTIONS[key].checker
    parameters = inspect.signature(checker).parameters
    if key in FIXED_VALUE:
        assert "seed" not in parameters
        return
    assert parameters["seed"].kind is inspect.Parameter.KEYWORD_ONLY
    assert parameters["seed"].default is None
    assert "seed" in checker.__doc__
    with pytest.raises(TypeError):
        checker(reference(key), 1)  # a seed passed by position


# ----------------------------------------------------------------------------- seeds


@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: f"seed={s}")
@pytest.mark.parametrize("key", SEEDED)
def test_reference_passes_the_hidden_cases(key, seed):
    assert_correct(checker_for(key)(reference(key), seed=seed))


@pytest.mark.parametrize(("seed", "error"), BAD_SEEDS, ids=[f"seed={s!r}" for s, _ in BAD_SEEDS])
@pytest.mark.parametrize("key", SEEDED)
def test_a_bad_seed_is_refused(key, seed, error):
    with pytest.raises(error, match="seed") as raised:
        checker_for(key)(reference(key), seed=seed)
    message = str(raised.value)
    assert repr(seed) in message and "int" in message and "None" in message


@pytest.mark.parametrize("key", SEEDED)
def test_seeded_inputs_differ_from_the_notebook_ones(key):
    default, verdict = recorded_calls(key)
    same, same_verdict = recorded_calls(key, seed=None)  # seed=None is the notebook's own check
    assert same == default and same_verdict.message == verdict.message
    one, two = recorded_calls(key, seed=1)[0], recorded_calls(key, seed=2)[0]
    assert default and one and two
    assert one != default and two != default and one != two
    assert recorded_calls(key, seed=1)[0] == one  # a seed always draws the same inputs


# ----------------------------------------------------------------------------- typical mistakes


@pytest.mark.parametrize("number", NOTEBOOKS)
def test_typical_mistakes_cover_the_notebook_s_checked_exercises(number):
    module = importlib.import_module(f"course_utils.exercises.nb{number}")
    assert "TYPICAL_MISTAKES" in module.__all__
    assert set(module.TYPICAL_MISTAKES) == {key for key in KEYS if key.startswith(f"{number}.")}


@pytest.mark.parametrize("key", KEYS)
def test_typical_mistake_is_rejected(key):
    checker, answer = checker_for(key), typical_mistake(key)
    verdicts = [checker(answer)]
    if key not in FIXED_VALUE:
        verdicts += [checker(answer, seed=seed) for seed in SEEDS]
    for verdict in verdicts:
        assert_hint(verdict)
        assert "raised" not in verdict.message  # a wrong answer, not a crash


# ----------------------------------------------------------------------------- hard-coded answers


def _key_error():
    raise KeyError("not one of the notebook's cases")


@pytest.mark.parametrize(
    ("miss", "hint"),
    [(_key_error, ("KeyError",)), (lambda: None, ())],
    ids=["a-new-case-raises", "a-new-case-returns-None"],
)
@pytest.mark.parametrize("key", [key for key in SEEDED if key not in NO_LOOKUP])
def test_an_answer_hard_coded_to_the_notebook_cases_fails_the_hidden_ones(key, miss, hint):
    lookup = lookup_table(key, miss)
    checker = checker_for(key)
    assert_correct(checker(lookup))  # passes the notebook's check…
    for seed in range(5):
        assert_hint(checker(lookup, seed=seed), *hint)  # …and no hidden one


@pytest.mark.parametrize("key", sorted(NO_LOOKUP))
def test_a_lookup_table_fails_even_the_notebook_check_where_it_cannot_work(key):
    # why these keys sit out the test above: if one ever passes, move it back there
    assert_hint(checker_for(key)(lookup_table(key, _key_error)))
