"""Bad input never gives a silent wrong answer, a crash deep inside, or a hang (issue 10).

One table per module: each case is ``(id, call, exception type, message fragment)``. The
call runs the public function on one bad input; the test asserts the exception type and
that the message names what is wrong. The roi_align case that used to crash the
interpreter runs in a subprocess, so a regression fails the test instead of killing it.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from course_utils import conv_math
from course_utils.checkpoints import load_curves, load_trained, read_manifest
from course_utils.data.shapes import DetectionShapes, make_detection_sample, make_shapes
from course_utils.detection import (
    anchor_labels,
    average_precision,
    base_anchors,
    batched_nms,
    box_area,
    box_iou,
    clip_boxes,
    convert_boxes,
    decode_boxes,
    encode_boxes,
    generate_anchors,
    match_anchors,
    match_detections,
    mean_average_precision,
    nms,
    nms_steps,
    precision_recall,
    proposal_recall,
    remove_small_boxes,
    roi_align,
    roi_pool,
    roi_pool_loops,
    sample_labels,
    selective_search_boxes,
    validate_target,
    xyxy_to_cxcywh,
)
from course_utils.train import evaluate, fit, load_checkpoint, predict, save_checkpoint

NAN, INF = float("nan"), float("inf")
B = torch.tensor([[0.0, 0.0, 10.0, 10.0], [1.0, 1.0, 11.0, 11.0]])
S = torch.tensor([0.9, 0.8])
L = torch.tensor([1, 2])


def t(rows: list) -> torch.Tensor:
    return torch.tensor(rows, dtype=torch.float32)


Case = tuple[str, Callable[[], object], type[Exception], str]


def run_case(call: Callable[[], object], exc: type[Exception], fragment: str) -> None:
    with pytest.raises(exc) as info:
        call()
    assert fragment in str(info.value), f"message {str(info.value)!r} lacks {fragment!r}"


def params(table: list[Case]):
    return pytest.mark.parametrize(("call", "exc", "fragment"), [c[1:] for c in table],
                                   ids=[c[0] for c in table])  # fmt: skip


# ------------------------------------------------------------------ detection.boxes
BOXES: list[Case] = [
    (
        "iou x2<x1",
        lambda: box_iou(t([[10, 0, 5, 5]]), B),
        ValueError,
        "boxes1 row 0 is (10, 0, 5, 5): x2 < x1",
    ),
    (
        "iou y2<y1",
        lambda: box_iou(B, t([[0, 10, 5, 5]])),
        ValueError,
        "boxes2 row 0 is (0, 10, 5, 5): y2 < y1",
    ),
    (
        "iou nan",
        lambda: box_iou(t([[0, 0, NAN, 5]]), B),
        ValueError,
        "boxes1 row 0 is (0, 0, nan, 5): boxes must be finite",
    ),
    ("iou inf", lambda: box_iou(B, t([[0, 0, INF, 5]])), ValueError, "must be finite"),
    (
        "iou (N,3)",
        lambda: box_iou(torch.zeros(2, 3), B),
        ValueError,
        "boxes1 must have shape (N, 4)",
    ),
    (
        "iou list",
        lambda: box_iou([[0, 0, 1, 1]], B),
        TypeError,
        "boxes1 must be a torch.Tensor, got [[0, 0, 1, 1]]",
    ),
    (
        "iou bool",
        lambda: box_iou(torch.ones(1, 4, dtype=torch.bool), B),
        TypeError,
        "real coordinates",
    ),
    (
        "area (N,3)",
        lambda: box_area(torch.zeros(2, 3)),
        ValueError,
        "boxes must have shape (..., 4)",
    ),
    ("area x2<x1", lambda: box_area(t([[5, 0, 0, 5]])), ValueError, "x2 < x1"),
    ("area nan", lambda: box_area(t([[0, 0, 5, NAN]])), ValueError, "finite"),
    (
        "small (N,3)",
        lambda: remove_small_boxes(torch.zeros(2, 3), 1.0),
        ValueError,
        "boxes must have shape (N, 4)",
    ),
    (
        "small min_size str",
        lambda: remove_small_boxes(B, "1"),
        TypeError,
        "min_size must be a number",
    ),
    ("small min_size nan", lambda: remove_small_boxes(B, NAN), ValueError, "min_size must be in"),
    ("small nan box", lambda: remove_small_boxes(t([[0, 0, NAN, 1]]), 1.0), ValueError, "finite"),
    (
        "encode zero-width proposal",
        lambda: encode_boxes(t([[0, 0, 0, 10]]), t([[0, 0, 5, 5]])),
        ValueError,
        "proposals row 0 is (0, 0, 0, 10): zero or negative width",
    ),
    (
        "encode zero-height gt",
        lambda: encode_boxes(t([[0, 0, 5, 5]]), t([[0, 3, 5, 3]])),
        ValueError,
        "gt_boxes row 0",
    ),
    (
        "encode nan",
        lambda: encode_boxes(t([[0, 0, 5, NAN]]), t([[0, 0, 5, 5]])),
        ValueError,
        "finite",
    ),
    ("encode shapes", lambda: encode_boxes(B, B[:1]), ValueError, "same shape"),
    ("encode int", lambda: encode_boxes(B.long(), B.long()), TypeError, "proposals.float()"),
    (
        "encode weights",
        lambda: encode_boxes(B, B, (1, 1, 1)),
        TypeError,
        "weights must be four numbers",
    ),
    (
        "encode weight 0",
        lambda: encode_boxes(B, B, (1, 1, 0, 1)),
        ValueError,
        "weights ww must be in (0, inf)",
    ),
    (
        "decode nan deltas",
        lambda: decode_boxes(B, t([[0, 0, NAN, 0], [0, 0, 0, 0]])),
        ValueError,
        "deltas row 0",
    ),
    (
        "decode shape",
        lambda: decode_boxes(B, torch.zeros(2, 5)),
        ValueError,
        "deltas must be (K, 4)",
    ),
    (
        "decode int deltas",
        lambda: decode_boxes(B, torch.zeros(2, 4, dtype=torch.long)),
        TypeError,
        "deltas.float()",
    ),
    (
        "decode clip str",
        lambda: decode_boxes(B, torch.zeros(2, 4), clip="4"),
        TypeError,
        "clip must be a number",
    ),
    (
        "clip negative size",
        lambda: clip_boxes(B, (-10, 10)),
        ValueError,
        "image_size height must be in (0, inf)",
    ),
    ("clip zero width", lambda: clip_boxes(B, (10, 0)), ValueError, "image_size width"),
    ("clip size int", lambda: clip_boxes(B, 64), TypeError, "(height, width) pair"),
    ("clip nan size", lambda: clip_boxes(B, (NAN, 5)), ValueError, "image_size height"),
    ("clip nan box", lambda: clip_boxes(t([[0, 0, NAN, 1]]), (5, 5)), ValueError, "finite"),
    (
        "convert fmt",
        lambda: convert_boxes(B, "xyxy", "yxyx"),
        ValueError,
        "unknown box format 'yxyx'",
    ),
    ("cxcywh (N,3)", lambda: xyxy_to_cxcywh(torch.zeros(2, 3)), ValueError, "shape (..., 4)"),
    (
        "target num_classes",
        lambda: validate_target({"boxes": B, "labels": L}, 1),
        ValueError,
        "num_classes must be at least 2",
    ),
    ("target not dict", lambda: validate_target([B, L], 3), TypeError, "a target must be a dict"),
]


@params(BOXES)
def test_bad_input_boxes(call, exc, fragment) -> None:
    run_case(call, exc, fragment)


# ------------------------------------------------------------------ detection.nms
NMS: list[Case] = [
    ("nan score", lambda: nms(B, t([NAN, 0.9]), 0.5), ValueError, "scores[0] is NaN"),
    (
        "nan box",
        lambda: nms(t([[0, 0, NAN, 10], [0, 0, 10, 10]]), S, 0.5),
        ValueError,
        "boxes row 0 is (0, 0, nan, 10)",
    ),
    ("x2<x1", lambda: nms(t([[10, 0, 0, 10], [0, 0, 10, 10]]), S, 0.5), ValueError, "x2 < x1"),
    (
        "threshold str",
        lambda: nms(B, S, "0.5"),
        TypeError,
        "iou_threshold must be a number in [0, 1], got '0.5'",
    ),
    (
        "threshold 1.5",
        lambda: nms(B, S, 1.5),
        ValueError,
        "iou_threshold must be in [0, 1], got 1.5",
    ),
    ("threshold nan", lambda: nms(B, S, NAN), ValueError, "iou_threshold must be in [0, 1]"),
    ("(N,3)", lambda: nms(torch.zeros(2, 3), S, 0.5), ValueError, "boxes must have shape (N, 4)"),
    ("scores list", lambda: nms(B, [0.9, 0.8], 0.5), TypeError, "scores must be a torch.Tensor"),
    ("scores length", lambda: nms(B, S[:1], 0.5), ValueError, "scores must have shape (2,)"),
    ("scores bool", lambda: nms(B, torch.tensor([True, False]), 0.5), TypeError, "real numbers"),
    (
        "batched labels float",
        lambda: batched_nms(B, S, L.float(), 0.5),
        TypeError,
        "labels must be integer",
    ),
    (
        "batched labels shape",
        lambda: batched_nms(B, S, L[:1], 0.5),
        ValueError,
        "labels must have shape (2,)",
    ),
    (
        "batched nan score",
        lambda: batched_nms(B, t([0.9, NAN]), L, 0.5),
        ValueError,
        "scores[1] is NaN",
    ),
    (
        "steps threshold",
        lambda: list(nms_steps(B, S, -0.1)),
        ValueError,
        "iou_threshold must be in [0, 1]",
    ),
]


@params(NMS)
def test_bad_input_nms(call, exc, fragment) -> None:
    run_case(call, exc, fragment)


# ------------------------------------------------------------------ detection.roi
F2 = torch.randn(2, 3, 8, 8)
ROI: list[Case] = [
    (
        "pool nan roi",
        lambda: roi_pool(F2, t([[0, 0, 0, NAN, 4]]), 2),
        ValueError,
        "rois row 0 is (0, 0, 0, nan, 4): RoIs must be finite",
    ),
    (
        "pool nan in list",
        lambda: roi_pool(F2, [t([[0, 0, INF, 4]])], 2),
        ValueError,
        "must be finite",
    ),
    (
        "pool batch 2 of 2",
        lambda: roi_pool(F2, t([[2, 0, 0, 4, 4]]), 2),
        ValueError,
        "batch index 2, but features hold 2 image(s)",
    ),
    (
        "loops batch -1",
        lambda: roi_pool_loops(F2, t([[-1, 0, 0, 4, 4]]), 2),
        ValueError,
        "batch indices must be in 0..1",
    ),
    ("align batch 3", lambda: roi_align(F2, t([[3, 0, 0, 4, 4]]), 2), ValueError, "batch index 3"),
    (
        "align batch -1",
        lambda: roi_align(F2, t([[-1, 0, 0, 4, 4]]), 2),
        ValueError,
        "batch index -1",
    ),
    (
        "align nan roi",
        lambda: roi_align(F2, t([[0, NAN, 0, 4, 4]]), 2),
        ValueError,
        "RoIs must be finite",
    ),
    (
        "align sampling str",
        lambda: roi_align(F2, [B], 2, sampling_ratio="2"),
        TypeError,
        "sampling_ratio must be an int",
    ),
    (
        "align aligned str",
        lambda: roi_align(F2, [B], 2, aligned="yes"),
        TypeError,
        "aligned must be True or False",
    ),
    ("output 0", lambda: roi_pool(F2, [B], 0), ValueError, "output_size must be at least 1"),
    (
        "output (7,)",
        lambda: roi_pool(F2, [B], (7,)),
        ValueError,
        "output_size must be an int or (height, width)",
    ),
    ("output 2.5", lambda: roi_pool(F2, [B], 2.5), TypeError, "output_size must be an int"),
    ("scale 0", lambda: roi_pool(F2, [B], 2, 0.0), ValueError, "spatial_scale must be in (0, inf)"),
    (
        "scale str",
        lambda: roi_align(F2, [B], 2, "1/16"),
        TypeError,
        "spatial_scale must be a number",
    ),
    ("features 3-D", lambda: roi_pool(F2[0], [B], 2), ValueError, "features must be (N, C, H, W)"),
    (
        "features int",
        lambda: roi_pool(F2.long(), [B], 2),
        TypeError,
        "features must be floating point",
    ),
    (
        "features list",
        lambda: roi_align([F2], [B], 2),
        TypeError,
        "features must be a torch.Tensor",
    ),
    ("rois (K,4) tensor", lambda: roi_pool(F2, B, 2), ValueError, "pass a list: [boxes]"),
    ("rois dict", lambda: roi_pool(F2, {"boxes": B}, 2), TypeError, "rois must be a (K, 5) tensor"),
]


@params(ROI)
def test_bad_input_roi(call, exc, fragment) -> None:
    run_case(call, exc, fragment)


def test_roi_align_bad_batch_index_raises_in_a_subprocess() -> None:
    """Batch index 100000 used to kill the interpreter (segfault); 3 of 2 read outside."""
    code = textwrap.dedent(
        """
        import torch
        from course_utils.detection import roi_align
        features = torch.randn(2, 3, 8, 8)
        for index in (100000.0, 3.0, 2.0, -1.0):
            try:
                roi_align(features, torch.tensor([[index, 0.0, 0.0, 4.0, 4.0]]), 2)
            except ValueError as error:
                print("refused:", error)
            else:
                print("ACCEPTED", index)
        print("alive")
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"the process died ({done.returncode}): {done.stderr[-2000:]}"
    lines = done.stdout.splitlines()
    assert lines[-1] == "alive" and "ACCEPTED" not in done.stdout, done.stdout
    assert "rois row 0 has batch index 100000, but features hold 2 image(s)" in lines[0]
    assert all("batch indices must be in 0..1" in line for line in lines[:4])


# ------------------------------------------------------------------ detection.metrics
GT = {"boxes": t([[0, 0, 10, 10]]), "labels": torch.tensor([1])}
PRED = {"boxes": t([[0, 0, 10, 10]]), "scores": t([0.9]), "labels": torch.tensor([1])}
METRICS: list[Case] = [
    (
        "map threshold 1.5",
        lambda: mean_average_precision([PRED], [GT], iou_threshold=1.5),
        ValueError,
        "iou_threshold must be in [0, 1], got 1.5",
    ),
    (
        "map threshold str",
        lambda: mean_average_precision([PRED], [GT], iou_threshold="0.5"),
        TypeError,
        "iou_threshold must be a number",
    ),
    (
        "map (N,3) preds",
        lambda: mean_average_precision([{**PRED, "boxes": torch.zeros(1, 3)}], [GT]),
        ValueError,
        "preds[0]['boxes'] must have shape (N, 4)",
    ),
    (
        "map (N,3) targets",
        lambda: mean_average_precision([PRED], [{**GT, "boxes": torch.zeros(1, 3)}]),
        ValueError,
        "targets[0]['boxes'] must have shape (N, 4)",
    ),
    (
        "map tensor preds",
        lambda: mean_average_precision(torch.zeros(1, 4), [GT]),
        TypeError,
        "preds must be a list with one dict per image",
    ),
    (
        "map dict preds",
        lambda: mean_average_precision(PRED, GT),
        TypeError,
        "for one image pass [pred]",
    ),
    (
        "map list in dict",
        lambda: mean_average_precision([{**PRED, "boxes": [[0, 0, 10, 10]]}], [GT]),
        TypeError,
        "preds[0]['boxes'] must be a torch.Tensor",
    ),
    (
        "map list labels",
        lambda: mean_average_precision([PRED], [{**GT, "labels": [1]}]),
        TypeError,
        "targets[0]['labels'] must be a torch.Tensor",
    ),
    (
        "map float labels",
        lambda: mean_average_precision([{**PRED, "labels": t([1])}], [GT]),
        TypeError,
        "preds[0]['labels'] must be a 1-D integer tensor",
    ),
    (
        "map nan score",
        lambda: mean_average_precision([{**PRED, "scores": t([NAN])}], [GT]),
        ValueError,
        "preds[0]['scores'][0] is NaN",
    ),
    (
        "map nan box",
        lambda: mean_average_precision([PRED], [{**GT, "boxes": t([[0, 0, NAN, 1]])}]),
        ValueError,
        "targets[0]['boxes'] row 0",
    ),
    (
        "map x2<x1",
        lambda: mean_average_precision([{**PRED, "boxes": t([[10, 0, 0, 10]])}], [GT]),
        ValueError,
        "x2 < x1",
    ),
    (
        "map missing key",
        lambda: mean_average_precision([{"boxes": B}], [GT]),
        ValueError,
        "preds[0] has no 'scores'",
    ),
    (
        "map not dict",
        lambda: mean_average_precision([B], [GT]),
        TypeError,
        "preds[0] must be a dict",
    ),
    (
        "map lengths",
        lambda: mean_average_precision([PRED, PRED], [GT]),
        ValueError,
        "predictions for 2 images but targets for 1",
    ),
    (
        "map method",
        lambda: mean_average_precision([PRED], [GT], method="auc"),
        ValueError,
        "method must be one of",
    ),
    (
        "map rule",
        lambda: mean_average_precision([PRED], [GT], rule="kitti"),
        ValueError,
        "rule must be one of ('voc', 'coco')",
    ),
    (
        "match threshold",
        lambda: match_detections(B, S, B, iou_threshold=-1),
        ValueError,
        "iou_threshold must be in [0, 1]",
    ),
    (
        "match (N,3)",
        lambda: match_detections(torch.zeros(2, 3), S, B),
        ValueError,
        "pred_boxes must have shape (N, 4)",
    ),
    (
        "match nan score",
        lambda: match_detections(B, t([NAN, 1]), B),
        ValueError,
        "pred_scores[0] is NaN",
    ),
    (
        "match scores length",
        lambda: match_detections(B, S[:1], B),
        ValueError,
        "need one score per box",
    ),
    (
        "pr num_gt 0",
        lambda: precision_recall(S, torch.tensor([True, False]), 0),
        ValueError,
        "num_gt ≥ 1",
    ),
    (
        "pr num_gt str",
        lambda: precision_recall(S, torch.tensor([True, False]), "2"),
        TypeError,
        "num_gt must be an int",
    ),
    (
        "pr too many tp",
        lambda: precision_recall(S, torch.tensor([True, True]), 1),
        ValueError,
        "2 true positives but num_gt = 1",
    ),
    (
        "pr nan score",
        lambda: precision_recall(t([NAN, 1]), torch.tensor([True, False]), 1),
        ValueError,
        "NaN",
    ),
    (
        "ap recall > 1",
        lambda: average_precision(t([0.5, 1.5]), t([1, 1])),
        ValueError,
        "must lie in [0, 1]",
    ),
    (
        "ap recall falls",
        lambda: average_precision(t([0.5, 0.2]), t([1, 1])),
        ValueError,
        "recall must not decrease",
    ),
    ("ap shapes", lambda: average_precision(t([0.5]), t([1, 1])), ValueError, "equal length"),
    (
        "ap list",
        lambda: average_precision([0.5], t([1])),
        TypeError,
        "recall must be a torch.Tensor",
    ),
]


@params(METRICS)
def test_bad_input_metrics(call, exc, fragment) -> None:
    run_case(call, exc, fragment)


# ------------------------------------------------------------------ detection.anchors, proposals
ANCHORS: list[Case] = [
    (
        "pos_iou 1.5",
        lambda: match_anchors(B, B, pos_iou=1.5),
        ValueError,
        "pos_iou must be in [0, 1]",
    ),
    ("neg > pos", lambda: match_anchors(B, B, 0.3, 0.7), ValueError, "must not exceed pos_iou"),
    (
        "gt (N,3)",
        lambda: match_anchors(B, torch.zeros(1, 3)),
        ValueError,
        "gt_boxes must have shape (N, 4)",
    ),
    ("gt nan", lambda: match_anchors(B, t([[0, 0, NAN, 1]])), ValueError, "gt_boxes row 0"),
    ("anchors x2<x1", lambda: match_anchors(t([[5, 0, 0, 5]]), B), ValueError, "anchors row 0"),
    (
        "feature 0",
        lambda: generate_anchors((0, 4), 16),
        ValueError,
        "feature_size height must be at least 1",
    ),
    (
        "feature int",
        lambda: generate_anchors(4, 16),
        TypeError,
        "feature_size must be (height, width)",
    ),
    (
        "stride 0",
        lambda: generate_anchors((2, 2), 0),
        ValueError,
        "stride must be a positive number",
    ),
    ("sizes negative", lambda: base_anchors((-32,), (1.0,)), ValueError, "positive and finite"),
    ("sizes str", lambda: base_anchors("32", (1.0,)), TypeError, "sizes must be a sequence"),
    ("ratios nan", lambda: base_anchors((32,), (NAN,)), ValueError, "positive"),
    (
        "sample fraction",
        lambda: sample_labels(torch.tensor([1, 0]), 4, 1.5),
        ValueError,
        "positive_fraction must be in [0, 1]",
    ),
    (
        "sample batch -1",
        lambda: sample_labels(torch.tensor([1, 0]), -1),
        ValueError,
        "batch_size_per_image must be at least 0",
    ),
    ("sample list", lambda: sample_labels([1, 0]), TypeError, "labels must be a torch.Tensor"),
    (
        "anchor_labels float",
        lambda: anchor_labels(t([1, -1])),
        TypeError,
        "matches must be integer",
    ),
    ("recall iou 2", lambda: proposal_recall(B, B, 2.0), ValueError, "iou must be in [0, 1]"),
    (
        "recall nan",
        lambda: proposal_recall(t([[0, 0, NAN, 1]]), B),
        ValueError,
        "proposals[0] row 0",
    ),
    ("recall mixed", lambda: proposal_recall(B, [B]), TypeError, "both as tensors"),
    (
        "ss mode",
        lambda: selective_search_boxes(torch.rand(3, 32, 32), mode="best"),
        ValueError,
        "mode must be one of",
    ),
    (
        "ss max_proposals",
        lambda: selective_search_boxes(torch.rand(3, 32, 32), max_proposals=0),
        ValueError,
        "max_proposals must be at least 1",
    ),
    (
        "ss seed",
        lambda: selective_search_boxes(torch.rand(3, 32, 32), seed=-1),
        ValueError,
        "seed must be at least 0",
    ),
    (
        "ss sigma",
        lambda: selective_search_boxes(torch.rand(3, 32, 32), sigma=NAN),
        ValueError,
        "sigma must be in",
    ),
]


@params(ANCHORS)
def test_bad_input_anchors_and_proposals(call, exc, fragment) -> None:
    run_case(call, exc, fragment)


# ------------------------------------------------------------------ conv_math
CONV: list[Case] = [
    (
        "dilation 0",
        lambda: conv_math.effective_kernel(3, dilation=0),
        ValueError,
        "dilation must be at least 1, got 0",
    ),
    ("kernel 0", lambda: conv_math.effective_kernel(0), ValueError, "kernel must be at least 1"),
    ("kernel float", lambda: conv_math.effective_kernel(2.5), TypeError, "kernel must be an int"),
    (
        "macs output 0",
        lambda: conv_math.conv_macs(3, 8, 3, output_size=0),
        ValueError,
        "output_size must be at least 1, got 0",
    ),
    (
        "macs output (4, 0)",
        lambda: conv_math.conv_macs(3, 8, 3, output_size=(4, 0)),
        ValueError,
        "output_size[1] must be at least 1",
    ),
    (
        "macs output ()",
        lambda: conv_math.conv_macs(3, 8, 3, output_size=()),
        ValueError,
        "output_size is an empty tuple",
    ),
    (
        "macs kernel 0",
        lambda: conv_math.conv_macs(3, 8, 0, output_size=4),
        ValueError,
        "kernel must be at least 1",
    ),
    (
        "params groups",
        lambda: conv_math.conv_params(3, 8, 3, groups=2),
        ValueError,
        "not divisible by groups 2",
    ),
    (
        "output size stride 0",
        lambda: conv_math.conv_output_size(32, 3, stride=0),
        ValueError,
        "stride 0 never moves the window",
    ),
    ("output size str", lambda: conv_math.conv_output_size("32", 3), TypeError, "must be an int"),
    (
        "linear 0",
        lambda: conv_math.linear_macs(0, 10),
        ValueError,
        "in_features must be at least 1",
    ),
]


@params(CONV)
def test_bad_input_conv_math(call, exc, fragment) -> None:
    run_case(call, exc, fragment)


# ------------------------------------------------------------------ data.shapes
SHAPES: list[Case] = [
    (
        "difficulty str",
        lambda: make_shapes(4, difficulty="hard"),
        TypeError,
        "difficulty must be a number in [0, 1], got 'hard'",
    ),
    (
        "difficulty 1.5",
        lambda: make_shapes(4, difficulty=1.5),
        ValueError,
        "difficulty must be in [0, 1]",
    ),
    (
        "difficulty nan",
        lambda: make_shapes(4, difficulty=NAN),
        ValueError,
        "difficulty must be in [0, 1]",
    ),
    ("n negative", lambda: make_shapes(-1), ValueError, "n must be a non-negative int"),
    (
        "n huge",
        lambda: make_shapes(10**8, size=64),
        ValueError,
        "make_shapes builds at most 16 GiB",
    ),
    ("size huge", lambda: make_shapes(1, size=10**5), ValueError, "MAX_SIZE = 2048"),
    ("size small", lambda: make_shapes(1, size=4), ValueError, "too small"),
    ("classes str", lambda: make_shapes(4, classes="disc"), ValueError, "not a str"),
    (
        "max_objects 10**6",
        lambda: make_detection_sample(0, max_objects=10**6),
        ValueError,
        "max_objects must be at most MAX_OBJECTS = 50",
    ),
    (
        "max < min",
        lambda: make_detection_sample(0, min_objects=3, max_objects=2),
        ValueError,
        "max_objects (2) < min_objects (3)",
    ),
    (
        "overlap str",
        lambda: make_detection_sample(0, max_overlap_iou="0.3"),
        TypeError,
        "max_overlap_iou must be a number",
    ),
    (
        "visible 0",
        lambda: make_detection_sample(0, min_visible=0.0),
        ValueError,
        "min_visible must be in (0, 1]",
    ),
    (
        "scale",
        lambda: make_detection_sample(0, object_scale=(0.2, 0.1)),
        ValueError,
        "object_scale must be (low, high)",
    ),
    (
        "dataset max_objects",
        lambda: DetectionShapes(2, max_objects=1000),
        ValueError,
        "MAX_OBJECTS",
    ),
]


@params(SHAPES)
def test_bad_input_shapes(call, exc, fragment) -> None:
    run_case(call, exc, fragment)


# ------------------------------------------------------------------ train
def _loader(labels: list[int], n_features: int = 4) -> DataLoader:
    x = torch.randn(len(labels), n_features)
    return DataLoader(TensorDataset(x, torch.tensor(labels)), batch_size=2)


def _empty_loader() -> DataLoader:
    return DataLoader(TensorDataset(torch.zeros(0, 4), torch.zeros(0, dtype=torch.long)))


def _fit(**kwargs) -> object:
    args = {"epochs": 1, "progress": False, "verbose": False, "device": "cpu"} | kwargs
    return fit(nn.Linear(4, 5), args.pop("loader", _loader([0, 1, 2, 3])), **args)


TRAIN: list[Case] = [
    (
        "labels >= classes",
        lambda: _fit(loader=_loader([0, 1, 5, 2])),
        ValueError,
        "a target label is 5, but the model outputs 5 class scores, so labels must be in 0..4",
    ),
    ("negative label", lambda: _fit(loader=_loader([0, -3])), ValueError, "labels must be in 0..4"),
    (
        "evaluate labels",
        lambda: evaluate(nn.Linear(4, 5), _loader([7, 1]), device="cpu"),
        ValueError,
        "evaluation batch 1: a target label is 7",
    ),
    ("epochs 0", lambda: _fit(epochs=0), ValueError, "epochs must be at least 1"),
    ("epochs str", lambda: _fit(epochs="3"), TypeError, "epochs must be an int"),
    ("log_every 0", lambda: _fit(log_every=0), ValueError, "log_every must be at least 1"),
    ("lr negative", lambda: _fit(lr=-0.1), ValueError, "lr must be in (0, inf)"),
    ("lr str", lambda: _fit(lr="1e-3"), TypeError, "lr must be a number"),
    ("grad_clip 0", lambda: _fit(grad_clip=0.0), ValueError, "grad_clip must be in (0, inf)"),
    ("loss_fn str", lambda: _fit(loss_fn="mse"), TypeError, "loss_fn must be a function"),
    (
        "empty fit",
        lambda: _fit(loader=_empty_loader()),
        ValueError,
        "train_loader produced no batches",
    ),
    (
        "empty predict",
        lambda: predict(nn.Linear(4, 5), _empty_loader(), device="cpu"),
        ValueError,
        "predict: the loader produced no batches",
    ),
    (
        "empty evaluate",
        lambda: evaluate(nn.Linear(4, 5), _empty_loader(), device="cpu"),
        ValueError,
        "the evaluation loader produced no batches",
    ),
    (
        "resume without path",
        lambda: _fit(resume=True),
        ValueError,
        "resume=True needs checkpoint=PATH",
    ),
]


@params(TRAIN)
def test_bad_input_train(call, exc, fragment) -> None:
    run_case(call, exc, fragment)


# ------------------------------------------------------------------ checkpoints (files on disk)
def _saved(tmp_path: Path) -> Path:
    path = tmp_path / "m.pt"
    save_checkpoint(path, nn.Linear(2, 2))
    return path


def _manifest(tmp_path: Path, entry: dict) -> Path:
    path = _saved(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"m": {"file": path.name, **entry}}))
    return tmp_path


FILES: list[tuple[str, Callable[[Path], object], type[Exception], str]] = [
    (
        "empty sidecar",
        lambda p: (_saved(p), (p / "m.pt.sha256").write_text(""), load_checkpoint(p / "m.pt")),
        ValueError,
        "m.pt.sha256 is empty",
    ),
    (
        "garbage sidecar",
        lambda p: (
            _saved(p),
            (p / "m.pt.sha256").write_text("xyz  m.pt\n"),
            load_checkpoint(p / "m.pt"),
        ),
        ValueError,
        "is 'xyz', not 64 hex digits",
    ),
    (
        "expected short",
        lambda p: load_checkpoint(_saved(p), expected_sha256="abc"),
        ValueError,
        "not 64 hex digits",
    ),
    (
        "entry without sha256",
        lambda p: load_trained("m", directory=_manifest(p, {})),
        ValueError,
        "the manifest entry 'm'",
    ),
    (
        "entry sha256 null",
        lambda p: load_trained("m", directory=_manifest(p, {"sha256": None})),
        ValueError,
        "has no sha256",
    ),
    (
        "truncated manifest",
        lambda p: ((p / "manifest.json").write_text('{"m": {"file": "m.p'), read_manifest(p)),
        ValueError,
        "manifest.json is not valid JSON",
    ),
    (
        "manifest a list",
        lambda p: ((p / "manifest.json").write_text("[1, 2]"), read_manifest(p)),
        ValueError,
        "must map each checkpoint name",
    ),
    (
        "truncated curves",
        lambda p: ((p / "c.json").write_text('{"loss": [1, 2'), load_curves("c", p)),
        ValueError,
        "c.json is not valid JSON",
    ),
    (
        "name not str",
        lambda p: load_trained(3, directory=p),
        TypeError,
        "name must be a checkpoint name",
    ),
]


@pytest.mark.parametrize(
    ("call", "exc", "fragment"), [c[1:] for c in FILES], ids=[c[0] for c in FILES]
)
def test_bad_input_checkpoints(tmp_path: Path, call, exc, fragment) -> None:
    run_case(lambda: call(tmp_path), exc, fragment)


def test_truncated_manifest_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text('{"m": ')
    with pytest.raises(ValueError) as info:
        read_manifest(tmp_path)
    assert str(tmp_path / "manifest.json") in str(info.value)


# ------------------------------------------------------------------ API gaps vs torchvision/torchmetrics
def test_batched_nms_on_empty_input_returns_empty_int64_like_torchvision() -> None:
    import torchvision

    for boxes in (torch.zeros(0, 4), torch.zeros(0)):
        args = (boxes, torch.zeros(0), torch.zeros(0, dtype=torch.int64), 0.5)
        kept = batched_nms(*args)
        assert kept.dtype == torch.int64 and kept.shape == (0,)
        assert torch.equal(kept, torchvision.ops.batched_nms(*args))
    assert nms(torch.zeros(0, 4), torch.zeros(0), 0.5).dtype == torch.int64


@pytest.mark.parametrize("dtype", [torch.int8, torch.uint8, torch.int16, torch.int32, torch.int64])
def test_box_area_on_integer_boxes_does_not_overflow(dtype: torch.dtype) -> None:
    import torchvision

    boxes = torch.tensor([[0, 0, 100, 100], [10, 20, 110, 70]], dtype=dtype)
    assert box_area(boxes).tolist() == [10000, 5000]
    assert torch.equal(box_area(boxes), torchvision.ops.box_area(boxes))
    iou = box_iou(boxes, boxes)
    torch.testing.assert_close(iou, torchvision.ops.box_iou(boxes, boxes))


def test_map_accepts_torchmetrics_empty_boxes_and_matches_valid_answer() -> None:
    empty_pred = {
        "boxes": torch.zeros(0),
        "scores": torch.zeros(0),
        "labels": torch.zeros(0, dtype=torch.long),
    }
    result = mean_average_precision([PRED, empty_pred], [GT, GT])
    assert result["map"] == 0.5  # one of two objects found, at precision 1


def test_valid_inputs_unchanged() -> None:
    """Spot checks that the checks did not move a valid answer (the det tests cover more)."""
    assert conv_math.effective_kernel(3, dilation=2) == 5
    assert conv_math.conv_macs(3, 96, 11, output_size=55) == 105415200
    assert nms(B, S, 0.5).tolist() == [0]
    assert math.isclose(float(box_iou(t([[0, 0, 2, 2]]), t([[1, 0, 3, 2]]))), 1 / 3, rel_tol=1e-6)
    assert remove_small_boxes(t([[0, 0, 1, 5], [0, 0, 4, 4]]), 2.0).tolist() == [1]
    assert clip_boxes(t([[-5, 2, 50, 80]]), (64, 32)).tolist() == [[0, 2, 32, 64]]
    image, target = make_detection_sample(np.random.default_rng(0), max_objects=5)
    assert 1 <= len(target["boxes"]) <= 5
