"""Boxes: formats, IoU, box coding, clipping and the input checks (against torchvision)."""

from __future__ import annotations

import doctest
import importlib
import math

import matplotlib
import pytest
import torch
import torchvision
from torchvision.models.detection._utils import BoxCoder

from course_utils.detection import (
    BBOX_XFORM_CLIP,
    box_area,
    box_iou,
    box_iou_loops,
    clip_boxes,
    convert_boxes,
    cxcywh_to_xyxy,
    decode_boxes,
    encode_boxes,
    remove_small_boxes,
    validate_boxes,
    validate_target,
    xywh_to_xyxy,
    xyxy_to_cxcywh,
    xyxy_to_xywh,
)

matplotlib.use("Agg")  # the draw module's doctest makes a figure


def random_boxes(n: int, g: torch.Generator, size: float = 100.0) -> torch.Tensor:
    xy = torch.rand(n, 2, generator=g) * size
    wh = torch.rand(n, 2, generator=g) * size / 2 + 1
    return torch.cat((xy, xy + wh), dim=1)


@pytest.mark.parametrize(
    "module", ["boxes", "nms", "roi", "anchors", "proposals", "metrics", "draw"]
)
def test_docstring_examples_run(module: str) -> None:
    mod = importlib.import_module(f"course_utils.detection.{module}")
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(mod, optionflags=flags, verbose=False)
    assert result.attempted > 0 and result.failed == 0


def test_conversions_known_values_and_round_trip() -> None:
    xyxy = torch.tensor([[10.0, 20.0, 40.0, 60.0]])
    assert xyxy_to_xywh(xyxy).tolist() == [[10.0, 20.0, 30.0, 40.0]]
    assert xyxy_to_cxcywh(xyxy).tolist() == [[25.0, 40.0, 30.0, 40.0]]
    g = torch.Generator().manual_seed(0)
    b = random_boxes(50, g)
    torch.testing.assert_close(xywh_to_xyxy(xyxy_to_xywh(b)), b)
    torch.testing.assert_close(cxcywh_to_xyxy(xyxy_to_cxcywh(b)), b)
    for fmt in ("xywh", "cxcywh"):
        expected = torchvision.ops.box_convert(b, "xyxy", fmt)
        torch.testing.assert_close(convert_boxes(b, "xyxy", fmt), expected)
        torch.testing.assert_close(convert_boxes(expected, fmt, "xyxy"), b)
    with pytest.raises(ValueError, match="unknown box format 'yxyx'"):
        convert_boxes(b, "yxyx", "xyxy")


def test_box_area() -> None:
    assert box_area(torch.tensor([[0.0, 0.0, 2.0, 3.0], [1.0, 1.0, 1.0, 5.0]])).tolist() == [
        6.0,
        0.0,
    ]


def test_box_iou_matches_torchvision_and_loops() -> None:
    g = torch.Generator().manual_seed(1)
    for n, m in [(1, 1), (7, 13), (40, 25)]:
        a, b = random_boxes(n, g), random_boxes(m, g)
        iou = box_iou(a, b)
        assert iou.shape == (n, m)
        torch.testing.assert_close(iou, torchvision.ops.box_iou(a, b))
        torch.testing.assert_close(iou, box_iou_loops(a, b))
    assert box_iou(torch.zeros(0, 4), random_boxes(3, g)).shape == (0, 3)


def test_box_iou_hand_values() -> None:
    a = torch.tensor([[0.0, 0.0, 2.0, 2.0]])
    b = torch.tensor([[1.0, 1.0, 3.0, 3.0], [2.0, 0.0, 4.0, 2.0], [0.0, 0.0, 2.0, 2.0]])
    # overlap 1 of union 7; touching edges overlap 0; identical boxes 1
    torch.testing.assert_close(box_iou(a, b), torch.tensor([[1 / 7, 0.0, 1.0]]))
    point = torch.tensor([[1.0, 1.0, 1.0, 1.0]])
    assert box_iou(point, point).item() == 0.0  # zero union: 0, not NaN


def test_encode_decode_match_torchvision_box_coder() -> None:
    g = torch.Generator().manual_seed(2)
    proposals, gt = random_boxes(64, g), random_boxes(64, g)
    for weights in [(10.0, 10.0, 5.0, 5.0), (1.0, 1.0, 1.0, 1.0)]:
        coder = BoxCoder(weights)
        deltas = encode_boxes(proposals, gt, weights)
        torch.testing.assert_close(deltas, coder.encode_single(gt, proposals))
        decoded = decode_boxes(proposals, deltas, weights)
        torch.testing.assert_close(decoded, coder.decode_single(deltas, proposals))
        torch.testing.assert_close(decoded, gt, rtol=1e-5, atol=1e-4)


def test_decode_class_specific_and_clamped() -> None:
    proposals = torch.tensor([[0.0, 0.0, 10.0, 10.0], [5.0, 5.0, 25.0, 15.0]])
    deltas = torch.zeros(2, 3 * 4)  # 3 classes, zero deltas → the proposal itself
    out = decode_boxes(proposals, deltas)
    assert out.shape == (2, 12)
    torch.testing.assert_close(out.reshape(2, 3, 4), proposals[:, None, :].expand(2, 3, 4))
    wild = torch.tensor([[0.0, 0.0, 1e4, 1e4]])  # dw = dh = 2000: exp would overflow
    box = decode_boxes(proposals[:1], wild)
    assert torch.isfinite(box).all()
    width = box[0, 2] - box[0, 0]
    torch.testing.assert_close(width, torch.tensor(10.0 * math.exp(BBOX_XFORM_CLIP)))
    with pytest.raises(ValueError, match=r"deltas must be \(K, 4\)"):
        decode_boxes(proposals, torch.zeros(2, 5))


def test_encode_needs_paired_shapes() -> None:
    with pytest.raises(ValueError, match="same shape"):
        encode_boxes(torch.zeros(3, 4), torch.zeros(2, 4))


def test_clip_and_remove_small_match_torchvision() -> None:
    g = torch.Generator().manual_seed(3)
    b = random_boxes(40, g, size=120.0) - 10
    torch.testing.assert_close(
        clip_boxes(b, (64, 80)), torchvision.ops.clip_boxes_to_image(b, (64, 80))
    )
    for min_size in (1.0, 10.0, 40.0):
        assert torch.equal(
            remove_small_boxes(b, min_size), torchvision.ops.remove_small_boxes(b, min_size)
        )


# --------------------------------------------------------------------------- validation
def test_validate_boxes_accepts_good_and_empty() -> None:
    b = torch.tensor([[0.0, 0.0, 5.0, 5.0]])
    assert validate_boxes(b, image_size=(10, 10)) is b
    validate_boxes(torch.zeros((0, 4)))


@pytest.mark.parametrize(
    ("boxes", "message"),
    [
        (torch.zeros(4), r"must have shape \(K, 4\), got \(4,\)"),
        (torch.zeros(2, 5), r"must have shape \(K, 4\), got \(2, 5\)"),
        (torch.zeros(0), r"torch.zeros\(\(0, 4\)\)"),
        (torch.tensor([[0, 0, 5, 5]]), "floating-point.*torch.int64.*boxes.float()"),
        (torch.tensor([[0.0, 0.0, 5.0, float("nan")]]), "row 0 .*finite"),
        (torch.tensor([[0.0, 0.0, 1.0, 1.0], [1.0, 1.0, 2.0, math.inf]]), "row 1 .*finite"),
        (torch.tensor([[0.0, 0.0, 0.0, 5.0]]), "row 0 .*zero width or height"),
        ([[0.0, 0.0, 1.0, 1.0]], "torch.as_tensor"),
    ],
)
def test_validate_boxes_errors_teach(boxes: object, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        validate_boxes(boxes)


def test_validate_boxes_names_row_and_suggests_xywh() -> None:
    # an xywh box (x, y, w, h) = (30, 30, 10, 10) read as xyxy has x2 = 10 < x1 = 30
    boxes = torch.tensor([[0.0, 0.0, 5.0, 5.0], [30.0, 30.0, 10.0, 10.0]])
    with pytest.raises(ValueError) as err:
        validate_boxes(boxes, name="gt")
    msg = str(err.value)
    assert "gt row 1 is (30, 30, 10, 10)" in msg
    assert (
        "must be xyxy with x1 ≤ x2 and y1 ≤ y2; did you pass xywh? convert with xywh_to_xyxy" in msg
    )
    validate_boxes(xywh_to_xyxy(boxes))  # the suggested fix works
    tall = torch.tensor([[0.0, 8.0, 5.0, 2.0]])
    with pytest.raises(ValueError, match="y2 < y1"):
        validate_boxes(tall)


def test_validate_boxes_options() -> None:
    flat = torch.tensor([[1.0, 1.0, 1.0, 4.0]])
    validate_boxes(flat, allow_degenerate=True)
    validate_boxes(torch.tensor([[0, 0, 5, 5]]), require_float=False)
    with pytest.raises(ValueError, match=r"outside the image \(height 10, width 8\).*clip_boxes"):
        validate_boxes(torch.tensor([[0.0, 0.0, 9.0, 5.0]]), image_size=(10, 8))


def target(boxes: list, labels: list) -> dict:
    return {
        "boxes": torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
        "labels": torch.tensor(labels, dtype=torch.int64),
    }


def test_validate_target_good_and_empty() -> None:
    good = target([[0, 0, 5, 5], [2, 2, 8, 9]], [1, 2])
    assert validate_target(good, num_classes=3, image_size=(10, 10)) is good
    validate_target(target([], []), num_classes=3, image_size=(10, 10))  # no objects: valid


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (target([[0, 0, 5, 5]], [0]), r"labels'\]\[0\] = 0.*1\.\.2.*0 is background"),
        (target([[0, 0, 5, 5]], [3]), r"labels'\]\[0\] = 3.*1\.\.2 for num_classes = 3"),
        (target([[0, 0, 5, 5]], [1, 2]), "1 boxes but 2 labels"),
        (target([[0, 0, 5, 5]], []), "1 boxes but 0 labels"),
        ({"boxes": torch.zeros(1, 4)}, r"missing \['labels'\]"),
        (
            {"boxes": torch.tensor([[0.0, 0, 5, 5]]), "labels": torch.tensor([1.0])},
            "int64.*labels.long()",
        ),
        (target([[5, 5, 0, 0]], [1]), r"target\['boxes'\] row 0.*xywh_to_xyxy"),
        (target([[0, 0, 5, 50]], [1]), "outside the image"),
    ],
)
def test_validate_target_errors_teach(bad: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_target(bad, num_classes=3, image_size=(10, 10))
