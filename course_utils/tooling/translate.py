"""Build the Korean edition ``notebooks/ko/`` from the English notebooks and the catalogues.

The English notebook is the source of everything but the markdown: code, outputs, cell ids,
cell and notebook metadata (slide types included) are copied. Each markdown cell's text comes
from ``i18n/ko/NN.yml``, keyed by the English cell's id::

    cells:
      26aec665:
        hash: 3f1c0d9a2b7e4c55      # sha256 of the English source it was translated from
        en: |                       # that English source (shown as a diff when it changes)
          # 00 · Deep-learning programming ...
        ko: |
          # 00 · 딥러닝 프로그래밍 ...

The glossary cell (``## Glossary …``) is built, not translated: each row's English and
Korean term come from the shared term list ``i18n/terms.yml`` and only the meaning column
is translated (``glossary: {english term: 뜻}`` instead of ``ko``).

The code cells' comments come from the catalogue's ``comments:`` mapping, English comment
text → Korean (one entry per distinct comment of the notebook, tool markers such as
``# NBVAL_CHECK_OUTPUT`` aside); only comments are replaced (:func:`korean_comments`, by
Python's tokenizer), so the code is the English code. A comment without an entry is a
``missing`` problem, like an untranslated cell; an entry whose comment is gone is ``unused``.

Two more differences in code. The Colab setup cell (:mod:`course_utils.tooling.colab`, the first
code cell) is its Korean rendering, and the title's Colab link opens the Korean notebook. The
next code cell (the setup) of every Korean notebook begins with the language switch :data:`SWITCH` (``os.environ["COURSE_LANG"] = "ko"``), which makes
the exercise checkers answer in Korean (:mod:`course_utils.i18n`). It prints nothing, so
the stored outputs stay those of the English run, with one exception: a checker's verdict
(``✅ correct …`` / ``❌ not yet: …``) is stored as the Korean kernel shows it, the same
``Verdict`` rendered under ``COURSE_LANG=ko`` (:func:`korean_verdict`).

Commands (``make translate`` runs the first)::

    python -m course_utils.tooling.translate             # build; fail with a list if any
                                                         # cell is missing or stale
    python -m course_utils.tooling.translate --check     # only list missing/stale/unused entries
    python -m course_utils.tooling.translate --allow-untranslated
                                                         # build anyway: such cells keep the
                                                         # English text under a visible marker
    python -m course_utils.tooling.translate --accept 04:8c1e2f3a
                                                         # after editing `ko`, record the current
                                                         # English source (hash + en) as translated
    python -m course_utils.tooling.translate --prune     # drop entries whose cell is gone
"""

from __future__ import annotations

import argparse
import copy
import difflib
import hashlib
import io
import re
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

from course_utils._io import atomic_write_bytes
from course_utils.tooling.colab import (
    BOOTSTRAP_ID,
    bootstrap_cell,
    link_line,
    strip_link,
)

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
KO_NOTEBOOKS = NOTEBOOKS / "ko"
I18N = ROOT / "i18n"
CATALOGUES = I18N / "ko"
TERMS = I18N / "terms.yml"

SWITCH = (
    "import os  # 한국어판: make translate가 넣은 언어 스위치 (출력에는 영향 없음)\n"
    "\n"
    'os.environ["COURSE_LANG"] = "ko"  # 연습 문제 채점기의 메시지를 한국어로\n'
)
UNTRANSLATED = (
    "> **번역 대기 (untranslated)** — 이 셀은 아직 번역되지 않았거나 영어 원문이 바뀌었습니다. "
    "아래는 영어 원문입니다.\n\n"
)
GLOSSARY_HEADING = re.compile(r"^#+\s*Glossary\b", re.MULTILINE)
GLOSSARY_KO_HEADER = (
    "## 용어집 · Glossary\n\n| English | 한국어 | 이 노트북에서의 뜻 |\n|---|---|---|\n"
)


# ---------------------------------------------------------------- code comments

#: Comments that are instructions to tools, kept as they are (``# NBVAL_CHECK_OUTPUT``, …).
KEPT_COMMENT = re.compile(r"#\s*(NBVAL_|noqa|fmt:|type:|pragma)")


def _masked(source: str) -> str:
    """A code cell's source with IPython lines (``%magic``, ``!shell``) blanked, so that
    Python's tokenizer and parser read the rest; lines and columns stay where they were."""
    return "\n".join(
        " " * len(line) if line.lstrip().startswith(("%", "!")) else line
        for line in source.split("\n")
    )


def code_comments(source: str, words: str = r"[A-Za-z]{2}") -> list[tuple[int, int, str]]:
    """``(line, column, text)`` of each comment of a code cell that is read by a student
    (has a word in it, by ``words``: English by default; tool markers excepted); ``text`` is
    what follows ``# ``."""
    found = []
    tokens = tokenize.generate_tokens(io.StringIO(_masked(source)).readline)
    for token in tokens:
        if token.type != tokenize.COMMENT or KEPT_COMMENT.match(token.string):
            continue
        text = token.string[1:].strip()
        if re.search(words, text):
            found.append((token.start[0] - 1, token.start[1], text))
    return found


def korean_comments(source: str, table: dict[str, str]) -> tuple[str, list[str]]:
    """``source`` with each comment replaced by its Korean from ``table`` (English text →
    Korean); the comments without an entry (kept in English) are returned too. Nothing but
    comments changes, so the code is the English code."""
    lines = source.split("\n")
    missing = []
    for row, column, text in reversed(code_comments(source)):
        korean = table.get(text)
        if not korean:
            missing.append(text)
            continue
        lines[row] = lines[row][:column] + "# " + korean
    return "\n".join(lines), missing[::-1]


def notebook_comments(nb: nbformat.NotebookNode, words: str = r"[A-Za-z]{2}") -> list[str]:
    """Every comment a student reads in the notebook's code cells (the Colab cell aside):
    those with English words by default, ``words=LETTERS`` for those in either language."""
    return [
        text
        for cell in nb.cells
        if cell.cell_type == "code" and cell.get("id") != BOOTSTRAP_ID
        for _, _, text in code_comments(cell.source, words)
    ]


#: Any word, English or Korean (``notebook_comments(nb, LETTERS)``).
LETTERS = r"[A-Za-z]{2}|[가-힣]"


# ---------------------------------------------------------------- catalogue files


def source_hash(text: str) -> str:
    """The first 16 hex digits of the SHA-256 of an English cell's source."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _source(cell: dict) -> str:
    """A cell's text; for markdown without the title's Colab link line (the edition writes its
    own link, so the link is not part of what is translated)."""
    src = cell.get("source", "")
    src = "".join(src) if isinstance(src, list) else src
    return strip_link(src) if cell.get("cell_type") == "markdown" else src


def catalogue_path(notebook: Path) -> Path:
    return CATALOGUES / f"{notebook.name[:2]}.yml"


def load_catalogue(path: Path) -> dict:
    """``{"notebook": name, "cells": {cell id: entry}, "comments": {English: Korean}}``; empty
    when the file is missing."""
    if not path.is_file():
        return {"notebook": None, "cells": {}, "comments": {}}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    data.setdefault("cells", {})
    data["cells"] = {str(k): v for k, v in (data["cells"] or {}).items()}
    data["comments"] = {str(k): v for k, v in (data.get("comments") or {}).items()}
    return data


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _str)


def dump_catalogue(data: dict) -> str:
    """The catalogue as YAML: literal blocks for multi-line text, keys in cell order."""
    return yaml.dump(
        data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000, indent=2
    )


def save_catalogue(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, dump_catalogue(data).encode("utf-8"))


# ---------------------------------------------------------------- term list and glossary


@dataclass(frozen=True)
class Term:
    en: str  # the English term as the glossaries write it
    ko: str  # the one Korean term for it
    also: tuple[str, ...] = ()  # other English spellings of the same concept
    avoid: tuple[str, ...] = ()  # Korean spellings that must not appear (slips, variants)
    note: str = ""


def load_terms(path: Path = TERMS) -> list[Term]:
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))["terms"]
    return [
        Term(
            en=r["en"],
            ko=r["ko"],
            also=tuple(r.get("also", ())),
            avoid=tuple(r.get("avoid", ())),
            note=r.get("note", ""),
        )
        for r in rows
    ]


def term_index(terms: list[Term]) -> dict[str, Term]:
    """English spelling (lower case) → term; every spelling of every term."""
    index: dict[str, Term] = {}
    for term in terms:
        for spelling in (term.en, *term.also):
            index[spelling.lower()] = term
    return index


def glossary_rows(markdown: str) -> list[tuple[str, str, str]]:
    """(English, Korean, meaning) of each row of a glossary table, header rows skipped."""
    rows = []
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.lstrip().startswith("|") or len(cells) < 3:
            continue
        if cells[0] == "English" or set(cells[0]) <= set("-: "):
            continue
        rows.append((cells[0], cells[1], " | ".join(cells[2:])))
    return rows


def is_glossary(cell: dict) -> bool:
    return cell.get("cell_type") == "markdown" and bool(GLOSSARY_HEADING.search(_source(cell)))


def build_glossary(english: str, meanings: dict, index: dict[str, Term]) -> tuple[str, list[str]]:
    """The Korean glossary cell from the English one; problems for unknown terms/meanings."""
    lines, problems = [GLOSSARY_KO_HEADER.rstrip("\n")], []
    for en, _, meaning in glossary_rows(english):
        term = index.get(en.lower())
        if term is None:
            problems.append(f"glossary term {en!r} is not in i18n/terms.yml")
        ko_meaning = (meanings or {}).get(en)
        if not ko_meaning:
            problems.append(f"glossary term {en!r} has no Korean meaning in the catalogue")
            ko_meaning = meaning
        lines.append(f"| {en} | {term.ko if term else '?'} | {ko_meaning} |")
    return "\n".join(lines), problems


# ---------------------------------------------------------------- status and build


@dataclass
class Problem:
    notebook: str
    cell: str
    kind: str  # missing | stale | unused | glossary
    detail: str = ""

    def __str__(self) -> str:
        text = f"{self.notebook} cell {self.cell}: {self.kind}"
        return text + (f" — {self.detail}" if self.detail else "")


def _first_line(text: str) -> str:
    line = next((s for s in text.splitlines() if s.strip()), "")
    return line[:70] + ("…" if len(line) > 70 else "")


def _diff(old: str, new: str) -> str:
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), "translated", "now", n=0)
    return "\n".join("      " + s for s in list(lines)[2:12])


def entry_problem(name: str, cell: dict, entry: dict | None) -> Problem | None:
    """Why a markdown cell's catalogue entry cannot be used (None when it can)."""
    text = _source(cell)
    cid = cell["id"]
    has_text = entry and (entry.get("glossary") if is_glossary(cell) else entry.get("ko"))
    if not has_text:
        return Problem(name, cid, "missing", _first_line(text))
    if entry.get("hash") != source_hash(text):
        detail = "English changed since translation: " + _first_line(text)
        if entry.get("en"):
            detail += "\n" + _diff(entry["en"], text)
        return Problem(name, cid, "stale", detail)
    return None


def status(notebook: Path, catalogue: dict) -> list[Problem]:
    """Missing, stale and unused entries of one notebook's catalogue."""
    nb = nbformat.read(notebook, as_version=4)
    entries = catalogue.get("cells", {})
    name = notebook.name[:2]
    problems = []
    ids = set()
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        ids.add(cell["id"])
        problem = entry_problem(name, cell, entries.get(cell["id"]))
        if problem:
            problems.append(problem)
    for cid in entries:
        if cid not in ids:
            problems.append(Problem(name, cid, "unused", "no such markdown cell (--prune)"))
    comments = set(notebook_comments(nb))
    for text in catalogue.get("comments", {}):
        if text not in comments:
            problems.append(Problem(name, "comments", "unused", f"no such comment: {text!r}"))
    return problems


def build(
    notebook: Path, catalogue: dict, terms: list[Term]
) -> tuple[nbformat.NotebookNode, list[Problem]]:
    """The Korean notebook (not written) and the problems met building it.

    A missing or stale cell keeps its English text under the :data:`UNTRANSLATED` marker;
    the caller decides whether such a notebook may be written (``--allow-untranslated``).
    """
    english = nbformat.read(notebook, as_version=4)
    nb = copy.deepcopy(english)
    entries = catalogue.get("cells", {})
    index = term_index(terms)
    name = notebook.name[:2]
    problems: list[Problem] = []
    switched = False
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and cell.get("id") == BOOTSTRAP_ID:
            nb.cells[i] = bootstrap_cell("ko")
            nb.cells[i].execution_count = cell.execution_count
            continue
        if cell.cell_type == "code":
            _korean_outputs(cell)
            cell.source, missing = korean_comments(cell.source, catalogue.get("comments", {}))
            problems += [Problem(name, cell["id"], "missing", f"comment {t!r}") for t in missing]
        if cell.cell_type == "code" and not switched:
            cell.source = SWITCH + "\n" + cell.source
            switched = True
            continue
        if cell.cell_type != "markdown":
            continue
        entry = entries.get(cell["id"])
        problem = entry_problem(name, cell, entry)
        if problem:
            problems.append(problem)
            cell.source = UNTRANSLATED + cell.source
            continue
        if is_glossary(cell):
            text, issues = build_glossary(cell.source, entry["glossary"], index)
            problems += [Problem(name, cell["id"], "glossary", i) for i in issues]
            cell.source = text
        else:
            cell.source = entry["ko"].rstrip("\n")
        if strip_link(english.cells[i].source) != english.cells[i].source:
            cell.source += "\n\n" + link_line(f"notebooks/ko/{notebook.name}", "ko")
    nb.metadata["course"] = {
        "lang": "ko",
        "generated_from": f"notebooks/{notebook.name}",
        "generator": "python -m course_utils.tooling.translate (make translate)",
        "language_switch": "the first code cell begins with os.environ['COURSE_LANG'] = 'ko'",
    }
    return nb, problems


_VERDICT = re.compile(r"✅ correct(?:: (?P<ok>.*))?|❌ not yet: (?P<bad>.*)")


def korean_verdict(text: str) -> str:
    """``text`` with each line that is a checker's verdict as the Korean kernel shows it.

    The verdict is read back to its message by the checkers' catalogue
    (:func:`course_utils.i18n.parse`) and rendered from the message's Korean template; a
    verdict line that no message gives is an error (the English notebook is older than its
    checkers: run it again).
    """
    import importlib

    from course_utils.exercises import Verdict
    from course_utils.i18n import parse

    for number in range(13):  # every checker module defines its messages when imported
        importlib.import_module(f"course_utils.exercises.nb{number:02d}")
    lines = text.split("\n")
    for i, line in enumerate(lines):
        match = _VERDICT.fullmatch(line)
        if not match:
            continue
        ok = match["bad"] is None
        body = match["ok"] or "" if ok else match["bad"]
        message = parse(body) if body else None
        if body and message is None:
            raise ValueError(
                f"a stored checker verdict that no message of the checkers gives: {line!r}; "
                "run the English notebook again (make execute NB=...)"
            )
        lines[i] = Verdict(ok, message).render("ko")
    return "\n".join(lines)


def _korean_outputs(cell: dict) -> None:
    """The checker verdicts among a code cell's outputs, in Korean (in place; the rest as is)."""
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        for holder, key in ((data, "text/plain"), (output, "text")):
            if key not in holder:
                continue
            text = holder[key]
            text = "".join(text) if isinstance(text, list) else text
            korean = korean_verdict(text)
            if korean != text:
                holder[key] = korean


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def korean_path(notebook: Path) -> Path:
    return KO_NOTEBOOKS / notebook.name


def english_notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def accept(spec: str) -> str:
    """Record the current English source of ``NN:cellid`` as the one its `ko` translates."""
    number, _, cid = spec.partition(":")
    matches = [p for p in english_notebooks() if p.name.startswith(number)]
    if len(matches) != 1 or not cid:
        raise SystemExit(f"--accept wants NN:cellid (e.g. 04:8c1e2f3a); got {spec!r}")
    nb = nbformat.read(matches[0], as_version=4)
    cell = next((c for c in nb.cells if c.get("id") == cid), None)
    if cell is None or cell.cell_type != "markdown":
        raise SystemExit(f"{matches[0].name} has no markdown cell {cid}")
    path = catalogue_path(matches[0])
    data = load_catalogue(path)
    entry = data["cells"].setdefault(cid, {})
    entry.update(hash=source_hash(_source(cell)), en=_source(cell))
    data["cells"][cid] = {k: entry[k] for k in ("hash", "en", "ko", "glossary") if k in entry}
    data["notebook"] = matches[0].name
    save_catalogue(path, data)
    return f"{_shown(path)}: {cid} marked as translated from the current English"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="English notebooks (default all)")
    parser.add_argument("--check", action="store_true", help="list problems, write nothing")
    parser.add_argument(
        "--allow-untranslated",
        action="store_true",
        help="build anyway: missing/stale cells keep the English text under a marker",
    )
    parser.add_argument("--accept", action="append", default=[], metavar="NN:CELLID")
    parser.add_argument(
        "--prune", action="store_true", help="drop entries of deleted cells and comments"
    )
    args = parser.parse_args(argv)

    for spec in args.accept:
        print(accept(spec))
    if args.accept:
        return 0
    notebooks = args.notebooks or english_notebooks()
    terms = load_terms()
    failed = []
    for notebook in notebooks:
        path = catalogue_path(notebook)
        catalogue = load_catalogue(path)
        if args.prune:
            english = nbformat.read(notebook, as_version=4)
            md = {c["id"] for c in english.cells}
            catalogue["cells"] = {k: v for k, v in catalogue["cells"].items() if k in md}
            kept = set(notebook_comments(english))
            catalogue["comments"] = {k: v for k, v in catalogue["comments"].items() if k in kept}
            save_catalogue(path, catalogue)
        problems = status(notebook, catalogue)
        nb, build_problems = build(notebook, catalogue, terms)
        if args.check:
            failed += list({str(p): p for p in problems + build_problems}.values())
            continue
        # glossary and unused-entry problems are never waived: the term list is the one source
        waivable = {"missing", "stale"} if args.allow_untranslated else set()
        blocking = [p for p in problems + build_problems if p.kind not in waivable]
        blocking = list({str(p): p for p in blocking}.values())
        if blocking:
            failed += blocking
            continue
        target = korean_path(notebook)
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(target, nbformat.writes(nb).encode("utf-8"))
        marked = sum(p.kind in {"missing", "stale"} for p in build_problems)
        print(f"wrote {_shown(target)}" + (f" ({marked} cells untranslated)" * bool(marked)))
    if failed:
        print("\n".join(str(p) for p in failed), file=sys.stderr)
        kinds = sorted({p.kind for p in failed})
        print(
            f"\n{len(failed)} catalogue problems ({', '.join(kinds)}). Translate or update the "
            "entries in i18n/ko/NN.yml, then `python -m course_utils.tooling.translate --accept "
            "NN:cellid`; or run `make translate ARGS=--allow-untranslated` to build with the "
            "English text marked as untranslated.",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
