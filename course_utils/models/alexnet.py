"""AlexNet (Krizhevsky, Sutskever & Hinton, 2012), from a small table of convolution layers.

Three variants share one class, ``AlexNet``, built from a list of ``ConvSpec`` rows:

- ``alexnet()`` — the single-tower network torchvision ships (64-192-384-256-256
  filters, no LRN, adaptive average pooling to 6×6): 61,100,840 parameters.
- ``alexnet_paper()`` — the paper's network: 227×227 inputs, conv1 11×11/4 with 96
  filters, ReLU, local response normalisation (LRN) after conv1 and conv2, overlapping
  3×3/2 max-pooling, 96-256-384-384-256 filters, no adaptive pooling (the dense head
  fixes the input size). The paper split the network over two GPUs: conv2, conv4 and
  conv5 only saw the feature maps on their own GPU. ``groups=2`` models that split.
  62,378,344 parameters with ``groups=1``, 60,965,224 with ``groups=2`` (the paper's
  "60 million").
- ``mini_alexnet()`` — the same structure for 32×32 images, for CPU training.

>>> import torch
>>> with torch.device("meta"):
...     alexnet_paper()(torch.empty(2, 3, 227, 227)).shape
torch.Size([2, 1000])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from course_utils.models.simple import CheckedFlatten

__all__ = [
    "ConvSpec",
    "AlexNet",
    "alexnet",
    "alexnet_paper",
    "mini_alexnet",
    "ALEXNET_TORCHVISION",
    "ALEXNET_PAPER",
    "mini_alexnet_table",
    "LocalResponseNorm",
    "lrn",
]

Activation = Literal["relu", "tanh"]


@dataclass(frozen=True)
class ConvSpec:
    """One row of an AlexNet-style layer table: a convolution, optionally LRN and max-pool.

    ``lrn`` adds local response normalisation after the activation, ``pool`` a 3×3/2
    max-pool after that (the paper's order: conv → ReLU → LRN → pool).
    """

    out_channels: int
    kernel_size: int
    stride: int = 1
    padding: int = 0
    groups: int = 1
    lrn: bool = False
    pool: bool = False


# torchvision's "one weird trick" single-tower variant (Krizhevsky, 2014).
ALEXNET_TORCHVISION: tuple[ConvSpec, ...] = (
    ConvSpec(64, 11, stride=4, padding=2, pool=True),
    ConvSpec(192, 5, padding=2, pool=True),
    ConvSpec(384, 3, padding=1),
    ConvSpec(256, 3, padding=1),
    ConvSpec(256, 3, padding=1, pool=True),
)

# The 2012 paper, Figure 2 (one tower of 96 = 2 × 48 filters etc.).
ALEXNET_PAPER: tuple[ConvSpec, ...] = (
    ConvSpec(96, 11, stride=4, lrn=True, pool=True),  # 227 → 55 → 27
    ConvSpec(256, 5, padding=2, groups=2, lrn=True, pool=True),  # 27 → 13
    ConvSpec(384, 3, padding=1),  # reads both GPUs' maps
    ConvSpec(384, 3, padding=1, groups=2),
    ConvSpec(256, 3, padding=1, groups=2, pool=True),  # 13 → 6
)


def mini_alexnet_table(width: int = 16) -> tuple[ConvSpec, ...]:
    """AlexNet's table for 32×32 images: 5×5, 5×5, 3×3 ×3; ``width``·(1, 2, 3, 3, 2) filters."""
    return (
        ConvSpec(width, 5, padding=2, lrn=True, pool=True),  # 32 → 15
        ConvSpec(2 * width, 5, padding=2, lrn=True, pool=True),  # 15 → 7
        ConvSpec(3 * width, 3, padding=1),
        ConvSpec(3 * width, 3, padding=1),
        ConvSpec(2 * width, 3, padding=1, pool=True),  # 7 → 3
    )


class LocalResponseNorm(nn.LocalResponseNorm):
    """``nn.LocalResponseNorm`` computed as a 1×1 convolution of the squares (same result).

    Local response normalisation, Krizhevsky, Sutskever & Hinton (2012), section 3.3; no
    parameters.

    b_c = a_c · (k + α/n · Σ_{c' near c} a_c'²)^(−β), the sum over the n channels around c.
    The windowed sum over channels is a 1×1 convolution with a fixed band matrix of ones;
    on a CPU that (and its backward pass) is about 3× faster than torch's ``avg_pool3d``
    implementation, which dominated the mini networks' training time.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c = x.shape[1]
        idx = torch.arange(c, device=x.device)
        offset = idx[None, :] - idx[:, None]  # band[c, c'] = 1 where c' − c ∈ [−n//2, (n−1)//2]
        band = (offset >= -(self.size // 2)) & (offset <= (self.size - 1) // 2)
        weight = band.to(x.dtype)[:, :, None, None] * (self.alpha / self.size)
        return x * (F.conv2d(x * x, weight) + self.k).pow(-self.beta)


def lrn() -> LocalResponseNorm:
    """The paper's local response normalisation: n = 5, k = 2, α = 1e-4, β = 0.75.

    torch divides α by n (``k + α/n · Σ a²``) where the paper does not (``k + α · Σ a²``),
    so the paper's α = 1e-4 is ``alpha=5e-4`` here.
    """
    return LocalResponseNorm(size=5, alpha=5e-4, beta=0.75, k=2.0)


def _activation(name: Activation) -> nn.Module:
    if name == "relu":
        return nn.ReLU(inplace=True)
    if name == "tanh":
        return nn.Tanh()
    raise ValueError(f"activation must be 'relu' or 'tanh', got {name!r}")


def _side_after(spec: ConvSpec, side: int, ceil_mode: bool) -> int:
    """Output side of one ``ConvSpec`` row: (W + 2P − F)/S + 1, then (W − 3)/2 + 1 if pooled."""
    side = (side + 2 * spec.padding - spec.kernel_size) // spec.stride + 1
    if spec.pool:
        side = -(-(side - 3) // 2) + 1 if ceil_mode else (side - 3) // 2 + 1
    if side < 1:
        raise ValueError(f"the input is too small: layer {spec} leaves {side} pixels")
    return side


class AlexNet(nn.Module):
    """An AlexNet-style network (Krizhevsky, Sutskever & Hinton, 2012) from a layer table.

    ``features`` are the convolution rows, ``classifier`` the dense head
    ``Linear → act → Dropout`` per hidden layer, then ``Linear`` to ``num_classes``.
    Parameters for 1000 classes: 61,100,840 (``alexnet()``), 62,378,344 or 60,965,224
    (``alexnet_paper(groups=1 | 2)``), 62,357,608 (``ZFNet``).

    Args:
        convs: the convolution rows (``ALEXNET_PAPER``, ``ALEXNET_TORCHVISION``, ...).
        num_classes: outputs of the last layer.
        in_channels: image channels.
        input_size: the image side the dense head is built for (ignored with ``pool_to``).
        pool_to: adaptive average pooling to ``pool_to × pool_to`` before the dense head
            (torchvision's choice; it frees the input size). ``None``: no adaptive pooling.
        hidden: widths of the hidden dense layers.
        dropout: dropout probability in the hidden dense layers.
        activation: ``"relu"`` (the paper) or ``"tanh"`` (what it replaced).
        groups: overrides every row's ``groups`` (``1`` = one tower, ``2`` = the
            paper's two-GPU split on the rows that have it). ``None`` keeps the table.
        ceil_mode: round pooled sizes up (ZFNet's figure needs it).
        dropout_first: torchvision puts dropout *before* each hidden ``Linear``; the
            paper (and Caffe) after each hidden activation. Same parameters either way.
        name: used in error messages.
    """

    def __init__(
        self,
        convs: Sequence[ConvSpec],
        num_classes: int = 1000,
        *,
        in_channels: int = 3,
        input_size: int | None = 227,
        pool_to: int | None = None,
        hidden: Sequence[int] = (4096, 4096),
        dropout: float = 0.5,
        activation: Activation = "relu",
        groups: int | None = None,
        ceil_mode: bool = False,
        dropout_first: bool = False,
        name: str = "AlexNet",
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        channels = in_channels
        for spec in convs:
            g = spec.groups if groups is None else min(groups, spec.groups)
            layers += [
                nn.Conv2d(
                    channels,
                    spec.out_channels,
                    spec.kernel_size,
                    stride=spec.stride,
                    padding=spec.padding,
                    groups=g,
                ),
                _activation(activation),
            ]
            if spec.lrn:
                layers.append(lrn())
            if spec.pool:
                layers.append(nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=ceil_mode))
            channels = spec.out_channels
        self.features = nn.Sequential(*layers)

        if pool_to is not None:
            self.avgpool: nn.Module = nn.AdaptiveAvgPool2d(pool_to)
            flatten: nn.Module = nn.Flatten()
            side = pool_to
        else:
            if input_size is None:
                raise ValueError("a dense head without pool_to needs input_size")
            self.avgpool = nn.Identity()
            side = input_size
            for spec in convs:
                side = _side_after(spec, side, ceil_mode)
            flatten = CheckedFlatten((channels, side, side), input_size, name)

        head: list[nn.Module] = [flatten]
        fan_in = channels * side * side
        for width in hidden:
            if dropout_first:
                head += [nn.Dropout(dropout), nn.Linear(fan_in, width), _activation(activation)]
            else:
                head += [nn.Linear(fan_in, width), _activation(activation), nn.Dropout(dropout)]
            fan_in = width
        head.append(nn.Linear(fan_in, num_classes))
        self.classifier = nn.Sequential(*head)
        _init_weights(self, activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.avgpool(self.features(x)))


def _init_weights(model: nn.Module, activation: Activation) -> None:
    """Kaiming (He) init for convolutions and dense layers, zero biases."""
    nonlinearity = "relu" if activation == "relu" else "tanh"
    for m in model.modules():
        if isinstance(m, nn.Conv2d | nn.Linear):
            nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity=nonlinearity)
            nn.init.zeros_(m.bias)


def alexnet(num_classes: int = 1000, dropout: float = 0.5) -> AlexNet:
    """AlexNet as torchvision ships it (Krizhevsky, 2014, "One weird trick..."; after 2012).

    One tower, 64-192-384-256-256 filters, no LRN, adaptive average pooling to 6×6 (any
    input ≥ 63 px), dropout before each hidden dense layer. 61,100,840 parameters for
    1000 classes, the same layer shapes as ``torchvision.models.alexnet()``.
    """
    return AlexNet(
        ALEXNET_TORCHVISION,
        num_classes,
        pool_to=6,
        dropout=dropout,
        dropout_first=True,
        name="AlexNet (torchvision)",
    )


def alexnet_paper(num_classes: int = 1000, groups: int = 1, dropout: float = 0.5) -> AlexNet:
    """AlexNet as in Krizhevsky, Sutskever & Hinton (2012), "ImageNet Classification with DCNNs".

    227×227 inputs (the paper's text says 224, but 11×11/4 only tiles 227), conv1 11×11/4
    with 96 filters, ReLU, LRN after conv1 and conv2, overlapping 3×3/2 max-pools,
    96-256-384-384-256 filters, dense 9216 → 4096 → 4096 → classes with dropout 0.5; no
    adaptive pooling, so other input sizes raise a ``ValueError``.

    Parameters for 1000 classes (Σ (F·F·C_in/groups + 1)·K over the layers):

    - ``groups=1`` (one tower): 62,378,344;
    - ``groups=2`` (conv2, conv4 and conv5 split over the paper's two GPUs): 60,965,224.
    """
    if groups not in (1, 2):
        raise ValueError(f"groups must be 1 (one tower) or 2 (the paper's two GPUs), got {groups}")
    return AlexNet(
        ALEXNET_PAPER,
        num_classes,
        input_size=227,
        groups=groups,
        dropout=dropout,
        name="AlexNet (paper)",
    )


def mini_alexnet(
    num_classes: int = 10,
    input_size: int = 32,
    activation: Activation = "relu",
    dropout: float = 0.5,
    width: int = 16,
    hidden: int = 256,
    in_channels: int = 3,
) -> AlexNet:
    """AlexNet (Krizhevsky et al., 2012) scaled down for 32×32 (or 64×64) images on a CPU.

    Same structure: five convolutions (5×5, 5×5, 3×3, 3×3, 3×3; ``width``·(1, 2, 3, 3, 2)
    = 16-32-48-48-32 filters), ReLU (or tanh), LRN after the first two, overlapping 3×3/2
    max-pools after conv1, conv2 and conv5, and two dense layers of ``hidden`` units with
    dropout. 204,906 parameters for 10 classes at 32×32 (32·3·3 = 288 inputs
    to the dense head).
    """
    return AlexNet(
        mini_alexnet_table(width),
        num_classes,
        in_channels=in_channels,
        input_size=input_size,
        hidden=(hidden, hidden),
        dropout=dropout,
        activation=activation,
        name="mini AlexNet",
    )
