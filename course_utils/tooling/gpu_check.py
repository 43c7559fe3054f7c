"""Run every notebook on the CUDA GPU and report which asserts held: ``make gpu-check``.

Each notebook runs top to bottom in a fresh kernel with ``COURSE_DEVICE=cuda``, through
the same child-process executor as ``make robust`` (:func:`course_utils.tooling.robust.run_notebook`):
its asserts run, its stored outputs are not compared and the notebook file is never
written. The executed copies land in ``build/gpu-check/`` (``--keep``) so the numbers a
GPU measured can be read afterwards. Notebooks run one at a time: they share one GPU, and
some of them time it.

Per notebook it prints the code cells and ``assert`` statements that ran and held, or
the first failing cell with its error and how many asserts held before it. Without a
CUDA device it refuses at once with one line and exit status 2.

    python -m course_utils.tooling.gpu_check notebooks/[0-9]*.ipynb
    python -m course_utils.tooling.gpu_check --device cuda:1 notebooks/05_vgg.ipynb
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from course_utils.tooling.robust import Outcome, Perturbation, run_notebook

__all__ = ["NO_CUDA_EXIT", "CellAsserts", "count_asserts", "cuda_problem", "describe", "main"]

NO_CUDA_EXIT = 2
# the machine's own kernels, all cores, the stored seeds: only the device differs from `make test`
GPU_RUN = Perturbation("cuda", "native", max(1, os.cpu_count() or 1), 0, "COURSE_DEVICE=cuda")


@dataclass(frozen=True)
class CellAsserts:
    """A code cell's index in ``nb.cells`` and how many ``assert`` statements it holds."""

    index: int
    asserts: int


def _assert_count(source: str) -> int:
    """``assert`` statements in a cell's source (IPython magics and shell lines are skipped)."""
    lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:  # a cell ast cannot read: count the lines that start with assert
        return sum(1 for ln in lines if re.match(r"\s*assert\b", ln))
    return sum(isinstance(node, ast.Assert) for node in ast.walk(tree))


def count_asserts(path: Path) -> list[CellAsserts]:
    """Every code cell of the notebook at ``path`` with its number of asserts, in order."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    cells = []
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else source
            cells.append(CellAsserts(index, _assert_count(source)))
    return cells


def describe(path: Path, outcome: Outcome) -> str:
    """One report line (two on a failure) for a notebook's run on the GPU."""
    cells = count_asserts(path)
    asserts = sum(c.asserts for c in cells)
    if outcome.ok:
        return (
            f"   ok     {path.name:<40} {outcome.seconds:6.1f} s  {len(cells)} code cells ran, "
            f"all {asserts} asserts held"
        )
    if outcome.cell is None:  # the kernel or the runner failed before any cell could be blamed
        return (
            f"   FAILED {path.name:<40} {outcome.seconds:6.1f} s  no cell ran to the end\n"
            f"          {outcome.error}"
        )
    before = [c for c in cells if c.index < outcome.cell]
    held = sum(c.asserts for c in before)
    failing = next((c for c in cells if c.index == outcome.cell), None)
    in_cell = f" ({failing.asserts} assert(s) in it)" if failing and failing.asserts else ""
    return (
        f"   FAILED {path.name:<40} {outcome.seconds:6.1f} s  at cell {outcome.cell}{in_cell}: "
        f"{len(before)} of {len(cells)} code cells ran before it, {held} of {asserts} asserts held\n"
        f"          {outcome.error}"
    )


def cuda_problem(device: str) -> str | None:
    """None when ``device`` (``cuda`` or ``cuda:N``) is usable here, else the reason, in one line."""
    if not re.fullmatch(r"cuda(:\d+)?", device):
        return f"--device must be cuda or cuda:N (N = GPU index), got {device!r}"
    import torch

    if not torch.cuda.is_available():
        return (
            f"no CUDA device here (torch {torch.__version__}, CUDA build: "
            f"{torch.version.cuda or 'none'}); run make gpu-check on a machine with an NVIDIA GPU"
        )
    index = int(device.partition(":")[2] or 0)
    count = torch.cuda.device_count()
    if index >= count:
        return f"--device {device}: there are {count} CUDA device(s), indices 0..{count - 1}"
    return None


def _gpu_line(device: str) -> str:
    import torch

    from course_utils.device import amp_dtype, device_report

    major, minor = torch.cuda.get_device_capability(device)
    dtype = str(amp_dtype(device)).removeprefix("torch.")
    return f"{device_report(device)} | compute capability {major}.{minor}, AMP in {dtype}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--device", default="cuda", help="cuda (default) or cuda:N")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    parser.add_argument("--keep", type=Path, default=Path("build/gpu-check"),
                        help="folder for the executed copies (default build/gpu-check)")  # fmt: skip
    args = parser.parse_args(argv)
    problem = cuda_problem(args.device)
    if problem is not None:
        print(f"gpu-check: {problem}", file=sys.stderr)
        return NO_CUDA_EXIT
    missing = [str(p) for p in args.notebooks if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    print(f"== gpu-check: {_gpu_line(args.device)}", flush=True)
    start = time.perf_counter()
    failed = []
    for path in sorted(args.notebooks):
        outcome = run_notebook(path, GPU_RUN, args.timeout, args.keep,
                               extra_env={"COURSE_DEVICE": args.device})  # fmt: skip
        print(describe(path, outcome), flush=True)
        if not outcome.ok:
            failed.append(path.name)
    minutes = (time.perf_counter() - start) / 60
    print(f"\ngpu-check: {len(args.notebooks)} notebook(s) in {minutes:.1f} min, "
          f"{len(args.notebooks) - len(failed)} passed, {len(failed)} failed"
          + (f" ({', '.join(failed)})" if failed else ""))  # fmt: skip
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
