"""Network in Network (Lin, Chen & Yan, 2013): mlpconv layers and global average pooling.

An ``MLPConv`` layer is a k×k convolution followed by 1×1 convolutions, ReLU after each:
at every pixel the 1×1 layers are a small multilayer perceptron across the channels, so
the layer computes "an MLP on every k×k patch" instead of one linear filter bank. The
network ends without dense layers: its last 1×1 convolution makes one map per class and
a global average pool turns each map into that class's score. GoogLeNet took both ideas
(1×1 convolutions, global average pooling).

``nin_cifar10()`` is the paper's CIFAR-10 network (the published Caffe model: three
mlpconv layers 192-160-96, 192-192-192, 192-192-10): 966,986 parameters.
``mini_nin`` keeps the structure at the size of the 8×8 scikit-learn digits, with
``mlp=False`` for the same network without the 1×1 layers (plain convolutions) and
``head="dense"`` for a dense head on the last feature map instead of class maps + GAP.

>>> import torch
>>> mini_nin(10)(torch.zeros(2, 1, 8, 8)).shape
torch.Size([2, 10])
>>> count_parameters(nin_cifar10())
966986
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Literal

import torch
from torch import nn

from course_utils.models.simple import CheckedFlatten, count_parameters  # noqa: F401 (doctests)

__all__ = ["MLPConv", "NiN", "NIN_CIFAR10_LAYOUT", "nin_cifar10", "mini_nin", "mini_nin_layout"]

# (kernel, padding, channels): the k×k convolution's width, then the 1×1 layers' widths.
MLPConvSpec = tuple[int, int, tuple[int, ...]]
# "M" = 3×3/2 max-pool, "A" = 3×3/2 average pool (both rounding up, as Caffe), "D" = dropout.
NiNLayoutEntry = tuple[str, MLPConvSpec | Literal["M", "A", "D"]]

# The paper's CIFAR-10 network; the class-map layer (1×1, 192 → classes) is added by NiN.
NIN_CIFAR10_LAYOUT: tuple[NiNLayoutEntry, ...] = (
    ("mlpconv1", (5, 2, (192, 160, 96))),
    ("pool1", "M"),
    ("dropout1", "D"),
    ("mlpconv2", (5, 2, (192, 192, 192))),
    ("pool2", "A"),
    ("dropout2", "D"),
    ("mlpconv3", (3, 1, (192, 192))),
)


class MLPConv(nn.Sequential):
    """An mlpconv layer: k×k conv → ReLU, then (1×1 conv → ReLU) for each further width.

    ``MLPConv(3, (192, 160, 96), kernel_size=5, padding=2)`` is the paper's first layer;
    ``MLPConv(c, (k,), 3)`` with a single width is a plain convolution layer. Parameters:
    (F·F·C_in + 1)·K_1 + Σ (K_{i−1} + 1)·K_i.

    Args:
        in_channels: input channels.
        channels: output widths: the k×k convolution's, then one per 1×1 layer.
        kernel_size, stride, padding: of the k×k convolution.
        last_relu: ReLU after the last layer (off for class maps: scores may be negative).
    """

    def __init__(
        self,
        in_channels: int,
        channels: Sequence[int],
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        *,
        last_relu: bool = True,
    ) -> None:
        widths = list(channels)
        if not widths:
            raise ValueError("channels needs at least the k×k convolution's width, e.g. (32,)")
        layers: list[nn.Module] = []
        fan_in = in_channels
        for i, width in enumerate(widths):
            k, s, p = (kernel_size, stride, padding) if i == 0 else (1, 1, 0)
            layers.append(nn.Conv2d(fan_in, width, k, s, p))
            if last_relu or i < len(widths) - 1:
                layers.append(nn.ReLU(inplace=True))
            fan_in = width
        super().__init__(*layers)
        self.out_channels = fan_in


def _pool_side(side: int) -> int:
    """3×3/2 pooling rounding up: ⌈(W − 3)/2⌉ + 1."""
    return -(-(side - 3) // 2) + 1


class NiN(nn.Module):
    """Network in Network (Lin, Chen & Yan, 2013) from a layout table.

    ``features`` runs the layout's mlpconv layers, pools and dropouts. Head ``"gap"`` (the
    paper's): a 1×1 convolution makes one map per class, a global average pool turns each
    map into a score: no dense layer, any input size. Head ``"dense"``: flatten the last
    feature map → one dense layer (only for ``input_size`` images).

    Args:
        num_classes: outputs.
        layout: rows of ``(name, (kernel, padding, widths))``, ``"M"``, ``"A"`` or ``"D"``.
        in_channels: image channels.
        head: ``"gap"`` or ``"dense"``.
        input_size: image side the ``"dense"`` head is built for.
        dropout: probability of the ``"D"`` rows (0.5 in the paper).
        mlp: ``False`` keeps only each mlpconv's k×k convolution (a plain CNN).
    """

    def __init__(
        self,
        num_classes: int = 10,
        *,
        layout: Sequence[NiNLayoutEntry] = NIN_CIFAR10_LAYOUT,
        in_channels: int = 3,
        head: Literal["gap", "dense"] = "gap",
        input_size: int = 32,
        dropout: float = 0.5,
        mlp: bool = True,
    ) -> None:
        super().__init__()
        if head not in ("gap", "dense"):
            raise ValueError(f"head must be 'gap' or 'dense', got {head!r}")
        layers: OrderedDict[str, nn.Module] = OrderedDict()
        channels, side = in_channels, input_size
        for name, spec in layout:
            if spec == "M":
                layers[name] = nn.MaxPool2d(3, stride=2, ceil_mode=True)
                side = _pool_side(side)
            elif spec == "A":
                layers[name] = nn.AvgPool2d(3, stride=2, ceil_mode=True)
                side = _pool_side(side)
            elif spec == "D":
                layers[name] = nn.Dropout(dropout)
            else:
                kernel, padding, widths = spec
                block = MLPConv(channels, widths if mlp else widths[:1], kernel, padding=padding)
                layers[name] = block
                channels = block.out_channels
                side = side + 2 * padding - kernel + 1
        self.features = nn.Sequential(layers)
        if head == "gap":
            self.head: nn.Module = nn.Sequential(
                nn.Conv2d(channels, num_classes, 1),  # one map per class
                nn.AdaptiveAvgPool2d(1),
                nn.Flatten(),
            )
        else:
            self.head = nn.Sequential(
                CheckedFlatten((channels, side, side), input_size, "NiN"),
                nn.Linear(channels * side * side, num_classes),
            )
        for m in self.modules():  # He et al. (2015): keeps the signal through stacked ReLUs
            if isinstance(m, nn.Conv2d | nn.Linear):
                nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def nin_cifar10(num_classes: int = 10, **kwargs) -> NiN:
    """The paper's CIFAR-10 Network in Network: 966,986 parameters (10 classes, GAP head)."""
    return NiN(num_classes, layout=NIN_CIFAR10_LAYOUT, **kwargs)


def mini_nin_layout(width: int = 32) -> tuple[NiNLayoutEntry, ...]:
    """Two mlpconv layers for 8×8 images: 3×3 conv + two 1×1 (``width``), pool, again (2·width)."""
    w = width
    return (
        ("mlpconv1", (3, 1, (w, w, w))),
        ("pool1", "M"),
        ("mlpconv2", (3, 1, (2 * w, 2 * w, 2 * w))),
    )


def mini_nin(
    num_classes: int = 10,
    *,
    in_channels: int = 1,
    input_size: int = 8,
    width: int = 32,
    mlp: bool = True,
    head: Literal["gap", "dense"] = "gap",
) -> NiN:
    """Network in Network at digit size (maps 8 → 4), no dropout.

    ``mlp=False``: the same network with plain 3×3 convolutions (no 1×1 layers).
    ``head="dense"``: flatten the 4×4 map → dense layer, instead of class maps + GAP.

    >>> count_parameters(mini_nin(10)), count_parameters(mini_nin(10, mlp=False))
    (29898, 19466)
    """
    return NiN(
        num_classes,
        layout=mini_nin_layout(width),
        in_channels=in_channels,
        head=head,
        input_size=input_size,
        dropout=0.0,
        mlp=mlp,
    )
