"""The parts of the browser test and of presenting that need no browser.

``make test-browser`` runs the browser test itself (Chromium + Playwright); these tests run
under ``make test``: the slide export's marker stripping and hide-input tag, the request
guard's notion of "local", the Chromium lookup's error, and make lab's contents manager that
does not rewrite an unchanged notebook.
"""

import asyncio
import json

import nbformat
import pytest

from course_utils.tooling import browser, lab, slides

ROOT = browser.ROOT


def test_nbval_markers_are_stripped_and_nothing_else():
    source = (
        "# NBVAL_CHECK_OUTPUT\nx = 1  # NBVAL_SKIP is a comment here\n  #NBVAL_IGNORE_OUTPUT\nx"
    )
    assert slides.strip_nbval_markers(source) == "x = 1  # NBVAL_SKIP is a comment here\nx"
    assert slides.strip_nbval_markers("print(1)\n# NBVAL_CHECK_OUTPUT") == "print(1)"
    assert slides.strip_nbval_markers("a\n\nb\n") == "a\n\nb\n"


def _notebook(tmp_path, cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    path = tmp_path / "deck.ipynb"
    nbformat.write(nb, path)
    return path


def test_export_strips_markers_and_hides_tagged_inputs(tmp_path):
    slide = {"slideshow": {"slide_type": "slide"}}
    shown = nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nvisible_code_5521 = 1", metadata=slide)
    hidden = nbformat.v4.new_code_cell(
        "hidden_code_7734 = plot()",
        metadata={"slideshow": {"slide_type": "-"}, "tags": [slides.HIDE_INPUT_TAG]},
    )
    hidden.outputs = [nbformat.v4.new_output("stream", name="stdout", text="figure_out_9182\n")]
    path = _notebook(tmp_path, [shown, hidden])
    html = slides.export_notebook(path)
    assert "visible_code_5521" in html and "NBVAL_" not in html
    assert "hidden_code_7734" not in html, "the tagged cell's code must not reach the slide"
    assert "figure_out_9182" in html, "the tagged cell's output stays on the slide"
    # the notebook itself keeps its markers
    assert "# NBVAL_CHECK_OUTPUT" in nbformat.read(path, as_version=4).cells[0].source


def test_exported_theme_imports_no_web_fonts():
    theme = ROOT / "build/slides/vendor/node_modules/reveal.js/dist/theme" / f"{slides.THEME}.css"
    if not theme.is_file():
        pytest.skip("reveal.js not fetched (make slides or make test-browser fetches it)")
    assert slides.remote_references(theme.read_text()) == []


@pytest.mark.parametrize(
    "url, local",
    [
        ("http://127.0.0.1:8000/x.css", True),
        ("http://localhost/x", True),
        ("data:image/png;base64,AAAA", True),
        ("https://fonts.googleapis.com/css?family=Lato", False),
        ("https://cdn.jsdelivr.net/npm/katex/katex.js", False),
        ("http://127.0.0.1.example.com/x", False),
    ],
)
def test_requests_that_leave_the_machine_are_recognised(url, local):
    assert browser.is_local(url) is local


def test_missing_chromium_is_explained(monkeypatch):
    monkeypatch.setenv("COURSE_CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(ValueError, match="COURSE_CHROMIUM"):
        browser.find_chromium()
    monkeypatch.delenv("COURSE_CHROMIUM")
    monkeypatch.setattr(browser.shutil, "which", lambda name: None)
    with pytest.raises(ValueError, match="make test-browser"):
        browser.find_chromium()


def test_the_explorer_cell_is_found_or_its_absence_explained(tmp_path):
    assert browser.explorer_cell_index(ROOT / "notebooks" / browser.LAB_NOTEBOOK) >= 0
    path = _notebook(tmp_path, [nbformat.v4.new_code_cell("print(1)")])
    with pytest.raises(ValueError, match="conv_explorer"):
        browser.explorer_cell_index(path)


def test_lab_serves_with_the_contents_manager_that_keeps_unchanged_notebooks(tmp_path):
    args, _, _ = lab.lab_command({}, tmp_path)
    assert f"--ServerApp.contents_manager_class={lab.CONTENTS_MANAGER}" in args


def test_an_unchanged_notebook_is_not_rewritten_a_changed_one_is(tmp_path):
    manager = lab.UnchangedNotebooksContentsManager(root_dir=str(tmp_path))
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1", execution_count=1)]
    path = tmp_path / "n.ipynb"
    stored = nbformat.writes(nb)  # as make execute writes it: no trailing newline
    path.write_text(stored, encoding="utf-8")
    before = path.stat().st_mtime_ns

    # what the browser sends back on a save: the same notebook, keys in another order
    content = json.loads(json.dumps(nb))
    content["cells"][0] = dict(reversed(list(content["cells"][0].items())))
    model = {"type": "notebook", "format": "json", "content": content}
    asyncio.run(manager.save(model, "n.ipynb"))
    assert path.read_text(encoding="utf-8") == stored and path.stat().st_mtime_ns == before

    content["cells"][0]["source"] = "x = 2"
    asyncio.run(manager.save(model, "n.ipynb"))
    assert nbformat.read(path, as_version=4).cells[0].source == "x = 2"


def test_same_notebook_ignores_formatting_not_content(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Title")]
    path = tmp_path / "n.ipynb"
    path.write_text(json.dumps(nb, indent=4) + "\n", encoding="utf-8")
    assert lab.same_notebook(json.loads(json.dumps(nb)), path)
    changed = json.loads(json.dumps(nb))
    changed["cells"][0]["source"] = "# Other"
    assert not lab.same_notebook(changed, path)
    assert not lab.same_notebook({"not": "a notebook"}, path)


def test_a_live_redraw_is_a_drawn_png(monkeypatch):
    """The explorer's slider callback sends PNG bytes with the figure on them, not a blank."""
    import io

    import numpy as np
    from IPython.display import Image
    from PIL import Image as PILImage

    from course_utils import widgets

    monkeypatch.setenv(widgets.STATIC_WIDGETS_VARIABLE, "0")
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    widgets._show_conv(7, 3, 2, 1, 1, 3, 8, 0, 1)
    assert len(shown) == 1 and isinstance(shown[0], Image)
    pixels = np.asarray(PILImage.open(io.BytesIO(shown[0].data)).convert("L"))
    assert (pixels < 245).mean() > browser.MIN_INK


def test_rise_stylesheets_are_recognised(tmp_path):
    (tmp_path / "ko").mkdir()
    (tmp_path / "ko" / "02_conv.ipynb").write_text("{}")
    assert lab.is_rise_stylesheet("rise.css", tmp_path)
    assert lab.is_rise_stylesheet("/ko/rise.css", tmp_path)
    assert lab.is_rise_stylesheet("ko/02_conv.css", tmp_path)
    assert not lab.is_rise_stylesheet("02_conv.css", tmp_path), "no notebook of that name here"
    assert not lab.is_rise_stylesheet("ko/other.css", tmp_path)
    assert not lab.is_rise_stylesheet("ko/02_conv.js", tmp_path)
    assert not lab.is_rise_stylesheet("../rise.css", tmp_path)
