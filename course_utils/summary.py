"""A layer table: output shape, parameters, MACs and receptive field of every layer.

The model runs once on the ``meta`` device (shapes only, no memory, no arithmetic), so a
full-size VGG-16 costs a fraction of a second. Beside each measured output shape the table
shows what ``course_utils.conv_math`` predicts, and flags any disagreement.

Counting rules (per image, i.e. per sample of the batch):

* parameters: each leaf module's own parameters; a parameter shared by two modules counts once.
* MACs (multiply-accumulates): Conv ``K·H_out·W_out·F·F·C/groups``, ConvTranspose
  ``C_in·H_in·W_in·F·F·K/groups``, Linear ``in·out`` per output row. Everything else counts 0:
  pooling (comparisons or additions, no multiplications), activations, normalisation (foldable
  into the preceding convolution), bias additions. FLOPs = 2 × MACs, the convention of
  ``torch.utils.flop_counter.FlopCounterMode`` and of the papers.
* receptive field: along the chain of layers that feed each other directly (a sequential trunk);
  ``None`` after a layer that mixes all positions (Linear, Flatten, adaptive pooling) and from
  the first layer whose input is not the previous layer's output (a branch or a skip).

>>> from torch import nn
>>> table = layer_table(nn.Sequential(nn.Conv2d(3, 96, 11, stride=4), nn.ReLU()), (3, 227, 227))
>>> table.rows[0].output_shape, table.total_params
((1, 96, 55, 55), 34944)
"""

from __future__ import annotations

import copy
import html
import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from course_utils.conv_math import (
    RFInfo,
    _module_geometry,
    _rf_step,
    conv_output_size,
    conv_transpose_output_size,
    pool_output_size,
)

__all__ = ["LayerRow", "LayerTable", "layer_table"]

_CONV = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
_CONV_T = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)
_MAX_POOL = (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d)
_AVG_POOL = (nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d)
_ADAPTIVE = (
    nn.AdaptiveAvgPool1d,
    nn.AdaptiveAvgPool2d,
    nn.AdaptiveAvgPool3d,
    nn.AdaptiveMaxPool1d,
    nn.AdaptiveMaxPool2d,
    nn.AdaptiveMaxPool3d,
)
_SPATIAL_NAMES = {1: "length", 2: "height, width", 3: "depth, height, width"}


@dataclass(frozen=True)
class LayerRow:
    """One call of one layer. Shapes include the batch dimension; ``macs`` are per image."""

    name: str
    type: str
    input_shape: tuple[int, ...] | None
    output_shape: tuple[int, ...] | None
    params: int
    trainable_params: int
    macs: int
    receptive_field: int | tuple[int, ...] | None
    jump: int | tuple[int, ...] | None
    formula_shape: tuple[int, ...] | None
    formula_ok: bool | None
    call: int = 1
    module_class: type = field(default=nn.Module, repr=False, compare=False)
    exact_size: tuple[float, ...] | None = None
    rounding: str | None = None

    @property
    def tiles(self) -> bool | None:
        """False where the stride does not tile the padded input (PyTorch rounds the size).

        ``exact_size`` then holds (W + 2P − D·(F − 1) − 1)/S + 1 per spatial axis, and
        ``rounding`` the arithmetic of the first rounded axis, e.g.
        ``"(224 + 2·2 − 11)/4 + 1 = 55.25 → 55"``. None for layers without a window.
        """
        if self.exact_size is None:
            return None if self.formula_shape is None else True
        return all(float(x).is_integer() for x in self.exact_size)

    @property
    def flops(self) -> int:
        """Floating-point operations: 2 × MACs."""
        return 2 * self.macs


def _shape_text(shape: Sequence[int] | None) -> str:
    return "—" if shape is None else "×".join(str(s) for s in shape)


def _human(count: int) -> str:
    """15470264320 -> '15.5 G', 61100840 -> '61.1 M'."""
    for factor, unit in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if count >= factor:
            return f"{count / factor:.3g} {unit}"
    return str(count)


def _rf_text(value: int | tuple[int, ...] | None) -> str:
    if value is None:
        return ""
    return "×".join(map(str, value)) if isinstance(value, tuple) else str(value)


class LayerTable:
    """Rows of a ``layer_table`` call, with totals and text / HTML views.

    >>> from torch import nn
    >>> table = layer_table(nn.Sequential(nn.Flatten(), nn.Linear(64, 10)), (1, 8, 8))
    >>> table.total_params, table.total_macs, table.share(nn.Linear)
    (650, 640, 1.0)
    """

    def __init__(self, rows: list[LayerRow], input_shape: tuple[int, ...], title: str = ""):
        self.rows = rows
        self.input_shape = input_shape
        self.title = title

    # ---- totals and questions
    @property
    def total_params(self) -> int:
        return sum(row.params for row in self.rows)

    @property
    def trainable_params(self) -> int:
        return sum(row.trainable_params for row in self.rows)

    @property
    def total_macs(self) -> int:
        """Multiply-accumulates per image over all layers (FLOPs = 2 × MACs)."""
        return sum(row.macs for row in self.rows)

    @property
    def total_flops(self) -> int:
        return 2 * self.total_macs

    @property
    def mismatches(self) -> list[LayerRow]:
        """Rows whose measured output shape differs from the conv_math formula."""
        return [row for row in self.rows if row.formula_ok is False]

    def params_by_type(self) -> dict[str, int]:
        """Parameters per layer type, largest first, e.g. ``{"Linear": 123642856, ...}``."""
        totals: dict[str, int] = {}
        for row in self.rows:
            totals[row.type] = totals.get(row.type, 0) + row.params
        return dict(sorted(totals.items(), key=lambda item: -item[1]))

    def share(self, what: Callable[[LayerRow], bool] | type | tuple[type, ...] | str) -> float:
        """Fraction of all parameters in the rows that match ``what``.

        ``what``: a layer class (``nn.Linear``), a tuple of classes, a type name (``"Linear"``)
        or a predicate on a ``LayerRow``.

        >>> from torch import nn
        >>> net = nn.Sequential(nn.Conv2d(1, 1, 3), nn.Flatten(), nn.Linear(4, 2))  # 10 + 10
        >>> layer_table(net, (1, 4, 4)).share("Linear")
        0.5
        """
        if isinstance(what, str):
            matches = lambda row: row.type == what  # noqa: E731
        elif isinstance(what, type | tuple):
            matches = lambda row: issubclass(row.module_class, what)  # noqa: E731
        elif callable(what):
            matches = what
        else:
            raise TypeError(
                f"share() takes a layer class, a type name or a predicate, got {what!r}"
            )
        total = self.total_params
        return sum(row.params for row in self.rows if matches(row)) / total if total else 0.0

    # ---- container protocol
    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[LayerRow]:
        return iter(self.rows)

    def __getitem__(self, key: int | str) -> LayerRow:
        """A row by position or by layer name (its first call)."""
        if isinstance(key, str):
            for row in self.rows:
                if row.name == key:
                    return row
            raise KeyError(f"no layer named {key!r}; names are like {self.rows[0].name!r}")
        return self.rows[key]

    def to_records(self) -> list[dict]:
        """One plain dict per row (``pandas.DataFrame(table.to_records())`` makes a frame)."""
        records = []
        for row in self.rows:
            record = asdict(row)
            record.pop("module_class")
            record["flops"] = row.flops
            records.append(record)
        return records

    # ---- views
    _HEADERS = ("layer", "type", "output shape", "formula", "params", "MACs", "RF")

    def _cells(self, row: LayerRow) -> tuple[str, ...]:
        name = row.name if row.call == 1 else f"{row.name} (call {row.call})"
        if row.formula_shape is None:
            formula = ""
        else:
            flag = "✓" if row.formula_ok else "✗ differs"
            if row.tiles is False:
                flag += _ROUND_MARK[_round_kind(row)]
            formula = f"{_shape_text(row.formula_shape)} {flag}"
        return (
            name,
            row.type,
            _shape_text(row.output_shape),
            formula,
            f"{row.params:,}",
            f"{row.macs:,}",
            _rf_text(row.receptive_field),
        )

    def _footer(self) -> list[str]:
        lines = [
            f"input {_shape_text(self.input_shape)}; parameters {self.total_params:,} "
            f"(trainable {self.trainable_params:,}); MACs per image {self.total_macs:,} "
            f"({_human(self.total_macs)}), FLOPs = 2 × MACs = {self.total_flops:,}",
            "formula: conv_math's predicted shape, ✓ = equals the measured one; MACs count Conv/Linear only "
            "(pooling, activations, normalisation count 0); RF: receptive field in input pixels",
        ]
        for kind, mark in _ROUND_MARK.items():
            rounded = [row for row in self.rows if row.tiles is False and _round_kind(row) == kind]
            if rounded:
                how = "floors" if kind == "floor" else "rounds up (ceil_mode)"
                more = f"; {len(rounded) - 1} more" if len(rounded) > 1 else ""
                lines.append(
                    f"{mark} = stride does not tile the padded input, PyTorch {how} "
                    f"(W + 2P − F)/S + 1: {rounded[0].name} {rounded[0].rounding}{more}"
                )
        if self.mismatches:
            names = ", ".join(row.name for row in self.mismatches)
            lines.append(f"WARNING: formula and measurement disagree for {names}")
        return lines

    def to_text(self) -> str:
        """An aligned monospace table with totals."""
        body = [self._cells(row) for row in self.rows]
        widths = [max(len(r[i]) for r in [self._HEADERS, *body]) for i in range(len(self._HEADERS))]
        numeric = {4, 5, 6}

        def line(cells):
            return "  ".join(
                cell.rjust(w) if i in numeric else cell.ljust(w)
                for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
            ).rstrip()

        rule = "─" * len(line(self._HEADERS))
        total = ("total", "", "", "", f"{self.total_params:,}", f"{self.total_macs:,}", "")
        out = [self.title] if self.title else []
        out += [line(self._HEADERS), rule, *map(line, body), rule, line(total), *self._footer()]
        return "\n".join(out)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        """An HTML table for notebooks; numbers with thousands separators."""
        right = {4, 5, 6}
        style = "text-align:{};font-family:monospace;padding:1px 8px"

        def cells(values, tag="td", extra=()):
            return "".join(
                f"<{tag} style='{style.format('right' if i in right else 'left')}"
                f"{';color:#c00;font-weight:bold' if i in extra else ''}'>{html.escape(v)}</{tag}>"
                for i, v in enumerate(values)
            )

        head = f"<tr>{cells(self._HEADERS, 'th')}</tr>"
        body = "".join(
            f"<tr>{cells(self._cells(row), extra={3} if row.formula_ok is False else ())}</tr>"
            for row in self.rows
        )
        total = ("total", "", "", "", f"{self.total_params:,}", f"{self.total_macs:,}", "")
        foot = f"<tr style='border-top:2px solid'>{cells(total, 'th')}</tr>"
        notes = "".join(
            f"<div style='font-size:90%'>{html.escape(x)}</div>" for x in self._footer()
        )
        caption = f"<caption>{html.escape(self.title)}</caption>" if self.title else ""
        return (
            f"<table>{caption}<thead>{head}</thead><tbody>{body}</tbody><tfoot>{foot}</tfoot></table>"
            f"{notes}"
        )


# ---------------------------------------------------------------------------------------------
# building the table


class _LayerError(ValueError):
    """A ValueError raised from inside a hook, already worded for the learner."""


def _meta_copy(model: nn.Module) -> nn.Module:
    """A copy of ``model`` whose parameters and buffers live on ``meta``: no real weights."""
    memo: dict[int, object] = {}
    for tensor in itertools.chain(model.parameters(), model.buffers()):
        if id(tensor) in memo:
            continue
        meta = torch.empty_like(tensor, device="meta")
        if isinstance(tensor, nn.Parameter):
            meta = nn.Parameter(meta, requires_grad=tensor.requires_grad)
        memo[id(tensor)] = meta
    return copy.deepcopy(model, memo)


def _first_layer(model: nn.Module) -> tuple[str, nn.Module] | None:
    for name, module in model.named_modules():
        if isinstance(module, _CONV + _CONV_T + (nn.Linear,)):
            return name, module
    return None


def _full_input_shape(model: nn.Module, input_size: Sequence[int]) -> tuple[int, ...]:
    """One sample's shape, e.g. (3, 224, 224), plus a batch dimension of 1 in front."""
    if isinstance(input_size, int) or not isinstance(input_size, Sequence):
        raise ValueError(
            f"input_size must be a tuple such as (3, 224, 224) (channels, height, width), "
            f"got {input_size!r}"
        )
    shape = tuple(input_size)
    if not shape or not all(
        isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in shape
    ):
        raise ValueError(
            f"input_size must hold positive ints, e.g. (3, 224, 224), got {input_size!r}"
        )
    first = _first_layer(model)
    if first is not None and isinstance(first[1], _CONV + _CONV_T):
        name, conv = first
        dims = len(conv.kernel_size)
        if len(shape) == dims + 2:  # already batched: (N, C, H, W)
            return shape
        if len(shape) != dims + 1:
            example = (conv.in_channels,) + (224,) * dims
            raise ValueError(
                f"input_size {shape} has {len(shape)} number(s), but the first layer {name} "
                f"({type(conv).__name__}) takes (channels, {_SPATIAL_NAMES[dims]}), e.g. "
                f"input_size={example}; a batch dimension in front is optional"
            )
    return (1, *shape)


def _first_tensor(value: object) -> torch.Tensor | None:
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, list | tuple):
        for item in value:
            found = _first_tensor(item)
            if found is not None:
                return found
    if isinstance(value, dict):
        return _first_tensor(list(value.values()))
    return None


def _tup(value: object, n: int) -> tuple[int, ...]:
    return tuple(value) if isinstance(value, tuple | list) else (value,) * n


def _formula_shape(module: nn.Module, shape: tuple[int, ...]) -> tuple[int, ...] | None:
    """What conv_math predicts for this layer's output; None where it has no formula.

    Raises ValueError (conv_math's message) when the layer cannot run on this input.
    """
    if isinstance(module, _CONV):
        n = len(module.kernel_size)
        padding = module.padding if isinstance(module.padding, str) else _tup(module.padding, n)
        spatial = conv_output_size(
            shape[2:], module.kernel_size, module.stride, padding, module.dilation
        )
        return (shape[0], module.out_channels, *spatial)
    if isinstance(module, _CONV_T):
        spatial = conv_transpose_output_size(
            shape[2:],
            module.kernel_size,
            module.stride,
            module.padding,
            module.output_padding,
            module.dilation,
        )
        return (shape[0], module.out_channels, *spatial)
    if isinstance(module, _MAX_POOL + _AVG_POOL):
        n = len(shape) - 2
        stride = module.stride if module.stride is not None else module.kernel_size
        spatial = pool_output_size(
            shape[2:],
            _tup(module.kernel_size, n),
            _tup(stride, n),
            _tup(module.padding, n),
            _tup(getattr(module, "dilation", 1), n),
            ceil_mode=module.ceil_mode,
        )
        return (*shape[:2], *spatial)
    if isinstance(module, nn.Linear):
        return (*shape[:-1], module.out_features)
    if isinstance(module, nn.Flatten):
        start = module.start_dim % len(shape)
        end = module.end_dim % len(shape)
        return (*shape[:start], math.prod(shape[start : end + 1]), *shape[end + 1 :])
    if isinstance(module, _ADAPTIVE):
        n = len(shape) - 2
        size = _tup(module.output_size, n)
        return (*shape[:2], *(s if o is None else o for s, o in zip(shape[2:], size, strict=True)))
    return None


_ROUND_MARK = {"floor": "⌊", "ceil": "⌈"}


def _round_kind(row: LayerRow) -> str:
    return "ceil" if row.rounding and "⌉" in row.rounding else "floor"


def _tiling(module: nn.Module, shape: tuple[int, ...]) -> tuple[tuple[float, ...], str] | None:
    """Exact output sizes and the arithmetic of the first axis the stride does not tile.

    None where every axis tiles, or for a layer without a sliding window.
    """
    if isinstance(module, _CONV):
        if isinstance(module.padding, str):
            return None  # 'valid' has no stride restriction to show; 'same' needs stride 1
        n, ceil = len(module.kernel_size), False
        kernel, stride = module.kernel_size, module.stride
        padding, dilation = _tup(module.padding, n), module.dilation
    elif isinstance(module, _MAX_POOL + _AVG_POOL):
        n, ceil = len(shape) - 2, module.ceil_mode
        kernel = _tup(module.kernel_size, n)
        stride = _tup(module.stride if module.stride is not None else module.kernel_size, n)
        padding, dilation = _tup(module.padding, n), _tup(getattr(module, "dilation", 1), n)
    else:
        return None
    exact, text = [], None
    for w, f, s, p, d in zip(shape[2:], kernel, stride, padding, dilation, strict=True):
        span = d * (f - 1) + 1
        num = w + 2 * p - span
        exact.append(num / s + 1)
        if num % s and text is None:
            pad = f" + 2·{p}" if p else ""
            out = -(-num // s) + 1 if ceil else num // s + 1
            arrow = f"⌈{num / s + 1:g}⌉ = {out}" if ceil else f"{num / s + 1:g} → {out}"
            text = f"({w}{pad} − {span})/{s} + 1 = {arrow}"
    return (tuple(exact), text) if text else None


def _macs(module: nn.Module, inp: tuple[int, ...], out: tuple[int, ...]) -> int:
    """Multiply-accumulates of one call, for the whole batch."""
    if isinstance(module, _CONV):
        return math.prod(out) * module.in_channels // module.groups * math.prod(module.kernel_size)
    if isinstance(module, _CONV_T):
        return math.prod(inp) * module.out_channels // module.groups * math.prod(module.kernel_size)
    if isinstance(module, nn.Linear):
        return math.prod(out) * module.in_features
    return 0


def _check_input(
    name: str, module: nn.Module, shape: tuple[int, ...], first: bool, input_size
) -> None:
    """Teaching errors for the usual shape mistakes, raised before PyTorch's own."""
    kind = type(module).__name__
    if isinstance(module, _CONV + _CONV_T):
        dims = len(module.kernel_size)
        if len(shape) != dims + 2:
            raise _LayerError(
                f"layer {name} ({kind}) expects a {dims + 2}-D input (batch, channels, "
                f"{_SPATIAL_NAMES[dims]}) but got shape {_shape_text(shape)}"
            )
        if shape[1] != module.in_channels:
            if first:
                fix = (
                    f"input_size {tuple(input_size)} has {shape[1]} channel(s); use "
                    f"input_size={(module.in_channels, *shape[2:])}"
                )
            else:
                fix = f"the layer before it produces {shape[1]}; make the two agree"
            raise _LayerError(
                f"layer {name} ({kind}) expects {module.in_channels} input channels but got "
                f"{shape[1]}: {fix}"
            )
    if isinstance(module, nn.Linear) and shape[-1] != module.in_features:
        got, want = shape[-1], module.in_features
        if len(input_size) >= 3:
            image = "×".join(str(s) for s in tuple(input_size)[-2:])
            why = (
                f"the input {image} is too {'small' if got < want else 'large'} for this dense "
                "head; use the input size the model was built for, or put an "
                "nn.AdaptiveAvgPool2d before the head (as torchvision's VGG does)"
            )
        else:
            why = (
                f"input_size {tuple(input_size)} does not give the {want} features it was built for"
            )
        raise _LayerError(
            f"layer {name} (Linear) expects {want} input features but got {got}: {why}"
        )


def layer_table(
    model: nn.Module,
    input_size: Sequence[int],
    device: str | torch.device = "meta",
    *,
    training: bool = False,
    dtype: torch.dtype | None = None,
    title: str = "",
) -> LayerTable:
    """Run ``model`` once on an input of ``input_size`` and tabulate every layer.

    ``input_size`` is one sample's shape, e.g. ``(3, 224, 224)``; a leading batch dimension is
    optional. On ``device="meta"`` (default) a weight-free copy of the model runs: nothing is
    allocated and the model you pass is not touched. Use ``device="cpu"`` for models with
    operations that have no meta implementation. ``training=True`` runs the forward in training
    mode (e.g. to include GoogLeNet's auxiliary heads). A model that fails on this input raises a
    ``ValueError`` naming the layer and the shapes.

    >>> from torch import nn
    >>> net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
    >>> [(row.name, row.output_shape, row.receptive_field) for row in layer_table(net, (3, 32, 32))]
    [('0', (1, 8, 32, 32), 3), ('1', (1, 8, 32, 32), 3), ('2', (1, 8, 16, 16), 4)]
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"layer_table needs an nn.Module, got {type(model).__name__}")
    shape = _full_input_shape(model, input_size)
    device = torch.device(device)
    if device.type == "meta":
        work = _meta_copy(model)
    elif all(p.device == device for p in itertools.chain(model.parameters(), model.buffers())):
        work = model
    else:
        work = copy.deepcopy(model).to(device)
    if dtype is None:
        dtype = next((p.dtype for p in work.parameters() if p.is_floating_point()), torch.float32)
    modes = {module: module.training for module in work.modules()}
    work.train(training)

    tracked = {
        name: module
        for name, module in work.named_modules()
        if not list(module.children()) or list(module.parameters(recurse=False))
    }
    seen_params: set[int] = set()
    rows: list[LayerRow] = []
    calls: dict[str, int] = {}
    active: list[tuple[str, nn.Module, tuple[int, ...]]] = []
    state: dict[str, object] = {"prev": None, "rf": None, "last": None, "formula": {}}

    def own_params(module: nn.Module) -> tuple[int, int]:
        total = trainable = 0
        for p in module.parameters(recurse=False):
            if id(p) not in seen_params:
                seen_params.add(id(p))
                total += p.numel()
                trainable += p.numel() if p.requires_grad else 0
        return total, trainable

    def pre_hook(name: str, module: nn.Module, args: tuple) -> None:
        x = _first_tensor(args)
        in_shape = tuple(x.shape) if x is not None else ()
        is_leaf = not list(module.children())
        if is_leaf:
            first = state["last"] is None and x is not None and tuple(x.shape) == shape
            _check_input(name, module, in_shape, first, input_size)
            try:
                state["formula"][id(module)] = (
                    _formula_shape(module, in_shape) if x is not None else None
                )
            except ValueError as error:
                raise _LayerError(
                    f"layer {name} ({type(module).__name__}) cannot run on input "
                    f"{_shape_text(in_shape)}: {error} (is input_size {tuple(input_size)} too "
                    "small for this network?)"
                ) from None
            # receptive field: continue the chain only if this layer eats the previous output
            geometry = _module_geometry(module)
            rf = state["rf"]
            if rf is None or x is None or x is not state["prev"] or geometry is None:
                state["rf"] = None
            elif geometry != "pass":
                if len(geometry) == len(rf):
                    state["rf"] = [
                        _rf_step(i, *g, name=name) for i, g in zip(rf, geometry, strict=True)
                    ]
                else:
                    state["rf"] = None
        active.append((name, module, in_shape))

    def post_hook(name: str, module: nn.Module, args: tuple, output: object) -> None:
        _, _, in_shape = active.pop()
        y = _first_tensor(output)
        out_shape = tuple(y.shape) if y is not None else None
        is_leaf = not list(module.children())
        calls[name] = calls.get(name, 0) + 1
        total, trainable = own_params(module)
        batch = shape[0]
        rf = state["rf"] if is_leaf else None
        if rf is not None:
            sizes = tuple(info.size for info in rf)
            jumps = tuple(info.jump for info in rf)
            rf_size = sizes[0] if len(set(sizes)) == 1 else sizes
            rf_jump = jumps[0] if len(set(jumps)) == 1 else jumps
        else:
            rf_size = rf_jump = None
        formula = state["formula"].pop(id(module), None) if is_leaf else None
        tiling = _tiling(module, in_shape) if is_leaf and formula is not None else None
        rows.append(
            LayerRow(
                name=name or type(module).__name__,
                type=type(module).__name__,
                input_shape=in_shape or None,
                output_shape=out_shape,
                params=total,
                trainable_params=trainable,
                macs=_macs(module, in_shape, out_shape) // batch if is_leaf and out_shape else 0,
                receptive_field=rf_size,
                jump=rf_jump,
                formula_shape=formula,
                formula_ok=None if formula is None else formula == out_shape,
                call=calls[name],
                module_class=type(module),
                exact_size=tiling[0] if tiling else None,
                rounding=tiling[1] if tiling else None,
            )
        )
        if is_leaf:
            state["prev"] = y
            state["last"] = rows[-1]

    handles = []
    for name, module in tracked.items():
        handles.append(module.register_forward_pre_hook(lambda m, a, n=name: pre_hook(n, m, a)))
        handles.append(module.register_forward_hook(lambda m, a, o, n=name: post_hook(n, m, a, o)))
    try:
        if device.type == "meta":
            x = torch.empty(shape, device=device, dtype=dtype)
        else:
            generator = torch.Generator(device=device).manual_seed(0)
            x = torch.randn(shape, device=device, dtype=dtype, generator=generator)
        state["prev"] = x
        state["rf"] = [RFInfo(1, 1, 0.0)] * (len(shape) - 2) if len(shape) >= 3 else None
        with torch.no_grad():
            work(x)
    except _LayerError as error:
        raise ValueError(str(error)) from None
    except (RuntimeError, ValueError, IndexError, TypeError) as error:
        raise ValueError(
            _failure_message(error, active, state["last"], input_size, device)
        ) from error
    finally:
        for handle in handles:
            handle.remove()
        for module, mode in modes.items():
            module.training = mode

    # layers that never ran (e.g. auxiliary heads in eval mode) still own parameters
    ran = {row.name for row in rows}
    for name, module in tracked.items():
        if (name or type(module).__name__) not in ran:
            total, trainable = own_params(module)
            rows.append(
                LayerRow(
                    name=name or type(module).__name__,
                    type=type(module).__name__,
                    input_shape=None,
                    output_shape=None,
                    params=total,
                    trainable_params=trainable,
                    macs=0,
                    receptive_field=None,
                    jump=None,
                    formula_shape=None,
                    formula_ok=None,
                    call=0,
                    module_class=type(module),
                )
            )
    return LayerTable(rows, shape, title)


def _failure_message(error: Exception, active, last: LayerRow | None, input_size, device) -> str:
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if device.type == "meta" and (isinstance(error, NotImplementedError) or "meta" in reason):
        reason += "; this operation has no meta implementation: try device='cpu'"
    if active:
        name, module, in_shape = active[-1]
        return (
            f"layer {name} ({type(module).__name__}) failed on input {_shape_text(in_shape)} "
            f"(input_size {tuple(input_size)}): {reason}"
        )
    if last is not None:
        return (
            f"the model failed after layer {last.name} ({last.type}, output "
            f"{_shape_text(last.output_shape)}), in code between layers (e.g. a view or flatten), "
            f"on input_size {tuple(input_size)}: {reason}"
        )
    return f"the model failed before its first layer on input_size {tuple(input_size)}: {reason}"
