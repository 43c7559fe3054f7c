"""Reference solutions of the exercises, for a student who is stuck (and for the tests).

Each solution is stored once, as the code a student would type into the exercise cell, with
a short explanation. :func:`solution` prints it; :func:`reference` runs that code and returns
the function (or value) it defines, which the tests hand to the exercise's checker.

>>> from course_utils.exercises import solution
>>> solution("02.3")  # doctest: +ELLIPSIS
Exercise 02.3 — reference solution (check it with check_same_padding)
...

Keys are ``"NN.k"``: notebook NN, exercise k of its Exercises cell (``"2.3"`` works too).
Open exercises (no checker) have no code solution: the exercise cell states what a student
should observe, and :func:`solution` says so.
"""

from __future__ import annotations

import importlib
import os
import re
from dataclasses import dataclass
from typing import Any

from course_utils.i18n import language

__all__ = ["Solution", "SOLUTIONS", "OPEN", "solution", "reference", "checker_for", "graded"]

#: set to 1 (a graded assignment's setup cell does) and solution() and reference() say no
GRADED_VARIABLE = "COURSE_GRADED"


def graded() -> bool:
    """True in graded mode: ``COURSE_GRADED`` set to 1 / true / yes in the environment."""
    return os.environ.get(GRADED_VARIABLE, "").strip().lower() in {"1", "true", "yes"}


@dataclass(frozen=True)
class Solution:
    key: str  # "NN.k"
    checker: str  # the checker's name in course_utils.exercises.nbNN
    name: str  # the function (or variable) the code defines and the checker takes
    code: str  # what the student would write in the exercise cell
    explain: str  # why it is right, in a few sentences (English)
    explain_ko: str  # the same in Korean (COURSE_LANG=ko)


def _s(key: str, checker: str, name: str, code: str, explain: str, explain_ko: str) -> Solution:
    return Solution(key, checker, name, code.strip("\n") + "\n", explain, explain_ko)


_ALL = [
    # ------------------------------------------------------------------ 00
    _s(
        "00.1",
        "check_mse_gradient",
        "mse_gradient",
        """
def mse_gradient(w, X, y):
    residual = X @ w - y  # (N,)
    return 2 * X.T @ residual / len(y)  # (d,)
""",
        "d/dw mean((Xw − y)²) = (2/N) · Xᵀ(Xw − y): the 2 comes from the square, the 1/N "
        "from the mean, Xᵀ from the chain rule through Xw.",
        "mean((Xw − y)²)를 w로 미분하면 (2/N) · Xᵀ(Xw − y)이다. 2는 제곱에서, 1/N은 평균에서, "
        "Xᵀ는 Xw를 거치는 연쇄 법칙에서 나온다.",
    ),
    _s(
        "00.2",
        "check_conv_flops",
        "conv_flops",
        """
def conv_flops(batch, c_in, c_out, h_out, w_out, kernel):
    macs = batch * c_out * h_out * w_out * c_in * kernel * kernel
    return 2 * macs  # one multiply and one add per MAC
""",
        "Each output value (batch × c_out × h_out × w_out of them) is a sum of "
        "c_in × kernel × kernel products: that many multiply-accumulates, 2 FLOPs each.",
        "출력값 하나(모두 batch × c_out × h_out × w_out개)는 c_in × kernel × kernel개의 곱의 "
        "합이다. 그만큼의 곱셈-누산 연산이 있고, 하나가 부동소수점 연산 2개다.",
    ),
    _s(
        "00.3",
        "check_training_step",
        "training_step",
        """
import torch.nn.functional as F


def training_step(model, optimizer, x, y):
    optimizer.zero_grad()  # clear the gradients of the previous step
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()
""",
        "zero_grad first (backward adds to .grad), then forward, loss, backward, step; "
        ".item() turns the loss into a Python float.",
        "먼저 zero_grad (backward는 .grad에 더한다), 그다음 순전파, 손실, backward, step. "
        ".item()이 손실을 파이썬 float로 바꾼다.",
    ),
    # ------------------------------------------------------------------ 01
    _s(
        "01.1",
        "check_conv2d_single",
        "conv2d_single",
        """
import torch


def conv2d_single(image, kernel, stride=1):
    f = kernel.shape[0]
    h_out = (image.shape[0] - f) // stride + 1
    w_out = (image.shape[1] - f) // stride + 1
    out = torch.zeros(h_out, w_out, dtype=image.dtype)
    for i in range(h_out):
        for j in range(w_out):
            window = image[i * stride : i * stride + f, j * stride : j * stride + f]
            out[i, j] = (window * kernel).sum()
    return out
""",
        "Slide the F×F window by `stride`, multiply it element-wise with the kernel (no flip: "
        "F.conv2d is a cross-correlation) and sum; (H − F) // stride + 1 windows fit per axis.",
        "F×F 창을 stride만큼 옮기며 커널과 원소별로 곱해 더한다 (뒤집지 않는다: F.conv2d는 "
        "교차상관이다). 축마다 (H − F) // stride + 1개의 창이 들어간다.",
    ),
    _s(
        "01.2",
        "check_param_counts",
        "param_counts",
        """
def param_counts(height, width, c_in, c_out, kernel):
    inputs, outputs = c_in * height * width, c_out * height * width
    dense = (inputs + 1) * outputs  # every output sees every input, plus a bias
    conv = (kernel * kernel * c_in + 1) * c_out  # one filter per output channel, shared
    return dense, conv
""",
        "The dense layer has a weight per (input, output) pair and a bias per output; the "
        "convolution shares its c_out filters over all positions, so H and W drop out.",
        "완전 연결층은 (입력, 출력) 쌍마다 가중치 하나, 출력마다 편향 하나를 가진다. 합성곱은 "
        "c_out개의 필터를 모든 위치에서 공유하므로 H와 W가 식에서 빠진다.",
    ),
    _s(
        "01.3",
        "check_horizontal_edge_kernel",
        "horizontal_edge_kernel",
        """
import torch


def horizontal_edge_kernel():
    # Sobel y: the rows differ (top −, bottom +), the columns are alike
    return torch.tensor([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]])
""",
        "Sobel x turned by 90°: its weights sum to 0 (silent on flat regions) and each column "
        "sums to 0 across a vertical edge, while rows of different weight respond to a change "
        "from top to bottom.",
        "Sobel x를 90° 돌린 것이다. 가중치의 합이 0이라 평탄한 영역에서 조용하고, 수직 에지에서는 "
        "상쇄되지만, 가중치가 다른 행들이 위아래의 변화에 반응한다.",
    ),
    _s(
        "01.4",
        "check_conv_as_matrix",
        "conv_as_matrix",
        """
import torch


def conv_as_matrix(kernel, size):
    f = kernel.shape[0]
    m = torch.zeros(size * size, size * size, dtype=kernel.dtype)
    for i in range(size):  # output pixel (i, j) is row i * size + j
        for j in range(size):
            for u in range(f):
                for v in range(f):
                    r, c = i + u - f // 2, j + v - f // 2  # the input pixel weight (u, v) sees
                    if 0 <= r < size and 0 <= c < size:  # outside: zero padding, no entry
                        m[i * size + j, r * size + c] += kernel[u, v]
    return m
""",
        "Row i·size + j holds the weights that output pixel (i, j) applies: kernel[u, v] lands "
        "in the column of input pixel (i + u − F//2, j + v − F//2); pixels in the padding get "
        "no entry. The matrix is mostly zeros, and every row repeats the same weights.",
        "i·size + j번째 행에는 출력 화소 (i, j)가 쓰는 가중치가 들어간다. kernel[u, v]는 입력 "
        "화소 (i + u − F//2, j + v − F//2)의 열에 놓이고, 패딩에 해당하는 화소는 빠진다. 행렬은 "
        "대부분 0이고, 모든 행이 같은 가중치를 되풀이한다.",
    ),
    # ------------------------------------------------------------------ 02
    _s(
        "02.1",
        "check_dilated_output_size",
        "dilated_output_size",
        """
def dilated_output_size(W, F, P, S, D):
    span = D * (F - 1) + 1  # the dilated kernel covers this many pixels
    return (W + 2 * P - span) // S + 1
""",
        "A dilated kernel spans D·(F − 1) + 1 pixels; padding adds P on both sides; the "
        "division by the stride rounds down, as nn.Conv2d does.",
        "팽창된 커널은 D·(F − 1) + 1 화소에 걸친다. 패딩은 양쪽에 P씩 더해지고, 스트라이드로 "
        "나눈 값은 nn.Conv2d처럼 내림한다.",
    ),
    _s(
        "02.2",
        "check_grouped_params",
        "grouped_params",
        """
def grouped_params(C, K, F, groups):
    per_filter = F * F * C // groups + 1  # each filter sees C / groups channels, plus a bias
    return per_filter * K  # all K filters still exist
""",
        "Groups split the input channels, not the filters: each of the K filters has "
        "F·F·C/groups weights and one bias.",
        "그룹은 필터가 아니라 입력 채널을 나눈다. K개의 필터 각각이 F·F·C/groups개의 가중치와 "
        "편향 하나를 가진다.",
    ),
    _s(
        "02.3",
        "check_same_padding",
        "same_padding",
        """
def same_padding(F, D):
    return D * (F - 1) // 2  # half of what the dilated kernel takes away
""",
        "With stride 1 the output is W + 2P − D·(F − 1); it equals W when 2P = D·(F − 1).",
        "스트라이드가 1이면 출력은 W + 2P − D·(F − 1)이다. 2P = D·(F − 1)일 때 W와 같다.",
    ),
    _s(
        "02.4",
        "check_receptive_field",
        "receptive_field_size",
        """
def receptive_field_size(layers):
    size, jump = 1, 1  # one output pixel; distance between neighbours, in input pixels
    for kernel, stride in layers:
        size += (kernel - 1) * jump  # this layer's kernel, spread by the strides before it
        jump *= stride
    return size
""",
        "Start from 1 pixel; each layer widens the field by (k − 1) times the product of the "
        "strides of the layers before it.",
        "1 화소에서 시작한다. 각 층은 수용 영역을 (k − 1) × (앞 층들의 스트라이드 곱)만큼 넓힌다.",
    ),
    # ------------------------------------------------------------------ 03
    _s(
        "03.1",
        "check_max_pool",
        "max_pool_vectorised",
        """
def max_pool_vectorised(x, kernel, stride):
    windows = x.unfold(2, kernel, stride).unfold(3, kernel, stride)  # N, C, H', W', k, k
    return windows.amax(dim=(-2, -1))
""",
        "Tensor.unfold(dim, size, step) cuts an axis into windows; unfolding height and then "
        "width gives every k×k window as the last two axes, and amax takes their maximum.",
        "Tensor.unfold(dim, size, step)는 한 축을 창으로 자른다. 높이, 그다음 너비를 펼치면 모든 "
        "k×k 창이 마지막 두 축에 놓이고, amax가 그 최댓값을 취한다.",
    ),
    _s(
        "03.2",
        "check_avg_pool_as_conv",
        "avg_pool_as_conv",
        """
import torch
import torch.nn.functional as F


def avg_pool_as_conv(x, kernel):
    c = x.shape[1]
    weight = torch.full((c, 1, kernel, kernel), 1.0 / kernel**2)  # a mean filter per channel
    return F.conv2d(x, weight, stride=kernel, groups=c)
""",
        "Average pooling is a convolution whose weights are 1/k², stride k, applied to each "
        "channel on its own (groups = channels).",
        "평균 풀링은 가중치가 1/k²이고 스트라이드가 k이며 채널마다 따로 적용되는 (groups = 채널 "
        "수) 합성곱이다.",
    ),
    _s(
        "03.3",
        "check_conv_stack_macs",
        "conv_stack_macs",
        """
def conv_stack_macs(in_channels, widths, size, pool):
    total, c = 0, in_channels
    for width in widths:
        total += size * size * width * 9 * c  # every output value: 3×3×c MACs
        c = width
        if pool:
            size //= 2  # the next layer runs on a quarter of the positions
    return total
""",
        "A 3×3 padding-1 convolution keeps the size: size² × width outputs of 9·c MACs each; a "
        "2×2 pool after it halves the side for the next layer.",
        "패딩 1인 3×3 합성곱은 크기를 유지한다: size² × width개의 출력이 각각 9·c번의 곱셈-누산 "
        "연산을 한다. 그 뒤의 2×2 풀링은 다음 층의 한 변을 절반으로 줄인다.",
    ),
    # ------------------------------------------------------------------ 04
    _s(
        "04.1",
        "check_dropout",
        "dropout",
        """
import torch


def dropout(x, p, training, generator):
    if not training or p == 0:
        return x.clone()
    keep = torch.rand(x.shape, generator=generator) >= p  # kept with probability 1 − p
    return x * keep / (1 - p)  # inverted dropout: the expectation stays x
""",
        "Keep each value with probability 1 − p and divide the kept ones by 1 − p, so the "
        "expected output is the input; evaluation returns the input unchanged.",
        "각 값을 확률 1 − p로 남기고 남은 값을 1 − p로 나누면 출력의 기댓값이 입력과 같다. 평가 "
        "모드에서는 입력을 그대로 돌려준다.",
    ),
    _s(
        "04.2",
        "check_conv_pool_side",
        "conv_pool_side",
        """
import math


def conv_pool_side(W, F, S, P, ceil_mode):
    conv = (W + 2 * P - F) // S + 1
    rounding = math.ceil if ceil_mode else math.floor
    return rounding((conv - 3) / 2) + 1  # the 3×3 / 2 max-pool
""",
        "Apply the output-size formula twice: once for the convolution (rounding down), once "
        "for the 3×3 stride-2 pool, rounding up when ceil_mode is set.",
        "출력 크기 공식을 두 번 쓴다: 합성곱에 한 번(내림), 3×3 스트라이드 2 풀링에 한 번 "
        "(ceil_mode이면 올림).",
    ),
    _s(
        "04.3",
        "check_dense_head_params",
        "dense_head_params",
        """
def dense_head_params(channels, side, hidden, num_classes):
    widths = [channels * side * side, *hidden, num_classes]  # flatten, hidden..., classes
    return sum((a + 1) * b for a, b in zip(widths, widths[1:]))  # weights + biases
""",
        "Flattening gives channels·side² inputs; each dense layer from a to b units has "
        "(a + 1)·b parameters with its bias.",
        "펼치면 입력이 channels·side²개다. a개에서 b개로 가는 완전 연결층은 편향을 포함해 "
        "(a + 1)·b개의 파라미터를 가진다.",
    ),
    # ------------------------------------------------------------------ 05
    _s(
        "05.1",
        "check_stack_for_field",
        "stack_for_field",
        """
def stack_for_field(field):
    if field < 3 or field % 2 == 0:
        raise ValueError(f"a stack of 3×3 layers sees 3, 5, 7, … pixels, not {field}")
    n_layers = (field - 1) // 2  # each stride-1 3×3 layer adds 2 pixels
    return n_layers, 9 * n_layers / field**2  # n·9·C² weights against field²·C²
""",
        "Each stride-1 3×3 layer widens the field by 2, so n = (field − 1)/2 layers; they hold "
        "n·9·C² weights against field²·C² for one big layer. Even fields and fields below 3 "
        "cannot be reached.",
        "스트라이드 1인 3×3 층은 수용 영역을 2씩 넓히므로 n = (field − 1)/2개의 층이 필요하다. "
        "이들의 가중치는 n·9·C²개로, 큰 층 하나의 field²·C²개와 비교된다. 짝수이거나 3보다 작은 "
        "영역은 만들 수 없다.",
    ),
    _s(
        "05.2",
        "check_compose_kernels",
        "compose_kernels",
        """
import torch.nn.functional as F


def compose_kernels(weights):
    kernel = weights[0]
    for w in weights[1:]:
        # conv2d(conv2d(x, a), b) = conv2d(x, a ⋆ b): correlate b's taps with a, spread by padding
        k = w.shape[-1]
        kernel = F.conv2d(kernel.transpose(0, 1), w.flip(-1, -2), padding=k - 1).transpose(0, 1)
    return kernel
""",
        "Without a ReLU the chain is linear, so it is one convolution: convolving the kernels "
        "with each other (flipped, with full padding) gives a kernel of side "
        "k₁ + k₂ − 1 with the first layer's input channels and the last one's outputs.",
        "ReLU가 없으면 연쇄는 선형이므로 합성곱 하나다. 커널끼리 (뒤집고 전체 패딩으로) 합성곱하면 "
        "한 변이 k₁ + k₂ − 1이고 입력 채널은 첫 층의, 출력 채널은 마지막 층의 것인 커널이 된다.",
    ),
    _s(
        "05.3",
        "check_vgg_params",
        "vgg_params",
        """
def vgg_params(cfg, num_classes, input_size, hidden, in_channels):
    total, c, side = 0, in_channels, input_size
    for v in cfg:
        if v == "M":
            side //= 2  # a 2×2 max pool: no parameters, half the side
            continue
        total += (9 * c + 1) * v  # a 3×3 convolution with bias
        c = v
    flat = c * side * side
    total += (flat + 1) * hidden + (hidden + 1) * hidden + (hidden + 1) * num_classes
    return total
""",
        "Walk the column: each convolution adds (9·C_in + 1)·C_out, each pool halves the side; "
        "the head flattens C·side² values into two hidden layers and the classifier.",
        "열을 따라가며 합성곱마다 (9·C_in + 1)·C_out을 더하고 풀링마다 한 변을 절반으로 줄인다. "
        "분류기는 C·side²개의 값을 펼쳐 은닉층 둘과 출력층으로 보낸다.",
    ),
    # ------------------------------------------------------------------ 06
    _s(
        "06.1",
        "check_inception_params",
        "inception_params",
        """
def inception_params(in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj):
    def conv(c_in, c_out, k):
        return (k * k * c_in + 1) * c_out  # weights + bias

    branch1 = conv(in_channels, ch1x1, 1)
    branch2 = conv(in_channels, ch3x3red, 1) + conv(ch3x3red, ch3x3, 3)  # reduce, then 3×3
    branch3 = conv(in_channels, ch5x5red, 1) + conv(ch5x5red, ch5x5, 5)  # reduce, then 5×5
    branch4 = conv(in_channels, pool_proj, 1)  # the max pool itself has no parameters
    return branch1 + branch2 + branch3 + branch4
""",
        "Four branches side by side: a 1×1; a 1×1 reduction then a 3×3; a 1×1 reduction then "
        "a 5×5; a max pool then a 1×1 projection. The 3×3 and 5×5 see the reduced channels.",
        "네 분기가 나란히 있다: 1×1, 1×1 축소 뒤 3×3, 1×1 축소 뒤 5×5, 최대 풀링 뒤 1×1 투영. "
        "3×3과 5×5는 축소된 채널을 입력으로 받는다.",
    ),
    _s(
        "06.2",
        "check_reduced_conv_macs",
        "reduced_conv_macs",
        """
def reduced_conv_macs(in_channels, reduce, out_channels, kernel, size):
    reduction = size * size * reduce * in_channels  # the 1×1 layer is not free
    conv = size * size * out_channels * kernel * kernel * reduce
    return reduction + conv
""",
        "Both layers keep the size×size map: the 1×1 costs in_channels MACs per reduced value, "
        "the k×k costs k²·reduce per output value.",
        "두 층 모두 size×size 맵을 유지한다. 1×1은 축소된 값 하나에 in_channels번, k×k는 출력값 "
        "하나에 k²·reduce번의 곱셈-누산 연산을 한다.",
    ),
    _s(
        "06.3",
        "check_auxiliary_loss",
        "auxiliary_loss",
        """
import torch
import torch.nn.functional as F


def auxiliary_loss(outputs, target, aux_weight=0.3):
    if isinstance(outputs, torch.Tensor):  # eval() mode: the plain logits
        return F.cross_entropy(outputs, target)
    loss = F.cross_entropy(outputs.logits, target)
    for aux in (outputs.aux1, outputs.aux2):
        if aux is not None:
            loss = loss + aux_weight * F.cross_entropy(aux, target)
    return loss
""",
        "In training the main cross-entropy plus aux_weight times each auxiliary head's; in "
        "evaluation the model returns plain logits and the loss is the main one alone.",
        "학습 모드에서는 주 분류기의 교차 엔트로피에 각 보조 분류기의 교차 엔트로피 × aux_weight를 "
        "더한다. 평가 모드에서는 모델이 로짓만 돌려주므로 주 손실만 남는다.",
    ),
    # ------------------------------------------------------------------ 07
    _s(
        "07.1",
        "check_residual_forward",
        "residual_forward",
        """
import torch.nn.functional as F


def residual_forward(block, x):
    out = F.relu(block.bn1(block.conv1(x)))
    out = block.bn2(block.conv2(out))
    return F.relu(out + x)  # add the shortcut first, then the last ReLU
""",
        "The residual F(x) = BN(conv(ReLU(BN(conv(x))))) is added to x, and the last ReLU "
        "comes after the addition.",
        "잔차 F(x) = BN(conv(ReLU(BN(conv(x)))))를 x에 더하고, 마지막 ReLU는 덧셈 뒤에 온다.",
    ),
    _s(
        "07.2",
        "check_zero_pad_shortcut",
        "zero_pad_shortcut",
        """
import torch


def zero_pad_shortcut(x, out_channels, stride):
    x = x[:, :, ::stride, ::stride]  # subsample: the map halves like the residual's
    zeros = x.new_zeros(x.shape[0], out_channels - x.shape[1], *x.shape[2:])
    return torch.cat([x, zeros], dim=1)  # the new channels are zeros: no parameters
""",
        "Option A subsamples the input by the stride and appends zero channels up to "
        "out_channels, so the shortcut has no parameters.",
        "옵션 A는 입력을 스트라이드만큼 건너뛰어 뽑고, out_channels까지 0인 채널을 덧붙인다. "
        "그래서 지름길에 파라미터가 없다.",
    ),
    _s(
        "07.3",
        "check_bottleneck_params",
        "bottleneck_params",
        """
def bottleneck_params(in_channels, planes):
    out = 4 * planes
    convs = in_channels * planes + 9 * planes * planes + planes * out  # no biases
    norms = 2 * (planes + planes + out)  # a weight and a bias per channel of each BN
    total = convs + norms
    if in_channels != out:  # the projection shortcut and its BN
        total += in_channels * out + 2 * out
    return total
""",
        "1×1 (in → planes), 3×3 (planes → planes), 1×1 (planes → 4·planes) without bias, a "
        "batch norm (2 parameters per channel) after each, and a projection only where the "
        "channels change.",
        "편향 없는 1×1 (in → planes), 3×3 (planes → planes), 1×1 (planes → 4·planes), 각각 "
        "뒤의 배치 정규화 (채널마다 파라미터 2개), 그리고 채널 수가 바뀔 때만 투영 지름길이 있다.",
    ),
    # ------------------------------------------------------------------ 08
    _s(
        "08.1",
        "check_iou_by_hand",
        "iou_answer",
        """
# A = (10, 10, 50, 40): 40 × 30 = 1200;  B = (30, 20, 70, 60): 40 × 40 = 1600
# overlap: x from 30 to 50, y from 20 to 40: 20 × 20 = 400
# union: 1200 + 1600 − 400 = 2400 (the overlap counted once)
iou_answer = 400 / 2400
""",
        "IoU = overlap / union; the union is the sum of the two areas minus the overlap, which "
        "both areas contain.",
        "IoU = 겹친 넓이 / 합집합 넓이. 합집합은 두 넓이의 합에서, 두 넓이에 모두 들어 있는 겹친 "
        "넓이를 한 번 뺀 것이다.",
    ),
    _s(
        "08.2",
        "check_xywh_to_cxcywh",
        "xywh_to_cxcywh",
        """
import torch


def xywh_to_cxcywh(boxes):
    x, y, w, h = boxes.unbind(-1)
    return torch.stack((x + w / 2, y + h / 2, w, h), dim=-1)
""",
        "The centre is the corner plus half the size; width and height stay. A new tensor is "
        "built, the input is not changed.",
        "중심은 모서리에 크기의 절반을 더한 것이고, 너비와 높이는 그대로다. 입력을 바꾸지 않고 새 "
        "텐서를 만든다.",
    ),
    _s(
        "08.3",
        "check_nms_kept",
        "kept",
        """
# by score: 4 is kept first and suppresses what overlaps it by IoU > 0.5; then 0, which
# suppresses 1; box 2 survives (only the already suppressed box 1 overlapped it); then 3
kept = [4, 0, 2, 3]
""",
        "Greedy NMS takes the highest-scoring box left, keeps it and removes the boxes that "
        "overlap it by more than the threshold; a suppressed box suppresses nothing.",
        "탐욕적 NMS는 남은 상자 중 점수가 가장 높은 것을 남기고, 그것과 임계값보다 많이 겹치는 "
        "상자를 지운다. 이미 억제된 상자는 아무것도 억제하지 않는다.",
    ),
    _s(
        "08.4",
        "check_average_precision",
        "ap_all_points",
        """
def ap_all_points(is_tp, num_gt):
    tp = fp = 0
    precision, recall = [], []
    for flag in is_tp:  # best first
        tp, fp = tp + flag, fp + (not flag)
        precision.append(tp / (tp + fp))
        recall.append(tp / num_gt)
    ap, previous = 0.0, 0.0
    for i, r in enumerate(recall):
        if r > previous:  # recall rises at each TP: one step of the curve
            ap += (r - previous) * max(precision[i:])  # the envelope, not the zig-zag
            previous = r
    return ap
""",
        "All-point AP sums each recall step times the envelope: the best precision reached at "
        "that recall or beyond.",
        "전 구간(all-point) AP는 재현율이 오르는 각 구간의 폭에 포락선 값(그 재현율 이상에서 "
        "도달한 최고 정밀도)을 곱해 더한다.",
    ),
    # ------------------------------------------------------------------ 09
    _s(
        "09.1",
        "check_regression_targets",
        "regression_targets",
        """
import torch


def regression_targets(proposals, gt_boxes):
    p_centre = (proposals[:, :2] + proposals[:, 2:]) / 2
    p_size = proposals[:, 2:] - proposals[:, :2]
    g_centre = (gt_boxes[:, :2] + gt_boxes[:, 2:]) / 2
    g_size = gt_boxes[:, 2:] - gt_boxes[:, :2]
    return torch.cat(((g_centre - p_centre) / p_size, torch.log(g_size / p_size)), dim=1)
""",
        "tx, ty: the centre shift in units of the proposal's width and height; tw, th: the log "
        "of the size ratio, so that the targets do not depend on the box's scale.",
        "tx, ty는 중심의 이동을 제안 영역의 너비와 높이 단위로 잰 것이고, tw, th는 크기 비의 "
        "로그다. 그래서 회귀 목표값이 상자의 크기에 의존하지 않는다.",
    ),
    _s(
        "09.2",
        "check_context_box",
        "context_box",
        """
import torch


def context_box(boxes, warp_size, context):
    centre = (boxes[:, :2] + boxes[:, 2:]) / 2
    size = boxes[:, 2:] - boxes[:, :2]
    # the box must fill warp_size − 2·context of the warp_size warped pixels
    half = size / 2 * warp_size / (warp_size - 2 * context)
    return torch.cat((centre - half, centre + half), dim=1)
""",
        "The context is counted in warped pixels: the box is grown about its centre by "
        "warp_size / (warp_size − 2·context), so that after warping it fills the central "
        "warp_size − 2·context pixels.",
        "문맥 영역은 워핑된 화소로 센다. 상자를 중심에 대해 warp_size / (warp_size − 2·context)배 "
        "키우면 워핑 뒤 가운데 warp_size − 2·context 화소를 채운다.",
    ),
    _s(
        "09.3",
        "check_proposal_labels",
        "proposal_labels",
        """
import torch

from course_utils.detection import box_iou


def proposal_labels(proposals, gt_boxes, gt_labels):
    labels = torch.zeros(len(proposals), dtype=torch.int64)  # background
    if len(gt_boxes):
        best_iou, best = box_iou(gt_boxes, proposals).max(dim=0)  # per proposal
        labels = torch.where(best_iou >= 0.5, gt_labels[best], labels)
    return labels
""",
        "For each proposal take the object it overlaps most; it gets that object's class if "
        "the IoU is at least 0.5, else the background class 0 (also when the image has no "
        "objects).",
        "제안 영역마다 가장 많이 겹치는 객체를 찾는다. 그 IoU가 0.5 이상이면 그 객체의 클래스를, "
        "아니면 배경 클래스 0을 받는다 (이미지에 객체가 없을 때도).",
    ),
    # ------------------------------------------------------------------ 10
    _s(
        "10.1",
        "check_roi_cells",
        "cells",
        """
# (21, 38, 90, 75) / 4 = (5.25, 9.5, 22.5, 18.75); RoI pooling rounds each to the nearest
# cell, halves away from zero (C's round): 5.25 → 5, 9.5 → 10, 22.5 → 23, 18.75 → 19
cells = (5, 10, 23, 19)
""",
        "Divide by the stride (spatial scale 1/4), then round to the nearest cell; a half "
        "rounds away from zero, as in C.",
        "스트라이드로 나누고 (공간 배율 1/4) 가장 가까운 셀로 반올림한다. 0.5는 C처럼 0에서 먼 "
        "쪽으로 반올림한다.",
    ),
    _s(
        "10.2",
        "check_roi_pool_one",
        "roi_pool_one",
        """
import math

import torch


def roi_pool_one(feature, box, output_size, spatial_scale):
    height, width = feature.shape
    scale = torch.tensor(spatial_scale)  # float32 arithmetic, as torchvision's kernel
    x1, y1, x2, y2 = (math.floor(float(v * scale) + 0.5) for v in box)  # C's round
    bin_w = torch.tensor(max(x2 - x1 + 1, 1), dtype=torch.float32) / output_size
    bin_h = torch.tensor(max(y2 - y1 + 1, 1), dtype=torch.float32) / output_size
    out = torch.zeros(output_size, output_size)
    for i in range(output_size):
        h0 = min(max(int(torch.floor(i * bin_h)) + y1, 0), height)
        h1 = min(max(int(torch.ceil((i + 1) * bin_h)) + y1, 0), height)
        for j in range(output_size):
            w0 = min(max(int(torch.floor(j * bin_w)) + x1, 0), width)
            w1 = min(max(int(torch.ceil((j + 1) * bin_w)) + x1, 0), width)
            if h1 > h0 and w1 > w0:  # an empty bin stays 0
                out[i, j] = feature[h0:h1, w0:w1].max()
    return out
""",
        "Round the scaled box to cells (its last cell included: + 1), split it into "
        "output_size bins (floor of the start, ceil of the end, clipped to the map), take "
        "each bin's maximum; an empty bin gives 0.",
        "배율을 곱한 상자를 셀로 반올림하고 (마지막 셀 포함: + 1), output_size개의 빈으로 나눈다 "
        "(시작은 내림, 끝은 올림, 맵 안으로 자름). 각 빈의 최댓값을 취하고, 빈 구간은 0이 된다.",
    ),
    _s(
        "10.3",
        "check_multitask_loss",
        "multitask_loss",
        """
import torch
import torch.nn.functional as F


def multitask_loss(class_logits, box_deltas, labels, targets):
    classification = F.cross_entropy(class_logits, labels)
    fg = torch.where(labels > 0)[0]  # object regions only
    deltas = box_deltas.reshape(len(labels), -1, 4)[fg, labels[fg]]  # the true class's deltas
    box = F.smooth_l1_loss(deltas, targets[fg], beta=1 / 9, reduction="sum") / len(labels)
    return classification + box
""",
        "Mean cross-entropy over all regions plus the smooth L1 of the true class's four "
        "deltas, summed over object regions and divided by the number of all regions.",
        "모든 영역에 대한 평균 교차 엔트로피에, 객체 영역에서 정답 클래스의 변위 네 개에 대한 "
        "스무스 L1 손실의 합을 전체 영역 수로 나눈 값을 더한다.",
    ),
    # ------------------------------------------------------------------ 11
    _s(
        "11.1",
        "check_cell_anchors",
        "cell_anchors",
        """
import math

import torch


def cell_anchors(sizes, ratios):
    rows = []
    for r in ratios:  # ratio-major
        for s in sizes:
            h, w = s * math.sqrt(r), s / math.sqrt(r)  # h / w = r, h · w = s²
            rows.append([-w / 2, -h / 2, w / 2, h / 2])
    return torch.tensor(rows).round()
""",
        "For area s² and height/width = r, h = s·√r and w = s/√r; the anchor is centred on "
        "(0, 0) and its corners are rounded.",
        "넓이 s², 높이/너비 = r이면 h = s·√r, w = s/√r이다. 앵커는 (0, 0)을 중심으로 놓이고 "
        "모서리는 반올림한다.",
    ),
    _s(
        "11.2",
        "check_label_anchors",
        "label_anchors",
        """
import torch

from course_utils.detection import box_iou


def label_anchors(anchors, gt_boxes):
    labels = torch.zeros(len(anchors))  # background
    if len(gt_boxes) == 0:
        return labels
    iou = box_iou(gt_boxes, anchors)  # objects × anchors
    best = iou.max(dim=0).values  # each anchor's best object
    labels[(best >= 0.3) & (best < 0.7)] = -1  # ignored
    labels[best >= 0.7] = 1
    # low-quality rule: each object's best anchor(s) are positive, whatever their IoU
    labels[(iou == iou.max(dim=1, keepdim=True).values).any(dim=0)] = 1
    return labels
""",
        "IoU ≥ 0.7 with some object: positive; below 0.3 with all: background; in between: "
        "ignored. Then each object's best anchor becomes positive, so that no object is left "
        "without one.",
        "어떤 객체와 IoU ≥ 0.7이면 양성, 모든 객체와 0.3 미만이면 배경, 그 사이는 무시한다. "
        "그다음 각 객체의 최고 앵커를 양성으로 만들어 앵커 없는 객체가 없게 한다.",
    ),
    _s(
        "11.3",
        "check_recall_at_k",
        "recall_at_k",
        """
from course_utils.detection import box_iou


def recall_at_k(proposals, gt_boxes, k, iou):
    found = total = 0
    for props, gts in zip(proposals, gt_boxes):  # one image at a time
        total += len(gts)
        if len(gts) and len(props[:k]):
            best = box_iou(gts, props[:k]).max(dim=1).values  # each object's best proposal
            found += int((best >= iou).sum())
    return found / total  # over all objects of all images
""",
        "Per image, an object is found when one of the image's first k proposals overlaps it "
        "by at least `iou`; recall is the found objects over all objects.",
        "이미지마다, 그 이미지의 처음 k개 제안 영역 중 하나가 객체와 iou 이상 겹치면 찾은 것이다. "
        "재현율은 찾은 객체 수 / 전체 객체 수다.",
    ),
    # ------------------------------------------------------------------ 12
    _s(
        "12.1",
        "check_mask_target",
        "mask_target",
        """
import torch.nn.functional as F


def mask_target(mask, box, size):
    x1, y1, x2, y2 = box.round().int().tolist()  # whole pixels are close enough
    crop = mask[y1:y2, x1:x2].float()[None, None]  # (1, 1, h, w): what interpolate takes
    return F.interpolate(crop, size=(size, size), mode="bilinear", align_corners=False)[0, 0]
""",
        "Crop the object's mask to the proposal (rows are y, columns x), then resize the crop "
        "to size × size; bilinear resizing gives soft values at the outline. The kit's "
        "mask_targets does the same with RoI Align at the exact (fractional) box.",
        "물체의 마스크를 제안 상자로 잘라 내고(행이 y, 열이 x), 잘라 낸 것을 size × size로 "
        "크기를 바꾼다. 쌍선형 보간이라 윤곽에서 값이 부드럽다. 키트의 mask_targets는 같은 일을 "
        "정확한(소수) 상자에서 RoI Align으로 한다.",
    ),
    _s(
        "12.2",
        "check_mask_iou",
        "mask_iou_by_hand",
        """
import torch


def mask_iou_by_hand(masks1, masks2):
    a = masks1.flatten(1).float()  # (N, H·W) of 0/1
    b = masks2.flatten(1).float()  # (M, H·W)
    inter = a @ b.T  # shared pixels of every pair, in one product
    union = a.sum(1)[:, None] + b.sum(1)[None, :] - inter
    return torch.where(union > 0, inter / union.clamp(min=1), torch.zeros_like(inter))
""",
        "Flattened 0/1 masks make the intersection a dot product, so one matrix product "
        "gives all pairs; the union counts the shared pixels once. Where both masks are "
        "empty the union is 0: return 0 there instead of 0/0.",
        "0/1 마스크를 펼치면 교집합이 내적이 되어 행렬 곱 한 번으로 모든 쌍을 구한다. 합집합은 "
        "겹치는 픽셀을 한 번만 센다. 두 마스크가 모두 비어 있으면 합집합이 0이므로 0/0 대신 "
        "0을 돌려준다.",
    ),
]

SOLUTIONS: dict[str, Solution] = {s.key: s for s in _ALL}

# exercises without a checker: their cell in the notebook says what to expect
OPEN: frozenset[str] = frozenset(
    {"00.4", "03.4", "04.4", "05.4", "06.4", "07.4", "08.5", "09.4", "10.4", "11.4", "12.3"}
)

_KEY = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\s*$")


def _key(exercise: object) -> str:
    """``"08.2"`` from ``"08.2"`` or ``"8.2"``; a ValueError that lists the keys otherwise."""
    match = _KEY.match(exercise) if isinstance(exercise, str) else None
    key = f"{int(match[1]):02d}.{int(match[2])}" if match else None
    if key not in SOLUTIONS and key not in OPEN:
        known = ", ".join(sorted(SOLUTIONS))
        raise ValueError(
            f"exercise must be 'NN.k' (notebook NN, exercise k) with a solution, one of: "
            f"{known} (open, no code answer: {', '.join(sorted(OPEN))}); got {exercise!r}"
        )
    return key


def solution(exercise: str) -> None:
    """Print the reference solution of ``exercise`` ("NN.k"): code and a short explanation.

    >>> solution("02.3")  # doctest: +ELLIPSIS
    Exercise 02.3 — reference solution (check it with check_same_padding)
    <BLANKLINE>
    def same_padding(F, D):
    ...
    """
    key = _key(exercise)
    korean = language() == "ko"
    if graded():
        print(
            f"연습 {key}: 채점되는 과제에서는 참고 답안을 볼 수 없다. 채점기의 힌트를 따라 "
            "고쳐 보라."
            if korean
            else f"Exercise {key}: reference solutions are not shown in a graded assignment. "
            "Follow the checker's hint."
        )
        return
    if key in OPEN:
        print(
            f"연습 {key}는 열린 문제다: 정해진 코드 답이 없다. 기대되는 결과는 노트북의 연습 "
            "문제 셀에 있다."
            if korean
            else f"Exercise {key} is open: it has no single code answer. The exercise cell in "
            "the notebook says what you should observe."
        )
        return
    s = SOLUTIONS[key]
    if korean:
        head = f"연습 {key} — 참고 답안 ({s.checker}로 확인해 보라)"
        print(f"{head}\n\n{s.code}\n왜: {s.explain_ko}")
    else:
        head = f"Exercise {key} — reference solution (check it with {s.checker})"
        print(f"{head}\n\n{s.code}\nWhy: {s.explain}")


def reference(exercise: str) -> Any:
    """The function (or value) the reference solution of ``exercise`` defines, ready to check."""
    key = _key(exercise)
    if graded():
        raise PermissionError(
            f"reference solutions are off in graded mode ({GRADED_VARIABLE}=1); got {exercise!r}"
        )
    if key in OPEN:
        raise ValueError(f"exercise {exercise!r} is open: it has no reference solution to run")
    s = SOLUTIONS[key]
    namespace: dict[str, Any] = {}
    exec(compile(s.code, f"<solution {s.key}>", "exec"), namespace)  # noqa: S102 - our own text
    return namespace[s.name]


def checker_for(exercise: str) -> Any:
    """The checker of ``exercise``: ``course_utils.exercises.nbNN.<check_…>``."""
    key = _key(exercise)
    if key in OPEN:
        raise ValueError(f"exercise {exercise!r} is open: it has no checker")
    module = importlib.import_module(f"course_utils.exercises.nb{key[:2]}")
    return getattr(module, SOLUTIONS[key].checker)
