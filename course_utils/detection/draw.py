"""Draw detections on an image with matplotlib: boxes with labels and scores, masks, proposals.

Each function draws into a given ``Axes`` (so a notebook can lay out several panels),
sets a title and pixel axis labels, and returns the ``Axes``. Images may be C×H×W
tensors (float in [0, 1] or uint8) or H×W(×C) arrays.

>>> import matplotlib.pyplot as plt
>>> fig, ax = plt.subplots()
>>> _ = draw_boxes(ax, torch.rand(3, 32, 32), torch.tensor([[4.0, 4.0, 20.0, 28.0]]),
...                labels=torch.tensor([1]), scores=torch.tensor([0.9]), class_names=["bg", "disc"])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib
import matplotlib.patches as mpatches
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.colors import to_hex, to_rgba
from torch import Tensor

__all__ = ["class_color", "draw_boxes", "draw_masks", "draw_proposals"]

_PALETTE = [to_hex(c) for c in matplotlib.colormaps["tab10"].colors]


def class_color(label: int) -> str:
    """A fixed colour per class label (tab10, cycling), so a class looks the same everywhere."""
    return _PALETTE[int(label) % len(_PALETTE)]


def _as_image(image: Any) -> np.ndarray:
    if isinstance(image, Tensor):
        img = image.detach().cpu()
        if img.dim() == 3 and img.shape[0] in (1, 3) and img.shape[-1] not in (1, 3):
            img = img.permute(1, 2, 0)
        img = img.float() / 255 if img.dtype == torch.uint8 else img.float()
        image = img.numpy()
    arr = np.asarray(image)
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim not in (2, 3):
        raise ValueError(f"an image must be H×W, C×H×W or H×W×C; got shape {arr.shape}")
    return arr


def _pixel_extent(arr: np.ndarray) -> tuple[float, float, float, float]:
    """``imshow`` extent that puts pixel (row r, column c) on [c, c + 1] × [r, r + 1].

    Boxes are pixel *edges* (``x2`` = last column + 1); matplotlib's default extent centres
    pixel c on x = c instead, which would draw every box half a pixel off its object.
    """
    height, width = arr.shape[:2]
    return (0.0, float(width), float(height), 0.0)


def _show(ax: Axes, image: Any, title: str) -> None:
    if image is not None:
        arr = _as_image(image)
        ax.imshow(
            arr,
            cmap="gray" if arr.ndim == 2 else None,
            vmin=0 if arr.ndim == 2 else None,
            extent=_pixel_extent(arr),
        )
    ax.set_title(title)
    ax.set_xlabel("x (pixels)")
    ax.set_ylabel("y (pixels)")


def _as_boxes(boxes: Any) -> np.ndarray:
    arr = np.asarray(boxes.detach().cpu() if isinstance(boxes, Tensor) else boxes, dtype=float)
    arr = arr.reshape(-1, 4) if arr.size == 0 else arr
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise ValueError(f"boxes must be (K, 4) xyxy, got shape {arr.shape}")
    return arr


def _name(label: int, class_names: Sequence[str] | None) -> str:
    if class_names is not None and 0 <= label < len(class_names):
        return str(class_names[label])
    return f"class {label}"


def draw_boxes(
    ax: Axes,
    image: Any,
    boxes: Any,
    labels: Any = None,
    scores: Any = None,
    class_names: Sequence[str] | None = None,
    color: str | None = None,
    linewidth: float = 2.0,
    linestyle: str = "-",
    title: str | None = None,
    legend: bool = True,
) -> Axes:
    """Draw xyxy boxes (with "name score" tags) on ``image`` (``None``: on what ``ax`` shows).

    Colours follow the labels (:func:`class_color`) unless ``color`` is given; with
    labels, a legend names each class once. Use ``linestyle="--"`` to draw ground truth
    and predictions on one image.
    """
    b = _as_boxes(boxes)
    lab = None if labels is None else [int(v) for v in np.asarray(torch.as_tensor(labels).cpu())]
    sc = None if scores is None else [float(v) for v in np.asarray(torch.as_tensor(scores).cpu())]
    for name, values in (("labels", lab), ("scores", sc)):
        if values is not None and len(values) != len(b):
            raise ValueError(f"got {len(b)} boxes but {len(values)} {name}")
    _show(ax, image, title if title is not None else f"{len(b)} boxes")
    seen: dict[int, str] = {}
    for i, (x1, y1, x2, y2) in enumerate(b):
        c = color or (class_color(lab[i]) if lab is not None else class_color(0))
        ax.add_patch(
            mpatches.Rectangle(
                (x1, y1),
                x2 - x1,
                y2 - y1,
                fill=False,
                edgecolor=c,
                linewidth=linewidth,
                linestyle=linestyle,
            )
        )
        tag = []
        if lab is not None:
            tag.append(_name(lab[i], class_names))
            seen.setdefault(lab[i], c)
        if sc is not None:
            tag.append(f"{sc[i]:.2f}")
        if tag:
            ax.text(
                x1,
                y1,
                " ".join(tag),
                color="white",
                fontsize=8,
                va="bottom",
                bbox={"facecolor": c, "alpha": 0.7, "pad": 1, "edgecolor": "none"},
            )
    if legend and seen:
        handles = [
            mpatches.Patch(
                edgecolor=c, facecolor="none", linestyle=linestyle, label=_name(k, class_names)
            )
            for k, c in sorted(seen.items())
        ]
        ax.legend(handles=handles, loc="upper right", fontsize=8)
    return ax


def draw_masks(
    ax: Axes,
    image: Any,
    masks: Any,
    alpha: float = 0.5,
    labels: Any = None,
    threshold: float = 0.5,
    title: str | None = None,
) -> Axes:
    """Overlay instance masks ``(K, H, W)`` (bool, or probabilities cut at ``threshold``).

    Each mask gets its class colour (with ``labels``) or its own colour, blended with
    opacity ``alpha`` over the image.
    """
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha is an opacity in [0, 1], got {alpha}")
    m = masks.detach().cpu().numpy() if isinstance(masks, Tensor) else np.asarray(masks)
    if m.ndim == 4 and m.shape[1] == 1:  # Mask R-CNN gives (K, 1, H, W)
        m = m[:, 0]
    if m.ndim != 3:
        raise ValueError(f"masks must be (K, H, W) (or (K, 1, H, W)), got shape {m.shape}")
    m = m > threshold if m.dtype != bool else m
    lab = None if labels is None else [int(v) for v in np.asarray(torch.as_tensor(labels).cpu())]
    _show(ax, image, title if title is not None else f"{len(m)} masks")
    overlay = np.zeros((*m.shape[1:], 4))
    for i, mask in enumerate(m):
        overlay[mask] = to_rgba(class_color(lab[i] if lab is not None else i + 1), alpha)
    ax.imshow(overlay, extent=_pixel_extent(overlay))  # the masks' pixels on the image's pixels
    return ax


def draw_proposals(
    ax: Axes,
    image: Any,
    boxes: Any,
    max_boxes: int = 100,
    color: str = "#ffdd00",
    linewidth: float = 0.8,
    title: str | None = None,
) -> Axes:
    """Draw the first ``max_boxes`` proposals as thin boxes; the title says how many of how many."""
    b = _as_boxes(boxes)
    shown = b[:max_boxes]
    _show(ax, image, title if title is not None else f"{len(shown)} of {len(b)} proposals")
    for x1, y1, x2, y2 in shown:
        ax.add_patch(
            mpatches.Rectangle(
                (x1, y1), x2 - x1, y2 - y1, fill=False, edgecolor=color, linewidth=linewidth
            )
        )
    return ax
