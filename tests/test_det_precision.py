"""Reduced precision in the detection ops (issue 9, item 6): float16 and bfloat16.

Boxes produced under autocast arrive in float16/bfloat16. The kit measures them in
float32, as torchvision does (``_upcast`` in ``box_area``/``box_iou``, float32 in the
NMS kernels and the autocast wrappers of the RoI ops): a float16 area overflows above
256×256 pixels, and bfloat16's 8-bit mantissa changes which IoUs cross the threshold.
Every test runs on the CPU, and on CUDA too when a GPU is present.
"""

from __future__ import annotations

import pytest
import torch
import torchvision

from course_utils.detection import batched_nms, box_area, box_iou, nms, roi_align, roi_pool

HALF = [torch.float16, torch.bfloat16]
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def detector_like(n: int, image: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Many jittered copies of a few large boxes, as a detector outputs them."""
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(max(4, n // 20), 2, generator=g) * image * 0.5
    wh = torch.rand(len(xy), 2, generator=g) * image * 0.4 + 64
    objects = torch.cat((xy, xy + wh), dim=1)
    boxes = objects[torch.randint(0, len(objects), (n,), generator=g)]
    size = (boxes[:, 2:] - boxes[:, :2]).repeat(1, 2)
    boxes = boxes + torch.randn(n, 4, generator=g) * size * 0.05
    lo = torch.minimum(boxes[:, :2], boxes[:, 2:])
    hi = torch.maximum(boxes[:, :2], boxes[:, 2:])
    return torch.cat((lo, hi), dim=1), torch.rand(n, generator=g)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", HALF)
def test_box_area_and_iou_of_large_boxes_are_computed_in_float32(dtype, device) -> None:
    boxes = torch.tensor([[0.0, 0.0, 300.0, 300.0], [10.0, 10.0, 310.0, 310.0]])
    low = boxes.to(dtype).to(device)
    area = box_area(low)
    assert area.dtype == torch.float32
    assert area.tolist() == [90000.0, 90000.0]  # float16 would give inf
    iou = box_iou(low, low)
    assert iou.dtype == torch.float32  # as torchvision.ops.box_iou
    torch.testing.assert_close(iou, box_iou(low.float(), low.float()))
    torch.testing.assert_close(iou, torchvision.ops.box_iou(low, low))
    assert 0.87 < float(iou[0, 1]) < 0.88  # 290² / (2·300² − 290²); float16 used to say 0


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", HALF)
@pytest.mark.parametrize(("n", "threshold"), [(300, 0.5), (1000, 0.7)])
def test_nms_in_low_precision_keeps_the_float32_set(dtype, device, n, threshold) -> None:
    boxes, scores = detector_like(n, 800.0, seed=n)
    low_boxes, low_scores = boxes.to(dtype).to(device), scores.to(dtype).to(device)
    # the reference: the same (rounded) numbers, in float32 — what torchvision's kernel does
    ref = torchvision.ops.nms(low_boxes.float(), low_scores.float(), threshold)
    assert torch.equal(nms(low_boxes, low_scores, threshold), ref)
    labels = torch.randint(1, 4, (n,), generator=torch.Generator().manual_seed(1)).to(device)
    ref = torchvision.ops.batched_nms(low_boxes.float(), low_scores.float(), labels, threshold)
    assert torch.equal(batched_nms(low_boxes, low_scores, labels, threshold), ref)


def test_nms_in_bfloat16_would_differ_without_the_float32_iou() -> None:
    """The test above has teeth: an IoU computed in bfloat16 keeps another set."""
    boxes, scores = detector_like(1000, 800.0, seed=1000)
    b, s = boxes.bfloat16(), scores.bfloat16()
    order = torch.sort(s, descending=True, stable=True).indices
    x1, y1, x2, y2 = b[order].unbind(1)
    area = (x2 - x1) * (y2 - y1)  # all of it in bfloat16
    w = (torch.minimum(x2[:, None], x2[None]) - torch.maximum(x1[:, None], x1[None])).clamp(min=0)
    h = (torch.minimum(y2[:, None], y2[None]) - torch.maximum(y1[:, None], y1[None])).clamp(min=0)
    inter = w * h
    iou_bf16 = inter / (area[:, None] + area[None] - inter)
    iou_f32 = box_iou(b[order], b[order])
    assert bool(((iou_bf16.float() > 0.7) != (iou_f32 > 0.7)).any())


@pytest.mark.parametrize("device", DEVICES)
def test_nms_under_autocast_keeps_the_float32_set(device) -> None:
    boxes, scores = detector_like(500, 800.0, seed=5)
    boxes, scores = boxes.to(device), scores.to(device)
    expected = nms(boxes, scores, 0.6)
    dtype = torch.bfloat16 if device == "cpu" else torch.float16
    with torch.autocast(device, dtype=dtype):
        head = torch.nn.Linear(4, 4).to(device)
        torch.nn.init.eye_(head.weight)
        torch.nn.init.zeros_(head.bias)
        out = head(boxes)  # boxes through a layer under autocast come out in low precision
        assert out.dtype == dtype
        kept = nms(out, scores.to(dtype), 0.6)
    assert torch.equal(kept, torchvision.ops.nms(out.float(), scores.to(dtype).float(), 0.6))
    assert len(kept) > 0 and set(kept.tolist()) <= set(range(500))
    assert len(expected) > 0


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", HALF)
def test_roi_pool_in_low_precision_works_and_pools_in_float32(dtype, device) -> None:
    g = torch.Generator().manual_seed(0)
    features = (torch.randn(2, 8, 16, 16, generator=g) * 100).to(dtype).to(device)
    features[0, 0, :4, :4] = float("nan")  # an all-NaN bin: −FLT_MAX in float32, −inf here
    rois = torch.tensor(
        [[0, 0, 0, 3, 3], [0, 0, 0, 60, 60], [1, 10.5, 3.2, 100.0, 77.7], [1, 40, 40, 8, 8]]
    ).to(device)
    out = roi_pool(features, rois.to(dtype), 3, 0.25)
    assert out.dtype == dtype and out.shape == (4, 8, 3, 3)
    ref = torchvision.ops.roi_pool(features.float(), rois.to(dtype).float(), 3, 0.25).to(dtype)
    assert torch.equal(out, ref)
    assert torch.equal(roi_pool(features.float(), rois.to(dtype).float(), 3, 0.25).to(dtype), out)
    if dtype == torch.float16 and device == "cpu":  # torchvision's own float16 CPU kernel
        assert torch.equal(out, torchvision.ops.roi_pool(features, rois.half(), 3, 0.25))
    assert roi_align(features, rois.to(dtype), 3, 0.25).dtype == dtype
