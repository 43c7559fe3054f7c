"""Timing that warms up and synchronises the device, and throughput in GFLOP/s.

>>> import torch
>>> t = benchmark(lambda: torch.ones(64, 64) @ torch.ones(64, 64), warmup=1, repeat=3)
>>> t.median > 0
True
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import torch

from course_utils.device import synchronize

__all__ = [
    "Timing",
    "benchmark",
    "benchmark_in_turns",
    "matmul_flops",
    "conv2d_flops",
    "gflops",
    "num_threads",
    "wake_threads",
    "matmul_throughput",
    "conv_throughput",
]


@dataclass(frozen=True)
class Timing:
    """Seconds per call over ``repeat`` timed calls."""

    median: float
    min: float
    max: float
    repeat: int

    def __str__(self) -> str:
        return (
            f"median {self.median * 1e3:.3f} ms (min {self.min * 1e3:.3f}, "
            f"max {self.max * 1e3:.3f}, n={self.repeat})"
        )


MAX_SECONDS = 60.0  # the longest timing window or wake-up a caller may ask for


def _check_seconds(name: str, seconds: float) -> None:
    if not 0 <= seconds <= MAX_SECONDS:
        raise ValueError(f"{name} must be between 0 and {MAX_SECONDS:g} seconds, got {seconds}")


def benchmark(
    fn: Callable[[], object],
    warmup: int = 2,
    repeat: int = 10,
    device: torch.device | str | None = "cpu",
    min_seconds: float = 0.0,
) -> Timing:
    """Call ``fn`` ``warmup`` times untimed, then at least ``repeat`` times timed.

    Timed calls go on until ``repeat`` calls are done *and* ``min_seconds`` have passed, so
    ``min`` is the best of a window of known length: a disturbance shorter than the window
    (another program, a core that is not ready yet) cannot set it.
    The device is synchronised before starting and after each call, so GPU time is
    measured, not kernel launch time. Pass the device ``fn`` runs on.
    """
    if repeat < 1:
        raise ValueError(f"repeat must be ≥ 1, got {repeat}")
    if warmup < 0:
        raise ValueError(f"warmup must be ≥ 0, got {warmup}")
    _check_seconds("min_seconds", min_seconds)
    for _ in range(warmup):
        fn()
    synchronize(device)
    times: list[float] = []
    began = time.perf_counter()
    while len(times) < repeat or time.perf_counter() - began < min_seconds:
        start = time.perf_counter()
        fn()
        synchronize(device)
        times.append(time.perf_counter() - start)
    return Timing(statistics.median(times), min(times), max(times), len(times))


def benchmark_in_turns(
    fns: Mapping[str, Callable[[], object]],
    warmup: int = 2,
    repeat: int = 10,
    device: torch.device | str | None = "cpu",
) -> dict[str, Timing]:
    """:func:`benchmark` for several functions, timed in turns: one call of each per round.

    A ratio of two timings is only fair when both saw the same machine: timed one after the
    other, a burst of load from another program lands on one of them. In turns, every round
    sees each function under the same conditions, so ``min`` and ``median`` compare.

    >>> t = benchmark_in_turns({"a": lambda: sum(range(10)), "b": lambda: sum(range(100))}, 1, 3)
    >>> sorted(t), t["a"].repeat
    (['a', 'b'], 3)
    """
    if not fns:
        raise ValueError("fns must name at least one function to time")
    if repeat < 1:
        raise ValueError(f"repeat must be ≥ 1, got {repeat}")
    if warmup < 0:
        raise ValueError(f"warmup must be ≥ 0, got {warmup}")
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    synchronize(device)
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            synchronize(device)
            times[name].append(time.perf_counter() - start)
    return {name: Timing(statistics.median(t), min(t), max(t), repeat) for name, t in times.items()}


def matmul_flops(n: int, m: int | None = None, k: int | None = None) -> int:
    """Floating-point operations of an (n×k)·(k×m) product: 2·n·m·k (one multiply + one add)."""
    m = n if m is None else m
    k = n if k is None else k
    return 2 * n * m * k


def conv2d_flops(
    batch: int,
    in_channels: int,
    out_channels: int,
    out_height: int,
    out_width: int,
    kernel: int | tuple[int, int],
    groups: int = 1,
) -> int:
    """FLOPs of a 2-D convolution (bias ignored): 2 · N · K · H_out · W_out · (C/groups) · F_h · F_w."""
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    return 2 * batch * out_channels * out_height * out_width * (in_channels // groups) * kh * kw


def gflops(flops: int | float, seconds: float) -> float:
    """Throughput in GFLOP/s."""
    if seconds <= 0:
        raise ValueError(f"seconds must be > 0, got {seconds}")
    return flops / seconds / 1e9


@contextlib.contextmanager
def num_threads(threads: int | None) -> Iterator[int]:
    """Run the block with ``threads`` CPU threads for torch (None: leave as is), then restore."""
    before = torch.get_num_threads()
    if threads is not None:
        if threads < 1:
            raise ValueError(f"threads must be ≥ 1, got {threads}")
        torch.set_num_threads(threads)
    try:
        yield torch.get_num_threads()
    finally:
        torch.set_num_threads(before)


def wake_threads(seconds: float = 3.0, n: int = 512) -> None:
    """Keep torch's CPU threads busy with n×n matrix products for ``seconds``, untimed.

    Run it after changing the thread count and before timing a thread speed-up. On a
    virtual machine (a cloud notebook, a class hub, most CI machines) a CPU core that has
    been idle can come back sharing one physical core with another for a second or two,
    until the host moves it; timed in that window, two threads run at the speed of one.
    Measured on a 2-core cloud machine after switching from 1 to 2 threads: the slow window
    lasted under 0.1 s in 9 of 10 switches and up to 2.5 s in 400.
    """
    _check_seconds("seconds", seconds)
    if n < 1:
        raise ValueError(f"n must be ≥ 1, got {n}")
    a, b = torch.randn(n, n), torch.randn(n, n)
    began = time.perf_counter()
    while time.perf_counter() - began < seconds:
        a @ b


def matmul_throughput(
    n: int,
    device: torch.device | str = "cpu",
    threads: int | None = None,
    repeat: int = 5,
    dtype: torch.dtype = torch.float32,
    min_seconds: float = 0.0,
) -> float:
    """GFLOP/s of an n×n float32 matrix product on ``device`` (CPU: with ``threads`` threads).

    The best (minimum) time of at least ``repeat`` calls and ``min_seconds`` of calls is
    used: it is the least disturbed by other programs, so it estimates what the hardware
    can do.
    """
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    with num_threads(threads if torch.device(device).type == "cpu" else None):
        t = benchmark(
            lambda: a @ b, warmup=2, repeat=repeat, device=device, min_seconds=min_seconds
        )
    return gflops(matmul_flops(n), t.min)


def conv_throughput(
    batch: int = 8,
    channels: int = 64,
    size: int = 56,
    kernel: int = 3,
    device: torch.device | str = "cpu",
    threads: int | None = None,
    repeat: int = 5,
    min_seconds: float = 0.0,
) -> float:
    """GFLOP/s of a ``channels``→``channels`` k×k convolution (same padding) on a batch.

    Timed like :func:`matmul_throughput`: the best of ``repeat`` calls and ``min_seconds``.
    """
    conv = torch.nn.Conv2d(channels, channels, kernel, padding=kernel // 2, bias=False).to(device)
    x = torch.randn(batch, channels, size, size, device=device)
    with (
        torch.inference_mode(),
        num_threads(threads if torch.device(device).type == "cpu" else None),
    ):
        t = benchmark(
            lambda: conv(x), warmup=2, repeat=repeat, device=device, min_seconds=min_seconds
        )
    return gflops(conv2d_flops(batch, channels, channels, size, size, kernel), t.min)
