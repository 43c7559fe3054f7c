"""layer_table: counts against published models and FlopCounterMode, shapes, errors, views."""

from __future__ import annotations

import time

import pytest
import torch
import torchvision
from torch import nn
from torch.nn import functional as F
from torch.utils.flop_counter import FlopCounterMode

from course_utils.summary import LayerRow, LayerTable, layer_table


def _meta(factory, **kwargs) -> nn.Module:
    with torch.device("meta"):
        return factory(weights=None, **kwargs)


def _flop_counter_total(model: nn.Module, shape: tuple[int, ...], device: str = "meta") -> int:
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.empty(shape, device=device))
    return counter.get_total_flops()


class SmallCNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1),
            nn.BatchNorm2d(8),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, groups=2),
            nn.ReLU(),
            nn.AvgPool2d(2, ceil_mode=True),
        )
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(16 * 6 * 6, 10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


@pytest.fixture(scope="module")
def vgg16() -> nn.Module:
    return _meta(torchvision.models.vgg16)


def test_vgg16_counts_and_build_time(vgg16):
    start = time.perf_counter()
    table = layer_table(vgg16, (3, 224, 224))
    seconds = time.perf_counter() - start
    print(f"\nVGG-16 layer table on meta: {seconds:.3f} s")
    assert seconds < 10  # about 0.1 s on a laptop; generous for a loaded CI machine
    assert table.total_params == 138_357_544
    assert table.total_params == sum(p.numel() for p in vgg16.parameters())
    assert table.total_flops == _flop_counter_total(vgg16, (1, 3, 224, 224))
    assert table.total_macs == 15_470_264_320
    assert 0.89 < table.share(nn.Linear) < 0.90  # "about 90 % in the dense layers"
    assert table.params_by_type()["Linear"] == 123_642_856
    assert not table.mismatches
    assert table["features.30"].receptive_field == 212
    assert table["features.30"].jump == 32
    assert table["classifier.0"].receptive_field is None
    assert table["classifier.6"].output_shape == (1, 1000)


def test_resnet18_counts_flops_and_receptive_field_on_a_branching_model():
    resnet = _meta(torchvision.models.resnet18)
    table = layer_table(resnet, (3, 224, 224))
    assert table.total_params == 11_689_512
    assert table.total_flops == _flop_counter_total(resnet, (1, 3, 224, 224))
    assert table["conv1"].receptive_field == 7
    assert table["maxpool"].receptive_field == 11
    # the chain through layer1 is the longest path (identity skips never see further)
    assert table["layer1.1.conv2"].receptive_field == 43
    # the downsample branch does not eat the previous layer's output: the chain ends
    assert table["layer2.0.downsample.0"].receptive_field is None
    assert table["fc"].receptive_field is None
    # the block's ReLU runs twice: one row per call, parameters counted once
    relu_rows = [row for row in table if row.name == "layer1.0.relu"]
    assert [row.call for row in relu_rows] == [1, 2]
    assert not table.mismatches


def test_small_cnn_flops_against_flop_counter_on_real_and_meta():
    torch.manual_seed(0)
    model = SmallCNN().eval()
    real = layer_table(model, (1, 28, 28), device="cpu")
    meta = layer_table(model, (1, 28, 28))
    assert real.total_flops == _flop_counter_total(model, (1, 1, 28, 28), device="cpu")
    assert [r.output_shape for r in real] == [r.output_shape for r in meta]
    assert real.total_macs == meta.total_macs
    conv2 = meta["features.4"]
    assert conv2.macs == 16 * 12 * 12 * 3 * 3 * 8 // 2  # groups=2 halves the work
    assert conv2.params == (3 * 3 * 4 + 1) * 16
    assert [r.receptive_field for r in meta][:7] == [3, 3, 3, 4, 8, 8, 10]
    assert meta["head.1"].formula_shape == (1, 10)
    assert meta["head.1"].formula_ok is True
    assert meta["features.1"].formula_shape is None  # no formula for BatchNorm: nothing to check


def test_batch_dimension_is_optional_and_macs_are_per_image():
    model = SmallCNN()
    one = layer_table(model, (1, 28, 28))
    four = layer_table(model, (4, 1, 28, 28))
    assert one.input_shape == (1, 1, 28, 28)
    assert four["head.1"].output_shape == (4, 10)
    assert four.total_macs == one.total_macs


def test_formulas_cover_same_padding_1d_layers_and_pool_indices():
    model = nn.Sequential(
        nn.Conv1d(2, 4, 4, padding="same", dilation=2),
        nn.MaxPool1d(3, stride=2, ceil_mode=True, return_indices=False),
        nn.ConvTranspose1d(4, 2, 4, stride=2, padding=1),
        nn.AdaptiveAvgPool1d(5),
        nn.Flatten(),
    )
    table = layer_table(model, (2, 17))
    assert [row.output_shape for row in table] == [
        (1, 4, 17),
        (1, 4, 8),
        (1, 2, 16),
        (1, 2, 5),
        (1, 10),
    ]
    assert all(row.formula_ok for row in table)
    assert table.rows[2].macs == 4 * 8 * 2 * 4  # transposed: every input value × kernel × K
    indices = layer_table(nn.Sequential(nn.MaxPool2d(2, return_indices=True)), (1, 4, 4))
    assert indices.rows[0].output_shape == (1, 1, 2, 2)


def test_meta_default_leaves_a_real_model_untouched():
    torch.manual_seed(0)
    model = SmallCNN().train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    table = layer_table(model, (1, 28, 28))
    assert model.training and all(m.training for m in model.modules())
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) and after[k].device.type == "cpu" for k in before)
    assert not any(m._forward_hooks or m._forward_pre_hooks for m in model.modules())
    assert table.total_params == sum(p.numel() for p in model.parameters())


def test_shared_parameters_counted_once():
    shared = nn.Linear(4, 4)
    other = nn.Linear(4, 4)
    other.weight = shared.weight  # tied weights, separate biases
    model = nn.Sequential(shared, nn.ReLU(), shared, other)
    table = layer_table(model, (4,))
    assert table.total_params == sum(p.numel() for p in model.parameters()) == 20 + 4
    assert [row.params for row in table] == [20, 0, 0, 4]
    assert table.total_macs == 3 * 16  # each call multiplies


class _TinyInception(nn.Module):
    """Two parallel branches and an auxiliary head that runs only in training mode."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.branch1 = nn.Conv2d(8, 4, 1)
        self.branch2 = nn.Sequential(nn.Conv2d(8, 4, 1), nn.Conv2d(4, 4, 3, padding=1))
        self.aux = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 2))
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 2))

    def forward(self, x: torch.Tensor):
        x = self.stem(x)
        aux = self.aux(x) if self.training else None
        x = torch.cat([self.branch1(x), self.branch2(x)], dim=1)
        return (self.head(x), aux) if self.training else self.head(x)


def test_modules_that_did_not_run_still_count_and_training_mode_runs_them():
    model = _TinyInception()
    expected = sum(p.numel() for p in model.parameters())
    table = layer_table(model, (3, 16, 16))
    idle = [row for row in table if row.output_shape is None]
    assert [row.name for row in idle] == ["aux.0", "aux.1", "aux.2"]
    assert idle[-1].params == 18 and table.total_params == expected
    trained = layer_table(model, (3, 16, 16), training=True)
    assert not [row for row in trained if row.output_shape is None]
    assert trained.total_params == expected
    assert model.training  # the mode is the model's own again


def test_receptive_field_ends_at_the_first_branch():
    table = layer_table(_TinyInception(), (3, 16, 16))
    assert table["stem"].receptive_field == 3
    assert table["branch1"].receptive_field == 3  # eats the stem's output: still a chain
    assert table["branch2.0"].receptive_field is None  # a second consumer of the stem: a branch
    assert table["branch2.1"].receptive_field is None
    assert table["head.2"].receptive_field is None


class _PaddedConv(nn.Conv2d):
    """A conv that pads its input itself: the formula for its declared settings is wrong."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(F.pad(x, (1, 1, 1, 1)))


def test_formula_disagreement_is_flagged():
    table = layer_table(nn.Sequential(_PaddedConv(1, 2, 3), nn.ReLU()), (1, 8, 8))
    row = table.rows[0]
    assert row.output_shape == (1, 2, 8, 8)
    assert row.formula_shape == (1, 2, 6, 6)
    assert row.formula_ok is False
    assert table.mismatches == [row]
    assert "differs" in table.to_text() and "WARNING" in table.to_text()
    assert "color:#c00" in table._repr_html_()


# ----------------------------------------------------------------------------- errors


def test_wrong_input_size_length(vgg16):
    with pytest.raises(ValueError, match=r"input_size \(224, 224\) has 2 number\(s\).*features\.0"):
        layer_table(vgg16, (224, 224))
    with pytest.raises(ValueError, match="positive ints"):
        layer_table(vgg16, (3, 0, 224))
    with pytest.raises(ValueError, match="must be a tuple"):
        layer_table(vgg16, 224)


def test_wrong_channels(vgg16):
    with pytest.raises(
        ValueError,
        match=r"layer features\.0 \(Conv2d\) expects 3 input channels but got 1: .*"
        r"use input_size=\(3, 224, 224\)",
    ):
        layer_table(vgg16, (1, 224, 224))


def test_dense_head_on_wrong_input_size(vgg16):
    fixed_head = nn.Sequential(vgg16.features, nn.Flatten(), vgg16.classifier)  # no adaptive pool
    with pytest.raises(
        ValueError,
        match=r"layer 2\.0 \(Linear\) expects 25088 input features but got 8192: "
        r"the input 128×128 is too small for this dense head",
    ):
        layer_table(fixed_head, (3, 128, 128))
    with pytest.raises(ValueError, match=r"got 51200: the input 320×320 is too large"):
        layer_table(fixed_head, (3, 320, 320))


def test_input_too_small_for_the_trunk(vgg16):
    with pytest.raises(
        ValueError,
        match=r"layer features\.30 \(MaxPool2d\) cannot run on input 1×512×1×1: .*"
        r"\(1 \+ 2·0 − 2\)/2 \+ 1 = 0\.5",
    ):
        layer_table(vgg16, (3, 16, 16))


def test_failure_between_layers_names_the_last_layer():
    class Broken(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.conv(x).view(-1, 7)

    with pytest.raises(
        ValueError, match=r"failed after layer conv \(Conv2d, output 1×4×6×6\).*input_size"
    ) as info:
        layer_table(Broken(), (3, 8, 8))
    assert isinstance(info.value.__cause__, RuntimeError)  # torch's own message is kept


# ----------------------------------------------------------------------------- views


def test_text_html_and_records():
    table = layer_table(SmallCNN(), (1, 28, 28), title="small CNN")
    assert isinstance(table, LayerTable) and len(table) == 9
    assert all(isinstance(row, LayerRow) for row in table)
    text = table.to_text()
    lines = text.splitlines()
    assert lines[0] == "small CNN"
    assert lines[1].split()[:4] == ["layer", "type", "output", "shape"]
    assert f"{table.total_params:,}" in lines[-3] and lines[-3].startswith("total")
    assert "FLOPs = 2 × MACs" in text
    # aligned: every body line has the params column ending at the same place
    header_end = lines[1].index("params") + len("params")
    assert all(line[header_end - 1].isdigit() for line in lines[3:-4])
    html = table._repr_html_()
    assert html.startswith("<table>") and "small CNN" in html
    assert (
        f"<th style='text-align:right;font-family:monospace;padding:1px 8px'>{table.total_params:,}<"
        in html
    )
    records = table.to_records()
    assert records[0]["name"] == "features.0" and records[0]["flops"] == 2 * records[0]["macs"]
    assert set(records[0]) >= {"name", "type", "output_shape", "params", "macs", "receptive_field"}
    assert (
        table.share("Linear") == table.share(nn.Linear) == table.share(lambda r: r.type == "Linear")
    )
    assert table.share((nn.Conv2d, nn.Linear, nn.BatchNorm2d)) == 1.0
    with pytest.raises(KeyError, match="no layer named"):
        table["nope"]


def test_non_tiling_layers_are_marked_with_their_arithmetic():
    # torchvision's AlexNet takes 224 with padding 2: (224 + 4 − 11)/4 + 1 = 55.25, floored
    alexnet = _meta(torchvision.models.alexnet)
    table = layer_table(alexnet, (3, 224, 224))
    conv1 = table["features.0"]
    assert conv1.formula_ok and conv1.output_shape == (1, 64, 55, 55)
    assert conv1.tiles is False and conv1.exact_size == (55.25, 55.25)
    assert conv1.rounding == "(224 + 2·2 − 11)/4 + 1 = 55.25 → 55"
    assert [row.name for row in table if row.tiles is False] == ["features.0"]
    assert table["features.2"].tiles is True and table["features.1"].tiles is None
    text = table.to_text()
    assert "1×64×55×55 ✓⌊" in text and "1×64×27×27 ✓ " in text
    footer = text.splitlines()[-1]
    assert footer.startswith("⌊ = stride does not tile") and "55.25 → 55" in footer
    assert "⌊" in table._repr_html_()
    # at 227 (the paper's size without padding) every layer tiles: no marker, no footer line
    exact = layer_table(nn.Sequential(nn.Conv2d(3, 96, 11, stride=4)), (3, 227, 227))
    assert exact[0].tiles is True and "⌊" not in exact.to_text()
    # ceil_mode rounds up and gets its own marker
    pool = layer_table(nn.Sequential(nn.MaxPool2d(2, ceil_mode=True)), (1, 5, 5))
    assert pool[0].output_shape == (1, 1, 3, 3) and pool[0].tiles is False
    assert "✓⌈" in pool.to_text() and "rounds up (ceil_mode)" in pool.to_text()
    # the count of further rounded layers, e.g. ResNet-18's 7×7/2, 3×3/2 pool and 1×1/2 shortcuts
    resnet = layer_table(_meta(torchvision.models.resnet18), (3, 224, 224))
    assert resnet["conv1"].rounding == "(224 + 2·3 − 7)/2 + 1 = 112.5 → 112"
    assert "; 7 more" in resnet.to_text().splitlines()[-1]
