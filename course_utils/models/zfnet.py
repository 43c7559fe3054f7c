"""ZFNet (Zeiler & Fergus, 2014): AlexNet with a smaller, denser first layer.

"Visualizing and Understanding Convolutional Networks" found, by looking at AlexNet's
first-layer filters and feature maps, that 11×11 filters at stride 4 alias and leave
dead filters. ZFNet uses 7×7 filters at stride 2 and a stride-2 conv2, keeping the
rest of AlexNet (one tower: 96-256-384-384-256 filters, dense 4096-4096).

Feature-map sides for a 224×224 input, as in the paper's Figure 3:
224 → conv1 110 → pool 55 → conv2 26 → pool 13 → conv3-5 13 → pool 6.
Getting 110 and 55 needs padding 1 in conv1 and pools that round up (``ceil_mode``).

>>> import torch
>>> with torch.device("meta"):
...     zfnet()(torch.empty(2, 3, 224, 224)).shape
torch.Size([2, 1000])
"""

from __future__ import annotations

from course_utils.models.alexnet import Activation, AlexNet, ConvSpec

__all__ = ["ZFNet", "zfnet", "mini_zfnet", "mini_zfnet_table", "ZFNET"]

ZFNET: tuple[ConvSpec, ...] = (
    ConvSpec(96, 7, stride=2, padding=1, lrn=True, pool=True),  # 224 → 110 → 55
    ConvSpec(256, 5, stride=2, lrn=True, pool=True),  # 55 → 26 → 13
    ConvSpec(384, 3, padding=1),
    ConvSpec(384, 3, padding=1),
    ConvSpec(256, 3, padding=1, pool=True),  # 13 → 6
)


def mini_zfnet_table(width: int = 16) -> tuple[ConvSpec, ...]:
    """``mini_alexnet_table`` with ZFNet's change scaled down: a 3×3 first layer, pools round up."""
    return (
        ConvSpec(width, 3, padding=1, lrn=True, pool=True),  # 32 → 16 (ceil)
        ConvSpec(2 * width, 5, padding=2, lrn=True, pool=True),  # 16 → 8
        ConvSpec(3 * width, 3, padding=1),
        ConvSpec(3 * width, 3, padding=1),
        ConvSpec(2 * width, 3, padding=1, pool=True),  # 8 → 4
    )


class ZFNet(AlexNet):
    """ZFNet (Zeiler & Fergus, 2014): an ``AlexNet`` built from the ``ZFNET`` layer table.

    LRN (the paper's "contrast normalisation across feature maps") after conv1 and conv2,
    dropout 0.5 in the dense layers, a dense head fixed to 224×224 inputs.
    62,357,608 parameters for 1000 classes. Not modelled: the paper's renormalisation of
    first-layer filters whose RMS exceeds 0.1 (a training-time rule, no parameters).
    """

    def __init__(
        self,
        num_classes: int = 1000,
        *,
        input_size: int = 224,
        dropout: float = 0.5,
        activation: Activation = "relu",
    ) -> None:
        super().__init__(
            ZFNET,
            num_classes,
            input_size=input_size,
            dropout=dropout,
            activation=activation,
            ceil_mode=True,
            name="ZFNet",
        )


def zfnet(num_classes: int = 1000, dropout: float = 0.5) -> ZFNet:
    """ZFNet (Zeiler & Fergus, 2014) for 224×224 inputs: 62,357,608 parameters (1000 classes)."""
    return ZFNet(num_classes, dropout=dropout)


def mini_zfnet(
    num_classes: int = 10,
    input_size: int = 32,
    activation: Activation = "relu",
    dropout: float = 0.5,
    width: int = 16,
    hidden: int = 256,
    in_channels: int = 3,
) -> AlexNet:
    """ZFNet (Zeiler & Fergus, 2014) scaled down for 32×32 images: ``mini_alexnet`` with ZF's change.

    The first layer uses 3×3 filters instead of 5×5 (ZFNet: 7×7/2 instead of 11×11/4) and
    pools round up (as in ZFNet), so the maps are 32 → 16 → 8 → 4; everything else as
    ``mini_alexnet``. 261,482 parameters for 10 classes at 32×32 (32·4·4 = 512
    inputs to the dense head).
    """
    return AlexNet(
        mini_zfnet_table(width),
        num_classes,
        in_channels=in_channels,
        input_size=input_size,
        hidden=(hidden, hidden),
        dropout=dropout,
        activation=activation,
        ceil_mode=True,
        name="mini ZFNet",
    )
