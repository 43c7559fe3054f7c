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
>>> os.environ["COURSE_LANG"] = "en"; tr("correct")
'correct'

The language is read at each call, so setting ``os.environ["COURSE_LANG"]`` in a running
kernel takes effect at once.
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
    "return a pair (dense, conv) of two integers": "정수 두 개의 쌍 (dense, conv)를 반환하라",
    "the kernel is all zeros (or not finite): it responds to nothing": (
        "커널이 모두 0이다(또는 유한하지 않다): 아무것에도 반응하지 않는다"
    ),
    "it responds to a flat region: an edge detector's weights sum to 0": (
        "평탄한 영역에 반응한다: 에지 검출기의 가중치는 합이 0이어야 한다"
    ),
    "it hardly responds to a horizontal edge: weight the rows differently": (
        "수평 에지에 거의 반응하지 않는다: 행마다 가중치를 다르게 주어라"
    ),
    "the returned loss is not the cross-entropy before the step": (
        "반환한 손실이 갱신 전의 교차 엔트로피가 아니다"
    ),
    # success messages of notebooks 00–03
    "your hand derivative equals autograd's on three random problems": (
        "손으로 구한 도함수가 무작위 문제 세 개에서 자동 미분의 결과와 같다"
    ),
    "matches torch's FLOP counter on three layers": "층 세 개에서 torch의 FLOP 카운터와 일치한다",
    "equals F.conv2d on five images, kernels and strides": (
        "이미지, 커널, 스트라이드 다섯 가지 조합에서 F.conv2d와 같다"
    ),
    "both counts agree with conv_math on four layers": "층 네 개에서 두 개수 모두 conv_math와 일치한다",
    "silent on flat regions and vertical edges, strong on horizontal ones": (
        "평탄한 영역과 수직 에지에는 반응하지 않고, 수평 에지에는 강하게 반응한다"
    ),
    "reproduces the convolution for 3×3 and 5×5 kernels": "3×3과 5×5 커널에서 합성곱을 재현한다",
    "equals nn.Conv2d's output size on 40 layers, dilated ones included": (
        "팽창 합성곱을 포함한 층 40개에서 nn.Conv2d의 출력 크기와 같다"
    ),
    "equals PyTorch's parameter count on 30 layers, AlexNet's split conv2 too": (
        "AlexNet의 나뉜 conv2를 포함한 층 30개에서 PyTorch의 파라미터 수와 같다"
    ),
    "right for fields 3 to 21, and impossible fields are refused": (
        "수용 영역 3부터 21까지 맞고, 불가능한 수용 영역은 거부한다"
    ),
    "equals conv_math.receptive_field on 20 stacks, AlexNet's included": (
        "AlexNet을 포함한 층 묶음 20개에서 conv_math.receptive_field와 같다"
    ),
    "equals F.max_pool2d on four inputs, overlapping windows included": (
        "겹치는 창을 포함한 입력 네 개에서 F.max_pool2d와 같다"
    ),
    "your convolution equals F.avg_pool2d on three inputs": (
        "여러분의 합성곱이 입력 세 개에서 F.avg_pool2d와 같다"
    ),
}

# Messages with values in them: (regular expression, Korean template). Named groups are
# translated by tr() in turn (a hint inside a message), then put into the template.
PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p, re.DOTALL), t)
    for p, t in [
        (r"your function raised (?P<exc>\w+): (?P<msg>.*)", "함수가 {exc}를 일으켰다: {msg}"),
        (
            r"pass your function itself \(not its result\); got (?P<type>\S+)",
            "함수의 결과가 아니라 함수 자체를 넘겨라 (지금은 {type})",
        ),
        (
            r"return a tensor, not (?P<type>[\w.]+) \((?:for )?(?P<where>.*)\)",
            "텐서를 반환해야 한다 (지금은 {type}, {where})",
        ),
        (r"return a tensor, not (?P<type>[\w.]+)", "텐서를 반환해야 한다 (지금은 {type})"),
        (
            r"return an int, not (?P<type>[\w.]+) \((?:for )?(?P<where>.*)\)",
            "int를 반환해야 한다 (지금은 {type}, {where})",
        ),
        (
            r"return a whole number \(an int\), not (?P<got>.*)",
            "정수(int)를 반환해야 한다 (지금은 {got})",
        ),
        (
            r"return one number \(a float\), not (?P<type>[\w.]+)",
            "수 하나(float)를 반환해야 한다 (지금은 {type})",
        ),
        (
            r"return the loss as a one-number tensor \(for (?P<where>.*)\)",
            "손실을 값이 하나인 텐서로 반환하라 ({where})",
        ),
        (
            r"output shape (?P<shape>.+?) is wrong for (?P<where>.*?): (?P<hint>.*)",
            "{where}에서 출력 모양 {shape}이 틀렸다: {hint}",
        ),
        (r"wrong for (?P<where>.*?): (?P<hint>.*)", "{where}에서 틀렸다: {hint}"),
        (r"wrong for (?P<where>.*) \((?P<hint>[^()]*)\)", "{where}에서 틀렸다 ({hint})"),
        (r"wrong for (?P<where>.*)", "{where}에서 틀렸다"),
        (
            r"the values differ from (?P<ref>.+?) for (?P<where>.*)",
            "{where}에서 값이 {ref}와 다르다",
        ),
        (r"rows and columns are swapped for (?P<where>.*)", "{where}에서 행과 열이 뒤바뀌었다"),
        (
            r"the (?P<which>dense|conv) count is off (?:for )?(?P<where>.*) \((?P<hint>[^()]*)\)",
            "{where}에서 {which} 개수가 틀렸다 ({hint})",
        ),
        (
            r"the kernel must be 3×3; got shape (?P<shape>.*)",
            "커널은 3×3이어야 한다 (지금 모양은 {shape})",
        ),
        (
            r"the gradient must have w's shape (?P<shape>.+); got (?P<got>.*)",
            "기울기는 w와 같은 모양 {shape}이어야 한다 (지금은 {got})",
        ),
        (r"differs from autograd for (?P<where>.*)", "{where}에서 자동 미분의 결과와 다르다"),
        (
            r"the weights after step (?P<n>\d) differ from plain SGD: did you clear old "
            r"gradients \(optimizer\.zero_grad\(\)\) before backward\?",
            "{n}번째 단계 뒤의 가중치가 일반 SGD와 다르다: backward 전에 이전 기울기를 "
            "지웠는가 (optimizer.zero_grad())?",
        ),
        (
            r"return the loss as a Python float \(loss\.item\(\)\), not (?P<type>[\w.]+)",
            "손실을 파이썬 float로 반환하라 (loss.item()), 지금은 {type}",
        ),
        (r"for (?P<where>[^:]+): (?P<hint>.*)", "{where}에서: {hint}"),
    ]
]

# Fragments that often appear inside a message (hints), translated when a pattern captures them.
MESSAGES.update(
    {
        "count a multiply-add as 2 FLOPs": "곱셈-덧셈 하나를 2 FLOP으로 세어라",
        "check each factor": "곱하는 인수를 하나씩 확인하라",
        "the weights did not change: call optimizer.step()": (
            "가중치가 바뀌지 않았다: optimizer.step()을 호출하라"
        ),
        "the dense layer has one bias per output unit": "완전 연결층은 출력 유닛마다 편향이 하나 있다",
        "with groups each filter sees only C/groups input channels, not all C": (
            "그룹이 있으면 각 필터는 입력 채널 C개 전부가 아니라 C/groups개만 본다"
        ),
        "it responds to a vertical edge (dark left, bright right): each column of weights "
        "must cancel out on its own": (
            "수직 에지(왼쪽 어둡고 오른쪽 밝음)에 반응한다: 가중치의 각 열이 스스로 상쇄되어야 한다"
        ),
    }
)


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
