"""The explorers' logic and figures, without a browser."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # this module only: figures are drawn, never shown

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from course_utils.conv_math import receptive_field  # noqa: E402
from course_utils.seed import seed_everything  # noqa: E402
from course_utils.widgets import (  # noqa: E402
    conv_explorer,
    conv_figure,
    conv_geometry,
    draw_conv,
    receptive_field_cells,
    receptive_field_figure,
    receptive_field_viewer,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# ----------------------------------------------------------------------------- conv_geometry


def test_window_in_the_corner_covers_padding():
    g = conv_geometry(5, kernel=3, padding=1, out_pos=(0, 0))
    assert g.ok and g.output_size == (5, 5) and g.padded_size == (7, 7)
    assert g.window == tuple((r, c) for r in range(3) for c in range(3))
    assert g.input_cells == ((0, 0), (0, 1), (1, 0), (1, 1))
    assert len(g.padding_cells) == 5


def test_window_with_stride_and_dilation_has_holes():
    g = conv_geometry(9, kernel=3, stride=2, dilation=2, out_pos=(1, 2))
    assert g.output_size == (3, 3)  # (9 − 5)/2 + 1
    rows = sorted({r for r, _ in g.window})
    cols = sorted({c for _, c in g.window})
    assert rows == [2, 4, 6] and cols == [4, 6, 8]
    assert not g.padding_cells


def test_per_axis_settings_and_clamped_position():
    g = conv_geometry((6, 10), kernel=(1, 3), stride=(1, 2), out_pos=(99, 99))
    assert g.output_size == (6, 4)
    assert g.out_pos == (5, 3)  # clamped to the last output pixel
    assert g.window == ((5, 6), (5, 7), (5, 8))


def test_impossible_settings_give_the_error_text():
    g = conv_geometry(5, kernel=7)
    assert not g.ok and g.output_size is None and g.window == ()
    assert "(5 + 2·0 − 7)/1 + 1 = -1; use padding ≥ 1" in g.error
    assert "divides by 0" in conv_geometry(5, 3, stride=0).error
    assert "height" in conv_geometry((2, 8), (3, 3)).error


def test_window_matches_unfold_on_random_layers():
    """The window cells are exactly the pixels torch's unfold gathers for that output pixel."""
    rng = seed_everything(0)
    for _ in range(40):
        size, kernel = int(rng.integers(3, 10)), int(rng.integers(1, 4))
        stride, padding, dilation = (int(rng.integers(1, 3)) for _ in range(3))
        g = conv_geometry(size, kernel, stride, padding - 1, dilation)
        if not g.ok:
            continue
        ids = torch.arange(1.0, size * size + 1).reshape(1, 1, size, size)
        cols = torch.nn.functional.unfold(ids, kernel, dilation, padding - 1, stride)
        row, col = g.output_size[0] // 2, g.output_size[1] - 1
        g = conv_geometry(size, kernel, stride, padding - 1, dilation, (row, col))
        gathered = cols[0, :, row * g.output_size[1] + col].long().tolist()
        expected = [
            (r - g.padding[0]) * size + (c - g.padding[1]) + 1
            if (r - g.padding[0], c - g.padding[1]) in g.input_cells
            else 0
            for r, c in g.window
        ]
        assert gathered == expected


# ----------------------------------------------------------------------------- figures


def test_draw_conv_paints_the_window_on_given_axes():
    fig, (ax_in, ax_out) = plt.subplots(1, 2)
    g = draw_conv(ax_in, ax_out, 4, 3, padding=1, out_pos=(3, 3))
    grid = ax_in.images[0].get_array()
    assert grid.shape == (6, 6)
    # window on real pixels 3, on padding 2, other pixels 1, other padding 0
    assert int((np.asarray(grid) == 3).sum()) == len(g.input_cells) == 4
    assert int((np.asarray(grid) == 2).sum()) == len(g.padding_cells) == 5
    out = np.asarray(ax_out.images[0].get_array())
    assert out.shape == (4, 4) and out[3, 3] == 3 and (out == 3).sum() == 1
    assert ax_in.get_xlabel() and ax_in.get_ylabel() and ax_out.get_xlabel()
    assert "output 4×4" in ax_out.get_title()


def test_conv_figure_title_has_size_and_parameters():
    fig = conv_figure(227, 11, 4, out_pos=(0, 0), in_channels=3, out_channels=96)
    title = fig._suptitle.get_text()
    assert "= 55" in title and "(11·11·3 + 1)·96 = 34,944" in title
    assert len(fig.axes) == 2


def test_conv_figure_shows_the_error_for_impossible_layers():
    fig = conv_figure(5, 7)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert any("(5 + 2·0 − 7)/1 + 1 = -1" in t.replace("\n", " ") for t in texts)
    assert "cannot exist" in fig._suptitle.get_text()


def test_conv_figure_reports_bad_groups_of_channels_in_the_title():
    fig = conv_figure(8, 3, in_channels=0, out_channels=4)
    assert "in_channels must be at least 1" in fig._suptitle.get_text()


# ----------------------------------------------------------------------------- receptive field


def test_receptive_field_cells_of_stacked_3x3():
    cells = receptive_field_cells([(3, 1)] * 3)
    assert cells.size == 7
    field = sorted(cells.cells[0])
    assert field == list(range(field[0], field[0] + 7))
    assert [len(c) for c in cells.cells] == [7, 5, 3, 1]
    assert len(receptive_field_cells([(3, 1)] * 3, n_layers=2).cells[0]) == 5


def test_receptive_field_cells_dilation_holes_and_padding():
    cells = receptive_field_cells([(3, 1, 0, 2)], unit=0)
    assert sorted(cells.cells[0]) == [0, 2, 4]
    padded = receptive_field_cells([(3, 1, 1), (3, 1, 1)], input_size=6, unit=0)
    assert sorted(padded.cells[0]) == [-2, -1, 0, 1, 2]  # negative indices: padding


def test_receptive_field_cells_agree_with_receptive_field_on_random_stacks():
    rng = seed_everything(1)
    for _ in range(30):
        layers = [
            (int(rng.integers(1, 6)), int(rng.integers(1, 3)), 0, int(rng.integers(1, 3)))
            for _ in range(int(rng.integers(1, 5)))
        ]
        cells = receptive_field_cells(layers)
        info = receptive_field(layers)[-1]
        field = sorted(cells.cells[0])
        assert field[-1] - field[0] + 1 == info.size == cells.size
        unit = min(cells.cells[-1])
        assert (field[0] + field[-1]) / 2 == info.start + unit * info.jump


def test_receptive_field_cells_skip_layers_that_keep_geometry():
    net = nn.Sequential(nn.Conv2d(1, 1, 3), nn.ReLU(), nn.MaxPool2d(2), nn.BatchNorm2d(1))
    cells = receptive_field_cells(net)
    assert len(cells.labels) == 3 and cells.size == 4
    with pytest.raises(ValueError, match="n_layers must be between 1 and 2"):
        receptive_field_cells(net, n_layers=3)


def test_receptive_field_figure():
    fig = receptive_field_figure([(3, 1)] * 3, n_layers=2)
    ax = fig.axes[0]
    assert "5 input pixels" in ax.get_title()
    assert ax.get_xlabel() == "position in the input (pixels)"
    assert [t.get_text() for t in ax.get_yticklabels()][0] == "input"


# ----------------------------------------------------------------------------- widgets


@pytest.fixture
def live_widgets(monkeypatch):
    """The interactive path, whatever COURSE_STATIC_WIDGETS the test process inherited."""
    monkeypatch.delenv("COURSE_STATIC_WIDGETS", raising=False)


def test_conv_explorer_builds_and_reacts(live_widgets):
    box = conv_explorer()
    controls = box.controls
    assert controls["row"].max == 4  # (7 − 3)/1 + 1 = 5 outputs
    controls["stride"].value = 2
    assert controls["row"].max == 2
    controls["kernel"].value = 11  # impossible: prints the error, raises nothing
    assert controls["row"].max == 0


def test_receptive_field_viewer_builds_and_reacts(live_widgets):
    box = receptive_field_viewer([(3, 1, 1), (2, 2), (3, 1, 1)])
    slider = box.controls["n_layers"]
    assert (slider.min, slider.max, slider.value) == (1, 3, 3)
    slider.value = 1


def test_static_mode_draws_the_starting_state_without_controls(monkeypatch, capsys):
    """COURSE_STATIC_WIDGETS=1 (make robust, static slides): one figure, no ipywidgets."""
    import sys

    from course_utils.widgets import step_viewer, widgets_are_static

    monkeypatch.setenv("COURSE_STATIC_WIDGETS", "1")
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # importing it would fail
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    assert widgets_are_static()
    assert conv_explorer(size=7, kernel=3) is None
    assert "output" in capsys.readouterr().out  # the summary line of the starting state
    assert receptive_field_viewer([(3, 1, 1), (3, 1, 1)]) is None
    assert len(shown) == 2 and all(hasattr(fig, "savefig") for fig in shown)
    steps = []
    assert step_viewer(steps.append, 4) is None and steps == [1]
    monkeypatch.setenv("COURSE_STATIC_WIDGETS", "0")
    assert not widgets_are_static()


def test_step_viewer_slider_calls_show(live_widgets):
    from course_utils.widgets import step_viewer

    seen = []
    viewer = step_viewer(seen.append, 3)
    slider = viewer.children[0]
    assert (slider.min, slider.max, slider.value) == (1, 3, 1)
    slider.value = 3
    assert seen[0] == 1 and seen[-1] == 3
    with pytest.raises(ValueError, match="steps must be a positive int"):
        step_viewer(seen.append, 0)
