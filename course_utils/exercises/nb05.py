"""Checkers for notebook 05 (VGG: small filters, made deep)."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from fractions import Fraction

import torch
import torch.nn.functional as F

from course_utils.exercises import M, Verdict, call_answer, check_seed, report
from course_utils.i18n import define

__all__ = [
    "check_stack_for_field",
    "check_compose_kernels",
    "check_vgg_params",
    "TYPICAL_MISTAKES",
]


define(
    {
        # exercise 1
        "05.not_a_pair": (
            "return a pair (n_layers, fraction), got {got} for field {field}",
            "수용 영역 {field}에 대해 (n_layers, fraction) 쌍을 반환하라 (지금은 {got})",
        ),
        "05.n_not_int": (
            "n_layers must be an int, got {type} for field {field}",
            "수용 영역 {field}에서 n_layers는 int여야 한다 (지금은 {type})",
        ),
        "05.fraction_not_number": (
            "the fraction must be a number, got {type} for field {field}",
            "수용 영역 {field}에서 fraction은 수여야 한다 (지금은 {type})",
        ),
        "05.n_wrong": (
            "n_layers is wrong for a {size} field ({hint})",
            "{size} 수용 영역에서 n_layers가 틀렸다 ({hint})",
        ),
        "05.n_plus_one": (
            "one 3×3 layer already sees 3 pixels: count the layers, not the layers + 1",
            "3×3 층 하나가 이미 3 픽셀을 본다: 층 수 + 1이 아니라 층 수를 세어라",
        ),
        "05.n_thirds": (
            "each stride-1 3×3 layer adds 2 pixels to the field (3 − 1), not 3",
            "스트라이드 1인 3×3 층은 수용 영역에 3이 아니라 2 픽셀(3 − 1)을 더한다",
        ),
        "05.n_other": (
            "a stack of n stride-1 3×3 layers sees 2n + 1 pixels",
            "스트라이드 1인 3×3 층 n개를 쌓으면 2n + 1 픽셀을 본다",
        ),
        "05.fraction_wrong": (
            "the fraction is wrong for a {size} field ({hint})",
            "{size} 수용 영역에서 fraction이 틀렸다 ({hint})",
        ),
        "05.fraction_inverse": (
            "that is the single layer over the stack: divide the stack's weights by the single "
            "layer's",
            "그것은 단일 층을 층 묶음으로 나눈 값이다: 층 묶음의 가중치 수를 단일 층의 가중치 수로 "
            "나누어라",
        ),
        "05.fraction_k": (
            "a k×k filter has k·k weights per pair of channels, not k",
            "k×k 필터에는 채널 쌍마다 가중치가 k개가 아니라 k·k개 있다",
        ),
        "05.fraction_one": (
            "count the weights of every layer of the stack, not of one",
            "층 하나가 아니라 층 묶음의 모든 층의 가중치를 세어라",
        ),
        "05.fraction_other": (
            "per layer, a C→C k×k convolution has k·k·C·C weights",
            "층마다, C→C k×k 합성곱에는 가중치가 k·k·C·C개 있다",
        ),
        "05.impossible_raised": (
            "field {field} raised {exc}; raise a ValueError that says why",
            "수용 영역 {field}에서 {exc} 예외가 발생했다: 이유를 알려 주는 ValueError를 일으켜라",
        ),
        "05.impossible_accepted": (
            "field {field} cannot be made by 3×3 layers (the field is 3, 5, 7, …): raise a "
            "ValueError",
            "크기가 {field}인 수용 영역은 3×3 층으로 만들 수 없다 (수용 영역은 3, 5, 7, …): "
            "ValueError를 일으켜라",
        ),
        "05.field_ok": (
            "right for fields 3 to 21, and impossible fields are refused",
            "수용 영역 3부터 21까지 맞고, 불가능한 수용 영역은 거부한다",
        ),
        # exercise 2
        "05.not_a_tensor": (
            "return a tensor (the kernel), not {type} ({shapes})",
            "텐서(커널)를 반환하라 (지금은 {type}, 가중치 {shapes})",
        ),
        "05.kernel_shape": (
            "kernel of shape {shape} for weights {shapes}: {hint}",
            "가중치 {shapes}에서 커널의 모양이 {shape|이다}: {hint}",
        ),
        "05.kernel_grows": (
            "every k×k layer widens the field by k − 1, so the kernel grows with each layer",
            "k×k 층은 하나마다 수용 영역을 k − 1만큼 넓히므로, 커널은 층마다 커진다",
        ),
        "05.kernel_axes": (
            "the kernel is (out channels, in channels, k, k): swap the first two axes",
            "커널은 (출력 채널, 입력 채널, k, k)이다: 앞의 두 축을 맞바꿔라",
        ),
        "05.kernel_shape_other": (
            "shape (out channels of the last layer, in channels of the first, k, k)",
            "모양은 (마지막 층의 출력 채널, 첫 층의 입력 채널, k, k)",
        ),
        "05.flipped": (
            "your kernel is flipped: F.conv2d does not flip its kernel (a cross-correlation), "
            "so the composed kernel must not be flipped either ({shapes})",
            "커널이 뒤집혔다: F.conv2d는 커널을 뒤집지 않으므로(교차 상관) 합성한 커널도 "
            "뒤집으면 안 된다 (가중치 {shapes})",
        ),
        "05.swapped": (
            "input and output channels are swapped ({shapes})",
            "입력 채널과 출력 채널이 뒤바뀌었다 (가중치 {shapes})",
        ),
        "05.chain_differs": (
            "F.conv2d(x, kernel) differs from the chain for weights {shapes} by up to {diff:.3g}",
            "가중치 {shapes}에서 F.conv2d(x, kernel)의 결과가 합성곱 사슬과 최대 {diff:.3g}만큼 "
            "다르다",
        ),
        "05.compose_ok": (
            "one kernel equals the chain on four stacks, 5×5-then-3×3 included",
            "5×5 다음 3×3인 경우를 포함한 층 묶음 네 개에서 커널 하나가 합성곱 사슬과 같다",
        ),
        # exercise 3
        "05.count_wrong": (
            "{got:,} is wrong for {where} ({hint})",
            "{where}에서 틀렸다 (지금 답은 {got:,}): {hint}",
        ),
        "05.vgg_bias": (
            "count one bias per output channel of each convolution and per unit of each dense "
            "layer",
            "편향을 세어라: 합성곱마다 출력 채널당 하나, 완전 연결층마다 유닛당 하나",
        ),
        "05.vgg_head": (
            "add the dense head: flatten → hidden → hidden → classes",
            "완전 연결 헤드를 더하라: 평탄화 → hidden → hidden → num_classes",
        ),
        "05.vgg_pools": (
            "the image side halves at every 'M', so the flattened map is smaller than the input",
            "이미지의 한 변은 'M'마다 절반이 되므로, 평탄화하는 특징 맵은 입력보다 작다",
        ),
        "05.vgg_one_hidden": (
            "the head has two hidden dense layers before the output layer",
            "헤드에는 출력층 앞에 은닉 완전 연결층이 두 개 있다",
        ),
        "05.vgg_other": (
            "per 3×3 conv: (9·C + 1)·K; per dense layer: (in + 1)·out",
            "3×3 합성곱마다 (9·C + 1)·K, 완전 연결층마다 (입력 수 + 1)·출력 수",
        ),
        "05.vgg_ok": (
            "equals the built models on four columns, VGG-11 and VGG-19 included",
            "VGG-11과 VGG-19를 포함한 구성 네 개에서 실제로 만든 모델과 같다",
        ),
    }
)


# ---------------------------------------------------------------------------------------------
# exercise 1: how many 3×3 layers for a field, and what they save


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | Fraction) and not isinstance(value, bool)


def _field_cases(seed: int | None) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(fields a stack can see, fields it cannot); with a ``seed``: 3, 21 and five odd fields
    between, at least one of them not among the notebook's, and another even field."""
    if seed is None:
        return (3, 5, 7, 9, 11, 15, 21), (6, 1, 0)
    rng = random.Random(seed)
    unseen = rng.choice((13, 17, 19))  # not among the notebook's fields
    others = rng.sample([f for f in range(5, 21, 2) if f != unseen], 4)
    return (3, *sorted([unseen, *others]), 21), (rng.randrange(2, 22, 2), 1, 0)


def check_stack_for_field(
    stack_fn: Callable[[int], tuple[int, float]], *, seed: int | None = None
) -> Verdict:
    """Exercise 1: ``stack_fn(field)`` returns ``(n_layers, fraction)`` for an odd ``field`` ≥ 3.

    ``n_layers``: stride-1 3×3 layers whose stack sees ``field``×``field`` pixels;
    ``fraction``: their weights (C→C channels each, no bias) divided by those of one
    ``field``×``field`` layer with C→C channels. An even field or one below 3 raises ``ValueError``.
    ``seed``: None checks the notebook's fields; an int ≥ 0 draws other fields from 3 to 21.
    """
    seed = check_seed(seed)
    fields, impossible = _field_cases(seed)
    for field in fields:
        ok, got = call_answer(stack_fn, field)
        if not ok:
            return report(False, got)
        if not isinstance(got, tuple | list) or len(got) != 2:
            return report(False, M("05.not_a_pair", got=repr(got), field=field))
        n, fraction = got
        if isinstance(n, float) and n.is_integer():
            n = int(n)
        if isinstance(n, bool) or not isinstance(n, int):
            return report(False, M("05.n_not_int", type=type(n).__name__, field=field))
        if not _is_number(fraction):
            return report(
                False, M("05.fraction_not_number", type=type(fraction).__name__, field=field)
            )
        n_right = (field - 1) // 2
        if n != n_right:
            if n == n_right + 1:
                hint = M("05.n_plus_one")
            elif n in (field // 3, round(field / 3)):
                hint = M("05.n_thirds")
            else:
                hint = M("05.n_other")
            return report(False, M("05.n_wrong", size=f"{field}×{field}", hint=hint))
        right = Fraction(9 * n_right, field * field)
        if abs(float(fraction) - float(right)) < 1e-9:
            continue
        if field > 3 and abs(float(fraction) - 1 / float(right)) < 1e-9:
            hint = M("05.fraction_inverse")
        elif abs(float(fraction) - float(Fraction(3 * n_right, field))) < 1e-9:
            hint = M("05.fraction_k")
        elif abs(float(fraction) - float(Fraction(9, field * field))) < 1e-9 and field > 3:
            hint = M("05.fraction_one")
        else:
            hint = M("05.fraction_other")
        return report(False, M("05.fraction_wrong", size=f"{field}×{field}", hint=hint))
    for bad in impossible:
        try:
            stack_fn(bad)
        except ValueError:
            continue
        except Exception as exc:  # noqa: BLE001 - any other error is the learner's to fix
            return report(False, M("05.impossible_raised", field=bad, exc=type(exc).__name__))
        return report(False, M("05.impossible_accepted", field=bad))
    return report(True, M("05.field_ok"))


# ---------------------------------------------------------------------------------------------
# exercise 2: a linear stack is one convolution


def _chain(x: torch.Tensor, weights: Sequence[torch.Tensor]) -> torch.Tensor:
    for w in weights:
        x = F.conv2d(x, w)
    return x


def _composed(weights: Sequence[torch.Tensor]) -> torch.Tensor:
    """The reference: push one-pixel impulses through the chain and read the kernel off."""
    c = weights[0].shape[1]
    k = sum(w.shape[-1] - 1 for w in weights) + 1
    impulses = torch.zeros(c, c, 2 * k - 1, 2 * k - 1, dtype=weights[0].dtype)
    impulses[torch.arange(c), torch.arange(c), k - 1, k - 1] = 1
    return _chain(impulses, weights).transpose(0, 1).flip(-1, -2)


def _kernel_stacks(seed: int | None) -> tuple[tuple[list[torch.Tensor], ...], torch.Generator]:
    """Four chains of weights, and the generator for the test input of a wrong answer.

    With a ``seed`` the widths and kernel sizes are drawn too: two layers, three layers (as
    many channels out as in), a 5×5 then a 3×3, one layer.
    """
    g = torch.Generator().manual_seed(5 if seed is None else seed)

    def w(k_out, c_in, k):
        return torch.randn(k_out, c_in, k, k, generator=g, dtype=torch.float64)

    if seed is None:
        cases = (
            [w(4, 2, 3), w(3, 4, 3)],  # two 3×3: a 5×5
            [w(3, 3, 3), w(3, 3, 3), w(3, 3, 3)],  # VGG's three 3×3: a 7×7
            [w(5, 1, 5), w(2, 5, 3)],  # different kernel sizes
            [w(2, 3, 3)],  # one layer: itself
        )
        return cases, g
    rng = random.Random(seed)

    def chain(kernels, square=False):
        widths = [rng.randint(1, 5) for _ in range(len(kernels) + 1)]
        if square:  # as many channels out as in: a swap of the two axes keeps the shape
            widths[0] = widths[-1] = rng.randint(2, 5)
        return [w(widths[i + 1], widths[i], k) for i, k in enumerate(kernels)]

    cases = (
        chain([rng.randint(2, 4), rng.randint(2, 4)]),
        chain([rng.randint(1, 3) for _ in range(3)], square=True),
        chain([5, 3]),
        chain([rng.randint(1, 5)]),
    )
    return cases, g


def check_compose_kernels(
    compose_fn: Callable[[list[torch.Tensor]], torch.Tensor], *, seed: int | None = None
) -> Verdict:
    """Exercise 2: ``compose_fn(weights)`` is the one kernel that equals a chain of convolutions.

    ``weights[i]`` has shape ``(K_i, C_i, k_i, k_i)`` with ``C_{i+1} = K_i``; the chain is
    ``F.conv2d`` with stride 1, no padding and no bias, and no activation in between. The answer
    has shape ``(K_last, C_first, k, k)`` and ``F.conv2d(x, answer)`` equals the chain.
    ``seed``: None checks the notebook's four stacks; an int ≥ 0 draws other widths, sizes, weights.
    """
    seed = check_seed(seed)
    cases, g = _kernel_stacks(seed)
    for weights in cases:
        shapes = " → ".join("×".join(map(str, wi.shape)) for wi in weights)
        ok, got = call_answer(compose_fn, [wi.clone() for wi in weights])
        if not ok:
            return report(False, got)
        expected = _composed(weights)
        if not isinstance(got, torch.Tensor):
            return report(False, M("05.not_a_tensor", type=type(got).__name__, shapes=shapes))
        got = got.detach().to(torch.float64)
        if got.shape != expected.shape:
            k_out, c_in, k = expected.shape[0], expected.shape[1], expected.shape[-1]
            if got.dim() == 4 and got.shape[-1] != k:
                hint = M("05.kernel_grows")
            elif got.dim() == 4 and tuple(got.shape[:2]) == (c_in, k_out) and c_in != k_out:
                hint = M("05.kernel_axes")
            else:
                hint = M("05.kernel_shape_other")
            return report(
                False, M("05.kernel_shape", shape=str(tuple(got.shape)), shapes=shapes, hint=hint)
            )
        if torch.allclose(got, expected, atol=1e-8):
            continue
        if torch.allclose(got, expected.flip(-1, -2), atol=1e-8):
            return report(False, M("05.flipped", shapes=shapes))
        if expected.shape[0] == expected.shape[1] and torch.allclose(
            got, expected.transpose(0, 1), atol=1e-8
        ):
            return report(False, M("05.swapped", shapes=shapes))
        x = torch.randn(2, weights[0].shape[1], 12, 12, generator=g, dtype=torch.float64)
        diff = (F.conv2d(x, got) - _chain(x, weights)).abs().max().item()
        return report(False, M("05.chain_differs", shapes=shapes, diff=diff))
    return report(True, M("05.compose_ok"))


# ---------------------------------------------------------------------------------------------
# exercise 3: parameters of a VGG column


def _vgg_count(cfg, num_classes, input_size, hidden, in_channels, *, bias=True, head=True,
               pools=True, hidden_layers=2) -> int:  # fmt: skip
    total, c = 0, in_channels
    for v in cfg:
        if v == "M":
            continue
        total += (9 * c + int(bias)) * v
        c = v
    if not head:
        return total
    side = input_size // 2 ** sum(v == "M" for v in cfg) if pools else input_size
    widths = [c * side * side] + [hidden] * hidden_layers + [num_classes]
    return total + sum((a + int(bias)) * b for a, b in zip(widths[:-1], widths[1:], strict=True))


def _vgg_cases(seed: int | None) -> list[tuple[list, int, int, int, int]]:
    """(cfg, num_classes, input_size, hidden, in_channels).

    With a ``seed``: VGG-11 and VGG-19 with drawn sizes, and two drawn columns (one to five
    stages of one to three 3×3 layers, each stage ending in "M").
    """
    from course_utils.models import VGG_CONFIGS, mini_vgg_config

    if seed is None:
        return [
            (VGG_CONFIGS["A"], 1000, 224, 4096, 3),
            (mini_vgg_config(16), 10, 32, 256, 3),
            (mini_vgg_config(8), 6, 64, 128, 1),
            (VGG_CONFIGS["E"], 20, 32, 512, 3),
        ]
    rng = random.Random(seed)

    def sizes(pools):  # num_classes, input_size (a multiple of 2**pools), hidden, in_channels
        side = rng.randint(1, 7)
        return rng.randint(2, 1000), side * 2**pools, rng.randint(8, 1024), rng.randint(1, 4)

    def column():
        cfg: list = []
        for _ in range(rng.randint(1, 5)):
            cfg += [rng.randint(4, 128) for _ in range(rng.randint(1, 3))] + ["M"]
        return cfg

    first, second = column(), column()
    return [
        (VGG_CONFIGS["A"], *sizes(5)),
        (first, *sizes(first.count("M"))),
        (second, *sizes(second.count("M"))),
        (VGG_CONFIGS["E"], *sizes(5)),
    ]


def check_vgg_params(params_fn: Callable[..., int], *, seed: int | None = None) -> Verdict:
    """Exercise 3: ``params_fn(cfg, num_classes, input_size, hidden, in_channels)`` counts a VGG.

    ``cfg`` is a column of the paper's Table 1 as in ``course_utils.models.VGG_CONFIGS``
    (widths of 3×3 padding-1 convolutions, "M" for a 2×2 max pool); the head is
    flatten → ``hidden`` → ``hidden`` → ``num_classes``, all with biases. The reference is
    ``count_parameters(VGG(cfg, num_classes, input_size=..., hidden=..., in_channels=...))``.
    ``seed``: None checks the notebook's four columns; an int ≥ 0 draws two columns and all sizes.
    """
    from course_utils.models import VGG, count_parameters

    seed = check_seed(seed)
    for cfg, classes, size, hidden, channels in _vgg_cases(seed):
        with torch.device("meta"):
            expected = count_parameters(
                VGG(list(cfg), classes, input_size=size, hidden=hidden, in_channels=channels)
            )
        ok, got = call_answer(params_fn, list(cfg), classes, size, hidden, channels)
        if not ok:
            return report(False, got)
        where = (
            f"cfg={list(cfg)}, num_classes={classes}, input_size={size}, hidden={hidden}, "
            f"in_channels={channels}"
        )
        if isinstance(got, float) and got.is_integer():
            got = int(got)
        if isinstance(got, bool) or not isinstance(got, int):
            return report(False, M("not_an_int_for", type=type(got).__name__, where=where))
        if got == expected:
            continue
        args = (cfg, classes, size, hidden, channels)
        wrong = {
            M("05.vgg_bias"): _vgg_count(*args, bias=False),
            M("05.vgg_head"): _vgg_count(*args, head=False),
            M("05.vgg_pools"): _vgg_count(*args, pools=False),
            M("05.vgg_one_hidden"): _vgg_count(*args, hidden_layers=1),
        }
        for hint, value in wrong.items():
            if got == value:
                return report(False, M("05.count_wrong", got=got, where=where, hint=hint))
        return report(False, M("05.count_wrong", got=got, where=where, hint=M("05.vgg_other")))
    return report(True, M("05.vgg_ok"))


# ---------------------------------------------------------------------------------------------
# one usual mistake per exercise, as code a student might write: every checker rejects it, with
# the notebook's cases and with any seed (the autograder's tests use them to test the tests)

TYPICAL_MISTAKES: dict[str, str] = {
    # impossible fields (even, or below 3) are not refused with a ValueError
    "05.1": """
def stack_for_field(field):
    n_layers = (field - 1) // 2
    return n_layers, 9 * n_layers / field**2
""",
    # F.conv2d is a cross-correlation: the later kernels are not flipped
    "05.2": """
import torch.nn.functional as F


def compose_kernels(weights):
    kernel = weights[0]
    for w in weights[1:]:
        k = w.shape[-1]
        kernel = F.conv2d(kernel.transpose(0, 1), w, padding=k - 1).transpose(0, 1)
    return kernel
""",
    # the pools are forgotten: the head flattens a map of the input's side
    "05.3": """
def vgg_params(cfg, num_classes, input_size, hidden, in_channels):
    total, c = 0, in_channels
    for v in cfg:
        if v == "M":
            continue
        total += (9 * c + 1) * v
        c = v
    flat = c * input_size * input_size
    total += (flat + 1) * hidden + (hidden + 1) * hidden + (hidden + 1) * num_classes
    return total
""",
}
