"""The make-free entry (course_utils.tooling.cli) runs what make lab / make test run."""

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from course_utils.tooling import cli

ROOT = Path(__file__).resolve().parents[1]


def _make_dry_run(target: str) -> list[str]:
    """The arguments after `cli test` in what `make -n TARGET` runs (install taken as done)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed here")
    proc = subprocess.run(
        ["make", "-n", "-o", ".venv/.course-installed", target],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    lines = [ln for ln in proc.stdout.splitlines() if "course_utils.tooling.cli" in ln]
    assert len(lines) == 1, f"make {target} should run the cli, once:\n{proc.stdout}"
    before, _, after = lines[0].partition(" -m course_utils.tooling.cli test")
    assert after and shlex.split(before)[-1].endswith("python"), lines[0]
    assert "pytest" not in before, "make must not add pytest arguments of its own"
    return shlex.split(after)


@pytest.mark.parametrize(
    ("target", "only"), [("test", "all"), ("unit", "unit"), ("notebooks", "notebooks")]
)
def test_make_targets_run_the_same_pytest_as_the_cli_defaults(target, only):
    """`python -m course_utils.tooling.cli test` (no make) == what `make test` runs."""
    args = cli._parser().parse_args(["test", *_make_dry_run(target)])
    from_make = cli.pytest_args(
        args.notebooks, args.notebooks_ko, workers=args.workers,
        cell_timeout=args.cell_timeout, only=args.only, root=ROOT,
    )  # fmt: skip
    assert args.only == only
    assert args.threads is None, "make leaves the threads to the cli's default"
    assert from_make == cli.pytest_args(only=only, root=ROOT)


def test_pytest_arguments_are_those_of_the_course():
    args = cli.pytest_args(root=ROOT)
    assert args[:5] == ["-n", "2", "--dist", "loadscope", "tests"]
    notebooks = [a for a in args if a.endswith(".ipynb")]
    english = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9]*.ipynb"))
    assert [Path(n).name for n in notebooks[:-1]] == english
    assert notebooks[-1].startswith("notebooks/ko/02_")
    for flag in ("--nbval-lax", "--nbval-current-env", "--nbval-cell-timeout"):
        assert flag in args
    assert args[args.index("--nbval-sanitize-with") + 1] == "tests/sanitize.cfg"
    assert "tests" not in cli.pytest_args(only="notebooks", root=ROOT)
    assert not any(a.startswith("--nbval") for a in cli.pytest_args(only="unit", root=ROOT))


def test_threads_are_the_cores_shared_out(monkeypatch):
    monkeypatch.setattr(cli.os, "cpu_count", lambda: 8)
    assert cli.test_env(2, base={})["OMP_NUM_THREADS"] == "4"
    assert cli.test_env(16, base={})["MKL_NUM_THREADS"] == "1"
    assert cli.test_env(2, threads=3, base={"A": "b"}) == {
        "A": "b",
        "OMP_NUM_THREADS": "3",
        "MKL_NUM_THREADS": "3",
    }


def test_bad_input_is_named():
    with pytest.raises(ValueError, match=r"workers must be a whole number ≥ 1, got 0"):
        cli.pytest_args(workers=0, root=ROOT)
    with pytest.raises(ValueError, match=r"only must be one of all, unit, notebooks; got 'some'"):
        cli.pytest_args(only="some", root=ROOT)
    with pytest.raises(SystemExit, match=r"no notebook matches 'notebooks/99_\*\.ipynb'"):
        cli.pytest_args(["notebooks/99_*.ipynb"], root=ROOT)


def test_print_runs_nothing_and_shows_the_command():
    proc = subprocess.run(
        [sys.executable, "-m", "course_utils.tooling.cli", "test", "--only", "unit", "--print"],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "-m pytest -n 2 --dist loadscope tests --durations 15" in proc.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "course_utils.tooling.cli", "test", "--workers", "0", "--print"],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert bad.returncode == 2 and "expected a whole number ≥ 1, got '0'" in bad.stderr


def test_lab_settings_are_installed_once(tmp_path):
    target = cli.install_lab_settings(tmp_path)
    assert target == tmp_path / "share/jupyter/lab/settings/overrides.d/course-kit.json"
    assert json.loads(target.read_text()) == json.loads(cli.LAB_SETTINGS.read_text())
    stamp = target.stat().st_mtime_ns
    cli.install_lab_settings(tmp_path)
    assert target.stat().st_mtime_ns == stamp, "an unchanged file is not rewritten"
    target.write_text("{}")
    cli.install_lab_settings(tmp_path)
    assert json.loads(target.read_text()) == json.loads(cli.LAB_SETTINGS.read_text())


def test_lab_installs_the_settings_then_starts_the_lab(monkeypatch):
    from course_utils.tooling import lab

    calls = []
    monkeypatch.setattr(cli, "install_lab_settings", lambda prefix=None: calls.append("settings"))
    monkeypatch.setattr(lab, "main", lambda: calls.append("lab") or 0)
    assert cli.main(["lab"]) == 0
    assert calls == ["settings", "lab"]
    makefile = (ROOT / "Makefile").read_text()
    assert "\t$(BIN)/python -m course_utils.tooling.cli lab\n" in makefile
    assert "\t$(BIN)/python -m course_utils.tooling.cli lab-settings\n" in makefile
