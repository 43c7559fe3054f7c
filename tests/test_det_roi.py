"""RoI pooling from scratch equals torchvision.ops.roi_pool exactly; RoI Align wrapper."""

from __future__ import annotations

import pytest
import torch
import torchvision

from course_utils.detection import boxes_to_rois, roi_align, roi_pool, roi_pool_loops


def random_case(g: torch.Generator, scale: float, dtype: torch.dtype = torch.float32):
    """Features and RoIs in image pixels; some RoIs stick out of the image, some are tiny."""
    n = int(torch.randint(1, 3, (1,), generator=g))
    c = int(torch.randint(1, 6, (1,), generator=g))
    h = int(torch.randint(1, 24, (1,), generator=g))
    w = int(torch.randint(1, 24, (1,), generator=g))
    features = torch.randn(n, c, h, w, generator=g, dtype=dtype)
    k = int(torch.randint(0, 24, (1,), generator=g))
    corners = torch.rand(k, 4, generator=g, dtype=dtype) * torch.tensor([w, h, w, h]) / scale
    corners = corners * 1.3 - 4 / scale  # up to 30 % beyond the border, some negative
    boxes = torch.cat(
        (corners[:, :2].minimum(corners[:, 2:]), corners[:, :2].maximum(corners[:, 2:])), 1
    )
    batch = torch.randint(0, n, (k, 1), generator=g).to(dtype)
    return features, torch.cat((batch, boxes), dim=1)


SCALES = [1.0, 0.5, 0.25, 1 / 16, 0.3, 2.0]
SIZES = [1, (2, 2), (3, 5), 7, (4, 3)]


def test_roi_pool_equals_torchvision_exactly() -> None:
    g = torch.Generator().manual_seed(0)
    for case in range(360):
        scale, size = SCALES[case % len(SCALES)], SIZES[case % len(SIZES)]
        features, rois = random_case(g, scale)
        ref = torchvision.ops.roi_pool(features, rois, size, scale)
        ours = roi_pool(features, rois, size, scale)
        assert torch.equal(ours, ref), f"case {case}: scale {scale}, output {size}"


def test_roi_pool_loops_equals_torchvision_exactly() -> None:
    g = torch.Generator().manual_seed(1)
    for case in range(40):
        scale, size = SCALES[case % len(SCALES)], SIZES[case % len(SIZES)]
        features, rois = random_case(g, scale)
        ref = torchvision.ops.roi_pool(features, rois, size, scale)
        assert torch.equal(roi_pool_loops(features, rois, size, scale), ref), case


def test_roi_pool_float64_and_half_way_rounding() -> None:
    # x · scale = 2.5 exactly: C's round gives 3 (torch.round would give 2)
    features = torch.randn(
        2, 3, 9, 9, dtype=torch.float64, generator=torch.Generator().manual_seed(2)
    )
    rois = torch.tensor(
        [[1, 0.5, 1.5, 7.5, 8.5], [0, 2.5, 2.5, 2.5, 2.5], [0, 5.0, 5.0, 9.0, 9.0]],
        dtype=torch.float64,
    )
    for scale in (1.0, 0.5):
        ref = torchvision.ops.roi_pool(features, rois, 3, scale)
        assert torch.equal(roi_pool(features, rois, 3, scale), ref)
        assert torch.equal(roi_pool_loops(features, rois, 3, scale), ref)


def test_roi_pool_list_of_boxes_and_empty() -> None:
    g = torch.Generator().manual_seed(3)
    features = torch.randn(2, 4, 12, 12, generator=g)
    per_image = [
        torch.tensor([[0.0, 0.0, 40.0, 30.0]]),
        torch.tensor([[8.0, 8.0, 48.0, 48.0], [0.0, 0.0, 5.0, 5.0]]),
    ]
    ref = torchvision.ops.roi_pool(features, per_image, (2, 3), 0.25)
    assert torch.equal(roi_pool(features, per_image, (2, 3), 0.25), ref)
    assert torch.equal(boxes_to_rois(per_image)[:, 0], torch.tensor([0.0, 1.0, 1.0]))
    assert roi_pool(features, torch.zeros(0, 5), 7).shape == (0, 4, 7, 7)


def test_roi_outside_the_map_gives_zeros() -> None:
    features = torch.randn(1, 2, 8, 8) - 10  # all negative: a max over cells could not be 0
    rois = torch.tensor([[0.0, 100.0, 100.0, 120.0, 120.0]])
    out = roi_pool(features, rois, 2)
    assert torch.equal(out, torch.zeros(1, 2, 2, 2))
    assert torch.equal(out, torchvision.ops.roi_pool(features, rois, 2, 1.0))


def test_roi_pool_nan_and_inf_like_the_kernel() -> None:
    features = torch.randn(1, 3, 10, 10, generator=torch.Generator().manual_seed(4))
    features[0, 0, 2:5, 2:5] = float("nan")
    features[0, 1, :, :6] = float("-inf")
    features[0, 2, 0, 0] = float("inf")
    rois = torch.tensor([[0, 0, 0, 9, 9.0], [0, 1, 1, 4, 4], [0, 2, 2, 4, 4], [0, 0, 0, 3, 3]])
    for size in (1, 2, 3, 5):
        assert torch.equal(
            roi_pool(features, rois, size), torchvision.ops.roi_pool(features, rois, size, 1.0)
        )


def test_roi_pool_gradient_matches_torchvision() -> None:
    g = torch.Generator().manual_seed(5)
    features = torch.randn(2, 3, 16, 16, generator=g)
    rois = torch.tensor([[0, 0, 0, 60, 60.0], [1, 10, 20, 50, 40], [1, 0, 0, 20, 63]])
    weights = torch.randn(3, 3, 4, 4, generator=g)
    grads = []
    for fn in (roi_pool, lambda f, r, s, sc: torchvision.ops.roi_pool(f, r, s, sc)):
        x = features.clone().requires_grad_()
        out = fn(x, rois, 4, 0.25)
        (out * weights).sum().backward()
        grads.append(x.grad)
    torch.testing.assert_close(grads[0], grads[1])


def test_roi_align_wraps_torchvision_with_aligned_explicit() -> None:
    g = torch.Generator().manual_seed(6)
    features = torch.randn(2, 3, 16, 16, generator=g)
    rois = torch.tensor([[0, 1.3, 2.7, 40.1, 33.3], [1, 10, 20, 50, 40]])
    for aligned in (True, False):
        ref = torchvision.ops.roi_align(
            features, rois, (5, 5), 0.25, sampling_ratio=2, aligned=aligned
        )
        torch.testing.assert_close(roi_align(features, rois, 5, 0.25, aligned=aligned), ref)
    # aligned=True is the default, and it does change the numbers
    default = roi_align(features, rois, 5, 0.25)
    torch.testing.assert_close(default, roi_align(features, rois, 5, 0.25, aligned=True))
    assert not torch.allclose(default, roi_align(features, rois, 5, 0.25, aligned=False))


@pytest.mark.parametrize("seed", range(40))
def test_roi_align_gradient_equals_torchvision_on_random_cases(seed: int) -> None:
    """The separable backward gives torchvision's gradient (in float64, to 1e-10): RoIs half
    outside the map, tiny and reversed ones, one or several images, every sampling ratio."""
    g = torch.Generator().manual_seed(100 + seed)
    scale = SCALES[seed % len(SCALES)]
    size = SIZES[seed % len(SIZES)]
    features, rois = random_case(g, scale, torch.float64)
    if seed % 7 == 0 and len(rois):
        rois[0, 1:] = rois[0, [3, 4, 1, 2]]  # a reversed RoI
    aligned = seed % 2 == 0
    sampling = 1 + seed % 3
    weights = None
    grads, outs = [], []
    for fn in (roi_align, torchvision.ops.roi_align):
        x = features.clone().requires_grad_()
        out = fn(x, rois, size, scale, sampling_ratio=sampling, aligned=aligned)
        weights = (
            torch.randn(out.shape, generator=g, dtype=out.dtype) if weights is None else weights
        )
        (out * weights).sum().backward()
        grads.append(x.grad)
        outs.append(out.detach())
    assert torch.equal(outs[0], outs[1]), "the forward is torchvision's own"
    torch.testing.assert_close(grads[0], grads[1], rtol=1e-10, atol=1e-10)


def test_roi_align_backward_is_faster_than_torchvisions_on_a_mask_head_batch() -> None:
    """256 RoIs of a 32×32 map of 64 channels, pooled to 14×14 (notebook 12's mask head):
    best of 3 backward passes each, one thread."""
    import time

    g = torch.Generator().manual_seed(0)
    features = torch.randn(8, 64, 32, 32, generator=g)
    corner = torch.rand(256, 2, generator=g) * 100
    rois = torch.cat((torch.randint(0, 8, (256, 1), generator=g).float(), corner,
                      corner + 4 + torch.rand(256, 2, generator=g) * 60), 1)  # fmt: skip
    grad = torch.randn(256, 64, 14, 14, generator=g)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        best = {}
        for name, fn in (("kit", roi_align), ("torchvision", torchvision.ops.roi_align)):
            times = []
            for _ in range(3):
                x = features.clone().requires_grad_()
                out = fn(x, rois, 14, 0.25, sampling_ratio=2, aligned=True)
                start = time.perf_counter()
                out.backward(grad)
                times.append(time.perf_counter() - start)
            best[name] = min(times)
    finally:
        torch.set_num_threads(threads)
    # measured here 7x (28 vs 184 ms); asserted with room for a loaded machine
    assert best["torchvision"] > 2 * best["kit"], best


def test_roi_errors_teach() -> None:
    features = torch.randn(1, 2, 8, 8)
    with pytest.raises(ValueError, match=r"\(K, 5\).*pass a list"):
        roi_pool(features, torch.zeros(3, 4), 2)
    with pytest.raises(ValueError, match=r"batch indices must be in 0\.\.0"):
        roi_pool(features, torch.tensor([[1.0, 0, 0, 4, 4]]), 2)
    with pytest.raises(ValueError, match=r"features must be \(N, C, H, W\)"):
        roi_pool(features[0], torch.zeros(0, 5), 2)
    with pytest.raises(ValueError, match="output_size must be at least 1"):
        roi_pool(features, torch.zeros(0, 5), 0)
