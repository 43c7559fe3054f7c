"""The GPU utilities: pick a device, describe it, synchronise it, use mixed precision.

Every notebook starts with::

    from course_utils.device import get_device, device_report
    device = get_device()
    print(device_report(device))

The choice is CUDA, then Apple MPS, then the CPU. Set the environment variable
``COURSE_DEVICE`` (``cpu``, ``cuda``, ``cuda:1``, ``mps``) to force one.

Mixed precision uses only what the hardware computes natively (:func:`amp_dtype`):
bfloat16 on CUDA GPUs of compute capability 8.0 and later (Ampere, Ada, Hopper, …),
float16 with a gradient scaler below 8.0 (T4, V100: no native bfloat16, and cuDNN has
no bfloat16 convolutions there), float16 on Apple MPS, none on the CPU.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator

import torch

__all__ = [
    "get_device",
    "device_report",
    "synchronize",
    "autocast",
    "amp_dtype",
    "needs_grad_scaler",
    "memory_stats",
    "reset_peak_memory",
    "num_workers",
    "has_gpu",
    "idle_cpu_cores",
]

_VALID = "cpu, cuda, cuda:N (N = GPU index) or mps"


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def has_gpu() -> bool:
    """True when a CUDA or MPS device is usable."""
    return torch.cuda.is_available() or _mps_available()


def get_device(prefer: str | None = None) -> torch.device:
    """Return the best device: ``prefer`` or ``$COURSE_DEVICE`` if given, else CUDA → MPS → CPU.

    A requested device that is not there raises ``RuntimeError`` saying what is
    available, instead of failing later deep inside torch.

    Apple MPS stays ahead of the CPU by default. Whether it wins for models this small
    depends on the chip and the torch version, and the measurements disagree: on an M4 Max
    with torch 2.14, a small MLP (batch 128) trained 1.27× faster on MPS than on the CPU,
    with per-kernel dispatch latency, not arithmetic, limiting MPS
    (https://github.com/scverse/scvi-tools/pull/3981); on an M1 with libtorch 2.0 a 4-layer
    network at batch 1 ran 1.1× slower on MPS (https://github.com/LaurentMazare/tch-rs/issues/676).
    The newer measurement, on the torch this course pins, decides the default; set
    ``COURSE_DEVICE=cpu`` to compare on your own Mac.

    >>> get_device("cpu")
    device(type='cpu')
    """
    requested = prefer if prefer is not None else os.environ.get("COURSE_DEVICE", "").strip()
    if not requested:
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")

    source = "get_device(prefer=...)" if prefer is not None else "COURSE_DEVICE"
    try:
        device = torch.device(requested.lower())
    except RuntimeError:
        raise ValueError(f"{source}={requested!r} is not a device name; use {_VALID}") from None
    if device.type == "cpu":
        return device
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError(
                f"{source}={requested!r} asks for a CUDA GPU, but torch sees none "
                f"(torch {torch.__version__}, CUDA build: {torch.version.cuda or 'no'}). "
                f"Unset {source} to use the CPU, or install a CUDA build of torch on a GPU machine."
            )
        count = torch.cuda.device_count()
        if device.index is not None and device.index >= count:
            raise RuntimeError(
                f"{source}={requested!r}: there are {count} CUDA device(s), indices 0..{count - 1}"
            )
        return device
    if device.type == "mps":
        if not _mps_available():
            raise RuntimeError(
                f"{source}={requested!r} asks for Apple's MPS backend, which is not available "
                "here (it needs an Apple-silicon Mac and a torch built with MPS). "
                f"Unset {source} to use the CPU."
            )
        return device
    raise ValueError(f"{source}={requested!r} is not supported by this course; use {_VALID}")


def _as_device(device: torch.device | str | None) -> torch.device:
    return get_device() if device is None else torch.device(device)


def device_report(device: torch.device | str | None = None) -> str:
    """One line: device name, memory, torch version, CPU threads.

    >>> device_report("cpu").startswith("cpu:")
    True
    """
    device = _as_device(device)
    threads = torch.get_num_threads()
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        props = torch.cuda.get_device_properties(index)
        what = f"cuda:{index}: {props.name}, {props.total_memory / 2**30:.1f} GiB"
    elif device.type == "mps":
        what = "mps: Apple GPU (unified memory)"
    else:
        total = _system_memory_gib()
        mem = f", {total:.1f} GiB RAM" if total else ""
        what = f"cpu: {os.cpu_count()} logical cores{mem}"
    return f"{what} | torch {torch.__version__} | {threads} CPU threads"


def _system_memory_gib() -> float | None:
    try:
        pages = os.sysconf("SC_PHYS_PAGES")
        page_size = os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
    return pages * page_size / 2**30


def synchronize(device: torch.device | str | None = None) -> None:
    """Wait until the device has finished its queued work (needed before reading a timer).

    GPU kernels run asynchronously; without this a timer measures only the launch.
    On the CPU it does nothing.
    """
    device = _as_device(device)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


# bfloat16 is native from compute capability 8.0 (Ampere): tensor cores and cuDNN convolution
# engines for it. Below, torch.cuda.is_bf16_supported() still says True by default
# (including_emulation=True), but the work is emulated or has no convolution engine.
_CUDA_NATIVE_BF16 = (8, 0)


def amp_dtype(device: torch.device | str | None = None) -> torch.dtype | None:
    """The mixed-precision dtype ``device`` computes natively; None where AMP does not help.

    - CUDA, compute capability ≥ 8.0 (A100, RTX 30xx/40xx, H100): ``torch.bfloat16`` (the
      float32 exponent range: no gradient scaler needed).
    - CUDA below 8.0 (T4 — Colab's free GPU —, V100, RTX 20xx): ``torch.float16``, which
      needs a ``GradScaler`` against underflowing gradients (:func:`course_utils.train.fit`
      uses one whenever this returns float16).
    - MPS: ``torch.float16``. Every Apple GPU computes half precision natively; bfloat16
      needs macOS 14 and is missing from some Metal kernels.
    - CPU: ``None`` (float32; autocast on the CPU is slower for the models of this course).

    The capability is read with ``torch.cuda.get_device_capability``, never with
    ``torch.cuda.is_bf16_supported()``, which counts emulated bfloat16 as support.

    >>> amp_dtype("cpu") is None
    True
    """
    device = _as_device(device)
    if device.type == "cuda":
        capability = tuple(torch.cuda.get_device_capability(device))
        return torch.bfloat16 if capability >= _CUDA_NATIVE_BF16 else torch.float16
    if device.type == "mps":
        return torch.float16
    return None


def needs_grad_scaler(dtype: torch.dtype | None) -> bool:
    """True for float16 training: its small exponent range lets gradients underflow to 0.

    A ``GradScaler`` multiplies the loss before the backward pass and divides the
    gradients again before the step. bfloat16 (and float32) have float32's range: no scaler.

    >>> needs_grad_scaler(torch.float16), needs_grad_scaler(torch.bfloat16), needs_grad_scaler(None)
    (True, False, False)
    """
    if dtype is not None and not isinstance(dtype, torch.dtype):
        raise TypeError(f"dtype must be a torch.dtype or None, got {dtype!r}")
    return dtype == torch.float16


@contextlib.contextmanager
def autocast(device: torch.device | str | None = None, enabled: bool = True) -> Iterator[None]:
    """Mixed precision in :func:`amp_dtype`'s dtype on a GPU; a no-op on the CPU.

    >>> with autocast("cpu"):
    ...     y = torch.ones(2, 2) @ torch.ones(2, 2)
    >>> y.dtype
    torch.float32
    """
    device = _as_device(device)
    dtype = amp_dtype(device)
    if not enabled or dtype is None:
        yield
        return
    with torch.autocast(device_type=device.type, dtype=dtype):
        yield


def memory_stats(device: torch.device | str | None = None) -> dict[str, float]:
    """Memory figures in MiB: allocated now, peak allocated, reserved (GPU) or process RSS (CPU)."""
    device = _as_device(device)
    mib = 2**20
    if device.type == "cuda":
        return {
            "allocated_mib": torch.cuda.memory_allocated(device) / mib,
            "peak_allocated_mib": torch.cuda.max_memory_allocated(device) / mib,
            "reserved_mib": torch.cuda.memory_reserved(device) / mib,
        }
    if device.type == "mps":
        return {"allocated_mib": torch.mps.current_allocated_memory() / mib}
    return {"process_rss_mib": _process_rss_bytes() / mib}


def _process_rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def reset_peak_memory(device: torch.device | str | None = None) -> None:
    """Reset the GPU's peak-memory counter (no-op elsewhere)."""
    device = _as_device(device)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)


def num_workers(max_workers: int = 4) -> int:
    """A DataLoader worker count that is safe here: 0 inside notebooks on few cores, else ≤ cores − 1.

    Worker processes cost start-up time and memory; for the small in-memory data sets
    of this course the main process is usually fastest, so the answer is often 0.
    """
    if max_workers < 0:
        raise ValueError(f"max_workers must be ≥ 0, got {max_workers}")
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        cores = os.cpu_count() or 1
    return max(0, min(max_workers, cores - 1)) if cores > 2 else 0


def _cpu_times() -> tuple[int, int] | None:
    try:
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return idle, sum(values)


def idle_cpu_cores(interval: float = 0.5) -> float:
    """How many CPU cores were idle over the next ``interval`` seconds (0 … cpu_count).

    Read from /proc/stat on Linux; elsewhere estimated from the 1-minute load average.
    A timing experiment about parallel speed-up is only fair when cores are free.
    """
    cores = os.cpu_count() or 1
    before = _cpu_times()
    if before is None:
        try:
            return max(0.0, cores - os.getloadavg()[0])
        except (OSError, AttributeError):
            return float(cores)
    time.sleep(interval)
    after = _cpu_times()
    idle, total = after[0] - before[0], after[1] - before[1]
    return cores * idle / total if total > 0 else float(cores)
