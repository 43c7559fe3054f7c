"""The Colab link and setup cell of every notebook, and what the cell calls (course_utils.hosted).

The cell's Colab branch itself runs in ``make test-compat`` (a Python 3.12 venv with Colab's
packages, the cell pointed at a local clone); here: that it is in place everywhere, that it
does nothing but print one line elsewhere, and the pieces it relies on.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest

from course_utils import hosted
from course_utils.tooling import colab
from course_utils.tooling.hygiene import check_notebook

ROOT = Path(__file__).resolve().parents[1]
ENGLISH = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
KOREAN = sorted((ROOT / "notebooks" / "ko").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", ENGLISH + KOREAN, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_notebook_has_its_link_and_the_setup_cell_first(path):
    lang = "ko" if path.parent.name == "ko" else "en"
    relative = str(path.relative_to(ROOT))
    assert colab.problems(path, relative, lang) == []
    nb = nbformat.read(path, as_version=4)
    link = nb.cells[0].source.splitlines()[-1]
    # the link opens this very notebook (its edition) at the tag the cell fetches
    assert link.endswith(f"/blob/{colab.release_ref()}/{relative})"), link
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert first.metadata["slideshow"]["slide_type"] == "skip"
    assert f'"{colab.release_ref()}"' in first.source
    assert [o["text"] for o in first.outputs] == [colab.bootstrap_output(lang)]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_outside_colab_the_setup_cell_prints_one_line_and_touches_nothing(tmp_path, lang):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}  # no COURSE_KIT_SOURCE, no Colab
    run = subprocess.run(
        [sys.executable, "-c", colab.bootstrap_source(lang)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == colab.bootstrap_output(lang)
    assert list(tmp_path.iterdir()) == []


def test_the_korean_title_keeps_its_translation_when_the_link_changes():
    english = nbformat.read(ENGLISH[0], as_version=4).cells[0].source
    assert colab.strip_link(english) != english
    assert colab.strip_link(colab.with_link(english, "notebooks/x.ipynb", "ko")) == (
        colab.strip_link(english)
    )


def test_a_repository_that_colab_cannot_open_is_named(monkeypatch):
    monkeypatch.setattr(
        colab, "_project", lambda: {"version": "1", "urls": {"Repository": "https://x.org/a/b"}}
    )
    with pytest.raises(ValueError, match=r"Repository = 'https://x.org/a/b'.*github.com"):
        colab.repository()


def _copy(tmp_path: Path, edit) -> Path:
    target = tmp_path / ENGLISH[0].name
    shutil.copy(ENGLISH[0], target)
    nb = json.loads(target.read_text(encoding="utf-8"))
    edit(nb["cells"])
    target.write_text(json.dumps(nb), encoding="utf-8")
    return target


def test_hygiene_refuses_any_other_install_and_an_edited_setup_cell(tmp_path):
    def add_pip(cells):
        cells[2]["source"] = "!pip install torchmetrics\n" + "".join(cells[2]["source"])

    found = check_notebook(_copy(tmp_path, add_pip))
    assert any("'pip install' in a notebook cell" in p for p in found), found

    def subprocess_pip(cells):
        cells[2]["source"] = 'subprocess.run(["pip", "install", "x"])\n'

    found = check_notebook(_copy(tmp_path, subprocess_pip))
    assert any("'pip install' in a notebook cell" in p for p in found), found

    def edit_setup(cells):
        cells[1]["source"] = "".join(cells[1]["source"]).replace("--depth", "--deep")

    found = check_notebook(_copy(tmp_path, edit_setup))
    assert any("not the Colab setup cell" in p for p in found), found
    assert check_notebook(_copy(tmp_path, lambda cells: None)) == []


def _kit(tmp_path: Path, *deps: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        "[project]\nname = 'k'\nversion = '0'\ndependencies = ["
        + ", ".join(repr(d) for d in deps)
        + "]\n"
    )
    return tmp_path


def test_only_absent_packages_are_missing_whatever_version_is_there(tmp_path):
    kit = _kit(tmp_path, "numpy>=999", "surely-not-a-package-here>=1", "opencv-python>=1")
    # numpy is there (any version: the host keeps its own); OpenCV is checked, not replaced
    assert hosted.missing_requirements(kit) == ["surely-not-a-package-here>=1"]
    with pytest.raises(FileNotFoundError, match=r"kit='.*nowhere'.*root folder of the course kit"):
        hosted.missing_requirements(tmp_path / "nowhere")


def test_the_kits_own_dependencies_are_all_here():
    assert hosted.missing_requirements(ROOT) == []


def test_selective_search_is_the_contrib_function_not_a_leftover_folder():
    leftover = types.SimpleNamespace(ximgproc=types.SimpleNamespace())  # plain cv2 over contrib
    contrib = types.SimpleNamespace(ximgproc=types.SimpleNamespace(segmentation=object()))
    assert not hosted.has_selective_search(leftover)
    assert not hosted.has_selective_search(types.SimpleNamespace())
    assert hosted.has_selective_search(contrib)
    assert hosted.cv2_has_selective_search()  # the kit's own cv2 (the contrib build)
