"""Checkers for notebook 06 (GoogLeNet: Inception modules, 1×1 reductions, auxiliary heads).

Each checker runs the learner's answer on several configurations and compares it with the
course's own models (``course_utils.models.Inception``, ``googlenet_loss``) or with
``course_utils.summary.layer_table``; when the answer is off it names the usual mistake it
looks like, never the expected value.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from course_utils.exercises import M, Verdict, call_answer, check_seed, report
from course_utils.i18n import define

__all__ = [
    "check_inception_params",
    "check_reduced_conv_macs",
    "check_auxiliary_loss",
    "TYPICAL_MISTAKES",
]


define(
    {
        # exercise 1
        "06.not_int_for": (
            "return an int, not {type} (for {where})",
            "{where}에서 int를 반환해야 한다 (지금은 {type})",
        ),
        "06.inception_bias": (
            "the biases are missing: each of the six convolutions has one bias per filter",
            "편향이 빠졌다: 합성곱 여섯 개 모두 필터마다 편향이 하나 있다",
        ),
        "06.inception_reduce": (
            "the two 1×1 reduce convolutions (ch3x3red, ch5x5red) have weights too",
            "1×1 축소 합성곱 두 개(ch3x3red, ch5x5red)에도 가중치가 있다",
        ),
        "06.inception_kxk_on_input": (
            "the 3×3 and 5×5 filters see the *reduced* channels (ch3x3red, ch5x5red), "
            "not all in_channels: that is the point of the 1×1 reduction",
            "3×3과 5×5 필터는 in_channels 전부가 아니라 *축소된* 채널(ch3x3red, ch5x5red)을 본다: "
            "그것이 1×1 축소의 요점이다",
        ),
        "06.inception_pool_proj": (
            "the max-pool has no weights, but the 1×1 projection after it (pool_proj) does",
            "최대 풀링에는 가중치가 없지만, 그 뒤의 1×1 투영(pool_proj)에는 있다",
        ),
        "06.inception_3x3_branch": (
            "the third branch uses the paper's 5×5 filters here, not 3×3 (torchvision's)",
            "여기서 세 번째 분기는 3×3(torchvision의 방식)이 아니라 논문의 5×5 필터를 쓴다",
        ),
        "06.inception_other": (
            "add (F·F·C_in + 1)·K over the six convolutions, branch by branch",
            "분기별로 합성곱 여섯 개의 (F·F·C_in + 1)·K를 더하라",
        ),
        "06.inception_ok": (
            "matches the parameter count of Inception(...) on three modules",
            "모듈 세 개에서 Inception(...)의 파라미터 수와 일치한다",
        ),
        # exercise 2
        "06.macs_no_reduce": (
            "the 1×1 reduce convolution costs MACs too: add them",
            "1×1 축소 합성곱에도 곱셈-누산 연산(MAC)이 든다: 그것도 더하라",
        ),
        "06.macs_in_channels": (
            "the k×k filters read the reduce layer's channels, not in_channels",
            "k×k 필터는 in_channels가 아니라 축소 층의 채널을 읽는다",
        ),
        "06.macs_kernel": (
            "a k×k filter has k·k weights per input channel: square the kernel",
            "k×k 필터에는 입력 채널마다 가중치가 k·k개 있다: 커널 크기를 제곱하라",
        ),
        "06.macs_size": (
            "an output map has size × size positions: square the size",
            "출력 맵에는 위치가 size × size개 있다: size를 제곱하라",
        ),
        "06.macs_other": (
            "per convolution: out_channels × H_out × W_out × F × F × in_channels",
            "합성곱마다: out_channels × H_out × W_out × F × F × in_channels",
        ),
        "06.macs_ok": (
            "matches layer_table on four reduce → k×k pairs",
            "축소 → k×k 쌍 네 개에서 layer_table과 일치한다",
        ),
        # exercise 3: the outputs a loss is checked on, and the messages
        "06.training_outputs": ("training-mode outputs", "학습 모드의 출력"),
        "06.training_outputs_weight": (
            "training-mode outputs with aux_weight={weight}",
            "aux_weight={weight}인 학습 모드의 출력",
        ),
        "06.outputs_no_aux2": ("outputs whose aux2 is None", "aux2가 None인 출력"),
        "06.plain_logits": ("a plain logits tensor (evaluation mode)", "일반 로짓 텐서(평가 모드)"),
        "06.for_where": ("{message} (for {where})", "{message} ({where}에서)"),
        "06.loss_not_tensor": (
            "return the loss as a one-number tensor (for {where})",
            "손실을 값이 하나인 텐서로 반환하라 ({where}에서)",
        ),
        "06.aux_eval": (
            "a plain tensor means evaluation mode: return its cross-entropy alone",
            "일반 텐서는 평가 모드라는 뜻이다: 그 교차 엔트로피만 반환하라",
        ),
        "06.aux_missing": ("the auxiliary heads' losses are missing", "보조 헤드의 손실이 빠졌다"),
        "06.aux_fixed_weight": (
            "use the aux_weight argument, not a fixed 0.3",
            "고정된 0.3이 아니라 인자 aux_weight를 써라",
        ),
        "06.aux_unweighted": (
            "the auxiliary losses are added without their weight",
            "보조 손실이 가중치 없이 더해졌다",
        ),
        "06.aux_mean": (
            "that is the mean of the three losses: weight only the auxiliary ones",
            "그것은 세 손실의 평균이다: 가중치는 보조 손실에만 곱하라",
        ),
        "06.aux_weight_on_main": (
            "the weight belongs on the auxiliary losses, not on the main one",
            "가중치는 주 손실이 아니라 보조 손실에 곱한다",
        ),
        "06.aux_other": (
            "main cross-entropy + aux_weight × (each auxiliary cross-entropy)",
            "주 교차 엔트로피 + aux_weight × (각 보조 교차 엔트로피)",
        ),
        "06.aux_ok": (
            "equals googlenet_loss with and without auxiliary heads",
            "보조 헤드가 있을 때와 없을 때 모두 googlenet_loss와 같다",
        ),
    }
)

# (in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj)
_INCEPTION_CASES = (
    (192, 64, 96, 128, 16, 32, 32),  # inception (3a)
    (832, 384, 192, 384, 48, 128, 128),  # inception (5b)
    (10, 3, 4, 5, 2, 7, 6),  # small and irregular: no two widths alike
)


def _as_int(value: object) -> int | None:
    """An int answer (a float that is a whole number or a one-element tensor is fine)."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, int) else None


def _inception_variants(c, c1, r3, c3, r5, c5, pp) -> dict[str, int]:
    """Parameter counts of the right answer and of the usual wrong ones."""

    def conv(cin, cout, k, bias=True):
        return (k * k * cin + int(bias)) * cout

    right = conv(c, c1, 1) + conv(c, r3, 1) + conv(r3, c3, 3) + conv(c, r5, 1)
    right += conv(r5, c5, 5) + conv(c, pp, 1)
    return {
        "right": right,
        "no bias": right - (c1 + r3 + c3 + r5 + c5 + pp),
        "no reduce": right - conv(c, r3, 1) - conv(c, r5, 1),
        "k×k on input": right - conv(r3, c3, 3) - conv(r5, c5, 5) + conv(c, c3, 3) + conv(c, c5, 5),
        "no pool proj": right - conv(c, pp, 1),
        "3×3 branch 3": right - conv(r5, c5, 5) + conv(r5, c5, 3),
    }


_INCEPTION_HINTS = {
    "no bias": M("06.inception_bias"),
    "no reduce": M("06.inception_reduce"),
    "k×k on input": M("06.inception_kxk_on_input"),
    "no pool proj": M("06.inception_pool_proj"),
    "3×3 branch 3": M("06.inception_3x3_branch"),
}


def _drawn_inception_cases(seed: int) -> list[tuple[int, ...]]:
    """Three modules with seven different widths each (so every usual mistake changes the count)."""
    rng = random.Random(seed)
    cases = []
    for _ in range(3):
        in_channels = rng.randint(8, 832)
        widths = rng.sample([c for c in range(1, 385) if c != in_channels], 6)
        cases.append((in_channels, *widths))
    return cases


def check_inception_params(params_fn: Callable[..., int], *, seed: int | None = None) -> Verdict:
    """Exercise 1: ``params_fn(in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj)``.

    The number of parameters of ``course_utils.models.Inception`` with those widths: no batch
    norm, every convolution with a bias, 5×5 filters in the third branch (the paper's module).
    ``seed``: None checks the notebook's three modules; an int ≥ 0 draws three others from it.
    """
    from course_utils.models import Inception, count_parameters

    seed = check_seed(seed)
    for case in _INCEPTION_CASES if seed is None else _drawn_inception_cases(seed):
        if seed is None:
            expected = count_parameters(Inception(*case))
        else:
            with torch.device("meta"):  # no weights to draw: as fast as the notebook's cases
                expected = count_parameters(Inception(*case))
        variants = _inception_variants(*case)
        assert variants["right"] == expected  # the hint table agrees with the model
        ok, got = call_answer(params_fn, *case)
        if not ok:
            return report(False, got)
        where = f"Inception{case}"
        value = _as_int(got)
        if value is None:
            return report(False, M("06.not_int_for", type=type(got).__name__, where=where))
        if value == expected:
            continue
        for name, hint in _INCEPTION_HINTS.items():
            if value == variants[name]:
                return report(False, M("wrong_for_colon", where=where, hint=hint))
        return report(False, M("wrong_for_colon", where=where, hint=M("06.inception_other")))
    return report(True, M("06.inception_ok"))


def _reduced_stack(in_channels: int, reduce: int, out_channels: int, kernel: int) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(in_channels, reduce, 1),
        nn.ReLU(),
        nn.Conv2d(reduce, out_channels, kernel, padding=kernel // 2),
    )


def _reduced_cases(seed: int | None) -> list[tuple[int, int, int, int, int]]:
    """(in_channels, reduce, out_channels, kernel, size): an odd kernel keeps the size."""
    if seed is None:
        return [(192, 16, 32, 5, 28), (192, 96, 128, 3, 28), (480, 48, 96, 5, 14), (7, 3, 5, 3, 9)]
    rng = random.Random(seed)
    return [
        (rng.randint(2, 512), rng.randint(1, 128), rng.randint(1, 256), kernel, rng.randint(2, 32))
        for kernel in (3, 5, rng.choice((1, 3, 5, 7)), rng.choice((3, 5, 7)))
    ]


def check_reduced_conv_macs(
    macs_fn: Callable[[int, int, int, int, int], int], *, seed: int | None = None
) -> Verdict:
    """Exercise 2: ``macs_fn(in_channels, reduce, out_channels, kernel, size)``.

    Multiply-accumulates per image of a 1×1 convolution (``in_channels → reduce``) followed
    by a ``kernel × kernel`` convolution with "same" padding (``reduce → out_channels``), on a
    ``size × size`` map. The reference is ``course_utils.summary.layer_table``.
    ``seed``: None checks the notebook's four pairs; an int ≥ 0 draws four others from it.
    """
    from course_utils.summary import layer_table

    seed = check_seed(seed)
    for c, r, k_out, kernel, size in _reduced_cases(seed):
        if seed is None:
            stack = _reduced_stack(c, r, k_out, kernel)
        else:
            with torch.device("meta"):  # layer_table runs on meta anyway: no weights to draw
                stack = _reduced_stack(c, r, k_out, kernel)
        expected = layer_table(stack, (c, size, size)).total_macs
        ok, got = call_answer(macs_fn, c, r, k_out, kernel, size)
        if not ok:
            return report(False, got)
        where = f"in_channels={c}, reduce={r}, out_channels={k_out}, kernel={kernel}, size={size}"
        value = _as_int(got)
        if value is None:
            return report(False, M("not_an_int_for", type=type(got).__name__, where=where))
        if value == expected:
            continue
        area = size * size
        one_by_one, kxk = area * c * r, area * r * k_out * kernel * kernel
        if value == 2 * expected:
            hint = M("macs_counted_as_flops")
        elif value == kxk:
            hint = M("06.macs_no_reduce")
        elif value == one_by_one + area * c * k_out * kernel * kernel:
            hint = M("06.macs_in_channels")
        elif value == one_by_one + area * r * k_out * kernel:
            hint = M("06.macs_kernel")
        elif value == size * (c * r + r * k_out * kernel * kernel):
            hint = M("06.macs_size")
        else:
            hint = M("06.macs_other")
        return report(False, M("wrong_for", where=where, hint=hint))
    return report(True, M("06.macs_ok"))


def check_auxiliary_loss(
    loss_fn: Callable[..., torch.Tensor], *, seed: int | None = None
) -> Verdict:
    """Exercise 3: ``loss_fn(outputs, target, aux_weight=0.3)``, GoogLeNet's training loss.

    ``outputs`` is a ``GoogLeNetOutputs(logits, aux1, aux2)`` in training mode (an auxiliary
    head may be ``None``) or a plain logits tensor (evaluation mode). The loss is the main
    cross-entropy plus ``aux_weight`` times each auxiliary head's cross-entropy; the
    reference is ``course_utils.models.googlenet_loss``.
    ``seed``: None checks the notebook's batch; an int ≥ 0 draws the batch, classes and weight.
    """
    from course_utils.models import GoogLeNetOutputs, googlenet_loss

    seed = check_seed(seed)
    if seed is None:
        g = torch.Generator().manual_seed(6)
        n, k, weight = 8, 5, 0.5
    else:
        g = torch.Generator().manual_seed(seed)
        rng = random.Random(seed)
        n, k = rng.randint(4, 32), rng.randint(3, 20)
        weight = rng.choice((0.1, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0))  # not the default 0.3

    def logits():
        return torch.randn(n, k, generator=g) * 2

    target = torch.randint(0, k, (n,), generator=g)
    main, a1, a2 = logits(), logits(), logits()
    cases = (
        (M("06.training_outputs"), GoogLeNetOutputs(main, a1, a2), {}),
        (
            M("06.training_outputs_weight", weight=weight),
            GoogLeNetOutputs(main, a1, a2),
            {"aux_weight": weight},
        ),
        (M("06.outputs_no_aux2"), GoogLeNetOutputs(main, a1, None), {}),
        (M("06.plain_logits"), main, {}),
    )
    ce = [F.cross_entropy(t, target).item() for t in (main, a1, a2)]
    for where, outputs, kwargs in cases:
        expected = googlenet_loss(outputs, target, **kwargs)
        ok, got = call_answer(loss_fn, outputs, target, **kwargs)
        if not ok:
            return report(False, M("06.for_where", message=got, where=where))
        if isinstance(got, float):
            got = torch.tensor(got)
        if not isinstance(got, torch.Tensor) or got.numel() != 1:
            return report(False, M("06.loss_not_tensor", where=where))
        value = float(got)
        if abs(value - float(expected)) < 1e-5:
            continue
        w = kwargs.get("aux_weight", 0.3)
        if isinstance(outputs, torch.Tensor):
            hint = M("06.aux_eval")
        elif abs(value - ce[0]) < 1e-5:
            hint = M("06.aux_missing")
        elif w != 0.3 and abs(value - (ce[0] + 0.3 * (ce[1] + ce[2]))) < 1e-5:
            hint = M("06.aux_fixed_weight")
        elif outputs.aux2 is not None and abs(value - sum(ce)) < 1e-5:
            hint = M("06.aux_unweighted")
        elif outputs.aux2 is not None and abs(value - sum(ce) / 3) < 1e-5:
            hint = M("06.aux_mean")
        elif outputs.aux2 is not None and abs(value - (w * ce[0] + ce[1] + ce[2])) < 1e-5:
            hint = M("06.aux_weight_on_main")
        else:
            hint = M("06.aux_other")
        return report(False, M("wrong_for_colon", where=where, hint=hint))
    return report(True, M("06.aux_ok"))


# ---------------------------------------------------------------------------------------------
# one usual mistake per exercise, as code a student might write: every checker rejects it, with
# the notebook's cases and with any seed (the autograder's tests use them to test the tests)

TYPICAL_MISTAKES: dict[str, str] = {
    # the 3×3 and 5×5 filters see all in_channels, not the reduced ones
    "06.1": """
def inception_params(in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj):
    def conv(c_in, c_out, k):
        return (k * k * c_in + 1) * c_out

    branch1 = conv(in_channels, ch1x1, 1)
    branch2 = conv(in_channels, ch3x3red, 1) + conv(in_channels, ch3x3, 3)
    branch3 = conv(in_channels, ch5x5red, 1) + conv(in_channels, ch5x5, 5)
    branch4 = conv(in_channels, pool_proj, 1)
    return branch1 + branch2 + branch3 + branch4
""",
    # the notebook's starter: the 1×1 reduce layer is counted as free
    "06.2": """
def reduced_conv_macs(in_channels, reduce, out_channels, kernel, size):
    return size * size * reduce * out_channels * kernel * kernel
""",
    # a fixed weight of 0.3 instead of the aux_weight argument
    "06.3": """
import torch
import torch.nn.functional as F


def auxiliary_loss(outputs, target, aux_weight=0.3):
    if isinstance(outputs, torch.Tensor):
        return F.cross_entropy(outputs, target)
    loss = F.cross_entropy(outputs.logits, target)
    for aux in (outputs.aux1, outputs.aux2):
        if aux is not None:
            loss = loss + 0.3 * F.cross_entropy(aux, target)
    return loss
""",
}
