"""Would storing the checkpoints in float16 move a recorded metric? Measured, not assumed.

Every shipped checkpoint is loaded (SHA-256 verified) and evaluated as ``make checkpoints``
recorded it (test accuracy; mAP@0.5, and for Mask R-CNNs mask mAP@0.5 and box / mask
mAP@0.75), then its floating-point weights and buffers are rounded to float16 and back — what
a float16 file loads as — and evaluated again. The table gives both and the change.

``make checkpoints`` applies the same rule to each model it trains (``storage_dtype``):
float16 only when no recorded metric changes at the manifest's four decimals. ``--store``
applies it to the shipped checkpoints without retraining them: an eligible float32 file is
rewritten in float16 (atomically), and every manifest entry records its ``weights`` type and
``float16_change``.

    python -m course_utils.tooling.half_precision            # every checkpoint, a table
    python -m course_utils.tooling.half_precision --only mini_vgg_shapes
    python -m course_utils.tooling.half_precision --store    # and store the eligible ones
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

from course_utils.checkpoints import checkpoint_dir, load_trained, read_manifest, record_checkpoint
from course_utils.tooling.checkpoints import (
    DETECTION_JOBS,
    JOBS,
    float16_metrics,
    shapes_data,
    storage_dtype,
    test_metrics,
)
from course_utils.train import save_checkpoint

ROOT = Path(__file__).resolve().parents[2]
# fields record_checkpoint writes itself; every other field of an entry is kept as it was
_REWRITTEN = {"file", "sha256", "bytes", "command", "python"}


def measure(names: list[str], store: bool = False) -> list[dict]:
    """float32 and float16-rounded metrics of each checkpoint in ``names``; with ``store``,
    rewrite in float16 those whose recorded metrics float16 leaves unchanged."""
    test_loader = shapes_data(batch_size=500)[2] if set(names) & set(JOBS) else None
    rows = []
    for name in names:
        job = JOBS.get(name) or DETECTION_JOBS[name]
        model = job.build()
        entry = load_trained(name, model)
        start = time.perf_counter()
        full = test_metrics(name, model, test_loader)
        half = float16_metrics(name, model, test_loader)
        dtype, change = storage_dtype(full, half)
        row = {
            "name": name,
            "float32": full,
            "float16": half,
            "largest_change": change,
            "weights": str(dtype).removeprefix("torch."),
            "seconds": round(time.perf_counter() - start, 1),
        }
        rows.append(row)
        print(
            f"{name:32s} "
            + "  ".join(f"{k} {full[k]:.4f} -> {half[k]:.4f}" for k in full)
            + f"  (largest change {change:.4f}: store as {row['weights']})",
            flush=True,
        )
        if store:
            _store(name, model, entry, dtype, change)
    return rows


def _store(name: str, model: torch.nn.Module, entry: dict, dtype: torch.dtype, change: float):
    """Rewrite checkpoint ``name`` in float16 when ``dtype`` says so and it is float32 now;
    record ``weights`` and ``float16_change`` in its manifest entry either way."""
    state = entry["state"]
    stored = {v.dtype for v in state["model"].values() if v.is_floating_point()}
    path = checkpoint_dir() / entry["file"]
    if dtype == torch.float16 and stored != {torch.float16}:
        extras = {k: v for k, v in state.items() if k not in {"model", "epoch"}}
        save_checkpoint(path, model, epoch=state.get("epoch"), weights_dtype=dtype, **extras)
        print(f"  stored {path.name} in float16 ({path.stat().st_size:,} bytes)", flush=True)
        stored = {dtype}
    kept = {k: v for k, v in entry.items() if k not in _REWRITTEN | {"state"}}
    kept.update(weights=str(stored.pop()).removeprefix("torch."), float16_change=round(change, 4))
    record_checkpoint(name, **kept)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="these checkpoints only")
    parser.add_argument("--store", action="store_true", help="store the eligible ones in float16")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "half_precision.json")
    args = parser.parse_args(argv)
    known = sorted(set(read_manifest()) & (set(JOBS) | set(DETECTION_JOBS)))
    names = args.only or known
    unknown = sorted(set(names) - set(known))
    if unknown:
        print(f"half_precision: no checkpoint {unknown} (known: {known})", file=sys.stderr)
        return 2
    torch.set_num_threads(1)
    rows = measure(names, store=args.store)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=1) + "\n")
    eligible = [r["name"] for r in rows if r["weights"] == "float16"]
    worst = max(rows, key=lambda r: r["largest_change"])
    print(
        f"float16 leaves every recorded metric unchanged for {len(eligible)} of {len(rows)}; "
        f"largest change {worst['largest_change']:.4f} ({worst['name']}); written to {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
