"""Checkers for the notebooks' exercises: one module per notebook (``nb00``, ``nb01``, …).

A checker runs the learner's answer against a reference on fresh inputs and prints
"✅ correct" or "❌ not yet: …" when displayed, with a hint about what is off, never the answer itself
(in Korean when ``COURSE_LANG=ko``: :mod:`course_utils.i18n`).
It returns a ``Verdict`` (true when correct) and does not raise for a wrong answer (only for misuse), so
an unsolved exercise never stops a notebook.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from course_utils.i18n import tr

__all__ = [
    "Verdict",
    "report",
    "call_answer",
    "whole_number",
    "check_seed",
    "seeded_generator",
    "draw_int",
]


class Verdict:
    """A checker's answer: true when correct; shows as one line in a notebook."""

    def __init__(self, ok: bool, message: str = "") -> None:
        self.ok = bool(ok)
        self.message = message

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        # in the student's language (COURSE_LANG=ko in the Korean notebooks), read when shown
        message = tr(self.message)
        if self.ok:
            return f"✅ {tr('correct')}{': ' + message if message else ''}"
        return f"❌ {tr('not yet')}: {message}"


def report(ok: bool, message: str = "") -> Verdict:
    """The verdict of a checker (the notebook displays it when it ends the cell)."""
    return Verdict(ok, message)


def call_answer(answer: Callable, *args: Any, **kwargs: Any) -> tuple[bool, Any]:
    """Call the learner's function; (False, message) when it raises or is a placeholder."""
    if not callable(answer):
        raise TypeError(f"pass your function itself (not its result); got {type(answer).__name__}")
    try:
        return True, answer(*args, **kwargs)
    except NotImplementedError:
        return False, "the function still raises NotImplementedError: replace it with your code"
    except Exception as exc:  # the learner's code failed: say how, don't crash the notebook
        return False, f"your function raised {type(exc).__name__}: {exc}"


def whole_number(value: object) -> int | None:
    """``value`` as an int when it is a whole number (int, NumPy int, 55.0), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real) and float(value).is_integer():
        return int(value)
    return None


def check_seed(seed: object) -> int | None:
    """``seed`` of a checker's hidden cases: None (the notebook's own cases) or an int ≥ 0."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int ≥ 0 or None; got {type(seed).__name__} {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be an int ≥ 0 or None; got {seed}")
    return seed


def seeded_generator(seed: int, salt: int) -> torch.Generator:
    """The generator of ``seed``'s hidden cases (``salt``: the exercise), apart from the notebook's."""
    state = np.random.SeedSequence([salt, seed]).generate_state(1, np.uint64)
    return torch.Generator().manual_seed(int(state[0]))


def draw_int(low: int, high: int, g: torch.Generator) -> int:
    """One int drawn from ``low`` to ``high`` (both included)."""
    return int(torch.randint(low, high + 1, (1,), generator=g))


# the way out for a stuck student: solution("08.2") prints a reference solution
from course_utils.exercises.solutions import solution  # noqa: E402

__all__ += ["solution"]
