"""TensorBatches yields the DataLoader's batches and draws the same random numbers."""

import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from course_utils.data.batches import TensorBatches


def _epochs(loader, n=3):
    return [[tuple(t.clone() for t in batch) for batch in loader] for _ in range(n)]


@pytest.mark.parametrize("n", [1, 7, 64, 100])
@pytest.mark.parametrize("batch_size", [1, 16, 64, 200])
@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("with_generator", [False, True])
def test_same_batches_and_random_state_as_dataloader(
    n, batch_size, shuffle, drop_last, with_generator
):
    x = torch.randn(n, 3, 4, 4, generator=torch.Generator().manual_seed(n))
    y = torch.arange(n)
    gens = [torch.Generator().manual_seed(5) if with_generator else None for _ in range(2)]
    reference = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=shuffle,
                           drop_last=drop_last, generator=gens[0])  # fmt: skip
    ours = TensorBatches(x, y, batch_size=batch_size, shuffle=shuffle, drop_last=drop_last,
                         generator=gens[1])  # fmt: skip
    torch.manual_seed(1)
    expected = _epochs(reference)
    after_reference = torch.rand(3)
    torch.manual_seed(1)
    got = _epochs(ours)
    after_ours = torch.rand(3)
    assert len(ours) == len(reference)
    assert len(got) == len(expected)
    for e_epoch, g_epoch in zip(expected, got, strict=True):
        assert len(e_epoch) == len(g_epoch)
        for e, g in zip(e_epoch, g_epoch, strict=True):
            assert all(torch.equal(a, b) for a, b in zip(e, g, strict=True))
    assert torch.equal(after_reference, after_ours), "the global generator must advance alike"
    if with_generator:
        assert torch.equal(torch.rand(2, generator=gens[0]), torch.rand(2, generator=gens[1]))


def test_fit_trains_alike_on_both():
    from course_utils.train import fit

    x = torch.randn(96, 8, generator=torch.Generator().manual_seed(0))
    y = (x[:, 0] > 0).long()

    def run(make):
        torch.manual_seed(0)
        model = torch.nn.Sequential(
            torch.nn.Linear(8, 16), torch.nn.Dropout(0.5), torch.nn.Linear(16, 2)
        )
        history = fit(model, make(), epochs=3, progress=False, verbose=False, device="cpu")
        return history.train_loss

    a = run(lambda: DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True,
                               generator=torch.Generator().manual_seed(3)))  # fmt: skip
    b = run(lambda: TensorBatches(x, y, batch_size=16, shuffle=True,
                                  generator=torch.Generator().manual_seed(3)))  # fmt: skip
    assert a == b


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "fragment"),
    [
        ((), {}, ValueError, "at least one tensor"),
        (([1, 2],), {}, TypeError, "tensors[0] must be a torch.Tensor"),
        ((torch.tensor(1.0),), {}, ValueError, "scalar"),
        ((torch.zeros(3), torch.zeros(4)), {}, ValueError, "lengths [3, 4]"),
        ((torch.zeros(3),), {"batch_size": 0}, ValueError, "batch_size must be a positive int"),
        ((torch.zeros(3),), {"batch_size": 2.0}, ValueError, "batch_size must be a positive int"),
        ((torch.zeros(3),), {"generator": 3}, TypeError, "generator must be a torch.Generator"),
    ],
)
def test_bad_input(args, kwargs, error, fragment):
    with pytest.raises(error, match=None) as info:
        TensorBatches(*args, **kwargs)
    assert fragment in str(info.value)


def test_dataset_and_len():
    b = TensorBatches(torch.zeros(10, 2), torch.zeros(10), batch_size=4)
    assert len(b.dataset) == 10 and len(b) == 3
    assert len(TensorBatches(torch.zeros(10), batch_size=4, drop_last=True)) == 2
