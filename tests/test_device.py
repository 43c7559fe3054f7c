import pytest
import torch

from course_utils import device as dev


def test_default_is_cpu_here(monkeypatch):
    monkeypatch.delenv("COURSE_DEVICE", raising=False)
    expected = "cuda" if torch.cuda.is_available() else ("mps" if dev._mps_available() else "cpu")
    assert dev.get_device().type == expected


def test_override_cpu(monkeypatch):
    monkeypatch.setenv("COURSE_DEVICE", "CPU")
    assert dev.get_device() == torch.device("cpu")


def test_unknown_device_name_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("COURSE_DEVICE", "tpu7")
    with pytest.raises(ValueError, match=r"COURSE_DEVICE='tpu7'.*use cpu, cuda"):
        dev.get_device()


def test_unsupported_device_type(monkeypatch):
    monkeypatch.setenv("COURSE_DEVICE", "xpu")
    with pytest.raises(ValueError, match="not supported by this course"):
        dev.get_device()


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_absent_cuda_names_the_problem(monkeypatch):
    monkeypatch.setenv("COURSE_DEVICE", "cuda")
    with pytest.raises(RuntimeError, match=r"asks for a CUDA GPU, but torch sees none.*Unset"):
        dev.get_device()


@pytest.mark.skipif(dev._mps_available(), reason="needs a machine without MPS")
def test_absent_mps_names_the_problem():
    with pytest.raises(RuntimeError, match="MPS backend, which is not available"):
        dev.get_device("mps")


def test_device_report_is_one_line():
    line = dev.device_report("cpu")
    assert "\n" not in line
    assert line.startswith("cpu:") and f"torch {torch.__version__}" in line
    assert f"{torch.get_num_threads()} CPU threads" in line


def test_autocast_is_noop_on_cpu():
    assert dev.amp_dtype("cpu") is None
    with dev.autocast("cpu"):
        y = torch.ones(3, 3) @ torch.ones(3, 3)
    assert y.dtype == torch.float32


def test_memory_and_sync_and_workers():
    stats = dev.memory_stats("cpu")
    assert stats["process_rss_mib"] > 10
    dev.synchronize("cpu")
    dev.reset_peak_memory("cpu")
    assert 0 <= dev.num_workers() <= 4
    assert dev.num_workers(0) == 0
    with pytest.raises(ValueError):
        dev.num_workers(-1)
