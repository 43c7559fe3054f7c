"""make gpu-check: refuses without CUDA; reports asserts per notebook; never writes a notebook."""

import hashlib
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import torch

from course_utils.tooling import gpu_check
from course_utils.tooling.robust import Outcome

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = sorted((ROOT / "notebooks").glob("00_*.ipynb"))[0]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_refuses_in_one_line_without_cuda():
    before = _digest(NOTEBOOK)
    proc = subprocess.run(
        [sys.executable, "-m", "course_utils.tooling.gpu_check", str(NOTEBOOK)],
        capture_output=True, text=True, cwd=ROOT, check=False, timeout=120,
    )  # fmt: skip
    assert proc.returncode == gpu_check.NO_CUDA_EXIT == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("gpu-check: no CUDA device here (torch ")
    assert "NVIDIA GPU" in lines[0]
    assert _digest(NOTEBOOK) == before


def test_device_argument_is_checked(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert gpu_check.cuda_problem("cuda") is None
    assert gpu_check.cuda_problem("cuda:0") is None
    assert gpu_check.cuda_problem("cuda:1") == (
        "--device cuda:1: there are 1 CUDA device(s), indices 0..0"
    )
    assert (
        gpu_check.cuda_problem("cpu")
        == "--device must be cuda or cuda:N (N = GPU index), got 'cpu'"
    )


def _notebook(tmp_path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# title"),
        nbformat.v4.new_code_cell("x = 1\nassert x == 1\nassert x > 0"),
        nbformat.v4.new_code_cell("%matplotlib inline\nassert x < 2, 'small'"),
        nbformat.v4.new_markdown_cell("text"),
        nbformat.v4.new_code_cell("y = x + 1\nassert y == 3, 'y should be 3'"),
        nbformat.v4.new_code_cell("assert True"),
    ]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    return path


def test_count_asserts_per_code_cell(tmp_path):
    cells = gpu_check.count_asserts(_notebook(tmp_path))
    assert [(c.index, c.asserts) for c in cells] == [(1, 2), (2, 1), (4, 1), (5, 1)]


def test_describe_names_the_first_failing_assert(tmp_path):
    path = _notebook(tmp_path)
    ok = gpu_check.describe(path, Outcome("nb.ipynb", "cuda", True, 3.0))
    assert "ok" in ok and "4 code cells ran, all 5 asserts held" in ok
    failed = gpu_check.describe(
        path, Outcome("nb.ipynb", "cuda", False, 2.0, cell=4, error="AssertionError: y should be 3")
    )
    first, second = failed.splitlines()
    assert "FAILED" in first and "at cell 4 (1 assert(s) in it)" in first
    assert "2 of 4 code cells ran before it, 3 of 5 asserts held" in first
    assert second.strip() == "AssertionError: y should be 3"


def test_main_runs_each_notebook_on_cuda_and_writes_nothing(tmp_path, monkeypatch, capsys):
    """With a (pretended) GPU, main hands every notebook to robust's runner with COURSE_DEVICE."""
    path = _notebook(tmp_path)
    before = _digest(path)
    calls = []

    def fake_run(nb_path, perturbation, timeout, keep, extra_env=None):
        calls.append((nb_path, perturbation.kernels, perturbation.seed_offset, timeout, extra_env))
        return Outcome(nb_path.name, perturbation.name, False, 1.0, cell=4, error="AssertionError")

    monkeypatch.setattr(gpu_check, "cuda_problem", lambda device: None)
    monkeypatch.setattr(gpu_check, "_gpu_line", lambda device: "a GPU")
    monkeypatch.setattr(gpu_check, "run_notebook", fake_run)
    status = gpu_check.main(["--device", "cuda:0", "--timeout", "77", str(path)])
    out = capsys.readouterr().out
    assert status == 1
    assert calls == [(path, "native", 0, 77, {"COURSE_DEVICE": "cuda:0"})]
    assert "== gpu-check: a GPU" in out and "1 passed" not in out and "0 passed, 1 failed" in out
    assert _digest(path) == before


def test_makefile_target_calls_the_script():
    makefile = (ROOT / "Makefile").read_text()
    assert "gpu-check: $(STAMP)" in makefile
    assert "-m course_utils.tooling.gpu_check --timeout $(NB_CELL_TIMEOUT) $(NB)" in makefile
