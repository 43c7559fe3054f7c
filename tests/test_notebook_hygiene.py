"""Every stored notebook meets the notebook standard (read, not run)."""

import re
from pathlib import Path

import pytest

from course_utils.tooling.hygiene import check_notebook

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found in notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_meets_the_standard(path):
    assert check_notebook(path) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_in_the_readme_course_map(path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    row = rf"^\| {path.name[:2]} \| \[[^\]]+\]\(notebooks/{re.escape(path.name)}\)"
    assert re.search(row, readme, re.MULTILINE), (
        f"README.md's course map has no row linking notebooks/{path.name}"
    )


def test_the_checker_catches_problems(tmp_path):
    import json

    bad = tmp_path / "07_bad.ipynb"
    bad.write_text(
        json.dumps(
            {
                "cells": [
                    {"cell_type": "markdown", "metadata": {}, "source": "no title"},
                    {
                        "cell_type": "code",
                        "metadata": {"slideshow": {"slide_type": "-"}},
                        "execution_count": 2,
                        "outputs": [{"output_type": "error", "ename": "E"}],
                        "source": "np.random.seed(0)",
                    },
                    {
                        "cell_type": "code",
                        "metadata": {"slideshow": {"slide_type": "-"}},
                        "execution_count": 1,
                        "outputs": [],
                        "source": "x",
                    },
                ],
                "metadata": {"kernelspec": {"name": "other"}, "widgets": {}},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )
    text = "\n".join(check_notebook(bad))
    for expected in (
        "kernelspec",
        "widget state",
        "'# 07",
        "Learning goals",
        "cell 0 has no slideshow",
        "stores an error",
        "out of order",
        "global random state",
        "Glossary",
        "device_report",
        "setup cell (first code cell) must be slide_type 'skip'",
    ):
        assert expected in text, expected


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_a_thumbnail_in_the_course_map(path):
    thumb = f"docs/thumbnails/{path.name[:2]}.png"
    assert (ROOT / thumb).is_file(), f"{thumb} is missing: run `make thumbnails`"
    assert thumb in (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_checker_holds_decks_to_one_sitting(tmp_path):
    import json

    nb = json.loads((ROOT / "notebooks/05_vgg.ipynb").read_text(encoding="utf-8"))
    deep = [c for c in nb["cells"] if "deep-dive" in c["metadata"].get("tags", [])]
    assert deep, "05 has deep dives"
    deep[0]["metadata"]["slideshow"]["slide_type"] = "subslide"  # shown by RISE again
    nb["cells"][0]["source"] = [
        line for line in nb["cells"][0]["source"] if "Deep dives" not in line
    ]
    path = tmp_path / "05_vgg.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    text = "\n".join(check_notebook(path))
    assert "tagged 'deep-dive' but its slide_type is not 'skip'" in text
    assert "the deck has 41 slides, at most 40" in text
    assert "outline does not name the deep dives" in text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_korean_deck_skips_the_same_deep_dives(path):
    import json

    ko = ROOT / "notebooks/ko" / path.name
    english, korean = (json.loads(p.read_text(encoding="utf-8"))["cells"] for p in (path, ko))

    def deck(cells):
        return [(c["metadata"].get("tags", []), c["metadata"]["slideshow"]) for c in cells]

    assert deck(korean) == deck(english)
    if any("deep-dive" in tags for tags, _ in deck(english)):
        assert "심화" in "".join(korean[0]["source"]), "the Korean outline names the deep dives"
