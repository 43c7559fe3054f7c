"""The reference solutions: each passes its checker, every exercise has one, students can find it."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from exercise_asserts import assert_correct

from course_utils.exercises import solution
from course_utils.exercises.solutions import OPEN, SOLUTIONS, checker_for, reference
from course_utils.tooling.assignments import exercise_cells
from course_utils.tooling.assignments import numbered_items as _numbered_items

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
KOREAN = ROOT / "notebooks" / "ko"


def _exercise_cells(path: Path) -> tuple[nbformat.NotebookNode, list[nbformat.NotebookNode]]:
    """The notebook's "## Exercises" markdown cell and the code cells up to the glossary."""
    return exercise_cells(nbformat.read(path, as_version=4))


@pytest.mark.parametrize("key", sorted(SOLUTIONS))
def test_each_reference_solution_passes_its_checker(key):
    assert_correct(checker_for(key)(reference(key)))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_every_exercise_has_a_solution_or_is_open(path):
    number = path.name[:2]
    markdown, code = _exercise_cells(path)
    items = _numbered_items(markdown.source)
    assert items, f"{path.name}: no numbered exercises"
    open_items = {f"{number}.{k}" for k, text in items.items() if "*(open)*" in text}
    assert open_items == {k for k in OPEN if k.startswith(number)}
    checked = {f"{number}.{k}" for k in items} - open_items
    assert checked == {k for k in SOLUTIONS if k.startswith(number)}
    # the checkers the notebook calls are the ones the solutions name, one per exercise
    called = set(re.findall(r"^(check_\w+)\(", "\n".join(c.source for c in code), re.MULTILINE))
    assert called == {SOLUTIONS[k].checker for k in checked}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_exercise_cells_say_how_to_see_a_solution(path):
    number = path.name[:2]
    first_key = min(k for k in SOLUTIONS if k.startswith(number))
    for nb in (path, KOREAN / path.name):
        markdown = _exercise_cells(nb)[0].source
        assert f'solution("{first_key}")' in markdown, nb
        assert "from course_utils.exercises import solution" in markdown, nb  # works as written


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_open_exercises_state_an_expected_outcome(path):
    number = path.name[:2]
    for nb, word in ((path, "*Expected:*"), (KOREAN / path.name, "*예상:*")):
        items = _numbered_items(_exercise_cells(nb)[0].source)
        for k, text in items.items():
            if f"{number}.{k}" in OPEN:
                assert word in text, f"{nb.name} exercise {k} has no {word}"


def test_solution_prints_code_and_explanation(capsys, monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "en")
    solution("8.2")  # a one-digit notebook number works too
    text = capsys.readouterr().out
    assert text.startswith("Exercise 08.2 — reference solution (check it with check_xywh")
    assert SOLUTIONS["08.2"].code in text
    assert "Why: " + SOLUTIONS["08.2"].explain in text


def test_solution_speaks_korean_in_the_korean_notebooks(capsys, monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "ko")
    solution("02.3")
    text = capsys.readouterr().out
    assert text.startswith("연습 02.3 — 참고 답안")
    assert SOLUTIONS["02.3"].explain_ko in text and SOLUTIONS["02.3"].code in text


def test_open_exercises_point_to_their_cell(capsys, monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "en")
    solution("00.4")
    assert "is open" in capsys.readouterr().out
    with pytest.raises(ValueError, match="is open"):
        reference("00.4")
    with pytest.raises(ValueError, match="is open"):
        checker_for("00.4")


@pytest.mark.parametrize("bad", ["99.9", "08.9", "8", "", "08.2.1", 8.2, None])
def test_unknown_exercises_name_the_argument_and_list_the_keys(bad):
    with pytest.raises(ValueError) as error:
        solution(bad)
    message = str(error.value)
    assert message.startswith("exercise must be 'NN.k'")
    assert f"got {bad!r}" in message
    assert "08.2" in message and "11.3" in message  # what exists
    assert "00.4" in message  # the open ones are named as such


def test_solutions_are_complete_code():
    for s in SOLUTIONS.values():
        compile(s.code, s.key, "exec")
        assert re.search(rf"^(def {s.name}\(|{s.name} = )", s.code, re.MULTILINE), s.key
        assert s.explain and s.explain_ko and s.explain != s.explain_ko
