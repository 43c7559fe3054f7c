"""The "Open in Colab" link and the guarded first code cell of every notebook.

Both are generated from one place, so they are the same in all 26 notebooks:

* the **link** is the title cell's last line; it opens that notebook (English or Korean)
  in Colab from the repository named in ``pyproject.toml`` (``[project.urls] Repository``)
  at the tag ``v<version>``, the same tag the cell below fetches the code from;
* the **setup cell** (:func:`bootstrap_source`) is the first code cell, skipped on slides.
  Outside Colab it prints one line and does nothing else. In Colab (or wherever
  ``COURSE_KIT_SOURCE`` is set) it clones the kit at that tag (``COURSE_KIT_REF`` overrides)
  into ``./cnn-course-kit``, puts it first on ``sys.path`` and calls
  :func:`course_utils.hosted.install_missing`. ``make test-compat`` points it at a local clone.

``python -m course_utils.tooling.colab`` writes both into the English notebooks (``--check``:
only list what differs); ``make translate`` carries them into the Korean edition in Korean.
The hygiene check accepts exactly this cell and refuses any other ``pip install``.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

import nbformat

from course_utils._io import atomic_write_bytes

ROOT = Path(__file__).resolve().parents[2]
BOOTSTRAP_ID = "colab-setup"
COLAB = "https://colab.research.google.com/github/"
LINK_TEXT = {"en": "Open in Colab", "ko": "Colab에서 열기"}
_LINK_LINE = re.compile(
    r"\n*\[(?:"
    + "|".join(map(re.escape, LINK_TEXT.values()))
    + r")\]\("
    + re.escape(COLAB)
    + r"[^)\s]+\)\s*\Z"
)

_COMMENT = {
    "en": "# Google Colab: fetch the course code and install only what Colab lacks "
    "(elsewhere this cell does nothing)",
    "ko": "# Google Colab: 강의 코드를 받아 오고 Colab에 없는 패키지만 설치한다 "
    "(다른 곳에서는 아무것도 하지 않는다)",
}
_ELSEWHERE = {
    "en": "Not in Colab: the course code is the one installed on this machine.",
    "ko": "Colab이 아니다: 강의 코드는 이 컴퓨터에 설치된 것을 쓴다.",
}
_FETCHED = {"en": "course code", "ko": "강의 코드"}


def _project() -> dict:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)["project"]


def repository() -> str:
    """``owner/name`` of the GitHub repository in ``[project.urls] Repository``."""
    url = _project()["urls"]["Repository"]
    match = re.fullmatch(r"https://github\.com/([\w.-]+/[\w.-]+?)(?:\.git)?/?", url)
    if match is None:
        raise ValueError(
            f"pyproject.toml [project.urls] Repository = {url!r}: expected "
            "'https://github.com/<owner>/<name>' (Colab opens notebooks from GitHub)"
        )
    return match.group(1)


def release_ref() -> str:
    """The tag the link and the setup cell use: ``v`` + the kit's version."""
    return "v" + _project()["version"]


def link_line(relative: str, lang: str) -> str:
    """The title cell's last line for the notebook at ``relative`` (e.g. ``notebooks/00_….ipynb``)."""
    return f"[{LINK_TEXT[lang]}]({COLAB}{repository()}/blob/{release_ref()}/{relative})"


def strip_link(markdown: str) -> str:
    """``markdown`` without a trailing Colab link line (what the Korean catalogue translates)."""
    return _LINK_LINE.sub("", markdown)


def with_link(markdown: str, relative: str, lang: str) -> str:
    return strip_link(markdown).rstrip("\n") + "\n\n" + link_line(relative, lang)


def bootstrap_source(lang: str = "en") -> str:
    """The first code cell of every notebook, in the edition's language."""
    return f'''{_COMMENT[lang]}
import os
import sys

KIT_SOURCE = os.environ.get("COURSE_KIT_SOURCE", "https://github.com/{repository()}")
KIT_REF = os.environ.get("COURSE_KIT_REF", "{release_ref()}")
if "google.colab" in sys.modules or "COURSE_KIT_SOURCE" in os.environ:
    import subprocess

    kit = os.path.abspath("cnn-course-kit")
    if not os.path.isdir(kit):
        clone = ["git", "clone", "--quiet", "--depth", "1", "--branch", KIT_REF, KIT_SOURCE, kit]
        subprocess.run(clone, check=True)
    if kit not in sys.path:
        sys.path.insert(0, kit)
    from course_utils.hosted import install_missing

    print(f"{_FETCHED[lang]} {{KIT_REF}}: {{kit}}", *install_missing(kit), sep="; ")
else:
    print("{_ELSEWHERE[lang]}")'''


def bootstrap_output(lang: str = "en") -> str:
    """What the setup cell prints outside Colab (stored as its output)."""
    return _ELSEWHERE[lang] + "\n"


def bootstrap_cell(lang: str = "en") -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(bootstrap_source(lang))
    cell["id"] = BOOTSTRAP_ID
    cell.metadata["slideshow"] = {"slide_type": "skip"}
    cell.execution_count = 1
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=bootstrap_output(lang))]
    return cell


def _shift_counts(cells: list, by: int) -> None:
    for cell in cells:
        if cell.get("cell_type") == "code" and cell.get("execution_count") is not None:
            cell["execution_count"] += by
            for output in cell.get("outputs", []):
                if output.get("execution_count") is not None:
                    output["execution_count"] += by


def apply(nb: nbformat.NotebookNode, relative: str, lang: str) -> nbformat.NotebookNode:
    """``nb`` with the link in its title cell and the setup cell first among its code cells."""
    title = nb.cells[0]
    title.source = with_link(title.source, relative, lang)
    first = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    cell = bootstrap_cell(lang)
    if nb.cells[first].get("id") == BOOTSTRAP_ID:
        nb.cells[first] = cell
    else:
        _shift_counts(nb.cells[first:], 1)
        nb.cells.insert(first, cell)
    return nb


def problems(path: Path, relative: str, lang: str) -> list[str]:
    """How the stored notebook at ``path`` differs from :func:`apply` (empty when it does not)."""
    nb = nbformat.read(path, as_version=4)
    found = []
    expected = link_line(relative, lang)
    if not nb.cells or not nb.cells[0].source.rstrip().endswith(expected):
        found.append(f"{path}: the title cell does not end with the Colab link {expected}")
    code = [c for c in nb.cells if c.cell_type == "code"]
    if not code or code[0].get("id") != BOOTSTRAP_ID or code[0].source != bootstrap_source(lang):
        found.append(
            f"{path}: the first code cell is not the Colab setup cell "
            "(python -m course_utils.tooling.colab writes it)"
        )
    return found


def is_bootstrap(cell: dict) -> bool:
    """Whether ``cell`` is exactly the setup cell, in either language."""
    src = cell.get("source", "")
    src = "".join(src) if isinstance(src, list) else src
    return cell.get("id") == BOOTSTRAP_ID and src in {bootstrap_source(k) for k in LINK_TEXT}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="list differences, write nothing")
    args = parser.parse_args(argv)
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if args.check:
        found = [p for nb in notebooks for p in problems(nb, f"notebooks/{nb.name}", "en")]
        print("\n".join(found) if found else "Colab link and setup cell: all notebooks agree")
        return 1 if found else 0
    for path in notebooks:
        nb = apply(nbformat.read(path, as_version=4), f"notebooks/{path.name}", "en")
        text = nbformat.writes(nb)
        if text != path.read_text(encoding="utf-8"):
            atomic_write_bytes(path, text.encode("utf-8"))
            print(f"wrote {path.relative_to(ROOT)}")
    print("then: make translate (the Korean edition)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
