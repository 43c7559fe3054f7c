"""Graded assignments, graded: what a student receives, and what the autograder gives submissions.

Runs in the lecturer's grading environment after ``make assignments`` (``make test-assignments``),
on every assignment in ``$ASSIGNMENTS`` (default build/assignments): the unmodified student
notebook scores 0 on every autograded question; submissions where half of the questions hold the
checker's typical mistake and the other half the reference solution (and then the other way
round) lose exactly the mistaken questions' points and score the others in full; a Korean
assignment (graded once, half mistaken) gives Korean feedback; one submission is graded in under
60 s. (``otter assign`` itself has already run every reference solution against every public and
hidden test.)
"""

from __future__ import annotations

import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

pytest.importorskip("otter", reason="the grading environment: make test-assignments")

from course_utils.exercises.solutions import SOLUTIONS  # noqa: E402
from course_utils.tooling import assignments as A  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(os.environ.get("ASSIGNMENTS", ROOT / "build" / "assignments"))
if not OUT.is_absolute():
    OUT = ROOT / OUT
BUILT = sorted(
    (lang, folder.name)
    for lang in A.LANGUAGES
    for folder in (OUT / lang).glob("[0-9][0-9]")
    if (folder / "dist").is_dir()
)
SECONDS_LIMIT = 60
HANGUL = re.compile(r"[가-힣]")


def _mistake(key: str) -> str:
    import importlib

    module = importlib.import_module(f"course_utils.exercises.nb{key[:2]}")
    return module.TYPICAL_MISTAKES[key]


def _submission(b: A.Built, mistaken: set[int], tag: str) -> Path:
    """The student notebook with ``mistaken`` questions' typical mistakes, the rest solved."""
    answers = {}
    for q in b.questions:
        if q.manual:
            continue
        code = _mistake(q.key) if q.number in mistaken else SOLUTIONS[q.key].code
        answers[q.number] = f"{code}\n{q.checker}({q.name})\n"  # as a student would: check it
    return A.fill(b.student, answers, OUT / "submissions" / b.lang / b.nn / f"{tag}.ipynb")


def _plans(b: A.Built) -> dict[str, Path]:
    auto = [q.number for q in b.questions if not q.manual]
    odd = {n for i, n in enumerate(auto) if i % 2 == 0}
    plans = {"mistakes-odd": _submission(b, odd, "mistakes-odd")}
    if b.lang == "en":  # the student's notebook, and every question once right and once wrong
        plans["student"] = b.student
        plans["mistakes-even"] = _submission(b, set(auto) - odd, "mistakes-even")
    return plans


@pytest.fixture(scope="session")
def graded() -> dict[tuple[str, str, str], tuple[A.Built, set[int], A.Grade]]:
    """Every plan of every assignment, graded two at a time (2 cores)."""
    if not BUILT:
        pytest.fail(f"no assignments under {OUT}: run make assignments first")
    jobs = []
    for lang, nn in BUILT:
        b = A.built(OUT, nn, lang)
        auto = [q.number for q in b.questions if not q.manual]
        odd = {n for i, n in enumerate(auto) if i % 2 == 0}
        wrong = {"student": set(auto), "mistakes-odd": odd, "mistakes-even": set(auto) - odd}
        for tag, path in _plans(b).items():
            jobs.append(((lang, nn, tag), b, wrong[tag], path))
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        grades = list(pool.map(lambda job: A.grade(job[1].autograder, job[3]), jobs))
    times = sorted(g.seconds for g in grades)
    report = (
        f"{len(grades)} submissions of {len(BUILT)} assignments graded in "
        f"{time.perf_counter() - start:.0f} s, two at a time; per submission "
        f"median {times[len(times) // 2]:.1f} s, max {times[-1]:.1f} s"
    )
    print(report)
    (OUT / "grading-times.txt").write_text(report + "\n")
    return {job[0]: (job[1], job[2], g) for job, g in zip(jobs, grades, strict=True)}


def _cases(tags: tuple[str, ...]) -> list[tuple[str, str, str]]:
    return [
        (lang, nn, tag)
        for lang, nn in BUILT
        for tag in tags
        if tag == "mistakes-odd" or lang == "en"
    ]


@pytest.mark.parametrize("case", _cases(("student", "mistakes-odd", "mistakes-even")), ids="-".join)
def test_each_question_scores_in_full_or_loses_exactly_its_points(graded, case):
    b, wrong, grade = graded[case]
    auto = {f"q{q.number}": q for q in b.questions if not q.manual}
    assert set(grade.scores) == set(auto), (grade.scores, auto)
    for name, q in auto.items():
        score, most = grade.scores[name]
        assert most == q.points, (name, most, q.points)
        expected = 0.0 if q.number in wrong else most
        assert score == expected, f"{case} {name}: {score} of {most}\n{grade.feedback[name]}"


@pytest.mark.parametrize("case", _cases(("mistakes-odd",)), ids="-".join)
def test_failed_tests_give_the_checkers_hint_in_the_assignments_language(graded, case):
    b, wrong, grade = graded[case]
    for q in b.questions:
        if q.number not in wrong:
            continue
        feedback = grade.feedback[f"q{q.number}"]
        hints = re.findall(r"AssertionError: (❌ .*)", feedback)
        assert hints, feedback
        for hint in hints:
            if b.lang == "ko":
                assert hint.startswith("❌ 아직 아님") and HANGUL.search(hint[10:]), hint
            else:
                assert hint.startswith("❌ not yet: ") and not HANGUL.search(hint), hint


def test_one_submission_is_graded_in_under_a_minute(graded):
    slow = {case: round(g.seconds, 1) for case, (_, _, g) in graded.items() if g.seconds > 60}
    assert not slow, slow


@pytest.mark.parametrize("lang_nn", BUILT, ids="-".join)
def test_the_student_version_holds_no_solution_and_no_hidden_test(lang_nn):
    lang, nn = lang_nn
    b = A.built(OUT, nn, lang)
    text = b.student.read_text()
    assert "solution(" not in text and "BEGIN SOLUTION" not in text
    secret = os.environ.get(A.SEED_VARIABLE, "course")
    assert "hidden: true" not in text and "TEST CONFIG" not in text
    nb = nbformat.read(b.student, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    code_lines = {ln.strip() for ln in code.splitlines()}
    for q in b.questions:
        if q.manual:
            # the grader's note (expected outcome) stays with the lecturer
            assert q.expected[:40] not in text
            continue
        if q.seeded:
            assert str(A.hidden_seeds(q.key, secret)) not in text
        body = [ln.strip() for ln in SOLUTIONS[q.key].code.splitlines()]
        giveaways = [
            ln
            for ln in body
            if len(ln) > 12 and not ln.startswith(("def ", "import ", "from ", "#"))
        ]
        # lines the lecture notebook's own starter code has too are no leak (e.g. 04.2's starter
        # computes the convolution's side right and the pool's wrong)
        given = {
            ln.strip()
            for other in b.questions
            if other.starter
            for ln in other.starter.splitlines()
        }
        leaked = [ln for ln in giveaways if ln in code_lines and ln not in given]
        assert not leaked, f"{lang} {q.key}: {leaked}"
    # the open questions' answer cell speaks the assignment's language
    answers = [c.source for c in nb.cells if c.source == A._TEXT[lang]["open_answer"]]
    assert len(answers) == sum(q.manual for q in b.questions)
    assert lang == "en" or A.OTTER_ANSWER not in text
    # its code: the setup cell and the lecture notebook's exercise cells, nothing else
    starters = [q.starter.rstrip("\n") for q in b.questions if not q.manual]
    assert [c.source for c in nb.cells if c.cell_type == "code"][1:] == starters
    files = {p.name for p in b.student.parent.rglob("*") if p.is_file()}
    assert files == {b.student.name}, files  # no tests/ folder: hidden tests stay in the zip
