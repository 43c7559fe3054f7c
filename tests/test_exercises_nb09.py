"""Notebook 09's exercise checkers: right answers pass, usual mistakes get their hint."""

from __future__ import annotations

import inspect

import pytest
import torch
from exercise_asserts import assert_correct, assert_hint, placeholder
from torchvision.ops import roi_align

from course_utils.detection import box_iou
from course_utils.detection.detectors import RCNN
from course_utils.exercises import nb09
from course_utils.exercises.nb09 import (
    TYPICAL_MISTAKES,
    check_context_box,
    check_proposal_labels,
    check_regression_targets,
    context_box_reference,
)
from course_utils.exercises.solutions import SOLUTIONS, reference


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


# ----------------------------------------------------------------------------- hidden cases (seed)

SEEDED = {
    "09.1": check_regression_targets,
    "09.2": check_context_box,
    "09.3": check_proposal_labels,
}
SEEDLESS = {}  # no exercise of this notebook is worked out by hand (a fixed answer, no seed)
SEEDS = [None, *range(5)]


def canonical(value):
    """A comparable form of a checker's arguments: tensors by dtype, shape and bytes."""
    if isinstance(value, torch.Tensor):
        return (str(value.dtype), tuple(value.shape), value.detach().numpy().tobytes())
    if isinstance(value, list | tuple):
        return tuple(canonical(v) for v in value)
    return value


def seen_inputs(key, seed):
    """The arguments the reference solution of ``key`` gets from its checker for ``seed``."""
    calls, answer = [], reference(key)

    def recording(*args):
        calls.append(canonical(args))
        return answer(*args)

    assert_correct(SEEDED[key](recording, seed=seed))
    return calls


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("key", sorted(SEEDED))
def test_reference_passes_the_hidden_cases(key, seed):
    assert_correct(SEEDED[key](reference(key), seed=seed))


@pytest.mark.parametrize("key", sorted(SEEDED))
def test_a_seed_draws_other_cases(key):
    default, one = seen_inputs(key, None), seen_inputs(key, 1)
    assert default != one
    assert one != seen_inputs(key, 2)
    assert one == seen_inputs(key, 1)  # the same seed, the same cases
    assert default == seen_inputs(key, None)


@pytest.mark.parametrize("bad", [True, 1.5, "1"])
@pytest.mark.parametrize("key", sorted(SEEDED))
def test_seed_must_be_an_int_or_none(key, bad):
    with pytest.raises(TypeError, match="seed"):
        SEEDED[key](reference(key), seed=bad)


@pytest.mark.parametrize("key", sorted(SEEDED))
def test_seed_must_not_be_negative_and_is_keyword_only(key):
    with pytest.raises(ValueError, match="seed"):
        SEEDED[key](reference(key), seed=-1)
    with pytest.raises(TypeError):
        SEEDED[key](reference(key), 1)


def test_typical_mistakes_cover_every_checked_exercise():
    assert "TYPICAL_MISTAKES" in nb09.__all__
    assert set(TYPICAL_MISTAKES) == set(SEEDED) | set(SEEDLESS)
    assert set(TYPICAL_MISTAKES) == {k for k in SOLUTIONS if k.startswith("09.")}
    for key, checker in {**SEEDED, **SEEDLESS}.items():
        assert SOLUTIONS[key].checker == checker.__name__
    for checker in SEEDLESS.values():
        assert "seed" not in inspect.signature(checker).parameters


@pytest.mark.parametrize("key", sorted(TYPICAL_MISTAKES))
def test_typical_mistake_is_rejected(key):
    namespace = {}
    exec(compile(TYPICAL_MISTAKES[key], f"<mistake {key}>", "exec"), namespace)
    answer = namespace[SOLUTIONS[key].name]
    if key in SEEDLESS:
        verdicts = [SEEDLESS[key](answer)]
    else:
        verdicts = [SEEDED[key](answer, seed=seed) for seed in SEEDS]
    for verdict in verdicts:
        assert_hint(verdict)
        assert "raised" not in verdict.message  # a wrong answer, not a crash


@pytest.mark.parametrize("key", sorted(SEEDED))
def test_an_answer_hard_coded_to_the_notebook_cases_fails_hidden_ones(key):
    answer, table = reference(key), {}

    def recording(*args):
        table[canonical(args)] = result = answer(*args)
        return result

    assert_correct(SEEDED[key](recording))

    def lookup(*args):  # the notebook's answers, looked up: a KeyError for any other case
        return table[canonical(args)]

    assert_correct(SEEDED[key](lookup))
    for seed in range(5):
        assert_hint(SEEDED[key](lookup, seed=seed), "KeyError")
