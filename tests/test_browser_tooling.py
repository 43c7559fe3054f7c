"""The parts of the browser test and of presenting that need no browser.

``make test-browser`` runs the browser test itself (Chromium + Playwright); these tests run
under ``make test``: the slide export's marker stripping and hide-input tag, the request
guard's notion of "local", the Chromium lookup's error, and make lab's contents manager that
does not rewrite an unchanged notebook.
"""

import asyncio
import json
import sys
from pathlib import Path

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


def test_a_flush_of_pyplots_figures_cannot_reach_a_live_redraw(monkeypatch):
    """The cause of the blank redraws: a slider's callback and another kernel thread (a comm
    message on a subshell) run at once, and that thread's post-execute hook, matplotlib's
    inline ``flush_figures``, displays and closes every figure pyplot knows. Run that hook at
    the worst moment, as the callback's figure is rendered: the figure must not be among
    pyplot's, and the PNG must carry the drawing."""
    import io

    import matplotlib.pyplot as plt
    import numpy as np
    from IPython.display import Image
    from matplotlib.figure import Figure
    from PIL import Image as PILImage

    from course_utils import widgets

    monkeypatch.setenv(widgets.STATIC_WIDGETS_VARIABLE, "0")
    shown, flushed = [], []
    monkeypatch.setattr("IPython.display.display", lambda obj, **kw: shown.append(obj))
    render = Figure.savefig

    def render_beside_another_threads_flush(fig, *args, **kwargs):
        flushed.extend(plt.get_fignums())  # what the inline backend would display ...
        plt.close("all")  # ... and then close
        return render(fig, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", render_beside_another_threads_flush)
    plt.close("all")
    widgets._show_conv(7, 3, 2, 1, 1, 3, 8, 0, 1)
    assert flushed == [], "the redraw's figure was one of pyplot's"
    assert len(shown) == 1 and isinstance(shown[0], Image)
    pixels = np.asarray(PILImage.open(io.BytesIO(shown[0].data)).convert("L"))
    assert (pixels < 245).mean() > browser.MIN_INK


def test_both_explorers_draw_outside_pyplot(monkeypatch):
    import matplotlib.pyplot as plt

    from course_utils import widgets

    plt.close("all")
    drawn = []
    monkeypatch.setattr(widgets, "_display_figure", drawn.append)
    monkeypatch.setenv(widgets.STATIC_WIDGETS_VARIABLE, "1")
    widgets.conv_explorer()
    widgets.receptive_field_viewer([(3, 1)] * 3)
    assert len(drawn) == 2 and plt.get_fignums() == []
    # notebooks' own figures stay pyplot's, for plt.show()
    fig = widgets.conv_figure(5, 3)
    assert plt.get_fignums() == [fig.number]
    plt.close(fig)


def test_the_course_lab_sends_widget_messages_to_the_main_shell():
    """make lab's settings turn JupyterLab's comms over subshells off (the default since 4.4
    runs widget callbacks on kernel threads beside the cells; see test above), under the
    setting's name and value in the installed JupyterLab's own schema."""
    import sys

    settings = json.loads((ROOT / "course_utils/tooling/lab_settings/course-kit.json").read_text())
    plugin = "@jupyterlab/apputils-extension:kernels-settings"
    assert settings[plugin] == {"commsOverSubshells": "disabled"}
    schema_file = (
        Path(sys.prefix) / "share/jupyter/lab/schemas/@jupyterlab/apputils-extension"
        / "kernels-settings.json"
    )  # fmt: skip
    schema = json.loads(schema_file.read_text())["properties"]["commsOverSubshells"]
    assert "disabled" in {choice["const"] for choice in schema["oneOf"]}


def test_only_the_listed_upstream_console_errors_are_allowed():
    known = (browser.RISE_FAST_RECURSION, browser.FOREIGN_COMM_CLOSE)
    rise_js = "http://127.0.0.1:8888/static/rise/4437.bundle.js"
    lab_js = "http://127.0.0.1:8888/static/lab/jlab_core.8811dd2733d03721.js?v=8811dd2733d03721"
    comm = "Comm not found for comm id 82ab2244-25c6-4d63-bbf2-2e2f61bb9894"
    allowed = [
        ("RISE", f"RangeError: Maximum call stack size exceeded @ {rise_js}"),
        ("lab", f"RangeError: Maximum call stack size exceeded @ {rise_js}"),
        ("lab", f"{comm} @ {lab_js}"),
    ]
    refused = [
        ("RISE", f"RangeError: Maximum call stack size exceeded at x @ {rise_js}"),  # other text
        ("RISE", f"TypeError: Maximum call stack size exceeded @ {rise_js}"),
        ("lab", f"RangeError: Maximum call stack size exceeded @ {lab_js}"),  # other script
        ("RISE", f"{comm} @ {lab_js}"),  # not on the RISE page
        ("lab", f"Comm not found for comm id ../../etc @ {lab_js}"),
        ("lab", "page error: RangeError: Maximum call stack size exceeded"),
        ("RISE", "Refused to apply style from 'http://127.0.0.1:8888/files/rise.css' @ "),
    ]
    for page, error in allowed:
        assert browser.unexpected_console_errors([error], page, known) == [], error
    for page, error in refused:
        assert browser.unexpected_console_errors([error], page, known) == [error], error
    assert browser.unexpected_console_errors([allowed[0][1]], "RISE", ()) == [allowed[0][1]]


def test_the_rise_recursion_is_allowed_only_while_rise_bundles_it(monkeypatch, tmp_path):
    """fast-foundation 2.50.0's Store.delete notifies (the recursion); 2.49 did not."""
    import types

    static = tmp_path / "static"
    static.mkdir()
    fake = types.SimpleNamespace(__file__=str(tmp_path / "__init__.py"))
    monkeypatch.setitem(sys.modules, "jupyterlab_rise", fake)
    (static / "1.bundle.js").write_text("class ni{delete(t){this.values.delete(t)}all(){}}")
    assert not browser.rise_bundles_fast_recursion()
    assert browser.RISE_FAST_RECURSION not in browser.known_console_errors()
    (static / "2.bundle.js").write_text(
        "delete(t){this.values.delete(t),s.Observable.getNotifier(this).notify(t.id)}all(){}"
    )
    assert browser.rise_bundles_fast_recursion()
    assert browser.RISE_FAST_RECURSION in browser.known_console_errors()


def test_export_leaves_out_deep_dives(tmp_path):
    slide = {"slideshow": {"slide_type": "slide"}}
    shown = nbformat.v4.new_markdown_cell("on_the_slide_3318", metadata=slide)
    deep = nbformat.v4.new_markdown_cell(
        "self_study_6620",
        metadata={"slideshow": {"slide_type": "subslide"}, "tags": ["deep-dive"]},
    )
    html = slides.export_notebook(_notebook(tmp_path, [shown, deep]))
    assert "on_the_slide_3318" in html and "self_study_6620" not in html


def test_the_korean_menu_check_names_what_is_missing():
    from course_utils.tooling.browser import KOREAN_MENUS, korean_menu_failures

    assert korean_menu_failures([*KOREAN_MENUS, "탭"]) == []
    (failure,) = korean_menu_failures(["File", "편집", "View"])
    missing = failure.split(" in [")[0]
    assert "파일" in missing and "보기" in missing and "편집" not in missing


def test_lab_server_writes_the_users_settings(tmp_path, monkeypatch):
    """The Korean check's language setting lands where JupyterLab reads a user's settings."""
    import subprocess

    class Stop(Exception):
        pass

    def no_server(*args, **kwargs):
        raise Stop

    monkeypatch.setattr(subprocess, "Popen", no_server)
    settings = {"@jupyterlab/translation-extension:plugin": {"locale": "ko_KR"}}
    (tmp_path / "nb").mkdir()
    with pytest.raises(Stop):
        with browser.lab_server(tmp_path / "nb", tmp_path, settings=settings):
            pass
    written = tmp_path / "settings/@jupyterlab/translation-extension/plugin.jupyterlab-settings"
    assert json.loads(written.read_text()) == {"locale": "ko_KR"}
