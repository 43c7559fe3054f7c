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


# ------------------------------------------------------------------ mixed precision and memory format


class _RecordingScaler(torch.amp.GradScaler):
    """A GradScaler that remembers how it was made and whether fit scaled a loss with it."""

    made: list = []

    def __init__(self, device="cuda", *args, enabled=True, **kwargs):
        super().__init__(device, *args, enabled=enabled, **kwargs)
        self.asked_enabled = enabled
        self.scaled = 0
        _RecordingScaler.made.append(self)

    def scale(self, outputs):
        self.scaled += 1
        return super().scale(outputs)


@pytest.mark.parametrize(("dtype", "scaled"), [(torch.float16, True), (torch.bfloat16, False)])
def test_fit_uses_a_grad_scaler_exactly_for_float16(monkeypatch, dtype, scaled):
    """On a T4 (float16) fit must scale the loss; on an A100 (bfloat16) it must not.

    The CPU stands in for the GPU: amp_dtype is made to answer what the GPU would, and
    autocast and GradScaler both run on the CPU in that dtype.
    """
    import course_utils.device as device_module
    import course_utils.train as train_module

    monkeypatch.setattr(device_module, "amp_dtype", lambda device=None: dtype)
    monkeypatch.setattr(train_module, "amp_dtype", lambda device=None: dtype)
    monkeypatch.setattr(torch.amp, "GradScaler", _RecordingScaler)
    _RecordingScaler.made.clear()
    seed_everything(0)
    train, _ = _data(n=64)
    h = fit(_model(), train, epochs=1, device="cpu", progress=False, verbose=False)
    assert math.isfinite(h.train_loss[0])
    [scaler] = _RecordingScaler.made
    assert scaler.asked_enabled is scaled
    assert scaler.is_enabled() is scaled
    assert scaler.scaled == 2  # one call per batch: 64 samples in batches of 32


def test_fit_without_amp_never_scales(monkeypatch):
    import course_utils.train as train_module

    monkeypatch.setattr(train_module, "amp_dtype", lambda device=None: torch.float16)
    monkeypatch.setattr(torch.amp, "GradScaler", _RecordingScaler)
    _RecordingScaler.made.clear()
    train, _ = _data(n=64)
    fit(_model(), train, epochs=1, device="cpu", amp=False, progress=False, verbose=False)
    assert _RecordingScaler.made[0].asked_enabled is False


def _conv_model():
    return nn.Sequential(nn.Conv2d(2, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 4 * 4, 2))


def _image_data(n=32):
    g = torch_generator(0)
    x = torch.randn(n, 2, 6, 6, generator=g)  # 2 channels: 1 would be both formats at once
    return DataLoader(TensorDataset(x, (x.mean((1, 2, 3)) > 0).long()), batch_size=16)


def _weight_format(model):
    weight = model.weight if isinstance(model, nn.Conv2d) else model[0].weight
    if weight.is_contiguous():
        return "contiguous"
    return "channels_last" if weight.is_contiguous(memory_format=torch.channels_last) else "other"


def test_fit_restores_the_memory_format_after_channels_last():
    """fit trains channels-last on CUDA; the model must come back as it went in (here on CPU)."""
    model = _conv_model()
    seen = []
    model[0].register_forward_pre_hook(lambda m, args: seen.append(_weight_format(m)))
    fit(model, _image_data(), epochs=1, device="cpu", channels_last=True, progress=False,
        verbose=False)  # fmt: skip
    assert seen and set(seen) == {"channels_last"}, "fit should train channels-last"
    assert _weight_format(model) == "contiguous"


def test_fit_keeps_a_channels_last_model_channels_last():
    model = _conv_model().to(memory_format=torch.channels_last)
    fit(model, _image_data(), epochs=1, device="cpu", channels_last=True, progress=False,
        verbose=False)  # fmt: skip
    assert _weight_format(model) == "channels_last"


def test_fit_restores_the_memory_format_after_an_error():
    model = _conv_model()
    bad = DataLoader(TensorDataset(torch.full((4, 2, 6, 6), math.nan), torch.zeros(4).long()))
    with pytest.raises(FloatingPointError):
        fit(model, bad, epochs=1, device="cpu", channels_last=True, progress=False,
            verbose=False)  # fmt: skip
    assert _weight_format(model) == "contiguous"


def test_checkpoint_in_float16_loads_as_the_rounded_float32_weights(tmp_path):
    model = nn.Sequential(nn.Linear(64, 64), nn.BatchNorm1d(64))
    torch.manual_seed(0)
    model[1].running_mean.normal_()
    full, half = tmp_path / "full.pt", tmp_path / "half.pt"
    save_checkpoint(full, model)
    save_checkpoint(half, model, weights_dtype=torch.float16)
    assert half.stat().st_size < 0.7 * full.stat().st_size
    stored = torch.load(half, weights_only=True)["model"]
    assert stored["0.weight"].dtype == torch.float16
    assert stored["1.num_batches_tracked"].dtype == torch.int64, "integer buffers stay as they are"
    fresh = nn.Sequential(nn.Linear(64, 64), nn.BatchNorm1d(64))
    load_checkpoint(half, fresh)
    assert fresh[0].weight.dtype == torch.float32
    assert torch.equal(fresh[0].weight, model[0].weight.half().float())
    assert torch.equal(fresh[1].running_mean, model[1].running_mean.half().float())
    assert not torch.equal(fresh[0].weight, model[0].weight), "float16 rounds: not bit-equal"
    for bad in ("float16", torch.int8):
        with pytest.raises(ValueError, match="weights_dtype must be a floating-point"):
            save_checkpoint(tmp_path / "bad.pt", model, weights_dtype=bad)
