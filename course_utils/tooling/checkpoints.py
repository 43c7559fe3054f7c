"""``make checkpoints``: train the CPU-sized models longer than a notebook may.

Each job trains one model on a fixed, seeded split, evaluates it on the test split,
writes ``checkpoints/NAME.pt`` atomically and records it in ``checkpoints/manifest.json``
(SHA-256, data, seed, epochs, test accuracy, command). ``tests/test_shipped_checkpoints.py``
rebuilds every model from the same registry, loads its checkpoint (verified, with
``weights_only=True``) and reproduces the recorded accuracy.

    python -m course_utils.tooling.checkpoints            # every job
    python -m course_utils.tooling.checkpoints --only mini_vgg_shapes
    python -m course_utils.tooling.checkpoints --list
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from course_utils.checkpoints import checkpoint_dir, record_checkpoint
from course_utils.seed import seed_everything
from course_utils.train import evaluate, fit, save_checkpoint

__all__ = ["Job", "JOBS", "SHAPES_SPLIT", "shapes_data", "run_job"]

# one split for every classification checkpoint: 6 shape classes, 32×32, medium clutter
SHAPES_SPLIT = {
    "n_train": 6000,
    "n_val": 1000,
    "n_test": 1000,
    "size": 32,
    "seed": 0,
    "difficulty": 0.5,
}


def shapes_data(batch_size: int = 128):
    """Train/validation/test loaders of the shapes split the checkpoints are trained on."""
    from course_utils.data.shapes import shapes_loaders

    return shapes_loaders(batch_size=batch_size, **SHAPES_SPLIT)


def _shapes_description() -> str:
    s = SHAPES_SPLIT
    return (
        f"course_utils.data.shapes.shapes_loaders(n_train={s['n_train']}, n_val={s['n_val']}, "
        f"n_test={s['n_test']}, size={s['size']}, seed={s['seed']}, difficulty={s['difficulty']})"
    )


@dataclass(frozen=True)
class Job:
    """One checkpoint: how to build the model, and how long to train it."""

    name: str
    build: Callable[[], nn.Module]
    model: str  # the call that builds it, for the manifest and the notebooks
    epochs: int
    lr: float = 2e-3
    seed: int = 0
    loss: Callable | None = None


def _googlenet_loss(outputs, target):
    from course_utils.models import googlenet_loss

    return googlenet_loss(outputs, target, aux_weight=0.3)


def _jobs() -> dict[str, Job]:
    from course_utils import models as m

    jobs = [
        Job(
            "mini_alexnet_shapes",
            lambda: m.mini_alexnet(num_classes=6),
            "mini_alexnet(num_classes=6)",
            10,
        ),
        Job(
            "mini_zfnet_shapes",
            lambda: m.mini_zfnet(num_classes=6),
            "mini_zfnet(num_classes=6)",
            10,
        ),
        Job("mini_vgg_shapes", lambda: m.mini_vgg(num_classes=6), "mini_vgg(num_classes=6)", 10),
        Job(
            "mini_googlenet_shapes",
            # batch norm as in torchvision's GoogLeNet: without it this mini stayed at chance
            # level (loss 1.79 = ln 6) for 3 epochs with the same recipe
            lambda: m.mini_googlenet(num_classes=6, aux_logits=True, batch_norm=True),
            "mini_googlenet(num_classes=6, aux_logits=True, batch_norm=True)",
            10,
            loss=_googlenet_loss,
        ),
        Job(
            "mini_resnet_shapes",
            lambda: m.mini_resnet(num_classes=6),
            "mini_resnet(num_classes=6)",
            10,
        ),
    ]
    return {job.name: job for job in jobs}


JOBS: dict[str, Job] = _jobs()


def run_job(job: Job, directory: Path | None = None, verbose: bool = True) -> dict:
    """Train, evaluate on the test split, save atomically and record one checkpoint."""
    directory = directory or checkpoint_dir()
    seed_everything(job.seed)
    train, val, test = shapes_data()
    model = job.build()
    start = time.perf_counter()
    running = directory / ".running" / f"{job.name}.pt"  # an interrupted job resumes from here
    fit(model, train, val, epochs=job.epochs, lr=job.lr, loss_fn=job.loss, device="cpu",
        progress=False, verbose=verbose, checkpoint=running, resume=True)  # fmt: skip
    seconds = time.perf_counter() - start
    accuracy = evaluate(model, test, device="cpu")["accuracy"]
    save_checkpoint(directory / f"{job.name}.pt", model, epoch=job.epochs)
    running.unlink(missing_ok=True)
    running.with_name(running.name + ".sha256").unlink(missing_ok=True)
    entry = record_checkpoint(
        job.name, metric="test_accuracy", value=accuracy, data=_shapes_description(),
        seed=job.seed, epochs=job.epochs, model=f"course_utils.models.{job.model}",
        train_seconds=round(seconds, 1), lr=job.lr, directory=directory,
    )  # fmt: skip
    if verbose:
        print(
            f"{job.name}: test accuracy {accuracy:.2%} after {job.epochs} epochs ({seconds:.0f} s)"
        )
    return entry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these jobs")
    parser.add_argument("--list", action="store_true", help="list the jobs and exit")
    args = parser.parse_args(argv)
    if args.list:
        for job in JOBS.values():
            print(f"{job.name:<26} {job.model}, {job.epochs} epochs")
        return 0
    names = args.only or list(JOBS)
    unknown = [n for n in names if n not in JOBS]
    if unknown:
        print(f"unknown job(s) {', '.join(unknown)}; known: {', '.join(JOBS)}", file=sys.stderr)
        return 2
    torch.set_num_threads(max(1, torch.get_num_threads()))
    for name in names:
        run_job(JOBS[name])
    return 0


if __name__ == "__main__":
    sys.exit(main())
