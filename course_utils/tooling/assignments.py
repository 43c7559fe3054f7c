"""Graded assignments (otter-grader) generated from the notebooks' exercises: ``make assignments``.

For each lecture notebook with exercises and each language (``en``, ``ko``) this writes one otter
*master* notebook, ``build/assignments/<lang>/NN/NN-master.ipynb``, from one source:

- the exercise text: the numbered items of the notebook's Exercises cell (Korean from the Korean
  edition, which ``make translate`` keeps in step with the English one);
- the starter code: the notebook's exercise cell without its checker import and checker call;
- the solution: the reference solution in :mod:`course_utils.exercises.solutions`;
- public tests: the notebook's own checker call, failing with the checker's hint;
- hidden tests: the same checker on other inputs (``seed=``), drawn from a seed the lecturer
  keeps (``ASSIGNMENT_SEED``), so the hidden inputs are never in what students receive;
- open exercises: manually graded questions, the expected outcome as the grader's note.

Then ``otter assign`` builds ``student/`` (no solution, no hidden test, no ``solution(`` hint)
and ``autograder/`` (the zip that ``otter run`` / ``otter grade`` take) beside each master.

    python -m course_utils.tooling.assignments [--lang en ko] [--only 00 08] [--out DIR]
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import importlib
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat

from course_utils.exercises.solutions import GRADED_VARIABLE, OPEN, SOLUTIONS

__all__ = [
    "Question",
    "exercise_cells",
    "numbered_items",
    "questions",
    "master_notebook",
    "hidden_seeds",
    "build",
    "main",
]

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
LANGUAGES = ("en", "ko")
#: points of an autograded question, and the hidden tests' share where the checker takes seed=
AUTO_POINTS, HIDDEN_POINTS = 2, 1
#: points of an open (manually graded) question
MANUAL_POINTS = 2
#: the lecturer's secret for the hidden tests' seeds (environment variable)
SEED_VARIABLE = "ASSIGNMENT_SEED"

_TEXT = {
    "en": {
        "title": "# Assignment {nn} · {title}",
        "intro": (
            "Write your answer in the cell under each question and run it: the checker at the "
            "end of the cell runs the public test and says ✅ or what is off, never the answer. "
            "Your grade also counts hidden tests: the same checks on other inputs, so an answer "
            "that works only for the public inputs loses those points. Questions marked *(open)* "
            "are read and graded by your lecturer: run the experiment in lecture notebook "
            "{nn} and write what you observe."
        ),
        "open_answer": "_Type your answer here, replacing this text._",
        "grader_note": "**Grader's note (expected outcome):** {expected}",
        "setup": "# the imports the exercises need; graded mode: no reference solutions are shown",
    },
    "ko": {
        "title": "# 과제 {nn} · {title}",
        "intro": (
            "각 문제 아래 셀에 답을 쓰고 실행하라. 셀 끝의 채점기가 공개 테스트를 돌려 ✅ 또는 "
            "무엇이 틀렸는지를 알려 준다. 답은 알려 주지 않는다. 성적에는 숨은 테스트도 "
            "들어간다. 같은 검사를 다른 입력에 대해 하므로, 공개 입력에서만 맞는 답은 그 점수를 "
            "잃는다. *(자유 과제)* 표시가 있는 문제는 강의자가 읽고 채점한다. 강의 노트북 "
            "{nn}에서 실험을 실행하고 관찰한 것을 쓰라."
        ),
        "open_answer": "_이 글을 지우고 여기에 답을 쓰라._",
        "grader_note": "**채점 참고 (기대 결과):** {expected}",
        "setup": "# 연습 문제에 필요한 import. 채점 모드: 참고 답안은 보이지 않는다",
    },
}


@dataclass(frozen=True)
class Question:
    """One exercise of a notebook as an assignment question."""

    key: str  # "NN.k"
    text: str  # the numbered item's markdown, without the expected outcome of an open one
    expected: str | None  # an open exercise's expected outcome (the grader's note)
    starter: str | None  # the exercise cell without the checker import and call
    checker: str | None  # the checker's name (None: open, graded by hand)
    name: str | None  # the function or value the answer defines
    seeded: bool  # the checker takes seed= (hidden tests on other inputs)

    @property
    def number(self) -> int:
        return int(self.key.split(".")[1])

    @property
    def manual(self) -> bool:
        return self.checker is None

    @property
    def points(self) -> int:
        if self.manual:
            return MANUAL_POINTS
        return AUTO_POINTS


def notebook_path(nn: str, lang: str = "en") -> Path:
    """Lecture notebook ``NN`` of the English or the Korean edition."""
    folder = NOTEBOOKS if lang == "en" else NOTEBOOKS / lang
    found = sorted(folder.glob(f"{nn}_*.ipynb"))
    if len(found) != 1:
        raise FileNotFoundError(f"notebook {nn} ({lang}) not found in {folder}")
    return found[0]


_HEADING = {"exercises": r"#+ .*(Exercises|연습 문제)", "glossary": r"#+ .*(Glossary|용어집)"}


def exercise_cells(
    nb: nbformat.NotebookNode,
) -> tuple[nbformat.NotebookNode, list[nbformat.NotebookNode]]:
    """The notebook's Exercises markdown cell and the code cells after it, up to the glossary."""
    cells = nb.cells
    start = next(
        (i for i, c in enumerate(cells) if re.match(_HEADING["exercises"], c.source)), None
    )
    if start is None:
        raise ValueError("the notebook has no Exercises cell")
    rest = []
    for cell in cells[start + 1 :]:
        if cell.cell_type == "markdown" and re.match(_HEADING["glossary"], cell.source):
            break
        if cell.cell_type == "code":
            rest.append(cell)
    return cells[start], rest


def numbered_items(markdown: str) -> dict[int, str]:
    """``{k: text}`` of the numbered list ``k. …`` of an Exercises cell."""
    items = re.split(r"^(\d+)\. ", markdown, flags=re.MULTILINE)
    return {int(items[i]): items[i + 1].strip() for i in range(1, len(items) - 1, 2)}


_EXPECTED = re.compile(r"\s*\*(Expected|예상):\*\s*")


def _checker_calls(source: str) -> list[str]:
    tree = ast.parse(source)
    return [
        n.func.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Name)
        and n.func.id.startswith("check_")
    ]


def starter_code(source: str, keep_check: bool = True) -> str:
    """An exercise cell without its ``course_utils.exercises`` import (and checker call)."""
    tree = ast.parse(source)
    lines = source.splitlines()
    drop: set[int] = set()
    for node in tree.body:
        is_import = isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "course_utils.exercises"
        )
        is_check = (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name)
            and node.value.func.id.startswith("check_")
        )
        if is_import or (is_check and not keep_check):
            drop.update(range(node.lineno - 1, node.end_lineno))
    kept = [line for i, line in enumerate(lines) if i not in drop]
    return "\n".join(kept).strip("\n") + "\n"


def _exercise_imports(cells: list[nbformat.NotebookNode]) -> str:
    """The ``from course_utils.exercises.nbNN import …`` statements of the exercise cells."""
    found = []
    for cell in cells:
        tree = ast.parse(cell.source)
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "course_utils.exercises"
            ):
                found.append(ast.get_source_segment(cell.source, node))
    return "\n".join(found)


def questions(nn: str, lang: str = "en") -> list[Question]:
    """The questions of notebook ``nn``'s exercises, in order (text in ``lang``)."""
    nb = nbformat.read(notebook_path(nn, lang), as_version=4)
    markdown, cells = exercise_cells(nb)
    items = numbered_items(markdown.source)
    by_checker = {}
    for cell in cells:
        for name in _checker_calls(cell.source):
            by_checker[name] = cell.source
    out = []
    for k, text in items.items():
        key = f"{nn}.{k}"
        if key in OPEN:
            parts = _EXPECTED.split(text, maxsplit=1)
            if len(parts) != 3:
                raise ValueError(f"open exercise {key} ({lang}) states no expected outcome")
            out.append(Question(key, parts[0].strip(), parts[2].strip(), None, None, None, False))
            continue
        if key not in SOLUTIONS:
            raise ValueError(f"exercise {key} has neither a reference solution nor an open mark")
        s = SOLUTIONS[key]
        if s.checker not in by_checker:
            raise ValueError(f"no exercise cell of notebook {nn} ({lang}) calls {s.checker}")
        checker = getattr(importlib.import_module(f"course_utils.exercises.nb{nn}"), s.checker)
        seeded = "seed" in inspect.signature(checker).parameters
        starter = starter_code(by_checker[s.checker])
        out.append(Question(key, text, None, starter, s.checker, s.name, seeded))
    return out


def hidden_seeds(key: str, secret: str, count: int = 3) -> list[int]:
    """The hidden tests' seeds of exercise ``key``: from the lecturer's ``secret``, never shipped."""
    digest = hashlib.sha256(f"{secret}:{key}".encode()).digest()
    return [int.from_bytes(digest[4 * i : 4 * i + 4], "big") % 1_000_000 for i in range(count)]


def _raw(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_raw_cell(text)


def _test_cell(q: Question, lang: str, seeds: list[int] | None) -> nbformat.NotebookNode:
    """One otter test case (exception based): the checker's verdict, its hint as the failure."""
    hidden = seeds is not None
    points = HIDDEN_POINTS if hidden else q.points - (HIDDEN_POINTS if q.seeded else 0)
    nn = q.key[:2]
    config = f'"""  # BEGIN TEST CONFIG\nhidden: {str(hidden).lower()}\npoints: {points}\n"""  # END TEST CONFIG\n'
    calls = (
        f"    for seed in {seeds}:\n        verdict = {q.checker}({q.name}, seed=seed)\n"
        f"        assert verdict, repr(verdict)\n"
        if hidden
        else f"    verdict = {q.checker}({q.name})\n    assert verdict, repr(verdict)\n"
    )
    body = (
        f"def test_{'hidden' if hidden else 'public'}_{q.key.replace('.', '_')}({q.name}):\n"
        f"    import os\n\n"
        f"    from course_utils.exercises.nb{nn} import {q.checker}\n\n"
        f'    os.environ["COURSE_LANG"] = "{lang}"  # the verdict\'s language\n'
        f"{calls}"
    )
    return nbformat.v4.new_code_cell(config + body)


def master_notebook(nn: str, lang: str = "en", secret: str = "course") -> nbformat.NotebookNode:
    """The otter master notebook of notebook ``nn``'s exercises in ``lang``."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {LANGUAGES}; got {lang!r}")
    text = _TEXT[lang]
    nb_path = notebook_path(nn, lang)
    lecture = nbformat.read(nb_path, as_version=4)
    title = lecture.cells[0].source.splitlines()[0].lstrip("# ").split("·", 1)[-1].strip()
    _, cells = exercise_cells(lecture)
    qs = questions(nn, lang)
    config = (
        "# ASSIGNMENT CONFIG\n"
        f"name: nb{nn}-{lang}\n"
        "init_cell: false\n"
        "check_all_cell: false\n"
        "export_cell: false\n"
        "run_tests: true\n"
        "solutions_pdf: false\n"
        "template_pdf: false\n"
        "tests:\n  ok_format: false\n"
    )
    setup = (
        f"{text['setup']}\nimport os\n\n"
        f'os.environ["{GRADED_VARIABLE}"] = "1"\nos.environ["COURSE_LANG"] = "{lang}"\n\n'
        "import torch\nimport torch.nn.functional as F\n\n"
        f"{_exercise_imports(cells)}\n"
    )
    out = [
        _raw(config),
        nbformat.v4.new_markdown_cell(
            text["title"].format(nn=nn, title=title) + "\n\n" + text["intro"].format(nn=nn)
        ),
        nbformat.v4.new_code_cell(setup),
    ]
    for q in qs:
        out.append(
            _raw(
                f"# BEGIN QUESTION\nname: q{q.number}\npoints: {q.points}"
                + ("\nmanual: true" if q.manual else "\ncheck_cell: false")
            )
        )
        out.append(nbformat.v4.new_markdown_cell(f"**{q.number}.** {q.text}"))
        if q.manual:
            out += [
                _raw("# BEGIN SOLUTION"),
                nbformat.v4.new_markdown_cell(text["grader_note"].format(expected=q.expected)),
                _raw("# END SOLUTION"),
            ]
        else:
            solution = SOLUTIONS[q.key].code
            out += [
                _raw("# BEGIN PROMPT"),
                nbformat.v4.new_code_cell(q.starter.rstrip("\n")),
                _raw("# END PROMPT"),
                _raw("# BEGIN SOLUTION"),
                nbformat.v4.new_code_cell(
                    "# BEGIN SOLUTION NO PROMPT\n" + solution + "# END SOLUTION"
                ),
                _raw("# END SOLUTION"),
                _raw("# BEGIN TESTS"),
                _test_cell(q, lang, None),
            ]
            if q.seeded:
                out.append(_test_cell(q, lang, hidden_seeds(q.key, secret)))
            out.append(_raw("# END TESTS"))
        out.append(_raw("# END QUESTION"))
    nb = nbformat.v4.new_notebook(cells=out)
    nb.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    }
    for i, cell in enumerate(
        nb.cells
    ):  # stable ids: a rebuild rewrites nothing that did not change
        cell["id"] = f"a{nn}{lang}{i:03d}"
    return nb


def exercise_notebooks() -> list[str]:
    """``NN`` of every lecture notebook with an Exercises cell."""
    found = []
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        if any(re.match(_HEADING["exercises"], c.source) for c in nb.cells):
            found.append(path.name[:2])
    return found


def _otter() -> list[str]:
    exe = Path(sys.executable).with_name("otter")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "otter"]


def master_name(nn: str, lang: str) -> str:
    """The file name of an assignment (the student receives a notebook of the same name)."""
    return f"assignment-{nn}{'' if lang == 'en' else '-' + lang}.ipynb"


@dataclass(frozen=True)
class Built:
    """One assignment after ``otter assign``: where its pieces are."""

    nn: str
    lang: str
    master: Path
    student: Path  # the notebook students receive
    autograder: Path  # the zip that otter run / otter grade take
    solved: Path  # the master with solutions, as the autograder runs it

    @property
    def questions(self) -> list[Question]:
        return questions(self.nn, self.lang)


OTTER_ANSWER = "_Type your answer here, replacing this text._"  # otter's open-answer placeholder


def _tidy_student(path: Path, lang: str) -> None:
    """Drop the empty answer cells ``otter assign`` leaves where a solution was; the open
    questions' answer placeholder in the assignment's language."""
    nb = nbformat.read(path, as_version=4)
    nb.cells = [c for c in nb.cells if not (c.cell_type == "code" and not c.source.strip())]
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.strip() == OTTER_ANSWER:
            cell.source = _TEXT[lang]["open_answer"]
    nbformat.write(nb, path)


def built(out: Path, nn: str, lang: str) -> Built:
    """The pieces of assignment ``nn`` in ``lang`` under ``out`` (after :func:`build`)."""
    folder = out / lang / nn
    name = master_name(nn, lang)
    zips = sorted((folder / "dist" / "autograder").glob("*.zip"))
    if len(zips) != 1:
        raise FileNotFoundError(f"no single autograder zip in {folder / 'dist' / 'autograder'}")
    return Built(
        nn,
        lang,
        folder / name,
        folder / "dist" / "student" / name,
        zips[0],
        folder / "dist" / "autograder" / name,
    )


def build(
    out: Path,
    languages: tuple[str, ...] = LANGUAGES,
    only: list[str] | None = None,
    secret: str | None = None,
    run_tests: bool = True,
    jobs_at_once: int = 2,
) -> list[Built]:
    """Write every master notebook under ``out/<lang>/NN/`` and run ``otter assign`` on it.

    ``otter assign`` runs the reference solutions against every public and hidden test
    (``run_tests``) and fails when one does not pass.
    """
    secret = secret or os.environ.get(SEED_VARIABLE, "course")
    numbers = exercise_notebooks()
    if only:
        unknown = sorted(set(only) - set(numbers))
        if unknown:
            raise ValueError(f"only must name notebooks with exercises ({numbers}); got {unknown}")
        numbers = [n for n in numbers if n in only]
    jobs = [(lang, nn) for lang in languages for nn in numbers]

    def one(job: tuple[str, str]) -> Built:
        lang, nn = job
        start = time.perf_counter()
        folder = out / lang / nn
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        master = folder / master_name(nn, lang)
        nbformat.write(master_notebook(nn, lang, secret), master)
        command = _otter() + ["assign", "--no-pdfs", master.name, "dist"]
        if not run_tests:
            command.insert(-2, "--no-run-tests")
        env = {**os.environ, "COURSE_LANG": lang}
        done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(
                f"otter assign failed for {master}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
            )
        result = built(out, nn, lang)
        _tidy_student(result.student, lang)
        qs = result.questions
        auto = [q for q in qs if not q.manual]
        print(
            f"{lang} {nn}: {len(auto)} autograded + {len(qs) - len(auto)} open questions, "
            f"{sum(q.points for q in auto)} points, {time.perf_counter() - start:.0f} s "
            f"-> {result.student.relative_to(out)}",
            flush=True,
        )
        return result

    # otter assign runs the solutions in a kernel: two at a time keep 2 cores busy
    with ThreadPoolExecutor(max_workers=max(1, jobs_at_once)) as pool:
        done_list = list(pool.map(one, jobs))
    return done_list


def answer_cells(nb: nbformat.NotebookNode) -> dict[int, int]:
    """``{question number: index of its answer code cell}`` in a student notebook."""
    found: dict[int, int] = {}
    current = None
    for i, cell in enumerate(nb.cells):
        match = re.match(r"\*\*(\d+)\.\*\*", cell.source) if cell.cell_type == "markdown" else None
        if match:
            current = int(match[1])
        elif current is not None and cell.cell_type == "code" and current not in found:
            found[current] = i
    return found


def fill(student: Path, answers: dict[int, str], target: Path) -> Path:
    """A submission: the student notebook with question k's answer cell replaced by ``answers[k]``."""
    nb = nbformat.read(student, as_version=4)
    cells = answer_cells(nb)
    unknown = sorted(set(answers) - set(cells))
    if unknown:
        raise ValueError(f"answers name questions {unknown}; the notebook has {sorted(cells)}")
    for k, code in answers.items():
        nb.cells[cells[k]].source = code
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)
    return target


@dataclass(frozen=True)
class Grade:
    """The autograder's result for one submission."""

    scores: dict[str, tuple[float, float]]  # question -> (score, max score)
    feedback: dict[str, str]  # question -> the test output (hints of failed tests)
    seconds: float

    @property
    def total(self) -> tuple[float, float]:
        return (
            sum(s for s, _ in self.scores.values()),
            sum(m for _, m in self.scores.values()),
        )


def grade(autograder: Path, submission: Path, work: Path | None = None) -> Grade:
    """Grade ``submission`` with ``otter run`` (no container) against ``autograder`` (the zip)."""
    for name, path in (("autograder", autograder), ("submission", submission)):
        if not Path(path).is_file():
            raise FileNotFoundError(f"{name} must be an existing file; got {path}")
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        start = time.perf_counter()
        done = subprocess.run(
            _otter() + ["run", "--no-logo", "-a", str(autograder), "-o", tmp, str(submission)],
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - start
        results = Path(tmp) / "results.json"
        if done.returncode != 0 or not results.exists():
            raise RuntimeError(
                f"otter run failed on {submission}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
            )
        data = json.loads(results.read_text())
    scores, feedback = {}, {}
    for test in data["tests"]:
        if test.get("max_score") is None:  # the "Public Tests" summary
            continue
        scores[test["name"]] = (float(test["score"]), float(test["max_score"]))
        feedback[test["name"]] = test.get("output", "")
    return Grade(scores, feedback, seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "assignments")
    parser.add_argument("--lang", nargs="+", choices=LANGUAGES, default=list(LANGUAGES))
    parser.add_argument("--only", nargs="+", metavar="NN")
    parser.add_argument("--no-run-tests", action="store_true", help="skip otter's own check")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    made = build(args.out, tuple(args.lang), args.only, run_tests=not args.no_run_tests)
    print(f"{len(made)} assignments in {time.perf_counter() - start:.0f} s under {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
