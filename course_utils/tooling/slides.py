"""Export every notebook as static reveal.js slides that open offline.

``make slides`` installs reveal.js, require.js and KaTeX from the npm registry into
``build/slides/vendor`` once, then runs ``python -m course_utils.tooling.slides``, which
writes ``build/slides/NN_name.slides.html`` for each notebook (and the Korean edition's
into ``build/slides/ko/``, sharing the vendor folder through ``--vendor``). Every script and style
is referenced relative to that folder, so ``build/slides`` can be copied to a USB
stick and opened in a browser without a network.

What the audience sees differs from the notebook in two ways, both at export only:

- ``# NBVAL_…`` marker lines (for nbval, see the notebook standard) are left out of the code;
- a code cell tagged ``slide-hide-input`` shows its output (the figure) without its code;
- a cell tagged ``deep-dive`` (self-study material, see :mod:`course_utils.tooling.hygiene`)
  is left out, whatever its slide type.

The template (``templates/course_reveal``) draws 1280×720 slides without prompts, wraps code
lines longer than the slide and zooms a slide taller than the screen down until it fits;
``make test-browser`` (``course_utils.tooling.browser``) checks that in Chromium.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat
from nbconvert.preprocessors import Preprocessor

from course_utils.tooling.hygiene import DEEP_DIVE_TAG

HIDE_INPUT_TAG = "slide-hide-input"
NBVAL_MARKER = re.compile(r"^[ \t]*#[ \t]*NBVAL_[A-Z_]+[ \t]*(?:\n|$)", re.MULTILINE)
# reveal.js's own themes without a web-font @import (simple, league, ... import Google Fonts)
THEME = "white"
TEMPLATES = Path(__file__).with_name("templates")
VENDOR = "vendor/node_modules"
# what the page would load (src=, and href= on anything but an <a> link: a link to Colab or a
# paper is followed only when clicked, so it does not stop the slides from working offline)
REMOTE = re.compile(
    r"""(?:\bsrc|<(?!a\b)\w+\b[^>]*?\bhref)\s*=\s*["'](?:https?:)?//""", re.IGNORECASE
)
REMOTE_IMPORT = re.compile(r"""(?:import\s+[^;]*from\s+|@import\s+(?:url\()?)["']?(?:https?:)?//""")


def strip_nbval_markers(source: str) -> str:
    """``source`` without its ``# NBVAL_…`` lines (the rest of the code is left as it is).

    >>> strip_nbval_markers("# NBVAL_CHECK_OUTPUT\nprint(1)")
    'print(1)'
    """
    stripped = NBVAL_MARKER.sub("", source)
    return stripped if source.endswith("\n") else stripped.rstrip("\n")


class SlideCellsPreprocessor(Preprocessor):
    """Strip nbval markers from code; hide the input of cells tagged ``slide-hide-input``."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            cell.source = strip_nbval_markers(cell.source)
            if HIDE_INPUT_TAG in cell.metadata.get("tags", []):
                cell.metadata.setdefault("transient", {})["remove_source"] = True
        return cell, resources


def export_notebook(path: Path, vendor_prefix: str = VENDOR) -> str:
    """The slides of one notebook as an HTML string (nothing written)."""
    from nbconvert import SlidesExporter

    exporter = SlidesExporter(
        extra_template_basedirs=[str(TEMPLATES)],
        template_name="course_reveal",
        reveal_url_prefix=f"{vendor_prefix}/reveal.js",
        reveal_theme=THEME,
    )
    exporter.register_preprocessor(SlideCellsPreprocessor, enabled=True)
    nb = nbformat.read(path, as_version=4)
    # deep dives are not on the slides: dropped before reveal.js's slide structure is computed
    nb.cells = [c for c in nb.cells if DEEP_DIVE_TAG not in c.metadata.get("tags", [])]
    body, _ = exporter.from_notebook_node(
        nb, resources={"vendor_prefix": vendor_prefix, "metadata": {"name": path.stem}}
    )
    return body


def remote_references(html: str) -> list[str]:
    """Script/style/link references that would need a network (empty for offline slides)."""
    found = [m.group(0) for m in REMOTE.finditer(html)]
    found += [m.group(0) for m in REMOTE_IMPORT.finditer(html)]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=Path("build/slides"))
    parser.add_argument(
        "--vendor",
        default=VENDOR,
        help="reveal.js/KaTeX folder relative to --out (build/slides/ko uses ../vendor/node_modules)",
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if not (args.out / args.vendor / "reveal.js").is_dir():
        print(
            f"warning: {args.out / args.vendor} has no reveal.js; run `make slides` to fetch it",
            file=sys.stderr,
        )
    bad = 0
    for path in args.notebooks:
        html = export_notebook(path, args.vendor)
        remote = remote_references(html)
        if remote:
            print(f"{path}: remote references {remote[:3]}", file=sys.stderr)
            bad += 1
        target = args.out / f"{path.stem}.slides.html"
        target.write_text(html, encoding="utf-8")
        print(f"wrote {target}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
