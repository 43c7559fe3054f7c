"""make lab's launcher, make execute's cleaning, make slides' offline export."""

import json
import os
import re
import sys
from pathlib import Path

import nbformat
import pytest

from course_utils.tooling import execute, lab, slides

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _arg(args, name):
    return next(a.split("=", 1)[1] for a in args if a.startswith(f"--{name}="))


def test_lab_defaults_to_localhost_with_a_random_token(tmp_path):
    args, token, url = lab.lab_command({}, tmp_path)
    assert _arg(args, "ServerApp.ip") == "127.0.0.1"
    assert _arg(args, "IdentityProvider.token") == token and len(token) >= 32
    assert url == f"http://127.0.0.1:8888/lab?token={token}"
    assert args[:3] == [sys.executable, "-m", "jupyterlab"]
    _, other, _ = lab.lab_command({}, tmp_path)
    assert other != token


def test_lab_refuses_empty_or_short_tokens(tmp_path):
    for bad in ("", "   ", "short"):
        with pytest.raises(ValueError, match="at least 16 characters"):
            lab.lab_command({"JUPYTER_TOKEN": bad}, tmp_path)


def test_lab_all_interfaces_only_when_asked(tmp_path):
    args, token, url = lab.lab_command(
        {"JUPYTER_HOST": "0.0.0.0", "JUPYTER_TOKEN": "x" * 20, "JUPYTER_PORT": "9999"}, tmp_path
    )
    assert _arg(args, "ServerApp.ip") == "0.0.0.0" and "--no-browser" in args
    assert token == "x" * 20 and ":9999/" in url
    with pytest.raises(ValueError, match="port"):
        lab.lab_command({"JUPYTER_PORT": "http"}, tmp_path)


def test_execute_clean_strips_widget_state_and_timestamps():
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {"state": {}}
    cell = nbformat.v4.new_code_cell("fit(...)")
    cell.metadata["execution"] = {"iopub.execute_input": "2026-01-01"}
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={
                "application/vnd.jupyter.widget-view+json": {"model_id": "abc"},
                "text/plain": "epoch 1/3: 100%|██████████| 20/20",
            },
        ),
        nbformat.v4.new_output(
            "display_data",
            data={
                "application/vnd.jupyter.widget-view+json": {"model_id": "def"},
                "text/plain": "HBox(children=(...))",
            },
        ),
        nbformat.v4.new_output("stream", name="stdout", text="epoch  1/3 ..."),
    ]
    nb.cells.append(cell)
    execute.clean(nb)
    assert "widgets" not in nb.metadata and "execution" not in cell.metadata
    assert len(cell.outputs) == 2
    assert "application/vnd.jupyter.widget-view+json" not in cell.outputs[0]["data"]
    assert nb.metadata["kernelspec"]["name"] == "python3"


def _small_notebook(path, fail=False):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1 + 1\nprint(x)")]
    if fail:
        nb.cells.append(nbformat.v4.new_code_cell("raise RuntimeError('boom')"))
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)


@pytest.mark.slow
def test_execute_writes_only_after_success(tmp_path):
    good, bad = tmp_path / "good.ipynb", tmp_path / "bad.ipynb"
    _small_notebook(good)
    _small_notebook(bad, fail=True)
    before = bad.read_bytes()
    assert execute.main([str(good), str(bad), "--timeout", "60"]) == 1
    stored = nbformat.read(good, as_version=4)
    assert stored.cells[0].outputs[0]["text"] == "2\n" and stored.cells[0].execution_count == 1
    assert bad.read_bytes() == before, "a failed run must leave the stored notebook untouched"
    assert not list(tmp_path.glob("*.tmp"))


def test_remote_reference_detector():
    assert slides.remote_references('<script src="https://cdn.x/y.js"></script>')
    assert slides.remote_references("<link href='//cdn.x/y.css'>")
    assert slides.remote_references("import mermaid from 'https://cdn/x.mjs'")
    assert not slides.remote_references('<script src="vendor/node_modules/katex/k.js"></script>')
    assert not slides.remote_references('<a href="https://arxiv.org/abs/1512.03385">paper</a>')
    assert slides.remote_references('<a href="#x"><img src="https://x.org/i.png"></a>')


def _top_level_sections(html: str) -> int:
    """reveal's structure: one top-level <section> per 'slide' cell, nested ones for subslides."""
    body = html[html.index('<div class="slides">') :]
    top_level = depth = 0
    for tag in re.finditer(r"<(/?)section\b", body):
        if tag.group(1):
            depth -= 1
        else:
            top_level += depth == 0
            depth += 1
    assert depth == 0, "unbalanced <section> tags"
    return top_level


KOREAN = sorted((ROOT / "notebooks" / "ko").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS + KOREAN, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_slide_export_has_one_section_per_slide_and_no_remote_urls(path):
    """The English and the Korean edition alike (the static Korean slides pass the same checks)."""
    html = slides.export_notebook(path)
    nb = json.loads(path.read_text(encoding="utf-8"))
    types = [c["metadata"]["slideshow"]["slide_type"] for c in nb["cells"]]
    top_level = _top_level_sections(html)
    assert top_level == types.count("slide")
    assert slides.remote_references(html) == []
    rendered = len(re.findall(r'<div[^>]*class="jp-Cell ', html))
    assert rendered == len(types) - types.count("skip"), "skip cells must be absent, others shown"


def test_skip_cells_are_left_out_of_the_slides(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            "# 00 Title", metadata={"slideshow": {"slide_type": "slide"}}
        ),
        nbformat.v4.new_code_cell(
            "plumbing_marker_7731 = 1", metadata={"slideshow": {"slide_type": "skip"}}
        ),
        nbformat.v4.new_markdown_cell("## Next", metadata={"slideshow": {"slide_type": "slide"}}),
        nbformat.v4.new_markdown_cell(
            "speaker note", metadata={"slideshow": {"slide_type": "notes"}}
        ),
    ]
    path = tmp_path / "00_demo.ipynb"
    nbformat.write(nb, path)
    html = slides.export_notebook(path)
    assert "plumbing_marker_7731" not in html
    assert '<aside class="notes">' in html
    assert _top_level_sections(html) == 2


@pytest.mark.slow
def test_make_lab_serves_the_notebooks_on_localhost_behind_a_token(tmp_path):
    """Start the real server (as `make lab` does), then knock with and without the token."""
    import os
    import socket
    import subprocess
    import time
    import urllib.error
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = "t" * 24
    env = dict(
        os.environ,
        JUPYTER_PORT=str(port),
        JUPYTER_TOKEN=token,
        JUPYTER_NO_BROWSER="1",
        JUPYTER_RUNTIME_DIR=str(tmp_path),
        JUPYTER_CONFIG_DIR=str(tmp_path),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "course_utils.tooling.lab"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}/api/contents"
    try:
        deadline = time.time() + 90
        while True:
            try:
                urllib.request.urlopen(base, timeout=2)
            except urllib.error.HTTPError as exc:
                assert exc.code == 403, "without a token the server must refuse"
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                assert time.time() < deadline, "JupyterLab did not start within 90 s"
                time.sleep(0.5)
            else:
                pytest.fail("the server answered without a token")
        with urllib.request.urlopen(f"{base}?token={token}", timeout=10) as reply:
            names = {item["name"] for item in json.load(reply)["content"]}
        assert {p.name for p in NOTEBOOKS} <= names
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token={token}", timeout=10) as r:
            assert "jupyterlab-rise" in r.read().decode(), "RISE must be available for slides"
        # the stylesheets RISE links into every slideshow: served as (empty) CSS, not a 404 page
        files = f"http://127.0.0.1:{port}/files"
        for name in ("rise.css", f"{NOTEBOOKS[0].stem}.css", f"ko/{NOTEBOOKS[0].stem}.css"):
            with urllib.request.urlopen(f"{files}/{name}?token={token}", timeout=10) as reply:
                assert reply.headers["Content-Type"].startswith("text/css"), name
                assert reply.read().decode() == lab.EMPTY_RISE_STYLESHEET
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{files}/no_such_notebook.css?token={token}", timeout=10)
        assert missing.value.code == 404, "only the stylesheets RISE asks for are made up"
        with urllib.request.urlopen(f"{files}/rise.css", timeout=10) as reply:
            assert "/login" in reply.url, "without the token: the login page, not the file"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_thumbnail_prefers_the_tagged_figure_and_scales_it():
    import base64
    import io

    from PIL import Image

    from course_utils.tooling import thumbnails

    def png(color, size=(400, 200)):
        buf = io.BytesIO()
        Image.new("RGB", size, color).save(buf, format="PNG")
        return base64.b64encode(buf.getvalue()).decode()

    nb = nbformat.v4.new_notebook()
    first = nbformat.v4.new_code_cell("plot()")
    first.outputs = [nbformat.v4.new_output("display_data", data={"image/png": png("red")})]
    tagged = nbformat.v4.new_code_cell("plot()", metadata={"tags": ["thumbnail"]})
    tagged.outputs = [nbformat.v4.new_output("display_data", data={"image/png": png("blue")})]
    nb.cells = [first, tagged]
    small = Image.open(io.BytesIO(thumbnails.thumbnail(thumbnails.pick_figure(nb))))
    assert small.size == (240, 120) and small.getpixel((5, 5)) == (0, 0, 255)
    nb.cells = [nbformat.v4.new_markdown_cell("no figures")]
    assert thumbnails.pick_figure(nb) is None


def test_execute_sets_static_widgets_for_the_kernel_only(tmp_path, monkeypatch):
    """make execute runs the explorers statically (nbclient can stall on live widgets) without
    changing the environment of the process that calls it."""
    monkeypatch.delenv("COURSE_STATIC_WIDGETS", raising=False)
    nb = nbformat.v4.new_notebook()
    nb.cells.append(
        nbformat.v4.new_code_cell("import os; print(os.environ.get('COURSE_STATIC_WIDGETS'))")
    )
    path = tmp_path / "probe.ipynb"
    nbformat.write(nb, path)
    execute.execute(path, timeout=60)
    out = nbformat.read(path, as_version=4).cells[0].outputs[0]["text"]
    assert out.strip() == "1"
    assert "COURSE_STATIC_WIDGETS" not in os.environ
