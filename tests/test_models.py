"""Tests of ``course_utils.models``.

Full-size networks are built and run on the ``meta`` device (shapes only, no memory), so
exact parameter counts are cheap: any changed layer changes a count and fails a test.
Counts are checked three ways: against published numbers, against torchvision's model
(same count and the same shape for every parameter and buffer, in order), and against
sums of the layer formulas (F·F·C_in/groups + 1)·K and (fan_in + 1)·fan_out written out
here.
"""

from __future__ import annotations

import doctest
import importlib
from collections.abc import Callable

import pytest
import torch
import torch.nn.functional as F
import torchvision.models as tvm
from torch import nn

from course_utils.models import (
    GOOGLENET_LAYOUT,
    MLP,
    AlexNet,
    BasicBlock,
    Bottleneck,
    GoogLeNet,
    GoogLeNetOutputs,
    Inception,
    InceptionAux,
    LocalResponseNorm,
    MLPConv,
    ResNet,
    SmallCNN,
    alexnet,
    alexnet_paper,
    cifar_resnet,
    count_parameters,
    googlenet,
    googlenet_loss,
    mini_alexnet,
    mini_googlenet,
    mini_nin,
    mini_resnet,
    mini_vgg,
    mini_zfnet,
    nin_cifar10,
    plain_resnet,
    resnet18,
    resnet34,
    resnet50,
    resnet101,
    resnet152,
    vgg11,
    vgg11_bn,
    vgg13,
    vgg13_bn,
    vgg16,
    vgg16_bn,
    vgg19,
    vgg19_bn,
    zfnet,
)

META = torch.device("meta")


def conv(k: int, c_in: int, c_out: int, groups: int = 1, bias: bool = True) -> int:
    """Parameters of a k×k convolution: (k·k·C_in/groups + 1)·K (no +1 without bias)."""
    return (k * k * c_in // groups + bias) * c_out


def dense(fan_in: int, fan_out: int) -> int:
    """Parameters of a dense layer: (fan_in + 1)·fan_out."""
    return (fan_in + 1) * fan_out


def bn(c: int) -> int:
    """Parameters of batch norm: a scale and a shift per channel."""
    return 2 * c


def on_meta(factory: Callable[[], nn.Module]) -> nn.Module:
    with META:
        return factory()


def shapes(tensors) -> list[tuple[int, ...]]:
    return [tuple(t.shape) for t in tensors]


# --------------------------------------------------------------------------- exact counts


@pytest.mark.parametrize(
    ("factory", "expected"),
    [
        (alexnet, 61_100_840),
        (vgg11, 132_863_336),
        (vgg11_bn, 132_868_840),
        (vgg13, 133_047_848),
        (vgg13_bn, 133_053_736),
        (vgg16, 138_357_544),
        (vgg16_bn, 138_365_992),
        (vgg19, 143_667_240),
        (vgg19_bn, 143_678_248),
        (resnet18, 11_689_512),
        (resnet34, 21_797_672),
        (resnet50, 25_557_032),
        (resnet101, 44_549_160),
        (resnet152, 60_192_808),
        (lambda: googlenet(aux_logits=False, torchvision_compatible=True), 6_624_904),
        (lambda: googlenet(aux_logits=True, torchvision_compatible=True), 13_004_888),
        (lambda: googlenet(aux_logits=False, batch_norm=True, branch3_kernel=3), 6_624_904),
    ],
    ids=lambda v: getattr(v, "__name__", str(v)),
)
def test_published_parameter_counts(factory: Callable[[], nn.Module], expected: int) -> None:
    assert count_parameters(on_meta(factory)) == expected


def test_vgg16_parameters_live_in_the_dense_layers() -> None:
    model = on_meta(vgg16)
    convs, head = count_parameters(model.features), count_parameters(model.classifier)
    assert (convs, head) == (14_714_688, 123_642_856)
    assert 0.89 < head / (convs + head) < 0.90


def test_alexnet_paper_count_equals_layer_formulas() -> None:
    dense_head = dense(256 * 6 * 6, 4096) + dense(4096, 4096) + dense(4096, 1000)
    for groups, expected in ((1, 62_378_344), (2, 60_965_224)):
        by_formula = (
            conv(11, 3, 96)  # 34,944: the lecture's conv1 example
            + conv(5, 96, 256, groups)
            + conv(3, 256, 384)  # conv3 reads both towers
            + conv(3, 384, 384, groups)
            + conv(3, 384, 256, groups)
            + dense_head
        )
        assert by_formula == expected
        assert count_parameters(on_meta(lambda g=groups: alexnet_paper(groups=g))) == expected
    assert conv(11, 3, 96) == 34_944


def test_zfnet_count_equals_hand_computed_sum() -> None:
    hand = (
        (7 * 7 * 3 + 1) * 96  # conv1 7×7/2: 14,208
        + (5 * 5 * 96 + 1) * 256  # conv2 5×5/2: 614,656
        + (3 * 3 * 256 + 1) * 384  # conv3: 885,120
        + (3 * 3 * 384 + 1) * 384  # conv4: 1,327,488
        + (3 * 3 * 384 + 1) * 256  # conv5: 884,992
        + (6 * 6 * 256 + 1) * 4096  # fc6: 37,752,832
        + (4096 + 1) * 4096  # fc7: 16,781,312
        + (4096 + 1) * 1000  # fc8: 4,097,000
    )
    assert hand == 62_357_608
    assert count_parameters(on_meta(zfnet)) == hand


# The paper's Table 1 below the stem, written out again here (independent of the module).
PAPER_INCEPTIONS = [  # in_channels, #1×1, #3×3 reduce, #3×3, #5×5 reduce, #5×5, pool proj
    (192, 64, 96, 128, 16, 32, 32),
    (256, 128, 128, 192, 32, 96, 64),
    (480, 192, 96, 208, 16, 48, 64),
    (512, 160, 112, 224, 24, 64, 64),
    (512, 128, 128, 256, 24, 64, 64),
    (512, 112, 144, 288, 32, 64, 64),
    (528, 256, 160, 320, 32, 128, 128),
    (832, 256, 160, 320, 32, 128, 128),
    (832, 384, 192, 384, 48, 128, 128),
]


def googlenet_count(branch3_kernel: int, batch_norm: bool, aux: bool, classes: int = 1000) -> int:
    """GoogLeNet's parameters from the layer formulas (BN: bias-free conv + scale and shift)."""

    def c(k: int, c_in: int, c_out: int) -> int:
        return conv(k, c_in, c_out, bias=not batch_norm) + (bn(c_out) if batch_norm else 0)

    total = c(7, 3, 64) + c(1, 64, 64) + c(3, 64, 192)
    for c_in, n1, r3, n3, r5, n5, pp in PAPER_INCEPTIONS:
        total += c(1, c_in, n1) + c(1, c_in, r3) + c(3, r3, n3)
        total += c(1, c_in, r5) + c(branch3_kernel, r5, n5) + c(1, c_in, pp)
    total += dense(1024, classes)
    if aux:  # on inception 4a (512 channels) and 4d (528): 1×1 conv 128, fc 1024, fc classes
        for c_in in (512, 528):
            total += c(1, c_in, 128) + dense(128 * 4 * 4, 1024) + dense(1024, classes)
    return total


@pytest.mark.parametrize("aux", [False, True])
def test_googlenet_counts_equal_layer_formulas(aux: bool) -> None:
    paper = count_parameters(on_meta(lambda: googlenet(aux_logits=aux)))
    compatible = count_parameters(
        on_meta(lambda: googlenet(aux_logits=aux, torchvision_compatible=True))
    )
    assert paper == googlenet_count(branch3_kernel=5, batch_norm=False, aux=aux)
    assert compatible == googlenet_count(branch3_kernel=3, batch_norm=True, aux=aux)
    # the published numbers: torchvision's (BN, 3×3) and the paper-faithful ones
    assert compatible == (13_004_888 if aux else 6_624_904)
    assert paper == (13_378_280 if aux else 6_998_552)


def test_inception_3a_and_aux_head_counts() -> None:
    naive_free = Inception(192, 64, 96, 128, 16, 32, 32)
    assert naive_free.out_channels == 256
    assert count_parameters(naive_free) == 163_696
    assert count_parameters(Inception(192, 64, 96, 128, 16, 32, 32, branch3_kernel=3)) == (
        163_696 - (25 - 9) * 16 * 32
    )
    assert count_parameters(InceptionAux(512, 1000)) == 3_188_840


def test_googlenet_dense_head_costs_parameters() -> None:
    gap = count_parameters(on_meta(lambda: googlenet(aux_logits=False)))
    dense_head = count_parameters(on_meta(lambda: googlenet(aux_logits=False, head="dense")))
    assert dense_head - gap == dense(1024 * 7 * 7, 1000) - dense(1024, 1000)


def cifar_resnet_count(depth: int, width: int = 16, classes: int = 10) -> int:
    """He et al. (2016) 4.2: 3×3 stem, 3 stages of n basic blocks, option A shortcuts."""
    n = (depth - 2) // 6
    total = conv(3, 3, width, bias=False) + bn(width)
    c_in = width
    for c in (width, 2 * width, 4 * width):
        for _ in range(n):
            total += conv(3, c_in, c, bias=False) + conv(3, c, c, bias=False) + 2 * bn(c)
            c_in = c
    return total + dense(4 * width, classes)


@pytest.mark.parametrize(("depth", "expected"), [(8, 75_290), (20, 269_722), (56, 853_018)])
def test_cifar_resnet_counts(depth: int, expected: int) -> None:
    assert cifar_resnet_count(depth) == expected
    residual, plain = cifar_resnet(depth), cifar_resnet(depth, skip=False)
    assert count_parameters(residual) == count_parameters(plain) == expected
    assert cifar_resnet_count(110) == 1_727_962  # the paper's "1.7 M"


def test_cifar_resnet_rejects_other_depths() -> None:
    with pytest.raises(ValueError, match="6n \\+ 2"):
        cifar_resnet(21)


@pytest.mark.parametrize(
    ("factory", "expected"),
    [
        (lambda: MLP(64, 32, 10), dense(64, 32) + dense(32, 10)),
        (lambda: SmallCNN(1, 10, width=16, input_size=8), 6_090),
        (
            lambda: SmallCNN(1, 10, width=16, input_size=32),
            conv(3, 1, 16) + conv(3, 16, 32) + dense(32 * 8 * 8, 10),
        ),
        (mini_alexnet, 204_906),
        (mini_zfnet, 261_482),
        (mini_vgg, 481_642),
        (mini_googlenet, 172_240),
        (lambda: mini_googlenet(head="dense"), 179_920),
        (lambda: mini_googlenet(aux_logits=True), 172_240 + 2 * 21_930),
        (mini_resnet, 308_826),
    ],
)
def test_small_model_counts(factory: Callable[[], nn.Module], expected: int) -> None:
    assert count_parameters(factory()) == expected


# ------------------------------------------------------------------ torchvision cross-check


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (alexnet, tvm.alexnet),
        (vgg16, tvm.vgg16),
        (vgg16_bn, tvm.vgg16_bn),
        (resnet18, tvm.resnet18),
        (resnet50, tvm.resnet50),
        (
            lambda: googlenet(aux_logits=False, torchvision_compatible=True),
            lambda: tvm.googlenet(weights=None, aux_logits=False, init_weights=False),
        ),
        (
            lambda: googlenet(aux_logits=True, torchvision_compatible=True),
            lambda: tvm.googlenet(weights=None, aux_logits=True, init_weights=False),
        ),
    ],
    ids=["alexnet", "vgg16", "vgg16_bn", "resnet18", "resnet50", "googlenet", "googlenet_aux"],
)
def test_same_layers_as_torchvision(ours: Callable, theirs: Callable) -> None:
    a, b = on_meta(ours), on_meta(theirs)
    assert count_parameters(a) == count_parameters(b)
    assert shapes(a.parameters()) == shapes(b.parameters())  # layer by layer, in order
    assert shapes(a.buffers()) == shapes(b.buffers())  # BN running statistics


# ------------------------------------------------------------------------- forward shapes


@pytest.mark.parametrize(
    ("factory", "side"),
    [
        (alexnet, 224),
        (alexnet_paper, 227),
        (lambda num_classes: alexnet_paper(num_classes, groups=2), 227),
        (zfnet, 224),
        (vgg16, 224),
        (vgg19_bn, 224),
        (googlenet, 224),
        (lambda num_classes: googlenet(num_classes, torchvision_compatible=True), 224),
        (resnet18, 224),
        (resnet50, 224),
        (lambda num_classes: plain_resnet(34, num_classes), 224),
    ],
)
def test_full_size_forward_on_meta(factory: Callable, side: int) -> None:
    with META:
        model = factory(num_classes=7).eval()
        out = model(torch.empty(2, 3, side, side))
    assert out.shape == (2, 7)


def test_zfnet_feature_map_sizes_match_the_paper() -> None:
    with META:
        model = zfnet()
        x = torch.empty(1, 3, 224, 224)
        sides = []
        for layer in model.features:
            x = layer(x)
            if isinstance(layer, nn.Conv2d | nn.MaxPool2d):
                sides.append(x.shape[-1])
    assert sides == [110, 55, 26, 13, 13, 13, 13, 6]


@pytest.mark.parametrize(
    ("factory", "side", "expected_side"),
    [(alexnet_paper, 224, 227), (zfnet, 256, 224), (vgg16, 256, 224)],
)
def test_dense_heads_reject_other_sizes_clearly(factory, side: int, expected_side: int) -> None:
    with META, pytest.raises(ValueError, match=f"{expected_side}×{expected_side} input"):
        factory()(torch.empty(1, 3, side, side))


MINIS = [
    ("mini_alexnet", mini_alexnet),
    ("mini_alexnet_tanh", lambda **kw: mini_alexnet(activation="tanh", **kw)),
    ("mini_zfnet", mini_zfnet),
    ("mini_vgg", mini_vgg),
    ("mini_vgg_bn", lambda **kw: mini_vgg(batch_norm=True, **kw)),
    ("mini_googlenet", mini_googlenet),
    ("mini_googlenet_dense", lambda **kw: mini_googlenet(head="dense", **kw)),
    ("mini_resnet", lambda **kw: mini_resnet(**_drop(kw, "input_size"))),
    (
        "mini_resnet_bottleneck",
        lambda **kw: mini_resnet(block="bottleneck", **_drop(kw, "input_size")),
    ),
    ("cifar_resnet8", lambda **kw: cifar_resnet(8, **_drop(kw, "input_size"))),
]


def _drop(kwargs: dict, key: str) -> dict:
    return {k: v for k, v in kwargs.items() if k != key}


@pytest.mark.parametrize("side", [32, 64])
@pytest.mark.parametrize(("name", "factory"), MINIS, ids=[n for n, _ in MINIS])
def test_mini_forward_backward(name: str, factory: Callable, side: int) -> None:
    torch.manual_seed(0)
    model = factory(num_classes=5, input_size=side)
    x = torch.randn(3, 3, side, side)
    out = model(x)
    assert isinstance(out, torch.Tensor) and out.shape == (3, 5)
    out.sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_mini_alexnet_activation_and_dropout() -> None:
    tanh = mini_alexnet(activation="tanh", dropout=0.2)
    kinds = {type(m) for m in tanh.modules()}
    assert nn.Tanh in kinds and nn.ReLU not in kinds
    assert {m.p for m in tanh.modules() if isinstance(m, nn.Dropout)} == {0.2}
    assert sum(isinstance(m, nn.LocalResponseNorm) for m in tanh.modules()) == 2
    with pytest.raises(ValueError, match="relu"):
        mini_alexnet(activation="sigmoid")


def test_gap_googlenet_accepts_any_size_dense_one_does_not() -> None:
    torch.manual_seed(0)
    gap = mini_googlenet(head="gap").eval()
    dense_head = mini_googlenet(head="dense", input_size=32).eval()
    for side in (32, 48, 64):
        assert gap(torch.randn(2, 3, side, side)).shape == (2, 10)
    assert dense_head(torch.randn(2, 3, 32, 32)).shape == (2, 10)
    for side in (48, 64):
        with pytest.raises(ValueError, match="32×32 input images"):
            dense_head(torch.randn(2, 3, side, side))


def test_small_cnn_input_sizes() -> None:
    assert SmallCNN(input_size=8)(torch.randn(4, 1, 8, 8)).shape == (4, 10)
    assert SmallCNN(3, 10, input_size=32)(torch.randn(4, 3, 32, 32)).shape == (4, 10)
    with pytest.raises(ValueError, match="8×8 input"):
        SmallCNN(input_size=8)(torch.randn(4, 1, 32, 32))
    with pytest.raises(ValueError, match="multiple of 4"):
        SmallCNN(input_size=30)
    assert MLP(64, [32, 16], 10)(torch.randn(4, 1, 8, 8)).shape == (4, 10)


# ------------------------------------------------------------------ GoogLeNet auxiliary heads


def test_aux_heads_only_in_training_mode() -> None:
    torch.manual_seed(0)
    x = torch.randn(2, 3, 32, 32)
    model = mini_googlenet(num_classes=4, aux_logits=True)
    out = model.train()(x)
    assert isinstance(out, GoogLeNetOutputs)
    assert [t.shape for t in out] == [(2, 4)] * 3
    assert isinstance(model.eval()(x), torch.Tensor)
    without = mini_googlenet(num_classes=4, aux_logits=False)
    assert isinstance(without.train()(x), torch.Tensor)
    assert without.aux is None and not any(isinstance(m, InceptionAux) for m in without.modules())


def test_full_googlenet_aux_heads_on_meta() -> None:
    with META:
        model = googlenet(num_classes=10)
        assert list(model.aux) == ["aux1", "aux2"]
        out = model.train()(torch.empty(2, 3, 224, 224))
        assert isinstance(out, GoogLeNetOutputs) and out.aux2.shape == (2, 10)
        assert model.eval()(torch.empty(2, 3, 224, 224)).shape == (2, 10)
    taps = [name for name, spec in GOOGLENET_LAYOUT if spec == "aux"]
    assert taps == ["aux1", "aux2"]


def test_googlenet_loss_weights_aux_heads_by_0_3() -> None:
    torch.manual_seed(0)
    target = torch.tensor([0, 2, 1])
    main, a1, a2 = (torch.randn(3, 4) for _ in range(3))
    ce = F.cross_entropy
    out = GoogLeNetOutputs(main, a1, a2)
    torch.testing.assert_close(
        googlenet_loss(out, target), ce(main, target) + 0.3 * (ce(a1, target) + ce(a2, target))
    )
    torch.testing.assert_close(googlenet_loss(out, target, aux_weight=0.0), ce(main, target))
    torch.testing.assert_close(googlenet_loss(main, target), ce(main, target))  # eval mode


def test_googlenet_validates_its_arguments() -> None:
    with pytest.raises(ValueError, match="head"):
        GoogLeNet(head="mlp")
    with pytest.raises(ValueError, match="odd"):
        Inception(8, 1, 1, 1, 1, 1, 1, branch3_kernel=4)


# ------------------------------------------------------------- residual vs plain networks


def test_cifar_plain_and_residual_share_every_weight() -> None:
    torch.manual_seed(0)
    residual, plain = cifar_resnet(20).eval(), cifar_resnet(20, skip=False).eval()
    plain.load_state_dict(residual.state_dict())  # strict: the same names and shapes
    x = torch.randn(2, 3, 32, 32)
    assert not torch.allclose(residual(x), plain(x))  # only the shortcuts differ


def test_imagenet_plain_resnet_lacks_only_the_projections() -> None:
    residual, plain = on_meta(resnet18), on_meta(lambda: plain_resnet(18))
    missing = set(residual.state_dict()) - set(plain.state_dict())
    assert set(plain.state_dict()) <= set(residual.state_dict())
    assert missing and all(".shortcut." in key for key in missing)
    projections = sum(p.numel() for n, p in residual.named_parameters() if ".shortcut." in n)
    assert projections == sum(conv(1, c, 2 * c, bias=False) + bn(2 * c) for c in (64, 128, 256))
    assert count_parameters(plain) == count_parameters(residual) - projections == 11_515_688


@pytest.mark.parametrize("block", [BasicBlock, Bottleneck])
def test_block_is_identity_when_residual_is_zero(block: type[BasicBlock]) -> None:
    torch.manual_seed(0)
    channels = 16 * block.expansion
    x = torch.rand(2, channels, 8, 8)  # non-negative: ReLU(x) = x
    for skip, expected in ((True, x), (False, torch.zeros_like(x))):
        b = block(channels, 16, skip=skip).eval()
        last_bn = b.bn3 if isinstance(b, Bottleneck) else b.bn2
        nn.init.zeros_(last_bn.weight)  # F(x) = 0
        torch.testing.assert_close(b(x), expected)


def test_zero_pad_shortcut_and_stride_placement() -> None:
    model = cifar_resnet(8)
    assert count_parameters(model) == cifar_resnet_count(8)
    down = model.stages.layer2[0]
    x = torch.randn(2, 16, 8, 8)
    y = down.shortcut(x)
    assert y.shape == (2, 32, 4, 4) and torch.equal(y[:, :16], x[:, :, ::2, ::2])
    assert not y[:, 16:].any()
    v1 = ResNet(Bottleneck, (1, 1), 10, widths=(8, 16), stem="cifar", stride_on_1x1=True)
    v15 = ResNet(Bottleneck, (1, 1), 10, widths=(8, 16), stem="cifar")
    assert v1.stages.layer2[0].conv1.stride == (2, 2) and v1.stages.layer2[0].conv2.stride == (1, 1)
    assert v15.stages.layer2[0].conv2.stride == (2, 2)
    assert count_parameters(v1) == count_parameters(v15)


# ------------------------------------------------------------------------------ misc


def test_fast_lrn_equals_torch() -> None:
    torch.manual_seed(0)
    x = (3 * torch.randn(2, 12, 5, 5)).requires_grad_()
    ours = LocalResponseNorm(5, alpha=5e-4, beta=0.75, k=2.0)
    theirs = nn.LocalResponseNorm(5, alpha=5e-4, beta=0.75, k=2.0)
    torch.testing.assert_close(ours(x), theirs(x))
    g_ours = torch.autograd.grad(ours(x).square().sum(), x)[0]
    g_theirs = torch.autograd.grad(theirs(x).square().sum(), x)[0]
    torch.testing.assert_close(g_ours, g_theirs)


def test_alexnet_is_one_class_built_from_tables() -> None:
    assert isinstance(on_meta(zfnet), AlexNet)
    model = on_meta(lambda: alexnet_paper(groups=2))
    groups = [m.groups for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert groups == [1, 2, 1, 2, 2]


@pytest.mark.parametrize(
    "name", ["", ".simple", ".alexnet", ".zfnet", ".vgg", ".googlenet", ".resnet", ".nin"]
)
def test_docstring_examples(name: str) -> None:
    # importlib: the package's attribute ``alexnet`` is the factory, not the module
    module = importlib.import_module(f"course_utils.models{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


# ------------------------------------------------------------------ Network in Network


def test_nin_cifar10_count_equals_layer_formulas() -> None:
    # Lin et al. (2013), CIFAR-10: mlpconv 5×5 192-160-96, 5×5 192-192-192, 3×3 192-192-10
    total = conv(5, 3, 192) + conv(1, 192, 160) + conv(1, 160, 96)
    total += conv(5, 96, 192) + 2 * conv(1, 192, 192)
    total += conv(3, 192, 192) + conv(1, 192, 192) + conv(1, 192, 10)
    assert count_parameters(nin_cifar10()) == total == 966_986
    dense_head = count_parameters(nin_cifar10(head="dense"))
    assert dense_head - total == dense(192 * 8 * 8, 10) - conv(1, 192, 10)


def test_mlpconv_is_an_mlp_on_every_patch() -> None:
    torch.manual_seed(0)
    layer = MLPConv(4, (8, 6), kernel_size=3, padding=1)
    convs = [m for m in layer if isinstance(m, nn.Conv2d)]
    assert [c.kernel_size for c in convs] == [(3, 3), (1, 1)] and layer.out_channels == 6
    x = torch.randn(2, 4, 5, 5)
    patches = F.unfold(x, 3, padding=1).transpose(1, 2)  # N × pixels × 36
    hidden = F.relu(patches @ convs[0].weight.flatten(1).T + convs[0].bias)
    out = F.relu(hidden @ convs[1].weight.flatten(1).T + convs[1].bias)
    assert torch.allclose(layer(x), out.transpose(1, 2).reshape(2, 6, 5, 5), atol=1e-5)
    assert isinstance(MLPConv(4, (8,), 3, last_relu=False)[-1], nn.Conv2d)  # plain, no ReLU
    with pytest.raises(ValueError, match="at least"):
        MLPConv(4, (), 3)


def test_mini_nin_variants() -> None:
    torch.manual_seed(0)
    x = torch.randn(3, 1, 8, 8)
    for mlp in (True, False):
        for head in ("gap", "dense"):
            model = mini_nin(10, mlp=mlp, head=head)
            out = model(x)
            assert out.shape == (3, 10)
            out.sum().backward()
    w = 32  # plain: 3×3 convs only; mlpconv adds two 1×1 layers per block
    plain = conv(3, 1, w) + conv(3, w, 2 * w) + conv(1, 2 * w, 10)
    mlpconv = plain + 2 * conv(1, w, w) + 2 * conv(1, 2 * w, 2 * w)
    assert count_parameters(mini_nin(10, mlp=False)) == plain == 19_466
    assert count_parameters(mini_nin(10)) == mlpconv == 29_898
    assert count_parameters(mini_nin(10, head="dense")) == mlpconv - conv(1, 64, 10) + dense(
        64 * 4 * 4, 10
    )
    gap = mini_nin(10).eval()
    assert gap(torch.randn(2, 1, 16, 16)).shape == (2, 10)  # GAP: any input size
    with pytest.raises(ValueError, match="8×8 input images"):
        mini_nin(10, head="dense")(torch.randn(2, 1, 16, 16))
    with pytest.raises(ValueError, match="'gap' or 'dense'"):
        mini_nin(10, head="flat")


def test_lenet5_count_equals_formula_and_paper() -> None:
    from course_utils.models import (
        LENET5_PAPER_PARAMETERS,
        LENET5_RBF_CENTRES,
        count_lenet5_parameters,
        lenet5,
    )
    from course_utils.sources import figure

    assert count_parameters(lenet5()) == count_lenet5_parameters() == 61_706
    assert count_parameters(lenet5(num_classes=6)) == count_lenet5_parameters(num_classes=6)
    # the per-layer figures add up to the total the paper states
    assert f"{LENET5_PAPER_PARAMETERS:,}" == figure("lenet5_trainable_parameters").value == "60,000"
    # ours: the paper's trainable parameters and its hand-set RBF centres, then
    # full C3 (+900), plain pools (−44), dense output (+10)
    extra = count_lenet5_parameters() - LENET5_PAPER_PARAMETERS - LENET5_RBF_CENTRES
    assert extra == 900 - 44 + 10


def test_lenet5_shapes_and_options() -> None:
    from course_utils.models import lenet5

    model = lenet5(activation="relu", pool="max")
    assert model.features(torch.zeros(2, 1, 32, 32)).shape == (2, 120, 1, 1)
    assert model(torch.zeros(2, 1, 32, 32)).shape == (2, 10)
    assert isinstance(model.features[1], nn.ReLU) and isinstance(model.features[2], nn.MaxPool2d)
    with pytest.raises(ValueError, match="32×32"):
        model(torch.zeros(1, 1, 28, 28))
    with pytest.raises(ValueError, match="activation"):
        lenet5(activation="sigmoid")
