"""Korean for the messages a student reads, when ``COURSE_LANG=ko`` (the Korean notebooks set it).

One small message catalogue in one place. :func:`tr` takes the English text the code already
produces and returns it in the current language: an exact entry of :data:`MESSAGES` first,
then the first matching pattern of :data:`PATTERNS` (whose captured parts are translated in
turn), else the English text unchanged — a message without a Korean entry still reads, in
English, never breaks.

>>> import os; os.environ["COURSE_LANG"] = "ko"
>>> tr("correct")
'정답'
>>> tr("return a tensor, not list")
'텐서를 반환해야 한다 (지금은 list)'
>>> tr("wrong for W=9, F=3, P=0, S=1, D=2 (count the window's first position too (the + 1))")
'W=9, F=3, P=0, S=1, D=2에서 틀렸다 (창의 첫 위치도 세어라 (+ 1))'
>>> tr("for k = 8, IoU 0.5, 5 images: you used all proposals: keep only each image's first k")
'k = 8, IoU 0.5, 이미지 5개에서: 제안 영역을 모두 썼다: 이미지마다 처음 k개만 남겨라'
>>> os.environ["COURSE_LANG"] = "en"; tr("correct")
'correct'

The language is read at each call, so setting ``os.environ["COURSE_LANG"]`` in a running
kernel takes effect at once.

Every message a checker of :mod:`course_utils.exercises` can give has an entry here (the test
``tests/test_checker_korean.py`` runs the checkers and reads their source to make sure).
Korean style: 해라체 ("…하라", "…이다"), the terms of ``i18n/terms.yml``; code, numbers,
shapes and formulas stay as they are, and no particle that depends on how a code word or a
number is read follows one (the sentence is turned instead, or the particle is one that
never changes, such as 에서, 의, 도).
"""

from __future__ import annotations

import os
import re

__all__ = ["language", "tr", "MESSAGES", "PATTERNS"]

LANGUAGES = ("en", "ko")


def language() -> str:
    """``"ko"`` when ``COURSE_LANG`` starts with ko (ko, ko_KR, ko-KR), else ``"en"``."""
    value = os.environ.get("COURSE_LANG", "en").strip().lower()
    return "ko" if value.startswith("ko") else "en"


# Whole messages (and the fixed words of Verdict), English → Korean.
MESSAGES: dict[str, str] = {
    "correct": "정답",
    "not yet": "아직 아님",
    "the function still raises NotImplementedError: replace it with your code": (
        "함수가 아직 NotImplementedError를 일으킨다: 여러분의 코드로 바꿔 넣어라"
    ),
    "your function changed its input in place; build a new tensor": (
        "함수가 입력을 제자리에서(in place) 바꿨다: 새 텐서를 만들어라"
    ),
    "the input tensor was changed in place; return a new tensor": (
        "입력 텐서가 제자리에서(in place) 바뀌었다: 새 텐서를 반환하라"
    ),
    "a scalar": "스칼라",
    # ---------------------------------------------------------------- 00 deep-learning programming
    "your hand derivative equals autograd's on three random problems": (
        "손으로 구한 도함수가 무작위 문제 세 개에서 자동 미분의 결과와 같다"
    ),
    "matches torch's FLOP counter on three layers": "층 세 개에서 torch의 FLOP 카운터와 일치한다",
    "the returned loss is not the cross-entropy before the step": (
        "반환한 손실이 이번 단계 전의 교차 엔트로피가 아니다"
    ),
    "the weights did not change: call optimizer.step()": (
        "가중치가 바뀌지 않았다: optimizer.step()을 호출하라"
    ),
    # (a hint the checker adds to "differs from autograd for N=…, d=…")
    " (off by a constant factor: check the 2 and the 1/N)": (
        " (상수배만큼 어긋난다: 2와 1/N을 확인하라)"
    ),
    "count a multiply-add as 2 FLOPs": "곱셈-덧셈 하나를 2 FLOP으로 세어라",
    "check each factor": "곱하는 인수를 하나씩 확인하라",
    # ---------------------------------------------------------------- 01 dense layers to convolution
    "equals F.conv2d on five images, kernels and strides": (
        "이미지, 커널, 스트라이드 다섯 가지 조합에서 F.conv2d와 같다"
    ),
    "you flipped the kernel (the textbook convolution); PyTorch's conv2d, like every "
    "deep-learning framework, slides the kernel as it is (a cross-correlation)": (
        "커널을 뒤집었다(교과서의 합성곱): PyTorch의 conv2d는 다른 모든 딥러닝 프레임워크처럼 "
        "커널을 뒤집지 않고 그대로 민다(교차 상관)"
    ),
    "return a pair (dense, conv) of two integers": "정수 두 개의 쌍 (dense, conv)를 반환하라",
    "the dense layer has one bias per output unit": "완전 연결층은 출력 유닛마다 편향이 하나 있다",
    "a dense layer connects every input value to every output value, not pixel by pixel": (
        "완전 연결층은 픽셀별로가 아니라 모든 입력값을 모든 출력값에 연결한다"
    ),
    "a dense layer has (inputs + 1) × outputs weights: what are its inputs and outputs here?": (
        "완전 연결층에는 (입력 수 + 1) × 출력 수만큼의 가중치가 있다: "
        "여기서 입력과 출력은 각각 무엇인가?"
    ),
    "the filter is shared by every position: do not multiply by H·W": (
        "필터는 모든 위치가 함께 쓴다: H·W를 곱하지 마라"
    ),
    "each output channel has a bias": "출력 채널마다 편향이 하나 있다",
    "each filter spans all input channels": "각 필터는 모든 입력 채널에 걸쳐 있다",
    "how many values does one filter span, and how many filters are there?": (
        "필터 하나는 값 몇 개에 걸치고, 필터는 몇 개 있는가?"
    ),
    "both counts agree with conv_math on four layers": "층 네 개에서 두 개수 모두 conv_math와 일치한다",
    "the kernel is all zeros (or not finite): it responds to nothing": (
        "커널이 모두 0이다(또는 유한하지 않다): 아무것에도 반응하지 않는다"
    ),
    "it responds to a flat region: an edge detector's weights sum to 0": (
        "평탄한 영역에 반응한다: 에지 검출기의 가중치는 합이 0이어야 한다"
    ),
    "it responds to a vertical edge (dark left, bright right): each column of weights "
    "must cancel out on its own": (
        "수직 에지(왼쪽 어둡고 오른쪽 밝음)에 반응한다: 가중치의 각 열이 스스로 상쇄되어야 한다"
    ),
    "it hardly responds to a horizontal edge: weight the rows differently": (
        "수평 에지에 거의 반응하지 않는다: 행마다 가중치를 다르게 주어라"
    ),
    "silent on flat regions and vertical edges, strong on horizontal ones": (
        "평탄한 영역과 수직 에지에는 반응하지 않고, 수평 에지에는 강하게 반응한다"
    ),
    "your matrix is the transpose of the right one, which is also what a flipped kernel "
    "gives: use row = output pixel, column = input pixel, and slide the kernel as it is "
    "(no flip)": (
        "행렬이 올바른 행렬의 전치이고, 이는 커널을 뒤집었을 때 나오는 행렬이기도 하다: "
        "행 = 출력 픽셀, 열 = 입력 픽셀로 두고, 커널은 뒤집지 말고 그대로 밀어라"
    ),
    "weights that fall outside the image must be dropped (zero padding), not wrapped "
    "around to the other side": (
        "이미지 밖으로 나가는 가중치는 반대편으로 돌려 붙이지 말고 버려야 한다 (제로 패딩)"
    ),
    "reproduces the convolution for 3×3 and 5×5 kernels": "3×3과 5×5 커널에서 합성곱을 재현한다",
    # ---------------------------------------------------------------- 02 convolution arithmetic
    "the division does not always come out whole: PyTorch rounds it down (use // or "
    "math.floor) and returns an int": (
        "나눗셈이 늘 나누어떨어지지는 않는다: PyTorch는 내림해서 (// 또는 math.floor를 써라) "
        "int를 반환한다"
    ),
    "with dilation D the kernel's taps spread over D·(F − 1) + 1 pixels": (
        "팽창 D에서는 커널의 탭이 D·(F − 1) + 1 픽셀에 걸쳐 퍼진다"
    ),
    "the padding is added on both sides of the input": "패딩은 입력의 양쪽에 더해진다",
    "count the window's first position too (the + 1)": "창의 첫 위치도 세어라 (+ 1)",
    "a window that would hang over the edge is dropped: round down, not up": (
        "가장자리 밖으로 삐져나가는 창은 버린다: 올림이 아니라 내림하라"
    ),
    "check each term of the formula": "공식의 항을 하나씩 확인하라",
    "equals nn.Conv2d's output size on 40 layers, dilated ones included": (
        "팽창 합성곱을 포함한 층 40개에서 nn.Conv2d의 출력 크기와 같다"
    ),
    "each of the K filters also has one bias": "K개의 필터마다 편향도 하나씩 있다",
    "with groups each filter sees only C/groups input channels, not all C": (
        "그룹이 있으면 각 필터는 입력 채널 C개 전부가 아니라 C/groups개만 본다"
    ),
    "groups splits the input channels each filter sees; all K filters still exist": (
        "groups는 각 필터가 보는 입력 채널을 나눌 뿐이다: K개의 필터는 모두 그대로 있다"
    ),
    "a filter spans all the input channels of its group, not one": (
        "필터 하나는 입력 채널 하나가 아니라 자기 그룹의 입력 채널 전부에 걸쳐 있다"
    ),
    "that is one filter; the layer has K of them": (
        "그것은 필터 하나의 파라미터 수다: 층에는 필터가 K개 있다"
    ),
    "check each factor: kernel area, channels per group, bias, number of filters": (
        "인수를 하나씩 확인하라: 커널 넓이, 그룹당 채널 수, 편향, 필터 수"
    ),
    "equals PyTorch's parameter count on 30 layers, AlexNet's split conv2 too": (
        "AlexNet의 나뉜 conv2를 포함한 층 30개에서 PyTorch의 파라미터 수와 같다"
    ),
    "padding goes on both sides, so each side needs half of what the kernel eats": (
        "패딩은 양쪽에 붙으므로 한쪽에는 커널이 줄이는 양의 절반만 있으면 된다"
    ),
    "with dilation D the kernel spans D·(F − 1) + 1 pixels": (
        "팽창 D에서는 커널이 D·(F − 1) + 1 픽셀에 걸친다"
    ),
    "too much padding: the output grows": "패딩이 너무 많다: 출력이 커진다",
    "too little padding: the output shrinks": "패딩이 너무 적다: 출력이 줄어든다",
    "after a stride-s layer, one step of the next layer moves s input pixels: scale each "
    "(k − 1) by the product of the strides before it": (
        "스트라이드 s인 층 뒤에서는 다음 층이 한 칸 움직일 때 입력에서 s 픽셀을 움직인다: "
        "각 (k − 1)에 그 앞 층들의 스트라이드를 모두 곱하라"
    ),
    "scale (k − 1) by the strides of the layers *before* it, not its own": (
        "(k − 1)에는 그 층 자신의 스트라이드가 아니라 *앞* 층들의 스트라이드를 곱하라"
    ),
    "neighbouring windows overlap: the field grows by adding, not multiplying": (
        "이웃한 창은 겹친다: 수용 영역은 곱해서가 아니라 더해서 커진다"
    ),
    "start from 1 pixel and grow it layer by layer": "1 픽셀에서 시작해 층마다 키워라",
    "right for fields 3 to 21, and impossible fields are refused": (
        "수용 영역 3부터 21까지 맞고, 불가능한 수용 영역은 거부한다"
    ),
    "equals conv_math.receptive_field on 20 stacks, AlexNet's included": (
        "AlexNet을 포함한 층 묶음 20개에서 conv_math.receptive_field와 같다"
    ),
    # ---------------------------------------------------------------- 03 pooling
    "keep the batch and channel axes: pooling acts on each channel on its own": (
        "배치 축과 채널 축을 유지하라: 풀링은 채널마다 따로 작동한다"
    ),
    "the stride is ignored: windows start every `stride` pixels": (
        "스트라이드가 무시되었다: 창은 `stride` 픽셀마다 시작한다"
    ),
    "each axis has (W − F)//S + 1 windows": "각 축에는 창이 (W − F)//S + 1개 있다",
    "that is average pooling: take the largest value of each window": (
        "그것은 평균 풀링이다: 각 창에서 가장 큰 값을 취하라"
    ),
    "negative windows come out as 0: start each maximum from the window's first value "
    "(or −inf), not from 0": (
        "음수뿐인 창이 0으로 나온다: 최댓값을 0이 아니라 창의 첫 값(또는 −inf)에서 시작하라"
    ),
    "equals F.max_pool2d on four inputs, overlapping windows included": (
        "겹치는 창을 포함한 입력 네 개에서 F.max_pool2d와 같다"
    ),
    "the windows overlap: use stride=k": "창이 겹친다: stride=k를 써라",
    "check stride (k) and padding (none)": "스트라이드(k)와 패딩(없음)을 확인하라",
    "these are window sums: each weight must be 1/(k·k)": (
        "이것은 창의 합이다: 가중치는 모두 1/(k·k)로 두어야 한다"
    ),
    "channels are mixed: use groups=C so each channel stays apart": (
        "채널이 섞였다: 채널마다 따로 계산되도록 groups=C를 써라"
    ),
    "your convolution equals F.avg_pool2d on three inputs": (
        "여러분의 합성곱이 입력 세 개에서 F.avg_pool2d와 같다"
    ),
    "that is FLOPs: one MAC is one multiply *and* its add, count it once": (
        "그것은 부동소수점 연산 수(FLOP)다: 곱셈-누산 연산(MAC) 하나는 곱셈 하나*와* 그 덧셈이니 "
        "한 번만 세어라"
    ),
    "the side must halve after every pool, so later layers see fewer pixels": (
        "풀링을 지날 때마다 한 변이 절반이 되어야 하므로, 뒤쪽 층은 더 적은 픽셀을 본다"
    ),
    "check where the side halves: a layer works on its own input's size": (
        "한 변이 절반이 되는 곳을 확인하라: 층은 자기 입력의 크기에서 계산한다"
    ),
    "per conv: out_channels × H_out × W_out × 3 × 3 × in_channels": (
        "합성곱마다: out_channels × H_out × W_out × 3 × 3 × in_channels"
    ),
    "matches layer_table on six stacks, with and without pooling": (
        "풀링이 있을 때와 없을 때, 층 묶음 여섯 개에서 layer_table과 일치한다"
    ),
    # ---------------------------------------------------------------- 04 AlexNet and ZFNet
    "in evaluation (training=False) the input must come back unchanged: inverted dropout "
    "does its scaling during training, so test time needs no correction": (
        "평가 모드(training=False)에서는 입력이 그대로 돌아와야 한다: 역 드롭아웃은 학습 중에 "
        "크기를 조정하므로 테스트 때는 보정할 것이 없다"
    ),
    "in evaluation (training=False) no value may be dropped or changed": (
        "평가 모드(training=False)에서는 어떤 값도 버리거나 바꾸면 안 된다"
    ),
    "with p = 0 nothing is dropped: the output must equal the input": (
        "p = 0이면 아무것도 버리지 않는다: 출력이 입력과 같아야 한다"
    ),
    "whole rows are dropped together: draw one independent coin per value (a mask with "
    "the same shape as x)": (
        "행 전체가 한꺼번에 버려진다: 값마다 독립적으로 동전을 하나씩 던져라 "
        "(x와 모양이 같은 마스크)"
    ),
    "the kept values are not rescaled: divide them by (1 − p) so the expected output "
    "equals the input (inverted dropout)": (
        "남긴 값의 크기가 조정되지 않았다: 출력의 기댓값이 입력과 같도록 (1 − p)로 나누어라 "
        "(역 드롭아웃)"
    ),
    "the kept values are multiplied by (1 − p): divide by it instead": (
        "남긴 값에 (1 − p)를 곱했다: 곱하지 말고 나누어라"
    ),
    "two calls with equally seeded generators gave different masks: draw the mask with the "
    "generator you are given, e.g. torch.rand(x.shape, generator=generator)": (
        "같은 시드의 생성기로 두 번 불렀는데 마스크가 달랐다: 주어진 생성기로 마스크를 뽑아라. "
        "예: torch.rand(x.shape, generator=generator)"
    ),
    "drop rate, rescaling, evaluation mode and reproducibility all check out": (
        "드롭 비율, 크기 조정, 평가 모드, 재현성이 모두 맞다"
    ),
    "that is the convolution's output only: the 3×3/2 max-pool comes after it": (
        "그것은 합성곱의 출력일 뿐이다: 그 뒤에 3×3/2 최대 풀링이 온다"
    ),
    "AlexNet's pools overlap: 3×3 windows at stride 2, not 2×2": (
        "AlexNet의 풀링은 겹친다: 2×2가 아니라 스트라이드 2의 3×3 창이다"
    ),
    "ceil_mode=True rounds the pool's (W − 3)/2 up (the last window may hang over the "
    "edge), ceil_mode=False rounds it down": (
        "ceil_mode=True는 풀링의 (W − 3)/2를 올림하고 (마지막 창이 가장자리 밖으로 삐져나가도 "
        "된다), ceil_mode=False는 내림한다"
    ),
    "the padding is missing: the convolution sees W + 2P pixels": (
        "패딩이 빠졌다: 합성곱은 W + 2P 픽셀을 본다"
    ),
    "conv: (W + 2P − F)//S + 1, then pool: (W' − 3)/2 + 1, rounded as ceil_mode says": (
        "합성곱: (W + 2P − F)//S + 1, 그다음 풀링: (W' − 3)/2 + 1 (ceil_mode에 따라 올림 또는 내림)"
    ),
    "the biases are missing: each output unit of a Linear layer has one": (
        "편향이 빠졌다: Linear 층의 출력 유닛마다 편향이 하나 있다"
    ),
    "the first layer sees every position: channels × side × side inputs": (
        "첫 층은 모든 위치를 본다: 입력은 channels × side × side개다"
    ),
    "the last layer (to num_classes) is missing": "마지막 층(num_classes로 가는 층)이 빠졌다",
    "per Linear layer: (inputs + 1) × outputs": "Linear 층마다: (입력 수 + 1) × 출력 수",
    "right for AlexNet's, ZFNet's, VGG's and three more heads": (
        "AlexNet, ZFNet, VGG의 헤드와 그 밖의 헤드 세 개에서 맞다"
    ),
    # ---------------------------------------------------------------- 05 VGG
    "one 3×3 layer already sees 3 pixels: count the layers, not the layers + 1": (
        "3×3 층 하나가 이미 3 픽셀을 본다: 층 수 + 1이 아니라 층 수를 세어라"
    ),
    "each stride-1 3×3 layer adds 2 pixels to the field (3 − 1), not 3": (
        "스트라이드 1인 3×3 층은 수용 영역에 3이 아니라 2 픽셀(3 − 1)을 더한다"
    ),
    "a stack of n stride-1 3×3 layers sees 2n + 1 pixels": (
        "스트라이드 1인 3×3 층 n개를 쌓으면 2n + 1 픽셀을 본다"
    ),
    "that is the single layer over the stack: divide the stack's weights by the single layer's": (
        "그것은 단일 층을 층 묶음으로 나눈 값이다: 층 묶음의 가중치 수를 단일 층의 가중치 수로 "
        "나누어라"
    ),
    "a k×k filter has k·k weights per pair of channels, not k": (
        "k×k 필터에는 채널 쌍마다 가중치가 k개가 아니라 k·k개 있다"
    ),
    "count the weights of every layer of the stack, not of one": (
        "층 하나가 아니라 층 묶음의 모든 층의 가중치를 세어라"
    ),
    "per layer, a C→C k×k convolution has k·k·C·C weights": (
        "층마다, C→C k×k 합성곱에는 가중치가 k·k·C·C개 있다"
    ),
    "every k×k layer widens the field by k − 1, so the kernel grows with each layer": (
        "k×k 층은 하나마다 수용 영역을 k − 1만큼 넓히므로, 커널은 층마다 커진다"
    ),
    "the kernel is (out channels, in channels, k, k): swap the first two axes": (
        "커널은 (출력 채널, 입력 채널, k, k)이다: 앞의 두 축을 맞바꿔라"
    ),
    "shape (out channels of the last layer, in channels of the first, k, k)": (
        "모양은 (마지막 층의 출력 채널, 첫 층의 입력 채널, k, k)"
    ),
    "one kernel equals the chain on four stacks, 5×5-then-3×3 included": (
        "5×5 다음 3×3인 경우를 포함한 층 묶음 네 개에서 커널 하나가 합성곱 사슬과 같다"
    ),
    "count one bias per output channel of each convolution and per unit of each dense "
    "layer": "편향을 세어라: 합성곱마다 출력 채널당 하나, 완전 연결층마다 유닛당 하나",
    "add the dense head: flatten → hidden → hidden → classes": (
        "완전 연결 헤드를 더하라: 평탄화 → hidden → hidden → num_classes"
    ),
    "the image side halves at every 'M', so the flattened map is smaller than the input": (
        "이미지의 한 변은 'M'마다 절반이 되므로, 평탄화하는 특징 맵은 입력보다 작다"
    ),
    "the head has two hidden dense layers before the output layer": (
        "헤드에는 출력층 앞에 은닉 완전 연결층이 두 개 있다"
    ),
    "per 3×3 conv: (9·C + 1)·K; per dense layer: (in + 1)·out": (
        "3×3 합성곱마다 (9·C + 1)·K, 완전 연결층마다 (입력 수 + 1)·출력 수"
    ),
    "equals the built models on four columns, VGG-11 and VGG-19 included": (
        "VGG-11과 VGG-19를 포함한 구성 네 개에서 실제로 만든 모델과 같다"
    ),
    # ---------------------------------------------------------------- 06 GoogLeNet
    "the biases are missing: each of the six convolutions has one bias per filter": (
        "편향이 빠졌다: 합성곱 여섯 개 모두 필터마다 편향이 하나 있다"
    ),
    "the two 1×1 reduce convolutions (ch3x3red, ch5x5red) have weights too": (
        "1×1 축소 합성곱 두 개(ch3x3red, ch5x5red)에도 가중치가 있다"
    ),
    "the 3×3 and 5×5 filters see the *reduced* channels (ch3x3red, ch5x5red), not all "
    "in_channels: that is the point of the 1×1 reduction": (
        "3×3과 5×5 필터는 in_channels 전부가 아니라 *축소된* 채널(ch3x3red, ch5x5red)을 본다: "
        "그것이 1×1 축소의 요점이다"
    ),
    "the max-pool has no weights, but the 1×1 projection after it (pool_proj) does": (
        "최대 풀링에는 가중치가 없지만, 그 뒤의 1×1 투영(pool_proj)에는 있다"
    ),
    "the third branch uses the paper's 5×5 filters here, not 3×3 (torchvision's)": (
        "여기서 세 번째 분기는 3×3(torchvision의 방식)이 아니라 논문의 5×5 필터를 쓴다"
    ),
    "add (F·F·C_in + 1)·K over the six convolutions, branch by branch": (
        "분기별로 합성곱 여섯 개의 (F·F·C_in + 1)·K를 더하라"
    ),
    "matches the parameter count of Inception(...) on three modules": (
        "모듈 세 개에서 Inception(...)의 파라미터 수와 일치한다"
    ),
    "the 1×1 reduce convolution costs MACs too: add them": (
        "1×1 축소 합성곱에도 곱셈-누산 연산(MAC)이 든다: 그것도 더하라"
    ),
    "the k×k filters read the reduce layer's channels, not in_channels": (
        "k×k 필터는 in_channels가 아니라 축소 층의 채널을 읽는다"
    ),
    "a k×k filter has k·k weights per input channel: square the kernel": (
        "k×k 필터에는 입력 채널마다 가중치가 k·k개 있다: 커널 크기를 제곱하라"
    ),
    "an output map has size × size positions: square the size": (
        "출력 맵에는 위치가 size × size개 있다: size를 제곱하라"
    ),
    "per convolution: out_channels × H_out × W_out × F × F × in_channels": (
        "합성곱마다: out_channels × H_out × W_out × F × F × in_channels"
    ),
    "matches layer_table on four reduce → k×k pairs": (
        "축소 → k×k 쌍 네 개에서 layer_table과 일치한다"
    ),
    "return the loss as a one-number tensor": "손실을 값이 하나인 텐서로 반환하라",
    "training-mode outputs": "학습 모드의 출력",
    "outputs whose aux2 is None": "aux2가 None인 출력",
    "a plain logits tensor (evaluation mode)": "일반 로짓 텐서(평가 모드)",
    "a plain tensor means evaluation mode: return its cross-entropy alone": (
        "일반 텐서는 평가 모드라는 뜻이다: 그 교차 엔트로피만 반환하라"
    ),
    "the auxiliary heads' losses are missing": "보조 헤드의 손실이 빠졌다",
    "use the aux_weight argument, not a fixed 0.3": "고정된 0.3이 아니라 인자 aux_weight를 써라",
    "the auxiliary losses are added without their weight": "보조 손실이 가중치 없이 더해졌다",
    "that is the mean of the three losses: weight only the auxiliary ones": (
        "그것은 세 손실의 평균이다: 가중치는 보조 손실에만 곱하라"
    ),
    "the weight belongs on the auxiliary losses, not on the main one": (
        "가중치는 주 손실이 아니라 보조 손실에 곱한다"
    ),
    "main cross-entropy + aux_weight × (each auxiliary cross-entropy)": (
        "주 교차 엔트로피 + aux_weight × (각 보조 교차 엔트로피)"
    ),
    "equals googlenet_loss with and without auxiliary heads": (
        "보조 헤드가 있을 때와 없을 때 모두 googlenet_loss와 같다"
    ),
    # ---------------------------------------------------------------- 07 ResNet
    "the shortcut is missing: add x to F(x) before the last ReLU": (
        "스킵 연결이 빠졌다: 마지막 ReLU 전에 F(x)에 x를 더하라"
    ),
    "the last ReLU is missing: the block outputs ReLU(F(x) + x)": (
        "마지막 ReLU가 빠졌다: 블록의 출력은 ReLU(F(x) + x)이다"
    ),
    "the ReLU comes before the addition here: add x first, then apply the ReLU": (
        "여기서는 ReLU가 덧셈보다 먼저 온다: x를 먼저 더한 뒤 ReLU를 적용하라"
    ),
    "the ReLU between the two convolutions is missing": "두 합성곱 사이의 ReLU가 빠졌다",
    "the batch norms are missing: each convolution is followed by its BN": (
        "배치 정규화가 빠졌다: 합성곱마다 뒤에 BN이 온다"
    ),
    "equals BasicBlock(x) on three inputs": "입력 세 개에서 BasicBlock(x)와 같다",
    "the map must shrink with the stride, as the block's strided convolution does": (
        "블록의 스트라이드 합성곱처럼 맵도 스트라이드에 맞춰 줄어야 한다"
    ),
    "put the input channels first and the zero channels after them": (
        "입력 채널을 앞에, 0으로 채운 채널을 그 뒤에 두어라"
    ),
    "that averages each window: option A just keeps every stride-th pixel": (
        "그것은 창마다 평균을 낸다: 옵션 A는 stride번째 픽셀마다 하나씩 남길 뿐이다"
    ),
    "the extra channels must be zeros (option A has no parameters)": (
        "추가 채널은 0이어야 한다 (옵션 A에는 파라미터가 없다)"
    ),
    "start at the first pixel (index 0), as a stride-2 conv does": (
        "스트라이드 2 합성곱처럼 첫 픽셀(인덱스 0)에서 시작하라"
    ),
    "equals the option A (zero-padding) shortcut on three inputs": (
        "입력 세 개에서 옵션 A(제로 패딩) 스킵 연결과 같다"
    ),
    "the batch norms have parameters too: γ and β, one each per channel": (
        "배치 정규화에도 파라미터가 있다: 채널마다 γ와 β가 하나씩"
    ),
    "the convolutions have no bias (the BN after each one has its own β)": (
        "합성곱에는 편향이 없다 (각 합성곱 뒤의 BN에 자체 β가 있다)"
    ),
    "the shape changes here, so the shortcut needs its 1×1 projection (+ BN)": (
        "여기서는 모양이 바뀌므로 스킵 연결에 1×1 투영(+ BN)이 필요하다"
    ),
    "in_channels = 4·planes here: the shortcut is the identity, no parameters": (
        "여기서는 in_channels = 4·planes이므로 스킵 연결은 항등 사상이고 파라미터가 없다"
    ),
    "the last 1×1 convolution expands to 4·planes channels": (
        "마지막 1×1 합성곱은 채널을 4·planes개로 늘린다"
    ),
    "count each conv as (F·F·C_in)·C_out, plus 2 per channel for each BN": (
        "합성곱은 각각 (F·F·C_in)·C_out으로 세고, BN마다 채널당 2를 더하라"
    ),
    "matches count_parameters(Bottleneck(...)) on five blocks": (
        "블록 다섯 개에서 count_parameters(Bottleneck(...))와 일치한다"
    ),
    # ---------------------------------------------------------------- 08 detection basics
    "replace None with your number, e.g. 0.25 or 1 / 4": (
        "None을 여러분이 구한 수로 바꿔라. 예: 0.25 또는 1 / 4"
    ),
    "intersection over union, both worked out": "교집합과 합집합을 모두 맞게 구했다",
    "that looks like an area in pixels², not a ratio": "비율이 아니라 픽셀² 단위의 넓이로 보인다",
    "an IoU is never negative: a width or height of the overlap came out negative (clamp "
    "it at 0)": (
        "IoU는 음수가 될 수 없다: 겹친 영역의 너비나 높이가 음수로 나왔다 (0 아래는 0으로 잘라라)"
    ),
    "the union counts the overlap once: area A + area B − intersection": (
        "합집합은 겹친 부분을 한 번만 센다: A의 넓이 + B의 넓이 − 교집합"
    ),
    "you divided by one box's area; IoU divides by the union of both": (
        "상자 하나의 넓이로 나누었다: IoU는 두 상자의 합집합으로 나눈다"
    ),
    "recompute the overlap: its width is min(right edges) − max(left edges), its height "
    "min(bottom edges) − max(top edges)": (
        "겹친 부분을 다시 계산하라: 너비는 min(오른쪽 변) − max(왼쪽 변), "
        "높이는 min(아래쪽 변) − max(위쪽 변)이다"
    ),
    "the centre is half a width right of the left edge, not a whole width": (
        "중심은 왼쪽 변에서 너비 전체가 아니라 너비의 절반만큼 오른쪽에 있다"
    ),
    "the boxes came back unchanged: the first two numbers must become the centre": (
        "상자가 그대로 돌아왔다: 앞의 두 수가 중심이 되어야 한다"
    ),
    "the last two numbers stay the width and height, not the far corner": (
        "뒤의 두 수는 반대쪽 꼭짓점이 아니라 그대로 너비와 높이다"
    ),
    "x and y are swapped: the order is (cx, cy, w, h)": (
        "x와 y가 뒤바뀌었다: 순서는 (cx, cy, w, h)이다"
    ),
    "check each of the four columns": "네 열을 하나씩 확인하라",
    "equals torchvision's box_convert on six sets, the empty one included": (
        "빈 집합을 포함한 상자 집합 여섯 개에서 torchvision의 box_convert와 같다"
    ),
    "give a list of box indices (ints), e.g. [0, 3]": (
        "상자 인덱스(int)의 리스트를 넣어라. 예: [0, 3]"
    ),
    "NMS always keeps at least the best box; list the kept indices": (
        "NMS는 적어도 가장 좋은 상자 하나는 늘 남긴다: 남는 상자의 인덱스를 나열하라"
    ),
    "each box is kept at most once; your list repeats an index": (
        "상자는 많아야 한 번 남는다: 리스트에 같은 인덱스가 두 번 있다"
    ),
    "that is the greedy walk, chain effect included": "연쇄 효과까지 포함한 탐욕적 순회 그대로다",
    "right boxes, wrong order: list them as NMS keeps them, best first": (
        "상자는 맞지만 순서가 틀렸다: NMS가 남기는 순서대로, 가장 좋은 상자부터 나열하라"
    ),
    "you kept a box that NMS suppresses: it overlaps a higher-scoring box that NMS keeps, "
    "with IoU above the threshold": (
        "NMS가 억제하는 상자를 남겼다: 그 상자는 NMS가 남기는 더 높은 점수의 상자와 "
        "임계값보다 큰 IoU로 겹친다"
    ),
    "you dropped a box that no higher-scoring box overlaps with IoU above the threshold; "
    "such a box is always kept (IoU must be *above* the threshold)": (
        "점수가 더 높은 어느 상자와도 IoU가 임계값을 넘게 겹치지 않는 상자를 뺐다: 그런 상자는 "
        "늘 남는다 (IoU가 임계값을 *넘어야* 억제된다)"
    ),
    "you dropped a box whose big overlaps are all with boxes that were themselves "
    "suppressed; a suppressed box suppresses nothing": (
        "크게 겹치는 상대가 모두 이미 억제된 상자뿐인 상자를 뺐다: "
        "억제된 상자는 아무것도 억제하지 않는다"
    ),
    "walk the boxes from the highest score down and try again": (
        "점수가 가장 높은 상자부터 차례로 내려가며 다시 해 보라"
    ),
    "this is the area under the raw zig-zag curve: make precision non-increasing first "
    "(each point takes the best precision at any higher recall)": (
        "이것은 다듬지 않은 지그재그 곡선 아래의 넓이다: 먼저 정밀도가 증가하지 않게 만들어라 "
        "(각 점은 그보다 높은 재현율에서의 가장 높은 정밀도를 취한다)"
    ),
    "that is VOC 2007's 11-point AP; this exercise asks for the all-point area": (
        "그것은 VOC 2007의 11점 AP다: 이 연습 문제는 모든 점을 쓰는 넓이를 묻는다"
    ),
    "recall divides by all objects (num_gt), found or not, not by the TPs": (
        "재현율은 TP 수가 아니라, 찾았든 못 찾았든 모든 객체의 수(num_gt)로 나눈다"
    ),
    "recall divides by the number of objects (num_gt), not of detections": (
        "재현율은 검출 수가 아니라 객체 수(num_gt)로 나눈다"
    ),
    "an AP lies between 0 and 1": "AP는 0과 1 사이에 있다",
    "sum (recall step) × (envelope precision) over the detections where recall grows": (
        "재현율이 커지는 검출마다 (재현율 증가분) × (포락선 정밀도)를 더하라"
    ),
    "equals the library's all-point AP on 30 ranked lists": (
        "순위 리스트 30개에서 라이브러리의 모든 점 AP와 같다"
    ),
    # ---------------------------------------------------------------- 09 R-CNN
    "these are torchvision's weighted targets (×10, ×10, ×5, ×5); the exercise asks for "
    "the paper's unweighted ones": (
        "이것은 torchvision의 가중 목표값(×10, ×10, ×5, ×5)이다: 이 연습 문제는 논문의 "
        "가중치 없는 목표값을 묻는다"
    ),
    "the shifts are measured in *proposal* widths and heights, not the object's": (
        "이동량은 객체가 아니라 *제안 영역*의 너비와 높이로 잰다"
    ),
    "tx and ty move the box *centre*, not its top-left corner": (
        "tx와 ty는 상자의 왼쪽 위 꼭짓점이 아니라 *중심*을 옮긴다"
    ),
    "divide the centre shift by the proposal's width (and height): targets have no unit": (
        "중심 이동량을 제안 영역의 너비(와 높이)로 나누어라: 목표값에는 단위가 없다"
    ),
    "tw and th are *log* size ratios (so that growing and shrinking are symmetric)": (
        "tw와 th는 크기 비의 *로그*다 (커지는 것과 줄어드는 것이 대칭이 되도록)"
    ),
    "tw and th have the wrong sign: the ratio is object size over proposal size": (
        "tw와 th의 부호가 틀렸다: 비율은 객체 크기 ÷ 제안 영역 크기다"
    ),
    "tx and ty are right; check tw and th": "tx와 ty는 맞다: tw와 th를 확인하라",
    "tw and th are right; check tx and ty": "tw와 th는 맞다: tx와 ty를 확인하라",
    "check each column against the formulas in the exercise": (
        "연습 문제의 공식과 열을 하나씩 비교하라"
    ),
    "equals encode_boxes with unit weights on six sets, the empty one included": (
        "빈 집합을 포함한 상자 집합 여섯 개에서 단위 가중치의 encode_boxes와 같다"
    ),
    "the context is measured in *warped* pixels: one warped pixel is box width ÷ "
    "(warp_size − 2·context) image pixels, so the margin depends on the box size": (
        "주변 영역은 *워핑한* 픽셀로 잰다: 워핑한 픽셀 하나는 이미지 픽셀로 상자 너비 ÷ "
        "(warp_size − 2·context)이므로, 여백은 상자 크기에 따라 달라진다"
    ),
    "after warping, the box fills warp_size − 2·context pixels, not warp_size: grow by "
    "warp_size / (warp_size − 2·context)": (
        "워핑한 뒤 상자는 warp_size가 아니라 warp_size − 2·context 픽셀을 채운다: "
        "warp_size / (warp_size − 2·context)배로 키워라"
    ),
    "the boxes came back unchanged: add the context": "상자가 그대로 돌아왔다: 주변 영역을 더하라",
    "grow the box about its centre, not from its top-left corner": (
        "상자를 왼쪽 위 꼭짓점이 아니라 중심을 기준으로 키워라"
    ),
    "the region keeps the box's centre; only its width and height grow": (
        "영역은 상자의 중심을 그대로 둔다: 너비와 높이만 커진다"
    ),
    "the same region RCNN.warp cuts out, for three warp sizes": (
        "워핑 크기 세 가지에서 RCNN.warp가 잘라 내는 영역과 같다"
    ),
    # (endings the checkers add to a message about a tensor's type or shape)
    " (one row tx, ty, tw, th per proposal)": " (제안 영역마다 tx, ty, tw, th 한 행)",
    " (one label per proposal)": " (제안 영역마다 레이블 하나)",
    "return integer class labels (torch.int64), not floats": (
        "실수가 아니라 정수 클래스 레이블(torch.int64)을 반환하라"
    ),
    "an IoU of exactly 0.5 counts as an object (≥, not >)": (
        "IoU가 정확히 0.5여도 객체로 센다 (> 대신 ≥)"
    ),
    "return the object's class label, not its index": (
        "객체의 인덱스가 아니라 클래스 레이블을 반환하라"
    ),
    "when several objects overlap by ≥ 0.5, take the one with the highest IoU": (
        "여러 객체가 0.5 이상 겹치면 IoU가 가장 높은 객체를 택하라"
    ),
    "background is label 0 (not −1)": "배경은 레이블 0이다 (−1이 아니다)",
    "an image without objects: every proposal is background (0)": (
        "객체가 없는 이미지: 모든 제안 영역이 배경(0)이다"
    ),
    "compare each proposal with every object (IoU), keep the best": (
        "제안 영역마다 모든 객체와 비교하고(IoU), 가장 좋은 객체를 택하라"
    ),
    "the labelling rule of sample_proposals, edge cases included": (
        "까다로운 경우를 포함해 sample_proposals의 레이블 규칙과 같다"
    ),
    # ---------------------------------------------------------------- 10 Fast R-CNN
    "replace None with four whole numbers (x1, y1, x2, y2) in cells": (
        "cells의 None을 정수 네 개 (x1, y1, x2, y2)로 바꿔라"
    ),
    "give four numbers: (first column, first row, last column, last row)": (
        "수 네 개를 넣어라: (첫 열, 첫 행, 마지막 열, 마지막 행)"
    ),
    "scaled by 1/stride, then rounded halves away from zero, as the kernel": (
        "커널과 똑같이 1/stride배로 줄인 뒤, 0.5는 0에서 먼 쪽으로 반올림했다"
    ),
    "the projection is right; now round to whole cells": "투영은 맞다: 이제 정수 셀로 반올림하라",
    "cells are whole numbers: project the box, then round": (
        "셀 좌표는 정수다: 상자를 투영한 뒤 반올림하라"
    ),
    "these are image pixels: map the box onto the feature map first": (
        "이것은 이미지 픽셀이다: 먼저 상자를 특징 맵 위로 옮겨라"
    ),
    "the order is (x1, y1, x2, y2): columns first, then rows": (
        "순서는 (x1, y1, x2, y2)이다: 열이 먼저, 그다음 행"
    ),
    "you rounded down (floor); RoI pooling rounds to the nearest cell": (
        "내림(floor)했다: RoI 풀링은 가장 가까운 셀로 반올림한다"
    ),
    "you rounded up (ceil); RoI pooling rounds to the nearest cell": (
        "올림(ceil)했다: RoI 풀링은 가장 가까운 셀로 반올림한다"
    ),
    "Python's round() sends a half to the even neighbour; the kernel (C's round) sends "
    "halves away from zero": (
        "파이썬의 round()는 0.5를 짝수 쪽으로 보낸다: 커널(C의 round)은 0에서 먼 쪽으로 보낸다"
    ),
    "the stride shrinks the image: divide by it (spatial scale 1/stride)": (
        "스트라이드만큼 이미지가 줄어든다: 스트라이드로 나누어라 (공간 배율 1/stride)"
    ),
    "divide each coordinate by the stride, then round to the nearest cell": (
        "각 좌표를 스트라이드로 나눈 뒤 가장 가까운 셀로 반올림하라"
    ),
    "RoI *max* pooling: take the largest value of each bin, not the mean": (
        "RoI *최대* 풀링이다: 빈마다 평균이 아니라 가장 큰 값을 취하라"
    ),
    "project the box with rounding to the *nearest* cell, not down (floor)": (
        "상자를 투영할 때 내림(floor)이 아니라 *가장 가까운* 셀로 반올림하라"
    ),
    "round halves away from zero (as C's round), not to even (Python's round)": (
        "0.5는 짝수 쪽(파이썬의 round)이 아니라 0에서 먼 쪽(C의 round)으로 반올림하라"
    ),
    "the region includes its last cell: it spans x2 − x1 + 1 cells (and y2 − y1 + 1)": (
        "영역은 마지막 셀까지 포함한다: x2 − x1 + 1개 셀에 걸친다 (y2 − y1 + 1도 마찬가지)"
    ),
    "a bin ends at ceil((i + 1)·bin): neighbouring bins may share a cell": (
        "빈은 ceil((i + 1)·bin)에서 끝난다: 이웃한 빈이 셀을 함께 쓸 수 있다"
    ),
    "multiply the box by spatial_scale to map image pixels onto the feature map": (
        "이미지 픽셀을 특징 맵 위로 옮기려면 상자에 spatial_scale을 곱하라"
    ),
    "compare bin by bin with torchvision.ops.roi_pool on a small map": (
        "작은 맵에서 torchvision.ops.roi_pool과 빈마다 비교하라"
    ),
    "equals torchvision.ops.roi_pool on 20 regions, edge cases included": (
        "까다로운 경우를 포함한 영역 20개에서 torchvision.ops.roi_pool과 같다"
    ),
    "background regions have no box target: the box term sums over object regions only ([u ≥ 1])": (
        "배경 영역에는 상자 목표값이 없다: 상자 항은 객체 영역에서만 더한다 ([u ≥ 1])"
    ),
    "divide the box term by the number of *all* sampled regions, not of object regions": (
        "상자 항은 객체 영역의 수가 아니라 표본으로 뽑은 *모든* 영역의 수로 나누어라"
    ),
    "smooth L1 here has β = 1/9 (quadratic only for |x| < 1/9)": (
        "여기서 스무스 L1 손실은 β = 1/9이다 (|x| < 1/9에서만 이차식)"
    ),
    "smooth L1 is quadratic near zero: 0.5·x²/β for |x| < β, |x| − 0.5·β beyond": (
        "스무스 L1 손실은 0 근처에서 이차식이다: |x| < β이면 0.5·x²/β, 그 밖에서는 |x| − 0.5·β"
    ),
    "the box term is smooth L1, not squared error (which outliers dominate)": (
        "상자 항은 제곱 오차(이상치가 좌우한다)가 아니라 스무스 L1 손실이다"
    ),
    "use each region's deltas for its *true* class (columns 4u … 4u + 3), not the first four": (
        "영역마다 앞의 네 개가 아니라 *정답* 클래스의 변위(열 4u … 4u + 3)를 써라"
    ),
    "add the box-regression term": "경계 상자 회귀 항을 더하라",
    "add the classification term (cross-entropy)": "분류 항(교차 엔트로피)을 더하라",
    "average the cross-entropy over the regions (mean, not sum)": (
        "교차 엔트로피를 영역에 대해 평균하라 (합이 아니라 평균)"
    ),
    "write the two terms separately and check each": "두 항을 따로 써서 각각 확인하라",
    "equals box_head_loss on four batches, one without objects": (
        "객체가 없는 배치 하나를 포함한 배치 네 개에서 box_head_loss와 같다"
    ),
    # ---------------------------------------------------------------- 11 Faster R-CNN
    "round the corners to whole pixels (torch.round), as torchvision does": (
        "torchvision처럼 꼭짓점을 정수 픽셀로 반올림하라 (torch.round)"
    ),
    "height and width are swapped: aspect ratio means height / width": (
        "높이와 너비가 뒤바뀌었다: 종횡비는 높이 / 너비다"
    ),
    "right anchors, wrong order: ratio-major (all sizes of the first ratio, then the next ratio)": (
        "앵커는 맞지만 순서가 틀렸다: 종횡비 우선 (첫 종횡비의 모든 크기, 그다음 종횡비)"
    ),
    "the area must stay size² for every ratio: scale the height by √ratio and divide the "
    "width by √ratio": (
        "넓이는 종횡비와 상관없이 늘 size²이어야 한다: 높이에 √ratio를 곱하고 너비는 "
        "√ratio로 나누어라"
    ),
    "the box reaches half a width to each side of the centre, not a whole one": (
        "상자는 중심에서 양쪽으로 너비 전체가 아니라 너비의 절반만큼 뻗는다"
    ),
    "the anchors are centred on (0, 0): x1 = −w/2, x2 = +w/2": (
        "앵커의 중심은 (0, 0)이다: x1 = −w/2, x2 = +w/2"
    ),
    "for each ratio r and size s, h = s·√r, w = s/√r, box (−w/2, −h/2, w/2, h/2)": (
        "종횡비 r, 크기 s마다 h = s·√r, w = s/√r, 상자 (−w/2, −h/2, w/2, h/2)"
    ),
    "an image without objects: every anchor is background (0)": (
        "객체가 없는 이미지: 모든 앵커가 배경(0)이다"
    ),
    "an object whose best anchor has IoU below 0.7 gets no positive anchor; also make "
    "each object's best anchor(s) positive": (
        "가장 좋은 앵커의 IoU가 0.7보다 낮은 객체는 양성 앵커를 하나도 얻지 못한다: "
        "객체마다 가장 좋은 앵커도 양성으로 만들어라"
    ),
    "anchors with best IoU from 0.3 up to 0.7 are ignored (−1), not background (IoU "
    "exactly 0.3 is ignored too)": (
        "가장 좋은 IoU가 0.3 이상 0.7 미만인 앵커는 배경이 아니라 무시(−1)한다 "
        "(IoU가 정확히 0.3이어도 무시한다)"
    ),
    "background is best IoU below 0.3 (label 0)": (
        "배경은 가장 좋은 IoU가 0.3 미만인 앵커다 (레이블 0)"
    ),
    "too many positives; below IoU 0.7 only each object's best anchor (and anchors tied "
    "with it) is promoted": (
        "양성이 너무 많다: IoU 0.7 미만에서는 객체마다 가장 좋은 앵커(와 그와 동률인 앵커)만 "
        "양성으로 올린다"
    ),
    "best IoU ≥ 0.7 (0.7 included) makes an anchor positive": (
        "가장 좋은 IoU가 0.7 이상이면(0.7 포함) 앵커는 양성이다"
    ),
    "an object's best IoU can be shared by several anchors (ties); all of them become positive": (
        "객체의 가장 좋은 IoU를 여러 앵커가 함께 가질 수 있다(동률): 그 앵커가 모두 양성이 된다"
    ),
    "compare IoUs per anchor with both thresholds": "앵커마다 IoU를 두 임계값과 비교하라",
    "equals anchor_labels(match_anchors(...)) on 8 cases, edge cases included": (
        "까다로운 경우를 포함한 8가지 경우에서 anchor_labels(match_anchors(...))와 같다"
    ),
    "a recall lies between 0 and 1": "재현율은 0과 1 사이에 있다",
    "you used all proposals: keep only each image's first k": (
        "제안 영역을 모두 썼다: 이미지마다 처음 k개만 남겨라"
    ),
    "average over objects, not over images: count found objects over all images": (
        "이미지가 아니라 객체에 대해 평균하라: 모든 이미지에서 찾은 객체의 수를 세어라"
    ),
    "IoU equal to the threshold counts as covered (≥, not >)": (
        "IoU가 임계값과 같아도 찾은 것으로 센다 (> 대신 ≥)"
    ),
    "for each object take its best IoU with the image's first k proposals": (
        "객체마다 그 이미지의 처음 k개 제안 영역과의 가장 좋은 IoU를 취하라"
    ),
    "equals proposal_recall of the top k on 5 cases, empty images included": (
        "빈 이미지를 포함한 5가지 경우에서 상위 k개의 proposal_recall과 같다"
    ),
    # ---------------------------------------------------------------- 12 instance segmentation
    "x and y are swapped: the mask is (H, W) = (rows = y, columns = x)": (
        "x와 y가 뒤바뀌었다: 마스크는 (H, W) = (행 = y, 열 = x)이다"
    ),
    "you resized the whole mask: crop it to the box first": (
        "마스크 전체의 크기를 바꿨다: 먼저 상자만큼 잘라 내라"
    ),
    "a mask target holds values in [0, 1] (the share of the object)": (
        "마스크 목표의 값은 [0, 1] 범위에 있다 (객체가 차지하는 비율)"
    ),
    "two empty masks give 0/0: return 0 there, not NaN": (
        "빈 마스크 두 개는 0/0이 된다: 거기서는 NaN이 아니라 0을 반환하라"
    ),
    "the union counts the shared pixels once: |A| + |B| − |A ∩ B|": (
        "합집합은 함께 가진 픽셀을 한 번만 센다: |A| + |B| − |A ∩ B|"
    ),
    "rows are masks1, columns masks2": "행은 masks1, 열은 masks2다",
    "IoU = |A ∩ B| / |A ∪ B| for every pair (A from masks1, B from masks2)": (
        "모든 쌍에 대해 IoU = |A ∩ B| / |A ∪ B| (A는 masks1에서, B는 masks2에서)"
    ),
    "equals mask_iou, empty masks included": "빈 마스크를 포함해 mask_iou와 같다",
}

# Parts of the regular expressions below.
_N = r"-?\d+"  # an int
_X = r"-?[\d.]+(?:e-?\d+)?"  # a number as Python prints it
_SHAPE = r"\d+(?:×\d+)*"  # 2×3×4
_TYPE = r"[\w.]+"  # a type's name: list, NoneType, numpy.ndarray

# Messages with values in them: (regular expression, Korean template). Named groups are
# translated by tr() in turn (a hint inside a message), then put into the template. The first
# full match wins: the specific patterns come first, the general ones ("wrong for …") last.
PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p, re.DOTALL), t)
    for p, t in [
        # -------------------------------------------------- endings added to another message
        (
            r"(?P<msg>.+)(?P<end> \((?:one row tx, ty, tw, th|one label) per proposal\))",
            "{msg}{end}",
        ),
        (
            r"(?P<msg>.+) \(for (?P<where>training-mode outputs(?: with aux_weight=[\d.]+)?"
            r"|outputs whose aux2 is None|a plain logits tensor \(evaluation mode\))\)",
            "{msg} ({where}에서)",
        ),
        # -------------------------------------------------- what a message is about ("where")
        (
            rf"batch=(?P<b>{_N}), (?P<ci>{_N})→(?P<co>{_N}) channels, (?P<h>{_N})×(?P<w>{_N}) "
            rf"output, (?P<k>{_N})×(?P<k2>{_N}) kernel",
            "batch={b}, 채널 {ci}→{co}, 출력 {h}×{w}, 커널 {k}×{k2}",
        ),
        (
            rf"a (?P<h>{_N})×(?P<w>{_N}) image, (?P<f>{_N})×(?P<f2>{_N}) kernel, "
            rf"stride (?P<s>{_N})",
            "{h}×{w} 이미지, {f}×{f2} 커널, 스트라이드 {s}",
        ),
        (
            rf"(?:for )?a (?P<shape>{_SHAPE}) input, (?P<co>{_N}) output channels, "
            rf"kernel (?P<k>{_N})",
            "{shape} 입력, 출력 채널 {co}개, 커널 {k}",
        ),
        (
            rf"a (?P<f>{_N})×(?P<f2>{_N}) kernel on a (?P<s>{_N})×(?P<s2>{_N}) image",
            "{s}×{s2} 이미지 위의 {f}×{f2} 커널",
        ),
        (
            rf"a (?P<shape>{_SHAPE}) input with kernel (?P<k>{_N}), stride (?P<s>{_N})",
            "{shape} 입력, 커널 {k}, 스트라이드 {s}",
        ),
        (rf"a (?P<shape>{_SHAPE}) input, kernel (?P<k>{_N})", "{shape} 입력, 커널 {k}"),
        (
            rf"a (?P<shape>{_SHAPE}) input, (?P<out>{_N}) output channels, stride (?P<s>{_N})",
            "{shape} 입력, 출력 채널 {out}개, 스트라이드 {s}",
        ),
        (rf"a (?P<shape>{_SHAPE}) input", "{shape} 입력"),
        (
            r"training-mode outputs with aux_weight=(?P<w>[\d.]+)",
            "aux_weight={w}인 학습 모드의 출력",
        ),
        (rf"(?P<n>{_N}) box(?:es)? \((?P<dtype>[\w.]+)\)", "상자 {n}개 ({dtype})"),
        (rf"(?P<n>{_N}) proposals? \((?P<dtype>[\w.]+)\)", "제안 영역 {n}개 ({dtype})"),
        (
            rf"(?P<n>{_N}) box(?:es)?, warp_size (?P<w>{_N}), context (?P<c>{_N})",
            "상자 {n}개, 워핑 크기 {w}, 주변 영역 {c}",
        ),
        (rf"(?P<n>{_N}) proposals and (?P<m>{_N}) objects", "제안 영역 {n}개와 객체 {m}개"),
        (
            rf"box (?P<box>\[[^\]]*\]) on a (?P<h>{_N})×(?P<w>{_N}) map, scale (?P<s>{_X}), "
            rf"output (?P<o>{_N})×(?P<o2>{_N})",
            "{h}×{w} 맵 위의 상자 {box}, 배율 {s}, 출력 {o}×{o2}",
        ),
        (rf"(?P<n>{_N}) regions, (?P<m>{_N}) of them objects", "영역 {n}개, 그중 객체 {m}개"),
        (r"sizes (?P<s>\[[^\]]*\]), ratios (?P<r>\[[^\]]*\])", "크기 {s}, 종횡비 {r}"),
        (rf"(?P<n>{_N}) anchors, (?P<m>{_N}) objects?", "앵커 {n}개, 객체 {m}개"),
        (
            rf"k = (?P<k>{_N}), IoU (?P<iou>{_X}), (?P<n>{_N}) images",
            "k = {k}, IoU {iou}, 이미지 {n}개",
        ),
        # -------------------------------------------------- any checker (call_answer, types)
        (
            r"your function raised (?P<exc>\w+): (?P<msg>.*)",
            "함수에서 {exc} 예외가 발생했다: {msg}",
        ),
        (
            r"pass your function itself \(not its result\); got (?P<type>\S+)",
            "함수의 결과가 아니라 함수 자체를 넘겨라 (지금은 {type})",
        ),
        (
            rf"return a tensor, not (?P<type>{_TYPE}) \((?:for )?(?P<where>.*)\)",
            "{where}에서 텐서를 반환해야 한다 (지금은 {type})",
        ),
        (rf"return a tensor, not (?P<type>{_TYPE})", "텐서를 반환해야 한다 (지금은 {type})"),
        (rf"return a tensor, got (?P<type>{_TYPE})", "텐서를 반환해야 한다 (지금은 {type})"),
        (
            rf"return an int, not (?P<type>{_TYPE}) \((?:for )?(?P<where>.*)\)",
            "{where}에서 int를 반환해야 한다 (지금은 {type})",
        ),
        (
            r"return a whole number \(an int\), not (?P<got>.*)",
            "정수(int)를 반환해야 한다 (지금은 {got})",
        ),
        (
            rf"return a number \(an int\), not (?P<type>{_TYPE})",
            "수(int)를 반환해야 한다 (지금은 {type})",
        ),
        (
            rf"return (?:one number|a number) \(a float\), not (?P<type>{_TYPE})",
            "수 하나(float)를 반환해야 한다 (지금은 {type})",
        ),
        (rf"return a number, not (?P<type>{_TYPE})", "수를 반환해야 한다 (지금은 {type})"),
        (
            rf"for (?P<where>.+?) the result is (?P<shape>{_SHAPE}|a scalar); it must keep the "
            r"\(K, 4\) shape \(torch\.stack\(\.\.\., dim=-1\) of the four columns\)",
            "{where}에서 결과의 모양이 {shape}이다: (K, 4) 모양을 유지해야 한다 "
            "(네 열을 torch.stack(..., dim=-1)에 넣어 쌓아라)",
        ),
        (
            rf"for (?P<where>.+?) the result is (?P<shape>{_SHAPE}|a scalar); "
            rf"it must be (?P<want>{_SHAPE}|a scalar)",
            "{where}에서 결과의 모양이 {shape}이다: {want} 모양이어야 한다",
        ),
        # -------------------------------------------------- 00
        (
            r"the gradient must have w's shape (?P<shape>.+); got (?P<got>.*)",
            "기울기는 w와 모양이 같아야 한다: {shape} (지금은 {got})",
        ),
        (
            rf"differs from autograd for (?P<where>N={_N}, d={_N})(?P<hint> \(.*\))?",
            "{where}에서 자동 미분의 결과와 다르다{hint}",
        ),
        (r"differs from autograd for (?P<where>.*)", "{where}에서 자동 미분의 결과와 다르다"),
        (
            r"return the loss as a Python float \(loss\.item\(\)\), not (?P<type>[\w.]+)",
            "손실을 파이썬 float로 반환하라 (loss.item()), 지금은 {type}",
        ),
        (
            r"the weights after step (?P<n>\d+) differ from plain SGD: did you clear old "
            r"gradients \(optimizer\.zero_grad\(\)\) before backward\?",
            "{n}번째 단계 뒤의 가중치가 일반 SGD와 다르다: backward 전에 이전 기울기를 "
            "지웠는가 (optimizer.zero_grad())?",
        ),
        (
            rf"three steps, loss (?P<a>{_X}|nan|inf) → (?P<b>{_X}|nan|inf)",
            "세 단계, 손실 {a} → {b}",
        ),
        # -------------------------------------------------- 01
        (
            rf"return an H_out×W_out tensor \(2-D\); got (?P<d>{_N})-D",
            "H_out×W_out 텐서(2차원)를 반환하라 (지금은 {d}차원)",
        ),
        (r"for (?P<where>.+?) rows and columns are swapped", "{where}에서 행과 열이 뒤바뀌었다"),
        (
            r"for (?P<where>.+?) your output has shape (?P<shape>\(.*?\)), which is not "
            r"\(\(H − F\)/S \+ 1\) × \(\(W − F\)/S \+ 1\): check where the window stops and how "
            r"far it jumps",
            "{where}에서 출력의 모양이 {shape}인데, 이는 ((H − F)/S + 1) × ((W − F)/S + 1)이 "
            "아니다: 창이 어디서 멈추고 얼마씩 건너뛰는지 확인하라",
        ),
        (
            r"wrong values for (?P<where>.+?): is every window the F×F block at \(i·S, j·S\)\?",
            "{where}에서 값이 틀렸다: 각 창이 (i·S, j·S)에서 시작하는 F×F 블록인가?",
        ),
        (
            r"the dense count is off for (?P<where>.+?) \((?P<hint>.*)\)",
            "{where}에서 완전 연결층의 파라미터 수(dense)가 틀렸다 ({hint})",
        ),
        (
            r"the conv count is off for (?P<where>.+?) \((?P<hint>.*)\)",
            "{where}에서 합성곱 층의 파라미터 수(conv)가 틀렸다 ({hint})",
        ),
        (
            rf"return a 3×3 tensor, not (?P<type>{_TYPE})",
            "3×3 텐서를 반환하라 (지금은 {type})",
        ),
        (
            r"the kernel must be 3×3; got shape (?P<shape>.*)",
            "커널은 3×3이어야 한다 (지금 모양은 {shape})",
        ),
        (
            r"for (?P<where>.+?) your matrix has shape (?P<shape>\(.*?\)): it needs one row per "
            r"output pixel and one column per input pixel",
            "{where}에서 행렬의 모양이 {shape}이다: 출력 픽셀마다 행 하나, 입력 픽셀마다 열 "
            "하나가 있어야 한다",
        ),
        (
            r"wrong entries for (?P<where>.+?): which input pixels does output \(i, j\) see\?",
            "{where}에서 원소가 틀렸다: 출력 (i, j)는 어느 입력 픽셀을 보는가?",
        ),
        # -------------------------------------------------- 02
        (
            r"for (?P<where>.+?) the padding must be a whole number of pixels",
            "{where}에서 패딩은 정수 개의 픽셀이어야 한다",
        ),
        (
            r"for (?P<where>.+?) the padding is negative; padding adds pixels",
            "{where}에서 패딩이 음수다: 패딩은 픽셀을 더한다",
        ),
        (
            r"the size changes for (?P<where>.+?) \((?P<hint>.*)\)",
            "{where}에서 크기가 바뀐다 ({hint})",
        ),
        (
            rf"keeps the size on (?P<n>{_N}) kernel and dilation settings",
            "커널과 팽창의 설정 {n}가지에서 크기를 유지한다",
        ),
        (
            r"wrong for layers (?P<layers>\[.*?\]) \((?P<hint>.*)\)",
            "층 {layers}에서 틀렸다 ({hint})",
        ),
        # -------------------------------------------------- 03
        (
            r"output shape (?P<shape>.+?) is wrong for (?P<where>.*?): (?P<hint>.*)",
            "{where}에서 출력의 모양이 틀렸다 (지금은 {shape}): {hint}",
        ),
        (
            r"the values differ from max pooling for (?P<where>.*)",
            "{where}에서 값이 최대 풀링과 다르다",
        ),
        (
            r"the values differ from F\.avg_pool2d for (?P<where>.*)",
            "{where}에서 값이 F.avg_pool2d와 다르다",
        ),
        (
            r"the values differ from the block's output for (?P<where>.*)",
            "{where}에서 값이 블록의 출력과 다르다",
        ),
        (
            r"the values differ from the option A shortcut for (?P<where>.*)",
            "{where}에서 값이 옵션 A 스킵 연결과 다르다",
        ),
        (
            r"the values differ from (?P<ref>.+?) for (?P<where>.*)",
            "{where}에서 값이 {ref}의 결과와 다르다",
        ),
        (r"rows and columns are swapped for (?P<where>.*)", "{where}에서 행과 열이 뒤바뀌었다"),
        (
            rf"(?P<co>{_N}) output channels for (?P<ci>{_N}) input channels \((?P<where>.*?)\): "
            r"pooling keeps every channel; build a weight of shape \(C, 1, k, k\) and pass "
            r"groups=C",
            "입력 채널 {ci}개에 출력 채널이 {co}개다 ({where}): 풀링은 채널을 모두 유지한다. "
            "모양이 (C, 1, k, k)인 가중치를 만들고 groups=C를 넘겨라",
        ),
        # -------------------------------------------------- 04
        (
            r"the output has shape (?P<shape>.*); dropout keeps the input's shape",
            "출력의 모양이 {shape}이다: 드롭아웃은 입력의 모양을 유지한다",
        ),
        (
            rf"with p = (?P<p>{_X}) about (?P<rate>{_X}%) of the values were zeroed: p is the "
            r"probability of \*dropping\* a value, not of keeping it",
            "p = {p}에서 값의 약 {rate}가 0이 되었다: p는 값을 남길 확률이 아니라 *버릴* 확률이다",
        ),
        (
            rf"with p = (?P<p>{_X}), (?P<rate>{_X}%) of the values were zeroed; expected about "
            rf"(?P<want>{_X}%)",
            "p = {p}에서 값의 {rate}가 0이 되었다: 약 {want}여야 한다",
        ),
        (
            rf"with p = (?P<p>{_X}) the kept values are not the input divided by 1 − p",
            "p = {p}에서 남긴 값이 입력을 1 − p로 나눈 값이 아니다",
        ),
        (
            rf"right for all (?P<n>{_N}) layers, AlexNet's and ZFNet's included",
            "AlexNet과 ZFNet의 층을 포함한 {n}개 층 모두에서 맞다",
        ),
        # -------------------------------------------------- 05
        (
            rf"return a pair \(n_layers, fraction\), got (?P<got>.*) for field (?P<f>{_N})",
            "수용 영역 {f}에 대해 (n_layers, fraction) 쌍을 반환하라 (지금은 {got})",
        ),
        (
            rf"n_layers must be an int, got (?P<type>{_TYPE}) for field (?P<f>{_N})",
            "수용 영역 {f}에서 n_layers는 int여야 한다 (지금은 {type})",
        ),
        (
            rf"the fraction must be a number, got (?P<type>{_TYPE}) for field (?P<f>{_N})",
            "수용 영역 {f}에서 fraction은 수여야 한다 (지금은 {type})",
        ),
        (
            rf"n_layers is wrong for a (?P<f>{_N})×(?P<f2>{_N}) field \((?P<hint>.*)\)",
            "{f}×{f2} 수용 영역에서 n_layers가 틀렸다 ({hint})",
        ),
        (
            rf"the fraction is wrong for a (?P<f>{_N})×(?P<f2>{_N}) field \((?P<hint>.*)\)",
            "{f}×{f2} 수용 영역에서 fraction이 틀렸다 ({hint})",
        ),
        (
            rf"field (?P<f>{_N}) raised (?P<exc>\w+); raise a ValueError that says why",
            "수용 영역 {f}에서 {exc} 예외가 발생했다: 이유를 알려 주는 ValueError를 일으켜라",
        ),
        (
            rf"field (?P<f>{_N}) cannot be made by 3×3 layers \(the field is 3, 5, 7, …\): "
            r"raise a ValueError",
            "크기가 {f}인 수용 영역은 3×3 층으로 만들 수 없다 (수용 영역은 3, 5, 7, …): "
            "ValueError를 일으켜라",
        ),
        (
            rf"return a tensor \(the kernel\), not (?P<type>{_TYPE}) \((?P<shapes>.*)\)",
            "텐서(커널)를 반환하라 (지금은 {type}, 가중치 {shapes})",
        ),
        (
            r"kernel of shape (?P<shape>\(.*?\)) for weights (?P<shapes>.+?): (?P<hint>.*)",
            "가중치 {shapes}에서 커널의 모양이 {shape}이다: {hint}",
        ),
        (
            r"your kernel is flipped: F\.conv2d does not flip its kernel \(a cross-correlation\), "
            r"so the composed kernel must not be flipped either \((?P<shapes>.*)\)",
            "커널이 뒤집혔다: F.conv2d는 커널을 뒤집지 않으므로(교차 상관) 합성한 커널도 "
            "뒤집으면 안 된다 (가중치 {shapes})",
        ),
        (
            r"input and output channels are swapped \((?P<shapes>.*)\)",
            "입력 채널과 출력 채널이 뒤바뀌었다 (가중치 {shapes})",
        ),
        (
            rf"F\.conv2d\(x, kernel\) differs from the chain for weights (?P<shapes>.+?) by up "
            rf"to (?P<d>{_X}|nan|inf)",
            "가중치 {shapes}에서 F.conv2d(x, kernel)의 결과가 합성곱 사슬과 최대 {d}만큼 다르다",
        ),
        (
            r"(?P<got>-?[\d,]+) is wrong for (?P<where>.+?) \((?P<hint>.*)\)",
            "{where}에서 틀렸다 (지금 답은 {got}): {hint}",
        ),
        # -------------------------------------------------- 07
        (
            r"output shape (?P<shape>\(.*?\)) for (?P<where>.+?): a residual block keeps the "
            r"shape, so F\(x\) and x can be added",
            "{where}에서 출력의 모양이 {shape}이다: 잔차 블록은 모양을 유지해야 F(x)와 x를 "
            "더할 수 있다",
        ),
        (
            rf"it must have (?P<out>{_N}) channels: the input's (?P<c>{_N}), then zeros",
            "채널이 {out}개여야 한다: 입력의 채널 {c}개, 그 뒤에 0으로 채운 채널",
        ),
        (
            rf"expected N×(?P<out>{_N})×⌈H/stride⌉×⌈W/stride⌉",
            "모양은 N×{out}×⌈H/stride⌉×⌈W/stride⌉ 꼴이어야 한다",
        ),
        # -------------------------------------------------- 08
        (
            rf"give a single number, not (?P<type>{_TYPE})",
            "수 하나를 넣어라 (지금은 {type})",
        ),
        (r"an IoU lies between 0 and 1; (?P<hint>.*)", "IoU는 0과 1 사이에 있다: {hint}"),
        (rf"box indices run from 0 to (?P<n>{_N})", "상자 인덱스는 0부터 {n}까지다"),
        # -------------------------------------------------- 09
        (
            r"for (?P<where>.+?) you returned one value per object; return one label per "
            r"proposal",
            "{where}에서 객체마다 값 하나를 반환했다: 제안 영역마다 레이블 하나를 반환하라",
        ),
        # -------------------------------------------------- 10
        (
            r"return one number \(a 0-d tensor\), not a tensor of shape (?P<shape>\(.*\))",
            "모양이 {shape}인 텐서가 아니라 수 하나(0차원 텐서)를 반환하라",
        ),
        # -------------------------------------------------- 11
        (
            rf"for (?P<where>.+?) you returned (?P<shape>{_SHAPE}|a scalar); one row "
            r"\(x1, y1, x2, y2\) per anchor: len\(sizes\) · len\(ratios\) rows",
            "{where}에서 반환한 모양이 {shape}이다: 앵커마다 (x1, y1, x2, y2) 한 행, "
            "모두 len(sizes) · len(ratios)개 행이어야 한다",
        ),
        (r"almost, for (?P<where>[^:]+): (?P<hint>.*)", "{where}에서 거의 맞다: {hint}"),
        (
            rf"equals base_anchors for (?P<n>{_N}) settings, the paper's too",
            "논문의 설정을 포함한 {n}가지 설정에서 base_anchors와 같다",
        ),
        (
            rf"for (?P<where>.+?) return one label per anchor, shape \((?P<n>{_N}),\)",
            "{where}에서 앵커마다 레이블 하나를 반환하라: 모양 ({n},)",
        ),
        (
            r"labels are 1, 0 or −1; you returned (?P<got>.*)",
            "레이블은 1, 0, −1 중 하나다 (지금 반환한 값은 {got})",
        ),
        # -------------------------------------------------- 12
        (
            rf"for size=(?P<s>{_N}) return a \((?P=s), (?P=s)\) tensor, got (?P<shape>\(.*?\)) "
            r"\(drop batch/channel dimensions\)",
            "size={s}이면 ({s}, {s}) 텐서를 반환하라 (지금은 {shape}): 배치/채널 차원을 없애라",
        ),
        (
            rf"the target differs from the object's mask in the box \(IoU (?P<iou>{_X}|nan) "
            r"after thresholding at 0\.5\): crop \[y1:y2, x1:x2\], then resize",
            "목표가 상자 안의 객체 마스크와 다르다 (0.5에서 임계 처리한 뒤 IoU {iou}): "
            "[y1:y2, x1:x2]로 자른 뒤 크기를 바꿔라",
        ),
        (
            rf"agrees with mask_targets on (?P<n>{_N}) proposals",
            "제안 영역 {n}개에서 mask_targets와 일치한다",
        ),
        (
            rf"for (?P<a>{_N}) and (?P<b>{_N}) masks return a \((?P=a), (?P=b)\) matrix, got "
            r"(?P<shape>\(.*\))",
            "마스크 {a}개와 {b}개에 대해 ({a}, {b}) 행렬을 반환하라 (지금은 {shape})",
        ),
        # -------------------------------------------------- general forms, last
        (r"wrong for (?P<where>\w+=[^:]*?) \((?P<hint>.*)\)", "{where}에서 틀렸다 ({hint})"),
        (r"wrong for (?P<where>.*?): (?P<hint>.*)", "{where}에서 틀렸다: {hint}"),
        (r"wrong for (?P<where>.*) \((?P<hint>[^()]*)\)", "{where}에서 틀렸다 ({hint})"),
        (r"wrong for (?P<where>.*)", "{where}에서 틀렸다"),
        (r"for (?P<where>[^:]+): (?P<hint>.*)", "{where}에서: {hint}"),
    ]
]


def _korean(text: str) -> str:
    if text in MESSAGES:
        return MESSAGES[text]
    for pattern, template in PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            parts = {k: _korean(v) if v else "" for k, v in match.groupdict().items()}
            return template.format(**parts)
    return text


def tr(text: str) -> str:
    """``text`` in the current language (:func:`language`); English when nothing matches."""
    if language() == "en" or not text:
        return text
    return _korean(text)
