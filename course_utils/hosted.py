"""What the first code cell of every notebook does in Google Colab: complete the host's packages.

The cell (written by ``python -m course_utils.tooling.colab``) fetches the course code into
``./cnn-course-kit`` and puts that folder first on ``sys.path``, so ``course_utils`` and its
``checkpoints/`` are importable at once, without a kernel restart. Then it calls
:func:`install_missing`, which keeps every package the host already has (Colab's own torch,
torchvision and ipywidgets stay) and installs only the course's dependencies that are absent.

One host problem is repaired rather than installed: Colab ships three OpenCV packages
(``opencv-python``, ``-headless``, ``-contrib``) that all write the same ``cv2`` folder, and
when a non-contrib one was installed last ``cv2`` has no selective search (``ximgproc``,
notebooks 09 and 10). The contrib package is then reinstalled over it at its own version.

Standard library only: it runs before anything else of the course is importable.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import re
import subprocess
import sys
import tomllib
from pathlib import Path

__all__ = ["has_selective_search", "install_missing", "missing_requirements"]

OPENCV_CONTRIB = ("opencv-contrib-python", "opencv-contrib-python-headless")
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements(kit: Path) -> list[str]:
    """The ``[project] dependencies`` of the kit's ``pyproject.toml`` (requirement strings)."""
    path = Path(kit) / "pyproject.toml"
    if not path.is_file():
        raise FileNotFoundError(
            f"kit={str(kit)!r} has no pyproject.toml: expected the root folder of the course kit"
        )
    with path.open("rb") as handle:
        return list(tomllib.load(handle)["project"]["dependencies"])


def _installed(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def missing_requirements(kit: Path) -> list[str]:
    """The kit's requirements whose package is not installed at all (any version counts).

    The OpenCV requirement counts as present when any OpenCV package is installed: the host's
    ``cv2`` is checked (and repaired) by :func:`install_missing`, never replaced.
    """
    missing = []
    for requirement in requirements(kit):
        match = _NAME.match(requirement)
        if match is None:
            raise ValueError(f"cannot read the package name of requirement {requirement!r}")
        name = _canonical(match.group(1))
        if name.startswith("opencv-"):
            if not any(
                _installed(p) for p in (*OPENCV_CONTRIB, "opencv-python", "opencv-python-headless")
            ):
                missing.append(requirement)
            continue
        if _installed(name) is None:
            missing.append(requirement)
    return missing


def has_selective_search(cv2: object) -> bool:
    """Whether the ``cv2`` module has the contrib build's selective search.

    ``cv2.ximgproc`` alone does not tell: when a plain build overwrote a contrib one, the
    contrib's Python folder ``cv2/ximgproc`` stays behind, empty of the C++ functions.
    """
    return hasattr(getattr(cv2, "ximgproc", None), "segmentation")


SELECTIVE_SEARCH_PROBE = (
    "import sys, cv2; from course_utils.hosted import has_selective_search; "
    "sys.exit(0 if has_selective_search(cv2) else 1)"
)


def cv2_has_selective_search(python: str = sys.executable, kit: Path | None = None) -> bool:
    """Whether a fresh interpreter's ``cv2`` has selective search (checked out of process: a
    loaded ``cv2`` cannot be swapped inside this one). ``kit``: a folder to import from."""
    env = None
    if kit is not None:
        import os

        env = {**os.environ, "PYTHONPATH": str(kit)}
    probe = subprocess.run([python, "-c", SELECTIVE_SEARCH_PROBE], capture_output=True, env=env)
    return probe.returncode == 0


def _pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *args], check=True)


def install_missing(kit: Path) -> list[str]:
    """Install the kit's absent dependencies; repair ``cv2`` if it lacks ``ximgproc``.

    Returns what it did, one short line per step (empty when nothing was needed).
    """
    done = []
    missing = missing_requirements(Path(kit))
    if missing:
        _pip(*missing)
        done.append("installed " + ", ".join(_NAME.match(r).group(1) for r in missing))
    if not cv2_has_selective_search(kit=Path(kit)):
        contrib = next(((p, _installed(p)) for p in OPENCV_CONTRIB if _installed(p)), None)
        spec = f"{contrib[0]}=={contrib[1]}" if contrib else OPENCV_CONTRIB[1]
        # --no-deps: numpy stays the host's; the contrib files replace the other cv2 build's
        _pip("--no-deps", "--force-reinstall", spec)
        done.append(f"reinstalled {spec} (cv2 had no ximgproc)")
    importlib.invalidate_caches()
    return done
