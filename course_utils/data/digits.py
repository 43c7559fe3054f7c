"""scikit-learn's handwritten digits (1,797 real 8×8 scans, shipped with the package).

>>> train, val, test = digits_loaders(batch_size=64, seed=0)
>>> x, y = next(iter(train))
>>> tuple(x.shape[1:]), x.dtype
((1, 8, 8), torch.float32)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import TensorDataset

from course_utils.data.batches import TensorBatches
from course_utils.seed import torch_generator

__all__ = ["DigitsSplit", "load_digits_tensors", "digits_splits", "digits_loaders"]


@dataclass(frozen=True)
class DigitsSplit:
    """Images (N×1×S×S, float32 in [0, 1]) and labels (N, int64) of one split."""

    images: torch.Tensor
    labels: torch.Tensor

    def dataset(self) -> TensorDataset:
        return TensorDataset(self.images, self.labels)

    def __len__(self) -> int:
        return len(self.labels)


def load_digits_tensors(size: int = 8) -> tuple[torch.Tensor, torch.Tensor]:
    """All 1,797 digits as (N×1×size×size float32 in [0, 1], N int64); ``size`` 8 or larger.

    Larger sizes are bilinear upscalings (32 suits networks built for 32×32 inputs).
    """
    from sklearn.datasets import load_digits

    if not isinstance(size, int) or size < 8:
        raise ValueError(f"size must be an int ≥ 8 (the scans are 8×8), got {size!r}")
    bunch = load_digits()
    images = torch.from_numpy(bunch.images.astype(np.float32) / 16.0).unsqueeze(1)
    if size != 8:
        images = F.interpolate(images, size=(size, size), mode="bilinear", align_corners=False)
        images = images.clamp_(0.0, 1.0)
    return images, torch.from_numpy(bunch.target.astype(np.int64))


def digits_splits(
    size: int = 8, val_fraction: float = 0.15, test_fraction: float = 0.15, seed: int = 0
) -> tuple[DigitsSplit, DigitsSplit, DigitsSplit]:
    """A fixed seeded train/validation/test split (the same seed gives the same split)."""
    if not (0 < val_fraction < 1 and 0 < test_fraction < 1 and val_fraction + test_fraction < 1):
        raise ValueError(
            f"val_fraction ({val_fraction}) and test_fraction ({test_fraction}) must be in "
            "(0, 1) and leave something to train on"
        )
    images, labels = load_digits_tensors(size)
    n = len(labels)
    order = torch.randperm(n, generator=torch_generator(seed, shift=False))
    n_test = round(n * test_fraction)
    n_val = round(n * val_fraction)
    test_idx, val_idx, train_idx = (
        order[:n_test],
        order[n_test : n_test + n_val],
        order[n_test + n_val :],
    )
    return tuple(DigitsSplit(images[i], labels[i]) for i in (train_idx, val_idx, test_idx))


def digits_loaders(
    batch_size: int = 64,
    size: int = 8,
    seed: int = 0,
    val_fraction: float = 0.15,
    test_fraction: float = 0.15,
) -> tuple[TensorBatches, TensorBatches, TensorBatches]:
    """Train (shuffled with a seeded generator), validation and test batches.

    The digits fit in memory, so the loaders are :class:`~course_utils.data.batches.TensorBatches`:
    the same batches as ``DataLoader(split.dataset(), batch_size, shuffle=..., generator=...)``,
    cut by indexing instead of fetched one sample at a time. The split stays fixed; the
    training order moves with ``COURSE_SEED_OFFSET``.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    train, val, test = digits_splits(size, val_fraction, test_fraction, seed)
    return (
        TensorBatches(
            train.images,
            train.labels,
            batch_size=batch_size,
            shuffle=True,
            generator=torch_generator(seed),
        ),  # fmt: skip
        TensorBatches(val.images, val.labels, batch_size=512),
        TensorBatches(test.images, test.labels, batch_size=512),
    )
