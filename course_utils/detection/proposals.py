"""Region proposals by selective search (R-CNN, Fast R-CNN), and how many objects they cover.

Selective search (Uijlings et al., 2013) over-segments the image (Felzenszwalb's graph
segmentation), then greedily merges the most similar neighbouring regions — by colour,
texture, size and fill — until one region is left. Every region met on the way gives a
box: a few hundred to a few thousand class-agnostic proposals per image. OpenCV's contrib
module ``cv2.ximgproc`` implements it in C++.

>>> image = torch.rand(3, 64, 64)
>>> boxes = selective_search_boxes(image, max_proposals=100)
>>> boxes.dtype, boxes.shape[1]
(torch.float32, 4)
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor

from course_utils._checks import (
    check_boxes,
    check_choice,
    check_int,
    check_number,
    check_positive_int,
    check_probability,
)
from course_utils.detection.boxes import _box_iou, _remove_small_boxes, xywh_to_xyxy
from course_utils.hosted import has_selective_search

__all__ = ["selective_search_boxes", "proposal_recall"]

_MODES = ("single", "fast", "quality")


def _import_ximgproc() -> Any:
    try:
        import cv2
    except ImportError as err:  # pragma: no cover - the kit depends on OpenCV
        raise ImportError(
            "selective search needs OpenCV: install opencv-contrib-python-headless, and no "
            "other OpenCV package beside it"
        ) from err
    if not has_selective_search(cv2):
        raise ImportError(
            "selective search needs OpenCV's contrib modules (cv2.ximgproc), which this cv2 "
            f"(version {cv2.__version__}) lacks: install opencv-contrib-python-headless, and no "
            "other OpenCV package beside it (opencv-python, opencv-python-headless and "
            "opencv-contrib-python all install the same cv2 folder and overwrite each other; "
            "pip uninstall them first)"
        )
    return cv2


@functools.cache
def _c_srand() -> Callable[[int], Any] | None:
    """The C library's ``srand``, or None where it cannot be found."""
    names = [ctypes.util.find_library("c"), "ucrtbase", "msvcrt"]
    for name in names:
        if name is None:
            continue
        try:
            return ctypes.CDLL(name).srand
        except (OSError, AttributeError):
            continue
    return None


def _to_bgr_uint8(image: Tensor | np.ndarray) -> np.ndarray:
    """CHW float [0, 1] tensor or HWC uint8 (RGB) array → contiguous HWC uint8 BGR, as cv2 wants."""
    if isinstance(image, Tensor):
        img = image.detach().cpu()
        if img.dim() == 2:
            img = img[None]
        if img.dim() != 3 or img.shape[0] not in (1, 3):
            raise ValueError(
                f"an image tensor must be C×H×W with C = 1 or 3, got {tuple(img.shape)}"
            )
        if img.is_floating_point():
            if img.numel() and (float(img.min()) < 0.0 or float(img.max()) > 1.0):
                raise ValueError(
                    f"a float image tensor must be in [0, 1], got values in [{float(img.min()):g}, "
                    f"{float(img.max()):g}]; undo the normalisation first (or divide by 255)"
                )
            img = (img * 255).round().to(torch.uint8)
        elif img.dtype != torch.uint8:
            raise ValueError(f"an image tensor must be float in [0, 1] or uint8, got {img.dtype}")
        arr = img.permute(1, 2, 0).numpy()
    else:
        arr = np.asarray(image)
        if arr.ndim == 2:
            arr = arr[:, :, None]
        if arr.ndim != 3 or arr.shape[2] not in (1, 3):
            raise ValueError(
                f"an image array must be H×W×C with C = 1 or 3 (RGB), got shape {arr.shape}; "
                "a C×H×W array? use a torch tensor or arr.transpose(1, 2, 0)"
            )
        if arr.dtype != np.uint8:
            if not np.issubdtype(arr.dtype, np.floating) or arr.min() < 0 or arr.max() > 1:
                raise ValueError(
                    f"an image array must be uint8 or float in [0, 1], got {arr.dtype}"
                )
            arr = np.round(arr * 255).astype(np.uint8)
    if arr.shape[2] == 1:
        arr = np.repeat(arr, 3, axis=2)
    return np.ascontiguousarray(arr[:, :, ::-1])  # RGB → BGR


def selective_search_boxes(
    image: Tensor | np.ndarray,
    mode: str = "fast",
    max_proposals: int = 2000,
    min_size: float = 4.0,
    scale: int = 150,
    sigma: float = 0.8,
    seed: int = 0,
) -> Tensor:
    """Selective-search proposals: a float32 ``(K, 4)`` xyxy tensor, best-ranked first.

    ``image``: a C×H×W float tensor in [0, 1] (or uint8), or an H×W×C uint8 RGB array.
    ``mode``: ``"single"`` (one strategy; quickest), ``"fast"`` (the paper's fast setting)
    or ``"quality"`` (more strategies, more boxes, ~3× slower). ``scale`` is the
    Felzenszwalb ``k`` of the first segmentation (larger → larger initial regions, fewer
    boxes); ``sigma`` its pre-smoothing. Boxes narrower or lower than ``min_size`` pixels
    are dropped, duplicates removed, and the first ``max_proposals`` kept.

    Deterministic: OpenCV ranks the regions with C's ``rand()`` (the paper's "hierarchy
    level × random number"), so the C library's generator is seeded with ``seed`` just
    before each run and OpenCV runs on one thread (the algorithm is sequential anyway;
    its thread pool would only compete with torch's). The same image and arguments give
    the same boxes in the same order. (Do not run it from several Python threads at once:
    ``rand()`` is shared by the whole process.)
    """
    check_choice("mode", mode, _MODES)
    max_proposals = check_positive_int("max_proposals", max_proposals)
    min_size = check_number("min_size", min_size, minimum=0, hint="pixels")
    scale = check_number("scale", scale, minimum=1, hint="Felzenszwalb's k, e.g. 150")
    sigma = check_number("sigma", sigma, minimum=0, maximum=float("inf"), max_open=True)
    seed = check_int("seed", seed, minimum=0, maximum=2**32 - 1, hint="C's srand takes 32 bits")
    cv2 = _import_ximgproc()
    bgr = _to_bgr_uint8(image)
    srand = _c_srand()
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        search = cv2.ximgproc.segmentation.createSelectiveSearchSegmentation()
        search.setBaseImage(bgr)
        if mode == "single":
            search.switchToSingleStrategy(k=int(scale), sigma=float(sigma))
        elif mode == "fast":
            search.switchToSelectiveSearchFast(
                base_k=int(scale), inc_k=int(scale), sigma=float(sigma)
            )
        else:
            search.switchToSelectiveSearchQuality(
                base_k=int(scale), inc_k=int(scale), sigma=float(sigma)
            )
        if srand is not None:
            srand(seed)
        rects = np.asarray(search.process(), dtype=np.float32).reshape(-1, 4)  # rows (x, y, w, h)
    finally:
        cv2.setNumThreads(threads)
    if srand is None:  # OpenCV's ranking cannot be seeded here: impose a seeded order of our own
        warnings.warn(
            "could not seed the C library's rand(), so OpenCV's ranking is not repeatable; "
            "selective_search_boxes orders the boxes by its own seeded shuffle instead",
            RuntimeWarning,
            stacklevel=2,
        )
        rects = np.unique(rects, axis=0)  # sorted: independent of OpenCV's order
        rects = rects[np.random.default_rng(seed).permutation(len(rects))]
    # de-duplicate, keeping the first (best-ranked) copy of each box
    _, first = np.unique(rects, axis=0, return_index=True)
    boxes = xywh_to_xyxy(torch.from_numpy(rects[np.sort(first)]))  # x2 = x + w, y2 = y + h
    boxes = boxes[_remove_small_boxes(boxes, min_size)]
    return boxes[:max_proposals]


def proposal_recall(
    proposals: Tensor | Sequence[Tensor],
    gt_boxes: Tensor | Sequence[Tensor],
    iou: float = 0.5,
) -> float:
    """Fraction of ground-truth boxes that some proposal covers with IoU ≥ ``iou``.

    One image (two tensors) or several (two lists, recall over all their objects). The
    detector can only find what the proposals cover, so this bounds R-CNN's recall.
    Returns NaN when there is no ground truth at all.

    >>> proposal_recall(torch.tensor([[0.0, 0.0, 10.0, 10.0]]),
    ...                 torch.tensor([[1.0, 1.0, 10.0, 10.0], [50.0, 50.0, 60.0, 60.0]]))
    0.5
    """
    iou = check_probability("iou", iou)
    if isinstance(proposals, Tensor) != isinstance(gt_boxes, Tensor):
        raise TypeError("pass proposals and gt_boxes both as tensors (one image) or both as lists")
    if isinstance(proposals, Tensor):
        proposals, gt_boxes = [proposals], [gt_boxes]
    if len(proposals) != len(gt_boxes):
        raise ValueError(
            f"got proposals for {len(proposals)} images but ground truth for {len(gt_boxes)}"
        )
    found = total = 0
    for i, (props, gts) in enumerate(zip(proposals, gt_boxes, strict=True)):
        check_boxes(f"proposals[{i}]", props)
        check_boxes(f"gt_boxes[{i}]", gts)
        total += len(gts)
        if len(gts) and len(props):
            found += int((_box_iou(gts, props.to(gts.dtype)).max(dim=1).values >= iou).sum())
    return found / total if total else float("nan")
