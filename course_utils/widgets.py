"""Interactive explorers for the notebooks: the sliding window, and the growing receptive field.

The logic is plain functions (``conv_geometry``, ``receptive_field_cells``) and the drawing is
plain matplotlib (``conv_figure``, ``receptive_field_figure``), so both are tested without a
browser; ``conv_explorer`` and ``receptive_field_viewer`` only wire them to ipywidgets sliders.

The explorers draw into figures that pyplot does not track (``pyplot=False``). A slider's
callback can run on a kernel thread of its own while another thread runs kernel code:
JupyterLab 4.4 and later send widget messages to kernel subshells, which ipykernel 7 serves on
threads, and every comm message runs the kernel's post-execute hooks. matplotlib's inline
backend hooks one there that displays and closes every figure pyplot knows, so one thread could
render or close a figure the other was still drawing, and a redraw came out as a blank, white
PNG (jupyterlab/jupyterlab#19719). A figure only its callback holds is out of that hook's reach.

>>> geometry = conv_geometry(5, kernel=3, padding=1, out_pos=(0, 0))
>>> geometry.output_size, len(geometry.window), len(geometry.padding_cells)
((5, 5), 9, 5)
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator
from torch import nn

from course_utils.conv_math import (
    _layer_specs,
    conv_output_size,
    conv_params,
    effective_kernel,
    receptive_field,
)

__all__ = [
    "ConvGeometry",
    "conv_explorer",
    "conv_figure",
    "conv_geometry",
    "draw_conv",
    "receptive_field_cells",
    "receptive_field_figure",
    "step_viewer",
    "widgets_are_static",
    "receptive_field_viewer",
]

Pair = tuple[int, int]

# grid values: 0 padding, 1 input pixel, 2 window on padding, 3 window on an input pixel
_COLOURS = ListedColormap(["#d9d9d9", "#ffffff", "#9ecae1", "#3b75af"])
_ERROR_COLOUR = "#b2182b"


def _new_figure(figsize: tuple[float, float], pyplot: bool) -> Figure:
    """A constrained-layout figure: pyplot's (``plt.show()`` shows it) or, with ``pyplot=False``,
    one that only the caller holds (the explorers' redraws; see the module's docstring)."""
    if pyplot:
        return plt.figure(figsize=figsize, layout="constrained")
    return Figure(figsize=figsize, layout="constrained")


def _pair(value: int | Sequence[int]) -> Pair:
    if isinstance(value, Sequence):
        if len(value) != 2:
            raise ValueError(f"give one int or a (height, width) pair, got {value!r}")
        return int(value[0]), int(value[1])
    return int(value), int(value)


@dataclass(frozen=True)
class ConvGeometry:
    """Where one convolution window sits. Cells are (row, col) in padded-input coordinates:
    padded cell (r, c) is input pixel (r − P_h, c − P_w). ``error`` is set (and the rest empty)
    when the layer is impossible."""

    size: Pair
    kernel: Pair
    stride: Pair
    padding: Pair
    dilation: Pair
    output_size: Pair | None
    out_pos: Pair | None
    window: tuple[Pair, ...]
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def padded_size(self) -> Pair:
        return (self.size[0] + 2 * self.padding[0], self.size[1] + 2 * self.padding[1])

    @property
    def input_cells(self) -> tuple[Pair, ...]:
        """Window cells on real pixels, in input coordinates."""
        (ph, pw), (h, w) = self.padding, self.size
        return tuple(
            (r - ph, c - pw) for r, c in self.window if 0 <= r - ph < h and 0 <= c - pw < w
        )

    @property
    def padding_cells(self) -> tuple[Pair, ...]:
        """Window cells on padding (zeros), in padded coordinates."""
        (ph, pw), (h, w) = self.padding, self.size
        return tuple((r, c) for r, c in self.window if not (0 <= r - ph < h and 0 <= c - pw < w))


def conv_geometry(
    size: int | Sequence[int],
    kernel: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    out_pos: Sequence[int] = (0, 0),
) -> ConvGeometry:
    """The cells that the window of output pixel ``out_pos`` covers, and the output size.

    ``out_pos`` outside the output is clamped to it (handy when a slider shrinks the output).
    Impossible settings give a geometry with ``error`` set to conv_math's explanation.

    >>> conv_geometry(7, 3, dilation=2, out_pos=(1, 1)).window[:3]  # every second pixel
    ((1, 1), (1, 3), (1, 5))
    """
    args = [_pair(v) for v in (size, kernel, stride, padding, dilation)]
    square = all(h == w for h, w in args)
    try:
        output = _pair(conv_output_size(*(a[0] if square else a for a in args)))
    except (ValueError, TypeError) as error:
        return ConvGeometry(*args, output_size=None, out_pos=None, window=(), error=str(error))
    (kh, kw), (sh, sw), (dh, dw) = args[1], args[2], args[4]
    row = min(max(int(out_pos[0]), 0), output[0] - 1)
    col = min(max(int(out_pos[1]), 0), output[1] - 1)
    window = tuple((row * sh + a * dh, col * sw + b * dw) for a in range(kh) for b in range(kw))
    return ConvGeometry(*args, output_size=output, out_pos=(row, col), window=window)


def _show_error(ax: plt.Axes, message: str, width: int = 48) -> None:
    ax.clear()
    ax.axis("off")
    ax.text(
        0.5,
        0.5,
        "impossible layer:\n\n" + textwrap.fill(message, width),
        ha="center",
        va="center",
        color=_ERROR_COLOUR,
        fontsize=10,
        transform=ax.transAxes,
    )


def _cell_grid(ax: plt.Axes, rows: int, cols: int, top: float, left: float) -> None:
    """Thin lines between cells (left out on large grids, where they would be a grey smear)."""
    if max(rows, cols) > 40:
        return
    ax.set_xticks(np.arange(cols + 1) + left - 0.5, minor=True)
    ax.set_yticks(np.arange(rows + 1) + top - 0.5, minor=True)
    ax.grid(which="minor", color="#999999", linewidth=0.5)
    ax.tick_params(which="minor", length=0)


def draw_conv(
    ax_in: plt.Axes,
    ax_out: plt.Axes,
    size: int | Sequence[int],
    kernel: int | Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    out_pos: Sequence[int] = (0, 0),
) -> ConvGeometry:
    """Draw the padded input with the window of ``out_pos`` on ``ax_in`` and the output grid
    with that pixel highlighted on ``ax_out``. Impossible settings draw the error text."""
    geometry = conv_geometry(size, kernel, stride, padding, dilation, out_pos)
    if not geometry.ok:
        _show_error(ax_in, geometry.error)
        ax_out.clear()
        ax_out.axis("off")
        return geometry
    (h, w), (ph, pw) = geometry.size, geometry.padding
    H, W = geometry.padded_size
    grid = np.zeros((H, W), dtype=int)
    grid[ph : ph + h, pw : pw + w] = 1
    for r, c in geometry.window:
        grid[r, c] += 2
    ax_in.clear()
    # input coordinates: pixel (0, 0) at the origin, padding at negative indices and ≥ size
    extent = (-pw - 0.5, w + pw - 0.5, h + ph - 0.5, -ph - 0.5)
    ax_in.imshow(grid, cmap=_COLOURS, vmin=0, vmax=3, extent=extent, interpolation="nearest")
    _cell_grid(ax_in, H, W, -ph, -pw)
    ax_in.add_patch(Rectangle((-0.5, -0.5), w, h, fill=False, edgecolor="black", linewidth=1.5))
    rows = [r - ph for r, _ in geometry.window]
    cols = [c - pw for _, c in geometry.window]
    ax_in.add_patch(
        Rectangle(
            (min(cols) - 0.5, min(rows) - 0.5),
            max(cols) - min(cols) + 1,
            max(rows) - min(rows) + 1,
            fill=False,
            edgecolor="#e6550d",
            linewidth=2,
            linestyle="--" if max(geometry.dilation) > 1 else "-",
        )
    )
    ax_in.set_title(
        f"input {h}×{w}, padding {ph if ph == pw else geometry.padding} (grey)\n"
        f"window of output {geometry.out_pos} in blue (light: on padding)"
    )
    ax_in.set_xlabel("column (input pixels)")
    ax_in.set_ylabel("row (input pixels)")

    ho, wo = geometry.output_size
    out_grid = np.ones((ho, wo), dtype=int)
    out_grid[geometry.out_pos] = 3
    ax_out.clear()
    ax_out.imshow(out_grid, cmap=_COLOURS, vmin=0, vmax=3, interpolation="nearest")
    _cell_grid(ax_out, ho, wo, 0, 0)
    ax_out.set_title(f"output {ho}×{wo}\npixel {geometry.out_pos} in blue")
    ax_out.set_xlabel("column (output pixels)")
    ax_out.set_ylabel("row (output pixels)")
    for ax in (ax_in, ax_out):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    return geometry


def _summary(geometry: ConvGeometry, in_channels: int, out_channels: int) -> str:
    """One line: the output size with its arithmetic, and the parameter count."""
    (h, w), (kh, kw), (sh, sw) = geometry.size, geometry.kernel, geometry.stride
    (ph, pw), (dh, dw) = geometry.padding, geometry.dilation
    ho, wo = geometry.output_size
    eh, ew = effective_kernel(kh, dh), effective_kernel(kw, dw)
    size_text = f"output ⌊({h} + 2·{ph} − {eh})/{sh}⌋ + 1 = {ho}"
    if (h, eh, sh, ph) != (w, ew, sw, pw):
        size_text += f" by ⌊({w} + 2·{pw} − {ew})/{sw}⌋ + 1 = {wo}"
    try:
        params = conv_params(in_channels, out_channels, (kh, kw))
        params_text = f"parameters ({kh}·{kw}·{in_channels} + 1)·{out_channels} = {params:,}"
    except ValueError as error:
        params_text = str(error)
    return f"{size_text};  {params_text}"


def conv_figure(
    size: int | Sequence[int] = 7,
    kernel: int | Sequence[int] = 3,
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    out_pos: Sequence[int] = (0, 0),
    in_channels: int = 1,
    out_channels: int = 1,
    figsize: tuple[float, float] = (10.0, 4.8),
    pyplot: bool = True,
) -> Figure:
    """A figure of one convolution: padded input with the window, output with its pixel.

    The title gives the output size with its arithmetic and the parameter count
    ``(F·F·C + 1)·K`` for ``in_channels`` C and ``out_channels`` K. Impossible settings show
    the error instead. ``pyplot=False``: a figure pyplot does not track (for live redraws).

    >>> fig = conv_figure(5, 3, padding=1, out_pos=(0, 0), in_channels=3, out_channels=16)
    >>> "448" in fig._suptitle.get_text()
    True
    >>> plt.close(fig)
    """
    geometry = conv_geometry(size, kernel, stride, padding, dilation, out_pos)
    if not geometry.ok:
        fig = _new_figure((figsize[0], figsize[1] / 2), pyplot)
        _show_error(fig.subplots(), geometry.error, width=90)
        fig.suptitle("this layer cannot exist", color=_ERROR_COLOUR, fontsize=11)
        return fig
    fig = _new_figure(figsize, pyplot)
    ax_in, ax_out = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    draw_conv(ax_in, ax_out, size, kernel, stride, padding, dilation, out_pos)
    fig.suptitle(_summary(geometry, in_channels, out_channels), fontsize=11)
    return fig


STATIC_WIDGETS_VARIABLE = "COURSE_STATIC_WIDGETS"


def widgets_are_static() -> bool:
    """True when ``COURSE_STATIC_WIDGETS=1``: the explorers draw one figure and show no controls.

    For headless runs: executed by nbclient (``make robust``), a cell that displays live
    ipywidgets can occasionally block forever (jupyter/nbclient#312), and static slides cannot
    use sliders anyway. The figure is the explorer's starting state, the same one the notebooks
    show below each explorer.
    """
    return os.environ.get(STATIC_WIDGETS_VARIABLE, "").strip() == "1"


def _show_conv(size, kernel, stride, padding, dilation, in_channels, out_channels, row, col):
    """One state of the conv explorer: the summary line and the figure (or why it is impossible)."""

    geometry = conv_geometry(size, kernel, stride, padding, dilation, (row, col))
    if not geometry.ok:
        print(f"impossible layer: {geometry.error}")
        return
    print(_summary(geometry, in_channels, out_channels))
    fig = conv_figure(
        size, kernel, stride, padding, dilation, (row, col), in_channels, out_channels,
        pyplot=False,
    )  # fmt: skip
    _display_figure(fig)


def _display_figure(fig: Figure) -> None:
    """Show an explorer's figure (one pyplot does not track). Live (a slider's callback) it goes
    out as PNG bytes rendered here; static, the figure itself, through IPython's formatter."""
    import io

    from IPython.display import Image, display

    if widgets_are_static():
        display(fig)
    else:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", bbox_inches="tight")
        display(Image(data=buffer.getvalue(), format="png"))


def step_viewer(show: Callable[[int], None], steps: int, description: str = "step"):
    """A slider over ``1 … steps`` that calls ``show(step)``; with ``COURSE_STATIC_WIDGETS=1``
    it calls ``show(1)`` once and returns ``None``. ``show`` draws one step (e.g. of NMS)."""
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive int, got {steps!r}")
    if widgets_are_static():
        show(1)
        return None
    import ipywidgets as widgets

    slider = widgets.IntSlider(value=1, min=1, max=steps, description=description)
    return widgets.interactive(lambda step: show(step), step=slider)


def conv_explorer(
    size: int = 7,
    kernel: int = 3,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
    in_channels: int = 3,
    out_channels: int = 8,
):
    """Sliders for W, F, S, P, dilation, channels and the output pixel; redraws ``conv_figure``.

    Returns an ``ipywidgets.VBox``; its ``controls`` attribute holds the sliders by name.
    Impossible settings print conv_math's explanation instead of a figure. With
    ``COURSE_STATIC_WIDGETS=1`` it draws the starting state and returns ``None`` (no sliders).
    """
    if widgets_are_static():
        _show_conv(size, kernel, stride, padding, dilation, in_channels, out_channels, 0, 0)
        return None
    import ipywidgets as widgets

    def slider(value: int, low: int, high: int, description: str) -> widgets.IntSlider:
        return widgets.IntSlider(
            value=value,
            min=low,
            max=max(high, value),
            description=description,
            continuous_update=False,
            style={"description_width": "initial"},
        )

    controls = {
        "size": slider(size, 1, 32, "input W"),
        "kernel": slider(kernel, 1, 11, "kernel F"),
        "stride": slider(stride, 1, 5, "stride S"),
        "padding": slider(padding, 0, 5, "padding P"),
        "dilation": slider(dilation, 1, 4, "dilation D"),
        "in_channels": slider(in_channels, 1, 512, "in channels C"),
        "out_channels": slider(out_channels, 1, 512, "out channels K"),
        "row": slider(0, 0, 31, "output row"),
        "col": slider(0, 0, 31, "output col"),
    }

    def update_ranges(_change=None) -> None:
        geometry = conv_geometry(
            *(controls[k].value for k in ("size", "kernel", "stride", "padding", "dilation"))
        )
        last = geometry.output_size[0] - 1 if geometry.ok else 0
        for name in ("row", "col"):
            controls[name].max = max(last, 0)

    for name in ("size", "kernel", "stride", "padding", "dilation"):
        controls[name].observe(update_ranges, names="value")
    update_ranges()

    output = widgets.interactive_output(_show_conv, controls)
    rows = [
        widgets.HBox([controls[k] for k in ("size", "kernel", "stride")]),
        widgets.HBox([controls[k] for k in ("padding", "dilation", "in_channels")]),
        widgets.HBox([controls[k] for k in ("out_channels", "row", "col")]),
    ]
    box = widgets.VBox([*rows, output])
    box.controls = controls
    return box


# ---------------------------------------------------------------------------------------------
# receptive field


@dataclass(frozen=True)
class _Layer1D:
    label: str
    kernel: int
    stride: int
    padding: int
    dilation: int


def _layers_1d(layers: nn.Module | Sequence, axis: int | None) -> list[_Layer1D]:
    """The geometry-changing layers along one axis (ReLU, BatchNorm, ... are left out)."""
    out = []
    for label, geometry in _layer_specs(layers):
        if geometry == "pass":
            continue
        if axis is None:
            if len(set(geometry)) > 1:
                raise ValueError(f"{label} differs between axes: pass axis=0 or axis=1")
            k, s, p, d = geometry[0]
        else:
            k, s, p, d = geometry[axis]
        short = f"{label.split(':')[0]}  k{k} s{s} p{p}" + (f" d{d}" if d > 1 else "")
        out.append(_Layer1D(short, k, s, p, d))
    return out


def _lengths(layers: list[_Layer1D], length: int) -> list[int]:
    lengths = [length]
    for layer in layers:
        lengths.append(
            conv_output_size(lengths[-1], layer.kernel, layer.stride, layer.padding, layer.dilation)
        )
    return lengths


@dataclass(frozen=True)
class RFCells:
    """Which units of every layer feed one output unit (layer 0 is the input).

    ``lengths[l]`` units in layer l; ``cells[l]`` the indices that feed the unit (indices
    outside 0 … lengths[l] − 1 fall on padding); ``centres[l]`` / ``jumps[l]`` place unit i of
    layer l at input position ``centres[l] + i·jumps[l]``.
    """

    labels: tuple[str, ...]
    lengths: tuple[int, ...]
    cells: tuple[frozenset[int], ...]
    centres: tuple[float, ...]
    jumps: tuple[int, ...]
    size: int


def receptive_field_cells(
    layers: nn.Module | Sequence,
    n_layers: int | None = None,
    unit: int | None = None,
    input_size: int | None = None,
    axis: int | None = None,
) -> RFCells:
    """Trace one output unit of the first ``n_layers`` geometry layers back to the input (1-D).

    Without ``input_size`` the input is made just long enough that the middle output unit's
    field lies inside it. ``unit`` defaults to the middle unit.

    >>> cells = receptive_field_cells([(3, 1), (3, 1)], unit=0)
    >>> sorted(cells.cells[0]), cells.size
    ([0, 1, 2, 3, 4], 5)
    """
    chain = _layers_1d(layers, axis)
    if not chain:
        raise ValueError("no convolution or pooling layer in layers: nothing changes the field")
    n_layers = len(chain) if n_layers is None else n_layers
    if not 1 <= n_layers <= len(chain):
        raise ValueError(f"n_layers must be between 1 and {len(chain)}, got {n_layers}")
    chain = chain[:n_layers]
    info = receptive_field([(c.kernel, c.stride, c.padding, c.dilation) for c in chain])
    if input_size is None:
        input_size = info[-1].size + 2 * info[-1].jump
        while True:  # grow until every layer fits
            try:
                lengths = _lengths(chain, input_size)
                break
            except ValueError:
                input_size += 1
    else:
        lengths = _lengths(chain, input_size)
    unit = lengths[-1] // 2 if unit is None else unit
    if not 0 <= unit < lengths[-1]:
        raise ValueError(f"unit must be between 0 and {lengths[-1] - 1}, got {unit}")
    cells = [frozenset({unit})]
    for layer in reversed(chain):
        below = {
            o * layer.stride - layer.padding + t * layer.dilation
            for o in cells[0]
            for t in range(layer.kernel)
        }
        cells.insert(0, frozenset(below))
    centres = (0.0, *(i.start for i in info))
    jumps = (1, *(i.jump for i in info))
    return RFCells(
        labels=("input", *(c.label for c in chain)),
        lengths=tuple(lengths),
        cells=tuple(cells),
        centres=centres,
        jumps=jumps,
        size=info[-1].size,
    )


def receptive_field_figure(
    layers: nn.Module | Sequence,
    n_layers: int | None = None,
    unit: int | None = None,
    input_size: int | None = None,
    axis: int | None = None,
    ax: plt.Axes | None = None,
    pyplot: bool = True,
) -> Figure:
    """One strip of units per layer, placed at their input positions; the units that feed one
    output unit are blue, down to its receptive field on the input (bottom strip).
    ``pyplot=False``: a figure pyplot does not track (for live redraws).

    >>> fig = receptive_field_figure([(3, 1)] * 3)  # three 3×3 layers see 7 pixels
    >>> "7 input pixels" in fig.axes[0].get_title()
    True
    >>> plt.close(fig)
    """
    cells = receptive_field_cells(layers, n_layers, unit, input_size, axis)
    if ax is None:
        fig = _new_figure((10, 1.2 + 0.45 * len(cells.lengths)), pyplot)
        ax = fig.subplots()
    else:
        fig = ax.figure
    for level, (length, chosen, centre, jump) in enumerate(
        zip(cells.lengths, cells.cells, cells.centres, cells.jumps, strict=True)
    ):
        # one bar per unit, centred on its input position and as wide as the jump
        ax.broken_barh(
            [(centre + i * jump - jump / 2, jump) for i in range(length)],
            (level - 0.35, 0.7),
            facecolors=["#3b75af" if i in chosen else "#e8e8e8" for i in range(length)],
            edgecolor="white" if length > 60 else "#888888",
            linewidth=0.5,
        )
        padding = sorted(c for c in chosen if not 0 <= c < length)
        if padding:  # window cells that fall on zero padding: dotted outlines
            ax.broken_barh(
                [(centre + i * jump - jump / 2, jump) for i in padding],
                (level - 0.35, 0.7),
                facecolors="none",
                edgecolor="#3b75af",
                linestyle=":",
            )
    field = sorted(cells.cells[0])
    ax.axvspan(field[0] - 0.5, field[-1] + 0.5, color="#fdae6b", alpha=0.25, zorder=0)
    left = min(-0.5, field[0] - 0.5)
    right = max(cells.lengths[0] - 0.5, field[-1] + 0.5)
    ax.set_xlim(left - 1, right + 1)
    ax.set_ylim(-0.6, len(cells.lengths) - 0.4)
    ax.set_yticks(range(len(cells.lengths)), cells.labels)
    ax.set_xlabel("position in the input (pixels)")
    ax.set_ylabel("layer")
    depth = len(cells.lengths) - 1
    ax.set_title(
        f"receptive field of one unit after {depth} layer(s): {cells.size} input pixels\n"
        f"(blue: the units it depends on; neighbouring units are {cells.jumps[-1]} pixel(s) apart)"
    )
    return fig


def receptive_field_viewer(
    layers: nn.Module | Sequence,
    input_size: int | None = None,
    axis: int | None = None,
):
    """A slider for the number of layers; redraws ``receptive_field_figure``.

    Returns an ``ipywidgets.VBox``; its ``controls`` attribute holds the slider. With
    ``COURSE_STATIC_WIDGETS=1`` it draws all the layers and returns ``None`` (no slider).
    """

    depth = len(_layers_1d(layers, axis))

    def show(n_layers: int) -> None:
        try:
            fig = receptive_field_figure(
                layers, n_layers, input_size=input_size, axis=axis, pyplot=False
            )
        except ValueError as error:
            print(f"cannot draw: {error}")
            return
        _display_figure(fig)

    if widgets_are_static():
        show(depth)
        return None
    import ipywidgets as widgets

    slider = widgets.IntSlider(
        value=depth,
        min=1,
        max=max(depth, 1),
        description="layers",
        continuous_update=False,
    )
    output = widgets.interactive_output(show, {"n_layers": slider})
    box = widgets.VBox([slider, output])
    box.controls = {"n_layers": slider}
    return box
