"""Checkers for notebook 01 (from dense to convolution)."""

from __future__ import annotations

import random
from collections.abc import Callable

import torch
import torch.nn.functional as F

from course_utils.conv_math import conv_params, linear_params
from course_utils.exercises import M, Verdict, call_answer, check_seed, report
from course_utils.i18n import define

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


define(
    {
        # exercise 1
        "01.conv_where": (
            "a {image} image, {kernel} kernel, stride {stride}",
            "{image} 이미지, {kernel} 커널, 스트라이드 {stride}",
        ),
        "01.conv_not_2d": (
            "return an H_out×W_out tensor (2-D); got {dim}-D",
            "H_out×W_out 텐서(2차원)를 반환하라 (지금은 {dim}차원)",
        ),
        "01.conv_swapped": (
            "for {where} rows and columns are swapped",
            "{where}에서 행과 열이 뒤바뀌었다",
        ),
        "01.conv_shape": (
            "for {where} your output has shape {shape}, which is not "
            "((H − F)/S + 1) × ((W − F)/S + 1): check where the window stops and how far it jumps",
            "{where}에서 출력의 모양이 {shape}인데, 이는 ((H − F)/S + 1) × ((W − F)/S + 1)이 "
            "아니다: 창이 어디서 멈추고 얼마씩 건너뛰는지 확인하라",
        ),
        "01.conv_flipped": (
            "you flipped the kernel (the textbook convolution); PyTorch's conv2d, like every "
            "deep-learning framework, slides the kernel as it is (a cross-correlation)",
            "커널을 뒤집었다(교과서의 합성곱): PyTorch의 conv2d는 다른 모든 딥러닝 프레임워크처럼 "
            "커널을 뒤집지 않고 그대로 민다(교차 상관)",
        ),
        "01.conv_values": (
            "wrong values for {where}: is every window the F×F block at (i·S, j·S)?",
            "{where}에서 값이 틀렸다: 각 창이 (i·S, j·S)에서 시작하는 F×F 블록인가?",
        ),
        "01.conv_ok": (
            "equals F.conv2d on five images, kernels and strides",
            "이미지, 커널, 스트라이드 다섯 가지 조합에서 F.conv2d와 같다",
        ),
        # exercise 2
        "01.counts_not_a_pair": (
            "return a pair (dense, conv) of two integers",
            "정수 두 개의 쌍 (dense, conv)을 반환하라",
        ),
        "01.counts_where": (
            "a {shape} input, {c_out} output channels, kernel {kernel}",
            "{shape} 입력, 출력 채널 {c_out}개, 커널 {kernel}",
        ),
        "01.dense_wrong": (
            "the dense count is off for {where} ({hint})",
            "{where}에서 완전 연결층의 파라미터 수(dense)가 틀렸다 ({hint})",
        ),
        "01.dense_bias": (
            "the dense layer has one bias per output unit",
            "완전 연결층은 출력 유닛마다 편향이 하나 있다",
        ),
        "01.dense_pixels": (
            "a dense layer connects every input value to every output value, not pixel by pixel",
            "완전 연결층은 픽셀별로가 아니라 모든 입력값을 모든 출력값에 연결한다",
        ),
        "01.dense_other": (
            "a dense layer has (inputs + 1) × outputs weights: what are its inputs and outputs here?",
            "완전 연결층에는 (입력 수 + 1) × 출력 수만큼의 가중치가 있다: "
            "여기서 입력과 출력은 각각 무엇인가?",
        ),
        "01.conv_count_wrong": (
            "the conv count is off for {where} ({hint})",
            "{where}에서 합성곱 층의 파라미터 수(conv)가 틀렸다 ({hint})",
        ),
        "01.conv_count_positions": (
            "the filter is shared by every position: do not multiply by H·W",
            "필터는 모든 위치가 함께 쓴다: H·W를 곱하지 마라",
        ),
        "01.conv_count_bias": ("each output channel has a bias", "출력 채널마다 편향이 하나 있다"),
        "01.conv_count_channels": (
            "each filter spans all input channels",
            "각 필터는 모든 입력 채널에 걸쳐 있다",
        ),
        "01.conv_count_other": (
            "how many values does one filter span, and how many filters are there?",
            "필터 하나는 값 몇 개에 걸치고, 필터는 몇 개 있는가?",
        ),
        "01.counts_ok": (
            "both counts agree with conv_math on four layers",
            "층 네 개에서 두 개수 모두 conv_math와 일치한다",
        ),
        # exercise 3
        "01.edge_not_a_tensor": (
            "return a 3×3 tensor, not {type}",
            "3×3 텐서를 반환하라 (지금은 {type})",
        ),
        "01.edge_shape": (
            "the kernel must be 3×3; got shape {shape}",
            "커널은 3×3이어야 한다 (지금 모양은 {shape})",
        ),
        "01.edge_zero": (
            "the kernel is all zeros (or not finite): it responds to nothing",
            "커널이 모두 0이다(또는 유한하지 않다): 아무것에도 반응하지 않는다",
        ),
        "01.edge_flat": (
            "it responds to a flat region: an edge detector's weights sum to 0",
            "평탄한 영역에 반응한다: 에지 검출기의 가중치는 합이 0이어야 한다",
        ),
        "01.edge_vertical": (
            "it responds to a vertical edge (dark left, bright right): each column of weights "
            "must cancel out on its own",
            "수직 에지(왼쪽 어둡고 오른쪽 밝음)에 반응한다: 가중치의 각 열이 스스로 상쇄되어야 한다",
        ),
        "01.edge_weak": (
            "it hardly responds to a horizontal edge: weight the rows differently",
            "수평 에지에 거의 반응하지 않는다: 행마다 가중치를 다르게 주어라",
        ),
        "01.edge_ok": (
            "silent on flat regions and vertical edges, strong on horizontal ones",
            "평탄한 영역과 수직 에지에는 반응하지 않고, 수평 에지에는 강하게 반응한다",
        ),
        # exercise 4
        "01.matrix_where": (
            "a {kernel} kernel on a {image} image",
            "{image} 이미지 위의 {kernel} 커널",
        ),
        "01.matrix_shape": (
            "for {where} your matrix has shape {shape}: it needs one row per output pixel and one "
            "column per input pixel",
            "{where}에서 행렬의 모양이 {shape|이다}: 출력 픽셀마다 행 하나, 입력 픽셀마다 열 "
            "하나가 있어야 한다",
        ),
        "01.matrix_transposed": (
            "your matrix is the transpose of the right one, which is also what a flipped kernel "
            "gives: use row = output pixel, column = input pixel, and slide the kernel as it is "
            "(no flip)",
            "행렬이 올바른 행렬의 전치이고, 이는 커널을 뒤집었을 때 나오는 행렬이기도 하다: "
            "행 = 출력 픽셀, 열 = 입력 픽셀로 두고, 커널은 뒤집지 말고 그대로 밀어라",
        ),
        "01.matrix_wrapped": (
            "weights that fall outside the image must be dropped (zero padding), not wrapped "
            "around to the other side",
            "이미지 밖으로 나가는 가중치는 반대편으로 돌려 붙이지 말고 버려야 한다 (제로 패딩)",
        ),
        "01.matrix_entries": (
            "wrong entries for {where}: which input pixels does output (i, j) see?",
            "{where}에서 원소가 틀렸다: 출력 (i, j)는 어느 입력 픽셀을 보는가?",
        ),
        "01.matrix_ok": (
            "reproduces the convolution for 3×3 and 5×5 kernels",
            "3×3과 5×5 커널에서 합성곱을 재현한다",
        ),
    }
)


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
            return report(False, M("not_a_tensor", type=type(got).__name__))
        where = M("01.conv_where", image=f"{h}×{w}", kernel=f"{f}×{f}", stride=stride)
        got = got.detach().to(torch.float64)
        if got.dim() != 2:
            return report(False, M("01.conv_not_2d", dim=got.dim()))
        if got.T.shape == expected.shape and torch.allclose(got.T, expected, atol=1e-8):
            if got.shape != expected.shape or not torch.allclose(got, expected, atol=1e-8):
                return report(False, M("01.conv_swapped", where=where))
        if got.shape != expected.shape:
            return report(False, M("01.conv_shape", where=where, shape=str(tuple(got.shape))))
        if torch.allclose(got, expected, atol=1e-8):
            continue
        flipped = F.conv2d(image[None, None], kernel.flip(0, 1)[None, None], stride=stride)[0, 0]
        if torch.allclose(got, flipped, atol=1e-8):
            return report(False, M("01.conv_flipped"))
        return report(False, M("01.conv_values", where=where))
    return report(True, M("01.conv_ok"))


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
            return report(False, M("01.counts_not_a_pair"))
        got_dense, got_conv = got
        where = M("01.counts_where", shape=f"{c_in}×{h}×{w}", c_out=c_out, kernel=k)
        if got_dense != dense:
            if got_dense == c_in * h * w * c_out * h * w:
                hint = M("01.dense_bias")
            elif got_dense == linear_params(c_in, c_out) * h * w:
                hint = M("01.dense_pixels")
            else:
                hint = M("01.dense_other")
            return report(False, M("01.dense_wrong", where=where, hint=hint))
        if got_conv != conv:
            if got_conv == conv * h * w:
                hint = M("01.conv_count_positions")
            elif got_conv == k * k * c_in * c_out:
                hint = M("01.conv_count_bias")
            elif got_conv == (k * k + 1) * c_out:
                hint = M("01.conv_count_channels")
            else:
                hint = M("01.conv_count_other")
            return report(False, M("01.conv_count_wrong", where=where, hint=hint))
    return report(True, M("01.counts_ok"))


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
            return report(False, M("01.edge_not_a_tensor", type=type(kernel).__name__))
    if tuple(kernel.shape) != (3, 3):
        return report(False, M("01.edge_shape", shape=str(tuple(kernel.shape))))
    kernel = kernel.detach().to(torch.float64)
    scale = kernel.abs().max().item()
    if not scale > 0 or not torch.isfinite(kernel).all():
        return report(False, M("01.edge_zero"))
    size = 12
    flat = torch.full((size, size), 0.7, dtype=torch.float64)
    vertical = torch.zeros(size, size, dtype=torch.float64)
    vertical[:, size // 2 :] = 1.0
    horizontal = vertical.T.contiguous()
    tol = 1e-6 * scale
    if _respond(kernel, flat).abs().max() > tol:
        return report(False, M("01.edge_flat"))
    if _respond(kernel, vertical).abs().max() > tol:
        return report(False, M("01.edge_vertical"))
    if _respond(kernel, horizontal).abs().max() < 0.5 * scale:
        return report(False, M("01.edge_weak"))
    return report(True, M("01.edge_ok"))


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
            return report(False, M("not_a_tensor", type=type(got).__name__))
        got = got.detach().to(torch.float64)
        where = M("01.matrix_where", kernel=f"{f}×{f}", image=f"{size}×{size}")
        if got.shape != expected.shape:
            return report(False, M("01.matrix_shape", where=where, shape=str(tuple(got.shape))))
        if torch.allclose(got, expected, atol=1e-8):
            continue
        if torch.allclose(got.T, expected, atol=1e-8):
            # for zero padding the transposed matrix is exactly the flipped kernel's matrix
            return report(False, M("01.matrix_transposed"))
        if torch.allclose(got, _conv_matrix_circular(kernel, size), atol=1e-8):
            return report(False, M("01.matrix_wrapped"))
        return report(False, M("01.matrix_entries", where=where))
    return report(True, M("01.matrix_ok"))
