"""Checkers for notebook 05 (VGG: small filters, made deep)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction

import torch
import torch.nn.functional as F

from course_utils.exercises import Verdict, call_answer, report

__all__ = ["check_stack_for_field", "check_compose_kernels", "check_vgg_params"]


# ---------------------------------------------------------------------------------------------
# exercise 1: how many 3×3 layers for a field, and what they save


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | Fraction) and not isinstance(value, bool)


def check_stack_for_field(stack_fn: Callable[[int], tuple[int, float]]) -> Verdict:
    """Exercise 1: ``stack_fn(field)`` returns ``(n_layers, fraction)`` for an odd ``field`` ≥ 3.

    ``n_layers``: stride-1 3×3 layers whose stack sees ``field``×``field`` pixels;
    ``fraction``: their weights (C→C channels each, no bias) divided by those of one
    ``field``×``field`` layer with C→C channels. An even field or one below 3 raises ``ValueError``.
    """
    for field in (3, 5, 7, 9, 11, 15, 21):
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
    for bad in (6, 1, 0):
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


def check_compose_kernels(compose_fn: Callable[[list[torch.Tensor]], torch.Tensor]) -> Verdict:
    """Exercise 2: ``compose_fn(weights)`` is the one kernel that equals a chain of convolutions.

    ``weights[i]`` has shape ``(K_i, C_i, k_i, k_i)`` with ``C_{i+1} = K_i``; the chain is
    ``F.conv2d`` with stride 1, no padding and no bias, and no activation in between. The answer
    has shape ``(K_last, C_first, k, k)`` and ``F.conv2d(x, answer)`` equals the chain.
    """
    g = torch.Generator().manual_seed(5)

    def w(k_out, c_in, k):
        return torch.randn(k_out, c_in, k, k, generator=g, dtype=torch.float64)

    cases = (
        [w(4, 2, 3), w(3, 4, 3)],  # two 3×3: a 5×5
        [w(3, 3, 3), w(3, 3, 3), w(3, 3, 3)],  # VGG's three 3×3: a 7×7
        [w(5, 1, 5), w(2, 5, 3)],  # different kernel sizes
        [w(2, 3, 3)],  # one layer: itself
    )
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


def check_vgg_params(params_fn: Callable[..., int]) -> Verdict:
    """Exercise 3: ``params_fn(cfg, num_classes, input_size, hidden, in_channels)`` counts a VGG.

    ``cfg`` is a column of the paper's Table 1 as in ``course_utils.models.VGG_CONFIGS``
    (widths of 3×3 padding-1 convolutions, "M" for a 2×2 max pool); the head is
    flatten → ``hidden`` → ``hidden`` → ``num_classes``, all with biases. The reference is
    ``count_parameters(VGG(cfg, num_classes, input_size=..., hidden=..., in_channels=...))``.
    """
    from course_utils.models import VGG, VGG_CONFIGS, count_parameters, mini_vgg_config

    cases = (
        (VGG_CONFIGS["A"], 1000, 224, 4096, 3),
        (mini_vgg_config(16), 10, 32, 256, 3),
        (mini_vgg_config(8), 6, 64, 128, 1),
        (VGG_CONFIGS["E"], 20, 32, 512, 3),
    )
    for cfg, classes, size, hidden, channels in cases:
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
