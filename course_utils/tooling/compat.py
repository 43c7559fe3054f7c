"""``make test-compat``: the kit on a Colab-like Python 3.12, from nothing.

1. **Python 3.12**: ``$COMPAT_PYTHON``, else the newest ``$(pyenv root)/versions/3.12.*``,
   else ``python3.12`` on ``PATH``; none of them: exit status 1, saying how to get one.
2. **Colab's stack** in a new venv (``build/compat/venv``, made afresh each run and removed
   after a run that passed: with PyPI's CUDA build of torch it takes about 6 GB):
   ``tests/compat/colab-packages.txt`` (torch 2.11, torchvision 0.26, ipywidgets 7.7.1, …),
   then Colab's three OpenCV packages one at a time (``colab-opencv.txt``), no
   ``constraints.txt``; pytest and nbval to run the notebooks.
3. **The setup cell, as in Colab**: notebook 00, copied alone into an empty folder, runs top
   to bottom under nbval in that venv (no kit installed) with ``COURSE_KIT_SOURCE`` pointing
   at a bare copy of this clone's ``HEAD`` and ``COURSE_KIT_REF`` at a tag made there: the
   first cell clones it, makes ``course_utils`` importable and installs what is missing.
   Checked after it: the kit's clone is there, torchmetrics is installed, ``cv2`` has
   ``ximgproc``, and torch, torchvision and ipywidgets are still Colab's.
4. **As a student installs it**: ``pip install -e .`` without the pins (the README's way on
   Python 3.12), the host's torch, torchvision and ipywidgets again unchanged, then the
   notebooks (default 00, 02, 08, 12 and the Korean 02) under nbval, as ``make test`` runs
   them.

The setup cell tests what is committed (it clones ``HEAD``): uncommitted changes are named.
Prints each step's time and the versions it ran; exit status 1 when a step fails.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from course_utils.hosted import cv2_has_selective_search
from course_utils.tooling.cli import pytest_args, repo_root, test_env

COMPAT = Path("tests/compat")
NOTEBOOKS = [
    "notebooks/00_*.ipynb",
    "notebooks/02_*.ipynb",
    "notebooks/08_*.ipynb",
    "notebooks/12_*.ipynb",
]
NOTEBOOKS_KO = ["notebooks/ko/02_*.ipynb"]
# must stay the host's through the setup cell and the student's install
HOST_PACKAGES = ("torch", "torchvision", "ipywidgets")
REPORTED = (
    *HOST_PACKAGES,
    "numpy",
    "ipython",
    "ipykernel",
    "opencv-contrib-python",
    "opencv-python",
    "torchmetrics",
    "pycocotools",
    "course-utils",
)
TEST_TOOLS = ("pytest", "pytest-xdist", "nbval")


class CompatError(RuntimeError):
    """A step of the lane failed; the message says which and why."""


def find_python312() -> Path:
    """A Python 3.12 interpreter, by the rules in the module docstring."""
    candidates = []
    if os.environ.get("COMPAT_PYTHON"):
        candidates.append(Path(os.environ["COMPAT_PYTHON"]))
    try:
        pyenv = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=True)
        found = glob.glob(os.path.join(pyenv.stdout.strip(), "versions", "3.12.*", "bin", "python"))
        candidates += [Path(p) for p in sorted(found, key=_version_key, reverse=True)]
    except (OSError, subprocess.CalledProcessError):
        pass
    if shutil.which("python3.12"):
        candidates.append(Path(shutil.which("python3.12")))
    for path in candidates:
        probe = (
            subprocess.run(
                [str(path), "-c", "import sys; print(sys.version_info[:2] == (3, 12))"],
                capture_output=True,
                text=True,
            )
            if path.is_file()
            else None
        )
        if probe is not None and probe.stdout.strip() == "True":
            return path
    raise CompatError(
        "no Python 3.12 found (tried $COMPAT_PYTHON, $(pyenv root)/versions/3.12.*, python3.12 "
        "on PATH). Install one, e.g. `pyenv install 3.12` or your system's python3.12 package, "
        "or set COMPAT_PYTHON=/path/to/python3.12"
    )


def _version_key(path: str) -> tuple[int, ...]:
    version = Path(path).parents[1].name
    return tuple(int(p) if p.isdigit() else -1 for p in version.split("."))


def _run(cmd: list[str], what: str, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, **kwargs)
    if result.returncode != 0:
        raise CompatError(f"{what} failed (exit {result.returncode}): {' '.join(cmd)}")
    return result


def _pip(python: Path, *args: str, what: str) -> None:
    _run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args], what
    )


def versions(python: Path, names: tuple[str, ...] = REPORTED) -> dict[str, str | None]:
    """Installed versions in the venv of ``python`` (None: not installed)."""
    code = (
        "import importlib.metadata as m, json, sys\n"
        "def v(n):\n"
        "    try: return m.version(n)\n"
        "    except m.PackageNotFoundError: return None\n"
        "print(json.dumps({n: v(n) for n in sys.argv[1:]}))"
    )
    out = _run(  # from / : the clone's course_utils.egg-info must not count as installed
        [str(python), "-c", code, *names],
        "reading versions",
        capture_output=True,
        text=True,
        cwd="/",
    ).stdout
    return json.loads(out)


def build_venv(base: Path, venv: Path, root: Path) -> Path:
    """A new venv at ``venv`` with Colab's packages; returns its python."""
    if venv.exists():
        shutil.rmtree(venv)
    _run([str(base), "-m", "venv", str(venv)], "creating the venv")
    python = venv / "bin" / "python"
    _pip(python, "-r", str(root / COMPAT / "colab-packages.txt"), what="Colab's packages")
    for line in (root / COMPAT / "colab-opencv.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            _pip(python, line.strip(), what=f"Colab's {line.strip()}")
    _pip(python, *TEST_TOOLS, what="the test tools")
    return python


def _nbval(python: Path, notebooks: list[str], cwd: Path, env: dict, cell_timeout: int) -> None:
    args = [
        "--nbval-lax",
        "--nbval-current-env",
        "--nbval-cell-timeout",
        str(cell_timeout),
        "-p",
        "no:cacheprovider",
        *notebooks,
    ]
    _run(
        [str(python), "-m", "pytest", "-q", *args],
        f"nbval on {', '.join(notebooks)}",
        cwd=cwd,
        env=env,
    )


def _unchanged(before: dict, after: dict, step: str) -> None:
    moved = {n: (before[n], after[n]) for n in HOST_PACKAGES if before[n] != after[n]}
    if moved:
        raise CompatError(f"{step} replaced the host's packages: {moved}")


def setup_cell_run(python: Path, root: Path, work: Path, cell_timeout: int) -> dict:
    """Notebook 00 alone in ``work``, its first cell cloning the kit from a bare copy of HEAD."""
    bare = work / "kit.git"
    _run(["git", "clone", "--quiet", "--bare", str(root), str(bare)], "copying the clone")
    _run(["git", "-C", str(bare), "tag", "compat-test", "HEAD"], "tagging HEAD")
    folder = work / "student"
    folder.mkdir()
    notebook = sorted(glob.glob(str(root / "notebooks" / "00_*.ipynb")))[0]
    shutil.copy(notebook, folder)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "COURSE_CHECKPOINTS")}
    env.update(COURSE_KIT_SOURCE=f"file://{bare}", COURSE_KIT_REF="compat-test")
    before = versions(python)
    cv2_before = cv2_has_selective_search(str(python), kit=root)
    _nbval(python, [Path(notebook).name], folder, env, cell_timeout)
    after = versions(python)
    if not (folder / "cnn-course-kit" / "course_utils").is_dir():
        raise CompatError("the setup cell ran but left no cnn-course-kit/course_utils")
    if after["torchmetrics"] is None:
        raise CompatError("the setup cell did not install torchmetrics, which Colab lacks")
    if not cv2_has_selective_search(str(python), kit=root):
        raise CompatError("after the setup cell cv2 still has no selective search (ximgproc)")
    changed = {n: (before[n], after[n]) for n in after if before[n] != after[n]}
    repaired = "" if cv2_before else "; cv2 had no selective search and was repaired"
    print(f"test-compat: the setup cell installed {changed}{repaired}", flush=True)
    _unchanged(before, after, "the setup cell")
    return after


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cell-timeout", type=int, default=300, metavar="SECONDS")
    parser.add_argument("--notebooks", nargs="*", default=NOTEBOOKS)
    parser.add_argument("--notebooks-ko", nargs="*", default=NOTEBOOKS_KO)
    args = parser.parse_args(argv)
    root = repo_root()
    dirty = subprocess.run(
        ["git", "-C", str(root), "status", "--porcelain"], capture_output=True, text=True
    ).stdout
    if dirty.strip():
        print(
            "test-compat: the setup cell clones HEAD; uncommitted changes are not in it:\n" + dirty,
            flush=True,
        )
    times = {}
    try:
        start = time.monotonic()
        base = find_python312()
        python = build_venv(base, root / "build" / "compat" / "venv", root)
        host = versions(python)
        times["Colab's packages into a Python 3.12 venv"] = time.monotonic() - start
        print(f"test-compat: {base} → {python}; Colab's stack: {host}", flush=True)

        start = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="course-compat-") as tmp:
            after = setup_cell_run(python, root, Path(tmp), args.cell_timeout)
        times["notebook 00 through its setup cell"] = time.monotonic() - start
        print(f"test-compat: the setup cell left {after}", flush=True)

        start = time.monotonic()
        _pip(python, "-e", str(root), what="pip install -e . (no constraints)")
        installed = versions(python)
        _unchanged(host, installed, "pip install -e .")
        env = test_env(workers=2)
        env.pop("COURSE_KIT_SOURCE", None)
        nbargs = pytest_args(
            args.notebooks,
            args.notebooks_ko,
            workers=2,
            cell_timeout=args.cell_timeout,
            only="notebooks",
            root=root,
        )
        _run(
            [str(python), "-m", "pytest", "-p", "no:cacheprovider", *nbargs],
            "the notebooks under nbval",
            cwd=root,
            env=env,
        )
        times["pip install -e . and the notebooks under nbval"] = time.monotonic() - start
    except CompatError as exc:
        print(f"test-compat FAILED: {exc}", file=sys.stderr)
        return 1
    # PyPI's torch 2.11 is the CUDA build: the venv takes about 6 GB; it is rebuilt every run
    shutil.rmtree(root / "build" / "compat" / "venv", ignore_errors=True)
    for step, seconds in times.items():
        print(f"test-compat: {step}: {seconds / 60:.1f} min")
    print(f"test-compat: passed with Python 3.12 and {installed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
