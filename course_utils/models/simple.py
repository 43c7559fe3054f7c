"""The two small networks of the first notebooks, and a flatten that explains size errors.

``MLP`` ignores which pixels are neighbours (it flattens the image first); ``SmallCNN``
uses 3×3 filters and pooling, so it does. Both train in seconds on the 8×8 scikit-learn
digits.

>>> import torch
>>> MLP(64, 32, 10)(torch.zeros(5, 1, 8, 8)).shape
torch.Size([5, 10])
>>> SmallCNN(in_channels=1, num_classes=10, input_size=8)(torch.zeros(5, 1, 8, 8)).shape
torch.Size([5, 10])
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

__all__ = ["MLP", "SmallCNN", "CheckedFlatten", "count_parameters"]


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """Number of parameters of ``model`` (works on the ``meta`` device: nothing is allocated).

    >>> count_parameters(nn.Linear(3, 2))  # (3 + 1) · 2
    8
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


class CheckedFlatten(nn.Module):
    """``nn.Flatten`` in front of a dense layer, failing with a clear message on a wrong size.

    A dense head has a fixed number of inputs, so it only accepts the image size it was
    built for. Instead of torch's ``mat1 and mat2 shapes cannot be multiplied``, this
    layer raises a ``ValueError`` naming the expected feature-map shape and input size.

    Args:
        expected: the feature-map shape ``(C, H, W)`` the dense layer was built for.
        input_size: the image side length that produces it (used in the message).
        model: the network's name (used in the message).
    """

    def __init__(
        self, expected: tuple[int, int, int], input_size: int | None = None, model: str = "model"
    ) -> None:
        super().__init__()
        self.expected = tuple(expected)
        self.input_size = input_size
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        got = tuple(x.shape[1:])
        if got != self.expected:
            c, h, w = self.expected
            size = f"{self.input_size}×{self.input_size}" if self.input_size else "its built-for"
            raise ValueError(
                f"{self.model}'s dense head expects {c}×{h}×{w} feature maps, i.e. {size} input "
                f"images, but got {'×'.join(map(str, got))} feature maps. Resize the input to "
                f"{size}, build the model for your input size, or use a head with global "
                "average pooling, which accepts any input size."
            )
        return torch.flatten(x, 1)

    def extra_repr(self) -> str:
        return f"expected={self.expected}, input_size={self.input_size}"


class MLP(nn.Module):
    """A fully connected network: flatten, then ``Linear → ReLU`` per hidden layer, then ``Linear``.

    Args:
        in_features: inputs per example after flattening (64 for 8×8 grey digits).
        hidden: width of the hidden layer, or a sequence of widths (``()`` = logistic regression).
        num_classes: number of outputs.
        dropout: dropout probability after each hidden layer (0 = none).

    Parameters: ``sum((fan_in + 1) · fan_out)`` over the layers, e.g.
    ``MLP(64, 32, 10)`` has (64 + 1)·32 + (32 + 1)·10 = 2,410.
    """

    def __init__(
        self,
        in_features: int,
        hidden: int | Sequence[int],
        num_classes: int,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        widths = [hidden] if isinstance(hidden, int) else list(hidden)
        layers: list[nn.Module] = [nn.Flatten()]
        fan_in = in_features
        for width in widths:
            layers += [nn.Linear(fan_in, width), nn.ReLU(inplace=True)]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            fan_in = width
        layers.append(nn.Linear(fan_in, num_classes))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class SmallCNN(nn.Module):
    """Two ``conv 3×3 → ReLU → max-pool 2×2`` stages and one dense layer, for digits.

    A LeNet-style network (LeCun, Bottou, Bengio & Haffner, 1998) at the size of the 8×8
    scikit-learn digits.

    ``features`` holds the convolutional part and ``classifier`` the dense head (a
    ``CheckedFlatten`` and one ``Linear``), so a notebook can turn the head into a
    convolution. The dense head fixes the input size: 8 (scikit-learn digits) or 32
    (MNIST-like digits padded to 32×32), or any multiple of 4.

    Args:
        in_channels: 1 for grey digits.
        num_classes: number of outputs.
        width: channels of the first convolution; the second has ``2 · width``.
        input_size: image side length (8 or 32).

    Parameters: (9·C_in + 1)·w + (9·w + 1)·2w + (2w·(s/4)² + 1)·classes; the default
    ``SmallCNN(1, 10, width=16, input_size=8)`` has 160 + 4,640 + 1,290 = 6,090.
    """

    def __init__(
        self,
        in_channels: int = 1,
        num_classes: int = 10,
        width: int = 16,
        input_size: int = 8,
    ) -> None:
        super().__init__()
        if input_size % 4:
            raise ValueError(
                f"SmallCNN halves the image twice, so input_size must be a multiple of 4; "
                f"got {input_size} (try {max(4, input_size // 4 * 4)})"
            )
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, width, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
        )
        side = input_size // 4
        self.classifier = nn.Sequential(
            CheckedFlatten((2 * width, side, side), input_size, "SmallCNN"),
            nn.Linear(2 * width * side * side, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))
