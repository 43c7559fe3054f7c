import random
import time

import numpy as np
import pytest
import torch

from course_utils.bench import benchmark, conv2d_flops, gflops, matmul_flops
from course_utils.seed import seed_everything, torch_generator


def test_benchmark_measures_the_call():
    t = benchmark(lambda: time.sleep(0.01), warmup=1, repeat=3)
    assert 0.009 < t.min <= t.median <= t.max < 0.5
    assert t.repeat == 3 and "ms" in str(t)


def test_benchmark_rejects_bad_arguments():
    with pytest.raises(ValueError, match="repeat"):
        benchmark(lambda: None, repeat=0)
    with pytest.raises(ValueError, match="warmup"):
        benchmark(lambda: None, warmup=-1)


def test_flop_formulas_match_the_counter():
    from torch.utils.flop_counter import FlopCounterMode

    a, b = torch.randn(32, 48), torch.randn(48, 16)
    with FlopCounterMode(display=False) as counter:
        a @ b
    assert counter.get_total_flops() == matmul_flops(32, 16, 48)
    conv = torch.nn.Conv2d(6, 8, 3, bias=False)
    x = torch.randn(2, 6, 10, 10)
    with FlopCounterMode(display=False) as counter:
        conv(x)
    assert counter.get_total_flops() == conv2d_flops(2, 6, 8, 8, 8, 3)
    assert gflops(2e9, 2.0) == 1.0
    with pytest.raises(ValueError):
        gflops(1, 0)


def test_seed_everything_repeats_every_generator():
    rng = seed_everything(3)
    first = (random.random(), torch.rand(3), rng.random(3), np.random.rand())  # noqa: NPY002
    rng = seed_everything(3)
    second = (random.random(), torch.rand(3), rng.random(3), np.random.rand())  # noqa: NPY002
    assert first[0] == second[0]
    assert torch.equal(first[1], second[1])
    assert np.array_equal(first[2], second[2]) and first[3] == second[3]
    assert not torch.equal(
        torch.rand(3, generator=torch_generator(1)), torch.rand(3, generator=torch_generator(2))
    )
    with pytest.raises(ValueError, match="non-negative int"):
        seed_everything(-1)


def test_benchmark_times_for_at_least_min_seconds():
    t = benchmark(lambda: time.sleep(0.01), warmup=0, repeat=2, min_seconds=0.1)
    assert t.repeat >= 8  # ten 10-ms calls fill 0.1 s; sleep may overshoot a little
    assert benchmark(lambda: None, warmup=0, repeat=3, min_seconds=0).repeat == 3


def test_timing_windows_are_bounded():
    from course_utils.bench import matmul_throughput, wake_threads

    with pytest.raises(ValueError, match="min_seconds.*between 0 and 60.*got -1"):
        benchmark(lambda: None, min_seconds=-1)
    with pytest.raises(ValueError, match="seconds.*got 3600"):
        wake_threads(seconds=3600)
    with pytest.raises(ValueError, match="n must be"):
        wake_threads(seconds=0.01, n=0)
    began = time.perf_counter()
    wake_threads(seconds=0.2, n=64)
    assert 0.2 <= time.perf_counter() - began < 2
    assert matmul_throughput(64, min_seconds=0.05) > 0
