"""Notebook 08's exercise checkers: right answers pass, usual mistakes get their hint."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import torch
from exercise_asserts import assert_correct, assert_hint, placeholder

from course_utils.exercises.nb08 import (
    NMS_BOXES,
    NMS_SCORES,
    check_average_precision,
    check_iou_by_hand,
    check_nms_kept,
    check_xywh_to_cxcywh,
)
from course_utils.exercises.solutions import reference

# ----------------------------------------------------------------------------- exercise 1


def test_iou_by_hand_accepts_the_value_in_any_number_form():
    # A = (10, 10, 50, 40): 40×30 = 1200; B = (30, 20, 70, 60): 40×40 = 1600;
    # overlap x 30..50, y 20..40: 20×20 = 400; union 1200 + 1600 − 400 = 2400 → 1/6
    for answer in (1 / 6, Fraction(1, 6), 0.1667, torch.tensor(1 / 6), np.float32(1 / 6)):
        assert_correct(check_iou_by_hand(answer))


def test_iou_by_hand_hints_without_the_answer():
    assert_hint(check_iou_by_hand(None), "replace None")
    assert_hint(check_iou_by_hand("1/6"), "single number")
    assert_hint(check_iou_by_hand(400 / 2800), "counts the overlap once")
    assert_hint(check_iou_by_hand(400 / 1200), "one box's area")
    assert_hint(check_iou_by_hand(0.25), "one box's area")
    assert_hint(check_iou_by_hand(400), "area in pixels²")
    assert_hint(check_iou_by_hand(-0.1), "never negative")
    assert_hint(check_iou_by_hand(0.3), "recompute the overlap")
    for wrong in (0.25, 0.3, 400 / 2800):
        text = repr(check_iou_by_hand(wrong))
        assert "0.16" not in text and "1/6" not in text and "2400" not in text


# ----------------------------------------------------------------------------- exercise 2


xywh_to_cxcywh = reference("08.2")  # the one reference solution


def test_conversion_right_answers_pass():
    assert_correct(check_xywh_to_cxcywh(xywh_to_cxcywh))
    assert_correct(
        check_xywh_to_cxcywh(lambda b: torch.cat((b[:, :2] + b[:, 2:] / 2, b[:, 2:]), 1))
    )


def test_conversion_hints():
    assert_hint(check_xywh_to_cxcywh(placeholder), "NotImplementedError")
    assert_hint(check_xywh_to_cxcywh(lambda b: b.tolist()), "return a tensor")

    def in_place(b):
        b[:, :2] += b[:, 2:] / 2
        return b

    assert_hint(check_xywh_to_cxcywh(in_place), "in place")

    def whole_width(b):
        x, y, w, h = b.unbind(-1)
        return torch.stack((x + w, y + h, w, h), -1)

    assert_hint(check_xywh_to_cxcywh(whole_width), "half a width")
    assert_hint(check_xywh_to_cxcywh(lambda b: b.clone()), "unchanged")

    def far_corner(b):
        x, y, w, h = b.unbind(-1)
        return torch.stack((x + w / 2, y + h / 2, x + w, y + h), -1)

    assert_hint(check_xywh_to_cxcywh(far_corner), "far corner")

    def swapped(b):
        x, y, w, h = b.unbind(-1)
        return torch.stack((y + h / 2, x + w / 2, h, w), -1)

    assert_hint(check_xywh_to_cxcywh(swapped), "swapped")

    def flat(b):
        x, y, w, h = b.unbind(-1)
        return torch.cat((x + w / 2, y + h / 2, w, h))

    assert_hint(check_xywh_to_cxcywh(flat), "(K, 4) shape")
    with pytest.raises(TypeError, match="pass your function itself"):
        check_xywh_to_cxcywh(torch.zeros(1, 4))


# ----------------------------------------------------------------------------- exercise 3


def test_nms_kept_answer_and_forms():
    import torchvision

    expected = torchvision.ops.nms(NMS_BOXES, NMS_SCORES, 0.5).tolist()
    assert expected == [4, 0, 2, 3]  # box 2 survives: its big overlap (box 1) was suppressed
    for answer in (expected, tuple(expected), torch.tensor(expected), np.array(expected)):
        assert_correct(check_nms_kept(answer))


def test_nms_kept_hints():
    assert_hint(check_nms_kept([]), "at least the best box")
    assert_hint(check_nms_kept("4, 0"), "list of box indices")
    assert_hint(check_nms_kept([0.0, 4.0]), "list of box indices")
    assert_hint(check_nms_kept([4, 0, 9]), "from 0 to 5")
    assert_hint(check_nms_kept([4, 4, 0]), "repeats")
    assert_hint(check_nms_kept([0, 2, 3, 4]), "wrong order")
    assert_hint(check_nms_kept([4, 0, 1, 2, 3]), "NMS suppresses")
    assert_hint(check_nms_kept([4, 0, 3]), "suppressed box suppresses nothing")
    assert_hint(check_nms_kept([4, 0, 2]), "always kept")
    for wrong in ([4, 0, 3], [4, 0, 2], [0, 2, 3, 4]):
        assert "[4, 0, 2, 3]" not in repr(check_nms_kept(wrong))


# ----------------------------------------------------------------------------- exercise 4


ap_all_points = reference("08.4")  # the one reference solution


def ap_raw(is_tp, num_gt):
    tp, ap = 0, 0.0
    for i, flag in enumerate(is_tp, start=1):
        if flag:
            tp += 1
            ap += (tp / i) / num_gt  # precision at each TP, no envelope
    return ap


def test_ap_right_answer_passes():
    assert_correct(check_average_precision(ap_all_points))
    assert_correct(check_average_precision(lambda f, n: np.float64(ap_all_points(f, n))))


def test_ap_hints():
    assert_hint(check_average_precision(placeholder), "NotImplementedError")
    assert_hint(check_average_precision(lambda f, n: "0.5"), "return a number")
    assert_hint(check_average_precision(ap_raw), "raw zig-zag")
    assert_hint(
        check_average_precision(lambda f, n: ap_all_points(f, max(sum(f), 1))), "found or not"
    )
    assert_hint(check_average_precision(lambda f, n: ap_all_points(f, len(f))), "not of detections")
    assert_hint(check_average_precision(lambda f, n: 2.0), "between 0 and 1")
    assert_hint(check_average_precision(lambda f, n: 0.5), "recall step")


def test_ap_hint_for_the_11_point_variant():
    from course_utils.detection import average_precision, precision_recall

    def voc11(flags, num_gt):
        scores = torch.linspace(1.0, 0.1, len(flags), dtype=torch.float64)
        precision, recall = precision_recall(scores, torch.tensor(flags), num_gt)
        return average_precision(recall, precision, "voc11")

    assert_hint(check_average_precision(voc11), "11-point")
