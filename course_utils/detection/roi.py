"""RoI pooling (Fast R-CNN) from scratch, and RoI Align.

Fast R-CNN runs the CNN once per image and then cuts every proposal out of the feature map,
pooling it to a fixed grid (e.g. 7×7) so one classifier head fits all proposal sizes.

**RoI max pooling**, with the quantisation of the Fast R-CNN paper exactly as
torchvision's CPU kernel does it, for a proposal ``(x1, y1, x2, y2)`` in image pixels:

1. map it onto the feature map and *round* to whole cells:
   ``start = round(x1 · spatial_scale)``, ``end = round(x2 · spatial_scale)``
   (``round`` halves away from zero, as C's ``round``);
2. the RoI spans ``end − start + 1`` cells (at least 1) and is split into ``output_size``
   bins of *fractional* size ``bin = cells / output_size``;
3. bin ``i`` covers cells ``floor(i · bin)`` to ``ceil((i + 1) · bin)`` (exclusive) after
   ``start`` — neighbouring bins may share a row — clipped to the feature map;
4. each bin is the max over its cells; a bin left empty by the clipping gives 0.

Bad input: RoIs must be finite and their batch indices (column 0) must name an image of
``features`` — torchvision's ``roi_align`` kernel does not check them and reads outside
the tensor (or crashes the interpreter). A reversed RoI (``x2 < x1``) is torchvision's
"malformed RoI" and pooled as 1×1; a NaN *feature* is skipped by the max, as in the
kernel. float16/bfloat16 features are pooled in float32 and returned in their dtype.

``rois`` are either a ``(K, 5)`` tensor of rows ``(batch_index, x1, y1, x2, y2)`` or a list
with one ``(K_i, 4)`` box tensor per image (as a detector produces them).

>>> feats = torch.arange(16.0).reshape(1, 1, 4, 4)
>>> roi_pool(feats, torch.tensor([[0.0, 0.0, 0.0, 3.0, 3.0]]), output_size=2)
tensor([[[[ 5.,  7.],
          [13., 15.]]]])
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torchvision
from torch import Tensor

from course_utils._checks import check_int, check_number, check_positive_int, check_tensor, fmt_row

__all__ = ["boxes_to_rois", "roi_pool", "roi_pool_loops", "roi_align"]

_FLT_MAX = float(torch.finfo(torch.float32).max)


def boxes_to_rois(boxes: Tensor | Sequence[Tensor], dtype: torch.dtype | None = None) -> Tensor:
    """A ``(K, 5)`` RoI tensor ``(batch_index, x1, y1, x2, y2)`` from per-image ``(K_i, 4)`` boxes.

    A ``(K, 5)`` tensor passes through unchanged (except for ``dtype``).

    >>> boxes_to_rois([torch.tensor([[0.0, 0.0, 4.0, 4.0]]), torch.tensor([[1.0, 1.0, 2.0, 2.0]])])
    tensor([[0., 0., 0., 4., 4.],
            [1., 1., 1., 2., 2.]])
    """
    if isinstance(boxes, Tensor):
        if boxes.dim() != 2 or boxes.shape[1] != 5:
            raise ValueError(
                f"rois as one tensor must be (K, 5) rows (batch_index, x1, y1, x2, y2), got "
                f"{tuple(boxes.shape)}; for boxes of one image pass a list: [boxes]"
            )
        return boxes if dtype is None else boxes.to(dtype)
    if isinstance(boxes, str) or not isinstance(boxes, Sequence):
        raise TypeError(
            "rois must be a (K, 5) tensor of rows (batch_index, x1, y1, x2, y2) or a list with "
            f"one (K_i, 4) box tensor per image, got {type(boxes).__name__}"
        )
    parts = []
    for i, b in enumerate(boxes):
        if not isinstance(b, Tensor) or b.dim() != 2 or b.shape[1] != 4:
            shape = tuple(b.shape) if isinstance(b, Tensor) else type(b).__name__
            raise ValueError(f"rois[{i}] must be a (K, 4) box tensor of image {i}, got {shape}")
        b = b if dtype is None else b.to(dtype)
        parts.append(torch.cat((torch.full_like(b[:, :1], i), b), dim=1))
    if not parts:
        return torch.zeros((0, 5), dtype=dtype or torch.float32)
    return torch.cat(parts)


def _check_features(features: Tensor) -> None:
    check_tensor("features", features)
    if features.dim() != 4:
        raise ValueError(f"features must be (N, C, H, W), got shape {tuple(features.shape)}")
    if not features.is_floating_point():
        raise TypeError(f"features must be floating point, got {features.dtype}; use .float()")


def _pair(size: int | tuple[int, int]) -> tuple[int, int]:
    if isinstance(size, Sequence) and not isinstance(size, str):
        if len(size) != 2:
            raise ValueError(f"output_size must be an int or (height, width), got {size!r}")
        h = check_positive_int("output_size[0] (height)", size[0])
        w = check_positive_int("output_size[1] (width)", size[1])
        return h, w
    size = check_positive_int("output_size", size, hint="the pooled grid, e.g. 7 for 7×7")
    return size, size


def _prepare(
    features: Tensor, rois: Tensor | Sequence[Tensor], output_size, spatial_scale: float
) -> tuple[Tensor, tuple[int, int], float]:
    """The shared boundary of the RoI ops: features, RoIs (finite, batch indices in range),
    output size and scale. One read-back for the RoI values, none for a list of boxes
    (whose batch indices are right by construction) beyond the finiteness."""
    _check_features(features)
    out = _pair(output_size)
    spatial_scale = check_number(
        "spatial_scale", spatial_scale, minimum=0, min_open=True, maximum=torch.inf, max_open=True,
        hint="feature size / image size, e.g. 1/16",
    )  # fmt: skip
    as_list = not isinstance(rois, Tensor)
    rois = boxes_to_rois(rois, dtype=features.dtype).to(features.device)
    if len(rois):
        num_images = len(features)
        batch = rois[:, 0]
        ok = torch.isfinite(rois).all()
        if not as_list:  # C++ truncates the float index; the kernels do not check it
            ok &= ((batch > -1) & (batch < num_images)).all()
        if not bool(ok):
            finite = torch.isfinite(rois).all(dim=1)
            if not bool(finite.all()):
                i = int(torch.where(~finite)[0][0])
                raise ValueError(
                    f"rois row {i} is {fmt_row(rois[i])}: RoIs must be finite (no NaN/inf); a "
                    "NaN box has no cells to pool, so it is refused"
                )
            bad = ~((batch > -1) & (batch < num_images))
            i = int(torch.where(bad)[0][0])
            raise ValueError(
                f"rois row {i} has batch index {batch[i].item():g}, but features hold "
                f"{num_images} image(s): batch indices must be in 0..{num_images - 1} (column 0); "
                "build the rows with boxes_to_rois([boxes_of_image_0, boxes_of_image_1, ...])"
            )
    return rois, out, spatial_scale


def _round_half_away(x: Tensor) -> Tensor:
    """C's ``round``: 2.5 → 3, −2.5 → −3 (``torch.round`` would give 2 and −2)."""
    t = torch.trunc(x)
    return t + torch.sign(x) * ((x - t).abs() >= 0.5).to(x.dtype)


def _bin_edges(rois: Tensor, spatial_scale: float, out_h: int, out_w: int, height: int, width: int):
    """Integer cell ranges ``[start, end)`` of every bin: (K, out_h) rows and (K, out_w) columns."""
    scale = torch.tensor(spatial_scale, dtype=rois.dtype)  # the kernel multiplies in T, not double
    corners = _round_half_away(rois[:, 1:] * scale).long()  # (K, 4): x1, y1, x2, y2 in cells
    x1, y1, x2, y2 = corners.unbind(1)
    roi_w = (x2 - x1 + 1).clamp(min=1)  # malformed RoIs become 1×1
    roi_h = (y2 - y1 + 1).clamp(min=1)
    bin_w = roi_w.to(rois.dtype) / out_w  # fractional bin sizes
    bin_h = roi_h.to(rois.dtype) / out_h

    def edges(start: Tensor, bin_size: Tensor, n: int, limit: int) -> tuple[Tensor, Tensor]:
        i = torch.arange(n, dtype=rois.dtype, device=rois.device)
        lo = torch.floor(i[None, :] * bin_size[:, None]).long() + start[:, None]
        hi = torch.ceil((i[None, :] + 1) * bin_size[:, None]).long() + start[:, None]
        return lo.clamp(0, limit), hi.clamp(0, limit)

    hs, he = edges(y1, bin_h, out_h, height)
    ws, we = edges(x1, bin_w, out_w, width)
    return hs, he, ws, we


def roi_pool_loops(
    features: Tensor,
    rois: Tensor | Sequence[Tensor],
    output_size: int | tuple[int, int],
    spatial_scale: float = 1.0,
) -> Tensor:
    """Teaching reference for :func:`roi_pool`: a loop over RoIs and bins, channels at once.

    Returns ``(K, C, out_h, out_w)``. Reads like the paper; tens of times slower than
    :func:`roi_pool` (``benchmarks/bench_detection.py``). Unlike the kernel, a NaN
    feature makes its bin NaN.
    """
    rois, (out_h, out_w), spatial_scale = _prepare(features, rois, output_size, spatial_scale)
    _, channels, height, width = features.shape
    out = features.new_zeros((len(rois), channels, out_h, out_w))
    scale = torch.tensor(spatial_scale, dtype=features.dtype)
    for k, roi in enumerate(rois):
        n = int(roi[0])
        x1, y1, x2, y2 = (int(_round_half_away(v * scale)) for v in roi[1:])
        bin_h = torch.tensor(max(y2 - y1 + 1, 1), dtype=features.dtype) / out_h
        bin_w = torch.tensor(max(x2 - x1 + 1, 1), dtype=features.dtype) / out_w
        for ph in range(out_h):
            h0 = min(max(int(torch.floor(ph * bin_h)) + y1, 0), height)
            h1 = min(max(int(torch.ceil((ph + 1) * bin_h)) + y1, 0), height)
            for pw in range(out_w):
                w0 = min(max(int(torch.floor(pw * bin_w)) + x1, 0), width)
                w1 = min(max(int(torch.ceil((pw + 1) * bin_w)) + x1, 0), width)
                if h1 > h0 and w1 > w0:  # an empty bin stays 0
                    out[k, :, ph, pw] = features[n, :, h0:h1, w0:w1].amax(dim=(1, 2))
    return out


def _log2_floor(lengths: Tensor) -> Tensor:
    """Exact ``floor(log2(L))`` for integer ``L ≥ 1`` (a lookup table, no float rounding)."""
    top = int(lengths.max()) if lengths.numel() else 1
    table = [max(v.bit_length() - 1, 0) for v in range(top + 1)]
    return torch.tensor(table, dtype=torch.long, device=lengths.device)[lengths]


def _range_max_tables(x: Tensor, levels_h: int, levels_w: int) -> Tensor:
    """Sparse table: ``T[a, b, n, h, w, :]`` = max of ``x[n, h:h+2^a, w:w+2^b, :]``.

    ``x`` is channels-last ``(N, H, W, C)`` without NaN. Level ``a`` is the max of two
    level ``a−1`` windows ``2^(a−1)`` apart, so all levels cost one pass each. Entries whose
    window would leave the map keep the level-below value; they are never looked up.
    """
    num, height, width, channels = x.shape
    if torch.is_grad_enabled() and x.requires_grad:  # out-of-place, so autograd can follow

        def doubled(prev: Tensor, dim: int, s: int) -> Tensor:
            n = prev.shape[dim] - s
            head = torch.maximum(prev.narrow(dim, 0, n), prev.narrow(dim, s, n))
            return torch.cat((head, prev.narrow(dim, n, s)), dim=dim)

        rows = [x]
        for a in range(1, levels_h):
            rows.append(doubled(rows[-1], 1, 1 << (a - 1)))
        table = []
        for row in rows:
            cols = [row]
            for b in range(1, levels_w):
                cols.append(doubled(cols[-1], 2, 1 << (b - 1)))
            table.append(torch.stack(cols))
        return torch.stack(table)
    # the same, written into one preallocated tensor (fewer, larger memory passes)
    table = x.new_empty((levels_h, levels_w, num, height, width, channels))
    table[0, 0] = x
    for a in range(levels_h):
        if a:
            src, dst, s = table[a - 1, 0], table[a, 0], 1 << (a - 1)
            torch.maximum(src[:, :-s], src[:, s:], out=dst[:, :-s])
            dst[:, -s:] = src[:, -s:]
        for b in range(1, levels_w):
            src, dst, s = table[a, b - 1], table[a, b], 1 << (b - 1)
            torch.maximum(src[:, :, :-s], src[:, :, s:], out=dst[:, :, :-s])
            dst[:, :, -s:] = src[:, :, -s:]
    return table


def _max_of_rows(flat: Tensor, rows: list[Tensor]) -> Tensor:
    """``max_i flat[rows[i]]`` (element-wise), reusing one buffer when no gradient is needed."""
    if torch.is_grad_enabled() and flat.requires_grad:
        out = flat[rows[0]]
        for r in rows[1:]:
            out = torch.maximum(out, flat[r])
        return out
    out = flat.index_select(0, rows[0])
    buf = torch.empty_like(out)
    for r in rows[1:]:
        torch.index_select(flat, 0, r, out=buf)
        torch.maximum(out, buf, out=out)
    return out


def roi_pool(
    features: Tensor,
    rois: Tensor | Sequence[Tensor],
    output_size: int | tuple[int, int],
    spatial_scale: float = 1.0,
) -> Tensor:
    """RoI max pooling, vectorised; equal to ``torchvision.ops.roi_pool`` bit for bit.

    ``features`` ``(N, C, H, W)``; ``rois`` ``(K, 5)`` or a list of per-image ``(K_i, 4)``
    boxes in image pixels; ``spatial_scale`` = feature size / image size (1/16 for VGG16
    conv5). Returns ``(K, C, out_h, out_w)``.

    How it avoids a loop over bins: a range of ``L`` cells is covered by two windows of
    length ``2^floor(log2 L)``, one from each end (they overlap, which max does not mind).
    So we precompute the max over every power-of-two window (a "sparse table": a few
    max passes over the feature map) and every bin is the max of four table rows — four
    gathers for all RoIs, bins and channels at once. Like the C++ kernel, NaN features
    are skipped and an all-NaN or all-−inf bin gives −FLT_MAX. Autograd works (through the
    gathers), but for training speed use torchvision's kernel.
    """
    rois, (out_h, out_w), spatial_scale = _prepare(features, rois, output_size, spatial_scale)
    num_images, channels, height, width = features.shape
    if len(rois) == 0:
        return features.new_zeros((0, channels, out_h, out_w))
    if features.dtype in (torch.float16, torch.bfloat16):
        # in float32 and back, as torchvision's autocast does: −FLT_MAX (an all-NaN bin)
        # has no float16 value, and the max itself is exact in any precision
        out = roi_pool(features.float(), rois.float(), (out_h, out_w), spatial_scale)
        return out.to(features.dtype)
    batch = rois[:, 0].long()  # C++ truncates the float index
    hs, he, ws, we = _bin_edges(rois, spatial_scale, out_h, out_w, height, width)
    a = _log2_floor((he - hs).clamp(min=1))  # table level of every bin row, (K, out_h)
    b = _log2_floor((we - ws).clamp(min=1))  # ... and bin column, (K, out_w)
    levels_w = int(b.max()) + 1
    # NaN → −inf: the kernel's `value > max` test skips NaN, and a max with −inf does too
    x = features.permute(0, 2, 3, 1).nan_to_num(nan=-torch.inf, posinf=torch.inf, neginf=-torch.inf)
    table = _range_max_tables(x.contiguous(), int(a.max()) + 1, levels_w)
    flat = table.reshape(-1, channels)  # one row per (level a, level b, image, y, x)

    # row index of each look-up, broadcast to (K, out_h, out_w); clamping only keeps the
    # look-ups of empty bins (masked below) inside the table
    start = (
        (a[:, :, None] * levels_w + b[:, None, :]) * num_images + batch[:, None, None]
    ) * height
    tops = (hs.clamp(max=height - 1), (he - (1 << a)).clamp(min=0))
    lefts = (ws.clamp(max=width - 1), (we - (1 << b)).clamp(min=0))
    rows = [
        ((start + y[:, :, None]) * width + x[:, None, :]).reshape(-1) for y in tops for x in lefts
    ]
    out = _max_of_rows(flat, rows).reshape(len(rois), out_h, out_w, channels)
    out = out.clamp(min=-_FLT_MAX)  # the kernel starts its max at −FLT_MAX
    empty = (he <= hs)[:, :, None] | (we <= ws)[:, None, :]
    out = out.masked_fill(empty[..., None], 0.0)
    return out.permute(0, 3, 1, 2).contiguous()


def roi_align(
    features: Tensor,
    rois: Tensor | Sequence[Tensor],
    output_size: int | tuple[int, int],
    spatial_scale: float = 1.0,
    sampling_ratio: int = 2,
    aligned: bool = True,
) -> Tensor:
    """RoI Align (Mask R-CNN): no rounding; each bin averages bilinear samples.

    A thin wrapper of ``torchvision.ops.roi_align`` that always passes ``aligned``
    explicitly. ``aligned=True`` shifts box coordinates by −0.5 cell so that a pixel's
    centre sits at ``i + 0.5`` — the continuous coordinate a box edge is measured in.
    torchvision defaults to ``False`` only for backward compatibility; with ``False``
    every sample is half a cell off, which matters on small feature maps (Detectron2
    uses ``True``). ``sampling_ratio=2`` takes 2×2 samples per bin, as the paper does.
    float16/bfloat16 features are sampled in float32 and the result cast back (torchvision's
    autocast wrapper does the same; its CPU kernel has no bfloat16).

    >>> feats = torch.arange(16.0).reshape(1, 1, 4, 4)
    >>> roi_align(feats, [torch.tensor([[0.0, 0.0, 4.0, 4.0]])], output_size=1)
    tensor([[[[7.5000]]]])
    """
    rois, out, spatial_scale = _prepare(features, rois, output_size, spatial_scale)
    sampling_ratio = check_int(
        "sampling_ratio", sampling_ratio, minimum=-1,
        hint="samples per bin side; 0 or -1 let the kernel choose (ceil of the bin size)",
    )  # fmt: skip
    if not isinstance(aligned, bool):
        raise TypeError(f"aligned must be True or False, got {aligned!r}")
    dtype = features.dtype
    low = dtype in (torch.float16, torch.bfloat16)  # in float32, as torchvision's autocast
    features, rois = (features.float(), rois.float()) if low else (features, rois)
    if sampling_ratio > 0 and torch.is_grad_enabled() and features.requires_grad:
        pooled = _SeparableRoIAlign.apply(
            features, rois, out, spatial_scale, sampling_ratio, aligned
        )
    else:
        pooled = torchvision.ops.roi_align(
            features, rois, output_size=out, spatial_scale=spatial_scale,
            sampling_ratio=sampling_ratio, aligned=aligned,
        )  # fmt: skip
    return pooled.to(dtype)


def _axis_weights(
    start: Tensor, end: Tensor, bins: int, samples: int, size: int, aligned: bool
) -> Tensor:
    """``(R, bins, size)``: how much each feature row (or column) adds to each bin of each RoI.

    One axis of torchvision's RoI Align: a bin averages ``samples`` bilinear samples along the
    axis; a sample below −1 or beyond ``size`` is 0, one in [−1, 0] is clamped to 0, one past
    the last row takes the last row. Both axes together give the bin's weight of a cell as the
    product of its row's and its column's weight: the sampling is separable.
    """
    length = end - start
    if not aligned:  # torchvision's legacy rule: a RoI spans at least one cell
        length = length.clamp(min=1.0)
    step = length / bins
    at = torch.arange(bins, dtype=start.dtype, device=start.device)
    offset = (torch.arange(samples, dtype=start.dtype, device=start.device) + 0.5) / samples
    y = start[:, None, None] + (at[None, :, None] + offset[None, None, :]) * step[:, None, None]
    inside = ((y >= -1.0) & (y <= size)).to(y.dtype) / samples
    y = y.clamp(min=0)
    low = y.floor()
    top = low >= size - 1  # the last row (or past it): all weight on the last row
    low = low.clamp(max=size - 1)
    frac = torch.where(top, torch.zeros_like(y), y - low)
    weights = torch.zeros(len(start), bins, size, dtype=y.dtype, device=y.device)
    weights.scatter_add_(2, low.long(), (1 - frac) * inside)
    weights.scatter_add_(2, (low + 1).clamp(max=size - 1).long(), frac * inside)
    return weights


class _SeparableRoIAlign(torch.autograd.Function):
    """torchvision's RoI Align forward; its backward as two matrix products.

    A pooled value is ``Σ_y Σ_x Wy[p, y] · F[y, x] · Wx[q, x]`` (:func:`_axis_weights`), so
    the gradient of the feature map is ``Σ_RoIs Wyᵀ · dP · Wx``: one batched product along x,
    one product per image along y. torchvision's CPU kernel instead loops over every RoI,
    channel, bin and sample; this is the same sum in another order (equal to float rounding).
    ``make bench`` times both (``bench_detection``).
    """

    @staticmethod
    def forward(ctx, features, rois, output_size, spatial_scale, sampling_ratio, aligned):
        ctx.save_for_backward(rois)
        ctx.setup = (features.shape, output_size, spatial_scale, sampling_ratio, aligned)
        return torchvision.ops.roi_align(
            features, rois, output_size, spatial_scale, sampling_ratio, aligned
        )

    @staticmethod
    def backward(ctx, grad):
        (rois,) = ctx.saved_tensors
        (images, channels, height, width), (out_h, out_w), scale, samples, aligned = ctx.setup
        shift = 0.5 if aligned else 0.0
        r = rois.to(grad.dtype)
        wy = _axis_weights(r[:, 2] * scale - shift, r[:, 4] * scale - shift, out_h, samples,
                           height, aligned)  # fmt: skip
        wx = _axis_weights(r[:, 1] * scale - shift, r[:, 3] * scale - shift, out_w, samples,
                           width, aligned)  # fmt: skip
        count = len(rois)
        # along x: U[r, p, c, x] = Σ_q dP[r, c, p, q] · Wx[r, q, x]
        rows = grad.permute(0, 2, 1, 3).reshape(count, out_h * channels, out_w)
        along_x = torch.bmm(rows, wx).reshape(count, out_h, channels * width)
        # along y, per image: dF[y, (c, x)] = Σ_{r, p} Wy[r, p, y] · U[r, p, (c, x)]
        result = grad.new_zeros(images, height, channels * width)
        batch = rois[:, 0].long()
        for image in batch.unique().tolist():
            mine = (batch == image).nonzero().flatten()
            result[image] = wy[mine].reshape(-1, height).T @ along_x[mine].reshape(
                -1, channels * width
            )
        result = result.view(images, height, channels, width).permute(0, 2, 1, 3)
        return result.contiguous(), None, None, None, None, None
