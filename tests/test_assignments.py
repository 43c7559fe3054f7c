"""The graded assignments' master notebooks, built from the exercises (no otter needed here).

``make test-assignments`` (tests/test_grading.py) runs otter on them; these check the masters
themselves: one question per exercise, the right tests, nothing copied by hand, graded mode.
"""

from __future__ import annotations

import importlib
import inspect
import re

import pytest

from course_utils.exercises import solution
from course_utils.exercises.solutions import OPEN, SOLUTIONS, reference
from course_utils.tooling import assignments as A

NUMBERS = A.exercise_notebooks()
CASES = [(lang, nn) for lang in A.LANGUAGES for nn in NUMBERS]
HANGUL = re.compile(r"[가-힣]")


def test_every_notebook_with_exercises_has_an_assignment():
    keys = {k[:2] for k in SOLUTIONS} | {k[:2] for k in OPEN}
    assert NUMBERS == sorted(keys)


@pytest.mark.parametrize("lang_nn", CASES, ids="-".join)
def test_one_question_per_exercise_with_the_checker_as_its_tests(lang_nn):
    lang, nn = lang_nn
    nb = A.master_notebook(nn, lang, secret="s")
    raws = [c.source for c in nb.cells if c.cell_type == "raw"]
    assert raws[0].startswith("# ASSIGNMENT CONFIG")
    expected = sorted(k for k in list(SOLUTIONS) + list(OPEN) if k.startswith(nn))
    qs = A.questions(nn, lang)
    assert [q.key for q in qs] == expected
    begins = [r for r in raws if r.startswith("# BEGIN QUESTION")]
    assert len(begins) == len(qs) == sum(r.startswith("# END QUESTION") for r in raws)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    for q in qs:
        if q.manual:
            assert (
                f"name: q{q.number}\npoints: {A.MANUAL_POINTS}\nmanual: true" in begins[qs.index(q)]
            )
            note = [
                c.source for c in nb.cells if c.source.startswith(A._TEXT[lang]["grader_note"][:8])
            ]
            assert any(q.expected in n for n in note)
            continue
        checker = getattr(importlib.import_module(f"course_utils.exercises.nb{nn}"), q.checker)
        assert q.seeded == ("seed" in inspect.signature(checker).parameters)
        public = [c for c in code if f"def test_public_{q.key.replace('.', '_')}({q.name})" in c]
        hidden = [c for c in code if f"def test_hidden_{q.key.replace('.', '_')}({q.name})" in c]
        assert len(public) == 1 and f"{q.checker}({q.name})" in public[0]
        assert f'os.environ["COURSE_LANG"] = "{lang}"' in public[0]
        assert len(hidden) == int(q.seeded)
        if q.seeded:
            assert f"seed in {A.hidden_seeds(q.key, 's')}" in hidden[0]
            assert "hidden: true" in hidden[0] and f"points: {A.HIDDEN_POINTS}" in hidden[0]
        # the solution cell is the reference solution, word for word
        assert any(SOLUTIONS[q.key].code in c and "# BEGIN SOLUTION" in c for c in code)
        # the prompt is the lecture notebook's exercise cell, checker call included
        assert any(c == q.starter.rstrip("\n") and f"{q.checker}(" in c for c in code)


@pytest.mark.parametrize("nn", NUMBERS)
def test_the_korean_assignment_is_korean_and_the_english_one_english(nn):
    for lang in A.LANGUAGES:
        nb = A.master_notebook(nn, lang)
        text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        share = len(HANGUL.findall(text)) / max(1, len(re.findall(r"[A-Za-z가-힣]", text)))
        if lang == "ko":
            assert share > 0.4, share
        else:
            assert share == 0, share


def test_the_hidden_seeds_come_from_the_lecturers_secret():
    a, b = A.hidden_seeds("02.1", "one"), A.hidden_seeds("02.1", "two")
    assert a == A.hidden_seeds("02.1", "one") and a != b and len(set(a)) == 3
    assert A.hidden_seeds("02.2", "one") != a
    assert all(0 <= s < 1_000_000 for s in a + b)


def test_starter_code_drops_the_checker_import_and_can_keep_the_call():
    cell = "from course_utils.exercises.nb00 import (\n    check_a,\n)\n\nx = 1\n\ncheck_a(x)\n"
    assert A.starter_code(cell) == "x = 1\n\ncheck_a(x)\n"
    assert A.starter_code(cell, keep_check=False) == "x = 1\n"


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="lang must be one of"):
        A.master_notebook("00", "fr")
    with pytest.raises(ValueError, match="only must name notebooks with exercises"):
        A.build(A.ROOT / "build" / "never", only=["99"])
    with pytest.raises(FileNotFoundError, match="notebook 99"):
        A.notebook_path("99")


def test_graded_mode_shows_no_solution(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_GRADED", "1")
    for lang, words in (("en", "not shown in a graded assignment"), ("ko", "볼 수 없다")):
        monkeypatch.setenv("COURSE_LANG", lang)
        solution("00.1")
        out = capsys.readouterr().out
        assert words in out and "residual" not in out
    with pytest.raises(PermissionError, match="graded mode"):
        reference("00.1")
    monkeypatch.setenv("COURSE_GRADED", "0")
    monkeypatch.setenv("COURSE_LANG", "en")
    solution("00.1")
    assert "residual" in capsys.readouterr().out
