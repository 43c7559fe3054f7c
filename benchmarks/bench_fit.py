"""``course_utils.train.fit`` against a bare PyTorch loop: same model, data, seed, epochs.

Prints both times per epoch and the ratio. The kit promises that ``fit`` adds at
most 5 % on the CPU; the script exits with status 1 when it adds more.

    python benchmarks/bench_fit.py [--epochs 3] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import torch
from torch import nn

from course_utils.data.digits import digits_loaders
from course_utils.device import device_report
from course_utils.seed import seed_everything
from course_utils.train import fit


def make_model() -> nn.Module:
    """A small CNN for 32×32 digits, the size of model the notebooks train."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 8 * 8, 64), nn.ReLU(), nn.Linear(64, 10),
    )  # fmt: skip


def bare_loop(model: nn.Module, loader, epochs: int) -> list[float]:
    """The loop a careful engineer writes by hand: no progress bar, loss read once per epoch."""
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    for _ in range(epochs):
        model.train()
        total = torch.zeros(())
        seen = 0
        for x, y in loader:
            loss = nn.functional.cross_entropy(model(x), y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.detach() * len(y)
            seen += len(y)
        losses.append(float(total) / seen)
    return losses


def run(kind: str, epochs: int) -> tuple[float, list[float]]:
    seed_everything(0)
    train, _, _ = digits_loaders(batch_size=64, size=32, seed=0)
    model = make_model()
    start = time.perf_counter()
    if kind == "bare":
        losses = bare_loop(model, train, epochs)
    else:
        losses = fit(
            model, train, epochs=epochs, device="cpu", progress=False, verbose=False
        ).train_loss
    return (time.perf_counter() - start) / epochs, losses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=7, help="alternating timed rounds")
    parser.add_argument("--limit", type=float, default=1.05, help="largest allowed ratio")
    parser.add_argument(
        "--threads", type=int, default=1,
        help="torch CPU threads (default 1: on a small shared machine two OpenMP threads "
        "make every timing swing by ±10 %%, more than the overhead being measured)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    print(device_report("cpu"))
    run("fit", 1)  # warm-up: first-call allocations, thread pools
    times: dict[str, list[float]] = {"bare": [], "fit": []}
    losses = {}
    for _ in range(args.rounds):  # alternate so both see the same machine conditions
        for kind in ("bare", "fit"):
            seconds, losses[kind] = run(kind, args.epochs)
            times[kind].append(seconds)
    same = all(abs(a - b) < 1e-5 for a, b in zip(losses["bare"], losses["fit"], strict=True))
    # each round times both loops back to back: the median of the per-round ratios cancels
    # most of the drift of a shared machine, which the ratio of two medians does not
    ratio = statistics.median(f / b for f, b in zip(times["fit"], times["bare"], strict=True))
    print(f"{'loop':<28}{'s/epoch (median)':>18}{'min':>9}{'max':>9}")
    for kind, label in (("bare", "bare PyTorch loop"), ("fit", "course_utils.train.fit")):
        t = times[kind]
        print(f"{label:<28}{statistics.median(t):>18.3f}{min(t):>9.3f}{max(t):>9.3f}")
    print(
        f"ratio fit / bare (median of {args.rounds} paired rounds): {ratio:.3f}  "
        f"(limit {args.limit:.2f}); same losses: {same}"
    )
    if not same:
        print("fit and the bare loop computed different losses", file=sys.stderr)
        return 1
    return 0 if ratio <= args.limit else 1


if __name__ == "__main__":
    sys.exit(main())
