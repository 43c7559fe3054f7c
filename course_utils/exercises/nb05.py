"""Checkers for notebook 05 (VGG: small filters, made deep)."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from fractions import Fraction

import torch
import torch.nn.functional as F

from course_utils.exercises import Verdict, call_answer, check_seed, report

__all__ = [
    "check_stack_for_field",
    "check_compose_kernels",
    "check_vgg_params",
    "TYPICAL_MISTAKES",
]


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
            return report(
                False, f"return a pair (n_layers, fraction), got {got!r} for field {field}"
            )
        n, fraction = got
        if isinstance(n, float) and n.is_integer():
            n = int(n)
        if isinstance(n, bool) or not isinstance(n, int):
            return report(
                False, f"n_layers must be an int, got {type(n).__name__} for field {field}"
            )
        if not _is_number(fraction):
            return report(
                False,
                f"the fraction must be a number, got {type(fraction).__name__} for field {field}",
            )
        n_right = (field - 1) // 2
        if n != n_right:
            if n == n_right + 1:
                hint = "one 3×3 layer already sees 3 pixels: count the layers, not the layers + 1"
            elif n in (field // 3, round(field / 3)):
                hint = "each stride-1 3×3 layer adds 2 pixels to the field (3 − 1), not 3"
            else:
                hint = "a stack of n stride-1 3×3 layers sees 2n + 1 pixels"
            return report(False, f"n_layers is wrong for a {field}×{field} field ({hint})")
        right = Fraction(9 * n_right, field * field)
        if abs(float(fraction) - float(right)) < 1e-9:
            continue
        if field > 3 and abs(float(fraction) - 1 / float(right)) < 1e-9:
            hint = "that is the single layer over the stack: divide the stack's weights by the single layer's"
        elif abs(float(fraction) - float(Fraction(3 * n_right, field))) < 1e-9:
            hint = "a k×k filter has k·k weights per pair of channels, not k"
        elif abs(float(fraction) - float(Fraction(9, field * field))) < 1e-9 and field > 3:
            hint = "count the weights of every layer of the stack, not of one"
        else:
            hint = "per layer, a C→C k×k convolution has k·k·C·C weights"
        return report(False, f"the fraction is wrong for a {field}×{field} field ({hint})")
    for bad in impossible:
        try:
            stack_fn(bad)
        except ValueError:
            continue
        except Exception as exc:  # noqa: BLE001 - any other error is the learner's to fix
            return report(
                False, f"field {bad} raised {type(exc).__name__}; raise a ValueError that says why"
            )
        return report(
            False,
            f"field {bad} cannot be made by 3×3 layers (the field is 3, 5, 7, …): raise a ValueError",
        )
    return report(True, "right for fields 3 to 21, and impossible fields are refused")


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
            return report(
                False, f"return a tensor (the kernel), not {type(got).__name__} ({shapes})"
            )
        got = got.detach().to(torch.float64)
        if got.shape != expected.shape:
            k_out, c_in, k = expected.shape[0], expected.shape[1], expected.shape[-1]
            if got.dim() == 4 and got.shape[-1] != k:
                hint = (
                    "every k×k layer widens the field by k − 1, so the kernel grows with each layer"
                )
            elif got.dim() == 4 and tuple(got.shape[:2]) == (c_in, k_out) and c_in != k_out:
                hint = "the kernel is (out channels, in channels, k, k): swap the first two axes"
            else:
                hint = "shape (out channels of the last layer, in channels of the first, k, k)"
            return report(False, f"kernel of shape {tuple(got.shape)} for weights {shapes}: {hint}")
        if torch.allclose(got, expected, atol=1e-8):
            continue
        if torch.allclose(got, expected.flip(-1, -2), atol=1e-8):
            return report(
                False,
                "your kernel is flipped: F.conv2d does not flip its kernel (a cross-correlation), "
                f"so the composed kernel must not be flipped either ({shapes})",
            )
        if expected.shape[0] == expected.shape[1] and torch.allclose(
            got, expected.transpose(0, 1), atol=1e-8
        ):
            return report(False, f"input and output channels are swapped ({shapes})")
        x = torch.randn(2, weights[0].shape[1], 12, 12, generator=g, dtype=torch.float64)
        return report(
            False,
            f"F.conv2d(x, kernel) differs from the chain for weights {shapes} by up to "
            f"{(F.conv2d(x, got) - _chain(x, weights)).abs().max().item():.3g}",
        )
    return report(True, "one kernel equals the chain on four stacks, 5×5-then-3×3 included")


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
            return report(False, f"return an int, not {type(got).__name__} ({where})")
        if got == expected:
            continue
        args = (cfg, classes, size, hidden, channels)
        wrong = {
            "count one bias per output channel of each convolution and per unit of each dense "
            "layer": _vgg_count(*args, bias=False),
            "add the dense head: flatten → hidden → hidden → classes": _vgg_count(
                *args, head=False
            ),
            "the image side halves at every 'M', so the flattened map is smaller than the input": (
                _vgg_count(*args, pools=False)
            ),
            "the head has two hidden dense layers before the output layer": _vgg_count(
                *args, hidden_layers=1
            ),
        }
        for hint, value in wrong.items():
            if got == value:
                return report(False, f"{got:,} is wrong for {where} ({hint})")
        return report(
            False,
            f"{got:,} is wrong for {where} (per 3×3 conv: (9·C + 1)·K; per dense layer: (in + 1)·out)",
        )
    return report(True, "equals the built models on four columns, VGG-11 and VGG-19 included")


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
