"""The browser test: the slides and the lab as a lecturer and a student see them.

``make test-browser`` installs Debian's ``chromium`` when no Chromium is found and Playwright
from pip (the project's dev extras), then runs ``python -m course_utils.tooling.browser``. It
never runs ``playwright install``: Playwright drives the system browser
(``chromium.launch(executable_path=...)``), so nothing is downloaded at test time.

Static slides (exported as ``make slides`` does, served from 127.0.0.1), every notebook:

- no console error (a failed load is one);
- no request that leaves the machine: every request is intercepted, and one to another host
  (a CDN script, a CSS ``@import`` of web fonts) is aborted and reported;
- no slide taller than the viewport, no clipped ``<pre>`` (scrollWidth > clientWidth), table
  or figure, no ``NBVAL_`` marker, no navigation arrow over content: asserted at 1366×768,
  reported at 1024×768, with the longest code cell and the fit-to-screen zooms.

The lab (``make lab``'s server on a free port): the conv explorer in notebook 02 renders its
sliders, a slider move redraws the figure; RISE shows the same widget on a slide, and
presenting does not write the notebook.

Exit status 1 when a check fails; the table says which.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import json
import os
import re
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from course_utils.tooling import slides

ROOT = Path(__file__).resolve().parents[2]
ASSERTED = (1366, 768)
REPORTED = (1024, 768)
# a slide zoomed below this to fit shows 19 px code at under 11 px: readable on a laptop, not
# from the back of a lecture hall (reported, not asserted: shorter cells are the cure)
SMALL_ZOOM = 0.6
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

# Reveal from the page: the template sets window.Reveal; older exports keep it in require.js.
_REVEAL_JS = """
() => window.Reveal || Object.entries(requirejs.s.contexts._.defined)
    .filter(([k]) => k.endsWith("dist/reveal.js")).map(([, v]) => v)[0]
"""

# One slide, measured in the viewport's pixels (getBoundingClientRect sees reveal's scaling,
# the fit zoom, and content that a scrolling container hides).
_MEASURE_JS = """
(slide) => {
  const vw = window.innerWidth, vh = window.innerHeight;
  let top = Infinity, bottom = -Infinity, left = Infinity, right = -Infinity;
  const boxes = [];
  for (const el of slide.querySelectorAll("*")) {
    if (el.closest(".katex-mathml")) continue;  // KaTeX's clipped copy for screen readers
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    top = Math.min(top, r.top); bottom = Math.max(bottom, r.bottom);
    left = Math.min(left, r.left); right = Math.max(right, r.right);
    if (el.children.length === 0 || el.tagName === "IMG" || el.tagName === "PRE") boxes.push(r);
  }
  const clipped = [...slide.querySelectorAll("pre")].filter(
    p => p.scrollWidth > p.clientWidth + 1 && p.clientWidth > 0);
  // lines wider than their <pre>: cut off when the <pre> overflows, wrapped when it wraps
  const ctx = document.createElement("canvas").getContext("2d");
  let clippedLines = 0, wrappedLines = 0;
  for (const p of slide.querySelectorAll("pre")) {
    if (p.clientWidth === 0) continue;
    const st = getComputedStyle(p);
    ctx.font = st.fontSize + " " + st.fontFamily;
    const room = p.clientWidth - parseFloat(st.paddingLeft) - parseFloat(st.paddingRight);
    const over = p.textContent.split("\\n").filter(l => ctx.measureText(l).width > room + 1).length;
    if (p.scrollWidth > p.clientWidth + 1) clippedLines += over; else wrappedLines += over;
  }
  const clippedOther = [...slide.querySelectorAll("table, img, .jp-OutputArea-output")].filter(
    e => e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0);
  let covered = 0;
  for (const b of document.querySelectorAll(".reveal .controls button.enabled")) {
    const c = b.getBoundingClientRect();
    if (c.width === 0) continue;
    for (const r of boxes) {
      if (r.left < c.right && r.right > c.left && r.top < c.bottom && r.bottom > c.top) {
        covered += 1; break;
      }
    }
  }
  const code = [...slide.querySelectorAll(".jp-InputArea pre, .input_area pre")]
    .map(p => p.textContent.replace(/\\n$/, "").split("\\n").length);
  const zoom = parseFloat(slide.dataset.fitZoom || "1");
  return {
    height: bottom - top, tall: top < -1 || bottom > vh + 1,
    wide: left < -1 || right > vw + 1,
    clipped: clipped.length, clippedLines: clippedLines, wrappedLines: wrappedLines,
    clippedOther: clippedOther.length, covered: covered,
    codeLines: code.length ? Math.max(...code) : 0, zoom: zoom,
    markers: (slide.textContent.match(/NBVAL_/g) || []).length,
  };
}
"""


@dataclass
class DeckReport:
    """What one deck showed at one viewport size."""

    name: str
    viewport: tuple[int, int]
    slides: int = 0
    tall: list[int] = field(default_factory=list)
    wide: list[int] = field(default_factory=list)
    clipped: int = 0
    clipped_lines: int = 0
    wrapped_lines: int = 0
    clipped_other: int = 0
    covered: list[int] = field(default_factory=list)
    longest_code: int = 0
    min_zoom: float = 1.0
    zoomed: int = 0
    small: int = 0
    markers: int = 0
    console_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def failures(self) -> list[str]:
        out = []
        if self.tall:
            out.append(f"{len(self.tall)} slides taller than the viewport (#{self.tall[:8]})")
        if self.wide:
            out.append(f"{len(self.wide)} slides wider than the viewport (#{self.wide[:8]})")
        if self.clipped:
            out.append(f"{self.clipped} <pre> blocks cut off ({self.clipped_lines} lines)")
        if self.clipped_other:
            out.append(f"{self.clipped_other} clipped tables/images/outputs")
        if self.covered:
            out.append(f"navigation arrows cover content on slides #{self.covered[:8]}")
        if self.markers:
            out.append(f"{self.markers} NBVAL_ markers shown")
        if self.console_errors:
            out.append(f"console errors: {self.console_errors[:3]}")
        if self.blocked:
            out.append(f"requests leaving the machine: {self.blocked[:3]}")
        return out


def find_chromium() -> str:
    """The system Chromium (``COURSE_CHROMIUM`` overrides), or a ValueError saying how to get it."""
    chosen = os.environ.get("COURSE_CHROMIUM", "").strip()
    if chosen:
        if not (Path(chosen).is_file() and os.access(chosen, os.X_OK)):
            raise ValueError(f"COURSE_CHROMIUM={chosen!r} is not an executable file")
        return chosen
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise ValueError(
        "no Chromium found (looked for " + ", ".join(CHROMIUM_NAMES) + "); "
        "`make test-browser` installs Debian's `chromium` package, or set COURSE_CHROMIUM"
    )


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 (a free port) in a thread; yields the base URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    class Server(http.server.ThreadingHTTPServer):
        def handle_error(self, request, client_address) -> None:
            # a page closed while its last request was answered is no error
            if not isinstance(sys.exc_info()[1], ConnectionError):
                super().handle_error(request, client_address)

    handler = functools.partial(Quiet, directory=str(folder))
    server = Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def is_local(url: str) -> bool:
    """True for URLs that stay on this machine (127.0.0.1, localhost, data:, blob:, about:)."""
    parts = urlsplit(url)
    if parts.scheme in {"data", "blob", "about", "file"}:
        return True
    return parts.hostname in {"127.0.0.1", "localhost", "::1"}


def guard(page, errors: list[str], blocked: list[str]) -> None:
    """Abort every request that would leave the machine; collect console errors."""

    def route(r) -> None:
        if is_local(r.request.url):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on(
        "console",
        lambda m: m.type == "error" and errors.append(f"{m.text} @ {m.location.get('url', '')}"),
    )
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))


# every slide in turn, in the page: reveal.js fires slidechanged (and the fit) synchronously
_WALK_JS = (
    "(measure) => { const R = ("
    + _REVEAL_JS.strip()
    + ")(); const f = eval(measure); return R.getSlides().map(s => {"
    " const i = R.getIndices(s); R.slide(i.h, i.v, -1); return f(R.getCurrentSlide()); }); }"
)


def check_deck(
    browser, url: str, name: str, viewports: tuple[tuple[int, int], ...] = (ASSERTED, REPORTED)
) -> list[DeckReport]:
    """Walk every slide of one exported deck at each viewport size and measure it."""
    page = browser.new_page(viewport={"width": viewports[0][0], "height": viewports[0][1]})
    errors: list[str] = []
    blocked: list[str] = []
    guard(page, errors, blocked)
    page.goto(url, wait_until="load")
    page.wait_for_function(f"(({_REVEAL_JS})() || {{isReady: () => false}}).isReady()")
    page.evaluate(
        f"({_REVEAL_JS})().configure({{transition: 'none', backgroundTransition: 'none'}})"
    )
    reports = []
    for viewport in viewports:
        start = time.perf_counter()
        page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
        page.wait_for_timeout(100)  # reveal.js lays the deck out again on resize
        report = DeckReport(name, viewport, console_errors=errors, blocked=blocked)
        for number, m in enumerate(page.evaluate(_WALK_JS, _MEASURE_JS), start=1):
            report.slides += 1
            if m["tall"]:
                report.tall.append(number)
            if m["wide"]:
                report.wide.append(number)
            if m["covered"]:
                report.covered.append(number)
            report.clipped += m["clipped"]
            report.clipped_lines += m["clippedLines"]
            report.wrapped_lines += m["wrappedLines"]
            report.clipped_other += m["clippedOther"]
            report.longest_code = max(report.longest_code, m["codeLines"])
            report.min_zoom = min(report.min_zoom, m["zoom"])
            report.zoomed += m["zoom"] < 1
            report.small += m["zoom"] < SMALL_ZOOM
            report.markers += m["markers"]
        report.seconds = time.perf_counter() - start
        reports.append(report)
    page.close()
    return reports


def export_decks(notebooks: list[Path], out: Path, vendor: Path) -> list[Path]:
    """Export each notebook's slides into ``out`` (vendor referenced relatively, as make slides)."""
    if not (vendor / "reveal.js").is_dir():
        raise ValueError(f"{vendor} has no reveal.js: run `make slides` (or make test-browser)")
    written = []
    for path in notebooks:
        # notebooks/ko/02_x.ipynb -> out/ko/02_x.slides.html: the editions do not overwrite
        edition = (
            path.parent.relative_to(ROOT / "notebooks")
            if path.is_relative_to(ROOT / "notebooks")
            else Path()
        )
        folder = out / edition
        folder.mkdir(parents=True, exist_ok=True)
        html = slides.export_notebook(path, os.path.relpath(vendor, folder))
        target = folder / f"{path.stem}.slides.html"
        target.write_text(html, encoding="utf-8")
        written.append(target)
    return written


def print_table(reports: list[DeckReport]) -> None:
    """One line per deck and viewport. tall: slides taller than the viewport; cut: code lines cut
    off at the right; wrap: lines wrapped; arrows: slides whose content the navigation arrows
    cover; code: the longest code cell on a slide (lines); fit: slides zoomed to fit, <0.6 of
    them below 0.6, zoom: the smallest zoom; remote: requests aborted for leaving the machine."""
    head = (
        f"{'deck':<34} {'viewport':>9} {'slides':>6} {'tall':>4} {'cut':>4} {'wrap':>4} "
        f"{'arrows':>6} {'code':>4} {'fit':>3} {'<0.6':>4} {'zoom':>5} {'errors':>6} "
        f"{'remote':>6} {'s':>5}"
    )
    print(head)
    print("-" * len(head))
    for r in reports:
        print(
            f"{r.name:<34} {r.viewport[0]:>4}x{r.viewport[1]:<4} {r.slides:>6} {len(r.tall):>4} "
            f"{r.clipped_lines + r.clipped_other:>4} {r.wrapped_lines:>4} {len(r.covered):>6} "
            f"{r.longest_code:>4} {r.zoomed:>3} {r.small:>4} {r.min_zoom:>5.2f} "
            f"{len(r.console_errors):>6} {len(r.blocked):>6} {r.seconds:>5.1f}"
        )


def run_slides(browser, notebooks: list[Path], out: Path, vendor: Path) -> list[DeckReport]:
    """Export the decks into ``out``, serve them with ``vendor`` on 127.0.0.1, check each."""
    decks = export_decks(notebooks, out, vendor)
    served = Path(os.path.commonpath([out, vendor]))
    reports = []
    with serve(served) as base:
        for deck in decks:
            url = f"{base}/{deck.relative_to(served).as_posix()}"
            label = deck.relative_to(out).as_posix().removesuffix(".slides.html")
            reports += check_deck(browser, url, label)
    return reports


# ---------------------------------------------------------------------------------------------
# the lab: make lab's server, the conv explorer live in the lab and on a RISE slide

LAB_NOTEBOOK = "02_conv_layer_arithmetic.ipynb"
EXPLORER_CALL = "conv_explorer("
SLIDER = "output col"  # a move redraws the window on another output pixel
MOVES = 3

# the share of pixels that are not white: a drawn explorer figure has about 20 %
_INK_JS = """
(img) => {
  if (!img.complete || img.naturalWidth === 0) return 0;
  const c = document.createElement("canvas");
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const x = c.getContext("2d");
  x.drawImage(img, 0, 0);
  const d = x.getImageData(0, 0, c.width, c.height).data;
  let ink = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i] < 245 || d[i + 1] < 245 || d[i + 2] < 245) ink++;
  return ink / (d.length / 4);
}
"""
MIN_INK = 0.02


@dataclass(frozen=True)
class KnownConsoleError:
    """A console error from an upstream bug the kit cannot fix, allowed by its exact text and
    the script it comes from (both matched whole), on the pages named; listed in the README."""

    text: str  # regular expression for the whole message
    origin: str  # regular expression for the whole path of the script that logged it
    pages: tuple[str, ...]
    upstream: str

    def matches(self, error: str, page: str) -> bool:
        message, _, url = error.rpartition(" @ ")
        return (
            page in self.pages
            and re.fullmatch(self.text, message) is not None
            and re.fullmatch(self.origin, urlsplit(url).path) is not None
        )


# RISE 0.43.1 bundles @microsoft/fast-foundation 2.50.0, whose DesignToken Store.delete()
# notifies its subscribers and recurses until the stack overflows (caught and logged by FAST);
# the slides render. Allowed only while the installed RISE's scripts hold that code.
RISE_FAST_RECURSION = KnownConsoleError(
    text=r"RangeError: Maximum call stack size exceeded",
    origin=r"/static/rise/\d+\.bundle\.js",
    pages=("lab", "RISE"),
    upstream="https://github.com/microsoft/fast/issues/7057",
)
# Comm messages are meant for the one client that opened the comm, but the kernel broadcasts
# them: once RISE's page attaches to the notebook's kernel, its widget manager's control comm
# comes and goes, and the lab's connection logs the close of a comm it does not hold.
FOREIGN_COMM_CLOSE = KnownConsoleError(
    text=r"Comm not found for comm id [0-9a-f-]{32,36}",
    origin=r"/static/lab/jlab_core\.[0-9a-f]+\.js",
    pages=("lab",),
    upstream="https://github.com/jupyter/jupyter_client/issues/263",
)
_FAST_STORE_DELETE = re.compile(
    r"delete\((\w+)\)\{this\.values\.delete\(\1\),\w+\.Observable\.getNotifier\(this\)"
    r"\.notify\(\1\.id\)\}"
)


def rise_bundles_fast_recursion() -> bool:
    """True when the installed RISE's scripts hold fast-foundation 2.50.0's Store.delete."""
    try:
        import jupyterlab_rise
    except ImportError:
        return False
    static = Path(jupyterlab_rise.__file__).parent / "static"
    return any(
        _FAST_STORE_DELETE.search(f.read_text("utf-8", "replace")) for f in static.glob("*.js")
    )


def known_console_errors() -> tuple[KnownConsoleError, ...]:
    """The console errors the browser test allows with the packages installed now."""
    rise = (RISE_FAST_RECURSION,) if rise_bundles_fast_recursion() else ()
    return (FOREIGN_COMM_CLOSE, *rise)


def unexpected_console_errors(
    errors: list[str], page: str, known: tuple[KnownConsoleError, ...]
) -> list[str]:
    """``errors`` (as ``guard`` records them) less those that a ``known`` entry allows."""
    return [e for e in errors if not any(k.matches(e, page) for k in known)]


BLANKS = ROOT / "build" / "browser" / "blanks"


@dataclass
class LabReport:
    """What the lab and RISE showed with the conv explorer; every console error fails the test
    except the upstream ones in ``known`` (``known_console_errors``)."""

    lab_sliders: int = 0
    lab_redraws: int = 0
    lab_blank: int = 0
    rise_sliders: int = 0
    rise_redraws: int = 0
    rise_blank: int = 0
    lab_live_with_rise: bool = False
    rise_text_repr: bool = False
    notebook_written: bool = True
    saves_skipped: int = 0
    lab_errors: list[str] = field(default_factory=list)
    rise_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    seconds: float = 0.0
    known: tuple[KnownConsoleError, ...] = ()

    def unexpected_errors(self) -> list[str]:
        lab = unexpected_console_errors(self.lab_errors, "lab", self.known)
        return lab + unexpected_console_errors(self.rise_errors, "RISE", self.known)

    def failures(self) -> list[str]:
        out = []
        if not self.lab_sliders:
            out.append("lab: the conv explorer showed no sliders")
        if self.lab_redraws < MOVES or self.lab_blank:
            out.append(
                f"lab: {self.lab_redraws} of {MOVES} slider moves redrew the figure "
                f"({self.lab_blank} blank)"
            )
        if not self.rise_sliders or self.rise_text_repr:
            out.append("RISE: the conv explorer showed no sliders (widget manager not loaded)")
        if self.rise_redraws < 1 or self.rise_blank:
            out.append(f"RISE: a slider move did not redraw the figure ({self.rise_blank} blank)")
        if not self.lab_live_with_rise:
            out.append("lab: the explorer stopped redrawing while RISE was attached")
        if self.notebook_written:
            out.append("presenting with RISE wrote the notebook")
        unexpected = self.unexpected_errors()
        if unexpected:
            shown = sorted({e.splitlines()[0][:200] for e in unexpected})[:3]
            out.append(f"{len(unexpected)} console errors in the lab and RISE: {shown}")
        if self.blocked:
            out.append(f"requests leaving the machine: {sorted(set(self.blocked))[:3]}")
        return out


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def lab_server(
    folder: Path, scratch: Path, timeout: float = 90, settings: dict[str, dict] | None = None
) -> Iterator[tuple[str, str, Path]]:
    """``make lab``'s server (``lab.lab_command``) on ``folder`` at a free port, its settings,
    workspaces and runtime files in ``scratch``; yields (base URL, token, log file).
    ``settings`` are a user's settings by plugin id (``"@jupyterlab/translation-extension:plugin"``)."""
    import secrets
    import subprocess
    import urllib.error
    import urllib.request

    from course_utils.tooling import lab

    token = secrets.token_hex(24)
    port = free_port()
    env = dict(
        os.environ,
        JUPYTER_PORT=str(port),
        JUPYTER_TOKEN=token,
        JUPYTER_NO_BROWSER="1",
        JUPYTER_RUNTIME_DIR=str(scratch / "runtime"),
        JUPYTER_CONFIG_DIR=str(scratch / "config"),
        JUPYTERLAB_WORKSPACES_DIR=str(scratch / "workspaces"),
        JUPYTERLAB_SETTINGS_DIR=str(scratch / "settings"),
    )
    test_settings = {
        # every cell in the DOM (JupyterLab renders only the visible ones by default)
        "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
        # no autosave: a write during the test is then a save that presenting itself made
        "@jupyterlab/docmanager-extension:plugin": {"autosave": False},
    }
    for plugin, values in {**test_settings, **(settings or {})}.items():
        package, _, name = plugin.rpartition(":")
        path = scratch / "settings" / package / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values) + "\n")
    args, _, _ = lab.lab_command(env, folder)
    log = scratch / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2).close()
                break
            except (urllib.error.URLError, OSError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"make lab's server did not start within {timeout:.0f} s: "
                        + log.read_text()[-2000:]
                    ) from None
                time.sleep(0.5)
        yield base, token, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def explorer_cell_index(path: Path) -> int:
    """The index of the first code cell that calls the conv explorer."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and EXPLORER_CALL in cell.source:
            return i
    raise ValueError(f"{path} has no code cell calling {EXPLORER_CALL}...)")


def _figure(cell):
    return cell.locator(".widget-output img, .jupyter-widgets-output-area img").last


def _nudge(page, cell) -> None:
    """Drag the SLIDER's handle a third of its track, as a lecturer would: to the right, or
    back to the left once it is at its maximum."""
    slider = cell.locator(".widget-slider", has_text=SLIDER).first
    handle = slider.locator(".noUi-handle").first
    handle.scroll_into_view_if_needed()
    track = slider.locator(".noUi-target").first.bounding_box()
    box = handle.bounding_box()
    at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + (-1 if at_max else 1) * track["width"] / 3, y, steps=5)
    page.mouse.up()


def _run_cell(page, cell) -> None:
    """Run ``cell`` (Ctrl+Enter on its editor), again if the keypress came before the kernel
    was ready: until its prompt changes to ``[*]`` or a new number."""
    prompt = cell.locator(".jp-InputPrompt").first
    before = prompt.text_content(timeout=60_000)
    for _ in range(6):
        cell.locator(".jp-InputArea-editor").click(timeout=60_000)
        page.keyboard.press("Control+Enter")
        try:
            page.wait_for_function(
                "([p, before]) => p.textContent !== before"
                " && /\\[(\\*|\\d+)\\]/.test(p.textContent)",
                arg=[prompt.element_handle(), before],
                timeout=10_000,
            )
            return
        except Exception:  # noqa: BLE001 - not started yet: press again
            continue
    raise RuntimeError("the explorer's cell did not start running within a minute")


def _slider_values(cell) -> dict[str, str]:
    """The explorer's slider values as shown: description -> value."""
    return cell.evaluate(
        "(cell) => Object.fromEntries([...cell.querySelectorAll('.widget-slider')].map("
        "s => [s.querySelector('.widget-label').textContent.trim(),"
        " s.querySelector('.widget-readout').textContent.trim()]))"
    )


def _save_blank(page, cell, where: str, ink: float) -> None:
    """Keep what a blank measure saw: the PNG bytes the page holds, the slider values and
    the output's text, under BLANKS (build/browser/blanks/)."""
    import base64
    import json

    BLANKS.mkdir(parents=True, exist_ok=True)
    stem = BLANKS / f"{where}-{time.strftime('%H%M%S')}-{time.perf_counter_ns() % 10**6}"
    src = _figure(cell).get_attribute("src") or ""
    if src.startswith("data:image/png;base64,"):
        stem.with_suffix(".png").write_bytes(base64.b64decode(src.split(",", 1)[1]))
    info = {
        "ink": ink,
        "sliders": _slider_values(cell),
        "output_text": cell.locator(
            ".widget-output, .jupyter-widgets-output-area"
        ).last.inner_text(),
        "images_in_output": cell.locator(
            ".widget-output img, .jupyter-widgets-output-area img"
        ).count(),
        "src_prefix": src[:40],
    }
    stem.with_suffix(".json").write_text(json.dumps(info, indent=1))
    page.screenshot(path=str(stem.with_suffix(".page.png")))


def _moves(page, cell, moves: int, where: str = "lab") -> tuple[int, int]:
    """Slider moves that redrew the figure, and redrawn figures that came out blank."""
    redraws = blank = 0
    for _ in range(moves):
        before = _figure(cell).get_attribute("src")
        _nudge(page, cell)
        try:
            page.wait_for_function(
                "([cell, src]) => { const i = [...cell.querySelectorAll("
                "'.widget-output img, .jupyter-widgets-output-area img')].pop();"
                " return i && i.complete && i.naturalWidth > 0 && i.src !== src; }",
                arg=[cell.element_handle(), before],
                timeout=20_000,
            )
        except Exception:  # noqa: BLE001 - a timeout is the finding
            continue
        redraws += 1
        ink = _settled_ink(page, cell)
        if ink < MIN_INK:
            blank += 1
            _save_blank(page, cell, where, ink)
    return redraws, blank


def _settled_ink(page, cell, quiet_ms: int = 700, timeout_s: float = 15) -> float:
    """The ink of the figure once the output has settled: one drag sends several values, and
    each redraw replaces the image, so measure only an image that is fully loaded and has
    not been replaced for ``quiet_ms`` (an image still decoding reads as blank)."""
    deadline = time.perf_counter() + timeout_s
    while True:
        page.wait_for_function(
            "(cell) => { const i = [...cell.querySelectorAll("
            "'.widget-output img, .jupyter-widgets-output-area img')].pop();"
            " return i && i.complete && i.naturalWidth > 0; }",
            arg=cell.element_handle(),
            timeout=20_000,
        )
        src = _figure(cell).get_attribute("src")
        page.wait_for_timeout(quiet_ms)
        figure = _figure(cell)
        if figure.get_attribute("src") == src or time.perf_counter() > deadline:
            return page.evaluate(_INK_JS, figure.element_handle())


def run_lab(browser, notebook: Path, scratch: Path, wait_s: float) -> LabReport:
    """Open a copy of ``notebook`` in make lab's server: the explorer in the lab, then on a RISE
    slide, then in the lab again; the copy must not be written by presenting."""
    start = time.perf_counter()
    report = LabReport(known=known_console_errors())
    folder = scratch / "notebooks"
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / notebook.name
    shutil.copyfile(notebook, copy)
    index = explorer_cell_index(copy)
    with lab_server(folder, scratch) as (base, token, log):
        context = browser.new_context(viewport={"width": ASSERTED[0], "height": ASSERTED[1]})
        lab_page = context.new_page()
        guard(lab_page, report.lab_errors, report.blocked)
        lab_page.goto(f"{base}/lab/tree/{copy.name}?token={token}")
        # the lecturer's way in: the notebook toolbar's RISE button saves the notebook, then
        # opens the slideshow beside it
        stamp = (copy.stat().st_mtime_ns, copy.read_bytes())
        button = lab_page.locator('.jp-NotebookPanel-toolbar [data-command="RISE:preview"]')
        button.first.click(timeout=60_000)
        lab_page.frame_locator("iframe[src*='/rise/']").locator(".reveal").first.wait_for(
            timeout=60_000
        )
        lab_page.wait_for_timeout(2000)
        # close it again: beside the slideshow the notebook is too narrow for the sliders
        tab_bars = lab_page.locator(".lm-DockPanel-tabBar")
        tab_bars.nth(tab_bars.count() - 1).locator(".lm-TabBar-tabCloseIcon").first.click()
        lab_page.locator("iframe[src*='/rise/']").first.wait_for(state="detached")
        lab_cell = lab_page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").nth(index)
        lab_cell.wait_for(timeout=60_000)
        if EXPLORER_CALL not in lab_cell.locator(".jp-InputArea").inner_text():
            raise RuntimeError(f"lab: cell {index} of {copy.name} is not the explorer's cell")
        _run_cell(lab_page, lab_cell)
        lab_cell.locator(".widget-slider").first.wait_for(timeout=120_000)
        _figure(lab_cell).wait_for(timeout=60_000)
        report.lab_sliders = lab_cell.locator(".widget-slider").count()
        report.lab_redraws, report.lab_blank = _moves(lab_page, lab_cell, MOVES)

        # RISE on the same kernel: the slideshow opens on the notebook as saved
        rise = context.new_page()
        guard(rise, report.rise_errors, report.blocked)
        rise.goto(f"{base}/rise/{copy.name}?token={token}")
        rise.locator(".reveal .slides section").first.wait_for(timeout=60_000)
        rise_cell = rise.locator(".jp-CodeCell", has_text=EXPLORER_CALL).first
        section = rise_cell.evaluate("c => c.closest('section[id]').id")
        rise.evaluate("(id) => { location.hash = '#/' + id; }", section)
        _run_cell(rise, rise_cell)
        try:
            rise_cell.locator(".widget-slider").first.wait_for(timeout=60_000)
            _figure(rise_cell).wait_for(timeout=60_000)
        except Exception:  # noqa: BLE001 - the finding is reported below
            pass
        report.rise_sliders = rise_cell.locator(".widget-slider").count()
        report.rise_text_repr = "VBox(children=" in rise_cell.inner_text()
        if report.rise_sliders:
            rise.wait_for_timeout(500)
            report.rise_redraws, report.rise_blank = _moves(rise, rise_cell, 1, "rise")
            rise.screenshot(path=str(scratch / "rise-explorer.png"))
        # the lab view of the same kernel, while the slideshow is still open
        lab_page.bring_to_front()
        redraws, blank = _moves(lab_page, lab_cell, 1)
        report.lab_live_with_rise = redraws == 1 and not blank
        rise.wait_for_timeout(wait_s * 1000)  # autosave and RISE's save on open get their chance
        rise.close()
        lab_page.close()
        context.close()
        report.notebook_written = (copy.stat().st_mtime_ns, copy.read_bytes()) != stamp
        report.saves_skipped = log.read_text().count("unchanged: not written")
    report.seconds = time.perf_counter() - start
    return report


# the Korean UI that the README promises: the language pack's menus, looked at in the page
KOREAN_LOCALE = "ko_KR"
KOREAN_MENUS = (
    "파일",
    "편집",
    "보기",
    "실행",
    "커널",
    "설정",
    "도움말",
)  # File, Edit, View, Run, …


def lab_menu_labels(browser, scratch: Path, locale: str = KOREAN_LOCALE) -> list[str]:
    """The top menu bar's labels of make lab's server with the user's language set to
    ``locale`` (Settings → Language), read from the page once the lab has loaded."""
    folder = scratch / "empty"
    folder.mkdir(parents=True, exist_ok=True)
    settings = {"@jupyterlab/translation-extension:plugin": {"locale": locale}}
    with lab_server(folder, scratch / "ui", settings=settings) as (base, token, _log):
        page = browser.new_page(viewport={"width": ASSERTED[0], "height": ASSERTED[1]})
        try:
            page.goto(f"{base}/lab?token={token}")
            labels = page.locator("#jp-menu-panel .lm-MenuBar-itemLabel")
            labels.first.wait_for(timeout=60_000)
            return [label.strip() for label in labels.all_inner_texts()]
        finally:
            page.close()


def korean_menu_failures(labels: list[str]) -> list[str]:
    """What is wrong with the menu bar under the Korean language pack (empty: nothing).

    >>> korean_menu_failures(["파일", "편집", "보기", "실행", "커널", "탭", "설정", "도움말"])
    []
    >>> korean_menu_failures(["File", "Edit", "View"])
    ["menu bar not Korean: missing 파일, 편집, 보기, 실행, 커널, 설정, 도움말 in ['File', 'Edit', 'View']"]
    """
    missing = [m for m in KOREAN_MENUS if m not in labels]
    return [f"menu bar not Korean: missing {', '.join(missing)} in {labels}"] if missing else []


def print_lab(report: LabReport) -> None:
    print(
        f"lab: explorer sliders {report.lab_sliders}, redraws {report.lab_redraws}/{MOVES} "
        f"(blank {report.lab_blank}); RISE: sliders {report.rise_sliders}, redraws "
        f"{report.rise_redraws}/1 (blank {report.rise_blank}), text repr "
        f"{report.rise_text_repr}; lab live with RISE open {report.lab_live_with_rise}; "
        f"notebook written {report.notebook_written} (unchanged saves skipped "
        f"{report.saves_skipped}); console errors lab {len(report.lab_errors)}, RISE "
        f"{len(report.rise_errors)}, unexpected {len(report.unexpected_errors())}; "
        f"{report.seconds:.0f} s"
    )
    for where, errors in (("lab", report.lab_errors), ("RISE", report.rise_errors)):
        for error in sorted({e.splitlines()[0] for e in errors})[:4]:
            known = [k.upstream for k in report.known if k.matches(error, where)]
            print(f"  {where} console: {error[:160]}" + (f" (known: {known[0]})" if known else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "browser" / "slides")
    parser.add_argument("--vendor", type=Path, default=ROOT / "build/slides/vendor/node_modules")
    parser.add_argument("--skip-lab", action="store_true", help="only the static slides")
    parser.add_argument("--skip-slides", action="store_true", help="only the lab and RISE")
    parser.add_argument(
        "--present-seconds",
        type=float,
        default=10,
        help="how long the RISE slideshow stays open before the notebook is compared",
    )
    args = parser.parse_args(argv)
    start = time.perf_counter()
    notebooks = [p.resolve() for p in args.notebooks]
    missing = [str(p) for p in notebooks if not p.is_file()]
    try:
        if missing:
            raise ValueError(f"no such notebook: {', '.join(missing)}")
        chromium = find_chromium()
    except ValueError as exc:
        print(f"browser test: {exc}", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    failures: list[str] = []
    reports: list[DeckReport] = []
    lab_report = None
    scratch = args.out.resolve().parent / "lab"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium)
        try:
            if not args.skip_slides:
                reports = run_slides(browser, notebooks, args.out.resolve(), args.vendor.resolve())
            if not args.skip_lab:
                shutil.rmtree(scratch, ignore_errors=True)
                scratch.mkdir(parents=True)
                try:
                    lab_report = run_lab(
                        browser, ROOT / "notebooks" / LAB_NOTEBOOK, scratch, args.present_seconds
                    )
                except Exception as exc:  # noqa: BLE001 - reported with the slides' table
                    failures.append(f"lab: {type(exc).__name__}: {str(exc).splitlines()[0]}")
                    for page in browser.contexts[-1].pages if browser.contexts else []:
                        page.screenshot(path=str(scratch / f"failure-{id(page)}.png"))
                try:
                    labels = lab_menu_labels(browser, scratch)
                    print(f"lab in Korean ({KOREAN_LOCALE}): menu bar {' · '.join(labels)}")
                    failures += [f"lab in Korean: {f}" for f in korean_menu_failures(labels)]
                except Exception as exc:  # noqa: BLE001 - reported with the rest
                    failures.append(
                        f"lab in Korean: {type(exc).__name__}: {str(exc).splitlines()[0]}"
                    )
        finally:
            browser.close()
    if reports:
        print_table(reports)
    if lab_report is not None:
        print_lab(lab_report)
        failures += lab_report.failures()
    for r in reports:
        if r.viewport == ASSERTED:
            failures += [f"{r.name} at {r.viewport[0]}x{r.viewport[1]}: {f}" for f in r.failures()]
    print(f"browser test: {time.perf_counter() - start:.0f} s")
    for line in failures:
        print(f"FAIL {line}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
