"""Static checks of a stored notebook against the course's notebook standard.

Nothing is executed. ``python -m course_utils.tooling.hygiene notebooks/*.ipynb``
prints one line per problem; ``tests/test_notebook_hygiene.py`` runs the same checks.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from course_utils.tooling import colab

SLIDE_TYPES = {"slide", "subslide", "fragment", "-", "skip", "notes"}
MAX_BYTES = 3_000_000
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
NAME = re.compile(r"^\d\d_[a-z0-9_]+\.ipynb$")
# A deck is presented in one sitting: at most this many slides and subslides. Longer material
# is a deep dive: its cells carry this tag and slide_type 'skip' (RISE reads only the slide
# type; the static export also drops tagged cells), and the title cell's outline names it.
MAX_SLIDES = 40
DEEP_DIVE_TAG = "deep-dive"
DEEP_DIVE_OUTLINE = ("Deep dive", "심화")


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def check_notebook(path: Path) -> list[str]:
    """Every way ``path`` falls short of the standard, one message each (empty when clean)."""
    problems: list[str] = []
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [f"{path}: not valid JSON ({exc})"]
    if not NAME.match(path.name):
        problems.append(f"{path}: name must look like NN_topic_words.ipynb")
    cells = nb.get("cells", [])
    meta = nb.get("metadata", {})
    if meta.get("kernelspec", {}).get("name") != "python3":
        problems.append(f"{path}: kernelspec name is not python3")
    if "widgets" in meta:
        problems.append(f"{path}: stored widget state in notebook metadata")
    if not cells or cells[0].get("cell_type") != "markdown":
        problems.append(f"{path}: first cell is not a markdown title")
        return problems
    title = _source(cells[0])
    number = path.name[:2]
    if not re.search(rf"^#\s+{number}\b", title, re.MULTILINE):
        problems.append(f"{path}: title cell must start with '# {number} …'")
    for needed in ("Learning goals", "Prerequisites", "Run time"):
        if needed.lower() not in title.lower():
            problems.append(f"{path}: title cell lacks '{needed}'")
    if cells[0].get("metadata", {}).get("slideshow", {}).get("slide_type") != "slide":
        problems.append(f"{path}: the title cell must be a 'slide'")

    markdown = "\n".join(_source(c) for c in cells if c.get("cell_type") == "markdown")
    for section in ("Takeaways", "Exercises", "Glossary"):
        if not re.search(rf"^#+ .*{section}", markdown, re.MULTILINE):
            problems.append(f"{path}: no '{section}' section heading")
    code = [c for c in cells if c.get("cell_type") == "code"]
    if code and code[0].get("metadata", {}).get("slideshow", {}).get("slide_type") != "skip":
        # the imports are plumbing: on the title slide they push the title off the screen
        problems.append(f"{path}: the setup cell (first code cell) must be slide_type 'skip'")
    all_code = "\n".join(_source(c) for c in code)
    if "device_report(" not in all_code:
        problems.append(f"{path}: the setup cell must print device_report()")
    if "seed_everything(" not in all_code:
        problems.append(f"{path}: seeds must be set once with seed_everything()")
    if not re.search(r"\bcheck_\w+\(", all_code):
        problems.append(f"{path}: exercises need checkers from course_utils (check_…)")
    if "assert " not in all_code:
        problems.append(f"{path}: no assert: every lecture claim must be checked")
    if re.search(r"np\.random\.(seed|rand|randn|randint|choice|shuffle)\(", all_code):
        problems.append(f"{path}: uses NumPy's global random state; use np.random.default_rng")
    # the Colab setup cell (first code cell, exactly as course_utils.tooling.colab writes it)
    # is the one place that installs packages; any other install in a notebook is refused
    lang = "ko" if path.parent.name == "ko" else "en"
    relative = f"notebooks/{'ko/' if lang == 'ko' else ''}{path.name}"
    problems += colab.problems(path, relative, lang)
    others = "\n".join(_source(c) for c in code if not colab.is_bootstrap(c))
    if re.search(r"^\s*[!%]pip\b|\bpip\b[\"',\s]+install\b", others, re.MULTILINE):
        problems.append(
            f"{path}: 'pip install' in a notebook cell; only the Colab setup cell installs "
            "(python -m course_utils.tooling.colab writes it)"
        )

    problems += _deck_problems(path, cells)
    last = 0
    for i, cell in enumerate(cells):
        cmeta = cell.get("metadata", {})
        slide = cmeta.get("slideshow", {}).get("slide_type")
        if slide not in SLIDE_TYPES:
            problems.append(f"{path}: cell {i} has no slideshow.slide_type")
        if "execution" in cmeta or "ExecuteTime" in cmeta:
            problems.append(f"{path}: cell {i} stores execution timestamps")
        if cell.get("cell_type") != "code":
            continue
        count = cell.get("execution_count")
        tags = cmeta.get("tags", [])
        if count is None:
            if cell.get("outputs"):
                problems.append(f"{path}: cell {i} has outputs but no execution_count")
            else:
                problems.append(f"{path}: cell {i} was never executed")
            continue
        if count <= last:
            problems.append(f"{path}: cell {i} executed out of order ({count} after {last})")
        last = count
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error" and "raises-exception" not in tags:
                problems.append(f"{path}: cell {i} stores an error ({out.get('ename')})")
            if WIDGET_VIEW in out.get("data", {}):
                problems.append(f"{path}: cell {i} stores a widget view (run make execute)")
        if "raises-exception" in tags and not any(
            o.get("output_type") == "error" for o in cell.get("outputs", [])
        ):
            problems.append(f"{path}: cell {i} is tagged raises-exception but raised nothing")
    if last == 0 and code:
        problems.append(f"{path}: stored without outputs (never executed)")
    size = path.stat().st_size
    if size > MAX_BYTES:
        problems.append(f"{path}: {size / 1e6:.1f} MB stored; keep notebooks small")
    return problems


def _deck_problems(path: Path, cells: list[dict]) -> list[str]:
    """The deck's length and its deep dives (tagged, skipped on slides, named in the outline)."""
    problems = []
    deep = [
        i for i, c in enumerate(cells) if DEEP_DIVE_TAG in c.get("metadata", {}).get("tags", [])
    ]
    for i in deep:
        if cells[i].get("metadata", {}).get("slideshow", {}).get("slide_type") != "skip":
            problems.append(
                f"{path}: cell {i} is tagged '{DEEP_DIVE_TAG}' but its slide_type is not 'skip' "
                "(RISE shows it)"
            )
    if deep and not any(word in _source(cells[0]) for word in DEEP_DIVE_OUTLINE):
        problems.append(f"{path}: the title cell's outline does not name the deep dives")
    slides = sum(
        c.get("metadata", {}).get("slideshow", {}).get("slide_type") in ("slide", "subslide")
        for c in cells
    )
    if slides > MAX_SLIDES:
        problems.append(
            f"{path}: the deck has {slides} slides, at most {MAX_SLIDES}; "
            f"move self-study material into deep dives (tag '{DEEP_DIVE_TAG}', slide_type 'skip')"
        )
    return problems


def main(argv: list[str] | None = None) -> int:
    paths = [Path(p) for p in (argv if argv is not None else sys.argv[1:])]
    problems = [p for path in paths for p in check_notebook(path)]
    print("\n".join(problems) if problems else "notebooks: standard holds")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
