"""Notebook 09's exercise checkers: right answers pass, usual mistakes get their hint."""

from __future__ import annotations

import pytest
import torch
from exercise_asserts import assert_correct, assert_hint, placeholder
from torchvision.ops import roi_align

from course_utils.detection import box_iou
from course_utils.detection.detectors import RCNN
from course_utils.exercises.nb09 import (
    check_context_box,
    check_proposal_labels,
    check_regression_targets,
    context_box_reference,
)
from course_utils.exercises.solutions import reference


def centres_sizes(b):
    return (b[:, :2] + b[:, 2:]) / 2, b[:, 2:] - b[:, :2]


# ----------------------------------------------------------------------------- exercise 1


regression_targets = reference("09.1")  # the one reference solution


def test_regression_targets_right_answer_passes():
    assert_correct(check_regression_targets(regression_targets))


def test_regression_targets_hints():
    assert_hint(check_regression_targets(placeholder), "NotImplementedError")
    assert_hint(check_regression_targets(lambda p, g: regression_targets(p, g).tolist()), "tensor")
    assert_hint(check_regression_targets(lambda p, g: regression_targets(p, g)[:, :2]), "(one row")

    def weighted(p, g):
        return regression_targets(p, g) * torch.tensor([10.0, 10.0, 5.0, 5.0], dtype=p.dtype)

    assert_hint(check_regression_targets(weighted), "unweighted")

    def object_units(p, g):
        (pc, ps), (gc, gs) = centres_sizes(p), centres_sizes(g)
        return torch.cat(((gc - pc) / gs, torch.log(gs / ps)), dim=1)

    assert_hint(check_regression_targets(object_units), "*proposal* widths")

    def corners(p, g):
        _, ps = centres_sizes(p)
        return torch.cat(((g[:, :2] - p[:, :2]) / ps, regression_targets(p, g)[:, 2:]), dim=1)

    assert_hint(check_regression_targets(corners), "*centre*")

    def pixels(p, g):
        (pc, ps), (gc, gs) = centres_sizes(p), centres_sizes(g)
        return torch.cat((gc - pc, torch.log(gs / ps)), dim=1)

    assert_hint(check_regression_targets(pixels), "no unit")

    def no_log(p, g):
        (pc, ps), (gc, gs) = centres_sizes(p), centres_sizes(g)
        return torch.cat(((gc - pc) / ps, gs / ps), dim=1)

    assert_hint(check_regression_targets(no_log), "*log*")

    def flipped(p, g):
        (pc, ps), (gc, gs) = centres_sizes(p), centres_sizes(g)
        return torch.cat(((gc - pc) / ps, torch.log(ps / gs)), dim=1)

    assert_hint(check_regression_targets(flipped), "wrong sign")

    def in_place(p, g):
        out = regression_targets(p, g)
        p += 1
        return out

    assert_hint(check_regression_targets(in_place), "in place")
    with pytest.raises(TypeError, match="pass your function itself"):
        check_regression_targets(torch.zeros(1, 4))


# ----------------------------------------------------------------------------- exercise 2


context_box = reference("09.2")  # the one reference solution


def test_context_box_right_answer_passes():
    assert_correct(check_context_box(context_box))


def test_context_box_reference_is_what_rcnn_warps():
    g = torch.Generator().manual_seed(0)
    images = torch.rand(2, 3, 128, 128, generator=g)
    boxes = [
        torch.tensor([[10.0, 20.0, 70.0, 40.0]]),
        torch.tensor([[5.0, 5.0, 30.0, 90.0], [60.0, 60.0, 120.0, 100.0]]),
    ]
    model = RCNN(num_classes=4)
    grown = [context_box_reference(b, model.warp_size, model.context) for b in boxes]
    expected = roi_align(images, grown, (model.warp_size,) * 2, 1.0, sampling_ratio=2, aligned=True)
    assert torch.equal(model.warp(images, boxes), expected)


def test_context_box_hints():
    assert_hint(check_context_box(placeholder), "NotImplementedError")
    assert_hint(
        check_context_box(lambda b, w, c: b + torch.tensor([-c, -c, c, c])), "*warped* pixels"
    )

    def whole_warp(b, w, c):
        centre, size = centres_sizes(b)
        half = size / 2 * (w + 2 * c) / w
        return torch.cat((centre - half, centre + half), dim=1)

    assert_hint(check_context_box(whole_warp), "warp_size − 2·context pixels")
    assert_hint(check_context_box(lambda b, w, c: b.clone()), "unchanged")

    def from_corner(b, w, c):
        _, size = centres_sizes(b)
        return torch.cat((b[:, :2], b[:, :2] + size * w / (w - 2 * c)), dim=1)

    assert_hint(check_context_box(from_corner), "about its centre")
    assert_hint(check_context_box(lambda b, w, c: context_box(b, w, c)[:, :2]), "must be")
    assert_hint(check_context_box(lambda b, w, c: context_box(b, w, c) * 2), "centre")


# ----------------------------------------------------------------------------- exercise 3


proposal_labels = reference("09.3")  # the one reference solution


def test_proposal_labels_right_answer_passes():
    assert_correct(check_proposal_labels(proposal_labels))

    def loops(proposals, gt_boxes, gt_labels):
        out = []
        for p in proposals:
            ious = [float(box_iou(p[None], g[None])) for g in gt_boxes]
            best = max(range(len(ious)), key=ious.__getitem__) if ious else None
            out.append(int(gt_labels[best]) if best is not None and ious[best] >= 0.5 else 0)
        return torch.tensor(out, dtype=torch.int64)

    assert_correct(check_proposal_labels(loops))


def test_proposal_labels_hints():
    assert_hint(check_proposal_labels(placeholder), "NotImplementedError")

    def strict(proposals, gt_boxes, gt_labels):
        labels = torch.zeros(len(proposals), dtype=torch.int64)
        if len(gt_boxes):
            best_iou, best = box_iou(gt_boxes, proposals).max(dim=0)
            labels = torch.where(best_iou > 0.5, gt_labels[best], labels)
        return labels

    assert_hint(check_proposal_labels(strict), "exactly 0.5")

    def indices(proposals, gt_boxes, gt_labels):
        if not len(gt_boxes):
            return torch.zeros(len(proposals), dtype=torch.int64)
        best_iou, best = box_iou(gt_boxes, proposals).max(dim=0)
        return torch.where(best_iou >= 0.5, best, -1)

    assert_hint(check_proposal_labels(indices), "not its index")

    def first(proposals, gt_boxes, gt_labels):
        labels = torch.zeros(len(proposals), dtype=torch.int64)
        iou = box_iou(gt_boxes, proposals)
        for j in range(len(gt_boxes)):
            fresh = (iou[j] >= 0.5) & (labels == 0)
            labels[fresh] = gt_labels[j]
        return labels

    assert_hint(check_proposal_labels(first), "highest IoU")

    def per_object(proposals, gt_boxes, gt_labels):
        if not len(gt_boxes):
            return torch.zeros(len(proposals), dtype=torch.int64)
        return box_iou(gt_boxes, proposals).argmax(dim=1)

    assert_hint(check_proposal_labels(per_object), "one label per proposal")

    def minus_one(proposals, gt_boxes, gt_labels):
        labels = proposal_labels(proposals, gt_boxes, gt_labels)
        return torch.where(labels == 0, -1, labels)

    assert_hint(check_proposal_labels(minus_one), "label 0")
    assert_hint(check_proposal_labels(lambda p, g, y: proposal_labels(p, g, y).float()), "integer")
