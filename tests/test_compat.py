"""make test-compat's pieces that can be checked without building its venv (CI runs the lane)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from course_utils.tooling import compat

ROOT = Path(__file__).resolve().parents[1]


def test_without_python_3_12_the_lane_says_how_to_get_one(monkeypatch, tmp_path):
    monkeypatch.setenv("COMPAT_PYTHON", str(tmp_path / "no-python-here"))
    monkeypatch.setenv("PATH", str(tmp_path))  # no pyenv, no python3.12
    with pytest.raises(compat.CompatError, match=r"no Python 3\.12 found.*pyenv install 3\.12"):
        compat.find_python312()


def test_a_python_of_another_version_is_not_taken_for_3_12(monkeypatch, tmp_path):
    monkeypatch.setenv("COMPAT_PYTHON", sys.executable)  # this interpreter: 3.11 under make test
    monkeypatch.setenv("PATH", str(tmp_path))
    if sys.version_info[:2] == (3, 12):
        assert compat.find_python312() == Path(sys.executable)
    else:
        with pytest.raises(compat.CompatError):
            compat.find_python312()


def test_the_lane_installs_colabs_versions_and_runs_the_promised_notebooks():
    pins = (ROOT / "tests" / "compat" / "colab-packages.txt").read_text()
    for pin in ("torch==2.11.0", "torchvision==0.26.0", "ipywidgets==7.7.1"):
        assert pin in pins.splitlines(), pin
    opencv = [
        line
        for line in (ROOT / "tests" / "compat" / "colab-opencv.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert len(opencv) == 3, opencv
    for number in ("00", "02", "08", "12"):
        assert f"notebooks/{number}_*.ipynb" in compat.NOTEBOOKS
    assert compat.NOTEBOOKS_KO  # and one Korean notebook
