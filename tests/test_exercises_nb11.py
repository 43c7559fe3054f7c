"""Notebook 11's exercise checkers: right answers pass, usual mistakes get their hint."""

from __future__ import annotations

import inspect
import math

import pytest
import torch
from exercise_asserts import assert_correct, assert_hint, placeholder

from course_utils.detection import box_iou
from course_utils.exercises import nb11
from course_utils.exercises.nb11 import (
    TYPICAL_MISTAKES,
    check_cell_anchors,
    check_label_anchors,
    check_recall_at_k,
)
from course_utils.exercises.solutions import SOLUTIONS, reference

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


# ----------------------------------------------------------------------------- hidden cases (seed)

SEEDED = {"11.1": check_cell_anchors, "11.2": check_label_anchors, "11.3": check_recall_at_k}
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
    assert "TYPICAL_MISTAKES" in nb11.__all__
    assert set(TYPICAL_MISTAKES) == set(SEEDED) | set(SEEDLESS)
    assert set(TYPICAL_MISTAKES) == {k for k in SOLUTIONS if k.startswith("11.")}
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
