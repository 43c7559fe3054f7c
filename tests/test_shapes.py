"""Tests of course_utils.data.shapes: the seeded SHAPES classification and detection sets."""

from __future__ import annotations

import doctest
import hashlib
import time

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader
from torchvision.ops import box_iou, masks_to_boxes

from course_utils.data import shapes
from course_utils.data.shapes import (
    DET_CLASSES,
    DIGIT_DET_CLASSES,
    SHAPE_CLASSES,
    DetectionDigits,
    DetectionShapes,
    ShapesDataset,
    detection_collate,
    detection_splits,
    digit_detection_splits,
    make_detection_sample,
    make_digit_sample,
    make_shapes,
    shapes_loaders,
)


def _hashes(images: torch.Tensor) -> set[str]:
    return {hashlib.sha1(im.numpy().tobytes()).hexdigest() for im in images}


def _tight_boxes(masks: np.ndarray) -> np.ndarray:
    """xyxy pixel-edge boxes of K×H×W masks: x2, y2 are the last pixel + 1, i.e.
    ``torchvision.ops.masks_to_boxes(masks) + [0, 0, 1, 1]`` (NumPy: much faster here)."""
    cols, rows = masks.any(1), masks.any(2)  # K×W, K×H
    boxes = np.zeros((len(masks), 4), dtype=np.float32)
    for k, (c, r) in enumerate(zip(cols, rows, strict=True)):
        xs, ys = np.flatnonzero(c), np.flatnonzero(r)
        boxes[k] = xs[0], ys[0], xs[-1] + 1, ys[-1] + 1
    return boxes


# --------------------------------------------------------------------------------------
# Classification
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [16, 32, 64, 45])
def test_make_shapes_shapes_dtypes_and_range(size: int) -> None:
    images, labels = make_shapes(60, size=size, seed=0)
    assert images.shape == (60, 3, size, size)
    assert images.dtype == torch.float32 and labels.dtype == torch.int64
    assert 0.0 <= images.min() and images.max() <= 1.0
    assert labels.min() >= 0 and labels.max() < len(SHAPE_CLASSES)
    assert images.std() > 0.1  # not blank


def test_make_shapes_same_seed_same_images_different_seed_different() -> None:
    a = make_shapes(300, seed=7)
    b = make_shapes(300, seed=7)
    c = make_shapes(300, seed=8)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert not torch.equal(a[0], c[0])
    assert not _hashes(a[0]) & _hashes(c[0])


def test_make_shapes_determinism_independent_of_chunking(monkeypatch) -> None:
    ref = make_shapes(130, seed=3)[0]
    monkeypatch.setattr(shapes, "_CHUNK", 50)
    assert torch.equal(make_shapes(130, seed=3)[0], ref)


def test_make_shapes_classes_are_balanced_and_in_range() -> None:
    _, labels = make_shapes(1000, seed=1)
    counts = torch.bincount(labels, minlength=len(SHAPE_CLASSES))
    assert counts.max() - counts.min() <= 1
    _, labels = make_shapes(101, classes=("ring", "disc", "star"), seed=2)
    assert set(labels.tolist()) == {0, 1, 2}
    assert torch.bincount(labels).tolist() in ([34, 34, 33], [34, 33, 34], [33, 34, 34])


def test_make_shapes_difficulty_adds_clutter() -> None:
    """Harder images have more high-frequency content (noise, lines) than easy ones."""

    def roughness(x: torch.Tensor) -> float:
        return (x[..., 1:] - x[..., :-1]).abs().mean().item()

    easy, _ = make_shapes(400, seed=5, difficulty=0.0)
    hard, _ = make_shapes(400, seed=5, difficulty=1.0)
    assert roughness(hard) > 2 * roughness(easy)


def test_make_shapes_zero_images() -> None:
    images, labels = make_shapes(0, size=32)
    assert images.shape == (0, 3, 32, 32) and labels.shape == (0,)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"size": 8}, "size >= 16"),
        ({"classes": ("square", "hexagon")}, "unknown shape class"),
        ({"classes": ()}, "empty"),
        ({"classes": ("disc", "disc")}, "duplicates"),
        ({"classes": "disc"}, "not a str"),
        ({"difficulty": 1.5}, "difficulty must be in"),
        ({"seed": -1}, "seed"),
        ({"n": -3}, "non-negative"),
    ],
)
def test_make_shapes_errors_teach(kwargs: dict, message: str) -> None:
    args = {"n": 4, **kwargs}
    with pytest.raises(ValueError, match=message):
        make_shapes(**args)


def test_generation_speed() -> None:
    n = 5000
    start = time.perf_counter()
    images, _ = make_shapes(n, size=32, seed=0)
    seconds = time.perf_counter() - start
    print(
        f"\nmake_shapes: {n:,} 32x32 images in {seconds:.2f} s ({n / seconds:,.0f} images/s, "
        f"{10_000 * seconds / n:.1f} s per 10,000)"
    )
    assert images.shape[0] == n
    assert seconds < 15, "make_shapes became far slower than the ~1 s this takes on one core"


def test_shapes_dataset_and_transform() -> None:
    ds = ShapesDataset(20, size=32, seed=0, transform=lambda x: x * 2)
    image, label = ds[3]
    assert len(ds) == 20 and isinstance(label, int)
    assert torch.equal(image, ds.images[3] * 2)
    assert ds.classes == SHAPE_CLASSES and "ShapesDataset" in repr(ds)


def test_shapes_loaders_batches_and_disjoint_splits() -> None:
    train, val, test = shapes_loaders(400, 100, 100, size=32, batch_size=50, seed=0)
    images, labels = next(iter(train))
    assert images.shape == (50, 3, 32, 32) and labels.shape == (50,)
    assert labels.dtype == torch.int64
    assert [len(dl.dataset) for dl in (train, val, test)] == [400, 100, 100]
    sets = [_hashes(dl.dataset.images) for dl in (train, val, test)]
    assert not sets[0] & sets[1] and not sets[0] & sets[2] and not sets[1] & sets[2]
    # fixed splits: rebuilding them gives the same images; the validation set does not depend
    # on the size of the training set
    val2 = shapes_loaders(10, 100, 5, seed=0)[1]
    assert torch.equal(val.dataset.images, val2.dataset.images)
    # seeded shuffle: a fresh loader gives the same first batch; the next epoch reshuffles
    first = next(iter(shapes_loaders(400, 100, 100, 32, 50)[0]))[0]
    train = shapes_loaders(400, 100, 100, 32, 50)[0]
    assert torch.equal(next(iter(train))[0], first)
    assert not torch.equal(next(iter(train))[0], first)
    with pytest.raises(ValueError, match="batch_size"):
        shapes_loaders(10, 10, 10, batch_size=0)


def test_shapes_are_learnable_by_a_tiny_cnn() -> None:
    """A tiny CNN trained for 150 steps (a few seconds on one core) is far above chance."""
    x, y = make_shapes(2000, size=32, seed=11, difficulty=0.5)
    xt, yt = make_shapes(500, size=32, seed=12, difficulty=0.5)

    def standardise(t: torch.Tensor) -> torch.Tensor:  # colours are random: keep the contrast
        return (t - t.mean((1, 2, 3), keepdim=True)) / (t.std((1, 2, 3), keepdim=True) + 1e-3)

    def block(c_in: int, c_out: int) -> list[nn.Module]:
        return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]

    torch.manual_seed(0)
    x, xt = standardise(x), standardise(xt)
    net = nn.Sequential(
        *block(3, 8), nn.MaxPool2d(2), *block(8, 16), nn.MaxPool2d(2), *block(16, 32),
        nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(32, len(SHAPE_CLASSES)),
    )  # fmt: skip
    opt = torch.optim.Adam(net.parameters(), lr=5e-3)
    gen = torch.Generator().manual_seed(0)
    for _ in range(150):
        idx = torch.randint(0, len(x), (32,), generator=gen)
        loss = nn.functional.cross_entropy(net(x[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    net.eval()
    with torch.no_grad():
        accuracy = (net(xt).argmax(1) == yt).float().mean().item()
    print(f"\ntiny CNN, 150 steps: test accuracy {accuracy:.1%} (chance {1 / 6:.1%})")
    assert accuracy > 0.35


# --------------------------------------------------------------------------------------
# Detection
# --------------------------------------------------------------------------------------


def _check_target(image: torch.Tensor, target: dict, num_classes: int, size: int = 128) -> None:
    k = target["boxes"].shape[0]
    assert image.shape == (3, size, size) and image.dtype == torch.float32
    assert target["boxes"].shape == (k, 4) and target["boxes"].dtype == torch.float32
    assert target["labels"].shape == (k,) and target["labels"].dtype == torch.int64
    assert target["masks"].shape == (k, size, size) and target["masks"].dtype == torch.uint8
    assert isinstance(target["image_id"], int)
    # value checks in NumPy: torch reductions are needlessly slow on small tensors here
    pixels = image.numpy()
    assert 0.0 <= pixels.min() and pixels.max() <= 1.0
    if k == 0:
        return
    labels, boxes = target["labels"].numpy(), target["boxes"].numpy()
    masks = target["masks"].numpy().astype(bool)
    assert labels.min() >= 1 and labels.max() < num_classes
    assert masks.reshape(k, -1).any(1).all(), "every object has visible pixels"
    assert masks.sum(0).max() <= 1, "a pixel belongs to at most one (the topmost) object"
    assert np.array_equal(boxes, _tight_boxes(masks)), "the box is the mask's tight box"
    assert np.array_equal(target["area"].numpy(), masks.reshape(k, -1).sum(1))
    assert (boxes[:, 2:] > boxes[:, :2]).all() and boxes.min() >= 0 and boxes.max() <= size


def test_tight_boxes_match_torchvision_masks_to_boxes() -> None:
    masks = DetectionShapes(3, seed=0, min_objects=3)[0][1]["masks"]
    reference = masks_to_boxes(masks.bool()) + torch.tensor([0, 0, 1, 1])
    assert np.array_equal(_tight_boxes(masks.numpy().astype(bool)), reference.numpy())


def test_detection_targets_are_consistent() -> None:
    ds = DetectionShapes(40, seed=0)
    counts = []
    for i in range(len(ds)):
        image, target = ds[i]
        _check_target(image, target, ds.num_classes)
        assert target["image_id"] == i
        counts.append(len(target["labels"]))
    assert min(counts) >= 1 and max(counts) <= 4 and len(set(counts)) > 1
    assert ds.classes == DET_CLASSES and ds.num_classes == 4


@pytest.mark.parametrize("max_iou", [0.0, 0.1, 0.3])
def test_detection_overlap_limit_is_respected(max_iou: float) -> None:
    ds = DetectionShapes(25, seed=1, min_objects=3, max_objects=5, max_overlap_iou=max_iou)
    for i in range(len(ds)):
        boxes = ds[i][1]["boxes"]
        iou = box_iou(boxes, boxes) - torch.eye(len(boxes))
        assert iou.max() <= max_iou + 1e-6


def test_detection_masks_are_the_visible_drawn_pixels() -> None:
    """On a plain background the interior of each mask has one colour: masks hold the visible
    pixels only (an occluded part would show the occluder's colour)."""
    ds = DetectionShapes(20, seed=2, difficulty=0.0, min_objects=3)
    checked = 0
    for i in range(len(ds)):
        image, target = ds[i]
        for mask in target["masks"].bool():
            interior = -nn.functional.max_pool2d(-mask[None].float(), 3, stride=1, padding=1)
            pixels = image[:, interior[0].bool()]  # mask eroded by one pixel: no blended edges
            if pixels.shape[1] > 10:
                assert pixels.std(dim=1).max() < 0.05
                checked += 1
    assert checked > 40


def test_detection_occlusion_keeps_min_visible(monkeypatch) -> None:
    """Later objects hide parts of earlier ones, never more than 1 - min_visible of them."""
    full_areas: list[list[int]] = []
    place = shapes._place_objects

    def spy(*args, **kwargs):
        placed = place(*args, **kwargs)
        full_areas.append([o["full_area"] for o in placed])
        return placed

    monkeypatch.setattr(shapes, "_place_objects", spy)
    ds = DetectionShapes(30, seed=3, min_objects=3, max_objects=4, min_visible=0.7)
    visible = [ds[i][1]["area"].tolist() for i in range(len(ds))]
    pairs = [
        (v, f)
        for vs, fs in zip(visible, full_areas, strict=True)
        for v, f in zip(vs, fs, strict=True)
    ]
    assert all(v >= 0.7 * f for v, f in pairs)
    assert sum(v < f for v, f in pairs) >= 3, "some objects should be partly occluded"


def test_detection_items_are_deterministic_and_independent() -> None:
    a = DetectionShapes(30, seed=4)
    b = DetectionShapes(30, seed=4)
    _ = [a[i] for i in range(10)]  # access order must not matter
    for i in (0, 7, 29, -1):
        (ia, ta), (ib, tb) = a[i], b[i]
        assert torch.equal(ia, ib)
        for key in ("boxes", "labels", "masks"):
            assert torch.equal(ta[key], tb[key])
    assert a[-1][1]["image_id"] == 29
    c = DetectionShapes(30, seed=5)
    assert not torch.equal(a[0][0], c[0][0])
    with pytest.raises(IndexError):
        a[30]


def test_detection_zero_objects() -> None:
    ds = DetectionShapes(3, seed=0, min_objects=0, max_objects=0)
    image, target = ds[0]
    assert target["boxes"].shape == (0, 4) and target["labels"].shape == (0,)
    assert target["masks"].shape == (0, 128, 128)
    _check_target(image, target, ds.num_classes)
    mixed = DetectionShapes(30, seed=0, min_objects=0, max_objects=2)
    counts = [len(mixed[i][1]["labels"]) for i in range(len(mixed))]
    assert 0 in counts and max(counts) > 0


def test_detection_splits_are_fixed_and_disjoint() -> None:
    train, val, test = detection_splits(30, 15, 15, seed=0)
    assert (len(train), len(val), len(test)) == (30, 15, 15)
    hashes = [_hashes(torch.stack([ds[i][0] for i in range(len(ds))])) for ds in (train, val, test)]
    assert not hashes[0] & hashes[1] and not hashes[0] & hashes[2] and not hashes[1] & hashes[2]
    again = detection_splits(30, 15, 15, seed=0)[2]
    assert torch.equal(again[3][0], test[3][0])
    assert not torch.equal(detection_splits(30, 15, 15, seed=1)[0][0][0], train[0][0])


def test_detection_collate_with_dataloader() -> None:
    loader = DataLoader(
        DetectionShapes(6, seed=0, min_objects=0), batch_size=3, collate_fn=detection_collate
    )
    images, targets = next(iter(loader))
    assert isinstance(images, list) and isinstance(targets, list)
    assert len(images) == len(targets) == 3
    assert images[0].shape == (3, 128, 128) and "boxes" in targets[0]


def test_detection_custom_classes_and_size() -> None:
    classes = ("background", "star", "ring", "cross")
    ds = DetectionShapes(10, seed=0, size=96, classes=classes, min_objects=2)
    labels = set()
    for i in range(len(ds)):
        image, target = ds[i]
        _check_target(image, target, len(classes), size=96)
        labels |= set(target["labels"].tolist())
    assert labels <= {1, 2, 3} and len(labels) >= 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"min_objects": 3, "max_objects": 2}, "max_objects"),
        ({"classes": ("square", "disc")}, "start with 'background'"),
        ({"classes": ("background", "hexagon")}, "unknown shape class"),
        ({"size": 12}, "size >= 16"),
        ({"max_overlap_iou": 1.5}, "max_overlap_iou"),
        ({"object_scale": (0.3, 0.1)}, "object_scale"),
        ({"difficulty": -0.1}, "difficulty"),
    ],
)
def test_detection_errors_teach(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_detection_sample(np.random.default_rng(0), **kwargs)
    if "object_scale" not in kwargs:
        with pytest.raises(ValueError, match=message):
            DetectionShapes(5, **kwargs)


def test_detection_impossible_packing_says_what_to_change() -> None:
    with pytest.raises(RuntimeError, match="lower min_objects"):
        make_detection_sample(
            np.random.default_rng(0), size=32, min_objects=6, max_objects=6,
            max_overlap_iou=0.0, object_scale=(0.4, 0.45),
        )  # fmt: skip


def test_detection_generation_speed() -> None:
    ds = DetectionShapes(100, seed=0)
    start = time.perf_counter()
    for i in range(len(ds)):
        ds[i]
    seconds = time.perf_counter() - start
    print(f"\nDetectionShapes: {1000 * seconds / len(ds):.1f} ms per 128x128 image")
    assert seconds < 20


# --------------------------------------------------------------------------------------
# Pasted digits
# --------------------------------------------------------------------------------------


def test_detection_digits_targets_are_consistent() -> None:
    ds = DetectionDigits(25, seed=0)
    labels = set()
    for i in range(len(ds)):
        image, target = ds[i]
        _check_target(image, target, ds.num_classes)
        labels |= set(target["labels"].tolist())
        boxes = target["boxes"]
        assert (box_iou(boxes, boxes) - torch.eye(len(boxes))).max() <= 0.3 + 1e-6
    assert labels <= set(range(1, 11)) and len(labels) >= 6
    assert ds.num_classes == len(DIGIT_DET_CLASSES) == 11 and DIGIT_DET_CLASSES[1] == "0"
    assert torch.equal(ds[3][0], DetectionDigits(25, seed=0)[3][0])


def test_digit_splits_use_disjoint_handwritten_exemplars() -> None:
    parts = [set(shapes._digit_exemplars(s).tolist()) for s in ("train", "val", "test")]
    assert not parts[0] & parts[1] and not parts[0] & parts[2] and not parts[1] & parts[2]
    assert len(parts[0] | parts[1] | parts[2]) == 1797
    train, val, test = digit_detection_splits(10, 5, 5, seed=0)
    assert test.kwargs["exemplars"] == "test" and not torch.equal(train[0][0], test[0][0])
    with pytest.raises(ValueError, match="digit_size"):
        make_digit_sample(np.random.default_rng(0), digit_size=(4, 8))
    with pytest.raises(ValueError, match="exemplars"):
        DetectionDigits(5, exemplars="holdout")


def test_docstring_examples_run() -> None:
    result = doctest.testmod(shapes, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 10
