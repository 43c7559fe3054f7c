"""Notebook 10's exercise checkers: right answers pass, usual mistakes get their hint."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from exercise_asserts import assert_correct, assert_hint, placeholder

from course_utils.exercises.nb10 import (
    ROI_PROPOSAL,
    check_multitask_loss,
    check_roi_cells,
    check_roi_pool_one,
)
from course_utils.exercises.solutions import reference

# ----------------------------------------------------------------------------- exercise 1


def test_roi_cells_answer_in_any_form():
    # (21, 38, 90, 75) / 4 = (5.25, 9.5, 22.5, 18.75) → C's round: (5, 10, 23, 19)
    for answer in (
        (5, 10, 23, 19),
        [5, 10, 23, 19],
        torch.tensor([5, 10, 23, 19]),
        np.array([5.0, 10, 23, 19]),
    ):
        assert_correct(check_roi_cells(answer))


def test_roi_cells_hints():
    assert_hint(check_roi_cells(None), "replace None")
    assert_hint(check_roi_cells((5, 10, 23)), "four numbers")
    assert_hint(check_roi_cells("5, 10, 23, 19"), "four numbers")
    assert_hint(check_roi_cells((5.25, 9.5, 22.5, 18.75)), "now round")
    assert_hint(check_roi_cells((5.2, 9.5, 22.5, 18.7)), "whole numbers")
    assert_hint(check_roi_cells(ROI_PROPOSAL), "image pixels")
    assert_hint(check_roi_cells((10, 5, 19, 23)), "columns first")
    assert_hint(check_roi_cells((5, 9, 22, 18)), "floor")
    assert_hint(check_roi_cells((6, 10, 23, 19)), "ceil")
    assert_hint(check_roi_cells((5, 10, 22, 19)), "away from zero")
    assert_hint(check_roi_cells((84, 152, 360, 300)), "divide by it")
    assert_hint(check_roi_cells((1, 2, 3, 4)), "nearest cell")
    for wrong in ((5, 9, 22, 18), (5, 10, 22, 19), (1, 2, 3, 4)):
        assert "23, 19" not in repr(check_roi_cells(wrong))


# ----------------------------------------------------------------------------- exercise 2


def c_round(v):
    return math.floor(v + 0.5)  # C's round for v ≥ 0


roi_pool_one = reference("10.2")  # the one reference solution


def test_roi_pool_one_right_answers_pass():
    assert_correct(check_roi_pool_one(roi_pool_one))

    def library(feature, box, output_size, spatial_scale):
        from course_utils.detection import roi_pool

        return roi_pool(feature[None, None], [box[None]], output_size, spatial_scale)[0, 0]

    assert_correct(check_roi_pool_one(library))


def variant(rounding=c_round, plus_one=1, reduce="max", edges="ceil", scale_used=True):
    def pool(feature, box, output_size, spatial_scale):
        height, width = feature.shape
        s = torch.tensor(spatial_scale if scale_used else 1.0)
        x1, y1, x2, y2 = (rounding(float(v * s)) for v in box)
        bin_w = torch.tensor(max(x2 - x1 + plus_one, 1), dtype=torch.float32) / output_size
        bin_h = torch.tensor(max(y2 - y1 + plus_one, 1), dtype=torch.float32) / output_size
        end = torch.ceil if edges == "ceil" else torch.floor
        out = torch.zeros(output_size, output_size)
        for i in range(output_size):
            h0 = min(max(int(torch.floor(i * bin_h)) + y1, 0), height)
            h1 = min(max(int(end((i + 1) * bin_h)) + y1, 0), height)
            for j in range(output_size):
                w0 = min(max(int(torch.floor(j * bin_w)) + x1, 0), width)
                w1 = min(max(int(end((j + 1) * bin_w)) + x1, 0), width)
                if h1 > h0 and w1 > w0:
                    cells = feature[h0:h1, w0:w1]
                    out[i, j] = cells.max() if reduce == "max" else cells.mean()
        return out

    return pool


def test_roi_pool_one_hints():
    assert_hint(check_roi_pool_one(placeholder), "NotImplementedError")
    assert_hint(
        check_roi_pool_one(lambda f, b, o, s: roi_pool_one(f, b, o, s).tolist()), "return a tensor"
    )
    assert_hint(check_roi_pool_one(lambda f, b, o, s: roi_pool_one(f, b, o, s)[None]), "must be")
    assert_hint(check_roi_pool_one(variant(reduce="mean")), "*max*")
    assert_hint(check_roi_pool_one(variant(rounding=math.floor)), "*nearest* cell")
    assert_hint(check_roi_pool_one(variant(rounding=round)), "halves away from zero")
    assert_hint(check_roi_pool_one(variant(plus_one=0)), "x2 − x1 + 1")
    assert_hint(check_roi_pool_one(variant(edges="floor")), "share a cell")
    assert_hint(check_roi_pool_one(variant(scale_used=False)), "spatial_scale")

    def adaptive(feature, box, output_size, spatial_scale):  # no rounding of the box at all
        x1, y1, x2, y2 = (int(v * spatial_scale) for v in box.tolist())
        crop = feature[y1 : y2 + 1, x1 : x2 + 1]
        return F.adaptive_max_pool2d(crop[None], output_size)[0]

    assert not check_roi_pool_one(adaptive)
    with pytest.raises(TypeError, match="pass your function itself"):
        check_roi_pool_one(torch.zeros(7, 7))


# ----------------------------------------------------------------------------- exercise 3


multitask_loss = reference("10.3")  # the one reference solution


def test_multitask_loss_right_answers_pass():
    assert_correct(check_multitask_loss(multitask_loss))
    assert_correct(check_multitask_loss(lambda *a: float(multitask_loss(*a))))

    def by_hand(class_logits, box_deltas, labels, targets):
        n = len(labels)
        log_p = class_logits.log_softmax(1)[torch.arange(n), labels]
        total = 0.0
        for r in range(n):
            u = int(labels[r])
            if u == 0:
                continue
            for x in (box_deltas[r, 4 * u : 4 * u + 4] - targets[r]).tolist():
                total += 0.5 * x * x * 9 if abs(x) < 1 / 9 else abs(x) - 0.5 / 9
        return -log_p.mean() + total / n

    assert_correct(check_multitask_loss(by_hand))


def smooth(d, t, beta=1 / 9):
    return F.smooth_l1_loss(d, t, beta=beta, reduction="sum")


def test_multitask_loss_hints():
    assert_hint(check_multitask_loss(placeholder), "NotImplementedError")
    assert_hint(check_multitask_loss(lambda *a: "1.0"), "return a number")
    assert_hint(check_multitask_loss(lambda *a: torch.zeros(2)), "one number")

    def true_class(box_deltas, labels):
        return box_deltas.reshape(len(labels), -1, 4)[torch.arange(len(labels)), labels]

    def all_regions(lg, bd, lb, tg):
        return F.cross_entropy(lg, lb) + smooth(true_class(bd, lb), tg) / len(lb)

    assert_hint(check_multitask_loss(all_regions), "[u ≥ 1]")

    def per_positive(lg, bd, lb, tg):
        fg = lb > 0
        return F.cross_entropy(lg, lb) + smooth(true_class(bd, lb)[fg], tg[fg]) / max(
            1, int(fg.sum())
        )

    assert_hint(check_multitask_loss(per_positive), "*all* sampled regions")

    def beta_one(lg, bd, lb, tg):
        fg = lb > 0
        return F.cross_entropy(lg, lb) + smooth(true_class(bd, lb)[fg], tg[fg], 1.0) / len(lb)

    assert_hint(check_multitask_loss(beta_one), "β = 1/9")

    def l1(lg, bd, lb, tg):
        fg = lb > 0
        return F.cross_entropy(lg, lb) + (true_class(bd, lb)[fg] - tg[fg]).abs().sum() / len(lb)

    assert_hint(check_multitask_loss(l1), "quadratic near zero")

    def l2(lg, bd, lb, tg):
        fg = lb > 0
        return F.cross_entropy(lg, lb) + ((true_class(bd, lb)[fg] - tg[fg]) ** 2).sum() / len(lb)

    assert_hint(check_multitask_loss(l2), "not squared error")

    def first_four(lg, bd, lb, tg):
        fg = lb > 0
        return F.cross_entropy(lg, lb) + smooth(bd[fg, :4], tg[fg]) / len(lb)

    assert_hint(check_multitask_loss(first_four), "*true* class")
    assert_hint(
        check_multitask_loss(lambda lg, bd, lb, tg: F.cross_entropy(lg, lb)), "box-regression term"
    )

    def box_only(lg, bd, lb, tg):
        return multitask_loss(lg, bd, lb, tg) - F.cross_entropy(lg, lb)

    assert_hint(check_multitask_loss(box_only), "classification term")

    def summed(lg, bd, lb, tg):
        return (
            multitask_loss(lg, bd, lb, tg)
            - F.cross_entropy(lg, lb)
            + F.cross_entropy(lg, lb, reduction="sum")
        )

    assert_hint(check_multitask_loss(summed), "mean, not sum")
    assert_hint(check_multitask_loss(lambda *a: multitask_loss(*a) * 2), "two terms separately")
