"""The checkers of notebook 01 accept correct answers and explain wrong ones without the answer."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from course_utils.conv_math import conv_params, linear_params
from course_utils.exercises import Verdict
from course_utils.exercises.nb01 import (
    check_conv2d_single,
    check_conv_as_matrix,
    check_horizontal_edge_kernel,
    check_param_counts,
)
from course_utils.exercises.solutions import reference

# ----------------------------------------------------------------------------- exercise 1


conv_loops = reference("01.1")  # the one reference solution


def conv_unfold(image, kernel, stride):
    f = kernel.shape[0]
    h_out = (image.shape[0] - f) // stride + 1
    cols = F.unfold(image[None, None], f, stride=stride)[0]  # (F·F) × L
    return (kernel.reshape(1, -1) @ cols).reshape(h_out, -1)


@pytest.mark.parametrize("answer", [conv_loops, conv_unfold])
def test_conv_correct(answer):
    verdict = check_conv2d_single(answer)
    assert isinstance(verdict, Verdict) and verdict, repr(verdict)
    assert repr(verdict).startswith("✅")


def test_conv_float32_answer_is_accepted():
    assert check_conv2d_single(lambda im, k, s: conv_loops(im.float(), k.float(), s))


def test_conv_flipped_kernel_is_named():
    verdict = check_conv2d_single(lambda im, k, s: conv_loops(im, k.flip(0, 1), s))
    assert not verdict and "flipped" in verdict.message


def test_conv_ignoring_stride_gives_a_shape_hint():
    verdict = check_conv2d_single(lambda im, k, s: conv_loops(im, k, 1))
    assert not verdict and "shape" in verdict.message
    assert "(4, 3)" not in verdict.message  # the expected shape itself is not given away


def test_conv_swapped_axes_is_named():
    verdict = check_conv2d_single(lambda im, k, s: conv_loops(im, k, s).T)
    assert not verdict and "swapped" in verdict.message


def test_conv_off_by_one_window_and_misuse():
    def off_by_one(image, kernel, stride):  # windows start one pixel late: wrong values
        f = kernel.shape[0]
        h_out = (image.shape[0] - f) // stride + 1
        w_out = (image.shape[1] - f) // stride + 1
        padded = F.pad(image, (0, 1, 0, 1))
        return conv_loops(padded[1:, 1:], kernel, stride)[:h_out, :w_out]

    verdict = check_conv2d_single(off_by_one)
    assert not verdict and "wrong values" in verdict.message
    assert not check_conv2d_single(lambda im, k, s: conv_loops(im, k, s)[None])
    assert not check_conv2d_single(lambda im, k, s: conv_loops(im, k, s).tolist())


def test_conv_placeholder_and_crash_do_not_raise():
    def placeholder(image, kernel, stride):
        raise NotImplementedError

    verdict = check_conv2d_single(placeholder)
    assert not verdict and "NotImplementedError" in verdict.message
    verdict = check_conv2d_single(lambda im, k, s: im @ torch.ones(3, 3))
    assert not verdict and "raised" in verdict.message
    with pytest.raises(TypeError):
        check_conv2d_single(conv_loops(torch.ones(3, 3), torch.ones(1, 1), 1))


# ----------------------------------------------------------------------------- exercise 2


counts_right = reference("01.2")  # the one reference solution


def test_counts_correct():
    verdict = check_param_counts(counts_right)
    assert verdict and repr(verdict).startswith("✅")
    assert check_param_counts(
        lambda h, w, ci, co, k: (linear_params(ci * h * w, co * h * w), conv_params(ci, co, k))
    )


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda h, w, ci, co, k: (ci * h * w * co * h * w, (k * k * ci + 1) * co), "bias"),
        (lambda h, w, ci, co, k: ((ci + 1) * co * h * w, (k * k * ci + 1) * co), "every input"),
        (
            lambda h, w, ci, co, k: (
                counts_right(h, w, ci, co, k)[0],
                (k * k * ci + 1) * co * h * w,
            ),
            "shared",
        ),
        (lambda h, w, ci, co, k: (counts_right(h, w, ci, co, k)[0], k * k * ci * co), "bias"),
        (
            lambda h, w, ci, co, k: (counts_right(h, w, ci, co, k)[0], (k * k + 1) * co),
            "input channels",
        ),
        (lambda h, w, ci, co, k: counts_right(h, w, ci, co, k)[::-1], "dense count"),
    ],
)
def test_counts_wrong_answers_get_hints_without_the_numbers(wrong, hint):
    verdict = check_param_counts(wrong)
    assert not verdict and hint in verdict.message
    for h, w, ci, co, k in ((8, 8, 1, 16, 3), (32, 32, 3, 64, 3)):
        for number in counts_right(h, w, ci, co, k):
            assert str(number) not in verdict.message and f"{number:,}" not in verdict.message


def test_counts_wrong_type():
    verdict = check_param_counts(lambda *args: 42)
    assert not verdict and "pair" in verdict.message


# ----------------------------------------------------------------------------- exercise 3


def test_edge_kernel_correct_answers():
    sobel_y = torch.tensor([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]])
    assert check_horizontal_edge_kernel(lambda: sobel_y)
    assert check_horizontal_edge_kernel(lambda: -sobel_y)  # dark-to-bright or bright-to-dark
    prewitt = [[1, 1, 1], [0, 0, 0], [-1, -1, -1]]  # a list is fine too
    assert check_horizontal_edge_kernel(lambda: prewitt)
    assert check_horizontal_edge_kernel(lambda: torch.tensor([[0.0, 0, 0], [0, -1, 0], [0, 1, 0]]))


@pytest.mark.parametrize(
    ("kernel", "hint"),
    [
        ([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], "vertical edge"),  # Sobel x
        ([[1 / 9] * 3] * 3, "flat region"),  # box blur
        ([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], "flat region"),  # sharpen
        ([[0, -1, 0], [-1, 4, -1], [0, -1, 0]], "vertical edge"),  # Laplacian: all directions
        ([[1, -1, 0], [-1, 1, 0], [0, 0, 0]], "hardly responds"),  # a checker pattern detector
        ([[0, 0, 0], [0, 0, 0], [0, 0, 0]], "zeros"),
        ([[1, 0], [0, -1]], "3×3"),
    ],
)
def test_edge_kernel_wrong_answers(kernel, hint):
    verdict = check_horizontal_edge_kernel(lambda: torch.tensor(kernel, dtype=torch.float32))
    assert not verdict and hint in verdict.message


def test_edge_kernel_placeholder_and_wrong_type():
    def placeholder():
        raise NotImplementedError

    assert not check_horizontal_edge_kernel(placeholder)
    verdict = check_horizontal_edge_kernel(lambda: "sobel")
    assert not verdict and "3×3 tensor" in verdict.message


# ----------------------------------------------------------------------------- exercise 4


def matrix_by_placing(kernel, size, wrap=False, flip=False):
    """The conv's dense matrix built by placing each weight (the intended loop solution)."""
    f = kernel.shape[0]
    if flip:
        kernel = kernel.flip(0, 1)
    m = torch.zeros(size * size, size * size, dtype=kernel.dtype)
    for i in range(size):
        for j in range(size):
            for u in range(f):
                for v in range(f):
                    r, c = i + u - f // 2, j + v - f // 2
                    if wrap:
                        r, c = r % size, c % size
                    elif not (0 <= r < size and 0 <= c < size):
                        continue
                    m[i * size + j, r * size + c] += kernel[u, v]
    return m


def matrix_by_probing(kernel, size):
    f = kernel.shape[0]
    basis = torch.eye(size * size, dtype=kernel.dtype).reshape(-1, 1, size, size)
    return F.conv2d(basis, kernel[None, None], padding=f // 2).reshape(size * size, -1).T


@pytest.mark.parametrize("answer", [matrix_by_placing, matrix_by_probing])
def test_conv_matrix_correct(answer):
    verdict = check_conv_as_matrix(answer)
    assert verdict and repr(verdict).startswith("✅"), repr(verdict)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda k, n: matrix_by_placing(k, n).T, "transpose"),
        (lambda k, n: matrix_by_placing(k, n, flip=True), "flipped kernel"),
        (lambda k, n: matrix_by_placing(k, n, wrap=True), "wrapped"),
        (lambda k, n: matrix_by_placing(k, n)[:, :-1], "one row per output pixel"),
        (lambda k, n: 2 * matrix_by_placing(k, n), "wrong entries"),
        (lambda k, n: matrix_by_placing(k, n).tolist(), "return a tensor"),
    ],
)
def test_conv_matrix_wrong_answers(wrong, hint):
    verdict = check_conv_as_matrix(wrong)
    assert not verdict and hint in verdict.message


def test_conv_matrix_placeholder():
    def placeholder(kernel, size):
        raise NotImplementedError

    verdict = check_conv_as_matrix(placeholder)
    assert not verdict and "NotImplementedError" in verdict.message
