"""``TensorBatches`` against ``DataLoader(TensorDataset(...))``: the same batches, timed in one run.

Two measurements, each as paired rounds in turns (median of the per-round ratios):

1. iterating one epoch of the 1,257 training digits (8×8, batches of 64): the data path alone;
2. ``fit`` on the 8×8 MLP of notebooks 00/01 for 2 epochs with each loader: what a notebook saves.

The batches are checked to be identical first. One CPU thread by default (stable on a small
shared machine).

    python benchmarks/bench_batches.py [--rounds 7] [--threads 1]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from course_utils.data.batches import TensorBatches
from course_utils.data.digits import digits_splits
from course_utils.device import device_report
from course_utils.seed import seed_everything
from course_utils.train import fit


def loaders(x, y):
    return {
        "DataLoader": DataLoader(
            TensorDataset(x, y),
            batch_size=64,
            shuffle=True,
            generator=torch.Generator().manual_seed(0),
        ),  # fmt: skip
        "TensorBatches": TensorBatches(
            x, y, batch_size=64, shuffle=True, generator=torch.Generator().manual_seed(0)
        ),  # fmt: skip
    }


def iterate(loader, epochs: int = 5) -> float:
    start = time.perf_counter()
    for _ in range(epochs):
        for _batch in loader:
            pass
    return (time.perf_counter() - start) / epochs


def train(loader) -> float:
    seed_everything(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    start = time.perf_counter()
    fit(model, loader, epochs=2, lr=1e-3, device="cpu", progress=False, verbose=False)
    return (time.perf_counter() - start) / 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(device_report(torch.device("cpu")))
    split = digits_splits(size=8, seed=0)[0]
    x, y = split.images, split.labels
    a, b = loaders(x, y).values()
    assert all(
        torch.equal(p, q) for pa, pb in zip(a, b, strict=True) for p, q in zip(pa, pb, strict=True)
    ), "the two loaders must yield the same batches"
    print(f"{len(y)} digits, batches of 64: the two loaders yield identical batches")
    for what, measure in (("iterate one epoch", iterate), ("fit, MLP, per epoch", train)):
        times = {"DataLoader": [], "TensorBatches": []}
        for _ in range(args.rounds):
            for name, loader in loaders(x, y).items():  # in turns, fresh loaders each round
                times[name].append(measure(loader))
        ratios = [d / t for d, t in zip(times["DataLoader"], times["TensorBatches"], strict=True)]
        print(
            f"{what:<22} DataLoader {statistics.median(times['DataLoader']) * 1e3:7.2f} ms | "
            f"TensorBatches {statistics.median(times['TensorBatches']) * 1e3:7.2f} ms | "
            f"TensorBatches is {statistics.median(ratios):.1f}× faster (median of {args.rounds} paired rounds)"
        )


if __name__ == "__main__":
    main()
