"""ResNet (He, Zhang, Ren & Sun, 2016): residual blocks with identity shortcuts.

"Deep Residual Learning for Image Recognition". A block learns a residual F(x) and
outputs ReLU(F(x) + x): if the best block is the identity, it only has to push F to
zero. Every block here takes ``skip``: with ``skip=False`` the same block is the
paper's "plain" counterpart (no shortcut, no projection), for the degradation
experiment (deeper plain nets train *worse*; residual ones do not).

- ``BasicBlock`` (two 3×3 convolutions; ResNet-18/34) and ``Bottleneck`` (1×1 reduce →
  3×3 → 1×1 expand ×4; ResNet-50/101/152).
- Shortcuts where the shape changes: ``"projection"`` (option B: 1×1 conv + BN, the
  ImageNet models) or ``"zero_pad"`` (option A: subsample and pad channels with zeros,
  no parameters, the CIFAR models; plain and residual then have equal counts).
- ``resnet18`` … ``resnet152`` for 224×224 images (torchvision's layer shapes),
  ``plain_resnet(depth)``, ``cifar_resnet(depth=6n+2)`` (section 4.2: three stages of
  16/32/64 channels on 32×32 images) and ``mini_resnet`` for CPU training.

>>> import torch
>>> with torch.device("meta"):
...     resnet18()(torch.empty(2, 3, 224, 224)).shape
torch.Size([2, 1000])
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, Literal

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "BasicBlock",
    "Bottleneck",
    "ZeroPadShortcut",
    "ResNet",
    "RESNET_LAYERS",
    "resnet",
    "resnet18",
    "resnet34",
    "resnet50",
    "resnet101",
    "resnet152",
    "plain_resnet",
    "cifar_resnet",
    "mini_resnet",
]

Shortcut = Literal["projection", "zero_pad"]


def _conv3x3(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)


def _conv1x1(in_channels: int, out_channels: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)


class ZeroPadShortcut(nn.Module):
    """Option A shortcut (He et al., 2016): subsample by ``stride``, pad new channels with zeros.

    No parameters, so a residual network with these shortcuts has exactly as many
    parameters as its plain counterpart.
    """

    def __init__(self, stride: int, extra_channels: int) -> None:
        super().__init__()
        self.stride = stride
        self.extra_channels = extra_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x[:, :, :: self.stride, :: self.stride]
        return F.pad(x, (0, 0, 0, 0, 0, self.extra_channels))

    def extra_repr(self) -> str:
        return f"stride={self.stride}, extra_channels={self.extra_channels}"


class BasicBlock(nn.Module):
    """Two 3×3 conv-BN layers and a shortcut (He et al., 2016, Fig. 2 / Fig. 5 left).

    ``out = ReLU(BN(conv(ReLU(BN(conv(x))))) + shortcut(x))``; with ``skip=False`` the
    ``+ shortcut(x)`` is dropped (a plain block). ``shortcut=None`` means the identity.
    Parameters: 9·C_in·C + 9·C² + 4C (+ the projection's C_in·C + 2C if any);
    64 → 64: 73,984.
    """

    expansion = 1

    def __init__(
        self,
        in_channels: int,
        planes: int,
        stride: int = 1,
        *,
        skip: bool = True,
        shortcut: nn.Module | None = None,
        stride_on_1x1: bool = False,
    ) -> None:
        super().__init__()
        self.conv1 = _conv3x3(in_channels, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = _conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.skip = skip
        self.shortcut = shortcut

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        """F(x): the block's output before the shortcut is added."""
        out = self.relu(self.bn1(self.conv1(x)))
        return self.bn2(self.conv2(out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.residual(x)
        if self.skip:
            out = out + (x if self.shortcut is None else self.shortcut(x))
        return self.relu(out)


class Bottleneck(BasicBlock):
    """1×1 reduce → 3×3 → 1×1 expand (×4), each with BN, plus a shortcut (He et al., 2016, Fig. 5).

    The paper strides the first 1×1 convolution; torchvision (and this class by default)
    strides the 3×3 one ("ResNet v1.5", slightly more accurate); ``stride_on_1x1=True``
    gives the paper's. Same parameters either way: C_in·C + 9·C² + 4C² + 12C (+ projection);
    256 → 64 → 256: 70,400.
    """

    expansion = 4

    def __init__(
        self,
        in_channels: int,
        planes: int,
        stride: int = 1,
        *,
        skip: bool = True,
        shortcut: nn.Module | None = None,
        stride_on_1x1: bool = False,
    ) -> None:
        nn.Module.__init__(self)
        self.conv1 = _conv1x1(in_channels, planes, stride if stride_on_1x1 else 1)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = _conv3x3(planes, planes, 1 if stride_on_1x1 else stride)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = _conv1x1(planes, planes * self.expansion)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.skip = skip
        self.shortcut = shortcut

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return self.bn3(self.conv3(out))


Block = type[BasicBlock] | type[Bottleneck]


class ResNet(nn.Module):
    """A residual network (He et al., 2016) from a block type and blocks per stage.

    Parameters (1000 classes): ResNet-18 11,689,512; ResNet-34 21,797,672; ResNet-50
    25,557,032; ResNet-101 44,549,160; ResNet-152 60,192,808 (torchvision's counts).

    Args:
        block: ``BasicBlock`` or ``Bottleneck``.
        layers: blocks per stage, e.g. ``(2, 2, 2, 2)`` for ResNet-18.
        num_classes: outputs of the final dense layer.
        widths: ``planes`` per stage (a bottleneck stage outputs 4× as many channels).
            Each stage after the first halves the map with stride 2.
        stem: ``"imagenet"`` (7×7/2 conv, BN, ReLU, 3×3/2 max-pool: 224 → 56),
            ``"small"`` (the same scaled down: 3×3/1 conv, BN, ReLU, 3×3/2 max-pool:
            32 → 16) or ``"cifar"`` (3×3/1 conv, BN, ReLU, no pool: He et al., 4.2).
        skip: ``False`` builds the plain counterpart (no shortcuts at all).
        shortcut: where a block changes the shape: ``"projection"`` (option B) or
            ``"zero_pad"`` (option A, parameter-free).
        stride_on_1x1: bottleneck stride on the first 1×1 (the paper) instead of the 3×3.
        in_channels: image channels.
    """

    def __init__(
        self,
        block: Block,
        layers: Sequence[int],
        num_classes: int = 1000,
        *,
        widths: Sequence[int] = (64, 128, 256, 512),
        stem: Literal["imagenet", "small", "cifar"] = "imagenet",
        skip: bool = True,
        shortcut: Shortcut = "projection",
        stride_on_1x1: bool = False,
        in_channels: int = 3,
    ) -> None:
        super().__init__()
        if len(layers) != len(widths):
            raise ValueError(f"one width per stage: {len(layers)} stages, {len(widths)} widths")
        if shortcut not in ("projection", "zero_pad"):
            raise ValueError(f"shortcut must be 'projection' or 'zero_pad', got {shortcut!r}")
        self.skip = skip
        if stem == "imagenet":
            self.conv1 = nn.Conv2d(in_channels, widths[0], 7, stride=2, padding=3, bias=False)
            self.maxpool: nn.Module = nn.MaxPool2d(3, stride=2, padding=1)
        elif stem in ("small", "cifar"):
            self.conv1 = _conv3x3(in_channels, widths[0])
            pool = nn.MaxPool2d(3, stride=2, padding=1) if stem == "small" else nn.Identity()
            self.maxpool = pool
        else:
            raise ValueError(f"stem must be 'imagenet', 'small' or 'cifar', got {stem!r}")
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU(inplace=True)

        stages: OrderedDict[str, nn.Module] = OrderedDict()
        channels = widths[0]
        for i, (planes, count) in enumerate(zip(widths, layers, strict=True)):
            blocks: list[nn.Module] = []
            for j in range(count):
                stride = 2 if i > 0 and j == 0 else 1
                out = planes * block.expansion
                proj = None
                if skip and (stride != 1 or channels != out):
                    if shortcut == "projection":
                        proj = nn.Sequential(_conv1x1(channels, out, stride), nn.BatchNorm2d(out))
                    else:
                        proj = ZeroPadShortcut(stride, out - channels)
                blocks.append(
                    block(
                        channels,
                        planes,
                        stride,
                        skip=skip,
                        shortcut=proj,
                        stride_on_1x1=stride_on_1x1,
                    )
                )
                channels = out
            stages[f"layer{i + 1}"] = nn.Sequential(*blocks)
        self.stages = nn.Sequential(stages)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(channels, num_classes)

        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.stages(x)
        return self.fc(torch.flatten(self.avgpool(x), 1))


# depth → (block, blocks per stage): Table 1 of the paper.
RESNET_LAYERS: dict[int, tuple[Block, tuple[int, ...]]] = {
    18: (BasicBlock, (2, 2, 2, 2)),
    34: (BasicBlock, (3, 4, 6, 3)),
    50: (Bottleneck, (3, 4, 6, 3)),
    101: (Bottleneck, (3, 4, 23, 3)),
    152: (Bottleneck, (3, 8, 36, 3)),
}


def resnet(depth: int, num_classes: int = 1000, **kwargs: Any) -> ResNet:
    """ResNet-``depth`` (He et al., 2016, Table 1) for 224×224 images; ``kwargs`` go to ``ResNet``."""
    if depth not in RESNET_LAYERS:
        raise ValueError(f"ImageNet ResNet depths are {sorted(RESNET_LAYERS)}, got {depth}")
    block, layers = RESNET_LAYERS[depth]
    return ResNet(block, layers, num_classes, **kwargs)


def resnet18(num_classes: int = 1000, **kwargs: Any) -> ResNet:
    """ResNet-18 (He et al., 2016): basic blocks 2-2-2-2; 11,689,512 parameters (1000 classes)."""
    return resnet(18, num_classes, **kwargs)


def resnet34(num_classes: int = 1000, **kwargs: Any) -> ResNet:
    """ResNet-34 (He et al., 2016): basic blocks 3-4-6-3; 21,797,672 parameters (1000 classes)."""
    return resnet(34, num_classes, **kwargs)


def resnet50(num_classes: int = 1000, **kwargs: Any) -> ResNet:
    """ResNet-50 (He et al., 2016): bottlenecks 3-4-6-3; 25,557,032 parameters (1000 classes)."""
    return resnet(50, num_classes, **kwargs)


def resnet101(num_classes: int = 1000, **kwargs: Any) -> ResNet:
    """ResNet-101 (He et al., 2016): bottlenecks 3-4-23-3; 44,549,160 parameters (1000 classes)."""
    return resnet(101, num_classes, **kwargs)


def resnet152(num_classes: int = 1000, **kwargs: Any) -> ResNet:
    """ResNet-152 (He et al., 2016): bottlenecks 3-8-36-3; 60,192,808 parameters (1000 classes)."""
    return resnet(152, num_classes, **kwargs)


def plain_resnet(depth: int, num_classes: int = 1000, **kwargs: Any) -> ResNet:
    """The plain counterpart of ResNet-``depth`` (He et al., 2016, Fig. 3 middle): no shortcuts.

    Same layers minus the projection shortcuts: plain-18 has 11,515,688 parameters and
    plain-34 21,623,848 (ResNet-18/34 minus their three 1×1 projections).
    """
    return resnet(depth, num_classes, skip=False, **kwargs)


def cifar_resnet(
    depth: int = 20,
    num_classes: int = 10,
    width: int = 16,
    skip: bool = True,
    shortcut: Shortcut = "zero_pad",
    in_channels: int = 3,
) -> ResNet:
    """The CIFAR-10 ResNet of He et al. (2016, section 4.2): depth 6n + 2, for 32×32 images.

    3×3 conv (16) → three stages of n basic blocks with 16, 32, 64 channels (maps 32, 16,
    8) → global average pool → dense. Option A (zero-padding) shortcuts, so the plain
    network (``skip=False``) has exactly the same parameters. ResNet-20: 269,722 parameters
    (10 classes); ResNet-56: 853,018; ResNet-110: 1,727,962 (the paper: 0.27 M, 0.85 M, 1.7 M).
    """
    if depth < 8 or (depth - 2) % 6:
        raise ValueError(
            f"CIFAR ResNets have depth 6n + 2 (8, 14, 20, 32, 44, 56, 110), got {depth}; "
            f"n = ({depth} − 2)/6 = {(depth - 2) / 6:.2f}"
        )
    n = (depth - 2) // 6
    return ResNet(
        BasicBlock,
        (n, n, n),
        num_classes,
        widths=(width, 2 * width, 4 * width),
        stem="cifar",
        skip=skip,
        shortcut=shortcut,
        in_channels=in_channels,
    )


def mini_resnet(
    num_classes: int = 10,
    layers: Sequence[int] = (1, 1, 1, 1),
    width: int = 16,
    block: Literal["basic", "bottleneck"] = "basic",
    skip: bool = True,
    in_channels: int = 3,
) -> ResNet:
    """ResNet (He et al., 2016) scaled down for 32×32 images on a CPU.

    The ImageNet layout (stem conv + max-pool, four stages, projection shortcuts, GAP →
    dense) with a 3×3/1 stem conv (maps 32 → 16 → 8 → 4 → 2), ``width``·(1, 2, 4, 8)
    channels and ``layers`` blocks per stage. Default (basic blocks, 1-1-1-1, width 16):
    308,826 parameters for 10 classes.
    """
    blocks: dict[str, Block] = {"basic": BasicBlock, "bottleneck": Bottleneck}
    if block not in blocks:
        raise ValueError(f"block must be 'basic' or 'bottleneck', got {block!r}")
    return ResNet(
        blocks[block],
        layers,
        num_classes,
        widths=tuple(width * 2**i for i in range(len(layers))),
        stem="small",
        skip=skip,
        in_channels=in_channels,
    )
