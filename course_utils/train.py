"""Training and evaluation: ``fit``, ``evaluate``, ``predict``, and safe checkpoints.

``fit`` is a plain PyTorch loop with what a course needs on top: a progress bar, a
returned history, mixed precision and channels-last on a GPU, a clear stop on a NaN
loss, and atomic checkpoints with resume. It reads the loss back from the device
only every ``log_every`` batches (one sync), so a GPU is never stalled per batch.

>>> import torch
>>> from torch.utils.data import DataLoader, TensorDataset
>>> x, y = torch.randn(64, 4), torch.randint(0, 2, (64,))
>>> loader = DataLoader(TensorDataset(x, y), batch_size=16)
>>> h = fit(torch.nn.Linear(4, 2), loader, epochs=1, progress=False, verbose=False)
>>> len(h.train_loss)
1
"""

from __future__ import annotations

import hashlib
import math
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import torch
from torch import nn

from course_utils._checks import check_number, check_positive_int
from course_utils._io import atomic_write_bytes
from course_utils.device import amp_dtype, autocast, get_device, needs_grad_scaler

__all__ = [
    "History",
    "fit",
    "evaluate",
    "predict",
    "save_checkpoint",
    "load_checkpoint",
    "sha256_file",
    "CheckpointError",
]

LossFn = Callable[[Any, torch.Tensor], torch.Tensor]


class CheckpointError(ValueError):
    """A checkpoint file is missing, corrupted, or not the one that was expected."""


@dataclass
class History:
    """Per-epoch metrics returned by :func:`fit` (accuracies are fractions in [0, 1])."""

    epoch: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, list]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, list]) -> History:
        names = {f.name for f in fields(cls)}
        return cls(**{k: list(v) for k, v in data.items() if k in names})

    def __len__(self) -> int:
        return len(self.epoch)

    def plot(self, **kwargs):
        """Loss and accuracy curves (see :func:`course_utils.plots.plot_history`)."""
        from course_utils.plots import plot_history

        return plot_history(self, **kwargs)


def _logits(output: Any) -> torch.Tensor:
    """The main output of a model that may also return auxiliary outputs (GoogLeNet)."""
    if isinstance(output, torch.Tensor):
        return output
    if hasattr(output, "logits"):
        return output.logits
    if isinstance(output, (tuple, list)) and output and isinstance(output[0], torch.Tensor):
        return output[0]
    raise TypeError(
        f"cannot find the logits in a model output of type {type(output).__name__}; "
        "return a tensor, a tuple whose first item is the logits, or an object with .logits"
    )


def _default_loss(output: Any, target: torch.Tensor) -> torch.Tensor:
    return nn.functional.cross_entropy(_logits(output), target)


def _to_device(batch: Any, device: torch.device, channels_last: bool) -> tuple[Any, Any]:
    if not isinstance(batch, (tuple, list)) or len(batch) != 2:
        raise TypeError(
            "each batch must be a pair (inputs, targets), as a DataLoader over a "
            f"TensorDataset gives; got {type(batch).__name__}"
        )
    x, y = batch
    non_blocking = device.type == "cuda"
    x = x.to(device, non_blocking=non_blocking)
    if channels_last and x.dim() == 4:
        x = x.contiguous(memory_format=torch.channels_last)
    y = y.to(device, non_blocking=non_blocking)
    return x, y


_IGNORE_INDEX = -100  # cross_entropy's default ignore_index


def _cpu_label_range(batch: Any) -> tuple[int, int] | None:
    """(min, max) of class-index targets still on the CPU, read before they move to a GPU.

    On the CPU this costs two reductions and no device sync; targets already on a GPU are
    not read (that would stall it every batch): a bad label there is left to PyTorch.
    """
    if not isinstance(batch, (tuple, list)) or len(batch) != 2:
        return None
    y = batch[1]
    if not isinstance(y, torch.Tensor) or y.device.type != "cpu" or y.dim() != 1:
        return None
    if y.is_floating_point() or y.dtype == torch.bool or y.numel() == 0:
        return None
    low, high = torch.aminmax(y)
    return int(low), int(high)


def _label_error(low: int, high: int, num_classes: int, where: str) -> ValueError:
    bad = high if high >= num_classes else low
    return ValueError(
        f"{where}: a target label is {bad}, but the model outputs {num_classes} class scores, "
        f"so labels must be in 0..{num_classes - 1} (cross-entropy's class indices). Build "
        f"the model's last layer with as many outputs as there are classes "
        f"(here at least {high + 1}), or remap the labels to start at 0"
    )


def _check_labels(
    label_range: tuple[int, int] | None, output: Any, y: torch.Tensor, where: str
) -> None:
    """Targets of the default cross-entropy in range; a Python comparison, no device read."""
    if label_range is None:
        return
    logits = _logits(output)
    if logits.dim() != 2:
        return
    low, high = label_range
    num_classes = logits.shape[1]
    if high >= num_classes or (low < 0 and low != _IGNORE_INDEX):
        raise _label_error(low, high, num_classes, where)


def _default_loss_checked(output: Any, y: torch.Tensor, where: str) -> torch.Tensor:
    """Cross-entropy; torch's "Target 5 is out of bounds" (CPU) becomes a message that teaches."""
    try:
        return _default_loss(output, y)
    except IndexError as exc:
        if "out of bounds" not in str(exc) or y.dim() != 1:
            raise
        low, high = (int(v) for v in torch.aminmax(y))
        raise _label_error(low, high, _logits(output).shape[1], where) from exc


def _check_finite(total: torch.Tensor, epoch: int, batch: int, lr: float | None) -> None:
    value = float(total)
    if not math.isfinite(value):
        lr_text = f" (now {lr:g})" if lr is not None else ""
        raise FloatingPointError(
            f"the training loss became {value} in epoch {epoch}, by batch {batch}. "
            f"Training stopped. Try a smaller learning rate{lr_text}, check the inputs "
            "for NaN/inf values, or clip gradients (fit(..., grad_clip=1.0))."
        )


def fit(
    model: nn.Module,
    train_loader: Iterable,
    val_loader: Iterable | None = None,
    epochs: int = 5,
    *,
    optimizer: torch.optim.Optimizer | None = None,
    lr: float = 1e-3,
    loss_fn: LossFn | None = None,
    scheduler: Any = None,
    device: torch.device | str | None = None,
    amp: bool = True,
    channels_last: bool | None = None,
    grad_clip: float | None = None,
    checkpoint: str | os.PathLike | None = None,
    resume: bool = False,
    progress: bool = True,
    verbose: bool = True,
    log_every: int = 20,
) -> History:
    """Train ``model`` for ``epochs`` epochs and return the :class:`History`.

    - ``optimizer`` defaults to Adam with learning rate ``lr``; ``loss_fn`` to cross-entropy
      on the logits (the first output of a model that returns several).
    - On a GPU: mixed precision (``amp``) in the dtype the GPU computes natively
      (:func:`course_utils.device.amp_dtype`: bfloat16 from compute capability 8.0,
      float16 below it and on MPS, then with a ``GradScaler``), and channels-last memory
      (``channels_last``, default on for CUDA). On the CPU both are off: they do not help there.
    - Channels-last is for the duration of ``fit``: afterwards (also after an error) the
      model's 4-D weights are back in the memory format they had before.
    - ``checkpoint``: a path written atomically after every epoch; with ``resume=True``
      training continues from it (model, optimizer, history, epoch).
    - A NaN or infinite loss stops training with a ``FloatingPointError`` that says
      what to try. The loss is read back every ``log_every`` batches and at epoch end.
    """
    epochs = check_positive_int("epochs", epochs)
    log_every = check_positive_int("log_every", log_every)
    if optimizer is None:
        check_number("lr", lr, minimum=0, min_open=True, maximum=math.inf, max_open=True)
    if grad_clip is not None:
        check_number("grad_clip", grad_clip, minimum=0, min_open=True, hint="a gradient norm")
    if loss_fn is not None and not callable(loss_fn):
        raise TypeError(f"loss_fn must be a function (output, target) -> loss, got {loss_fn!r}")
    if resume and checkpoint is None:
        raise ValueError("resume=True needs checkpoint=PATH to resume from")
    device = get_device() if device is None else torch.device(device)
    if channels_last is None:
        channels_last = device.type == "cuda"
    model.to(device)
    # channels-last only while training: restored in the finally below (a model that was
    # channels-last before stays so)
    restore_format = channels_last and not _is_channels_last(model)
    if channels_last:
        model.to(memory_format=torch.channels_last)
    try:
        return _fit_loop(
            model, train_loader, val_loader, epochs, optimizer=optimizer, lr=lr,
            loss_fn=loss_fn, scheduler=scheduler, device=device, amp=amp,
            channels_last=channels_last, grad_clip=grad_clip, checkpoint=checkpoint,
            resume=resume, progress=progress, verbose=verbose, log_every=log_every,
        )  # fmt: skip
    finally:
        if restore_format:
            model.to(memory_format=torch.contiguous_format)


def _is_channels_last(model: nn.Module) -> bool:
    """True when a 4-D weight of ``model`` is stored channels-last (and not trivially both)."""
    for tensor in (*model.parameters(), *model.buffers()):
        if tensor.dim() == 4 and not tensor.is_contiguous():
            if tensor.is_contiguous(memory_format=torch.channels_last):
                return True
    return False


def _grad_scaler(device: torch.device, dtype: torch.dtype | None) -> torch.amp.GradScaler:
    """A GradScaler, enabled exactly when training runs in float16 (see ``needs_grad_scaler``)."""
    return torch.amp.GradScaler(device.type, enabled=needs_grad_scaler(dtype))


def _fit_loop(
    model: nn.Module,
    train_loader: Iterable,
    val_loader: Iterable | None,
    epochs: int,
    *,
    optimizer: torch.optim.Optimizer | None,
    lr: float,
    loss_fn: LossFn | None,
    scheduler: Any,
    device: torch.device,
    amp: bool,
    channels_last: bool,
    grad_clip: float | None,
    checkpoint: str | os.PathLike | None,
    resume: bool,
    progress: bool,
    verbose: bool,
    log_every: int,
) -> History:
    if optimizer is None:
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    default_loss = loss_fn is None
    loss_fn = _default_loss if loss_fn is None else loss_fn
    # labels ≥ the number of classes: read on the CPU before a batch moves to a GPU (no
    # device sync); on the CPU itself torch's own error is caught and explained instead
    check_labels_on_cpu = default_loss and device.type != "cpu"
    dtype = amp_dtype(device) if amp else None
    use_amp = dtype is not None
    scaler = _grad_scaler(device, dtype)

    history = History()
    start_epoch = 1
    if resume and Path(checkpoint).exists():
        state = load_checkpoint(checkpoint, model, optimizer=optimizer, map_location=device)
        history = History.from_dict(state.get("history", {}))
        start_epoch = int(state.get("epoch", 0)) + 1
        if scheduler is not None and "scheduler" in state:
            scheduler.load_state_dict(state["scheduler"])
        if verbose:
            print(f"resumed from {checkpoint} after epoch {start_epoch - 1}")

    bar_factory = None
    if progress:
        from tqdm.auto import tqdm as bar_factory

    for epoch in range(start_epoch, epochs + 1):
        model.train()
        t0 = time.perf_counter()
        loss_sum = torch.zeros((), device=device)
        correct = torch.zeros((), device=device, dtype=torch.long)
        seen = 0
        bar = None
        if bar_factory is not None:
            # The bar is fed by hand: wrapping the loader in tqdm.auto would create a second
            # DataLoader iterator per epoch (tqdm.asyncio calls iter() eagerly), which shifts
            # the shuffling and, with worker processes, starts them twice.
            total = len(train_loader) if hasattr(train_loader, "__len__") else None
            bar = bar_factory(total=total, desc=f"epoch {epoch}/{epochs}", leave=False)
        for i, batch in enumerate(train_loader, start=1):
            label_range = _cpu_label_range(batch) if check_labels_on_cpu else None
            x, y = _to_device(batch, device, channels_last)
            with autocast(device, enabled=use_amp):
                output = model(x)
                if default_loss:
                    _check_labels(label_range, output, y, f"epoch {epoch}, batch {i}")
                    loss = _default_loss_checked(output, y, f"epoch {epoch}, batch {i}")
                else:
                    loss = loss_fn(output, y)
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            if grad_clip is not None:
                scaler.unscale_(optimizer)
                nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
            scaler.step(optimizer)
            scaler.update()
            n = y.shape[0]
            seen += n
            loss_sum += loss.detach().float() * n
            if y.dim() == 1 and not y.is_floating_point():
                correct += (_logits(output).detach().argmax(1) == y).sum()
            if bar is not None:
                bar.update(1)
            if i % log_every == 0:  # the only per-batch read-back: every log_every batches
                _check_finite(loss_sum, epoch, i, _lr(optimizer))
                if bar is not None:
                    bar.set_postfix(loss=f"{float(loss_sum) / seen:.4f}")
        if bar is not None:
            bar.close()
        if seen == 0:
            raise ValueError("train_loader produced no batches; is the data set empty?")
        _check_finite(loss_sum, epoch, i, _lr(optimizer))
        if scheduler is not None:
            scheduler.step()
        history.epoch.append(epoch)
        history.train_loss.append(float(loss_sum) / seen)
        history.train_acc.append(float(correct) / seen)
        if val_loader is not None:
            metrics = evaluate(model, val_loader, loss_fn=loss_fn, device=device, amp=amp)
            history.val_loss.append(metrics["loss"])
            history.val_acc.append(metrics["accuracy"])
        history.seconds.append(time.perf_counter() - t0)
        if verbose:
            print(_epoch_line(history, epochs))
        if checkpoint is not None:
            extra = {"scheduler": scheduler.state_dict()} if scheduler is not None else {}
            save_checkpoint(
                checkpoint, model, optimizer=optimizer, epoch=epoch, history=history, **extra
            )
    return history


def _lr(optimizer: torch.optim.Optimizer) -> float | None:
    groups = getattr(optimizer, "param_groups", None)
    if groups and "lr" in groups[0]:
        lr = groups[0]["lr"]
        return float(lr) if not isinstance(lr, torch.Tensor) else float(lr.item())
    return None


def _epoch_line(h: History, epochs: int) -> str:
    line = (
        f"epoch {h.epoch[-1]:>2}/{epochs}  train loss {h.train_loss[-1]:.4f}"
        f"  acc {100 * h.train_acc[-1]:5.1f}%"
    )
    if h.val_loss:
        line += f"  | val loss {h.val_loss[-1]:.4f}  acc {100 * h.val_acc[-1]:5.1f}%"
    return line + f"  ({h.seconds[-1]:.1f} s)"


@torch.inference_mode()
def evaluate(
    model: nn.Module,
    loader: Iterable,
    loss_fn: LossFn | None = None,
    device: torch.device | str | None = None,
    amp: bool = True,
) -> dict[str, float]:
    """Mean loss and accuracy (fraction) of ``model`` over ``loader``, in eval mode.

    The model is put back in the mode (train/eval) it was in.
    """
    device = get_device() if device is None else torch.device(device)
    default_loss = loss_fn is None
    loss_fn = _default_loss if loss_fn is None else loss_fn
    check_labels_on_cpu = default_loss and device.type != "cpu"
    was_training = model.training
    model.eval()
    loss_sum = torch.zeros((), device=device)
    correct = torch.zeros((), device=device, dtype=torch.long)
    seen = 0
    try:
        for i, batch in enumerate(loader, start=1):
            label_range = _cpu_label_range(batch) if check_labels_on_cpu else None
            x, y = _to_device(batch, device, channels_last=False)
            with autocast(device, enabled=amp):
                output = model(x)
                if default_loss:
                    _check_labels(label_range, output, y, f"evaluation batch {i}")
                    loss = _default_loss_checked(output, y, f"evaluation batch {i}")
                else:
                    loss = loss_fn(output, y)
            n = y.shape[0]
            seen += n
            loss_sum += loss.float() * n
            if y.dim() == 1 and not y.is_floating_point():
                correct += (_logits(output).argmax(1) == y).sum()
    finally:
        model.train(was_training)
    if seen == 0:
        raise ValueError("the evaluation loader produced no batches; is the data set empty?")
    return {"loss": float(loss_sum) / seen, "accuracy": float(correct) / seen}


@torch.inference_mode()
def predict(
    model: nn.Module, loader: Iterable, device: torch.device | str | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Predicted classes and true targets over ``loader`` (both on the CPU)."""
    device = get_device() if device is None else torch.device(device)
    was_training = model.training
    model.eval()
    preds, targets = [], []
    try:
        for batch in loader:
            x, y = _to_device(batch, device, channels_last=False)
            preds.append(_logits(model(x)).argmax(1).cpu())
            targets.append(y.cpu())
    finally:
        model.train(was_training)
    if not preds:
        raise ValueError(
            "predict: the loader produced no batches, so there is nothing to predict; is the "
            "data set empty (or drop_last=True with fewer samples than one batch)?"
        )
    return torch.cat(preds), torch.cat(targets)


# ----------------------------------------------------------------------------- checkpoints


def sha256_file(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def save_checkpoint(
    path: str | os.PathLike,
    model: nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    epoch: int | None = None,
    history: History | None = None,
    weights_dtype: torch.dtype | None = None,
    **extra: Any,
) -> str:
    """Write ``model`` (and optionally optimizer, epoch, history, extras) atomically.

    ``weights_dtype`` (e.g. ``torch.float16``) stores the floating-point weights and buffers
    in that type, half the bytes; ``load_state_dict`` casts them back to the model's type.

    The file is first written beside the target and then renamed over it, so a crash
    never leaves a half-written checkpoint. Its SHA-256 is written to ``PATH.sha256``
    and returned. Extras must be plain data (numbers, strings, lists, dicts, tensors):
    :func:`load_checkpoint` reads with ``weights_only=True``.
    """
    import io

    path = Path(path)
    if weights_dtype is not None and not (
        isinstance(weights_dtype, torch.dtype) and weights_dtype.is_floating_point
    ):
        raise ValueError(
            f"weights_dtype must be a floating-point torch.dtype (torch.float16, torch.float32), "
            f"got {weights_dtype!r}"
        )

    def stored(tensor: torch.Tensor) -> torch.Tensor:
        tensor = tensor.detach().cpu()
        if weights_dtype is not None and tensor.is_floating_point():
            return tensor.to(weights_dtype)
        return tensor

    state: dict[str, Any] = {"model": {k: stored(v) for k, v in model.state_dict().items()}}
    if optimizer is not None:
        state["optimizer"] = optimizer.state_dict()
    if epoch is not None:
        state["epoch"] = int(epoch)
    if history is not None:
        state["history"] = history.as_dict()
    state.update(extra)
    buffer = io.BytesIO()
    torch.save(state, buffer)
    data = buffer.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    atomic_write_bytes(path, data)
    atomic_write_bytes(path.with_name(path.name + ".sha256"), f"{digest}  {path.name}\n".encode())
    return digest


def load_checkpoint(
    path: str | os.PathLike,
    model: nn.Module | None = None,
    optimizer: torch.optim.Optimizer | None = None,
    expected_sha256: str | None = None,
    map_location: torch.device | str = "cpu",
    verify: bool = True,
) -> dict[str, Any]:
    """Read a checkpoint with ``weights_only=True`` after verifying its SHA-256.

    The expected hash is ``expected_sha256`` if given, else the ``PATH.sha256`` file
    written by :func:`save_checkpoint`. A mismatch, a missing hash (unless
    ``verify=False``) or an unreadable file raises :class:`CheckpointError`. When
    ``model``/``optimizer`` are given their state is loaded. Returns the whole dict.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist; train first or check the path")
    if verify:
        if expected_sha256 is None:
            side = path.with_name(path.name + ".sha256")
            if not side.is_file():
                raise CheckpointError(
                    f"no SHA-256 to verify {path} against: pass expected_sha256=..., keep "
                    f"{side.name} beside it, or pass verify=False for a file you trust"
                )
            words = side.read_text(encoding="utf-8", errors="replace").split()
            if not words:
                raise CheckpointError(
                    f"{side} is empty, so there is no SHA-256 to verify {path.name} against: "
                    "re-create it with save_checkpoint (or make checkpoints), or pass "
                    "expected_sha256=... or verify=False for a file you trust"
                )
            expected_sha256 = words[0]
        if not isinstance(expected_sha256, str) or not (
            len(expected_sha256) == 64
            and all(c in "0123456789abcdefABCDEF" for c in expected_sha256)
        ):
            raise CheckpointError(
                f"the expected SHA-256 for {path.name} is {expected_sha256!r}, not 64 hex "
                "digits; pass the digest that sha256_file (or sha256sum) prints"
            )
        actual = sha256_file(path)
        if actual != expected_sha256.lower():
            raise CheckpointError(
                f"checkpoint {path} has SHA-256 {actual[:16]}…, expected "
                f"{expected_sha256[:16]}…: the file is corrupted or was replaced. "
                "Re-create it (make checkpoints) or restore it from git."
            )
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure means a bad file
        raise CheckpointError(
            f"checkpoint {path} cannot be read ({type(exc).__name__}: {str(exc)[:200]}); "
            "it is truncated, corrupted or not a torch checkpoint"
        ) from exc
    if not isinstance(state, dict) or "model" not in state:
        raise CheckpointError(f"{path} is not a course checkpoint (no 'model' entry)")
    if model is not None:
        try:
            model.load_state_dict(state["model"])
        except RuntimeError as exc:
            raise CheckpointError(
                f"checkpoint {path} does not fit this model: {str(exc).splitlines()[0]} "
                "(was it saved from a different architecture or width?)"
            ) from exc
    if optimizer is not None and "optimizer" in state:
        optimizer.load_state_dict(state["optimizer"])
    return state
