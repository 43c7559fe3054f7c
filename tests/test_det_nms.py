"""NMS: equal to torchvision on hundreds of seeded cases; ties, empty input, the step view."""

from __future__ import annotations

import pytest
import torch
import torchvision

from course_utils.detection import batched_nms, box_iou, nms, nms_steps


def clustered_boxes(g: torch.Generator, n: int) -> torch.Tensor:
    """Boxes jittered around a few centres, so that NMS really has to suppress."""
    centres = torch.rand(max(1, n // 8), 2, generator=g) * 200
    pick = torch.randint(0, len(centres), (n,), generator=g)
    xy = centres[pick] + torch.randn(n, 2, generator=g) * 8
    wh = torch.rand(n, 2, generator=g) * 40 + 5
    return torch.cat((xy, xy + wh), dim=1)


def test_nms_equals_torchvision_on_random_cases() -> None:
    g = torch.Generator().manual_seed(0)
    thresholds = [0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0]
    total_suppressed = 0
    for case in range(300):
        n = int(torch.randint(1, 200, (1,), generator=g))
        boxes = clustered_boxes(g, n)
        scores = torch.rand(n, generator=g)  # continuous: no ties
        thr = thresholds[case % len(thresholds)]
        ours, ref = nms(boxes, scores, thr), torchvision.ops.nms(boxes, scores, thr)
        assert torch.equal(ours, ref), f"case {case}, n {n}, threshold {thr}"
        assert ours.dtype == torch.int64
        total_suppressed += n - len(ours)
    assert total_suppressed > 1000  # the cases did exercise suppression


def test_nms_float64_and_sorted_by_score() -> None:
    g = torch.Generator().manual_seed(1)
    boxes = clustered_boxes(g, 150).double()
    scores = torch.rand(150, generator=g, dtype=torch.float64)
    keep = nms(boxes, scores, 0.4)
    assert torch.equal(keep, torchvision.ops.nms(boxes, scores, 0.4))
    assert bool((scores[keep][:-1] >= scores[keep][1:]).all())


def test_batched_nms_equals_torchvision() -> None:
    g = torch.Generator().manual_seed(2)
    for case in range(200):
        n = int(torch.randint(1, 300, (1,), generator=g))
        boxes = clustered_boxes(g, n)
        scores = torch.rand(n, generator=g)
        labels = torch.randint(0, 1 + case % 5, (n,), generator=g)
        thr = [0.3, 0.5, 0.7][case % 3]
        ours = batched_nms(boxes, scores, labels, thr)
        assert torch.equal(ours, torchvision.ops.batched_nms(boxes, scores, labels, thr)), case


def test_batched_nms_other_classes_never_suppress() -> None:
    boxes = torch.tensor([[0.0, 0.0, 10.0, 10.0]] * 3)
    scores = torch.tensor([0.9, 0.8, 0.7])
    assert batched_nms(boxes, scores, torch.tensor([1, 2, 1]), 0.5).tolist() == [0, 1]
    assert nms(boxes, scores, 0.5).tolist() == [0]


def test_ties_are_deterministic_lower_index_first() -> None:
    # identical boxes with identical scores: the lowest index survives, as in torchvision (CPU)
    boxes = torch.tensor([[0.0, 0.0, 10.0, 10.0]] * 4 + [[50.0, 50.0, 60.0, 60.0]] * 2)
    scores = torch.tensor([0.5, 0.5, 0.5, 0.5, 0.5, 0.5])
    keep = nms(boxes, scores, 0.5)
    assert keep.tolist() == [0, 4]
    assert torch.equal(keep, torchvision.ops.nms(boxes, scores, 0.5))
    assert torch.equal(nms(boxes, scores, 0.5), keep)  # same answer every time


def test_empty_input() -> None:
    empty = nms(torch.zeros(0, 4), torch.zeros(0), 0.5)
    assert empty.shape == (0,) and empty.dtype == torch.int64
    empty = batched_nms(torch.zeros(0, 4), torch.zeros(0), torch.zeros(0, dtype=torch.int64), 0.5)
    assert empty.shape == (0,) and empty.dtype == torch.int64
    assert list(nms_steps(torch.zeros(0, 4), torch.zeros(0), 0.5)) == []


def test_nms_steps_tell_the_whole_story() -> None:
    g = torch.Generator().manual_seed(3)
    boxes = clustered_boxes(g, 60)
    scores = torch.rand(60, generator=g)
    steps = list(nms_steps(boxes, scores, 0.5))
    assert torch.equal(steps[-1].kept, nms(boxes, scores, 0.5))
    seen = torch.cat([torch.tensor([s.picked]) for s in steps] + [s.suppressed for s in steps])
    assert sorted(seen.tolist()) == list(range(60))  # every box is picked or suppressed once
    for s in steps:
        assert s.step == len(s.kept) - 1
        assert bool((s.ious > 0.5).all())
        if len(s.suppressed):
            ious = box_iou(boxes[s.picked : s.picked + 1], boxes[s.suppressed])[0]
            torch.testing.assert_close(ious, s.ious)
        if len(s.remaining):  # still waiting: lower score than the pick
            assert bool((scores[s.remaining] <= scores[s.picked]).all())


@pytest.mark.parametrize(
    ("boxes", "scores", "thr", "message"),
    [
        (torch.zeros(3, 5), torch.zeros(3), 0.5, r"boxes must have shape \(N, 4\)"),
        (torch.zeros(3, 4), torch.zeros(2), 0.5, r"scores must have shape \(3,\)"),
        (torch.zeros(3, 4), torch.zeros(3), 1.5, r"in \[0, 1\]"),
    ],
)
def test_nms_errors(boxes: torch.Tensor, scores: torch.Tensor, thr: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        nms(boxes, scores, thr)
