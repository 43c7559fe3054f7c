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


# ------------------------------------------------------------------ mixed precision by capability


@pytest.fixture
def capability(monkeypatch):
    """Pretend the CUDA GPU has a given compute capability; is_bf16_supported must not be asked."""

    def set_capability(major, minor):
        monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: (major, minor))

    def refuse(*args, **kwargs):
        raise AssertionError("amp_dtype must not ask is_bf16_supported (it counts emulation)")

    monkeypatch.setattr(torch.cuda, "is_bf16_supported", refuse)
    return set_capability


@pytest.mark.parametrize(
    ("major", "minor", "expected"),
    [
        (6, 1, torch.float16),  # Pascal (GTX 10xx)
        (7, 0, torch.float16),  # V100
        (7, 5, torch.float16),  # T4, Colab's free GPU
        (8, 0, torch.bfloat16),  # A100
        (8, 6, torch.bfloat16),  # RTX 30xx
        (9, 0, torch.bfloat16),  # H100
    ],
)
def test_amp_dtype_follows_native_support(capability, major, minor, expected):
    capability(major, minor)
    assert dev.amp_dtype("cuda") == expected
    assert dev.amp_dtype(torch.device("cuda", 0)) == expected


def test_amp_dtype_on_mps_and_cpu():
    assert dev.amp_dtype("mps") == torch.float16
    assert dev.amp_dtype("cpu") is None


def test_needs_grad_scaler_only_for_float16():
    assert dev.needs_grad_scaler(torch.float16)
    assert not dev.needs_grad_scaler(torch.bfloat16)
    assert not dev.needs_grad_scaler(None)
    with pytest.raises(TypeError, match=r"dtype must be a torch.dtype or None, got 'float16'"):
        dev.needs_grad_scaler("float16")
