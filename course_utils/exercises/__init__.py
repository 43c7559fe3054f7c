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

from course_utils.i18n import Message, define

__all__ = [
    "Verdict",
    "Message",
    "M",
    "report",
    "call_answer",
    "whole_number",
    "check_seed",
    "seeded_generator",
    "draw_int",
]


# The messages every checker may give; each notebook's checkers define their own beside them
# (identifiers "NN.name"). English, then Korean: 해라체, the terms of i18n/terms.yml.
define(
    {
        "correct": ("correct", "정답"),
        "not_yet": ("not yet", "아직 아님"),
        "not_implemented": (
            "the function still raises NotImplementedError: replace it with your code",
            "함수가 아직 NotImplementedError를 일으킨다: 여러분의 코드로 바꿔 넣어라",
        ),
        "raised": ("your function raised {exc}: {text}", "함수에서 {exc} 예외가 발생했다: {text}"),
        "changed_input": (
            "your function changed its input in place; build a new tensor",
            "함수가 입력을 제자리에서(in place) 바꿨다: 새 텐서를 만들어라",
        ),
        "input_changed": (
            "the input tensor was changed in place; return a new tensor",
            "입력 텐서가 제자리에서(in place) 바뀌었다: 새 텐서를 반환하라",
        ),
        # where the answer is off ({where}: the case, {hint}: a message about the usual mistake)
        "wrong_for": ("wrong for {where} ({hint})", "{where}에서 틀렸다 ({hint})"),
        "wrong_for_colon": ("wrong for {where}: {hint}", "{where}에서 틀렸다: {hint}"),
        "output_shape_wrong": (
            "output shape {shape} is wrong for {where}: {hint}",
            "{where}에서 출력의 모양이 틀렸다 (지금은 {shape}): {hint}",
        ),
        # what came back is not what was asked for ({type}: its type's name)
        "not_a_tensor": ("return a tensor, not {type}", "텐서를 반환해야 한다 (지금은 {type})"),
        "not_a_tensor_for": (
            "return a tensor, not {type} (for {where})",
            "{where}에서 텐서를 반환해야 한다 (지금은 {type})",
        ),
        "not_an_int_for": (
            "return an int, not {type} ({where})",
            "{where}에서 int를 반환해야 한다 (지금은 {type})",
        ),
        "a_scalar": ("a scalar", "스칼라"),
        # counting multiply-accumulates (03, 06)
        "macs_counted_as_flops": (
            "that is FLOPs: one MAC is one multiply *and* its add, count it once",
            "그것은 부동소수점 연산 수(FLOP)다: 곱셈-누산 연산(MAC) 하나는 곱셈 하나*와* 그 "
            "덧셈이니 한 번만 세어라",
        ),
    }
)

M = Message  # the checkers' short name: report(False, M("02.wrong_size", where=..., hint=...))


class Verdict:
    """A checker's answer: true when correct; shows as one line in a notebook.

    ``message`` is a :class:`~course_utils.i18n.Message`, rendered in the student's language
    when shown (``COURSE_LANG=ko`` in the Korean notebooks); :attr:`message` reads it in
    English, :attr:`content` is the Message itself.
    """

    def __init__(self, ok: bool, message: Message | None = None) -> None:
        if message is not None and not isinstance(message, Message):
            raise TypeError(
                f"message must be a Message (M(identifier, ...)) or None, got "
                f"{type(message).__name__} {message!r}: define the text in the catalogue"
            )
        self.ok = bool(ok)
        self.content = message

    @property
    def message(self) -> str:
        """The message in English ("" when there is none)."""
        return self.content.render("en") if self.content is not None else ""

    def __bool__(self) -> bool:
        return self.ok

    def render(self, lang: str | None = None) -> str:
        """The verdict's line in ``lang`` (default: the current language)."""
        message = self.content.render(lang) if self.content is not None else ""
        if self.ok:
            return f"✅ {M('correct').render(lang)}{': ' + message if message else ''}"
        return f"❌ {M('not_yet').render(lang)}: {message}"

    def __repr__(self) -> str:
        # in the student's language, read when shown
        return self.render()


def report(ok: bool, message: Message | None = None) -> Verdict:
    """The verdict of a checker (the notebook displays it when it ends the cell)."""
    return Verdict(ok, message)


def call_answer(answer: Callable, *args: Any, **kwargs: Any) -> tuple[bool, Any]:
    """Call the learner's function; (False, message) when it raises or is a placeholder."""
    if not callable(answer):
        raise TypeError(f"pass your function itself (not its result); got {type(answer).__name__}")
    try:
        return True, answer(*args, **kwargs)
    except NotImplementedError:
        return False, M("not_implemented")
    except Exception as exc:  # the learner's code failed: say how, don't crash the notebook
        return False, M("raised", exc=type(exc).__name__, text=str(exc))


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
