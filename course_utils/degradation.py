"""The degradation experiment of He et al. (2016): deeper plain networks train *worse*.

"Deep Residual Learning for Image Recognition", section 4.2 and Fig. 1/6: on CIFAR-10 a
56-layer plain network has a *higher training error* than a 20-layer one — not
overfitting (the training loss itself is worse) but an optimisation problem. The same
depths with identity shortcuts (ResNets) do not degrade.

``degradation_curves`` trains ``course_utils.models.cifar_resnet(depth, width, skip)``
for every depth × {plain, residual} × seed on the same images, in the same order, with
the same optimiser and the same number of steps, and returns the training-loss curves
as plain JSON data. The default data are scikit-learn's handwritten digits at 16×16
(the 1,257 images of the fixed training split, 10 classes): on them the effect is large
after a few hundred steps on a CPU (``data="shapes"`` uses the 32×32 shapes instead).
``make checkpoints`` runs the long version and stores it
(``checkpoints/resnet_degradation_digits.json``); notebook 07 loads that and runs a
short version live.

>>> curves = degradation_curves(depths=(8,), skips=(True,), width=2, n_train=32,
...                             epochs=1, batch_size=16, seeds=(0,), log_every=1)
>>> run = curves["runs"][0]
>>> (run["depth"], run["skip"], len(run["loss"]), run["steps"][-1], curves["classes"])
(8, True, 2, 2, 10)
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from course_utils.seed import seed_everything, torch_generator

__all__ = [
    "DATASETS",
    "degradation_data",
    "shapes_train_subset",
    "train_loss_curve",
    "degradation_curves",
    "final_losses",
    "run_label",
    "plot_degradation",
]

DATASETS = ("digits", "shapes")


def _check_positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return value


@functools.lru_cache(maxsize=1)
def _shapes_train_split() -> tuple[torch.Tensor, torch.Tensor]:
    from course_utils.data.shapes import _split_seed, make_shapes
    from course_utils.tooling.checkpoints import SHAPES_SPLIT

    s = SHAPES_SPLIT
    return make_shapes(
        s["n_train"], s["size"], seed=_split_seed(s["seed"], "train"), difficulty=s["difficulty"]
    )


def shapes_train_subset(n_train: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The first ``n_train`` images (and labels) of the checkpoints' shapes training split.

    The split is ``course_utils.tooling.checkpoints.SHAPES_SPLIT`` (32×32, 6 classes); the
    images are the ones ``shapes_data()[0].dataset`` holds, in the same order. The split is
    drawn once per process (about 2 s) and kept.
    """
    from course_utils.tooling.checkpoints import SHAPES_SPLIT

    _check_positive_int("n_train", n_train)
    if n_train > SHAPES_SPLIT["n_train"]:
        raise ValueError(
            f"n_train={n_train} is more than the {SHAPES_SPLIT['n_train']} images of the shapes "
            f"training split; use at most {SHAPES_SPLIT['n_train']}"
        )
    images, labels = _shapes_train_split()
    return images[:n_train].clone(), labels[:n_train].clone()


def degradation_data(
    data: str = "digits", n_train: int = 1257
) -> tuple[torch.Tensor, torch.Tensor, int]:
    """``(images, labels, classes)``: the first ``n_train`` training images of ``data``.

    ``"digits"``: the training split of ``digits_splits(size=16, seed=0)`` (1,257 images,
    1×16×16, 10 classes); ``"shapes"``: :func:`shapes_train_subset` (3×32×32, 6 classes).
    The splits are fixed: they do not move with ``COURSE_SEED_OFFSET``.
    """
    _check_positive_int("n_train", n_train)
    if data == "shapes":
        return (*shapes_train_subset(n_train), 6)
    if data != "digits":
        raise ValueError(f"data must be one of {DATASETS}, got {data!r}")
    from course_utils.data.digits import digits_splits

    train = digits_splits(size=16, seed=0)[0]
    if n_train > len(train):
        raise ValueError(
            f"n_train={n_train} is more than the {len(train)} images of the digits training "
            f"split; use at most {len(train)}"
        )
    return train.images[:n_train].clone(), train.labels[:n_train].clone(), 10


def train_loss_curve(
    model: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    momentum: float = 0.9,
    weight_decay: float = 1e-4,
    optimizer: str = "sgd",
    warmup_steps: int = 0,
    order_seed: int = 0,
    log_every: int = 10,
) -> dict[str, list]:
    """Train ``model`` with SGD + momentum and record the training loss every ``log_every`` steps.

    A bare loop rather than ``course_utils.train.fit``: the experiment needs the loss per
    step, not per epoch. Batches are drawn without replacement in an order fixed by
    ``order_seed`` (the same for every model given the same seed); a last incomplete batch is
    dropped, so every step sees ``batch_size`` images. Each logged point is the mean
    mini-batch loss (and accuracy) over the steps since the previous point. The first
    ``warmup_steps`` steps use ``lr / 10`` (He et al. warm up their deepest network this way).
    Returns ``{"steps", "loss", "accuracy", "epoch_loss"}``; ``epoch_loss`` is the mean
    mini-batch loss of each epoch.
    """
    _check_positive_int("epochs", epochs)
    _check_positive_int("batch_size", batch_size)
    _check_positive_int("log_every", log_every)
    n = len(labels)
    steps_per_epoch = n // batch_size
    if steps_per_epoch < 1:
        raise ValueError(
            f"batch_size={batch_size} is larger than the {n} training images: "
            "use a smaller batch or more images"
        )
    if optimizer == "sgd":
        opt: torch.optim.Optimizer = torch.optim.SGD(
            model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay
        )
    elif optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    else:
        raise ValueError(f"optimizer must be 'sgd' or 'adam', got {optimizer!r}")
    if isinstance(warmup_steps, bool) or not isinstance(warmup_steps, int) or warmup_steps < 0:
        raise ValueError(f"warmup_steps must be an int ≥ 0, got {warmup_steps!r}")
    generator = torch_generator(order_seed)
    model.train()
    curve: dict[str, list] = {"steps": [], "loss": [], "accuracy": [], "epoch_loss": []}
    step, window_loss, window_correct, window_steps = 0, 0.0, 0, 0
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator)
        epoch_loss = 0.0
        for b in range(steps_per_epoch):
            idx = order[b * batch_size : (b + 1) * batch_size]
            for group in opt.param_groups:
                group["lr"] = lr / 10 if step < warmup_steps else lr
            logits = model(images[idx])
            loss = F.cross_entropy(logits, labels[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            value = loss.detach().item()
            if not math.isfinite(value):
                raise FloatingPointError(
                    f"the training loss became {value} at step {step + 1}: lower lr={lr:g}"
                )
            step += 1
            epoch_loss += value
            window_loss += value
            window_correct += int((logits.argmax(1) == labels[idx]).sum())
            window_steps += 1
            if window_steps == log_every:
                curve["steps"].append(step)
                curve["loss"].append(window_loss / window_steps)
                curve["accuracy"].append(window_correct / (window_steps * batch_size))
                window_loss, window_correct, window_steps = 0.0, 0, 0
        curve["epoch_loss"].append(epoch_loss / steps_per_epoch)
    if window_steps:  # the last, shorter window
        curve["steps"].append(step)
        curve["loss"].append(window_loss / window_steps)
        curve["accuracy"].append(window_correct / (window_steps * batch_size))
    return curve


def run_label(depth: int, skip: bool) -> str:
    """``"plain-56"`` or ``"residual-56"``: how the notebook and the stored curves name a run."""
    return f"{'residual' if skip else 'plain'}-{depth}"


def degradation_curves(
    depths: Sequence[int] = (8, 20, 56),
    skips: Sequence[bool] = (False, True),
    *,
    data: str = "digits",
    width: int = 8,
    n_train: int = 1257,
    epochs: int = 8,
    batch_size: int = 32,
    lr: float = 0.05,
    momentum: float = 0.9,
    weight_decay: float = 1e-4,
    warmup_steps: int = 0,
    seeds: Sequence[int] = (0, 1, 2),
    log_every: int = 8,
) -> dict[str, Any]:
    """Training-loss curves of plain and residual ``cifar_resnet``s of several depths.

    Every run trains ``cifar_resnet(depth, num_classes, width=width, skip=skip)`` (option A
    zero-padding shortcuts, so plain and residual have the same parameters; batch norm after
    every convolution, as in the paper) on the first ``n_train`` images of
    :func:`degradation_data` (``data``), ``epochs`` epochs of SGD (momentum, weight decay:
    the paper's recipe) with batches of ``batch_size``. For one seed every run starts from
    weights drawn after ``seed_everything(seed)`` and sees the same batches in the same order.
    The defaults are the stored experiment's (``make checkpoints ONLY=resnet_degradation_digits``):
    ``lr=0.05`` is twice the paper's 0.1 per 128 images scaled to batches of 32. Runs on the CPU.
    Seeds move with ``COURSE_SEED_OFFSET`` (``make checkpoints`` ignores it).

    Returns JSON data: ``{"runs": [...], "classes": int, "steps_per_epoch": int}``; each run
    holds ``depth``, ``skip``, ``label`` (``"plain-20"``), ``seed`` (as given, before any
    offset), ``params``, ``seconds`` and the curve of :func:`train_loss_curve` (``steps``,
    ``loss``, ``accuracy``, ``epoch_loss``); ``final_loss`` is the mean mini-batch loss of
    the last epoch.
    """
    from course_utils.models import cifar_resnet, count_parameters

    depths, skips, seeds = list(depths), list(skips), list(seeds)
    for name, values in (("depths", depths), ("skips", skips), ("seeds", seeds)):
        if not values:
            raise ValueError(f"{name} must not be empty")
    for depth in depths:
        if isinstance(depth, bool) or not isinstance(depth, int) or depth < 8 or (depth - 2) % 6:
            raise ValueError(
                f"depth {depth!r} is not a CIFAR ResNet depth 6n + 2 (8, 14, 20, 26, 32, 44, 56)"
            )
    for skip in skips:
        if not isinstance(skip, bool):
            raise ValueError(f"skips holds True (residual) or False (plain), got {skip!r}")
    _check_positive_int("width", width)
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr!r}")

    images, labels, classes = degradation_data(data, n_train)
    runs = []
    for seed in seeds:
        for depth in depths:
            for skip in skips:
                seed_everything(seed)
                model = cifar_resnet(
                    depth, num_classes=classes, width=width, skip=skip, in_channels=images.shape[1]
                )
                start = time.perf_counter()
                curve = train_loss_curve(
                    model, images, labels, epochs=epochs, batch_size=batch_size, lr=lr,
                    momentum=momentum, weight_decay=weight_decay, warmup_steps=warmup_steps,
                    order_seed=seed,
                    log_every=log_every,
                )  # fmt: skip
                runs.append(
                    {
                        "depth": depth,
                        "skip": skip,
                        "label": run_label(depth, skip),
                        "seed": seed,
                        "params": count_parameters(model),
                        "seconds": round(time.perf_counter() - start, 2),
                        "final_loss": curve["epoch_loss"][-1],
                        **curve,
                    }
                )
    return {"runs": runs, "classes": classes, "steps_per_epoch": n_train // batch_size}


def final_losses(curves: dict[str, Any]) -> dict[str, dict[int, float]]:
    """``{"plain-56": {seed: final loss, …}, …}`` from the output of :func:`degradation_curves`.

    Accepts the stored record too (its ``"curves"`` entry is used). Seeds come back as ints
    even from JSON.
    """
    if "curves" in curves and "runs" not in curves:
        curves = curves["curves"]
    if "runs" not in curves:
        raise ValueError("expected the output of degradation_curves (a dict with 'runs')")
    table: dict[str, dict[int, float]] = {}
    for run in curves["runs"]:
        table.setdefault(run["label"], {})[int(run["seed"])] = float(run["final_loss"])
    return table


_DEPTH_COLOURS = ("tab:green", "tab:orange", "tab:red", "tab:purple", "tab:brown")


def plot_degradation(
    curves: dict[str, Any],
    live: dict[str, Any] | None = None,
    *,
    title: str = "",
    epochs: int | None = None,
):
    """He et al.'s Fig. 1/6 from :func:`degradation_curves` output (or the stored record).

    Two panels, plain left and residual right, sharing the loss axis: per depth one thin line
    per seed and a thick line for the mean over seeds, training loss per epoch. ``live``
    (another run, e.g. a short one made in the notebook) is drawn as dots on top;
    ``epochs`` cuts the stored curves to that many epochs. Returns the figure.
    """
    import matplotlib.pyplot as plt
    import numpy as np

    if "curves" in curves and "runs" not in curves:
        curves = curves["curves"]
    runs = curves["runs"]
    depths = sorted({r["depth"] for r in runs})
    colours = dict(zip(depths, _DEPTH_COLOURS, strict=False))
    chance = math.log(curves.get("classes", 10))
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
    for ax, skip in zip(axes, (False, True), strict=True):
        for depth in depths:
            group = [
                r["epoch_loss"][:epochs] for r in runs if r["depth"] == depth and r["skip"] == skip
            ]
            if not group:
                continue
            x = np.arange(1, len(group[0]) + 1)
            for losses in group:
                ax.plot(x, losses, color=colours[depth], alpha=0.35, lw=0.8)
            ax.plot(x, np.mean(group, axis=0), color=colours[depth], lw=2.2,
                    label=f"{run_label(depth, skip)} ({len(group)} seeds)")  # fmt: skip
            for r in (live or {}).get("runs", []):
                if r["depth"] == depth and r["skip"] == skip:
                    ax.plot(np.arange(1, len(r["epoch_loss"]) + 1), r["epoch_loss"], "o",
                            color=colours[depth], mec="k", ms=7,
                            label=f"{run_label(depth, skip)} live")  # fmt: skip
        ax.axhline(chance, color="gray", ls=":", lw=1)
        ax.text(ax.get_xlim()[1], chance, f"chance: ln {curves.get('classes', 10)}",
                ha="right", va="bottom", fontsize=9, color="gray")  # fmt: skip
        ax.set(xlabel="epoch", title=f"{'residual' if skip else 'plain'} networks")
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    axes[0].set_ylabel("training loss (cross-entropy, nats)")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
