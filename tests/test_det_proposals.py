"""Selective-search proposals (deterministic, clean boxes), proposal recall, and drawing."""

from __future__ import annotations

import sys
import types

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display needed

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from course_utils.detection import (  # noqa: E402
    draw_boxes,
    draw_masks,
    draw_proposals,
    proposal_recall,
    selective_search_boxes,
)


def shapes_image(size: int = 96) -> np.ndarray:
    """An RGB uint8 image with a few flat-coloured rectangles on a noisy background."""
    rng = np.random.default_rng(0)
    img = (rng.random((size, size, 3)) * 40 + 100).astype(np.uint8)
    img[10:40, 8:50] = (220, 30, 30)
    img[50:90, 55:85] = (30, 200, 40)
    img[60:75, 10:30] = (20, 20, 230)
    return img


OBJECTS = torch.tensor(
    [[8.0, 10.0, 50.0, 40.0], [55.0, 50.0, 85.0, 90.0], [10.0, 60.0, 30.0, 75.0]]
)


def test_selective_search_output_is_clean_xyxy() -> None:
    img = shapes_image()
    boxes = selective_search_boxes(img, max_proposals=300, min_size=4)
    assert boxes.dtype == torch.float32 and boxes.dim() == 2 and boxes.shape[1] == 4
    assert 0 < len(boxes) <= 300
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    assert bool((w >= 4).all() and (h >= 4).all())  # small boxes removed
    assert bool((boxes[:, :2] >= 0).all() and (boxes[:, 2:] <= 96).all())  # x2 = x + w ≤ width
    assert len(torch.unique(boxes, dim=0)) == len(boxes)  # no duplicates
    assert proposal_recall(boxes, OBJECTS, iou=0.7) == 1.0  # it finds the flat rectangles
    assert len(selective_search_boxes(img, max_proposals=5)) == 5  # top-k


def test_selective_search_is_deterministic_and_input_agnostic() -> None:
    img = shapes_image()
    first = selective_search_boxes(img)
    assert torch.equal(first, selective_search_boxes(img))  # same image → same boxes, same order
    as_tensor = torch.from_numpy(img).permute(2, 0, 1).float() / 255  # CHW float in [0, 1]
    assert torch.equal(first, selective_search_boxes(as_tensor))
    gray = selective_search_boxes(torch.from_numpy(img[:, :, 0]))  # H×W uint8 works too
    assert gray.shape[1] == 4 and len(gray) > 0


def test_selective_search_modes_and_scale() -> None:
    img = shapes_image(64)
    single = selective_search_boxes(img, mode="single")
    fast = selective_search_boxes(img, mode="fast")
    assert len(single) < len(fast)  # one strategy vs several
    coarse = selective_search_boxes(img, mode="single", scale=1000)
    assert len(coarse) < len(single)  # a larger Felzenszwalb k: larger regions, fewer boxes


def test_selective_search_errors_teach() -> None:
    img = shapes_image(32)
    with pytest.raises(ValueError, match="mode must be one of"):
        selective_search_boxes(img, mode="slow")
    with pytest.raises(ValueError, match=r"in \[0, 1\].*normalisation"):
        selective_search_boxes(torch.rand(3, 16, 16) * 2 - 0.5)
    with pytest.raises(ValueError, match=r"H×W×C.*transpose"):
        selective_search_boxes(np.zeros((3, 16, 16), dtype=np.uint8))


def test_missing_contrib_module_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    plain_cv2 = types.ModuleType("cv2")  # an OpenCV build without the contrib modules
    plain_cv2.__version__ = "5.0.0"
    monkeypatch.setitem(sys.modules, "cv2", plain_cv2)
    with pytest.raises(
        ImportError, match="install opencv-contrib-python-headless, and no other OpenCV package"
    ):
        selective_search_boxes(shapes_image(16))


def test_proposal_recall() -> None:
    gt = torch.tensor([[0.0, 0.0, 10.0, 10.0], [20.0, 20.0, 30.0, 30.0]])
    props = torch.tensor([[0.0, 0.0, 10.0, 8.0], [40.0, 40.0, 50.0, 50.0]])  # IoU 0.8 and 0
    assert proposal_recall(props, gt, iou=0.5) == 0.5
    assert proposal_recall(props, gt, iou=0.9) == 0.0
    assert proposal_recall([props, gt], [gt, gt], iou=0.5) == 0.75  # 1 + 2 of 4 objects
    assert proposal_recall(torch.zeros(0, 4), gt) == 0.0
    assert np.isnan(proposal_recall(props, torch.zeros(0, 4)))
    with pytest.raises(TypeError, match="both as tensors"):
        proposal_recall([props], gt)


# --------------------------------------------------------------------------- drawing
def test_draw_boxes_with_labels_scores_and_legend() -> None:
    fig, ax = plt.subplots()
    image = torch.rand(3, 40, 50)
    boxes = torch.tensor([[2.0, 3.0, 20.0, 30.0], [10.0, 5.0, 45.0, 35.0], [0.0, 0.0, 5.0, 5.0]])
    out = draw_boxes(
        ax,
        image,
        boxes,
        labels=torch.tensor([1, 2, 1]),
        scores=torch.tensor([0.9, 0.75, 0.3]),
        class_names=["background", "circle", "square"],
    )
    assert out is ax
    assert len(ax.patches) == 3
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["circle 0.90", "square 0.75", "circle 0.30"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["circle", "square"]  # each class once
    assert ax.get_title() == "3 boxes" and ax.get_xlabel() == "x (pixels)"
    # ground truth dashed over the same axes, no image redrawn, fixed colour
    draw_boxes(ax, None, boxes[:1], color="white", linestyle="--", title="predictions vs truth")
    assert len(ax.patches) == 4 and ax.get_title() == "predictions vs truth"
    with pytest.raises(ValueError, match="3 boxes but 2 labels"):
        draw_boxes(ax, image, boxes, labels=torch.tensor([1, 2]))
    plt.close(fig)


def test_draw_masks_and_proposals() -> None:
    fig, (ax1, ax2) = plt.subplots(1, 2)
    image = np.zeros((32, 32, 3), dtype=np.uint8)
    masks = torch.zeros(2, 1, 32, 32)
    masks[0, 0, 2:10, 2:10] = 0.9
    masks[1, 0, 20:30, 5:25] = 1.0
    draw_masks(ax1, image, masks, alpha=0.4, labels=torch.tensor([1, 2]))
    overlay = ax1.images[-1].get_array()
    assert overlay.shape == (32, 32, 4)
    assert overlay[5, 5, 3] == pytest.approx(0.4) and overlay[0, 0, 3] == 0.0
    with pytest.raises(ValueError, match="opacity"):
        draw_masks(ax1, image, masks, alpha=2.0)
    boxes = selective_search_boxes(shapes_image(48), max_proposals=50)
    draw_proposals(ax2, shapes_image(48), boxes, max_boxes=10)
    assert len(ax2.patches) == 10
    assert ax2.get_title() == f"10 of {len(boxes)} proposals"
    plt.close(fig)
