"""Checkers for notebook 01 (from dense to convolution)."""

from __future__ import annotations

import random
from collections.abc import Callable

import torch
import torch.nn.functional as F

from course_utils.conv_math import conv_params, linear_params
from course_utils.exercises import Verdict, call_answer, check_seed, report

__all__ = [
    "check_conv2d_single",
    "check_param_counts",
    "check_horizontal_edge_kernel",
    "check_conv_as_matrix",
    "TYPICAL_MISTAKES",
]

# One usual wrong answer per exercise, as a student would type it (the tests check that each
# checker rejects it, on the notebook's cases and on hidden seeded ones).
TYPICAL_MISTAKES: dict[str, str] = {
    # the kernel flipped (the textbook convolution, not PyTorch's cross-correlation)
    "01.1": """
import torch


def conv2d_single(image, kernel, stride=1):
    f = kernel.shape[0]
    kernel = kernel.flip(0, 1)
    h_out = (image.shape[0] - f) // stride + 1
    w_out = (image.shape[1] - f) // stride + 1
    out = torch.zeros(h_out, w_out, dtype=image.dtype)
    for i in range(h_out):
        for j in range(w_out):
            window = image[i * stride : i * stride + f, j * stride : j * stride + f]
            out[i, j] = (window * kernel).sum()
    return out
""",
    # one filter per position: the shared convolution counted H·W times
    "01.2": """
def param_counts(height, width, c_in, c_out, kernel):
    inputs, outputs = c_in * height * width, c_out * height * width
    dense = (inputs + 1) * outputs
    conv = (kernel * kernel * c_in + 1) * c_out * height * width
    return dense, conv
""",
    # Sobel x, the vertical-edge detector (the notebook's starter code)
    "01.3": """
import torch


def horizontal_edge_kernel():
    return torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
""",
    # rows and columns swapped: one row per input pixel instead of per output pixel
    "01.4": """
import torch


def conv_as_matrix(kernel, size):
    f = kernel.shape[0]
    m = torch.zeros(size * size, size * size, dtype=kernel.dtype)
    for i in range(size):
        for j in range(size):
            for u in range(f):
                for v in range(f):
                    r, c = i + u - f // 2, j + v - f // 2
                    if 0 <= r < size and 0 <= c < size:
                        m[r * size + c, i * size + j] += kernel[u, v]
    return m
""",
}


def _conv_cases(seed: int) -> list[tuple[int, int, int, int]]:
    """Five random valid (H, W, F, stride): F ≤ H, W; the first with F ≥ 2, stride ≥ 2 and a
    non-square output, so a flipped kernel, an ignored stride and swapped axes all show."""
    draw = random.Random(seed)
    cases = []
    while len(cases) < 5:
        f = draw.randint(2, 5) if not cases else draw.randint(1, 5)
        stride = draw.randint(2, 3) if not cases else draw.randint(1, 3)
        h, w = draw.randint(f, 14), draw.randint(f, 14)
        if not cases and (h - f) // stride == (w - f) // stride:
            continue
        cases.append((h, w, f, stride))
    return cases


def check_conv2d_single(
    conv_fn: Callable[[torch.Tensor, torch.Tensor, int], torch.Tensor],
    *,
    seed: int | None = None,
) -> Verdict:
    """Exercise 1: ``conv_fn(image, kernel, stride)`` is PyTorch's 2-D convolution of one image.

    ``image`` is H×W, ``kernel`` F×F; no padding; the result is H_out×W_out and must equal
    ``F.conv2d`` (a cross-correlation: the kernel is not flipped).
    ``seed``: None for the notebook's five cases, an int ≥ 0 for five random ones (hidden tests).
    """
    if check_seed(seed) is None:
        g = torch.Generator().manual_seed(11)
        cases = ((6, 6, 3, 1), (9, 7, 3, 2), (10, 12, 5, 1), (11, 8, 2, 3), (5, 5, 1, 1))
    else:
        g = torch.Generator().manual_seed(seed)
        cases = _conv_cases(seed)
    for h, w, f, stride in cases:
        image = torch.randn(h, w, generator=g, dtype=torch.float64)
        kernel = torch.randn(f, f, generator=g, dtype=torch.float64)
        expected = F.conv2d(image[None, None], kernel[None, None], stride=stride)[0, 0]
        ok, got = call_answer(conv_fn, image.clone(), kernel.clone(), stride)
        if not ok:
            return report(False, got)
        if not isinstance(got, torch.Tensor):
            return report(False, f"return a tensor, not {type(got).__name__}")
        where = f"a {h}×{w} image, {f}×{f} kernel, stride {stride}"
        got = got.detach().to(torch.float64)
        if got.dim() != 2:
            return report(False, f"return an H_out×W_out tensor (2-D); got {got.dim()}-D")
        if got.T.shape == expected.shape and torch.allclose(got.T, expected, atol=1e-8):
            if got.shape != expected.shape or not torch.allclose(got, expected, atol=1e-8):
                return report(False, f"for {where} rows and columns are swapped")
        if got.shape != expected.shape:
            return report(
                False,
                f"for {where} your output has shape {tuple(got.shape)}, which is not "
                "((H − F)/S + 1) × ((W − F)/S + 1): check where the window stops and how far it jumps",
            )
        if torch.allclose(got, expected, atol=1e-8):
            continue
        flipped = F.conv2d(image[None, None], kernel.flip(0, 1)[None, None], stride=stride)[0, 0]
        if torch.allclose(got, flipped, atol=1e-8):
            return report(
                False,
                "you flipped the kernel (the textbook convolution); PyTorch's conv2d, like every "
                "deep-learning framework, slides the kernel as it is (a cross-correlation)",
            )
        return report(
            False, f"wrong values for {where}: is every window the F×F block at (i·S, j·S)?"
        )
    return report(True, "equals F.conv2d on five images, kernels and strides")


def check_param_counts(
    counts_fn: Callable[[int, int, int, int, int], tuple[int, int]],
    *,
    seed: int | None = None,
) -> Verdict:
    """Exercise 2: ``counts_fn(height, width, c_in, c_out, kernel)`` returns ``(dense, conv)``.

    ``dense``: parameters of a fully connected layer from the whole C_in×H×W input to the whole
    C_out×H×W output; ``conv``: parameters of a kernel×kernel convolution C_in → C_out with
    padding that keeps H×W. Both with biases (one per output unit / per output channel).
    ``seed``: None for the notebook's four layers, an int ≥ 0 for four random ones (hidden tests).
    """
    if check_seed(seed) is None:
        cases = ((8, 8, 1, 16, 3), (32, 32, 3, 64, 3), (5, 7, 2, 3, 5), (1, 1, 4, 4, 1))
    else:  # H, W ≥ 2 so that a count multiplied by H·W shows; odd kernels (padding keeps H×W)
        draw = random.Random(seed)
        cases = tuple(
            (
                draw.randint(2, 32),
                draw.randint(2, 32),
                draw.randint(1, 8),
                draw.randint(2, 64),
                draw.choice((1, 3, 5, 7)),
            )
            for _ in range(4)
        )
    for h, w, c_in, c_out, k in cases:
        dense = linear_params(c_in * h * w, c_out * h * w)
        conv = conv_params(c_in, c_out, k)
        ok, got = call_answer(counts_fn, h, w, c_in, c_out, k)
        if not ok:
            return report(False, got)
        if not (isinstance(got, (tuple, list)) and len(got) == 2):
            return report(False, "return a pair (dense, conv) of two integers")
        got_dense, got_conv = got
        where = f"for a {c_in}×{h}×{w} input, {c_out} output channels, kernel {k}"
        if got_dense != dense:
            if got_dense == c_in * h * w * c_out * h * w:
                hint = "the dense layer has one bias per output unit"
            elif got_dense == linear_params(c_in, c_out) * h * w:
                hint = "a dense layer connects every input value to every output value, not pixel by pixel"
            else:
                hint = "a dense layer has (inputs + 1) × outputs weights: what are its inputs and outputs here?"
            return report(False, f"the dense count is off {where} ({hint})")
        if got_conv != conv:
            if got_conv == conv * h * w:
                hint = "the filter is shared by every position: do not multiply by H·W"
            elif got_conv == k * k * c_in * c_out:
                hint = "each output channel has a bias"
            elif got_conv == (k * k + 1) * c_out:
                hint = "each filter spans all input channels"
            else:
                hint = "how many values does one filter span, and how many filters are there?"
            return report(False, f"the conv count is off {where} ({hint})")
    return report(True, "both counts agree with conv_math on four layers")


def _respond(kernel: torch.Tensor, image: torch.Tensor) -> torch.Tensor:
    return F.conv2d(image[None, None], kernel[None, None].to(image.dtype))[0, 0]


def check_horizontal_edge_kernel(kernel_fn: Callable[[], torch.Tensor]) -> Verdict:
    """Exercise 3: ``kernel_fn()`` returns a 3×3 kernel that detects horizontal edges.

    Requirements: zero response on a flat image, zero response on a vertical edge (left dark,
    right bright) and a clear response on a horizontal edge (top dark, bottom bright).
    """
    ok, kernel = call_answer(kernel_fn)
    if not ok:
        return report(False, kernel)
    if not isinstance(kernel, torch.Tensor):
        try:
            kernel = torch.as_tensor(kernel, dtype=torch.float64)
        except (TypeError, ValueError):
            return report(False, f"return a 3×3 tensor, not {type(kernel).__name__}")
    if tuple(kernel.shape) != (3, 3):
        return report(False, f"the kernel must be 3×3; got shape {tuple(kernel.shape)}")
    kernel = kernel.detach().to(torch.float64)
    scale = kernel.abs().max().item()
    if not scale > 0 or not torch.isfinite(kernel).all():
        return report(False, "the kernel is all zeros (or not finite): it responds to nothing")
    size = 12
    flat = torch.full((size, size), 0.7, dtype=torch.float64)
    vertical = torch.zeros(size, size, dtype=torch.float64)
    vertical[:, size // 2 :] = 1.0
    horizontal = vertical.T.contiguous()
    tol = 1e-6 * scale
    if _respond(kernel, flat).abs().max() > tol:
        return report(False, "it responds to a flat region: an edge detector's weights sum to 0")
    if _respond(kernel, vertical).abs().max() > tol:
        return report(
            False,
            "it responds to a vertical edge (dark left, bright right): "
            "each column of weights must cancel out on its own",
        )
    if _respond(kernel, horizontal).abs().max() < 0.5 * scale:
        return report(False, "it hardly responds to a horizontal edge: weight the rows differently")
    return report(True, "silent on flat regions and vertical edges, strong on horizontal ones")


def _conv_matrix_reference(kernel: torch.Tensor, size: int) -> torch.Tensor:
    """The dense matrix of a 'same' convolution, found by feeding one-hot images."""
    f = kernel.shape[0]
    one_hot = torch.eye(size * size, dtype=kernel.dtype).reshape(-1, 1, size, size)
    out = F.conv2d(one_hot, kernel[None, None], padding=f // 2)
    return out.reshape(size * size, size * size).T


def _conv_matrix_circular(kernel: torch.Tensor, size: int) -> torch.Tensor:
    f = kernel.shape[0]
    one_hot = torch.eye(size * size, dtype=kernel.dtype).reshape(-1, 1, size, size)
    padded = F.pad(one_hot, (f // 2,) * 4, mode="circular")
    return F.conv2d(padded, kernel[None, None]).reshape(size * size, size * size).T


def check_conv_as_matrix(
    matrix_fn: Callable[[torch.Tensor, int], torch.Tensor],
    *,
    seed: int | None = None,
) -> Verdict:
    """Exercise 4: ``matrix_fn(kernel, size)`` is the dense matrix of a 'same' convolution.

    ``kernel`` is F×F with F odd, the image size×size, zero padding F // 2. The answer M has one
    row per output pixel and one column per input pixel (both in row-major order), so that
    ``M @ x.flatten()`` equals ``F.conv2d(x, kernel, padding=F // 2).flatten()``.
    ``seed``: None for the notebook's three cases, an int ≥ 0 for other sizes and kernels.
    """
    if check_seed(seed) is None:
        g = torch.Generator().manual_seed(5)
        cases: tuple[tuple[int, int], ...] = ((4, 3), (5, 3), (6, 5))
    else:  # still 3×3, 3×3 and 5×5 kernels, on other images
        g = torch.Generator().manual_seed(seed)
        draw = random.Random(seed)
        cases = ((draw.randint(3, 8), 3), (draw.randint(3, 8), 3), (draw.randint(5, 8), 5))
    for size, f in cases:
        kernel = torch.randn(f, f, generator=g, dtype=torch.float64)
        expected = _conv_matrix_reference(kernel, size)
        ok, got = call_answer(matrix_fn, kernel.clone(), size)
        if not ok:
            return report(False, got)
        if not isinstance(got, torch.Tensor):
            return report(False, f"return a tensor, not {type(got).__name__}")
        got = got.detach().to(torch.float64)
        where = f"a {f}×{f} kernel on a {size}×{size} image"
        if got.shape != expected.shape:
            return report(
                False,
                f"for {where} your matrix has shape {tuple(got.shape)}: it needs one row per "
                "output pixel and one column per input pixel",
            )
        if torch.allclose(got, expected, atol=1e-8):
            continue
        if torch.allclose(got.T, expected, atol=1e-8):
            # for zero padding the transposed matrix is exactly the flipped kernel's matrix
            return report(
                False,
                "your matrix is the transpose of the right one, which is also what a flipped "
                "kernel gives: use row = output pixel, column = input pixel, and slide the "
                "kernel as it is (no flip)",
            )
        if torch.allclose(got, _conv_matrix_circular(kernel, size), atol=1e-8):
            return report(
                False,
                "weights that fall outside the image must be dropped (zero padding), "
                "not wrapped around to the other side",
            )
        return report(
            False, f"wrong entries for {where}: which input pixels does output (i, j) see?"
        )
    return report(True, "reproduces the convolution for 3×3 and 5×5 kernels")
