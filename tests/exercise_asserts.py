"""Assertions shared by the exercise-checker tests (tests/test_exercises_nbNN.py)."""

from course_utils.exercises import Verdict

#: the seeds a checker's hidden cases are tested with: None (the notebook's own cases) and 0 to 4
SEEDS = (None, 0, 1, 2, 3, 4)


def assert_hint(verdict: Verdict, *words: str) -> None:
    """A failing verdict whose message mentions every one of ``words``."""
    assert isinstance(verdict, Verdict)
    assert not verdict, repr(verdict)
    text = repr(verdict)
    assert text.startswith("❌ not yet: ")
    for word in words:
        assert word in text, text


def assert_correct(verdict: Verdict) -> None:
    """A passing verdict."""
    assert isinstance(verdict, Verdict)
    assert verdict, repr(verdict)
    assert repr(verdict).startswith("✅ correct")


def placeholder(*args):
    """An unanswered exercise, as the notebook's template leaves it."""
    raise NotImplementedError
