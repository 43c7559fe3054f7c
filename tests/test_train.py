import math

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from course_utils.seed import seed_everything, torch_generator
from course_utils.train import (
    CheckpointError,
    History,
    evaluate,
    fit,
    load_checkpoint,
    predict,
    save_checkpoint,
    sha256_file,
)


def _data(n=256, seed=0):
    g = torch_generator(seed)
    x = torch.randn(n, 8, generator=g)
    y = (x[:, 0] + x[:, 1] > 0).long()
    ds = TensorDataset(x, y)
    return DataLoader(ds, batch_size=32, shuffle=True, generator=torch_generator(seed)), DataLoader(
        ds, batch_size=128
    )


def _model():
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))


def test_fit_learns_and_returns_history():
    seed_everything(0)
    train, val = _data()
    model = _model()
    h = fit(model, train, val, epochs=8, lr=1e-2, progress=False, verbose=False, device="cpu")
    assert h.epoch == list(range(1, 9))
    assert h.train_loss[-1] < h.train_loss[0] * 0.5
    assert h.val_acc[-1] > 0.9
    assert evaluate(model, val, device="cpu")["accuracy"] == pytest.approx(h.val_acc[-1])
    preds, targets = predict(model, val, device="cpu")
    assert preds.shape == targets.shape == (256,)


def test_fit_is_repeatable_with_a_seed():
    results = []
    for _ in range(2):
        seed_everything(1)
        train, _ = _data(seed=1)
        h = fit(_model(), train, epochs=2, progress=False, verbose=False, device="cpu")
        results.append(h.train_loss)
    assert results[0] == results[1]


def test_fit_with_progress_bar_and_verbose(capsys):
    train, val = _data()
    fit(_model(), train, val, epochs=1, progress=True, verbose=True, device="cpu")
    assert "epoch  1/1" in capsys.readouterr().out


def test_progress_bar_does_not_change_training():
    """tqdm must not create an extra DataLoader iterator (it would reshuffle the data)."""
    losses = []
    for progress in (False, True):
        seed_everything(2)
        train, _ = _data(seed=2)
        h = fit(_model(), train, epochs=2, progress=progress, verbose=False, device="cpu")
        losses.append(h.train_loss)
    assert losses[0] == losses[1]


def test_nan_loss_stops_with_a_clear_message():
    train, _ = _data()
    model = _model()
    with torch.no_grad():
        model[0].weight.fill_(float("nan"))
    with pytest.raises(
        FloatingPointError, match=r"loss became nan in epoch 1.*smaller learning rate"
    ):
        fit(model, train, epochs=1, progress=False, verbose=False, device="cpu", log_every=1)


def test_exploding_learning_rate_is_caught():
    train, _ = _data()
    with pytest.raises(FloatingPointError, match="learning rate"):
        fit(
            _model(),
            train,
            epochs=30,
            optimizer=None,
            lr=1e30,
            progress=False,
            verbose=False,
            device="cpu",
            loss_fn=lambda out, y: (out**2).sum() * 1e30,
        )


def test_models_with_auxiliary_outputs():
    class TwoHeads(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(8, 2), nn.Linear(8, 2)

        def forward(self, x):
            return (self.a(x), self.b(x)) if self.training else self.a(x)

    def loss(out, y):
        main, aux = out if isinstance(out, tuple) else (out, None)
        value = nn.functional.cross_entropy(main, y)
        return value + 0.3 * nn.functional.cross_entropy(aux, y) if aux is not None else value

    train, val = _data()
    h = fit(
        TwoHeads(), train, val, epochs=2, loss_fn=loss, progress=False, verbose=False, device="cpu"
    )
    assert len(h.val_acc) == 2


def test_bad_arguments():
    train, _ = _data()
    with pytest.raises(ValueError, match="epochs"):
        fit(_model(), train, epochs=0)
    with pytest.raises(ValueError, match="resume=True needs checkpoint"):
        fit(_model(), train, resume=True)
    with pytest.raises(ValueError, match="no batches"):
        fit(
            _model(),
            DataLoader(TensorDataset(torch.zeros(0, 8), torch.zeros(0).long())),
            epochs=1,
            progress=False,
            device="cpu",
        )


def test_checkpoint_roundtrip_and_resume(tmp_path, capsys):
    seed_everything(0)
    train, val = _data()
    path = tmp_path / "ck" / "model.pt"
    full = _model()
    seed_everything(0)
    train, val = _data()
    h_full = fit(full, train, val, epochs=3, progress=False, verbose=False, device="cpu")

    seed_everything(0)
    train, val = _data()
    part = _model()
    fit(part, train, val, epochs=1, progress=False, verbose=False, device="cpu", checkpoint=path)
    assert path.exists() and (tmp_path / "ck" / "model.pt.sha256").exists()
    state = load_checkpoint(path)
    assert state["epoch"] == 1 and History.from_dict(state["history"]).epoch == [1]

    resumed = _model()
    h = fit(
        resumed,
        train,
        val,
        epochs=3,
        progress=False,
        verbose=True,
        device="cpu",
        checkpoint=path,
        resume=True,
    )
    assert "resumed from" in capsys.readouterr().out
    assert h.epoch == [1, 2, 3]
    assert len(h.train_loss) == 3
    assert all(math.isfinite(v) for v in h.train_loss)
    assert h_full.epoch == h.epoch
    assert not list(tmp_path.glob("ck/*.tmp"))


def test_checkpoint_detects_corruption_and_wrong_hash(tmp_path):
    model = _model()
    path = tmp_path / "m.pt"
    digest = save_checkpoint(path, model, epoch=1)
    assert digest == sha256_file(path)
    fresh = _model()
    load_checkpoint(path, fresh, expected_sha256=digest)
    assert torch.equal(fresh[0].weight, model[0].weight)

    with pytest.raises(CheckpointError, match="expected"):
        load_checkpoint(path, expected_sha256="0" * 64)

    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="corrupted or was replaced"):
        load_checkpoint(path)
    with pytest.raises(CheckpointError, match="cannot be read"):
        load_checkpoint(path, verify=False)


def test_checkpoint_errors_name_the_problem(tmp_path):
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "missing.pt")
    path = tmp_path / "m.pt"
    save_checkpoint(path, _model())
    (tmp_path / "m.pt.sha256").unlink()
    with pytest.raises(CheckpointError, match="no SHA-256"):
        load_checkpoint(path)
    save_checkpoint(path, _model())
    with pytest.raises(CheckpointError, match="does not fit this model"):
        load_checkpoint(path, nn.Linear(3, 3))


def test_checkpoint_refuses_pickled_code(tmp_path):
    import hashlib

    path = tmp_path / "evil.pt"
    torch.save({"model": {}, "payload": History()}, path)  # an arbitrary object
    with pytest.raises(CheckpointError, match="cannot be read"):
        load_checkpoint(path, expected_sha256=hashlib.sha256(path.read_bytes()).hexdigest())
