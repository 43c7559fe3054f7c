"""GoogLeNet (Szegedy et al., 2015): Inception modules, 1×1 reductions, GAP, auxiliary heads.

"Going Deeper with Convolutions", Table 1. An ``Inception`` module runs four branches
side by side and concatenates them along the channels: 1×1; 1×1 → 3×3; 1×1 → 5×5;
3×3 max-pool → 1×1 projection. The 1×1 "reduce" convolutions shrink the channels
before the expensive 3×3 and 5×5 filters. A global average pool (GAP) replaces the
dense layers (and frees the input size), dropout 0.4 precedes the classifier, and two
``InceptionAux`` heads on inception 4a and 4d add their loss with weight 0.3 during
training only (``googlenet_loss``).

Two configurations of the full-size network:

- paper-faithful (default): no batch norm, biased convolutions, LRN in the stem, 5×5
  filters in the third branch: 6,998,552 parameters, 13,378,280 with the auxiliary
  heads (1000 classes).
- ``googlenet(torchvision_compatible=True)``: torchvision's ``googlenet()`` layer for
  layer: batch norm after every convolution (bias-free convolutions, BN eps 1e-3), no
  LRN, dropout 0.2, and 3×3 filters in the "5×5" branch (a known torchvision bug,
  pytorch/vision#906, kept for its ported weights): 6,624,904 parameters, 13,004,888
  with the auxiliary heads.

>>> import torch
>>> with torch.device("meta"):
...     googlenet(aux_logits=False)(torch.empty(2, 3, 224, 224)).shape
torch.Size([2, 1000])
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, Literal, NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from course_utils.models.alexnet import lrn as make_lrn
from course_utils.models.simple import CheckedFlatten

__all__ = [
    "ConvBlock",
    "Inception",
    "InceptionAux",
    "GoogLeNet",
    "GoogLeNetOutputs",
    "GOOGLENET_LAYOUT",
    "MINI_GOOGLENET_LAYOUT",
    "googlenet",
    "googlenet_loss",
    "mini_googlenet",
]

# (ch1x1, ch3x3 reduce, ch3x3, ch5x5 reduce, ch5x5, pool proj): the paper's Table 1 columns.
InceptionSpec = tuple[int, int, int, int, int, int]
LayoutEntry = tuple[str, InceptionSpec | Literal["M", "aux"]]

# Table 1 below the stem: "M" = 3×3/2 max-pool, "aux" = an auxiliary head on the map above.
GOOGLENET_LAYOUT: tuple[LayoutEntry, ...] = (
    ("inception3a", (64, 96, 128, 16, 32, 32)),
    ("inception3b", (128, 128, 192, 32, 96, 64)),
    ("maxpool3", "M"),
    ("inception4a", (192, 96, 208, 16, 48, 64)),
    ("aux1", "aux"),
    ("inception4b", (160, 112, 224, 24, 64, 64)),
    ("inception4c", (128, 128, 256, 24, 64, 64)),
    ("inception4d", (112, 144, 288, 32, 64, 64)),
    ("aux2", "aux"),
    ("inception4e", (256, 160, 320, 32, 128, 128)),
    ("maxpool4", "M"),
    ("inception5a", (256, 160, 320, 32, 128, 128)),
    ("inception5b", (384, 192, 384, 48, 128, 128)),
)

# A quarter of the widths, five modules instead of nine, for 32×32 images (maps 8 → 4 → 2).
MINI_GOOGLENET_LAYOUT: tuple[LayoutEntry, ...] = (
    ("inception3a", (16, 24, 32, 4, 8, 8)),
    ("inception3b", (32, 32, 48, 8, 24, 16)),
    ("maxpool3", "M"),
    ("inception4a", (48, 24, 52, 4, 12, 16)),
    ("aux1", "aux"),
    ("inception4b", (40, 28, 56, 6, 16, 16)),
    ("aux2", "aux"),
    ("maxpool4", "M"),
    ("inception5b", (96, 48, 96, 12, 32, 32)),
)


class GoogLeNetOutputs(NamedTuple):
    """What ``GoogLeNet`` returns in training mode with auxiliary heads."""

    logits: torch.Tensor
    aux1: torch.Tensor | None
    aux2: torch.Tensor | None


class ConvBlock(nn.Sequential):
    """``conv → ReLU`` (Szegedy et al., 2015) or ``conv (no bias) → BN → ReLU`` (torchvision).

    BN: Ioffe & Szegedy (2015). Parameters: (F·F·C_in + 1)·K, or F·F·C_in·K + 2K with BN.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        batch_norm: bool = False,
    ) -> None:
        layers: list[nn.Module] = [
            nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, bias=not batch_norm)
        ]
        if batch_norm:
            layers.append(nn.BatchNorm2d(out_channels, eps=1e-3))
        layers.append(nn.ReLU(inplace=True))
        super().__init__(*layers)


class Inception(nn.Module):
    """An Inception module (Szegedy et al., 2015): four parallel branches, concatenated.

    Branches: 1×1 (``ch1x1``); 1×1 → 3×3 (``ch3x3red`` → ``ch3x3``); 1×1 → k×k
    (``ch5x5red`` → ``ch5x5``, k = ``branch3_kernel``: 5 in the paper, 3 in torchvision);
    3×3/1 max-pool → 1×1 (``pool_proj``). Output channels: ch1x1 + ch3x3 + ch5x5 + pool_proj.

    Parameters (no BN): Σ (F·F·C_in + 1)·K over the six convolutions; inception 3a
    (192 → 256 channels) has 163,696 with the paper's 5×5 branch.
    """

    def __init__(
        self,
        in_channels: int,
        ch1x1: int,
        ch3x3red: int,
        ch3x3: int,
        ch5x5red: int,
        ch5x5: int,
        pool_proj: int,
        *,
        branch3_kernel: int = 5,
        batch_norm: bool = False,
    ) -> None:
        super().__init__()
        if branch3_kernel % 2 == 0:
            raise ValueError(f"branch3_kernel must be odd to keep the size, got {branch3_kernel}")
        bn = batch_norm
        self.branch1 = ConvBlock(in_channels, ch1x1, 1, batch_norm=bn)
        self.branch2 = nn.Sequential(
            ConvBlock(in_channels, ch3x3red, 1, batch_norm=bn),
            ConvBlock(ch3x3red, ch3x3, 3, padding=1, batch_norm=bn),
        )
        self.branch3 = nn.Sequential(
            ConvBlock(in_channels, ch5x5red, 1, batch_norm=bn),
            ConvBlock(ch5x5red, ch5x5, branch3_kernel, padding=branch3_kernel // 2, batch_norm=bn),
        )
        self.branch4 = nn.Sequential(
            nn.MaxPool2d(3, stride=1, padding=1, ceil_mode=True),
            ConvBlock(in_channels, pool_proj, 1, batch_norm=bn),
        )
        self.out_channels = ch1x1 + ch3x3 + ch5x5 + pool_proj

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branches = (self.branch1, self.branch2, self.branch3, self.branch4)
        return torch.cat([branch(x) for branch in branches], dim=1)


class InceptionAux(nn.Module):
    """An auxiliary classifier (Szegedy et al., 2015), used in training only.

    Average-pool to ``pool_size × pool_size`` (the paper: 5×5/3 on the 14×14 map gives
    4×4; adaptive pooling gives 4×4 from any size) → 1×1 conv (128) → ReLU → dense
    1024 → ReLU → dropout 0.7 → dense ``num_classes``. On a 512-channel map with 1000
    classes: 65,664 + 2,098,176 + 1,025,000 = 3,188,840 parameters (no BN).
    """

    def __init__(
        self,
        in_channels: int,
        num_classes: int,
        *,
        conv_channels: int = 128,
        hidden: int = 1024,
        pool_size: int = 4,
        dropout: float = 0.7,
        batch_norm: bool = False,
    ) -> None:
        super().__init__()
        self.pool_size = pool_size
        self.conv = ConvBlock(in_channels, conv_channels, 1, batch_norm=batch_norm)
        self.fc1 = nn.Linear(conv_channels * pool_size * pool_size, hidden)
        self.fc2 = nn.Linear(hidden, num_classes)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.adaptive_avg_pool2d(x, self.pool_size)
        x = torch.flatten(self.conv(x), 1)
        x = self.dropout(F.relu(self.fc1(x), inplace=True))
        return self.fc2(x)


def _pool_side(side: int) -> int:
    """3×3/2 max-pool rounding up: ⌈(W − 3)/2⌉ + 1."""
    return -(-(side - 3) // 2) + 1


class GoogLeNet(nn.Module):
    """GoogLeNet (Szegedy et al., 2015), "Going Deeper with Convolutions", from a layout table.

    Stem: conv k×k/s (``stem[0]``) → 3×3/2 max-pool → LRN → 1×1 conv (``stem[1]``) →
    3×3 conv (``stem[2]``) → LRN → 3×3/2 max-pool; then the ``layout`` rows; then the head.
    Parameters (1000 classes): 6,998,552 paper-faithful (13,378,280 with aux heads);
    6,624,904 torchvision-compatible (13,004,888 with aux heads).

    Args:
        num_classes: outputs of the classifier (and of the auxiliary heads).
        aux_logits: build the auxiliary heads. In ``train()`` mode the forward pass then
            returns ``GoogLeNetOutputs(logits, aux1, aux2)``; in ``eval()`` mode, and
            without aux heads, only the logits tensor.
        batch_norm: BN after every convolution (torchvision; not in the 2015 paper).
        branch3_kernel: the third branch's kernel: 5 (paper) or 3 (torchvision's bug).
        lrn: LRN in the stem; default: the paper's choice, on unless ``batch_norm``.
        head: ``"gap"`` (global average pooling → dropout → dense; any input size) or
            ``"dense"`` (flatten the last map → dropout → dense; only ``input_size``).
        input_size: image side the ``"dense"`` head is built for.
        dropout: before the classifier (0.4 in the paper, 0.2 in torchvision).
        aux_dropout, aux_channels, aux_hidden, aux_pool: see ``InceptionAux``.
        layout: the Inception rows (``GOOGLENET_LAYOUT``).
        stem: the stem's three convolution widths.
        stem_kernel, stem_stride: the first convolution (7×7/2 in the paper).
        in_channels: image channels.
    """

    def __init__(
        self,
        num_classes: int = 1000,
        *,
        aux_logits: bool = True,
        batch_norm: bool = False,
        branch3_kernel: int = 5,
        lrn: bool | None = None,
        head: Literal["gap", "dense"] = "gap",
        input_size: int = 224,
        dropout: float = 0.4,
        aux_dropout: float = 0.7,
        aux_channels: int = 128,
        aux_hidden: int = 1024,
        aux_pool: int = 4,
        layout: Sequence[LayoutEntry] = GOOGLENET_LAYOUT,
        stem: tuple[int, int, int] = (64, 64, 192),
        stem_kernel: int = 7,
        stem_stride: int = 2,
        in_channels: int = 3,
        name: str = "GoogLeNet",
    ) -> None:
        super().__init__()
        if head not in ("gap", "dense"):
            raise ValueError(f"head must be 'gap' or 'dense', got {head!r}")
        use_lrn = not batch_norm if lrn is None else lrn
        bn = batch_norm
        self.aux_logits = aux_logits

        stem_layers: list[tuple[str, nn.Module]] = [
            (
                "conv1",
                ConvBlock(in_channels, stem[0], stem_kernel, stem_stride, stem_kernel // 2, bn),
            ),
            ("maxpool1", nn.MaxPool2d(3, stride=2, ceil_mode=True)),
            ("lrn1", make_lrn() if use_lrn else nn.Identity()),
            ("conv2", ConvBlock(stem[0], stem[1], 1, batch_norm=bn)),
            ("conv3", ConvBlock(stem[1], stem[2], 3, padding=1, batch_norm=bn)),
            ("lrn2", make_lrn() if use_lrn else nn.Identity()),
            ("maxpool2", nn.MaxPool2d(3, stride=2, ceil_mode=True)),
        ]
        self.stem = nn.Sequential(OrderedDict(stem_layers))
        side = (input_size + 2 * (stem_kernel // 2) - stem_kernel) // stem_stride + 1
        side = _pool_side(_pool_side(side))

        blocks: OrderedDict[str, nn.Module] = OrderedDict()
        aux: OrderedDict[str, nn.Module] = OrderedDict()
        self._aux_taps: dict[str, str] = {}  # block name -> aux head name
        channels, previous = stem[2], ""
        for name_, spec in layout:
            if spec == "M":
                blocks[name_] = nn.MaxPool2d(3, stride=2, ceil_mode=True)
                side = _pool_side(side)
            elif spec == "aux":
                if name_ not in ("aux1", "aux2") or not previous:
                    raise ValueError(
                        f"auxiliary heads are named aux1/aux2 after a block, got {name_!r}"
                    )
                self._aux_taps[previous] = name_
                if aux_logits:
                    aux[name_] = InceptionAux(
                        channels,
                        num_classes,
                        conv_channels=aux_channels,
                        hidden=aux_hidden,
                        pool_size=aux_pool,
                        dropout=aux_dropout,
                        batch_norm=bn,
                    )
            else:
                block = Inception(channels, *spec, branch3_kernel=branch3_kernel, batch_norm=bn)
                blocks[name_] = block
                channels = block.out_channels
            if spec != "aux":
                previous = name_
        self.blocks = nn.ModuleDict(blocks)
        self.aux = nn.ModuleDict(aux) if aux_logits else None

        if head == "gap":
            self.pool: nn.Module = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
            fan_in = channels
        else:
            self.pool = CheckedFlatten((channels, side, side), input_size, name)
            fan_in = channels * side * side
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(fan_in, num_classes)

        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0.0, 0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor | GoogLeNetOutputs:
        x = self.stem(x)
        aux_out: dict[str, torch.Tensor] = {}
        with_aux = self.aux is not None and self.training
        for name, block in self.blocks.items():
            x = block(x)
            tap = self._aux_taps.get(name)
            if with_aux and tap is not None:
                aux_out[tap] = self.aux[tap](x)
        logits = self.fc(self.dropout(self.pool(x)))
        if with_aux:
            return GoogLeNetOutputs(logits, aux_out.get("aux1"), aux_out.get("aux2"))
        return logits


def googlenet_loss(
    outputs: torch.Tensor | GoogLeNetOutputs,
    target: torch.Tensor,
    aux_weight: float = 0.3,
) -> torch.Tensor:
    """Cross-entropy of the main classifier plus ``aux_weight`` × each auxiliary head's.

    Szegedy et al. (2015): "the losses of the auxiliary classifiers were weighted by 0.3".
    A plain logits tensor (evaluation mode, or no aux heads) gives the plain cross-entropy.

    >>> out = GoogLeNetOutputs(torch.zeros(2, 4), torch.zeros(2, 4), None)  # uniform: ln 4 each
    >>> round(float(googlenet_loss(out, torch.tensor([0, 1]))), 4)  # (1 + 0.3) · ln 4
    1.8022
    """
    if isinstance(outputs, torch.Tensor):
        return F.cross_entropy(outputs, target)
    loss = F.cross_entropy(outputs.logits, target)
    for aux in (outputs.aux1, outputs.aux2):
        if aux is not None:
            loss = loss + aux_weight * F.cross_entropy(aux, target)
    return loss


def googlenet(
    num_classes: int = 1000,
    aux_logits: bool = True,
    *,
    torchvision_compatible: bool = False,
    **kwargs: Any,
) -> GoogLeNet:
    """GoogLeNet (Szegedy et al., 2015) for 224×224 images.

    Default, paper-faithful: no BN, LRN in the stem, 5×5 third branch, dropout 0.4:
    6,998,552 parameters without and 13,378,280 with the auxiliary heads (1000 classes).

    ``torchvision_compatible=True``: BN, no LRN, 3×3 "5×5" branch, dropout 0.2 — the same
    parameter shapes as ``torchvision.models.googlenet()``: 6,624,904 parameters without
    and 13,004,888 with the auxiliary heads. ``kwargs`` override either set.
    """
    if torchvision_compatible:
        kwargs = {"batch_norm": True, "branch3_kernel": 3, "lrn": False, "dropout": 0.2} | kwargs
    return GoogLeNet(num_classes, aux_logits=aux_logits, **kwargs)


def mini_googlenet(
    num_classes: int = 10,
    aux_logits: bool = False,
    head: Literal["gap", "dense"] = "gap",
    input_size: int = 32,
    batch_norm: bool = False,
    branch3_kernel: int = 5,
    dropout: float = 0.4,
    in_channels: int = 3,
) -> GoogLeNet:
    """GoogLeNet (Szegedy et al., 2015) scaled down for 32×32 images.

    Stem 3×3/1 conv (16) → pool → LRN → 1×1 (16) → 3×3 (48) → LRN → pool (32 → 8 px), then
    ``MINI_GOOGLENET_LAYOUT``: inception 3a, 3b, pool, 4a [aux1], 4b [aux2], pool, 5b
    (widths about a quarter of the paper's), then the head: ``"gap"`` accepts any input
    size, ``"dense"`` only ``input_size`` (a ``ValueError`` names it otherwise).
    Parameters (10 classes, no BN, 5×5 branch): 172,240 with the GAP head, 179,920 with
    the dense head; the two aux heads add 21,930 each.
    """
    return GoogLeNet(
        num_classes,
        aux_logits=aux_logits,
        batch_norm=batch_norm,
        branch3_kernel=branch3_kernel,
        head=head,
        input_size=input_size,
        dropout=dropout,
        aux_channels=32,
        aux_hidden=128,
        aux_pool=2,
        layout=MINI_GOOGLENET_LAYOUT,
        stem=(16, 16, 48),
        stem_kernel=3,
        stem_stride=1,
        in_channels=in_channels,
        name="mini GoogLeNet",
    )
