"""``make checkpoints``: train the CPU-sized models longer than a notebook may.

Each job trains one model on a fixed, seeded split, evaluates it on the test split,
writes ``checkpoints/NAME.pt`` atomically and records it in ``checkpoints/manifest.json``
(SHA-256, data, seed, epochs, test accuracy, command). ``tests/test_shipped_checkpoints.py``
rebuilds every model from the same registry, loads its checkpoint (verified, with
``weights_only=True``) and reproduces the recorded accuracy.

Experiments too long for a notebook (``CURVES_JOBS``) run in full here too and store
their curves as ``checkpoints/NAME.json`` with the configuration that produced them;
the notebook runs a shortened version live and shows both.

    python -m course_utils.tooling.checkpoints            # every job
    python -m course_utils.tooling.checkpoints --only mini_vgg_shapes
    python -m course_utils.tooling.checkpoints --list
    python -m course_utils.tooling.checkpoints --into /tmp/rerun   # check a rerun, keep the shipped

Jobs run side by side, longest first, each on the thread count it was made with (the
classifiers on 2, the rest on 1), as many at a time as fit the cores (``--cores``); one
process writes the manifest.
"""

from __future__ import annotations

import argparse
import copy
import importlib
import json
import math
import multiprocessing
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from course_utils.checkpoints import checkpoint_dir, record_checkpoint, save_curves
from course_utils.seed import SEED_OFFSET_VARIABLE, seed_everything
from course_utils.train import evaluate, fit, save_checkpoint

__all__ = [
    "Job",
    "JOBS",
    "CurvesJob",
    "CURVES_JOBS",
    "DetectionJob",
    "DETECTION_JOBS",
    "detection_test_set",
    "run_detection_job",
    "ALL_JOBS",
    "SHAPES_SPLIT",
    "shapes_data",
    "run_job",
    "run_curves_job",
]

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
    # the shipped classifiers were trained on 2 threads; with 1 thread the order of the sums
    # changes and a 10-epoch run can end elsewhere (measured: mini ZFNet 0.924 -> 0.168,
    # mini AlexNet 0.910 -> 0.835); on 2 threads a rerun on the same CPU repeats them exactly
    threads: int = 2


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


@dataclass(frozen=True)
class CurvesJob:
    """An experiment too long for a notebook: ``func(**kwargs)`` returns its curves (JSON data).

    ``func`` is ``"package.module:function"``; the stored file holds ``kwargs`` under
    ``"config"`` so a test (and the notebook) can check the curves match the registry.
    """

    name: str
    func: str
    kwargs: dict
    seed: int = 0
    threads: int = 1  # run_curves_job trains on one thread (see there)

    def resolve(self) -> Callable[..., dict]:
        module, _, attr = self.func.partition(":")
        return getattr(importlib.import_module(module), attr)


def _curves_jobs() -> dict[str, CurvesJob]:
    jobs: list[CurvesJob] = [
        # notebook 07: plain vs residual nets of growing depth, training loss (He et al., 2016),
        # on the 16×16 digits; 3 seeds, ~6 min on one CPU thread
        CurvesJob(
            "resnet_degradation_digits",
            func="course_utils.degradation:degradation_curves",
            kwargs={
                "depths": [8, 20, 56],
                "skips": [False, True],
                "data": "digits",
                "width": 8,
                "n_train": 1257,
                "epochs": 8,
                "batch_size": 32,
                "lr": 0.05,
                "momentum": 0.9,
                "weight_decay": 1e-4,
                "warmup_steps": 0,
                "seeds": [0, 1, 2],
                "log_every": 8,
            },
        ),
    ]
    return {job.name: job for job in jobs}


CURVES_JOBS: dict[str, CurvesJob] = _curves_jobs()


def run_job(
    job: Job, directory: Path | None = None, verbose: bool = True, record: bool = True
) -> dict:
    """Train, evaluate on the test split, save atomically and record one checkpoint.

    ``record=False`` leaves the manifest alone and returns the fields to record (for
    :func:`record_checkpoint`): parallel jobs hand them to one process that writes it."""
    directory = directory or checkpoint_dir()
    seed_everything(job.seed, shift=False)  # stored artefacts never move with COURSE_SEED_OFFSET
    train, val, test = shapes_data()
    model = job.build()
    start = time.perf_counter()
    running = directory / ".running" / f"{job.name}.pt"  # an interrupted job resumes from here
    fit(model, train, val, epochs=job.epochs, lr=job.lr, loss_fn=job.loss, device="cpu",
        progress=False, verbose=verbose, checkpoint=running, resume=True)  # fmt: skip
    seconds = time.perf_counter() - start
    accuracy = evaluate(model, test, device="cpu")["accuracy"]
    measured = {"test_accuracy": accuracy}
    dtype, change = storage_dtype(measured, float16_metrics(job.name, model, test))
    save_checkpoint(directory / f"{job.name}.pt", model, epoch=job.epochs, weights_dtype=dtype)
    running.unlink(missing_ok=True)
    running.with_name(running.name + ".sha256").unlink(missing_ok=True)
    fields = dict(
        name=job.name, metric="test_accuracy", value=accuracy, data=_shapes_description(),
        seed=job.seed, epochs=job.epochs, model=f"course_utils.models.{job.model}",
        train_seconds=round(seconds, 1), lr=job.lr, directory=directory,
        threads=torch.get_num_threads(), weights=_dtype_name(dtype),
        float16_change=round(change, 4),
    )  # fmt: skip
    if verbose:
        print(
            f"{job.name}: test accuracy {accuracy:.2%} after {job.epochs} epochs ({seconds:.0f} s)"
        )
    return record_checkpoint(**fields) if record else fields


def run_curves_job(job: CurvesJob, directory: Path | None = None, verbose: bool = True) -> dict:
    """Run one long experiment and store its curves (atomically) with its configuration.

    It runs on one CPU thread: a training run near chance is chaotic, and the order of
    floating-point sums (which the thread count changes) is enough to change its curves.
    On one thread the stored curves are exactly what the notebook's live run repeats.
    """
    import platform

    from course_utils.bench import num_threads

    seed_everything(job.seed, shift=False)  # stored artefacts never move with COURSE_SEED_OFFSET
    start = time.perf_counter()
    with num_threads(1):
        curves = job.resolve()(**job.kwargs)
        seconds = time.perf_counter() - start
        threads = torch.get_num_threads()
    record = {
        "name": job.name,
        "func": job.func,
        "config": job.kwargs,
        "seed": job.seed,
        "command": "make checkpoints ONLY=" + job.name,
        "seconds": round(seconds, 1),
        "machine": f"{platform.machine()}, {threads} thread(s), torch {torch.__version__}",
        "curves": curves,
    }
    save_curves(job.name, record, directory)
    if verbose:
        print(f"{job.name}: curves stored ({seconds:.0f} s)")
    return record


@dataclass(frozen=True)
class DetectionJob:
    """A detector trained on the detection shapes split; its metric is test mAP@0.5."""

    name: str
    build: Callable[[], nn.Module]
    model: str
    epochs: int
    lr: float = 1e-3
    batch_size: int = 8
    seed: int = 0
    threads: int = 1  # detectors run side by side, one thread each


def _detection_jobs() -> dict[str, DetectionJob]:
    from course_utils.detection import detectors as d
    from course_utils.detection.engine import torchvision_faster_rcnn, torchvision_mask_rcnn

    jobs = [
        DetectionJob(
            "rcnn_shapes", lambda: d.RCNN(num_classes=4), "detectors.RCNN(num_classes=4)", 6
        ),
        DetectionJob(
            "fast_rcnn_shapes",
            lambda: d.FastRCNN(num_classes=4),
            "detectors.FastRCNN(num_classes=4)",
            10,
        ),
        DetectionJob(
            "faster_rcnn_shapes",
            lambda: d.FasterRCNN(num_classes=4),
            "detectors.FasterRCNN(num_classes=4)",
            12,
        ),
        DetectionJob(
            "torchvision_faster_rcnn_shapes",
            lambda: torchvision_faster_rcnn(num_classes=4),
            "engine.torchvision_faster_rcnn(num_classes=4)",
            12,
        ),
        # Mask R-CNN, its reference and two ablations, all at one budget (notebook 12)
        DetectionJob(
            "mask_rcnn_shapes",
            lambda: d.MaskRCNN(num_classes=4),
            "detectors.MaskRCNN(num_classes=4)",
            12,
        ),
        DetectionJob(
            "torchvision_mask_rcnn_shapes",
            lambda: torchvision_mask_rcnn(num_classes=4),
            "engine.torchvision_mask_rcnn(num_classes=4)",
            12,
        ),
        DetectionJob(
            "mask_rcnn_roipool_shapes",
            lambda: d.MaskRCNN(num_classes=4, pooler="max"),
            "detectors.MaskRCNN(num_classes=4, pooler='max')",
            12,
        ),
        DetectionJob(
            "mask_rcnn_softmax_shapes",
            lambda: d.MaskRCNN(num_classes=4, mask_loss="softmax"),
            "detectors.MaskRCNN(num_classes=4, mask_loss='softmax')",
            12,
        ),
    ]
    return {job.name: job for job in jobs}


DETECTION_JOBS: dict[str, DetectionJob] = _detection_jobs()

_SPLIT_CACHE: dict[str, tuple] = {}


def _detection_split(split: str, with_proposals: bool) -> tuple:
    """``(images, targets, proposals or None)`` of one split, selective search run once per process."""
    from course_utils.detection.engine import detection_data, materialize, selective_search_all

    if split not in _SPLIT_CACHE:
        dataset = dict(zip(("train", "val", "test"), detection_data(), strict=True))[split]
        _SPLIT_CACHE[split] = (*materialize(dataset), None)
    images, targets, proposals = _SPLIT_CACHE[split]
    if with_proposals and proposals is None:
        proposals = selective_search_all(images)
        _SPLIT_CACHE[split] = (images, targets, proposals)
    return images, targets, proposals


def detection_test_set(with_proposals: bool) -> tuple:
    """The detection test split as ``(images, targets, selective-search proposals or None)``."""
    return _detection_split("test", with_proposals)


def _detection_description() -> str:
    from course_utils.detection.engine import DETECTION_SPLIT, SELECTIVE_SEARCH

    args = ", ".join(f"{k}={v}" for k, v in DETECTION_SPLIT.items())
    ss = ", ".join(f"{k}={v!r}" for k, v in SELECTIVE_SEARCH.items())
    return (
        f"course_utils.data.shapes.detection_splits({args}); selective-search proposals "
        f"({ss}) for the detectors that take them"
    )


def detector_test_metrics(model: nn.Module) -> tuple[dict, dict]:
    """``evaluate_detector``'s result on the test split, and the extra metrics the manifest
    records for Mask R-CNNs (mask mAP@0.5; box and mask mAP@0.75), rounded as recorded."""
    from course_utils.detection.engine import evaluate_detector, needs_proposals
    from course_utils.detection.metrics import mean_average_precision

    test_images, test_targets, test_proposals = detection_test_set(needs_proposals(model))
    result = evaluate_detector(model, test_images, test_targets, test_proposals)
    extra = {}
    if "mask_map" in result:  # Mask R-CNNs: masks at 0.5 and the stricter 0.75 for boxes and masks
        strict = mean_average_precision(result["predictions"], test_targets, 0.75)
        strict_masks = mean_average_precision(result["predictions"], test_targets, 0.75,
                                              iou_type="segm")  # fmt: skip
        extra = {
            "mask_map50": round(result["mask_map"], 4),
            "box_map75": round(strict["map"], 4),
            "mask_map75": round(strict_masks["map"], 4),
            "mask_ap_per_class": {
                str(k): round(v, 4) for k, v in result["mask_ap_per_class"].items()
            },
        }
    return result, extra


_MAP_KEYS = ("mask_map50", "box_map75", "mask_map75")


def test_metrics(name: str, model: nn.Module, test_loader=None) -> dict[str, float]:
    """The metrics the manifest records for checkpoint ``name`` (a classifier's test accuracy;
    a detector's mAP@0.5 and, for Mask R-CNNs, mask mAP@0.5 and box / mask mAP@0.75),
    measured on ``model``; ``test_loader`` for classifiers (else the shapes test split)."""
    if name in JOBS:
        loader = test_loader if test_loader is not None else shapes_data(batch_size=500)[2]
        return {"test_accuracy": evaluate(model, loader, device="cpu")["accuracy"]}
    if name not in DETECTION_JOBS:
        raise ValueError(
            f"no checkpoint job {name!r}; known: {sorted(JOBS) + sorted(DETECTION_JOBS)}"
        )
    result, extra = detector_test_metrics(model)
    return {"map50": result["map"], **{k: v for k, v in extra.items() if k in _MAP_KEYS}}


@torch.no_grad()
def round_to_half(model: nn.Module) -> int:
    """Round every floating-point parameter and buffer of ``model`` to float16 and back, in
    place (what a float16 file loads as); returns how many values changed."""
    changed = 0
    for tensor in [*model.parameters(), *model.buffers()]:
        if tensor.is_floating_point():
            rounded = tensor.half().to(tensor.dtype)
            changed += int((rounded != tensor).sum())
            tensor.copy_(rounded)
    return changed


def float16_metrics(name: str, model: nn.Module, test_loader=None) -> dict[str, float]:
    """``test_metrics`` of a copy of ``model`` whose weights are rounded to float16."""
    rounded = copy.deepcopy(model)
    round_to_half(rounded)
    return test_metrics(name, rounded, test_loader)


def storage_dtype(measured: dict[str, float], half: dict[str, float]) -> tuple[torch.dtype, float]:
    """How a checkpoint is stored: float16 (half the bytes) when its weights rounded to
    float16 give every recorded metric (``half``) the value ``measured`` has at the manifest's
    four decimals, else float32; and the largest change of a metric in float16.

    >>> storage_dtype({"map50": 0.95101}, {"map50": 0.95099})
    (torch.float16, 2e-05)
    >>> storage_dtype({"test_accuracy": 0.868}, {"test_accuracy": 0.866})[0]
    torch.float32
    """
    if set(measured) != set(half) or not measured:
        raise ValueError(
            f"measured and half must give the same metrics, got {sorted(measured)} and "
            f"{sorted(half)}"
        )
    change = round(max(abs(half[k] - measured[k]) for k in measured), 10)
    same = all(round(half[k], 4) == round(measured[k], 4) for k in measured)
    return (torch.float16 if same else torch.float32), change


def _dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def run_detection_job(
    job: DetectionJob, directory: Path | None = None, verbose: bool = True, record: bool = True
) -> dict:
    """Train one detector, evaluate its test mAP@0.5, save atomically and record it
    (``record=False``: return the fields to record, as :func:`run_job` does)."""
    from course_utils.detection.engine import needs_proposals, train_detector

    directory = directory or checkpoint_dir()
    seed_everything(job.seed, shift=False)  # stored artefacts never move with COURSE_SEED_OFFSET
    model = job.build()
    wants = needs_proposals(model)
    images, targets, proposals = _detection_split("train", wants)
    start = time.perf_counter()
    train_detector(model, images, targets, job.epochs, proposals=proposals, batch_size=job.batch_size,
                   lr=job.lr, seed=job.seed, log=print if verbose else None)  # fmt: skip
    seconds = time.perf_counter() - start
    result, extra = detector_test_metrics(model)
    measured = {"map50": result["map"], **{k: v for k, v in extra.items() if k in _MAP_KEYS}}
    dtype, change = storage_dtype(measured, float16_metrics(job.name, model))
    save_checkpoint(directory / f"{job.name}.pt", model, epoch=job.epochs, weights_dtype=dtype)
    fields = dict(
        name=job.name, metric="test_map50", value=round(result["map"], 4), data=_detection_description(),
        seed=job.seed, epochs=job.epochs, model=f"course_utils.detection.{job.model}",
        train_seconds=round(seconds, 1), lr=job.lr, batch_size=job.batch_size,
        ap_per_class={str(k): round(v, 4) for k, v in result["ap_per_class"].items()},
        threads=torch.get_num_threads(), seconds_per_image=round(result["seconds_per_image"], 4),
        weights=_dtype_name(dtype), float16_change=round(change, 4), directory=directory, **extra,
    )  # fmt: skip
    if verbose:
        print(
            f"{job.name}: test mAP@0.5 {result['map']:.3f} after {job.epochs} epochs ({seconds:.0f} s)"
        )
    return record_checkpoint(**fields) if record else fields


ALL_JOBS: dict[str, Job | CurvesJob | DetectionJob] = {**JOBS, **CURVES_JOBS, **DETECTION_JOBS}

# How far a rerun of ``make checkpoints`` may land from the shipped manifest, for every metric
# it records (accuracy, mAP): the spread tests/test_shipped_checkpoints.py allows a loaded
# checkpoint. A rerun trains with other thread counts or CPU kernels than the shipped run, and
# the order of floating-point sums alone moves a trained model a little.
REPRODUCE_TOLERANCE = 0.02
_METRICS = ("value", *_MAP_KEYS)


def _worker(name: str, directory: str, threads: int) -> tuple[str, float, dict | None]:
    """Run job ``name`` on ``threads`` CPU threads (in a worker process when jobs run side by
    side); returns its name, wall seconds and the manifest fields to record (None for curves)."""
    torch.set_num_threads(threads)
    job = ALL_JOBS[name]
    start = time.perf_counter()
    fields: dict | None = None
    if isinstance(job, Job):
        fields = run_job(job, Path(directory), verbose=False, record=False)
    elif isinstance(job, DetectionJob):
        fields = run_detection_job(job, Path(directory), verbose=False, record=False)
    else:
        run_curves_job(job, Path(directory), verbose=False)
    return name, time.perf_counter() - start, fields


def _previous_cost(name: str) -> float:
    """CPU-thread seconds the shipped run of job ``name`` took (inf when unknown): the longest
    jobs start first, so the cores finish close together."""
    from course_utils.checkpoints import read_manifest

    if name in CURVES_JOBS:
        path = checkpoint_dir() / f"{name}.json"
        return json.loads(path.read_text("utf-8"))["seconds"] if path.is_file() else math.inf
    entry = read_manifest().get(name, {})
    return entry.get("train_seconds", math.inf) * (entry.get("threads") or ALL_JOBS[name].threads)


def _clock(start: float) -> str:
    minutes, seconds = divmod(int(time.perf_counter() - start), 60)
    return f"[{minutes:3d}:{seconds:02d}]"


def _summary(name: str, fields: dict | None) -> str:
    if fields is None:
        return "curves stored"
    if fields["metric"] == "test_accuracy":
        return f"test accuracy {fields['value']:.4f}"
    extra = ", ".join(f"{k} {fields[k]:.4f}" for k in _MAP_KEYS if k in fields)
    return f"test mAP@0.5 {fields['value']:.4f}" + (f", {extra}" if extra else "")


def next_fitting(queue: list[str], threads: dict[str, int], free: int) -> str | None:
    """The first job of ``queue`` (longest first) whose threads fit in ``free`` cores.

    A job that does not fit lets a later, smaller one start (no core idles behind it): with
    two cores, the one-thread detectors fill both and the two-thread classifiers run once
    the detectors are done, instead of each classifier holding a core empty until the other
    core's detector ends.

    >>> next_fitting(["vgg", "rcnn"], {"vgg": 2, "rcnn": 1}, free=1)
    'rcnn'
    >>> next_fitting(["vgg"], {"vgg": 2}, free=1) is None
    True
    """
    return next((name for name in queue if threads[name] <= free), None)


def run_jobs(names: list[str], directory: Path, cores: int) -> dict[str, float]:
    """Run ``names`` side by side on ``cores`` CPU cores, longest first: each job on its own
    thread count (``threads`` of its registry entry, at most ``cores``), as many at a time as
    their threads fit in ``cores`` (:func:`next_fitting`); record each finished checkpoint in ``directory``'s manifest
    (one writer: this process). Prints each job's start, end, time and metric, then the total;
    returns the times."""
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    order = sorted(names, key=_previous_cost, reverse=True)
    threads = {name: min(cores, ALL_JOBS[name].threads) for name in order}
    directory.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    seconds: dict[str, float] = {}
    print(f"{len(order)} job(s) on {cores} core(s), into {directory}", flush=True)
    context = multiprocessing.get_context("spawn")  # no forked OpenMP state; as on Windows
    with ProcessPoolExecutor(cores, mp_context=context, max_tasks_per_child=1) as pool:
        queue, running = list(order), {}
        while queue or running:
            # start the longest job that fits the free cores, while one does
            while (name := next_fitting(queue, threads, cores - sum(
                threads[n] for n in running.values()))) is not None:  # fmt: skip
                queue.remove(name)
                plural = "s" if threads[name] > 1 else ""
                print(f"{_clock(start)} start {name} ({threads[name]} thread{plural})", flush=True)
                running[pool.submit(_worker, name, str(directory), threads[name])] = name
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                del running[future]
                name, took, fields = future.result()
                if fields is not None:
                    record_checkpoint(**fields)
                seconds[name] = took
                print(f"{_clock(start)} done  {name} in {took:.0f} s: {_summary(name, fields)}",
                      flush=True)  # fmt: skip
    total = time.perf_counter() - start
    print(f"\n{'job':<32} threads seconds")
    for name in order:
        print(f"{name:<32} {threads[name]:7d} {seconds[name]:7.0f}")
    print(f"total (wall clock)                       {total:7.0f}   = {total / 60:.1f} min on "
          f"{cores} core(s)")  # fmt: skip
    seconds["total"] = total
    return seconds


def compare_with_shipped(
    directory: Path, shipped_dir: Path | None = None, tolerance: float = REPRODUCE_TOLERANCE
) -> list[str]:
    """Print every metric of ``directory``'s manifest beside the shipped one (``shipped_dir``,
    default ``checkpoints/``); returns the metrics that moved more than ``tolerance`` (as
    ``"job metric"``). Curves: the largest change of a run's final training loss, reported."""
    from course_utils.checkpoints import read_manifest

    shipped_dir = shipped_dir or checkpoint_dir()
    shipped, rerun = read_manifest(shipped_dir), read_manifest(directory)
    failed = []
    made_on = {  # the CPU kernels and torch of each shipped job, where the manifest records them
        name: f"{entry['cpu_kernels']}, torch {entry['torch']}"
        for name, entry in shipped.items() if "cpu_kernels" in entry and "torch" in entry
    }  # fmt: skip
    here = f"{torch.backends.cpu.get_cpu_capability()}, torch {torch.__version__}"
    other = sorted(name for name in rerun if name in made_on and made_on[name] != here)
    if other:
        print(f"note: made with other CPU kernels or torch than this run ({here}): "
              + ", ".join(f"{n} ({made_on[n]})" for n in other) + "; the order of floating-"
              "point sums differs, and a detector's mAP@0.75 can move more than the tolerance")  # fmt: skip
    print(f"\n{'job':<32} {'metric':<14} {'shipped':>8} {'rerun':>8} {'change':>8}")
    for name, entry in rerun.items():
        for key in _METRICS:
            if key not in entry:
                continue
            label = entry["metric"] if key == "value" else key
            old = shipped.get(name, {}).get(key)
            if old is None:
                print(f"{name:<32} {label:<14} {'-':>8} {entry[key]:8.4f}")
                continue
            change = entry[key] - old
            flag = "" if abs(change) <= tolerance else f"  > {tolerance}"
            if flag:
                failed.append(f"{name} {label}")
            print(f"{name:<32} {label:<14} {old:8.4f} {entry[key]:8.4f} {change:+8.4f}{flag}")
    for name in CURVES_JOBS:
        new, old = directory / f"{name}.json", shipped_dir / f"{name}.json"
        if new.is_file() and old.is_file() and new.resolve() != old.resolve():
            finals = [
                [run["final_loss"] for run in json.loads(p.read_text("utf-8"))["curves"]["runs"]]
                for p in (old, new)
            ]
            change = max(abs(a - b) for a, b in zip(*finals, strict=True))
            print(f"{name:<32} {'final losses':<14} largest change {change:.4f} nats")
    print(
        f"{len(failed)} metric(s) beyond ±{tolerance}"
        + (": " + ", ".join(failed) if failed else "")
    )
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these jobs")
    parser.add_argument("--list", action="store_true", help="list the jobs and exit")
    parser.add_argument(
        "--cores",
        type=int,
        metavar="N",
        help="CPU cores to use (default: all); jobs run side by side while their threads fit",
    )
    parser.add_argument("--into", type=Path, metavar="DIR",
                        help="write checkpoints and manifest here instead of checkpoints/, then "
                             "compare every metric with the shipped manifest")  # fmt: skip
    args = parser.parse_args(argv)
    if args.list:
        for job in ALL_JOBS.values():
            if isinstance(job, Job | DetectionJob):
                print(f"{job.name:<30} {job.model}, {job.epochs} epochs")
            else:
                print(f"{job.name:<30} {job.func}(**{job.kwargs})")
        return 0
    names = args.only or list(ALL_JOBS)
    unknown = [n for n in names if n not in ALL_JOBS]
    if unknown:
        print(f"unknown job(s) {', '.join(unknown)}; known: {', '.join(ALL_JOBS)}", file=sys.stderr)
        return 2
    available = os.cpu_count() or 1
    cores = args.cores if args.cores is not None else available
    if not 1 <= cores <= available:
        print(f"--cores must be between 1 and the {available} core(s) of this machine, got "
              f"{cores}", file=sys.stderr)  # fmt: skip
        return 2
    if os.environ.pop(SEED_OFFSET_VARIABLE, "0").strip() not in ("", "0"):
        print(f"note: {SEED_OFFSET_VARIABLE} is ignored here: checkpoints and stored curves "
              "are made from their recorded seeds", file=sys.stderr)  # fmt: skip
    directory = args.into or checkpoint_dir()
    run_jobs(names, directory, cores)
    if args.into is not None and directory.resolve() != checkpoint_dir().resolve():
        return 1 if compare_with_shipped(directory) else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
