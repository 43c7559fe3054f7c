"""LeNet-5 (LeCun, Bottou, Bengio & Haffner, 1998): the CNN that AlexNet scaled up 1,000×.

The paper's layout on a 32×32 grey image: C1 6@5×5 → S2 2×2 subsampling → C3 16@5×5 →
S4 2×2 subsampling → C5 120@5×5 (a convolution; on a 32×32 input its map is 1×1) → F6 84 → 10 outputs.

The paper's trainable parameters sum to 60,000 (C1 156 + S2 12 + C3 1,516 + S4 32 + C5 48,120 +
F6 10,164); its output layer's 840 RBF centres (10 × 84) were set by hand, not trained.
:data:`LENET5_PAPER_PARAMETERS` is the 60,000, :data:`LENET5_RBF_CENTRES` the 840; with both, the
three simplifications below account for the kit's count exactly (61,706 with the defaults):

- C3 sees all six S2 maps (the paper's connection table wired each of its 16 maps to
  3, 4 or 6 of them: 1,516 weights instead of 2,416, +900 here);
- S2 and S4 are plain average (or max) pools; the paper's subsampling layers had a
  trainable coefficient and bias per map (12 + 32 = 44 parameters, −44 here);
- the output is a dense layer (850 parameters); the paper used 10 Euclidean RBF units
  on F6's 84 outputs (840, +10 here).

>>> count_lenet5_parameters(), sum(p.numel() for p in lenet5().parameters())
(61706, 61706)
"""

from __future__ import annotations

from typing import Literal

from torch import Tensor, nn

__all__ = [
    "LeNet5",
    "lenet5",
    "count_lenet5_parameters",
    "LENET5_PAPER_PARAMETERS",
    "LENET5_RBF_CENTRES",
]

Pooling = Literal["avg", "max"]
Activation = Literal["tanh", "relu"]

# The paper's trainable parameters, layer by layer (C1, S2, C3, S4, C5, F6; LeCun et al. 1998,
# section II.B); course_utils.sources holds their total, 60,000, as the paper states it.
LENET5_PAPER_PARAMETERS = 156 + 12 + 1_516 + 32 + 48_120 + 10_164
# The output layer's 10 RBF units × 84 centres: set by hand in the paper, not trained.
LENET5_RBF_CENTRES = 10 * 84


class LeNet5(nn.Module):
    """LeNet-5: ``features`` (C1–C5, 120×1×1 for a 32×32 input) and ``classifier`` (F6, output)."""

    def __init__(
        self,
        num_classes: int = 10,
        *,
        in_channels: int = 1,
        activation: Activation = "tanh",
        pool: Pooling = "avg",
    ) -> None:
        super().__init__()
        if activation not in ("tanh", "relu"):
            raise ValueError(
                f"activation must be 'tanh' (the paper's) or 'relu', got {activation!r}"
            )
        if pool not in ("avg", "max"):
            raise ValueError(f"pool must be 'avg' (the paper's subsampling) or 'max', got {pool!r}")
        act = nn.Tanh if activation == "tanh" else nn.ReLU
        pooling = nn.AvgPool2d if pool == "avg" else nn.MaxPool2d
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5),  # C1: 32 → 28
            act(),
            pooling(2),  # S2: 28 → 14
            nn.Conv2d(6, 16, 5),  # C3: 14 → 10 (all six maps; the paper: a connection table)
            act(),
            pooling(2),  # S4: 10 → 5
            nn.Conv2d(16, 120, 5),  # C5: 5 → 1
            act(),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(120, 84),  # F6
            act(),
            nn.Linear(84, num_classes),  # the paper: Euclidean RBF units
        )

    def forward(self, x: Tensor) -> Tensor:
        if x.shape[-2:] != (32, 32):
            raise ValueError(
                f"LeNet-5 expects 32×32 inputs (C5's 5×5 filters must see a 5×5 map), got "
                f"{tuple(x.shape[-2:])}; upscale the 8×8 digits with digits_splits(size=32)"
            )
        return self.classifier(self.features(x))


def lenet5(
    num_classes: int = 10,
    *,
    in_channels: int = 1,
    activation: Activation = "tanh",
    pool: Pooling = "avg",
) -> LeNet5:
    """LeNet-5 as in the paper's figure 2 (tanh, average pooling), with the simplifications above."""
    return LeNet5(num_classes, in_channels=in_channels, activation=activation, pool=pool)


def count_lenet5_parameters(num_classes: int = 10, in_channels: int = 1) -> int:
    """LeNet-5's parameters by the formula: per layer (inputs × kernel area + 1) × outputs."""
    c1 = (in_channels * 5 * 5 + 1) * 6
    c3 = (6 * 5 * 5 + 1) * 16
    c5 = (16 * 5 * 5 + 1) * 120
    f6 = (120 + 1) * 84
    out = (84 + 1) * num_classes
    return c1 + c3 + c5 + f6 + out
