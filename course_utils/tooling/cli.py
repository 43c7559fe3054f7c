"""The kit's two commands without make or bash (Windows): ``lab`` and ``test``.

    python -m course_utils.tooling.cli lab     # what `make lab` does
    python -m course_utils.tooling.cli test    # what `make test` does

Both run in the current interpreter: create and activate an environment with the kit
installed first (``python -m venv .venv``, then ``.venv\\Scripts\\activate`` on Windows,
then ``pip install -e .[dev]``; the README shows it). ``make test``, ``make unit`` and
``make notebooks`` call this module, so the pytest command line lives here only and
the two ways cannot drift apart.

- ``lab``: installs the course's JupyterLab settings into this environment (what
  ``make install`` does after pip) and starts JupyterLab on the notebooks
  (:mod:`course_utils.tooling.lab`: localhost and a token).
- ``test``: the unit tests and every notebook under nbval, ``-n 2 --dist loadscope``,
  the torch threads shared out among the workers. ``--only unit`` or ``--only notebooks``
  runs one half (``make unit``, ``make notebooks``).
"""

from __future__ import annotations

import argparse
import filecmp
import glob
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = [
    "NOTEBOOKS",
    "NOTEBOOKS_KO",
    "CELL_TIMEOUT",
    "WORKERS",
    "repo_root",
    "pytest_args",
    "test_env",
    "install_lab_settings",
    "main",
]

# The defaults of `make test` (the Makefile passes its NB, NB_KO, NB_CELL_TIMEOUT and
# PYTEST_WORKERS, whose defaults tests/test_cli.py holds equal to these)
NOTEBOOKS = ("notebooks/[0-9]*.ipynb",)
NOTEBOOKS_KO = ("notebooks/ko/02_*.ipynb",)  # one Korean notebook: a smoke run of the edition
CELL_TIMEOUT = 300
WORKERS = 2
LAB_SETTINGS = Path(__file__).with_name("lab_settings") / "course-kit.json"
ONLY = ("all", "unit", "notebooks")


def repo_root() -> Path:
    """The kit's folder (with ``tests/`` and ``notebooks/``): beside the package, else the
    current folder; a clear error when neither is a clone of the kit."""
    for folder in (Path(__file__).resolve().parents[2], Path.cwd()):
        if (folder / "notebooks").is_dir() and (folder / "tests").is_dir():
            return folder
    raise SystemExit(
        f"cli: no clone of the kit here ({Path.cwd()} has no notebooks/ and tests/ folders); "
        "run this from the folder you cloned the course into"
    )


def _expand(patterns: Sequence[str], root: Path) -> list[str]:
    """Glob patterns (as bash would expand them for make) relative to ``root``, sorted."""
    paths: list[str] = []
    for pattern in patterns:
        found = sorted(glob.glob(pattern, root_dir=root))
        if not found:
            raise SystemExit(f"cli: no notebook matches {pattern!r} in {root}")
        paths += [p.replace(os.sep, "/") for p in found]
    return paths


def pytest_args(
    notebooks: Sequence[str] = NOTEBOOKS,
    notebooks_ko: Sequence[str] = NOTEBOOKS_KO,
    *,
    workers: int = WORKERS,
    cell_timeout: int = CELL_TIMEOUT,
    only: str = "all",
    root: Path | None = None,
) -> list[str]:
    """The arguments after ``python -m pytest`` for ``make test`` (``only`` picks a half)."""
    if only not in ONLY:
        raise ValueError(f"only must be one of {', '.join(ONLY)}; got {only!r}")
    for name, value in (("workers", workers), ("cell_timeout", cell_timeout)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a whole number ≥ 1, got {value!r}")
    root = repo_root() if root is None else root
    args = ["-n", str(workers), "--dist", "loadscope"]
    if only in ("all", "unit"):
        args.append("tests")
    if only in ("all", "notebooks"):
        args += _expand(notebooks, root) + _expand(notebooks_ko, root)
        args += [
            "--nbval-lax",
            "--nbval-current-env",
            "--nbval-sanitize-with",
            "tests/sanitize.cfg",
            "--nbval-cell-timeout",
            str(cell_timeout),
        ]
    return args + ["--durations", "15"]


def test_env(
    workers: int = WORKERS, threads: int | None = None, base: dict | None = None
) -> dict[str, str]:
    """The environment of the test run: torch threads per worker = the cores shared out."""
    env = dict(os.environ if base is None else base)
    if threads is None:
        threads = max(1, (os.cpu_count() or 1) // workers)
    env["OMP_NUM_THREADS"] = env["MKL_NUM_THREADS"] = str(threads)
    return env


test_env.__test__ = False  # a helper named test_*, not a test for pytest to collect


def install_lab_settings(prefix: Path | None = None) -> Path:
    """Copy the course's JupyterLab defaults into ``prefix``'s lab settings (sys.prefix)."""
    target = Path(sys.prefix if prefix is None else prefix)
    target = target / "share" / "jupyter" / "lab" / "settings" / "overrides.d" / LAB_SETTINGS.name
    if not (target.is_file() and filecmp.cmp(LAB_SETTINGS, target, shallow=False)):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(LAB_SETTINGS, target)
    return target


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ 1, got {text!r}")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.tooling.cli", description=__doc__.splitlines()[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("lab", help="JupyterLab on the notebooks (make lab)")
    commands.add_parser("lab-settings", help="only install the lab settings (make install)")
    test = commands.add_parser("test", help="unit tests and notebooks under nbval (make test)")
    test.add_argument("--only", choices=ONLY, default="all", help="unit, notebooks or all")
    test.add_argument("--notebooks", nargs="+", default=list(NOTEBOOKS), metavar="PATTERN")
    test.add_argument("--notebooks-ko", nargs="*", default=list(NOTEBOOKS_KO), metavar="PATTERN")
    test.add_argument("--workers", type=_positive, default=WORKERS, help="pytest-xdist workers")
    test.add_argument("--threads", type=_positive, default=None, help="torch threads per worker")
    test.add_argument("--cell-timeout", type=_positive, default=CELL_TIMEOUT, metavar="SECONDS")
    test.add_argument("--print", action="store_true", help="print the pytest command, run nothing")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "lab-settings":
        print(f"lab settings: {install_lab_settings()}")
        return 0
    if args.command == "lab":
        from course_utils.tooling import lab

        install_lab_settings()
        return lab.main()
    root = repo_root()
    command = [sys.executable, "-m", "pytest"] + pytest_args(
        args.notebooks, args.notebooks_ko, workers=args.workers,
        cell_timeout=args.cell_timeout, only=args.only, root=root,
    )  # fmt: skip
    env = test_env(args.workers, args.threads)
    if args.print:
        print(f"OMP_NUM_THREADS={env['OMP_NUM_THREADS']} " + subprocess.list2cmdline(command))
        return 0
    return subprocess.call(command, cwd=root, env=env)


if __name__ == "__main__":
    sys.exit(main())
