"""The Korean edition is kept in step with the English notebooks (read, not run).

- every English markdown cell has a Korean translation made from its current source (hash);
- the stored Korean notebook is what ``make translate`` builds now;
- its code cells, outputs, ids and metadata (slides) equal the English notebook's, except the
  documented language switch at the top of the first code cell;
- the shared term list has no duplicates, the glossaries use it, no Korean cell uses a
  spelling the list rules out (특정맵, …);
- the Korean notebooks meet the notebook standard like the English ones;
- the checkers answer in Korean under COURSE_LANG=ko.
"""

from __future__ import annotations

import ast
import copy
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course_utils.tooling import colab, translate
from course_utils.tooling.hygiene import check_notebook

ROOT = Path(__file__).resolve().parents[1]
ENGLISH = translate.english_notebooks()
KOREAN = sorted((ROOT / "notebooks" / "ko").glob("[0-9][0-9]_*.ipynb"))
TERMS = translate.load_terms()
ids = lambda p: p.name[:2]  # noqa: E731


def _catalogue(path: Path) -> dict:
    return translate.load_catalogue(translate.catalogue_path(path))


def test_every_english_notebook_has_a_korean_edition():
    missing = [p.name for p in ENGLISH if not translate.korean_path(p).is_file()]
    assert not missing, f"no Korean edition of {missing}: run `make translate`"
    extra = {p.name for p in KOREAN} - {p.name for p in ENGLISH}
    assert not extra, f"Korean notebooks without an English source: {sorted(extra)}"


@pytest.mark.parametrize("path", ENGLISH, ids=ids)
def test_every_markdown_cell_is_translated_from_the_current_english(path):
    problems = translate.status(path, _catalogue(path))
    assert not problems, "\n".join(str(p) for p in problems)


@pytest.mark.parametrize("path", ENGLISH, ids=ids)
def test_stored_korean_notebook_is_what_make_translate_builds(path):
    built, problems = translate.build(path, _catalogue(path), TERMS)
    stored = translate.korean_path(path)
    assert stored.is_file(), f"{stored} is missing: run `make translate`"
    assert [str(p) for p in problems] == []
    assert nbformat.writes(built) == stored.read_text(encoding="utf-8"), (
        f"{stored.name} is out of date: run `make translate`"
    )


def _joined(outputs: list) -> list:
    """Outputs with multiline text as one string (JSON may store it as a list of lines)."""

    def text(value):
        return "".join(value) if isinstance(value, list) else value

    out = []
    for o in outputs:
        o = copy.deepcopy(o)
        if "text" in o:
            o["text"] = text(o["text"])
        o["data"] = {k: text(v) for k, v in o.get("data", {}).items()}
        out.append(o)
    return out


@pytest.mark.parametrize("path", ENGLISH, ids=ids)
def test_korean_code_outputs_and_slides_equal_the_english(path):
    english = json.loads(path.read_text(encoding="utf-8"))
    korean = json.loads(translate.korean_path(path).read_text(encoding="utf-8"))
    assert len(korean["cells"]) == len(english["cells"])
    comments = _catalogue(path)["comments"]
    switched = False
    for en, ko in zip(english["cells"], korean["cells"], strict=True):
        where = f"{path.name[:2]} cell {en.get('id')}"
        assert ko["cell_type"] == en["cell_type"] and ko.get("id") == en.get("id"), where
        assert ko["metadata"] == en["metadata"], f"{where}: metadata (slides, tags) differ"
        if en["cell_type"] != "code":
            continue
        if en.get("id") == colab.BOOTSTRAP_ID:  # the Colab setup cell, rendered in Korean
            assert "".join(ko["source"]) == colab.bootstrap_source("ko"), where
            assert _joined(ko["outputs"]) == _joined(colab.bootstrap_cell("ko").outputs), where
            continue
        # the English outputs, with the checkers' verdicts as the Korean kernel shows them
        expected = copy.deepcopy(en)
        translate._korean_outputs(expected)
        assert _joined(ko["outputs"]) == _joined(expected["outputs"]), f"{where}: outputs differ"
        assert ko["execution_count"] == en["execution_count"], where
        en_src, ko_src = "".join(en["source"]), "".join(ko["source"])
        # the comments are the catalogue's Korean; the code is the English code (see also
        # test_korean_code_is_the_english_code, which compares the two on the syntax tree)
        en_src = translate.korean_comments(en_src, comments)[0]
        if not switched:  # the one documented difference: the language switch
            assert ko_src == translate.SWITCH + "\n" + en_src, f"{where}: not switch + setup"
            switched = True
        else:
            assert ko_src == en_src, f"{where}: code differs from the English"
    assert switched, "no code cell carries the language switch"
    meta = {k: v for k, v in korean["metadata"].items() if k != "course"}
    assert meta == english["metadata"]
    assert korean["metadata"]["course"]["lang"] == "ko"


@pytest.mark.parametrize("path", ENGLISH, ids=ids)
def test_korean_code_is_the_english_code(path):
    """Code cells differ only in comments (and the language switch): the same syntax tree,
    string literals included, so a student reads the code the lecture runs."""
    english = nbformat.read(path, as_version=4)
    korean = nbformat.read(translate.korean_path(path), as_version=4)
    for en, ko in zip(english.cells, korean.cells, strict=True):
        if en.cell_type != "code" or en.get("id") == colab.BOOTSTRAP_ID:
            continue
        ko_src = ko.source.removeprefix(translate.SWITCH + "\n")
        trees = [ast.dump(ast.parse(translate._masked(s))) for s in (en.source, ko_src)]
        assert trees[0] == trees[1], f"{path.name[:2]} cell {en.id}: the code differs"


def _hangul_share(texts: list[str]) -> float:
    hangul = sum(len(re.findall("[가-힣]", t)) for t in texts)
    latin = sum(len(re.findall("[A-Za-z]", t)) for t in texts)
    return hangul / max(hangul + latin, 1)


def test_korean_comments_read_korean():
    """The comments a student reads in the Korean edition are Korean: at least 70 % of their
    letters are Hangul (code names stay as they are), and no spelling the term list rules out."""
    comments = []
    for path in ENGLISH:
        korean = nbformat.read(translate.korean_path(path), as_version=4)
        comments += translate.notebook_comments(korean, translate.LETTERS)
    share = _hangul_share(comments)
    assert len(comments) >= 300 and share >= 0.7, (len(comments), share)
    avoid = {bad: t.ko for t in TERMS for bad in t.avoid}
    ruled_out = [(c, bad) for c in comments for bad in avoid if bad in c]
    assert not ruled_out, ruled_out[:5]


def test_korean_comments_replace_comments_only():
    source = (
        "%matplotlib inline\n"
        "x = '# not a comment'  # the input\n"
        "y = x  # NBVAL_CHECK_OUTPUT\n"
        "    # indented: keep the indent\n"
        "z = 1  # (N, C)\n"
    )
    table = {"the input": "입력", "indented: keep the indent": "들여쓰기 유지"}
    korean, missing = translate.korean_comments(source, table)
    assert korean == (
        "%matplotlib inline\n"
        "x = '# not a comment'  # 입력\n"
        "y = x  # NBVAL_CHECK_OUTPUT\n"
        "    # 들여쓰기 유지\n"
        "z = 1  # (N, C)\n"
    )
    assert missing == []
    assert translate.korean_comments(source, {})[1] == ["the input", "indented: keep the indent"]


def test_a_changed_english_cell_makes_its_translation_stale(tmp_path):
    """Edit one English cell in a copy: the check names exactly that cell and shows the diff."""
    source = ENGLISH[0]
    copy = tmp_path / source.name
    shutil.copy(source, copy)
    nb = nbformat.read(copy, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "markdown" and c.id != nb.cells[0].id)
    cell.source = cell.source.replace("tensor", "TENSOR", 1) + "\n\nOne more sentence."
    new = nbformat.v4.new_markdown_cell("A brand-new cell.", id="newcell1")
    new.metadata["slideshow"] = {"slide_type": "-"}
    nb.cells.insert(3, new)
    nbformat.write(nb, copy)

    problems = translate.status(copy, _catalogue(source))
    found = {(p.cell, p.kind) for p in problems}
    assert found == {(cell.id, "stale"), ("newcell1", "missing")}, problems
    stale = next(p for p in problems if p.kind == "stale")
    assert "+One more sentence." in stale.detail, stale.detail

    built, build_problems = translate.build(copy, _catalogue(source), TERMS)
    assert {(p.cell, p.kind) for p in build_problems} == found
    marked = [c for c in built.cells if c.cell_type == "markdown"]
    by_id = {c.id: c.source for c in marked}
    assert by_id["newcell1"].startswith(translate.UNTRANSLATED)
    assert by_id[cell.id] == translate.UNTRANSLATED + cell.source  # the new English, marked


def test_make_translate_fails_with_a_list_unless_allowed(tmp_path, monkeypatch, capsys):
    source = ENGLISH[0]
    english_dir, ko_dir = tmp_path / "notebooks", tmp_path / "notebooks" / "ko"
    english_dir.mkdir()
    copy = english_dir / source.name
    shutil.copy(source, copy)
    nb = nbformat.read(copy, as_version=4)
    nb.cells[0].source += "\n\nChanged."
    nbformat.write(nb, copy)
    shutil.copytree(translate.CATALOGUES, tmp_path / "i18n" / "ko")
    monkeypatch.setattr(translate, "CATALOGUES", tmp_path / "i18n" / "ko")
    monkeypatch.setattr(translate, "KO_NOTEBOOKS", ko_dir)

    assert translate.main([str(copy)]) == 1
    err = capsys.readouterr().err
    assert f"{source.name[:2]} cell {nb.cells[0].id}: stale" in err and "+Changed." in err
    assert not (ko_dir / source.name).exists()

    assert translate.main([str(copy), "--allow-untranslated"]) == 0
    built = nbformat.read(ko_dir / source.name, as_version=4)
    assert built.cells[0].source.startswith(translate.UNTRANSLATED)


def test_term_list_has_no_duplicates():
    english = [s.lower() for t in TERMS for s in (t.en, *t.also)]
    assert len(english) == len(set(english)), sorted(e for e in english if english.count(e) > 1)
    korean = [t.ko for t in TERMS]
    assert len(korean) == len(set(korean)), sorted(k for k in korean if korean.count(k) > 1)
    for term in TERMS:
        assert term.en.strip() and term.ko.strip(), term
        assert not any(bad in term.ko for bad in term.avoid), term


@pytest.mark.parametrize("path", ENGLISH, ids=ids)
def test_glossaries_use_the_term_list(path):
    index = translate.term_index(TERMS)
    nb = nbformat.read(path, as_version=4)
    glossaries = [c for c in nb.cells if translate.is_glossary(c)]
    assert len(glossaries) == 1, "one glossary cell per notebook"
    rows = translate.glossary_rows(glossaries[0].source)
    unknown = [en for en, _, _ in rows if en.lower() not in index]
    assert not unknown, f"glossary terms missing from i18n/terms.yml: {unknown}"
    korean = nbformat.read(translate.korean_path(path), as_version=4)
    ko_rows = translate.glossary_rows(
        next(c for c in korean.cells if c.id == glossaries[0].id).source
    )
    assert [(en, ko) for en, ko, _ in ko_rows] == [(en, index[en.lower()].ko) for en, _, _ in rows]
    # the English notebook's own Korean column says the same as the term list
    stale = [(en, ko, index[en.lower()].ko) for en, ko, _ in rows if ko != index[en.lower()].ko]
    assert not stale, f"Korean column differs from i18n/terms.yml (term, here, list): {stale}"


def test_korean_text_avoids_the_ruled_out_spellings():
    found = []
    for path in KOREAN:
        nb = nbformat.read(path, as_version=4)
        text = "\n".join(  # translated cells only: untranslated ones hold the English text
            c.source
            for c in nb.cells
            if c.cell_type == "markdown" and not c.source.startswith(translate.UNTRANSLATED)
        )
        for term in TERMS:
            found += [
                f"{path.name[:2]}: {bad!r} (use {term.ko!r})" for bad in term.avoid if bad in text
            ]
    assert not found, found


# Korean units: a ratio is 146배 (not 146×), millions are 6,100만 (not 61 M); code spans and
# math are skipped (a ratio is × right after a number and not followed by a digit or "(", so
# the shapes 3×3 and 3×(3×3) pass; "M" followed by a Latin letter is a unit: MB, MiB, MACs).
# Inside math, a \text{...} holds Korean or an identifier (out, conv, shift), not English prose.
_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)
_MATH = re.compile(r"\$\$.*?\$\$|(?<!\\)\$[^$\n]+?(?<!\\)\$", re.S)
_ENGLISH_UNIT = re.compile(r"\d(?:×(?![\d(])|[ \u00a0]?[MG](?![A-Za-z0-9])|[ \u00a0]?G MAC)")
_MATH_TEXT = re.compile(r"\\text(?:rm|it|bf)?\{([^{}]*)\}")
_ENGLISH_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")


def english_units_and_formulas(text: str) -> list[str]:
    """What a Korean text writes the English way: ``146×``, ``61 M``, ``\\text{TP so far}``."""
    blank = lambda m: " " * len(m.group(0))  # noqa: E731
    text = _CODE.sub(blank, text)
    found = [m.group(1) for math in _MATH.findall(text) for m in _MATH_TEXT.finditer(math)]
    found = [f"\\text{{{t}}}" for t in found if len(_ENGLISH_WORD.findall(t)) >= 2]
    prose = _MATH.sub(blank, text)
    units = [
        prose[max(0, m.start() - 8) : m.end() + 2].strip() for m in _ENGLISH_UNIT.finditer(prose)
    ]
    return units + found


@pytest.mark.parametrize(
    "text, caught",
    [
        ("이미지당 146×로 빠르다", True),
        ("파라미터 61 M개", True),
        ("이미지당 15.47 G MAC", True),
        ("곱셈-덧셈 1.5 G번", True),
        ("$$\\frac{\\text{TP so far}}{n}$$", True),
        ("3×3 필터와 3×(3×3) 적층", False),
        ("`2×`는 코드다", False),
        (
            "$3\\times 3$, 약 146배, 6,100만 개, 3.67 MB, $\\text{conv}$, $\\text{지금까지의 TP}$",
            False,
        ),
    ],
)
def test_the_korean_unit_check_catches_english_units_and_formulas(text, caught):
    assert bool(english_units_and_formulas(text)) == caught, english_units_and_formulas(text)


@pytest.mark.parametrize("path", ENGLISH, ids=ids)
def test_korean_text_writes_units_and_formulas_the_korean_way(path):
    found = [
        f"{path.name} cell {cell_id}: {hit!r}"
        for cell_id, entry in _catalogue(path)["cells"].items()
        for hit in english_units_and_formulas(entry.get("ko") or "")
    ]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("path", KOREAN, ids=ids)
def test_korean_notebook_meets_the_standard(path):
    assert check_notebook(path) == []


def test_korean_notebooks_pass_the_shared_static_checker():
    checker = Path("/work/shared/tools/nbcheck.py")
    if not checker.is_file():
        pytest.skip("the shared nbcheck.py is not on this machine")
    run = subprocess.run(
        [sys.executable, str(checker), str(ROOT / "notebooks" / "ko")],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_no_stored_korean_output_carries_an_english_verdict():
    verdicts = []
    for path in KOREAN:
        for cell in nbformat.read(path, as_version=4).cells:
            for output in cell.get("outputs", []):
                text = output.get("text") or output.get("data", {}).get("text/plain", "")
                verdicts += [
                    (path.name[:2], line) for line in text.splitlines() if line[:1] in "✅❌"
                ]
    assert len(verdicts) >= 41  # the 41 checked exercises, unanswered or half answered
    english = [v for v in verdicts if "not yet" in v[1] or "correct" in v[1]]
    assert not english, english[:5]
    assert all(re.search("[가-힣]", line) for _, line in verdicts)


def test_checker_verdicts_in_korean(monkeypatch):
    from course_utils.exercises import M, Verdict, call_answer

    def placeholder():
        raise NotImplementedError

    _, message = call_answer(placeholder)
    monkeypatch.setenv("COURSE_LANG", "en")
    assert repr(Verdict(False, message)).startswith("❌ not yet: the function still raises")
    monkeypatch.setenv("COURSE_LANG", "ko")
    assert repr(Verdict(False, message)) == (
        "❌ 아직 아님: 함수가 아직 NotImplementedError를 일으킨다: 여러분의 코드로 바꿔 넣어라"
    )
    assert repr(Verdict(True)) == "✅ 정답"
    from course_utils.exercises import nb02

    wrong = M("wrong_for", where="W=9, F=3, P=0, S=1, D=2", hint=M("02.size_plus_one"))
    assert repr(Verdict(False, wrong)) == (
        "❌ 아직 아님: W=9, F=3, P=0, S=1, D=2에서 틀렸다 (창의 첫 위치도 세어라 (+ 1))"
    )
    monkeypatch.setenv("COURSE_LANG", "en")  # the language is read when the verdict is shown
    assert repr(Verdict(False, wrong)) == (
        "❌ not yet: wrong for W=9, F=3, P=0, S=1, D=2 (count the window's first position too "
        "(the + 1))"
    )
    assert nb02.__name__  # the module defines the messages used above
    with pytest.raises(KeyError, match="no message 'no.such'"):
        M("no.such")
    with pytest.raises(TypeError, match="takes the fields"):
        M("wrong_for", where="W=9")
