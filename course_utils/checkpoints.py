"""The kit's trained checkpoints: where they live, their manifest, and verified loading.

``make checkpoints`` trains the CPU-sized models longer than a notebook may and
writes ``checkpoints/NAME.pt`` plus one entry per file in ``checkpoints/manifest.json``
(SHA-256, data, seed, epochs, test metric, the command that made it). Experiments too
long for a notebook store their curves as ``checkpoints/NAME.json``.

Notebooks load them with::

    from course_utils.checkpoints import load_trained
    entry = load_trained("mini_vgg_shapes", model)   # verifies the SHA-256 first
    print(entry["metric"], entry["value"])
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import torch
from torch import nn

from course_utils._io import atomic_write_bytes
from course_utils.train import CheckpointError, load_checkpoint, sha256_file

__all__ = [
    "checkpoint_dir",
    "read_manifest",
    "manifest_entry",
    "load_trained",
    "record_checkpoint",
    "save_curves",
    "load_curves",
]

MANIFEST = "manifest.json"


def checkpoint_dir() -> Path:
    """The folder of the trained checkpoints, by the first rule that applies:

    1. ``$COURSE_CHECKPOINTS``, when set (taken as given: ``make checkpoints`` writes there);
    2. ``checkpoints/`` beside the ``course_utils`` package, when it holds a manifest: a
       clone of the kit, installed editable (``make install``, ``pip install -e .``);
    3. the nearest ``checkpoints/`` with a manifest in the current folder or one above it:
       a notebook opened inside a clone while the kit is installed from it non-editable
       (``pip install .``, Binder, a class hub), so that the package lives elsewhere;
    4. otherwise rule 2's folder (where ``make checkpoints`` creates them).

    With the kit installed from git without a clone (``pip install git+…``) no rule finds
    them: set ``COURSE_CHECKPOINTS`` to a clone's ``checkpoints/`` folder.
    """
    env = os.environ.get("COURSE_CHECKPOINTS", "").strip()
    if env:
        return Path(env).expanduser()
    beside_package = Path(__file__).resolve().parents[1] / "checkpoints"
    if (beside_package / MANIFEST).is_file():
        return beside_package
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "checkpoints" / MANIFEST).is_file():
            return folder / "checkpoints"
    return beside_package


def _read_json(path: Path, what: str) -> Any:
    """``path`` parsed as JSON; a truncated or edited file raises a CheckpointError naming it."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CheckpointError(
            f"{path} is not valid JSON ({exc}); the {what} is truncated or was edited by hand. "
            "Restore it from git (git checkout -- <file>) or re-create it with make checkpoints"
        ) from exc


def read_manifest(directory: Path | None = None) -> dict[str, dict[str, Any]]:
    """All manifest entries by name (empty when there is no manifest yet)."""
    path = (directory or checkpoint_dir()) / MANIFEST
    if not path.is_file():
        return {}
    manifest = _read_json(path, "manifest")
    if not isinstance(manifest, dict) or not all(isinstance(e, dict) for e in manifest.values()):
        raise CheckpointError(
            f"{path} must map each checkpoint name to an entry (a JSON object of objects), got "
            f"{type(manifest).__name__}; restore it from git or re-create it with make checkpoints"
        )
    return manifest


def manifest_entry(name: str, directory: Path | None = None) -> dict[str, Any]:
    """One entry; a clear error naming the known ones when ``name`` is absent."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a checkpoint name (str), got {type(name).__name__}")
    folder = directory or checkpoint_dir()
    if not (folder / MANIFEST).is_file():
        raise CheckpointError(
            f"no checkpoints found for {name!r}: {folder / MANIFEST} does not exist, and "
            "neither the current folder nor one above it holds checkpoints/manifest.json. Open "
            "the notebook inside a clone of the kit, or set COURSE_CHECKPOINTS to a clone's "
            "checkpoints/ folder (`make checkpoints` there creates them)"
        )
    manifest = read_manifest(folder)
    if name not in manifest:
        known = ", ".join(sorted(manifest)) or "none yet"
        raise CheckpointError(
            f"no checkpoint named {name!r} in {folder / MANIFEST} "
            f"(known: {known}); run `make checkpoints` to create the course's checkpoints"
        )
    return manifest[name]


def load_trained(
    name: str, model: nn.Module | None = None, directory: Path | None = None
) -> dict[str, Any]:
    """Verify ``NAME.pt`` against the manifest's SHA-256, load it into ``model``, return the entry.

    The returned entry also holds the checkpoint's own dict under ``"state"``.
    """
    directory = directory or checkpoint_dir()
    entry = dict(manifest_entry(name, directory))
    missing = [k for k in ("file", "sha256") if not isinstance(entry.get(k), str)]
    if missing:
        raise CheckpointError(
            f"the manifest entry {name!r} in {directory / MANIFEST} has no {' or '.join(missing)} "
            "(a string), so the checkpoint cannot be found or verified; restore the manifest "
            f"from git or re-create the entry with make checkpoints ONLY={name}"
        )
    state = load_checkpoint(directory / entry["file"], model, expected_sha256=entry["sha256"])
    if model is not None:
        model.eval()
    entry["state"] = state
    return entry


def _write_manifest(directory: Path, manifest: dict[str, dict[str, Any]]) -> None:
    text = json.dumps(dict(sorted(manifest.items())), indent=2, sort_keys=True) + "\n"
    atomic_write_bytes(directory / MANIFEST, text.encode("utf-8"))


def record_checkpoint(
    name: str,
    *,
    metric: str,
    value: float,
    data: str,
    seed: int,
    epochs: int,
    model: str,
    directory: Path | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Add or replace the manifest entry of ``NAME.pt`` (which must already be written)."""
    directory = directory or checkpoint_dir()
    path = directory / f"{name}.pt"
    if not path.is_file():
        raise CheckpointError(f"{path} does not exist; save the checkpoint before recording it")
    entry = {
        "file": path.name,
        "sha256": sha256_file(path),
        "bytes": path.stat().st_size,
        "metric": metric,
        "value": float(value),
        "data": data,
        "seed": int(seed),
        "epochs": int(epochs),
        "model": model,
        "command": "make checkpoints ONLY=" + name,
        "python": sys.version.split()[0],
        # what decides the order of floating-point sums, so a rerun can tell why it differs
        "torch": torch.__version__,
        "cpu_kernels": torch.backends.cpu.get_cpu_capability(),
        **extra,
    }
    manifest = read_manifest(directory)
    manifest[name] = entry
    _write_manifest(directory, manifest)
    sidecar = path.with_name(path.name + ".sha256")
    sidecar.unlink(missing_ok=True)  # the manifest is the record of truth for shipped files
    return entry


def save_curves(name: str, curves: dict[str, Any], directory: Path | None = None) -> Path:
    """Store an experiment's curves (plain JSON data) as ``NAME.json``, atomically."""
    directory = directory or checkpoint_dir()
    path = directory / f"{name}.json"
    atomic_write_bytes(path, (json.dumps(curves, indent=1, sort_keys=True) + "\n").encode("utf-8"))
    return path


def load_curves(name: str, directory: Path | None = None) -> dict[str, Any]:
    """The curves stored by :func:`save_curves`; a clear error when they are missing."""
    path = (directory or checkpoint_dir()) / f"{name}.json"
    if not path.is_file():
        raise CheckpointError(f"{path} does not exist; run `make checkpoints` to create it")
    return _read_json(path, "curves file")
