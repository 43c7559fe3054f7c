"""Layer arithmetic of convolutional networks: output sizes, parameters, MACs, receptive fields.

The lecture's formulas, written so that they agree with PyTorch exactly (the tests compare them
with ``nn.Conv2d``, ``nn.MaxPool2d`` and ``nn.ConvTranspose2d`` on hundreds of random layers):

    output size   floor((W + 2P − D·(F − 1) − 1)/S) + 1     (= (W + 2P − F)/S + 1 when D = 1)
    parameters    (F·F·C/groups + 1)·K
    MACs          K·H_out·W_out·F·F·C/groups per image, and FLOPs = 2 × MACs

W input size, F kernel, S stride, P padding, D dilation, C input and K output channels.
Sizes are ints or per-axis tuples ``(height, width)``; an int kernel means a square F×F filter.
A layer that cannot exist raises a ``ValueError`` that shows the arithmetic and suggests a fix.

>>> conv_output_size(227, kernel=11, stride=4)  # AlexNet conv1
55
>>> conv_params(3, 96, 11)
34944
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from torch import nn

from course_utils._checks import check_positive_int

__all__ = [
    "RFInfo",
    "conv_flops",
    "conv_macs",
    "conv_output_size",
    "conv_params",
    "conv_transpose_output_size",
    "effective_kernel",
    "linear_flops",
    "linear_macs",
    "linear_params",
    "pool_output_size",
    "receptive_field",
]

IntOrTuple = int | Sequence[int]

_AXIS_NAMES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}


# ---------------------------------------------------------------------------------------------
# argument handling


def _as_int(name: str, value: object) -> int:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    raise TypeError(f"{name} must be an int or a tuple of ints, got {value!r}")


def _per_axis(**named: object) -> tuple[bool, int, dict[str, tuple[int, ...]]]:
    """Expand int-or-tuple arguments to tuples of one common length.

    Returns (any argument was a tuple, number of axes, expanded arguments).
    """
    lengths = {}
    for name, value in named.items():
        if isinstance(value, Sequence) and not isinstance(value, str):
            if len(value) == 0:
                raise ValueError(f"{name} is an empty tuple; give one number per axis, e.g. (3, 3)")
            lengths[name] = len(value)
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise ValueError(
            f"per-axis arguments disagree on the number of axes ({described}); "
            "give every tuple one entry per spatial axis, or use plain ints"
        )
    n_axes = next(iter(lengths.values()), 1)
    expanded = {}
    for name, value in named.items():
        if name in lengths:
            expanded[name] = tuple(_as_int(f"{name}[{i}]", v) for i, v in enumerate(value))
        else:
            expanded[name] = (_as_int(name, value),) * n_axes
    return bool(lengths), n_axes, expanded


def _axis_prefix(is_tuple: bool, n_axes: int, axis: int) -> str:
    if not is_tuple or n_axes == 1:
        return ""
    return f"{_AXIS_NAMES.get(n_axes, tuple(f'axis {i}' for i in range(n_axes)))[axis]}: "


def _fmt(value: Fraction | int) -> str:
    """A number as the lecture writes it: 55, -1, 10.33."""
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):.2f}".rstrip("0")


def _term(value: int) -> str:
    """An operand inside an expression: negative values in parentheses."""
    return f"({value})" if value < 0 else str(value)


def effective_kernel(kernel: int, dilation: int = 1) -> int:
    """Pixels a dilated kernel spans: ``D·(F − 1) + 1``.

    >>> effective_kernel(3, dilation=2)
    5
    """
    kernel = _positive("kernel", kernel)
    dilation = _positive("dilation", dilation, "taps sit D pixels apart; 1 is a dense kernel")
    return _span(kernel, dilation)


def _span(kernel: int, dilation: int) -> int:
    """:func:`effective_kernel` unchecked, for the messages about impossible layers."""
    return dilation * (kernel - 1) + 1


def _check_basic(where: str, size: int, kernel: int, stride: int, padding: int, dilation: int):
    """Checks shared by convolution and pooling; messages show the arithmetic."""
    expr = f"({_term(size)} + 2·{_term(padding)} − {_term(kernel)})/{_term(stride)} + 1"
    if size < 1:
        raise ValueError(
            f"{where}input size {size} is empty: {expr} has nothing to slide over; "
            "use an input of at least 1 pixel per axis (did an earlier layer shrink it away?)"
        )
    if kernel < 1:
        raise ValueError(
            f"{where}kernel {kernel} has no weights: {expr} needs F ≥ 1; "
            "use kernel 1 for a 1×1 layer"
        )
    if stride < 1:
        raise ValueError(
            f"{where}stride {stride} never moves the window: {expr} divides by {stride}; "
            "use stride ≥ 1"
        )
    if dilation < 1:
        raise ValueError(
            f"{where}dilation {dilation} is not a spacing (taps sit D pixels apart): the kernel would span "
            f"{_term(dilation)}·({kernel} − 1) + 1 = {_span(kernel, dilation)} pixels; "
            "use dilation ≥ 1 (1 is an ordinary dense kernel)"
        )
    if padding < 0:
        raise ValueError(
            f"{where}padding {padding} is negative: {expr} would crop the input, which PyTorch "
            "layers do not do; use padding ≥ 0 and crop explicitly (x[..., 1:-1, 1:-1])"
        )


def _span_text(kernel: int, dilation: int) -> str:
    if dilation == 1:
        return f"kernel {kernel}"
    eff = _span(kernel, dilation)
    return f"kernel {kernel} with dilation {dilation} (spans {dilation}·({kernel} − 1) + 1 = {eff} pixels)"


def _size_expr(size: int, kernel: int, stride: int, padding: int, dilation: int) -> str:
    """``(W + 2·P − F_eff)/S + 1`` with the numbers filled in."""
    return f"({size} + 2·{padding} − {_span(kernel, dilation)})/{stride} + 1"


def _result(num: int, stride: int, ceil: bool = False) -> str:
    """``= 14.5, rounded down to 14`` or ``= 55``: the exact value and what PyTorch makes of it."""
    exact = Fraction(num, stride) + 1
    if exact.denominator == 1:
        return f"= {exact.numerator}"
    rounded = math.ceil(exact) if ceil else math.floor(exact)
    return f"= {_fmt(exact)}, rounded {'up' if ceil else 'down'} to {rounded}"


def _tiling_error(
    where: str,
    size: int,
    kernel: int,
    stride: int,
    padding: int,
    dilation: int,
    out: int,
    max_padding: int | None,
) -> ValueError:
    eff = _span(kernel, dilation)
    num = size + 2 * padding - eff
    rest = num % stride
    value = Fraction(num, stride) + 1
    fixes = [
        f"padding {p}"
        for p in range(padding + 1, padding + stride + 1)
        if (size + 2 * p - eff) % stride == 0 and (max_padding is None or p <= max_padding)
    ][:1]
    fixes.append(f"an input of {size - rest} or {size + stride - rest} pixels")
    return ValueError(
        f"{where}stride {stride} does not tile input {size} with {_span_text(kernel, dilation)} "
        f"and padding {padding}: {_size_expr(size, kernel, stride, padding, dilation)} = "
        f"{_fmt(value)} is not a whole number, so the last {rest} pixel(s) of the padded input "
        f"are never covered (PyTorch silently rounds down to {out}); try {' or '.join(fixes)}"
    )


# ---------------------------------------------------------------------------------------------
# output sizes


def _conv_axis(
    where: str, size: int, kernel: int, stride: int, padding: int, dilation: int, strict: bool
) -> int:
    _check_basic(where, size, kernel, stride, padding, dilation)
    eff = _span(kernel, dilation)
    num = size + 2 * padding - eff
    if num < 0:
        need = math.ceil((eff - size) / 2)
        smaller = " or a smaller kernel" + (" or dilation" if dilation > 1 else "")
        raise ValueError(
            f"{where}{_span_text(kernel, dilation)} does not fit input {size} with padding "
            f"{padding}: {_size_expr(size, kernel, stride, padding, dilation)} "
            f"{_result(num, stride)}; use padding ≥ {need}{smaller}"
        )
    out = num // stride + 1
    if strict and num % stride:
        raise _tiling_error(where, size, kernel, stride, padding, dilation, out, None)
    return out


def _check_same_padding(strides: tuple[int, ...]) -> None:
    for stride in strides:
        if stride != 1:
            raise ValueError(
                f"padding='same' keeps the output size equal to the input only with stride 1, got "
                f"stride {stride}; PyTorch refuses strided 'same' convolutions: use an int padding "
                f"such as (F − 1)//2, which gives floor((W − 1)/{stride}) + 1 outputs"
            )


def conv_output_size(
    size: IntOrTuple,
    kernel: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: IntOrTuple | str = 0,
    dilation: IntOrTuple = 1,
    strict: bool = False,
) -> int | tuple[int, ...]:
    """Output size of a convolution, as ``nn.Conv2d`` computes it.

    ``floor((W + 2P − D·(F − 1) − 1)/S) + 1``; ints give an int, per-axis tuples a tuple.
    ``padding`` may also be ``"valid"`` (0) or ``"same"`` (stride 1 only), as in PyTorch.
    ``strict=True`` also refuses layers whose windows do not tile the padded input exactly
    (PyTorch silently drops the uncovered pixels).

    >>> conv_output_size(227, 11, stride=4)
    55
    >>> conv_output_size((32, 24), 3, padding=1)
    (32, 24)
    """
    if isinstance(padding, str):
        if padding not in ("valid", "same"):
            raise ValueError(f"padding must be an int, a tuple, 'valid' or 'same', got {padding!r}")
        is_tuple, n_axes, a = _per_axis(size=size, kernel=kernel, stride=stride, dilation=dilation)
        if padding == "valid":
            a["padding"] = (0,) * n_axes
        else:
            _check_same_padding(a["stride"])
            for axis in range(n_axes):
                where = _axis_prefix(is_tuple, n_axes, axis)
                _check_basic(where, a["size"][axis], a["kernel"][axis], 1, 0, a["dilation"][axis])
            return a["size"] if is_tuple else a["size"][0]
    else:
        is_tuple, n_axes, a = _per_axis(
            size=size, kernel=kernel, stride=stride, padding=padding, dilation=dilation
        )
    out = tuple(
        _conv_axis(
            _axis_prefix(is_tuple, n_axes, i),
            a["size"][i],
            a["kernel"][i],
            a["stride"][i],
            a["padding"][i],
            a["dilation"][i],
            strict,
        )
        for i in range(n_axes)
    )
    return out if is_tuple else out[0]


def _pool_axis(
    where: str,
    size: int,
    kernel: int,
    stride: int,
    padding: int,
    dilation: int,
    ceil_mode: bool,
    strict: bool,
) -> int:
    _check_basic(where, size, kernel, stride, padding, dilation)
    if padding > kernel // 2:
        raise ValueError(
            f"{where}padding {padding} is more than half of kernel {kernel}: PyTorch pooling needs "
            f"padding ≤ {kernel} // 2 = {kernel // 2} (a window made mostly of padding pools "
            f"nothing real); use padding ≤ {kernel // 2} or a kernel ≥ {2 * padding}"
        )
    eff = _span(kernel, dilation)
    num = size + 2 * padding - eff
    if ceil_mode:
        out = (num + stride - 1) // stride + 1
        # PyTorch: the last window must start inside the input or the left padding
        if (out - 1) * stride >= size + padding:
            out -= 1
    else:
        out = num // stride + 1
    if out < 1:
        need = math.ceil((eff - size) / 2)
        if need <= kernel // 2:
            fix = f"use padding ≥ {need} or a smaller kernel"
        else:
            fix = (
                f"the input has only {size} pixel(s) left (too many downsampling layers before "
                "this one?): use a smaller kernel or remove a pooling layer"
            )
            if not ceil_mode and num > -stride:
                fix += ", or ceil_mode=True to keep the partial window"
        raise ValueError(
            f"{where}pooling {_span_text(kernel, dilation)} does not fit input {size} "
            f"with padding {padding}: {_size_expr(size, kernel, stride, padding, dilation)} "
            f"{_result(num, stride, ceil_mode)}; {fix}"
        )
    if strict and num % stride:
        raise _tiling_error(where, size, kernel, stride, padding, dilation, out, kernel // 2)
    return out


def pool_output_size(
    size: IntOrTuple,
    kernel: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
    ceil_mode: bool = False,
    strict: bool = False,
) -> int | tuple[int, ...]:
    """Output size of ``nn.MaxPool2d`` / ``nn.AvgPool2d`` (stride defaults to the kernel).

    Same formula as a convolution, rounded up with ``ceil_mode=True``; as in PyTorch, a
    rounded-up last window must start inside the input or the left padding, and padding may be
    at most ``kernel // 2``.

    >>> pool_output_size(55, 3, stride=2)  # AlexNet pool1
    27
    >>> pool_output_size(7, 2), pool_output_size(7, 2, ceil_mode=True)
    (3, 4)
    """
    is_tuple, n_axes, a = _per_axis(
        size=size,
        kernel=kernel,
        stride=kernel if stride is None else stride,
        padding=padding,
        dilation=dilation,
    )
    out = tuple(
        _pool_axis(
            _axis_prefix(is_tuple, n_axes, i),
            a["size"][i],
            a["kernel"][i],
            a["stride"][i],
            a["padding"][i],
            a["dilation"][i],
            ceil_mode,
            strict,
        )
        for i in range(n_axes)
    )
    return out if is_tuple else out[0]


def _conv_transpose_axis(
    where: str,
    size: int,
    kernel: int,
    stride: int,
    padding: int,
    output_padding: int,
    dilation: int,
) -> int:
    _check_basic(where, size, kernel, stride, padding, dilation)
    full = (size - 1) * stride + dilation * (kernel - 1) + output_padding + 1
    out = full - 2 * padding
    arithmetic = (
        f"(W − 1)·S − 2·P + D·(F − 1) + output_padding + 1 = ({size} − 1)·{stride} − "
        f"2·{padding} + {dilation}·({kernel} − 1) + {_term(output_padding)} + 1 = {out}"
    )
    limit = max(stride, dilation)
    if not 0 <= output_padding < limit:
        raise ValueError(
            f"{where}output_padding {output_padding} must be ≥ 0 and smaller than stride {stride} "
            f"or dilation {dilation}: it only picks one of the max({stride}, {dilation}) = {limit} "
            f"input sizes that the forward convolution maps to the same output ({arithmetic}); "
            f"use 0 ≤ output_padding ≤ {limit - 1}"
        )
    if out < 1:
        raise ValueError(
            f"{where}padding {padding} crops more than the transposed convolution produces: "
            f"{arithmetic}; use padding ≤ {(full - 1) // 2}"
        )
    return out


def conv_transpose_output_size(
    size: IntOrTuple,
    kernel: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
) -> int | tuple[int, ...]:
    """Output size of ``nn.ConvTranspose2d``: ``(W − 1)·S − 2P + D·(F − 1) + output_padding + 1``.

    >>> conv_transpose_output_size(16, kernel=4, stride=2, padding=1)  # the usual 2× upsampling
    32
    """
    is_tuple, n_axes, a = _per_axis(
        size=size,
        kernel=kernel,
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        dilation=dilation,
    )
    out = tuple(
        _conv_transpose_axis(
            _axis_prefix(is_tuple, n_axes, i),
            a["size"][i],
            a["kernel"][i],
            a["stride"][i],
            a["padding"][i],
            a["output_padding"][i],
            a["dilation"][i],
        )
        for i in range(n_axes)
    )
    return out if is_tuple else out[0]


# ---------------------------------------------------------------------------------------------
# parameters and multiply-accumulates


def _positive(name: str, value: object, hint: str = "") -> int:
    value = _as_int(name, value)
    return check_positive_int(name, value, hint)


def _check_groups(in_channels: int, out_channels: int, groups: int) -> int:
    """``groups`` as an int, after checking that it divides both channel counts."""
    groups = _positive("groups", groups)
    for name, channels in (("in_channels", in_channels), ("out_channels", out_channels)):
        if channels % groups:
            common = [
                g
                for g in range(1, min(in_channels, out_channels) + 1)
                if in_channels % g == 0 and out_channels % g == 0
            ]
            raise ValueError(
                f"{name} {channels} is not divisible by groups {groups}: each group would get "
                f"{channels}/{groups} = {_fmt(Fraction(channels, groups))} channels; use groups "
                f"that divide both {in_channels} and {out_channels}, e.g. {common[-3:]}"
            )
    return groups


def _kernel_area(kernel: IntOrTuple, name: str = "kernel") -> int:
    """F·F for an int (square 2-D filter), the product of the entries for a tuple."""
    if isinstance(kernel, Sequence) and not isinstance(kernel, str):
        if len(kernel) == 0:
            raise ValueError(f"{name} is an empty tuple; give one number per axis, e.g. (3, 3)")
        return math.prod(_positive(f"{name}[{i}]", k) for i, k in enumerate(kernel))
    return _positive(name, kernel) ** 2


def conv_params(
    in_channels: int, out_channels: int, kernel: IntOrTuple, bias: bool = True, groups: int = 1
) -> int:
    """Learnable parameters of a convolution: ``(F·F·C/groups + 1)·K`` (``+ 1`` only with bias).

    >>> conv_params(3, 96, 11)  # AlexNet conv1: (11·11·3 + 1)·96
    34944
    """
    in_channels = _positive("in_channels", in_channels)
    out_channels = _positive("out_channels", out_channels)
    groups = _check_groups(in_channels, out_channels, groups)
    return (_kernel_area(kernel) * in_channels // groups + int(bias)) * out_channels


def conv_macs(
    in_channels: int,
    out_channels: int,
    kernel: IntOrTuple,
    output_size: IntOrTuple,
    groups: int = 1,
    bias: bool = True,
) -> int:
    """Multiply-accumulates (MACs) of one convolution for one image: ``K·H_out·W_out·F·F·C/groups``.

    One MAC is one multiplication plus one addition, so FLOPs = 2 × MACs (see ``conv_flops``).
    The bias adds one addition per output value, which is not a multiply-accumulate and is not
    counted (``bias`` is accepted for symmetry with ``conv_params`` only), the same convention
    as ``torch.utils.flop_counter`` and the papers. An int ``output_size`` means a square output.

    >>> conv_macs(3, 96, 11, output_size=55)  # AlexNet conv1: 105 million
    105415200
    """
    del bias  # bias additions are not multiply-accumulates
    in_channels = _positive("in_channels", in_channels)
    out_channels = _positive("out_channels", out_channels)
    groups = _check_groups(in_channels, out_channels, groups)
    area = _kernel_area(output_size, "output_size")
    return out_channels * area * _kernel_area(kernel) * in_channels // groups


def conv_flops(
    in_channels: int,
    out_channels: int,
    kernel: IntOrTuple,
    output_size: IntOrTuple,
    groups: int = 1,
    bias: bool = True,
) -> int:
    """Floating-point operations of one convolution for one image: exactly 2 × ``conv_macs``.

    Each multiply-accumulate is counted as two FLOPs (a multiply and an add), as
    ``torch.utils.flop_counter.FlopCounterMode`` does; bias additions are not counted.

    >>> conv_flops(3, 96, 11, output_size=55)
    210830400
    """
    return 2 * conv_macs(in_channels, out_channels, kernel, output_size, groups, bias)


def linear_params(in_features: int, out_features: int, bias: bool = True) -> int:
    """Learnable parameters of a dense layer: ``(in + 1)·out`` (``+ 1`` only with bias).

    >>> linear_params(9216, 4096)  # AlexNet fc6
    37752832
    """
    in_features = _positive("in_features", in_features)
    out_features = _positive("out_features", out_features)
    return (in_features + int(bias)) * out_features


def linear_macs(in_features: int, out_features: int) -> int:
    """Multiply-accumulates of a dense layer for one input vector: ``in·out`` (FLOPs = 2 × MACs).

    >>> linear_macs(4096, 1000)
    4096000
    """
    return _positive("in_features", in_features) * _positive("out_features", out_features)


def linear_flops(in_features: int, out_features: int) -> int:
    """FLOPs of a dense layer for one input vector: exactly 2 × ``linear_macs``.

    >>> linear_flops(4096, 1000)
    8192000
    """
    return 2 * linear_macs(in_features, out_features)


# ---------------------------------------------------------------------------------------------
# receptive field


@dataclass(frozen=True)
class RFInfo:
    """Receptive field after one layer, in input pixels.

    ``size``: pixels one output unit sees; ``jump``: input pixels between neighbouring output
    units (the product of the strides); ``start``: centre of output unit 0's field, with input
    pixel i centred at i (negative values lie in the padding). ``name`` is informational.
    """

    size: int
    jump: int
    start: float
    name: str = field(default="", compare=False, repr=False)


# Layers that keep every position's geometry: element-wise or per-position operations.
_PASS_THROUGH: tuple[type[nn.Module], ...] = (
    nn.Identity,
    nn.ReLU,
    nn.ReLU6,
    nn.LeakyReLU,
    nn.PReLU,
    nn.ELU,
    nn.SELU,
    nn.CELU,
    nn.GELU,
    nn.SiLU,
    nn.Mish,
    nn.Hardswish,
    nn.Hardsigmoid,
    nn.Hardtanh,
    nn.Sigmoid,
    nn.Tanh,
    nn.Softplus,
    nn.Dropout,
    nn.Dropout1d,
    nn.Dropout2d,
    nn.Dropout3d,
    nn.AlphaDropout,
    nn.BatchNorm1d,
    nn.BatchNorm2d,
    nn.BatchNorm3d,
    nn.SyncBatchNorm,
    nn.GroupNorm,
    nn.InstanceNorm1d,
    nn.InstanceNorm2d,
    nn.InstanceNorm3d,
    nn.LocalResponseNorm,
)
_CONVS = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
_POOLS = (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d, nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d)
_MIXING = (
    nn.Linear,
    nn.Flatten,
    nn.AdaptiveAvgPool1d,
    nn.AdaptiveAvgPool2d,
    nn.AdaptiveAvgPool3d,
    nn.AdaptiveMaxPool1d,
    nn.AdaptiveMaxPool2d,
    nn.AdaptiveMaxPool3d,
)

# per-axis (kernel, stride, left padding, dilation)
_Geometry = tuple[tuple[int, int, int, int], ...]


def _spatial_dims(module: nn.Module) -> int:
    for dims, names in ((1, "1d"), (2, "2d"), (3, "3d")):
        if type(module).__name__.lower().endswith(names):
            return dims
    return 2


def _tuple(value: object, n: int) -> tuple[int, ...]:
    if isinstance(value, Sequence) and not isinstance(value, str):
        return tuple(int(v) for v in value)
    return (int(value),) * n


def _module_geometry(module: nn.Module) -> _Geometry | str | None:
    """``"pass"`` for layers that keep geometry, per-axis (k, s, p_left, d) for conv/pool, else None."""
    if isinstance(module, _PASS_THROUGH):
        return "pass"
    if isinstance(module, _CONVS):
        n = _spatial_dims(module)
        k, s, d = (_tuple(v, n) for v in (module.kernel_size, module.stride, module.dilation))
        if module.padding == "same":
            p = tuple(dd * (kk - 1) // 2 for kk, dd in zip(k, d, strict=True))
        elif module.padding == "valid":
            p = (0,) * n
        else:
            p = _tuple(module.padding, n)
        return tuple(zip(k, s, p, d, strict=True))
    if isinstance(module, _POOLS):
        n = _spatial_dims(module)
        k = _tuple(module.kernel_size, n)
        s = _tuple(module.stride if module.stride is not None else module.kernel_size, n)
        p = _tuple(module.padding, n)
        d = _tuple(getattr(module, "dilation", 1), n)
        return tuple(zip(k, s, p, d, strict=True))
    return None


def _rf_step(
    info: RFInfo, kernel: int, stride: int, padding: int, dilation: int, name: str
) -> RFInfo:
    eff = _span(kernel, dilation)
    return RFInfo(
        size=info.size + (eff - 1) * info.jump,
        jump=info.jump * stride,
        start=info.start + ((eff - 1) / 2 - padding) * info.jump,
        name=name,
    )


def _flatten_chain(module: nn.Module, prefix: str = "") -> list[tuple[str, nn.Module]]:
    children = list(module.named_children())
    if not children:
        return [(prefix or type(module).__name__, module)]
    if not isinstance(module, nn.Sequential):
        raise ValueError(
            f"receptive_field reads layers in order only through nn.Sequential, but "
            f"{prefix or 'the model'} is a {type(module).__name__}, whose forward() may branch or "
            "reorder its layers: pass its sequential trunk (e.g. model.features), a list of "
            "(kernel, stride, padding) tuples, or use course_utils.summary.layer_table, whose "
            "receptive-field column follows the layers as they run"
        )
    layers = []
    for name, child in children:
        layers += _flatten_chain(child, f"{prefix}.{name}" if prefix else name)
    return layers


def _layer_specs(layers: nn.Module | Sequence) -> list[tuple[str, _Geometry | str]]:
    if isinstance(layers, nn.Module):
        specs = []
        for name, module in _flatten_chain(layers):
            geometry = _module_geometry(module)
            if geometry is None:
                kind = type(module).__name__
                if isinstance(module, _MIXING):
                    why = (
                        "mixes every position, so after it the receptive field is the whole "
                        "input (or depends on the input size)"
                    )
                else:
                    why = "is not a layer whose geometry receptive_field knows"
                raise ValueError(
                    f"layer {name} ({kind}) {why}: pass only the convolutional trunk "
                    "(e.g. model.features) or (kernel, stride, padding, dilation) tuples"
                )
            label = name if geometry == "pass" else f"{name} ({type(module).__name__})"
            specs.append((label, geometry))
        return specs
    specs = []
    for i, layer in enumerate(layers):
        if isinstance(layer, nn.Module):
            specs += _layer_specs(nn.Sequential(layer))
            continue
        if not isinstance(layer, Sequence) or not 2 <= len(layer) <= 4:
            raise ValueError(
                f"layer {i} is {layer!r}; give (kernel, stride), (kernel, stride, padding) or "
                "(kernel, stride, padding, dilation), e.g. (3, 1, 1) for a 3×3 'same' convolution"
            )
        kernel, stride, padding, dilation = tuple(layer) + (0, 1)[len(layer) - 2 :]
        is_tuple, n, a = _per_axis(kernel=kernel, stride=stride, padding=padding, dilation=dilation)
        geometry = tuple(zip(a["kernel"], a["stride"], a["padding"], a["dilation"], strict=True))
        for axis, (k, s, p, d) in enumerate(geometry):
            where = f"layer {i}: {_axis_prefix(is_tuple, n, axis)}"
            if k < 1 or s < 1 or d < 1 or p < 0:
                raise ValueError(
                    f"{where}(kernel {k}, stride {s}, padding {p}, dilation {d}) is not a layer: "
                    "kernel, stride and dilation must be ≥ 1 and padding ≥ 0"
                )
        k, s, p, d = (v if len(set(v)) > 1 else v[0] for v in zip(*geometry, strict=True))
        label = f"layer {i}: kernel {k} stride {s} padding {p}" + (
            f" dilation {d}" if d != 1 else ""
        )
        specs.append((label, geometry))
    return specs


def receptive_field(layers: nn.Module | Sequence, axis: int | None = None) -> list[RFInfo]:
    """Receptive field after each layer of a chain, by the standard recurrence.

    ``layers``: (kernel, stride[, padding[, dilation]]) tuples, or an ``nn.Sequential`` of
    Conv/MaxPool/AvgPool layers and layers that keep geometry (ReLU, BatchNorm, Dropout, ...),
    which pass through unchanged. One ``RFInfo`` per layer, following

        r_out = r_in + (k_eff − 1)·j_in,   j_out = j_in·s,   start_out = start_in + ((k_eff − 1)/2 − p)·j_in

    starting from one input pixel (r = 1, j = 1, start = 0). Layers with different kernels per
    axis need ``axis`` (0 = height, 1 = width).

    >>> [info.size for info in receptive_field([(3, 1, 1)] * 3)]  # three 3×3 see a 7×7
    [3, 5, 7]
    >>> receptive_field([(11, 4), (3, 2)])[-1]  # AlexNet conv1 + pool1
    RFInfo(size=19, jump=8, start=9.0)
    """
    specs = _layer_specs(layers)
    info = RFInfo(1, 1, 0.0, "input")
    out = []
    for label, geometry in specs:
        if geometry != "pass":
            if axis is None:
                if len(set(geometry)) > 1:
                    raise ValueError(
                        f"{label} differs between axes {geometry} (kernel, stride, padding, "
                        "dilation per axis), so its receptive field is a rectangle: pass axis=0 "
                        "(height) or axis=1 (width)"
                    )
                per_axis = geometry[0]
            else:
                if not -len(geometry) <= axis < len(geometry):
                    raise ValueError(
                        f"axis {axis} does not exist for {label}, which has {len(geometry)} axes"
                    )
                per_axis = geometry[axis]
            info = _rf_step(info, *per_axis, name=label)
        else:
            info = RFInfo(info.size, info.jump, info.start, label)
        out.append(info)
    return out
