"""Small preview images of the notebooks for the README's course map.

``make thumbnails`` writes ``docs/thumbnails/NN.png`` (240 px wide) for each notebook
from a stored figure: the cell tagged ``thumbnail`` if there is one, else the first
figure. Run it after ``make execute``.
"""

from __future__ import annotations

import argparse
import base64
import io
import sys
from pathlib import Path

import nbformat

WIDTH = 240


def pick_figure(nb: nbformat.NotebookNode) -> bytes | None:
    """PNG bytes of the tagged figure, or of the first figure; None when there is none."""
    figures = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "image/png" in data:
                png = base64.b64decode(data["image/png"])
                if "thumbnail" in cell.metadata.get("tags", []):
                    return png
                figures.append(png)
    return figures[0] if figures else None


def thumbnail(png: bytes, width: int = WIDTH) -> bytes:
    """The figure scaled to ``width`` pixels wide, as PNG bytes."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    height = max(1, round(image.height * width / image.width))
    out = io.BytesIO()
    image.resize((width, height), Image.LANCZOS).save(out, format="PNG", optimize=True)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=Path("docs/thumbnails"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    missing = 0
    for path in args.notebooks:
        png = pick_figure(nbformat.read(path, as_version=4))
        if png is None:
            print(f"{path}: no stored figure (run make execute first)", file=sys.stderr)
            missing += 1
            continue
        target = args.out / f"{path.name[:2]}.png"
        target.write_bytes(thumbnail(png))
        print(f"wrote {target}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
