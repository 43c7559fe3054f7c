"""Notebook 12's checkers accept reference solutions and explain typical mistakes."""

import torch
import torch.nn.functional as F

from course_utils.exercises.nb12 import check_mask_iou, check_mask_target
from course_utils.exercises.solutions import reference

target_by_crop = reference("12.1")  # the reference solutions, stored once in course_utils
iou_by_sets = reference("12.2")


def test_mask_target_accepts_a_crop_and_resize():
    assert check_mask_target(target_by_crop)


def test_mask_target_names_the_mistakes():
    transposed = check_mask_target(lambda m, b, s: target_by_crop(m, b, s).T)
    assert not transposed and "swapped" in transposed.message
    whole = check_mask_target(
        lambda m, b, s: F.interpolate(m.float()[None, None], size=(s, s))[0, 0]
    )
    assert not whole and "crop" in whole.message
    shape = check_mask_target(lambda m, b, s: target_by_crop(m, b, s)[None])
    assert not shape and "(28, 28)" in shape.message
    assert (
        "NotImplementedError"
        in check_mask_target(lambda *a: (_ for _ in ()).throw(NotImplementedError)).message
    )


def test_mask_iou_accepts_the_set_formula_and_names_the_mistakes():
    assert check_mask_iou(iou_by_sets)
    nan = check_mask_iou(lambda a, b: (a.flatten(1).float() @ b.flatten(1).float().T)
                         / (a.flatten(1).float().sum(1)[:, None] + b.flatten(1).float().sum(1)[None]
                            - a.flatten(1).float() @ b.flatten(1).float().T))  # fmt: skip
    assert not nan and "NaN" in nan.message
    double = check_mask_iou(lambda a, b: (a.flatten(1).float() @ b.flatten(1).float().T)
                            / (a.flatten(1).float().sum(1)[:, None]
                               + b.flatten(1).float().sum(1)[None]).clamp(min=1))  # fmt: skip
    assert not double and "once" in double.message
    assert not check_mask_iou(lambda a, b: torch.zeros(len(a), len(b)))
