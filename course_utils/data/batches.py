"""Mini-batches of tensors held in memory, cut by indexing: a fast stand-in for a DataLoader.

A ``DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True)`` fetches every sample on
its own and stacks them again (``x[i]`` 64 times, then ``torch.stack``). For the small
models of this course that Python work is a large share of a training step. When the
data already sit in memory as tensors, one indexing operation per batch does the same:

>>> x, y = torch.arange(10.0).unsqueeze(1), torch.arange(10)
>>> batches = TensorBatches(x, y, batch_size=4, shuffle=True, generator=torch.Generator().manual_seed(0))
>>> [len(yb) for _, yb in batches]
[4, 4, 2]

**The same batches as the DataLoader.** With the same ``batch_size``, ``shuffle``,
``drop_last`` and a generator in the same state, ``TensorBatches`` yields exactly the
batches that ``DataLoader(TensorDataset(x, y), ...)`` yields, epoch after epoch, and it
draws the same random numbers (the DataLoader's per-epoch base seed is drawn too, from the
generator or, without one, from torch's global generator), so dropout masks and later
random draws match as well. Swapping one for the other leaves a seeded run unchanged;
``tests/test_batches.py`` checks this. There are no worker processes and no pinned memory:
use a ``DataLoader`` for data that are read from disk or generated per item.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
import torch.utils.data

__all__ = ["TensorBatches"]


class TensorBatches:
    """Iterate over ``(x[idx], y[idx], …)`` mini-batches of equally long tensors.

    Args:
        *tensors: one or more tensors with the same first dimension (inputs, labels, …).
        batch_size: samples per batch (≥ 1).
        shuffle: a new random order every epoch (``torch.randperm`` from ``generator``).
        generator: a ``torch.Generator`` for the order, as the DataLoader's ``generator``.
        drop_last: drop a last batch smaller than ``batch_size``.
    """

    def __init__(
        self,
        *tensors: torch.Tensor,
        batch_size: int = 64,
        shuffle: bool = False,
        generator: torch.Generator | None = None,
        drop_last: bool = False,
    ) -> None:
        if not tensors:
            raise ValueError("TensorBatches needs at least one tensor, e.g. TensorBatches(x, y)")
        for i, t in enumerate(tensors):
            if not isinstance(t, torch.Tensor):
                raise TypeError(f"tensors[{i}] must be a torch.Tensor, got {type(t).__name__}")
            if t.dim() == 0:
                raise ValueError(f"tensors[{i}] is a scalar; expected a first (sample) dimension")
        lengths = [len(t) for t in tensors]
        if len(set(lengths)) != 1:
            raise ValueError(
                f"the tensors must have the same first dimension (one entry per sample), "
                f"got lengths {lengths}"
            )
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        if generator is not None and not isinstance(generator, torch.Generator):
            raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}")
        self.tensors = tensors
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self.generator = generator
        self.drop_last = bool(drop_last)

    @property
    def dataset(self) -> torch.utils.data.TensorDataset:
        """The tensors as a ``TensorDataset`` (``len(batches.dataset)`` counts samples)."""
        return torch.utils.data.TensorDataset(*self.tensors)

    def __len__(self) -> int:
        n = len(self.tensors[0])
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _order(self) -> torch.Tensor | None:
        n = len(self.tensors[0])
        # what DataLoader.__iter__ draws first: a base seed for its workers
        torch.empty((), dtype=torch.int64).random_(generator=self.generator)
        if not self.shuffle:
            return None
        generator = self.generator
        if generator is None:  # RandomSampler without a generator: seeded from the global one
            seed = int(torch.empty((), dtype=torch.int64).random_().item())
            generator = torch.Generator()
            generator.manual_seed(seed)
        return torch.randperm(n, generator=generator)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, ...]]:
        order = self._order()
        n = len(self.tensors[0])
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            stop = min(start + self.batch_size, n)
            if order is None:
                yield tuple(t[start:stop] for t in self.tensors)
            else:
                idx = order[start:stop]
                yield tuple(t[idx] for t in self.tensors)
        if order is not None and self.generator is not None:
            # RandomSampler draws one more (empty) permutation when it runs out
            torch.randperm(n, generator=self.generator)
