"""Notebook 11's exercise checkers: right answers pass, usual mistakes get their hint."""

from __future__ import annotations

import math

import torch
from exercise_asserts import assert_correct, assert_hint, placeholder

from course_utils.detection import box_iou
from course_utils.exercises.nb11 import check_cell_anchors, check_label_anchors, check_recall_at_k
from course_utils.exercises.solutions import reference

# ----------------------------------------------------------------------------- exercise 1


cell_anchors = reference("11.1")  # the one reference solution


def cell_anchors_vectorised(sizes, ratios):
    s, r = torch.tensor(sizes), torch.tensor(ratios)
    h = (r.sqrt()[:, None] * s).reshape(-1)
    w = (s / r.sqrt()[:, None]).reshape(-1)
    return (torch.stack((-w, -h, w, h), dim=1) / 2).round()


def test_cell_anchors_right_answers_pass():
    assert_correct(check_cell_anchors(cell_anchors))
    assert_correct(check_cell_anchors(cell_anchors_vectorised))


def test_cell_anchors_hints():
    assert_hint(check_cell_anchors(placeholder), "NotImplementedError")
    assert_hint(check_cell_anchors(lambda s, r: [[0, 0, 1, 1]]), "return a tensor")
    assert_hint(check_cell_anchors(lambda s, r: cell_anchors(s, r)[:1]), "one row")
    unrounded = lambda s, r: cell_anchors(s, r) + 0.3  # noqa: E731 - stands for "not rounded"

    def not_rounded(sizes, ratios):
        rows = []
        for r in ratios:
            for s in sizes:
                h, w = s * math.sqrt(r), s / math.sqrt(r)
                rows.append([-w / 2, -h / 2, w / 2, h / 2])
        return torch.tensor(rows, dtype=torch.float64)

    assert_hint(check_cell_anchors(not_rounded), "round")
    assert_hint(check_cell_anchors(unrounded), "wrong for")
    assert_hint(
        check_cell_anchors(lambda s, r: cell_anchors(s, [1 / x for x in r])), "height / width"
    )

    def size_major(sizes, ratios):
        rows = []
        for s in sizes:
            for r in ratios:
                h, w = s * math.sqrt(r), s / math.sqrt(r)
                rows.append([-w / 2, -h / 2, w / 2, h / 2])
        return torch.tensor(rows).round()

    assert_hint(check_cell_anchors(size_major), "ratio-major")

    def no_sqrt(sizes, ratios):
        rows = [[-s / 2, -s * r / 2, s / 2, s * r / 2] for r in ratios for s in sizes]
        return torch.tensor(rows).round()

    assert_hint(check_cell_anchors(no_sqrt), "size²")

    def full_width(sizes, ratios):
        rows = []
        for r in ratios:
            for s in sizes:
                h, w = s * math.sqrt(r), s / math.sqrt(r)
                rows.append([-w, -h, w, h])
        return torch.tensor(rows).round()

    assert_hint(check_cell_anchors(full_width), "half a width")
    corner = lambda s, r: cell_anchors(s, r) - cell_anchors(s, r)[:, :2].repeat(1, 2)  # noqa: E731
    assert_hint(check_cell_anchors(corner), "centred on (0, 0)")


def test_cell_anchors_hints_never_show_the_anchors():
    for wrong in (lambda s, r: cell_anchors(s, r) * 2, lambda s, r: cell_anchors(s, r) + 1):
        text = repr(check_cell_anchors(wrong))
        assert "-11" not in text and "-23" not in text and "tensor(" not in text


# ----------------------------------------------------------------------------- exercise 2


label_anchors = reference("11.2")  # the one reference solution


def test_label_anchors_right_answer_passes():
    assert_correct(check_label_anchors(label_anchors))


def test_label_anchors_hints():
    assert_hint(check_label_anchors(placeholder), "NotImplementedError")
    assert_hint(check_label_anchors(lambda a, g: [0] * len(a)), "return a tensor")
    assert_hint(check_label_anchors(lambda a, g: label_anchors(a, g)[:-1]), "one label per anchor")

    def no_low_quality(anchors, gt):
        labels = torch.zeros(len(anchors))
        if len(gt):
            best = box_iou(gt, anchors).max(dim=0).values
            labels[(best >= 0.3) & (best < 0.7)] = -1
            labels[best >= 0.7] = 1
        return labels

    assert_hint(check_label_anchors(no_low_quality), "best anchor(s) positive")

    def ignored_as_background(anchors, gt):
        labels = label_anchors(anchors, gt)
        labels[labels == -1] = 0
        return labels

    assert_hint(check_label_anchors(ignored_as_background), "ignored (−1)")

    def strict_lower(anchors, gt):  # IoU exactly 0.3 made background
        labels = label_anchors(anchors, gt)
        if len(gt):
            best = box_iou(gt, anchors).max(dim=0).values
            labels[(best <= 0.3) & (labels == -1)] = 0
        return labels

    assert_hint(check_label_anchors(strict_lower), "exactly 0.3")

    def strict_upper(anchors, gt):  # IoU exactly 0.7 made ignored
        labels = torch.zeros(len(anchors))
        if len(gt):
            iou = box_iou(gt, anchors)
            best = iou.max(dim=0).values
            labels[(best >= 0.3) & (best <= 0.7)] = -1
            labels[best > 0.7] = 1
            labels[(iou == iou.max(dim=1, keepdim=True).values).any(dim=0)] = 1
        return labels

    assert_hint(check_label_anchors(strict_upper), "0.7 included")

    def argmax_only(anchors, gt):  # one anchor per object: ties left out
        labels = torch.zeros(len(anchors))
        if len(gt):
            iou = box_iou(gt, anchors)
            best = iou.max(dim=0).values
            labels[(best >= 0.3) & (best < 0.7)] = -1
            labels[best >= 0.7] = 1
            labels[iou.argmax(dim=1)] = 1
        return labels

    assert_hint(check_label_anchors(argmax_only), "ties")

    def every_overlap(anchors, gt):
        labels = label_anchors(anchors, gt)
        if len(gt):
            labels[box_iou(gt, anchors).max(dim=0).values > 0.5] = 1
        return labels

    assert_hint(check_label_anchors(every_overlap), "too many positives")
    assert_hint(check_label_anchors(lambda a, g: label_anchors(a, g) * 2), "1, 0 or −1")
    assert_hint(check_label_anchors(lambda a, g: torch.ones(len(a))), "too many positives")


# ----------------------------------------------------------------------------- exercise 3


recall_at_k = reference("11.3")  # the one reference solution


def test_recall_right_answer_passes():
    assert_correct(check_recall_at_k(recall_at_k))
    assert_correct(check_recall_at_k(lambda p, g, k, iou: torch.tensor(recall_at_k(p, g, k, iou))))


def test_recall_hints():
    assert_hint(check_recall_at_k(placeholder), "NotImplementedError")
    assert_hint(check_recall_at_k(lambda p, g, k, iou: "0.5"), "one number")
    assert_hint(check_recall_at_k(lambda p, g, k, iou: recall_at_k(p, g, 10**6, iou)), "first k")
    assert_hint(check_recall_at_k(lambda p, g, k, iou: 2.0), "between 0 and 1")

    def per_image(proposals, gt_boxes, k, iou):
        values = [
            recall_at_k([p], [g], k, iou)
            for p, g in zip(proposals, gt_boxes, strict=True)
            if len(g)
        ]
        return sum(values) / len(values)

    assert_hint(check_recall_at_k(per_image), "not over images")
    assert_hint(check_recall_at_k(lambda p, g, k, iou: 0.123), "best IoU")
