"""Anchors equal torchvision's AnchorGenerator; matching equals its Matcher; sampling balances."""

from __future__ import annotations

import pytest
import torch
from torchvision.models.detection._utils import Matcher
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.image_list import ImageList

from course_utils.detection import (
    IGNORE,
    NEGATIVE,
    anchor_labels,
    base_anchors,
    box_iou,
    generate_anchors,
    match_anchors,
    sample_labels,
)


def test_base_anchors_keep_area_and_ratio() -> None:
    cell = base_anchors((32, 64), (0.5, 1.0, 2.0))
    assert cell.shape == (6, 4)
    w, h = cell[:, 2] - cell[:, 0], cell[:, 3] - cell[:, 1]
    torch.testing.assert_close(w * h, torch.tensor([32.0, 64.0] * 3) ** 2, rtol=0.05, atol=0)
    torch.testing.assert_close(
        h / w, torch.tensor([0.5, 0.5, 1.0, 1.0, 2.0, 2.0]), rtol=0.05, atol=0
    )
    torch.testing.assert_close(cell[:, :2] + cell[:, 2:], torch.zeros(6, 2))  # centred on 0
    with pytest.raises(ValueError, match="positive"):
        base_anchors((32, -1), (1.0,))


@pytest.mark.parametrize(
    ("sizes", "ratios", "image", "grid"),
    [
        ((32,), (1.0,), (64, 64), (4, 4)),
        ((128, 256, 512), (0.5, 1.0, 2.0), (800, 608), (50, 38)),
        ((16, 24), (0.5, 2.0, 1.0, 3.0), (128, 96), (8, 6)),
    ],
)
def test_generate_anchors_equals_torchvision(sizes, ratios, image, grid) -> None:
    gen = AnchorGenerator(sizes=(sizes,), aspect_ratios=(ratios,))
    images = ImageList(torch.zeros(1, 3, *image), [image])
    (expected,) = gen(images, [torch.zeros(1, 8, *grid)])
    stride = (image[0] // grid[0], image[1] // grid[1])
    ours = generate_anchors(grid, stride, sizes, ratios)
    assert ours.shape == (grid[0] * grid[1] * len(sizes) * len(ratios), 4)
    assert torch.equal(ours, expected)  # same values, same order


def test_anchor_order_is_location_major() -> None:
    sizes, ratios, stride = (16, 32), (0.5, 1.0, 2.0), 8
    anchors = generate_anchors((3, 5), stride, sizes, ratios)
    a = len(sizes) * len(ratios)
    cell = base_anchors(sizes, ratios)
    for i in (0, 7, a * 6 + 4, len(anchors) - 1):
        y, x = divmod(i // a, 5)
        shift = torch.tensor([x, y, x, y], dtype=torch.float32) * stride
        assert torch.equal(anchors[i], cell[i % a] + shift)


def random_boxes(n: int, g: torch.Generator) -> torch.Tensor:
    xy = torch.rand(n, 2, generator=g) * 200
    return torch.cat((xy, xy + torch.rand(n, 2, generator=g) * 100 + 4), dim=1)


def test_match_anchors_equals_torchvision_matcher() -> None:
    g = torch.Generator().manual_seed(0)
    anchors = generate_anchors((16, 16), 16, (32, 64, 128), (0.5, 1.0, 2.0))
    for case in range(60):
        gt = random_boxes(int(torch.randint(1, 12, (1,), generator=g)), g)
        pos, neg = [(0.7, 0.3), (0.5, 0.5), (0.6, 0.4)][case % 3]
        for low_quality in (True, False):
            expected = Matcher(pos, neg, allow_low_quality_matches=low_quality)(
                box_iou(gt, anchors)
            )
            ours = match_anchors(anchors, gt, pos, neg, allow_low_quality=low_quality)
            assert torch.equal(ours, expected), (case, low_quality)


def test_match_anchors_low_quality_rescues_small_objects() -> None:
    anchors = generate_anchors((4, 4), 16, (64,), (1.0,))
    tiny = torch.tensor([[20.0, 20.0, 26.0, 26.0]])  # IoU with any 64×64 anchor < 0.3
    assert (match_anchors(anchors, tiny, allow_low_quality=False) == NEGATIVE).all()
    matches = match_anchors(anchors, tiny)
    assert (matches == 0).sum() >= 1


def test_no_ground_truth_means_all_negative() -> None:
    anchors = generate_anchors((5, 5), 16, (32,), (1.0, 2.0))
    matches = match_anchors(anchors, torch.zeros((0, 4)))
    assert matches.shape == (50,) and (matches == NEGATIVE).all()
    labels = anchor_labels(matches)
    assert (labels == 0).all()
    pos, neg = sample_labels(labels.long(), 16)
    assert len(pos) == 0 and len(neg) == 16
    assert match_anchors(torch.zeros((0, 4)), random_boxes(3, torch.Generator())).shape == (0,)


def test_anchor_labels() -> None:
    assert anchor_labels(torch.tensor([2, 0, NEGATIVE, IGNORE])).tolist() == [1.0, 1.0, 0.0, -1.0]


def test_sample_labels_balances_and_repeats() -> None:
    labels = torch.cat((torch.ones(40), torch.zeros(1000), -torch.ones(100))).long()
    labels = labels[torch.randperm(len(labels), generator=torch.Generator().manual_seed(0))]
    pos, neg = sample_labels(labels, 256, 0.5, generator=torch.Generator().manual_seed(1))
    assert len(pos) == 40 and len(neg) == 216  # too few positives: negatives fill the batch
    assert (labels[pos] == 1).all() and (labels[neg] == 0).all()
    assert len(set(pos.tolist()) | set(neg.tolist())) == 256  # no index drawn twice
    again = sample_labels(labels, 256, 0.5, generator=torch.Generator().manual_seed(1))
    assert torch.equal(again[0], pos) and torch.equal(again[1], neg)
    many = torch.cat((torch.ones(500), torch.zeros(500))).long()
    pos, neg = sample_labels(many, 256, 0.25)
    assert len(pos) == 64 and len(neg) == 192
    class_labels = torch.tensor([3, 0, 1, 0, -1, 2])  # Fast R-CNN: class indices ≥ 1 are positive
    pos, neg = sample_labels(class_labels, 4, 0.5)
    assert sorted(pos.tolist()) in ([0, 2], [0, 5], [2, 5]) and sorted(neg.tolist()) == [1, 3]
