"""Drawing puts boxes on pixel edges: pixel (r, c) covers [c, c + 1] × [r, r + 1] on the axes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display needed

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from course_utils.data.shapes import make_detection_sample  # noqa: E402
from course_utils.detection import draw_boxes, draw_masks, draw_proposals  # noqa: E402


@pytest.mark.parametrize("draw", [draw_boxes, draw_proposals])
def test_image_pixels_span_their_box_coordinates(draw) -> None:
    # boxes are xyxy pixel edges (x2 = last column + 1); matplotlib's default extent would
    # centre pixel c on x = c and show every box half a pixel off its object
    fig, ax = plt.subplots()
    draw(ax, torch.rand(3, 40, 50), torch.tensor([[2.0, 3.0, 20.0, 30.0]]))
    assert ax.images[0].get_extent() == [0.0, 50.0, 40.0, 0.0]
    assert ax.get_xlim() == (0.0, 50.0) and ax.get_ylim() == (40.0, 0.0)
    plt.close(fig)


def test_a_data_set_box_frames_its_mask_exactly() -> None:
    image, target = make_detection_sample(np.random.default_rng(3), min_objects=1)
    fig, ax = plt.subplots()
    draw_masks(ax, image, target["masks"], labels=target["labels"])
    draw_boxes(ax, None, target["boxes"], labels=target["labels"])
    background, overlay = ax.images
    assert background.get_extent() == overlay.get_extent() == [0.0, 128.0, 128.0, 0.0]
    # the first mask pixel column c lies on [c, c + 1]: its left edge is the box's x1
    mask = target["masks"][0].numpy().astype(bool)
    cols, rows = np.flatnonzero(mask.any(0)), np.flatnonzero(mask.any(1))
    x1, y1, x2, y2 = target["boxes"][0].tolist()
    assert (x1, y1, x2, y2) == (cols[0], rows[0], cols[-1] + 1, rows[-1] + 1)
    patch = ax.patches[0]
    assert (patch.get_x(), patch.get_y()) == (x1, y1)
    assert (patch.get_width(), patch.get_height()) == (x2 - x1, y2 - y1)
    plt.close(fig)
