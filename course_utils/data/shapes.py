"""SHAPES: a seeded synthetic data set for classification and for detection with masks.

Every image is drawn with NumPy from coordinate grids and signed distance functions
(negative inside a shape, positive outside, in pixels), so edges are anti-aliased and
nothing is downloaded. The same seed always gives the same images.

Classification (the architecture notebooks):

>>> images, labels = make_shapes(100, size=32, seed=0)
>>> tuple(images.shape), images.dtype, labels.dtype
((100, 3, 32, 32), torch.float32, torch.int64)
>>> SHAPE_CLASSES[labels[0]] in SHAPE_CLASSES
True

Detection (the R-CNN notebooks): label 0 is the background, objects are labelled 1..C,
boxes are ``xyxy`` pixel-edge coordinates (``x2 = last column + 1``), the tight box of
the object's visible mask.

>>> train, val, test = detection_splits(200, 50, 50, seed=0)
>>> image, target = train[0]
>>> tuple(image.shape), sorted(target)
((3, 128, 128), ['area', 'boxes', 'image_id', 'iscrowd', 'labels', 'masks'])
>>> DET_CLASSES[0]
'background'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from course_utils._checks import check_number
from course_utils.seed import torch_generator

__all__ = [
    "DET_CLASSES",
    "DIGIT_DET_CLASSES",
    "SHAPE_CLASSES",
    "DetectionDigits",
    "DetectionShapes",
    "ShapesDataset",
    "detection_collate",
    "detection_splits",
    "digit_detection_splits",
    "make_detection_sample",
    "make_digit_sample",
    "make_shapes",
    "shapes_loaders",
]

#: Classification classes; a label is an index into this tuple (or into ``classes`` given).
SHAPE_CLASSES: tuple[str, ...] = ("square", "disc", "triangle", "cross", "ring", "star")
#: Detection classes of :class:`DetectionShapes`; index 0 is the background (never a target
#: label), objects have labels 1..3. Pass ``num_classes=len(DET_CLASSES)`` to torchvision.
DET_CLASSES: tuple[str, ...] = ("background", "square", "disc", "triangle")
#: Detection classes of :class:`DetectionDigits`: index 0 background, label = digit + 1.
DIGIT_DET_CLASSES: tuple[str, ...] = ("background", *(str(d) for d in range(10)))

MIN_SIZE = 16  # smallest image side that still shows every shape recognisably
_SPLITS = ("train", "val", "test")
_CHUNK = 512  # images rendered at once by make_shapes (bounds memory, not results)
MAX_SIZE = 2048  # largest image side: rendering cost grows with size², a shape needs no more
MAX_OBJECTS = 50  # per detection image: placed by trial, ~10 ms per try, and no room for more
MAX_BYTES = 16 * 2**30  # largest image tensor make_shapes builds in memory (16 GiB)
_SQRT3 = math.sqrt(3.0)


# --------------------------------------------------------------------------------------
# Signed distance functions. (u, v) are coordinates in the shape's own frame (centred,
# rotated), r is the circumradius: every shape fits in the disc of radius r.
# --------------------------------------------------------------------------------------


def _sdf_box(u: np.ndarray, v: np.ndarray, hx: Any, hy: Any) -> np.ndarray:
    qx = np.abs(u) - hx
    qy = np.abs(v) - hy
    outside = np.hypot(np.maximum(qx, 0.0), np.maximum(qy, 0.0))
    inside = np.minimum(np.maximum(qx, qy), 0.0)
    return outside + inside


def _sdf_square(u: np.ndarray, v: np.ndarray, r: Any) -> np.ndarray:
    return _sdf_box(u, v, r * (1 / math.sqrt(2)), r * (1 / math.sqrt(2)))


def _sdf_disc(u: np.ndarray, v: np.ndarray, r: Any) -> np.ndarray:
    return np.hypot(u, v) - 0.8 * r  # 0.8 r: about the same area as the square


def _sdf_triangle(u: np.ndarray, v: np.ndarray, r: Any) -> np.ndarray:
    # Equilateral triangle (after Inigo Quilez): fold into one edge, distance to that edge.
    h = r * (_SQRT3 / 2)  # half the side length
    px = np.abs(u) - h
    py = h / _SQRT3 - v  # image rows grow downwards: the apex points up at rotation 0
    fold = px + _SQRT3 * py > 0
    qx = np.where(fold, (px - _SQRT3 * py) / 2, px)
    qy = np.where(fold, (-_SQRT3 * px - py) / 2, py)
    qx = qx - np.clip(qx, -2 * h, 0.0)
    return -np.hypot(qx, qy) * np.sign(qy)


def _sdf_cross(u: np.ndarray, v: np.ndarray, r: Any) -> np.ndarray:
    long, half_width = 0.92 * r, 0.3 * r
    return np.minimum(_sdf_box(u, v, long, half_width), _sdf_box(u, v, half_width, long))


def _sdf_ring(u: np.ndarray, v: np.ndarray, r: Any) -> np.ndarray:
    return np.abs(np.hypot(u, v) - 0.66 * r) - 0.22 * r  # outer radius 0.88 r, hole 0.44 r


_K1 = (0.809016994375, -0.587785252292)  # (cos 36°, −sin 36°)


def _sdf_star(u: np.ndarray, v: np.ndarray, r: Any, inner: float = 0.5) -> np.ndarray:
    # Five-pointed star (after Inigo Quilez): mirror into one tenth, distance to one edge.
    k1x, k1y = _K1
    px, py = np.abs(u), -v
    d = np.maximum(k1x * px + k1y * py, 0.0)
    px, py = px - 2 * d * k1x, py - 2 * d * k1y
    d = np.maximum(-k1x * px + k1y * py, 0.0)
    px, py = px + 2 * d * k1x, py - 2 * d * k1y
    px, py = np.abs(px), py - r
    bax, bay = inner * -k1y, inner * k1x - 1.0
    h = np.clip((px * bax + py * bay) / (bax * bax + bay * bay), 0.0, r)
    return np.hypot(px - bax * h, py - bay * h) * np.sign(py * bax - px * bay)


_SDF: dict[str, Callable[..., np.ndarray]] = {
    "square": _sdf_square,
    "disc": _sdf_disc,
    "triangle": _sdf_triangle,
    "cross": _sdf_cross,
    "ring": _sdf_ring,
    "star": _sdf_star,
}


def _coverage(name: str, xs: np.ndarray, ys: np.ndarray, cx, cy, r, theta) -> np.ndarray:
    """Anti-aliased coverage in [0, 1] of shape ``name``; parameters broadcast against xs, ys."""
    dx, dy = xs - cx, ys - cy
    c, s = np.cos(theta), np.sin(theta)
    u, v = c * dx + s * dy, c * dy - s * dx
    return np.clip(0.5 - _SDF[name](u, v, r), 0.0, 1.0)  # 0.5 where the edge crosses


def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates as 1×H×W arrays: x = column + 0.5, y = row + 0.5."""
    ax = np.arange(size, dtype=np.float32) + np.float32(0.5)
    return ax[None, None, :], ax[None, :, None]


# --------------------------------------------------------------------------------------
# Argument checks: errors that say what is wrong and how to fix it.
# --------------------------------------------------------------------------------------


def _check_size(size: int) -> None:
    if isinstance(size, bool) or not isinstance(size, int | np.integer):
        raise ValueError(f"size must be an int number of pixels, got {size!r}")
    if size < MIN_SIZE:
        raise ValueError(
            f"size {size} is too small to draw recognisable shapes; use size >= {MIN_SIZE} "
            f"(32 and 64 are the usual choices)"
        )
    if size > MAX_SIZE:
        raise ValueError(
            f"size {size} is larger than MAX_SIZE = {MAX_SIZE} pixels: rendering grows with "
            f"size², and a shape is recognisable at 32–128; use size <= {MAX_SIZE}"
        )


def _check_count(name: str, n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise ValueError(f"{name} must be a non-negative int, got {n!r}")


def _check_difficulty(difficulty: float) -> None:
    check_number(
        "difficulty", difficulty, minimum=0.0, maximum=1.0,
        hint="0: plain background, 1: noisy and cluttered",
    )  # fmt: skip


def _check_seed(seed: int) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")


def _check_shape_classes(classes: Sequence[str], allowed: Sequence[str] = SHAPE_CLASSES) -> None:
    if isinstance(classes, str):
        raise ValueError(f"classes must be a sequence of names, e.g. ({classes!r},), not a str")
    if len(classes) == 0:
        raise ValueError(f"classes is empty; pick at least one of {tuple(allowed)}")
    unknown = [c for c in classes if c not in allowed]
    if unknown:
        raise ValueError(f"unknown shape class(es) {unknown}; choose from {tuple(allowed)}")
    if len(set(classes)) != len(classes):
        raise ValueError(f"classes {tuple(classes)} has duplicates; list each class once")


def _check_detection_args(
    size: int, min_objects: int, max_objects: int, max_overlap_iou: float, min_visible: float
) -> None:
    _check_size(size)
    _check_count("min_objects", min_objects)
    _check_count("max_objects", max_objects)
    if max_objects > MAX_OBJECTS:
        raise ValueError(
            f"max_objects must be at most MAX_OBJECTS = {MAX_OBJECTS}, got {max_objects}: each "
            f"object is placed by trial and error (up to 100 tries of ~10 ms each, checked "
            f"against every object already placed), and an image has room for far fewer; "
            f"ask for {MAX_OBJECTS} or fewer"
        )
    if max_objects < min_objects:
        raise ValueError(
            f"max_objects ({max_objects}) < min_objects ({min_objects}); "
            f"raise max_objects or lower min_objects"
        )
    check_number("max_overlap_iou", max_overlap_iou)  # a number, not NaN: then the range
    check_number("min_visible", min_visible)
    if not 0.0 <= max_overlap_iou <= 1.0:
        raise ValueError(
            f"max_overlap_iou must be in [0, 1] (0: boxes never overlap), got {max_overlap_iou}"
        )
    if not 0.0 < min_visible <= 1.0:
        raise ValueError(
            f"min_visible must be in (0, 1]: the fraction of an object that must stay "
            f"unoccluded, got {min_visible}"
        )


def _split_seed(seed: int, split: str) -> int:
    """A seed for one split, derived from ``seed`` so that the splits never share a stream."""
    state = np.random.SeedSequence([int(seed), _SPLITS.index(split), 0x5A9E5]).generate_state(
        2, dtype=np.uint32
    )
    return int(state[0]) << 32 | int(state[1])


# --------------------------------------------------------------------------------------
# Backgrounds: colour gradient, soft blobs, thin lines, noise. Amount grows with difficulty.
# --------------------------------------------------------------------------------------


def _draw_background_params(
    rng: np.random.Generator, n: int, size: int, difficulty: float, lines_per_unit: float = 6.0
) -> dict[str, np.ndarray]:
    d = float(difficulty)
    spread = 0.15 + 0.35 * d
    c0 = rng.random((n, 3))
    c1 = np.clip(c0 + rng.uniform(-spread, spread, (n, 3)), 0.0, 1.0)
    max_blobs, max_lines = round(4 * d), round(lines_per_unit * d)
    p: dict[str, np.ndarray] = {
        "c0": c0,
        "c1": c1,
        "phi": rng.uniform(0.0, 2 * math.pi, n),
        "noise": 0.01 + 0.07 * d * rng.random(n),
        "blob_xy": rng.uniform(0.0, size, (n, max_blobs, 2)),
        "blob_sigma": rng.uniform(0.04, 0.1, (n, max_blobs)) * size,
        "blob_colour": rng.random((n, max_blobs, 3)),
        "blob_alpha": rng.uniform(0.3, 0.8, (n, max_blobs))
        * (np.arange(max_blobs) < rng.integers(0, max_blobs + 1, (n, 1))),
        "line_ends": rng.uniform(-0.1 * size, 1.1 * size, (n, max_lines, 4)),
        "line_half_width": rng.uniform(0.3, 0.8, (n, max_lines)) * min(max(size / 32, 1.0), 2.0),
        "line_colour": rng.random((n, max_lines, 3)),
        "line_alpha": rng.uniform(0.5, 1.0, (n, max_lines))
        * (np.arange(max_lines) < rng.integers(0, max_lines + 1, (n, 1))),
    }
    return p


def _background_mean(p: dict[str, np.ndarray]) -> np.ndarray:
    return (p["c0"] + p["c1"]) / 2


def _render_background(p: dict[str, np.ndarray], size: int) -> np.ndarray:
    """B×3×H×W float32 background with blobs and lines from the parameters ``p``."""
    xs, ys = _grid(size)
    f32 = np.float32
    phi = p["phi"].astype(f32)[:, None, None]
    scale = f32(1 / (size * math.sqrt(2)))
    # Linear gradient from colour c0 to c1 along direction phi: t in [0, 1], separable in x, y.
    t = (xs - size / 2) * (np.cos(phi) * scale) + (ys - size / 2) * (np.sin(phi) * scale)
    t += f32(0.5)
    c0 = p["c0"].astype(f32)[:, :, None, None]
    c1 = p["c1"].astype(f32)[:, :, None, None]
    img = (c1 - c0) * t[:, None]  # B×3×H×W
    img += c0
    for k in range(p["blob_alpha"].shape[1]):  # soft Gaussian blobs: fuzzy, unlike shapes
        on = np.flatnonzero(p["blob_alpha"][:, k] > 0)
        if on.size == 0:
            continue
        bx, by = (p["blob_xy"][on, k, i].astype(f32)[:, None, None] for i in (0, 1))
        inv = (1 / (2 * p["blob_sigma"][on, k] ** 2)).astype(f32)[:, None, None]
        weight = p["blob_alpha"][on, k].astype(f32)[:, None, None]
        a = (weight * np.exp(-((xs - bx) ** 2) * inv)) * np.exp(-((ys - by) ** 2) * inv)
        sub = img[on]
        sub += (p["blob_colour"][on, k].astype(f32)[:, :, None, None] - sub) * a[:, None]
        img[on] = sub
    for k in range(p["line_alpha"].shape[1]):  # anti-aliased line segments
        on = np.flatnonzero(p["line_alpha"][:, k] > 0)
        if on.size == 0:
            continue
        ax, ay, bx, by = (p["line_ends"][on, k, i].astype(f32)[:, None, None] for i in range(4))
        ex, ey = bx - ax, by - ay
        inv_len2 = 1 / (ex * ex + ey * ey + f32(1e-6))
        dx, dy = xs - ax, ys - ay
        s = np.clip((dx * (ex * inv_len2) + dy * (ey * inv_len2)), 0, 1)
        dist = np.hypot(dx - s * ex, dy - s * ey)
        half = p["line_half_width"][on, k].astype(f32)[:, None, None] + f32(0.5)
        a = np.clip(half - dist, 0, 1) * p["line_alpha"][on, k].astype(f32)[:, None, None]
        sub = img[on]
        sub += (p["line_colour"][on, k].astype(f32)[:, :, None, None] - sub) * a[:, None]
        img[on] = sub
    return img


def _contrasting_colours(
    rng: np.random.Generator, against: np.ndarray, min_distance: float
) -> np.ndarray:
    """Random RGB colours, each at least ``min_distance`` (Euclidean) from its row of ``against``."""
    colours = rng.random(against.shape)
    bad = np.linalg.norm(colours - against, axis=-1) < min_distance
    while bad.any():  # redraw only the failures: a few rounds at most
        colours[bad] = rng.random((int(bad.sum()), 3))
        bad = np.linalg.norm(colours - against, axis=-1) < min_distance
    return colours


def _add_noise(img: np.ndarray, sigma: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    noise = rng.standard_normal(img.shape, dtype=np.float32)
    noise *= sigma.astype(np.float32)[:, None, None, None]
    img += noise
    return np.clip(img, 0.0, 1.0, out=img)


# --------------------------------------------------------------------------------------
# Classification
# --------------------------------------------------------------------------------------


def make_shapes(
    n: int,
    size: int = 32,
    classes: Sequence[str] = SHAPE_CLASSES,
    seed: int = 0,
    difficulty: float = 0.5,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` images with one shape each: float32 N×3×size×size in [0, 1], int64 labels.

    Colour, size, position and rotation are random; the background has a colour gradient,
    noise, blurry blobs and thin lines whose amount grows with ``difficulty`` (0 to 1),
    which also lowers the shape/background contrast and the smallest shape size. Classes
    are balanced exactly (counts differ by at most one); ``labels[i]`` indexes ``classes``.

    >>> x, y = make_shapes(12, size=64, classes=("disc", "ring"), seed=1, difficulty=0.2)
    >>> tuple(x.shape), y.tolist().count(0)
    ((12, 3, 64, 64), 6)
    """
    _check_count("n", n)
    _check_size(size)
    _check_shape_classes(classes)
    _check_seed(seed)
    _check_difficulty(difficulty)
    if n * 3 * size * size * 4 > MAX_BYTES:
        raise ValueError(
            f"{n} images of {size}×{size} would take {n * 3 * size * size * 4 / 2**30:.1f} GiB "
            f"(float32); make_shapes builds at most {MAX_BYTES // 2**30} GiB in memory: ask "
            "for fewer or smaller images, or generate them in parts with different seeds"
        )
    n, size, d = int(n), int(size), float(difficulty)
    classes = tuple(classes)
    rng = np.random.default_rng(seed)

    labels = rng.permutation(np.arange(n) % len(classes))
    radius = size * rng.uniform(0.32 - 0.12 * d, 0.44 - 0.04 * d, n)
    cx = rng.uniform(radius, size - radius)
    cy = rng.uniform(radius, size - radius)
    theta = rng.uniform(0.0, 2 * math.pi, n)
    bg = _draw_background_params(rng, n, size, d)
    colour = _contrasting_colours(rng, _background_mean(bg), 0.5 - 0.25 * d)

    images = np.empty((n, 3, size, size), dtype=np.float32)
    xs, ys = _grid(size)
    for start in range(0, n, _CHUNK):
        sl = slice(start, min(start + _CHUNK, n))
        img = _render_background({k: v[sl] for k, v in bg.items()}, size)
        lab = labels[sl]
        for k, name in enumerate(classes):
            idx = np.flatnonzero(lab == k)
            if idx.size == 0:
                continue
            g = idx + start
            a = _coverage(
                name,
                xs,
                ys,
                *(q[g].astype(np.float32)[:, None, None] for q in (cx, cy, radius, theta)),
            )
            col = colour[g].astype(np.float32)[:, :, None, None]
            sub = img[idx]
            sub += (col - sub) * a[:, None]
            img[idx] = sub
        images[sl] = _add_noise(img, bg["noise"][sl], rng)
    return torch.from_numpy(images), torch.from_numpy(labels.astype(np.int64))


class ShapesDataset(Dataset):
    """The classification set as a torch ``Dataset`` of ``(image, label)``, generated up front.

    >>> ds = ShapesDataset(60, size=32, seed=3)
    >>> image, label = ds[0]
    >>> tuple(image.shape), type(label).__name__, ds.classes[label] in SHAPE_CLASSES
    ((3, 32, 32), 'int', True)
    """

    def __init__(
        self,
        n: int,
        size: int = 32,
        classes: Sequence[str] = SHAPE_CLASSES,
        seed: int = 0,
        difficulty: float = 0.5,
        transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
    ) -> None:
        self.images, self.labels = make_shapes(n, size, classes, seed, difficulty)
        self.classes = tuple(classes)
        self.size, self.seed, self.difficulty = size, seed, difficulty
        self.transform = transform

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        image = self.images[index]
        if self.transform is not None:
            image = self.transform(image)
        return image, int(self.labels[index])

    def __repr__(self) -> str:
        return (
            f"ShapesDataset(n={len(self)}, size={self.size}, classes={self.classes}, "
            f"seed={self.seed}, difficulty={self.difficulty})"
        )


def shapes_loaders(
    n_train: int = 5000,
    n_val: int = 1000,
    n_test: int = 1000,
    size: int = 32,
    batch_size: int = 128,
    seed: int = 0,
    difficulty: float = 0.5,
    classes: Sequence[str] = SHAPE_CLASSES,
    num_workers: int = 0,
) -> tuple[DataLoader, DataLoader, DataLoader]:
    """Train / validation / test DataLoaders over fixed, seeded, disjoint splits.

    Each split is generated from its own seed derived from ``seed``, so the splits never
    share an image and growing one split leaves the others unchanged. Only the training
    loader shuffles (with a generator seeded from ``seed``).

    >>> train, val, test = shapes_loaders(256, 64, 64, batch_size=32, seed=0)
    >>> images, labels = next(iter(train))
    >>> tuple(images.shape), len(val.dataset)
    ((32, 3, 32, 32), 64)
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    _check_seed(seed)
    loaders = []
    for split, n in zip(_SPLITS, (n_train, n_val, n_test), strict=True):
        ds = ShapesDataset(n, size, classes, _split_seed(seed, split), difficulty)
        train = split == "train"
        loaders.append(
            DataLoader(
                ds,
                batch_size=batch_size,
                shuffle=train,
                generator=torch_generator(seed) if train else None,
                num_workers=num_workers,
            )
        )
    return loaders[0], loaders[1], loaders[2]


# --------------------------------------------------------------------------------------
# Detection: objects placed one by one; later objects occlude earlier ones.
# --------------------------------------------------------------------------------------


def _mask_box(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """Tight xyxy pixel-edge box of a boolean H×W mask (x2, y2 exclusive), or None if empty."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return None
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def _box_iou(a: Sequence[int], b: Sequence[int]) -> float:
    iw = min(a[2], b[2]) - max(a[0], b[0])
    ih = min(a[3], b[3]) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union


# A proposal: (coverage H×W float32 in [0, 1], label, colour (3,)).
_Proposal = tuple[np.ndarray, int, np.ndarray]


def _place_objects(
    rng: np.random.Generator,
    n_objects: int,
    propose: Callable[[np.random.Generator], _Proposal],
    max_overlap_iou: float,
    min_visible: float,
    max_tries: int = 100,
) -> list[dict[str, Any]]:
    """Place up to ``n_objects`` proposals: all pairwise box IoUs <= ``max_overlap_iou``, and
    every object keeps at least ``min_visible`` of its pixels; a candidate that breaks either
    rule is redrawn (re-placed), up to ``max_tries`` times per object."""
    placed: list[dict[str, Any]] = []
    for _ in range(n_objects):
        for _ in range(max_tries):
            alpha, label, colour = propose(rng)
            full = alpha >= 0.5  # a pixel belongs to the object its colour dominates
            box = _mask_box(full)
            if box is None:
                continue
            visible = [o["visible"] & ~full for o in placed]
            ok = all(
                v.sum() >= min_visible * o["full_area"]
                for v, o in zip(visible, placed, strict=True)
            )
            boxes = [_mask_box(v) for v in visible] if ok else []
            ok = ok and all(b is not None for b in boxes)
            if ok:
                boxes.append(box)
                ok = all(
                    _box_iou(boxes[i], boxes[j]) <= max_overlap_iou
                    for i in range(len(boxes))
                    for j in range(i)
                )
            if ok:
                for o, v, b in zip(placed, visible, boxes, strict=False):
                    o["visible"], o["box"] = v, b
                placed.append(
                    {
                        "alpha": alpha,
                        "label": label,
                        "colour": colour,
                        "visible": full,
                        "full_area": int(full.sum()),
                        "box": box,
                    }
                )
                break
    return placed


def _compose_sample(
    rng: np.random.Generator,
    size: int,
    bg: dict[str, np.ndarray],
    placed: list[dict[str, Any]],
    min_objects: int,
    image_id: int,
) -> tuple[torch.Tensor, dict[str, Any]]:
    if len(placed) < min_objects:
        raise RuntimeError(
            f"could place only {len(placed)} of at least {min_objects} objects without breaking "
            f"the overlap rules; lower min_objects, raise max_overlap_iou, or use a larger size"
        )
    img = _render_background(bg, size)
    for o in placed:  # in placement order: later objects are drawn on top
        col = o["colour"].astype(np.float32)[:, None, None]
        img[0] += (col - img[0]) * o["alpha"][None]
    img = _add_noise(img, bg["noise"], rng)[0]
    k = len(placed)
    masks = np.zeros((k, size, size), dtype=np.uint8)
    for i, o in enumerate(placed):
        masks[i] = o["visible"]
    target = {
        "boxes": torch.tensor([o["box"] for o in placed], dtype=torch.float32).reshape(k, 4),
        "labels": torch.tensor([o["label"] for o in placed], dtype=torch.int64),
        "masks": torch.from_numpy(masks),
        "image_id": int(image_id),
        "area": torch.from_numpy(masks.reshape(k, size * size).sum(axis=1, dtype=np.float32)),
        "iscrowd": torch.zeros(k, dtype=torch.int64),
    }
    return torch.from_numpy(np.ascontiguousarray(img)), target


def _det_classes(classes: Sequence[str], allowed: Sequence[str]) -> tuple[str, ...]:
    if isinstance(classes, str) or len(classes) < 2 or classes[0] != "background":
        raise ValueError(
            f"detection classes must start with 'background' (label 0 is reserved for it) and "
            f"name at least one object class, e.g. {tuple(allowed[:2])}; got {classes!r}"
        )
    _check_shape_classes(classes[1:], allowed[1:])
    return tuple(classes)


def make_detection_sample(
    rng: np.random.Generator | int,
    size: int = 128,
    classes: Sequence[str] = DET_CLASSES,
    min_objects: int = 1,
    max_objects: int = 4,
    max_overlap_iou: float = 0.3,
    min_visible: float = 0.6,
    object_scale: tuple[float, float] = (0.07, 0.18),
    difficulty: float = 0.3,
    image_id: int = 0,
) -> tuple[torch.Tensor, dict[str, Any]]:
    """One detection image (float32 3×size×size in [0, 1]) and its target dict, drawn with
    ``rng`` (a ``np.random.Generator``, or an int seed).

    The target holds ``boxes`` (float32 K×4, xyxy pixel edges, the tight box of the mask),
    ``labels`` (int64 K, 1..C indexing ``classes``; 0 is the background), ``masks`` (uint8
    K×H×W, visible pixels only), ``image_id``, ``area`` (mask pixels) and ``iscrowd``
    (zeros). ``object_scale`` bounds the circumradius as a fraction of ``size``; objects
    stay inside the image. Every pair of boxes has IoU <= ``max_overlap_iou``; an object
    that would hide more than ``1 - min_visible`` of an earlier one is placed again.

    >>> image, target = make_detection_sample(np.random.default_rng(0), min_objects=2)
    >>> target["boxes"].shape[0] == target["labels"].shape[0] >= 2
    True
    """
    rng = np.random.default_rng(rng)  # a Generator passes through unchanged; an int seeds one
    classes = _det_classes(classes, ("background", *SHAPE_CLASSES))
    _check_detection_args(size, min_objects, max_objects, max_overlap_iou, min_visible)
    _check_difficulty(difficulty)
    lo, hi = object_scale
    if not 0.0 < lo <= hi <= 0.45:
        raise ValueError(
            f"object_scale must be (low, high) with 0 < low <= high <= 0.45: the circumradius "
            f"as a fraction of size (objects must fit inside the image), got {object_scale!r}"
        )
    d = float(difficulty)
    bg = _draw_background_params(rng, 1, size, d, lines_per_unit=4.0)
    bg_mean = _background_mean(bg)
    xs, ys = _grid(size)
    xs, ys = xs[0], ys[0]

    def propose(rng: np.random.Generator) -> _Proposal:
        label = int(rng.integers(1, len(classes)))
        r = min(max(size * rng.uniform(lo, hi), 4.0), size / 2 - 1.5)  # >= 4 px, fits inside
        cx, cy = rng.uniform(r + 1, size - r - 1, 2)
        theta = rng.uniform(0.0, 2 * math.pi)
        alpha = _coverage(classes[label], xs, ys, *np.float32([cx, cy, r, theta]))
        colour = _contrasting_colours(rng, bg_mean, 0.45 - 0.2 * d)[0]
        return alpha.astype(np.float32), label, colour

    n_objects = int(rng.integers(min_objects, max_objects + 1))
    placed = _place_objects(rng, n_objects, propose, max_overlap_iou, min_visible)
    return _compose_sample(rng, size, bg, placed, min_objects, image_id)


@lru_cache(maxsize=1)
def _digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits  # ships with scikit-learn: no download

    bunch = load_digits()
    return (bunch.images / 16.0).astype(np.float32), bunch.target.astype(np.int64)


def _digit_exemplars(exemplars: str) -> np.ndarray:
    """Indices of the scikit-learn digits a split may paste: a fixed 60/20/20 partition."""
    n = len(_digits()[1])
    order = np.random.default_rng(20240601).permutation(n)
    cut1, cut2 = int(0.6 * n), int(0.8 * n)
    parts = {"all": order, "train": order[:cut1], "val": order[cut1:cut2], "test": order[cut2:]}
    if exemplars not in parts:
        raise ValueError(f"exemplars must be one of {tuple(parts)}, got {exemplars!r}")
    return np.sort(parts[exemplars])


def _upsample_bilinear(img: np.ndarray, out: int) -> np.ndarray:
    """Resize a small square image to out×out (bilinear, pixel-centre aligned)."""
    n = img.shape[0]
    src = np.clip((np.arange(out) + 0.5) * n / out - 0.5, 0, n - 1)
    i0 = np.floor(src).astype(int)
    i1 = np.minimum(i0 + 1, n - 1)
    w = (src - i0).astype(np.float32)
    rows = img[i0] * (1 - w)[:, None] + img[i1] * w[:, None]
    return rows[:, i0] * (1 - w)[None] + rows[:, i1] * w[None]


def make_digit_sample(
    rng: np.random.Generator | int,
    size: int = 128,
    min_objects: int = 1,
    max_objects: int = 4,
    max_overlap_iou: float = 0.3,
    min_visible: float = 0.6,
    digit_size: tuple[int, int] = (16, 32),
    difficulty: float = 0.3,
    exemplars: str = "all",
    image_id: int = 0,
) -> tuple[torch.Tensor, dict[str, Any]]:
    """Real 8×8 scikit-learn digits, upscaled to ``digit_size`` pixels, pasted on a canvas.

    Same target format as :func:`make_detection_sample`; ``labels`` are digit + 1 (see
    ``DIGIT_DET_CLASSES``). ``exemplars`` ("all", "train", "val", "test") restricts the
    handwritten samples used, so a test split can show digits never seen in training.

    >>> image, target = make_digit_sample(np.random.default_rng(0))
    >>> labels = target["labels"].tolist()
    >>> [DIGIT_DET_CLASSES[i] for i in labels] == [str(i - 1) for i in labels]
    True
    """
    rng = np.random.default_rng(rng)  # a Generator passes through unchanged; an int seeds one
    _check_detection_args(size, min_objects, max_objects, max_overlap_iou, min_visible)
    _check_difficulty(difficulty)
    lo, hi = digit_size
    if not 8 <= lo <= hi <= size:
        raise ValueError(
            f"digit_size must be (low, high) pixels with 8 <= low <= high <= size ({size}), "
            f"got {digit_size!r}"
        )
    pool = _digit_exemplars(exemplars)
    images, targets = _digits()
    d = float(difficulty)
    bg = _draw_background_params(rng, 1, size, d, lines_per_unit=4.0)
    bg_mean = _background_mean(bg)

    def propose(rng: np.random.Generator) -> _Proposal:
        k = int(pool[rng.integers(len(pool))])
        s = int(rng.integers(lo, hi + 1))
        x0, y0 = (int(v) for v in rng.integers(0, size - s + 1, 2))
        alpha = np.zeros((size, size), dtype=np.float32)
        ink = _upsample_bilinear(images[k], s)
        alpha[y0 : y0 + s, x0 : x0 + s] = np.clip(1.4 * ink - 0.1, 0.0, 1.0)  # crisper strokes
        colour = _contrasting_colours(rng, bg_mean, 0.45 - 0.2 * d)[0]
        return alpha, int(targets[k]) + 1, colour

    n_objects = int(rng.integers(min_objects, max_objects + 1))
    placed = _place_objects(rng, n_objects, propose, max_overlap_iou, min_visible)
    return _compose_sample(rng, size, bg, placed, min_objects, image_id)


class _SyntheticDetection(Dataset):
    """Item ``i`` is generated on demand from ``np.random.default_rng([seed, i])``."""

    classes: tuple[str, ...]

    def __init__(self, n: int, seed: int) -> None:
        _check_count("n", n)
        _check_seed(seed)
        self.n, self.seed = int(n), int(seed)

    @property
    def num_classes(self) -> int:
        """Number of classes including the background (torchvision's ``num_classes``)."""
        return len(self.classes)

    def __len__(self) -> int:
        return self.n

    def _sample(self, rng: np.random.Generator, index: int) -> tuple[torch.Tensor, dict]:
        raise NotImplementedError

    def __getitem__(self, index: int) -> tuple[torch.Tensor, dict[str, Any]]:
        index = int(index)
        if not -self.n <= index < self.n:
            raise IndexError(f"index {index} out of range for a data set of {self.n} images")
        index %= self.n
        return self._sample(np.random.default_rng([self.seed, index]), index)


class DetectionShapes(_SyntheticDetection):
    """Detection images of shapes with boxes, labels and instance masks, made on demand.

    Item ``i`` depends only on ``(seed, i)``, so any item can be regenerated alone and
    DataLoader workers agree. Keyword arguments go to :func:`make_detection_sample`.

    >>> ds = DetectionShapes(10, seed=0, min_objects=0)
    >>> image, target = ds[3]
    >>> target["image_id"], ds.num_classes
    (3, 4)
    """

    def __init__(
        self,
        n: int,
        seed: int = 0,
        size: int = 128,
        classes: Sequence[str] = DET_CLASSES,
        min_objects: int = 1,
        max_objects: int = 4,
        max_overlap_iou: float = 0.3,
        min_visible: float = 0.6,
        object_scale: tuple[float, float] = (0.07, 0.18),
        difficulty: float = 0.3,
    ) -> None:
        super().__init__(n, seed)
        self.classes = _det_classes(classes, ("background", *SHAPE_CLASSES))
        _check_detection_args(size, min_objects, max_objects, max_overlap_iou, min_visible)
        _check_difficulty(difficulty)
        self.size = size
        self.kwargs = {
            "size": size,
            "classes": self.classes,
            "min_objects": min_objects,
            "max_objects": max_objects,
            "max_overlap_iou": max_overlap_iou,
            "min_visible": min_visible,
            "object_scale": object_scale,
            "difficulty": difficulty,
        }

    def _sample(self, rng: np.random.Generator, index: int) -> tuple[torch.Tensor, dict]:
        return make_detection_sample(rng, image_id=index, **self.kwargs)

    def __repr__(self) -> str:
        return f"DetectionShapes(n={self.n}, seed={self.seed}, classes={self.classes[1:]})"


class DetectionDigits(_SyntheticDetection):
    """Detection images of pasted handwritten digits (10 classes, label = digit + 1).

    The harder optional set, with the same interface as :class:`DetectionShapes`.
    Keyword arguments go to :func:`make_digit_sample`.

    >>> ds = DetectionDigits(5, seed=0)
    >>> ds.classes[1:3], ds.num_classes
    (('0', '1'), 11)
    """

    classes = DIGIT_DET_CLASSES

    def __init__(
        self,
        n: int,
        seed: int = 0,
        size: int = 128,
        min_objects: int = 1,
        max_objects: int = 4,
        max_overlap_iou: float = 0.3,
        min_visible: float = 0.6,
        digit_size: tuple[int, int] = (16, 32),
        difficulty: float = 0.3,
        exemplars: str = "all",
    ) -> None:
        super().__init__(n, seed)
        _check_detection_args(size, min_objects, max_objects, max_overlap_iou, min_visible)
        _check_difficulty(difficulty)
        _digit_exemplars(exemplars)  # validates the name
        self.size = size
        self.kwargs = {
            "size": size,
            "min_objects": min_objects,
            "max_objects": max_objects,
            "max_overlap_iou": max_overlap_iou,
            "min_visible": min_visible,
            "digit_size": digit_size,
            "difficulty": difficulty,
            "exemplars": exemplars,
        }

    def _sample(self, rng: np.random.Generator, index: int) -> tuple[torch.Tensor, dict]:
        return make_digit_sample(rng, image_id=index, **self.kwargs)

    def __repr__(self) -> str:
        return (
            f"DetectionDigits(n={self.n}, seed={self.seed}, exemplars={self.kwargs['exemplars']!r})"
        )


def detection_splits(
    n_train: int = 1000, n_val: int = 200, n_test: int = 200, seed: int = 0, **kwargs: Any
) -> tuple[DetectionShapes, DetectionShapes, DetectionShapes]:
    """Fixed train / val / test :class:`DetectionShapes`, each with its own derived seed.

    >>> train, val, test = detection_splits(100, 20, 20, seed=0, max_objects=3)
    >>> len(train), len(val), len(test)
    (100, 20, 20)
    """
    _check_seed(seed)
    sets = [
        DetectionShapes(n, _split_seed(seed, split), **kwargs)
        for split, n in zip(_SPLITS, (n_train, n_val, n_test), strict=True)
    ]
    return sets[0], sets[1], sets[2]


def digit_detection_splits(
    n_train: int = 1000, n_val: int = 200, n_test: int = 200, seed: int = 0, **kwargs: Any
) -> tuple[DetectionDigits, DetectionDigits, DetectionDigits]:
    """Fixed train / val / test :class:`DetectionDigits`; each split also pastes its own
    handwritten exemplars (a fixed 60/20/20 partition of scikit-learn's 1,797 digits).

    >>> train, val, test = digit_detection_splits(100, 20, 20)
    >>> train.kwargs["exemplars"], test.kwargs["exemplars"]
    ('train', 'test')
    """
    _check_seed(seed)
    if "exemplars" in kwargs:
        raise ValueError("digit_detection_splits sets exemplars per split; do not pass it")
    sets = [
        DetectionDigits(n, _split_seed(seed, split), exemplars=split, **kwargs)
        for split, n in zip(_SPLITS, (n_train, n_val, n_test), strict=True)
    ]
    return sets[0], sets[1], sets[2]


def detection_collate(
    batch: Sequence[tuple[torch.Tensor, dict[str, Any]]],
) -> tuple[list[torch.Tensor], list[dict[str, Any]]]:
    """Collate for detection DataLoaders: images and targets as lists (sizes differ per image).

    >>> loader = DataLoader(DetectionShapes(8), batch_size=4, collate_fn=detection_collate)
    >>> images, targets = next(iter(loader))
    >>> len(images), len(targets)
    (4, 4)
    """
    return [image for image, _ in batch], [target for _, target in batch]
