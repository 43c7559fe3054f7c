"""VGG (Simonyan & Zisserman, 2015): only 3×3 convolutions, made deep.

"Very Deep Convolutional Networks for Large-Scale Image Recognition", Table 1: each
column (A, B, D, E = VGG-11, 13, 16, 19) is a list of convolution widths and "M"
(2×2/2 max-pool). Every convolution is 3×3, stride 1, padding 1 (keeps the size), then
ReLU; five pools take 224 to 7; the dense head is 25088 → 4096 → 4096 → classes with
dropout 0.5. Three stacked 3×3 layers see a 7×7 field with 27·C² instead of 49·C²
weights and three non-linearities instead of one.

>>> import torch
>>> with torch.device("meta"):
...     vgg16()(torch.empty(2, 3, 224, 224)).shape
torch.Size([2, 1000])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import torch
from torch import nn

from course_utils.models.simple import CheckedFlatten

__all__ = [
    "VGG",
    "VGG_CONFIGS",
    "mini_vgg_config",
    "make_vgg_features",
    "vgg11",
    "vgg11_bn",
    "vgg13",
    "vgg13_bn",
    "vgg16",
    "vgg16_bn",
    "vgg19",
    "vgg19_bn",
    "mini_vgg",
]

Layer = int | Literal["M"]

# Table 1 of the paper, column by column ("M" = 2×2/2 max-pool).
VGG_CONFIGS: dict[str, list[Layer]] = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", *[256] * 4, "M", *[512] * 4, "M", *[512] * 4, "M"],
}


def mini_vgg_config(width: int = 16) -> list[Layer]:
    """Six 3×3 layers in four pooled stages for 32×32 images (32 → 2): ``width``·(1, 2, 4, 4, 8, 8)."""
    w = width
    return [w, "M", 2 * w, "M", 4 * w, 4 * w, "M", 8 * w, 8 * w, "M"]


def make_vgg_features(
    cfg: Sequence[Layer], batch_norm: bool = False, in_channels: int = 3
) -> nn.Sequential:
    """The convolutional part of a VGG column: ``conv 3×3 (→ BN) → ReLU`` per number, pool per "M"."""
    layers: list[nn.Module] = []
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            continue
        layers.append(nn.Conv2d(in_channels, v, kernel_size=3, padding=1))
        if batch_norm:
            layers.append(nn.BatchNorm2d(v))
        layers.append(nn.ReLU(inplace=True))
        in_channels = v
    return nn.Sequential(*layers)


class VGG(nn.Module):
    """A VGG network (Simonyan & Zisserman, 2015) from a column of the paper's Table 1.

    Args:
        cfg: convolution widths and "M" for max-pool (``VGG_CONFIGS["D"]`` = VGG-16).
        num_classes: outputs of the last layer.
        batch_norm: BN after every convolution (not in the paper; torchvision's ``_bn``).
        input_size: image side the dense head is built for (224; no adaptive pooling,
            so other sizes raise a ``ValueError``).
        hidden: width of the two hidden dense layers (4096).
        dropout: dropout probability after each hidden dense layer (0.5).
        in_channels: image channels.

    Parameters of VGG-16 for 1000 classes: 14,714,688 in the 13 convolutions plus
    123,642,856 in the dense head (89 %) = 138,357,544.
    """

    def __init__(
        self,
        cfg: Sequence[Layer],
        num_classes: int = 1000,
        *,
        batch_norm: bool = False,
        input_size: int = 224,
        hidden: int = 4096,
        dropout: float = 0.5,
        in_channels: int = 3,
        name: str = "VGG",
    ) -> None:
        super().__init__()
        self.features = make_vgg_features(cfg, batch_norm, in_channels)
        pools = sum(1 for v in cfg if v == "M")
        if input_size % 2**pools:
            raise ValueError(
                f"{name} halves the image {pools} times, so input_size must be a multiple of "
                f"{2**pools}; got {input_size}"
            )
        channels = [v for v in cfg if v != "M"][-1]
        side = input_size // 2**pools
        self.classifier = nn.Sequential(
            CheckedFlatten((channels, side, side), input_size, name),
            nn.Linear(channels * side * side, hidden),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
            nn.Linear(hidden, hidden),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
            nn.Linear(hidden, num_classes),
        )
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0.0, 0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def _vgg(column: str, depth: int, batch_norm: bool, num_classes: int, **kwargs: Any) -> VGG:
    name = f"VGG-{depth}" + (" (BN)" if batch_norm else "")
    return VGG(VGG_CONFIGS[column], num_classes, batch_norm=batch_norm, name=name, **kwargs)


def vgg11(num_classes: int = 1000, **kwargs: Any) -> VGG:
    """VGG-11, column A (Simonyan & Zisserman, 2015): 132,863,336 parameters (1000 classes)."""
    return _vgg("A", 11, False, num_classes, **kwargs)


def vgg11_bn(num_classes: int = 1000, **kwargs: Any) -> VGG:
    """VGG-11 with batch norm (Simonyan & Zisserman, 2015; BN: Ioffe & Szegedy, 2015): 132,868,840."""
    return _vgg("A", 11, True, num_classes, **kwargs)


def vgg13(num_classes: int = 1000, **kwargs: Any) -> VGG:
    """VGG-13, column B (Simonyan & Zisserman, 2015): 133,047,848 parameters (1000 classes)."""
    return _vgg("B", 13, False, num_classes, **kwargs)


def vgg13_bn(num_classes: int = 1000, **kwargs: Any) -> VGG:
    """VGG-13 with batch norm (Simonyan & Zisserman, 2015; BN: Ioffe & Szegedy, 2015): 133,053,736."""
    return _vgg("B", 13, True, num_classes, **kwargs)


def vgg16(num_classes: int = 1000, **kwargs: Any) -> VGG:
    """VGG-16, column D (Simonyan & Zisserman, 2015): 138,357,544 parameters (1000 classes)."""
    return _vgg("D", 16, False, num_classes, **kwargs)


def vgg16_bn(num_classes: int = 1000, **kwargs: Any) -> VGG:
    """VGG-16 with batch norm (Simonyan & Zisserman, 2015; BN: Ioffe & Szegedy, 2015): 138,365,992."""
    return _vgg("D", 16, True, num_classes, **kwargs)


def vgg19(num_classes: int = 1000, **kwargs: Any) -> VGG:
    """VGG-19, column E (Simonyan & Zisserman, 2015): 143,667,240 parameters (1000 classes)."""
    return _vgg("E", 19, False, num_classes, **kwargs)


def vgg19_bn(num_classes: int = 1000, **kwargs: Any) -> VGG:
    """VGG-19 with batch norm (Simonyan & Zisserman, 2015; BN: Ioffe & Szegedy, 2015): 143,678,248."""
    return _vgg("E", 19, True, num_classes, **kwargs)


def mini_vgg(
    num_classes: int = 10,
    input_size: int = 32,
    batch_norm: bool = False,
    width: int = 16,
    hidden: int = 256,
    dropout: float = 0.5,
    in_channels: int = 3,
) -> VGG:
    """VGG (Simonyan & Zisserman, 2015) scaled down for 32×32 images: ``mini_vgg_config(width)``.

    Six 3×3 convolutions (16-32-64-64-128-128) in four pooled stages, dense head
    512 → 256 → 256 → classes with dropout 0.5. 481,642 parameters for 10 classes
    at 32×32 (no BN).
    """
    return VGG(
        mini_vgg_config(width),
        num_classes,
        batch_norm=batch_norm,
        input_size=input_size,
        hidden=hidden,
        dropout=dropout,
        in_channels=in_channels,
        name="mini VGG",
    )
