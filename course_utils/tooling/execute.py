"""Re-run notebooks in place; write each one only after it ran without error.

``make execute`` (all notebooks) or ``make execute NB=notebooks/00_*.ipynb``. Each
notebook runs in a fresh kernel with the notebook folder as working directory. On
success its outputs are cleaned — widget state and per-cell timestamps stripped,
widget views reduced to their text — and the file is replaced atomically. On failure
the stored notebook is left exactly as it was and the error is reported.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import nbformat

from course_utils._io import atomic_write_bytes

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Strip widget state, execution timestamps and widget views (keeping their text)."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("ExecuteTime", None)
        if cell.cell_type != "code":
            continue
        outputs = []
        for out in cell.get("outputs", []):
            data = out.get("data")
            if data and WIDGET_VIEW in data:
                data.pop(WIDGET_VIEW)
                text = data.get("text/plain", "")
                # tqdm's widget repr is a progress line; an ipywidgets repr says nothing useful
                if not data or not text or text.startswith(("HBox(", "VBox(", "interactive(")):
                    continue
            outputs.append(out)
        cell.outputs = outputs
    nb.metadata.setdefault("kernelspec", {})["name"] = "python3"
    nb.metadata["kernelspec"].setdefault("display_name", "Python 3 (ipykernel)")
    nb.metadata["kernelspec"].setdefault("language", "python")
    return nb


def _cell_seconds(nb: nbformat.NotebookNode) -> list[tuple[float, int]]:
    from datetime import datetime

    found = []
    for i, cell in enumerate(nb.cells):
        times = cell.metadata.get("execution", {})
        begin, end = times.get("iopub.execute_input"), times.get("shell.execute_reply")
        if begin and end:
            delta = datetime.fromisoformat(end.rstrip("Z")) - datetime.fromisoformat(
                begin.rstrip("Z")
            )
            found.append((delta.total_seconds(), i))
    return found


def execute(path: Path, timeout: int) -> float:
    """Execute ``path`` in a fresh kernel and rewrite it; returns seconds taken."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    # Live ipywidgets stall nbclient for a whole cell timeout now and then (jupyter/nbclient#312;
    # measured: 05 took 367 s instead of 70): the explorers store their starting figure instead,
    # which is also what a reader of the stored notebook and the static slides can see.
    kernel_env = {
        **os.environ,
        "COURSE_STATIC_WIDGETS": os.environ.get("COURSE_STATIC_WIDGETS", "1"),
    }
    start = time.perf_counter()
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=True,
    )
    client.execute(env=kernel_env)  # the kernel's environment only, not this process's
    seconds = time.perf_counter() - start
    slowest = sorted(_cell_seconds(nb), reverse=True)[:3]
    print("  slowest cells: " + ", ".join(f"#{i} {s:.1f} s" for s, i in slowest))
    clean(nb)
    atomic_write_bytes(path, nbformat.writes(nb).encode("utf-8"))
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args(argv)
    failed = []
    for path in args.notebooks:
        print(f"executing {path} ...", flush=True)
        try:
            seconds = execute(path, args.timeout)
        except Exception as exc:  # report and keep the stored notebook untouched
            lines = re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).strip().splitlines()
            reason = next((ln for ln in reversed(lines) if ln.strip()), repr(exc))
            print(f"  FAILED, {path} left unchanged: {reason}")
            failed.append(path)
            continue
        print(f"  ok in {seconds:.1f} s")
    if failed:
        print(f"{len(failed)} notebook(s) failed: {', '.join(map(str, failed))}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
