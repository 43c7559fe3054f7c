"""Readable figures: image grids, filters, feature maps, curves and training history.

Every helper sets a title and axis labels (with units where there are units) and
returns the matplotlib ``Figure`` so a notebook can save or further adjust it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch

__all__ = ["image_grid", "show_filters", "plot_curves", "plot_history", "bar_chart"]


def _to_numpy_image(img: Any) -> np.ndarray:
    if isinstance(img, torch.Tensor):
        img = img.detach().float().cpu()
        if img.dim() == 3 and img.shape[0] in (1, 3):
            img = img.permute(1, 2, 0)
        img = img.numpy()
    img = np.asarray(img)
    if img.ndim == 3 and img.shape[-1] == 1:
        img = img[..., 0]
    if img.ndim not in (2, 3):
        raise ValueError(f"an image must be H×W, C×H×W or H×W×C; got shape {img.shape}")
    return img


def image_grid(
    images: Sequence | torch.Tensor,
    titles: Sequence[str] | None = None,
    ncols: int = 8,
    title: str | None = None,
    cmap: str = "gray",
    normalize: bool = False,
    size: float = 1.4,
) -> plt.Figure:
    """Show images (tensors C×H×W or arrays) in a grid, with optional per-image titles.

    ``normalize=True`` rescales each image to [0, 1] (for filters and feature maps).
    """
    n = len(images)
    if n == 0:
        raise ValueError("image_grid needs at least one image")
    if titles is not None and len(titles) != n:
        raise ValueError(f"got {n} images but {len(titles)} titles")
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(size * ncols, size * nrows + 0.4), squeeze=False
    )
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        img = _to_numpy_image(images[i])
        if normalize:
            lo, hi = float(img.min()), float(img.max())
            img = (img - lo) / (hi - lo) if hi > lo else np.zeros_like(img)
        elif img.dtype.kind == "f":
            img = np.clip(img, 0.0, 1.0) if img.ndim == 3 else img
        ax.imshow(img, cmap=cmap if img.ndim == 2 else None, interpolation="nearest")
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def show_filters(
    weight: torch.Tensor, title: str = "first-layer filters", ncols: int = 12
) -> plt.Figure:
    """Show conv filters (K×C×F×F): colour when C = 3, else the channel-mean, each rescaled."""
    if weight.dim() != 4:
        raise ValueError(f"filters must be K×C×F×F, got shape {tuple(weight.shape)}")
    w = weight.detach().float().cpu()
    if w.shape[1] != 3:
        w = w.mean(1, keepdim=True)
    return image_grid(list(w), ncols=ncols, title=title, normalize=True, cmap="gray")


def plot_curves(
    curves: Mapping[str, Sequence[float]],
    x: Sequence[float] | None = None,
    title: str = "",
    xlabel: str = "",
    ylabel: str = "",
    logy: bool = False,
    ax: plt.Axes | None = None,
    marker: str | None = None,
    logx_base: int | None = None,
) -> plt.Figure:
    """Plot named curves on one axis with a legend; ``x`` defaults to 1, 2, ….

    ``logx_base=2`` puts x on a log scale with a tick at each given x value.
    """
    if not title or not xlabel or not ylabel:
        raise ValueError("a course figure needs a title, an x label and a y label (with units)")
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 3.6))
    else:
        fig = ax.figure
    for name, ys in curves.items():
        xs = list(x) if x is not None else list(range(1, len(ys) + 1))
        ax.plot(xs[: len(ys)], list(ys), label=name, marker=marker)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    if logx_base is not None and x is not None:
        ax.set_xscale("log", base=logx_base)
        ax.set_xticks(list(x), [f"{v:g}" for v in x])
        ax.minorticks_off()
    ax.grid(alpha=0.3)
    if len(curves) > 1:
        ax.legend()
    fig.tight_layout()
    return fig


def plot_history(history: Any, title: str = "training history") -> plt.Figure:
    """Loss (left) and accuracy in % (right) per epoch, train and validation."""
    h = history.as_dict() if hasattr(history, "as_dict") else dict(history)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.4))
    epochs = h["epoch"]
    ax_loss.plot(epochs, h["train_loss"], marker="o", label="train")
    if h.get("val_loss"):
        ax_loss.plot(epochs, h["val_loss"], marker="o", label="validation")
    ax_loss.set(title="loss", xlabel="epoch", ylabel="cross-entropy loss")
    ax_acc.plot(epochs, [100 * a for a in h["train_acc"]], marker="o", label="train")
    if h.get("val_acc"):
        ax_acc.plot(epochs, [100 * a for a in h["val_acc"]], marker="o", label="validation")
    ax_acc.set(title="accuracy", xlabel="epoch", ylabel="accuracy (%)")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def bar_chart(
    values: Mapping[str, float],
    title: str,
    ylabel: str,
    xlabel: str = "",
    logy: bool = False,
    annotate: str = "{:.3g}",
    ax: plt.Axes | None = None,
) -> plt.Figure:
    """A labelled bar chart with the value written on each bar."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 3.6))
    else:
        fig = ax.figure
    names = list(values)
    colors = [plt.cm.tab10(i % 10) for i in range(len(names))]
    bars = ax.bar(names, [values[k] for k in names], color=colors)
    for bar, name in zip(bars, names, strict=True):
        ax.annotate(
            annotate.format(values[name]),
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    ax.set(title=title, ylabel=ylabel, xlabel=xlabel)
    if logy:
        ax.set_yscale("log")
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    return fig
