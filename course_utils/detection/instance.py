"""Notebook 12's measurements and figures: semantic vs instance masks, RoI quantisation, the mask head.

- :func:`semantic_map`, :func:`count_regions`, :func:`find_touching_pair`: what a per-pixel
  class map loses when two objects of one class touch;
- :func:`roi_pool_bins`, :func:`roi_misalignment`: where RoI max pooling's rounded bins lie
  against the exact bins that RoI Align samples, in image pixels;
- figures, each one call: :func:`plot_semantic_vs_instance`, :func:`plot_roi_bins`,
  :func:`plot_mask_steps`, :func:`plot_stage_bars`, :func:`plot_instances`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib import patches as mpatches
from matplotlib.colors import ListedColormap, to_rgba
from torch import Tensor

from course_utils._checks import check_positive_int
from course_utils.detection.draw import class_color, draw_boxes

__all__ = [
    "semantic_map",
    "count_regions",
    "find_touching_pair",
    "roi_pool_bins",
    "roi_misalignment",
    "plot_semantic_vs_instance",
    "plot_roi_bins",
    "plot_mask_steps",
    "plot_stage_bars",
    "plot_instances",
    "compare_pastings",
]


# ------------------------------------------------------------------ semantic vs instance


def semantic_map(masks: Tensor, labels: Tensor) -> Tensor:
    """The ``(H, W)`` class map of one image (0 = background) from its instance masks.

    Semantic segmentation's answer: each pixel gets a class, so two objects of one class
    become one label region — the instance identity is gone.
    """
    out = torch.zeros(masks.shape[-2:], dtype=torch.int64)
    for mask, label in zip(masks.bool(), labels.tolist(), strict=True):
        out[mask] = label
    return out


def count_regions(mask: Tensor | np.ndarray) -> int:
    """Number of 4-connected regions of a binary ``(H, W)`` mask."""
    from scipy import ndimage

    arr = mask.numpy() if isinstance(mask, Tensor) else np.asarray(mask)
    return int(ndimage.label(arr.astype(bool))[1])


def _touching(a: np.ndarray, b: np.ndarray) -> bool:
    """Do two disjoint masks share an edge (4-neighbourhood)?"""
    from scipy import ndimage

    return bool((ndimage.binary_dilation(a) & b).any())  # the default structure is 4-connected


def find_touching_pair(targets: Sequence[Mapping[str, Tensor]]) -> tuple[int, int, int]:
    """``(image, i, j)``: the first image where objects ``i`` and ``j`` share a class and touch.

    Touching means their visible masks share a pixel edge, so the class map joins them
    into one region. Raises ``LookupError`` if no image has such a pair.
    """
    for n, target in enumerate(targets):
        masks, labels = target["masks"].bool().numpy(), target["labels"].tolist()
        for i in range(len(labels)):
            for j in range(i + 1, len(labels)):
                if labels[i] == labels[j] and _touching(masks[i], masks[j]):
                    return n, i, j
    raise LookupError("no image has two touching objects of one class; pass more targets")


def plot_semantic_vs_instance(image: Tensor, target: Mapping[str, Tensor],
                              class_names: Sequence[str]) -> plt.Figure:  # fmt: skip
    """Image, its semantic class map and its instance masks, side by side."""
    masks, labels = target["masks"].bool(), target["labels"]
    classes = semantic_map(masks, labels)
    fig, axes = plt.subplots(1, 3, figsize=(12, 4.2))
    draw_boxes(axes[0], image, target["boxes"], labels, class_names=class_names, legend=False,
               title="image and boxes")  # fmt: skip
    colours = ["#000000"] + [class_color(k) for k in range(1, len(class_names))]
    axes[1].imshow(classes.numpy(), cmap=ListedColormap(colours), vmin=0,
                   vmax=len(class_names) - 1, interpolation="nearest")  # fmt: skip
    axes[1].set(title="semantic: one class per pixel", xticks=[], yticks=[])
    axes[1].legend(handles=[mpatches.Patch(color=colours[k], label=class_names[k])
                            for k in range(1, len(class_names))], loc="upper right", fontsize=8)  # fmt: skip
    overlay = np.zeros((*masks.shape[1:], 4))
    for k, mask in enumerate(masks.numpy()):
        overlay[mask] = to_rgba(plt.cm.tab10(k % 10), 1.0)
    axes[2].imshow(overlay, interpolation="nearest")
    axes[2].set(title="instance: one mask per object", xticks=[], yticks=[], facecolor="black")
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------ RoI quantisation


def roi_pool_bins(box: Sequence[float], stride: int, output_size: int) -> dict[str, np.ndarray]:
    """Bin edges (image pixels, along x and y) of RoI max pooling and of the exact RoI.

    RoI max pooling (torchvision's kernel, notebook 10) rounds the box to whole feature cells
    — ``start = round(x1 / stride)``, ``end = round(x2 / stride)``, both cells included — and
    gives bin ``i`` the cells ``floor(i · b)`` to ``ceil((i + 1) · b)`` with
    ``b = (end − start + 1) / output_size``. Cell ``c`` covers pixels ``[c·stride, (c+1)·stride)``.
    RoI Align keeps the exact bins ``x1 + i · (x2 − x1) / output_size``.

    Returns ``{"x_lo", "x_hi", "y_lo", "y_hi"}`` (pooling's bins, each ``(output_size,)``)
    and ``"x_exact"``, ``"y_exact"`` (``output_size + 1`` edges).
    """
    stride = check_positive_int("stride", stride)
    output_size = check_positive_int("output_size", output_size)
    x1, y1, x2, y2 = (float(v) for v in box)
    out: dict[str, np.ndarray] = {}
    for axis, lo, hi in (("x", x1, x2), ("y", y1, y2)):
        start = np.floor(lo / stride + 0.5)  # C's round() for non-negative coordinates
        end = np.floor(hi / stride + 0.5)
        cells = max(end - start + 1, 1.0)
        b = cells / output_size
        i = np.arange(output_size)
        out[f"{axis}_lo"] = (start + np.floor(i * b)) * stride
        out[f"{axis}_hi"] = (start + np.ceil((i + 1) * b)) * stride
        out[f"{axis}_exact"] = lo + np.arange(output_size + 1) * (hi - lo) / output_size
    return out


def roi_misalignment(boxes: Tensor, stride: int, output_size: int) -> dict[str, Tensor]:
    """Per box, in pixels: how far RoI max pooling reads from the exact RoI and its bins.

    ``"roi"``: the largest of the four distances between the rounded RoI's edges (the cells
    it pools, end cell included) and the box's edges; ``"bins"``: the largest distance
    between a pooling bin's edge and the exact bin edge. RoI Align has 0 for both by
    construction (it samples at the exact positions, bilinearly).
    """
    roi, bins_worst = [], []
    for box in boxes.tolist():
        bins = roi_pool_bins(box, stride, output_size)
        roi.append(max(max(abs(bins[f"{a}_lo"][0] - bins[f"{a}_exact"][0]),
                           abs(bins[f"{a}_hi"][-1] - bins[f"{a}_exact"][-1])) for a in "xy"))  # fmt: skip
        bins_worst.append(max(max(np.abs(bins[f"{a}_lo"] - bins[f"{a}_exact"][:-1]).max(),
                                  np.abs(bins[f"{a}_hi"] - bins[f"{a}_exact"][1:]).max())
                              for a in "xy"))  # fmt: skip
    as_tensor = lambda v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
    return {"roi": as_tensor(roi), "bins": as_tensor(bins_worst)}


def plot_roi_bins(box: Sequence[float], stride: int, output_size: int,
                  sampling_ratio: int = 2) -> plt.Figure:  # fmt: skip
    """The feature grid, a RoI, RoI pooling's rounded bins and RoI Align's sampling points."""
    bins = roi_pool_bins(box, stride, output_size)
    x1, y1, x2, y2 = (float(v) for v in box)
    pad = 2 * stride
    lo_x, hi_x = np.floor((x1 - pad) / stride) * stride, np.ceil((x2 + pad) / stride) * stride
    lo_y, hi_y = np.floor((y1 - pad) / stride) * stride, np.ceil((y2 + pad) / stride) * stride
    fig, axes = plt.subplots(1, 2, figsize=(11, 5.2))
    for ax, title in zip(axes, ("RoI max pooling: rounded to cells", "RoI Align: exact bins"),
                         strict=True):  # fmt: skip
        for x in np.arange(lo_x, hi_x + 1, stride):
            ax.axvline(x, color="0.85", lw=0.8, zorder=0)
        for y in np.arange(lo_y, hi_y + 1, stride):
            ax.axhline(y, color="0.85", lw=0.8, zorder=0)
        ax.add_patch(mpatches.Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, ec="tab:green",
                                        lw=2.5, label="the RoI (exact)"))  # fmt: skip
        ax.set(xlim=(lo_x, hi_x), ylim=(hi_y, lo_y), aspect="equal", title=title,
               xlabel="x (image pixels)", ylabel="y (image pixels)")  # fmt: skip
    for i in range(output_size):
        for j in range(output_size):
            axes[0].add_patch(mpatches.Rectangle(
                (bins["x_lo"][j], bins["y_lo"][i]), bins["x_hi"][j] - bins["x_lo"][j],
                bins["y_hi"][i] - bins["y_lo"][i], fill=True, fc=to_rgba("tab:red", 0.06),
                ec="tab:red", lw=1.0, label="pooling bins" if i == j == 0 else None))  # fmt: skip
    xe, ye = bins["x_exact"], bins["y_exact"]
    for x in xe:
        axes[1].plot([x, x], [ye[0], ye[-1]], color="tab:blue", lw=0.8)
    for y in ye:
        axes[1].plot([xe[0], xe[-1]], [y, y], color="tab:blue", lw=0.8)
    fractions = (np.arange(sampling_ratio) + 0.5) / sampling_ratio
    px = (xe[:-1, None] + np.diff(xe)[:, None] * fractions).ravel()
    py = (ye[:-1, None] + np.diff(ye)[:, None] * fractions).ravel()
    gx, gy = np.meshgrid(px, py)
    axes[1].plot(gx.ravel(), gy.ravel(), ".", color="tab:blue", ms=3,
                 label=f"{sampling_ratio}×{sampling_ratio} bilinear samples per bin")  # fmt: skip
    for ax in axes:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), fontsize=9, ncol=2)
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------ the mask head, step by step


def _instance_overlay(ax, image: Tensor, masks: Tensor, colours: Sequence, title: str) -> None:
    """The image darkened, each mask on it in its own colour (opaque enough for a projector)."""
    arr = image.permute(1, 2, 0).numpy() if image.dim() == 3 else image.numpy()
    shown = 0.35 * arr
    for mask, colour in zip(masks.bool().numpy(), colours, strict=True):
        shown[mask] = 0.25 * shown[mask] + 0.75 * np.asarray(to_rgba(colour)[:3])
    ax.imshow(shown.clip(0, 1), interpolation="nearest",
              extent=(0, arr.shape[1], arr.shape[0], 0))  # fmt: skip
    ax.set(title=title, xlabel="x (pixels)", ylabel="y (pixels)")


def plot_mask_steps(image: Tensor, box: Tensor, gt_mask: Tensor, target: Tensor,
                    probs: Tensor, pasted: Tensor) -> plt.Figure:  # fmt: skip
    """Four panels: the RoI on the image, its 28×28 target, the predicted 28×28 mask, pasted back.

    The last panel colours the pixels where the pasted mask and the object's mask agree
    (white), where only the prediction has them (magenta) and where it missed them (cyan).
    """
    fig, axes = plt.subplots(1, 5, figsize=(15, 3.9),
                             gridspec_kw={"width_ratios": [1, 1, 1, 0.06, 1]})  # fmt: skip
    draw_boxes(axes[0], image, box[None], color="#ffdd00", title="a RoI (detected box)")
    m = target.shape[-1]
    panels = ((axes[1], target, f"mask target, {m}×{m}\n(crop of the object's mask)"),
              (axes[2], probs, f"predicted mask, {m}×{m}\n(sigmoid of its class)"))  # fmt: skip
    for ax, grid, title in panels:
        shown = ax.imshow(grid.numpy(), cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
        ax.set(title=title, xticks=[], yticks=[])
    fig.colorbar(shown, cax=axes[3], label="probability")
    gt_mask, pasted = gt_mask.bool(), pasted.bool()
    parts = torch.stack([gt_mask & pasted, pasted & ~gt_mask, gt_mask & ~pasted])
    _instance_overlay(axes[4], image, parts, ["white", "magenta", "cyan"],
                      "pasted into the box")  # fmt: skip
    x1, y1, x2, y2 = box.tolist()
    axes[4].set(
        xlim=(x1 - 8, x2 + 8), ylim=(y2 + 8, y1 - 8), title="pasted into the box (≥ 0.5),\nzoomed"
    )
    axes[4].legend(handles=[mpatches.Patch(color=c, label=t) for c, t in
                            (("white", "both"), ("magenta", "extra"), ("cyan", "missed"))],
                   loc="lower right", fontsize=8)  # fmt: skip
    fig.tight_layout()
    return fig


def plot_instances(image: Tensor, detections: Mapping[str, Tensor], target: Mapping[str, Tensor],
                   class_names: Sequence[str], min_score: float = 0.5) -> plt.Figure:  # fmt: skip
    """Ground-truth instance masks next to the detections' masks (score ≥ ``min_score``).

    One colour per *object* (not per class), so touching objects of one class stay apart.
    """
    keep = detections["scores"] >= min_score
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.4))
    colours = [plt.get_cmap("tab10")(k % 10) for k in range(max(len(target["masks"]), 1) + 20)]
    _instance_overlay(axes[0], image, target["masks"], colours[: len(target["masks"])],
                      f"ground truth: {len(target['masks'])} instance masks")  # fmt: skip
    _instance_overlay(axes[1], image, detections["masks"][keep], colours[: int(keep.sum())],
                      f"Mask R-CNN: {int(keep.sum())} detections (score ≥ {min_score})")  # fmt: skip
    draw_boxes(axes[1], None, detections["boxes"][keep], detections["labels"][keep],
               scores=detections["scores"][keep], class_names=class_names, legend=False,
               title=axes[1].get_title())  # fmt: skip
    fig.tight_layout()
    return fig


def plot_stage_bars(times: Mapping[str, Mapping[str, float]], title: str,
                    highlight: Sequence[str] = ("mask_head", "paste")) -> plt.Figure:  # fmt: skip
    """Stacked bars of milliseconds per image and stage, one bar per detector.

    ``times`` as :func:`~course_utils.detection.engine.compare_stage_times` returns them;
    the ``highlight`` stages are hatched.
    """
    stages: list[str] = []
    for t in times.values():
        stages += [s for s in t if s != "total" and s not in stages]
    colours = {stage: plt.get_cmap("tab10")(k % 10) for k, stage in enumerate(stages)}
    totals = [1e3 * sum(v for k, v in t.items() if k != "total") for t in times.values()]
    fig, ax = plt.subplots(figsize=(10, 1.6 + 0.6 * len(times)))
    for y, t in enumerate(times.values()):
        left = 0.0
        for stage in stages:
            ms = 1e3 * t.get(stage, 0.0)
            ax.barh(y, ms, left=left, color=colours[stage], edgecolor="white",
                    hatch="//" if stage in highlight else None)  # fmt: skip
            left += ms
        ax.text(left, y, f" {left:.1f} ms", va="center", fontsize=9)
    ax.set(yticks=range(len(times)), yticklabels=list(times), xlabel="milliseconds per image",
           title=title, xlim=(0, 1.25 * max(totals)))  # fmt: skip
    ax.invert_yaxis()
    handles = [mpatches.Patch(facecolor=colours[s], hatch="//" if s in highlight else None,
                              edgecolor="white", label=s) for s in stages]  # fmt: skip
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.3),
              ncol=min(7, len(stages)), fontsize=8)  # fmt: skip
    fig.tight_layout()
    return fig


@torch.no_grad()
def compare_pastings(model, images: Sequence[Tensor], targets: Sequence[Mapping[str, Tensor]],
                     min_score: float = 0.5) -> dict[str, float]:  # fmt: skip
    """The kit's :func:`paste_masks` against torchvision's ``paste_masks_in_image``.

    For the detections of a Mask R-CNN with score ≥ ``min_score`` on ``images``: both
    pastings of the same 28×28 probabilities, their agreement (mask IoU, mean and minimum),
    each one's mask IoU with the ground-truth mask of the object its box overlaps most, and
    torchvision's pixel count over the kit's.
    """
    from torchvision.models.detection.roi_heads import paste_masks_in_image

    from course_utils.detection.boxes import _box_iou
    from course_utils.detection.masks import _mask_iou, mask_probabilities, paste_masks

    agree, ours_gt, theirs_gt, ours_px, theirs_px = [], [], [], 0, 0
    for image, target in zip(images, targets, strict=True):
        found = model([image])[0]
        keep = found["scores"] >= min_score
        boxes, labels = found["boxes"][keep], found["labels"][keep]
        if not len(boxes) or not len(target["boxes"]):
            continue
        probs = mask_probabilities(model.mask_logits(model.backbone(image[None]), [boxes]), labels,
                                   model.mask_loss_kind)  # fmt: skip
        size = tuple(image.shape[-2:])
        ours = paste_masks(probs, boxes, size)
        theirs = paste_masks_in_image(probs[:, None], boxes, size)[:, 0] >= 0.5
        truth = target["masks"][_box_iou(boxes, target["boxes"]).argmax(dim=1)].bool()
        agree.append(_mask_iou(ours, theirs).diagonal())
        ours_gt.append(_mask_iou(ours, truth).diagonal())
        theirs_gt.append(_mask_iou(theirs, truth).diagonal())
        ours_px += int(ours.sum())
        theirs_px += int(theirs.sum())
    agreement = torch.cat(agree)
    return {"detections": len(agreement), "agreement_mean": float(agreement.mean()),
            "agreement_min": float(agreement.min()), "kit_vs_truth": float(torch.cat(ours_gt).mean()),
            "torchvision_vs_truth": float(torch.cat(theirs_gt).mean()),
            "pixel_ratio": theirs_px / max(1, ours_px)}  # fmt: skip
