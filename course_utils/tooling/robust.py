"""Run every notebook's asserts under perturbed numerics: ``make robust``.

A claim the lecture asserts must hold on whatever machine runs it, not only on the CPU
that stored the notebook. This runs each notebook top to bottom in a fresh kernel (its
asserts; the stored outputs are not compared and nothing is written) under each
*perturbation* below, and fails when any cell fails:

- other CPU kernels: ``ATEN_CPU_CAPABILITY=default`` (portable, no vector ISA) or ``avx2``,
  with oneDNN and MKL limited alike (``ONEDNN_MAX_CPU_ISA``, ``MKL_ENABLE_INSTRUCTIONS``);
  ``native`` leaves the machine's best kernels on (``make test`` covers them at offset 0);
- 1 or 2 torch threads (a different order of floating-point sums);
- other training seeds: ``COURSE_SEED_OFFSET`` (see ``course_utils.seed``) shifts every
  seed a notebook gives ``seed_everything``/``torch_generator``: seeds 0, 1, 2 become
  1000, 1001, 1002, while the data splits and the stored artefacts stay fixed.

The perturbations are combined so that each kernel, each thread count and several seed
offsets are seen (the matrix is ``PERTURBATIONS``); ``--only NAME`` runs some of them and
``--list`` prints them; the executed copies land in ``build/robust/<perturbation>/``
(``--keep``) to read what each perturbation measured. One notebook per worker, workers in parallel when a perturbation
runs on one thread. Each run reports the kernel torch really used, so an ignored setting
cannot pass unnoticed.

    python -m course_utils.tooling.robust notebooks/0*.ipynb
    python -m course_utils.tooling.robust --only portable-1t notebooks/05_vgg.ipynb
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["PERTURBATIONS", "Perturbation", "perturbation_env", "run_notebook"]

# oneDNN / MKL names of the instruction sets that match ATen's capability levels
_ISA_CAPS = {
    "default": {"ONEDNN_MAX_CPU_ISA": "SSE41", "MKL_ENABLE_INSTRUCTIONS": "SSE4_2"},
    "avx2": {"ONEDNN_MAX_CPU_ISA": "AVX2", "MKL_ENABLE_INSTRUCTIONS": "AVX2"},
    "native": {},
}


@dataclass(frozen=True)
class Perturbation:
    """One way to run the notebooks: CPU kernels, torch threads and a seed offset."""

    name: str
    kernels: str  # "default", "avx2" or "native"
    threads: int
    seed_offset: int
    note: str = field(default="", compare=False)

    def describe(self) -> str:
        return f"kernels={self.kernels}, {self.threads} thread(s), COURSE_SEED_OFFSET={self.seed_offset}"


# Every kernel level, both thread counts and three seed offsets appear; the machine's own
# kernels at offset 0 on one thread per worker are what `make test` runs.
PERTURBATIONS: tuple[Perturbation, ...] = (
    Perturbation("portable-1t", "default", 1, 0, "the stored seeds on the portable kernels"),
    Perturbation("avx2-2t-seed1000", "avx2", 2, 1000, "AVX2 kernels, 2 threads, new seeds"),
    Perturbation("native-2t-seed2000", "native", 2, 2000, "own kernels, 2 threads, new seeds"),
)


def perturbation_env(p: Perturbation, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment a notebook runs in under ``p`` (``base`` defaults to ``os.environ``)."""
    env = dict(os.environ if base is None else base)
    for key in ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA", "MKL_ENABLE_INSTRUCTIONS"):
        env.pop(key, None)
    if p.kernels not in _ISA_CAPS:
        raise ValueError(f"kernels must be one of {sorted(_ISA_CAPS)}, got {p.kernels!r}")
    if p.kernels != "native":
        env["ATEN_CPU_CAPABILITY"] = p.kernels
    env.update(_ISA_CAPS[p.kernels])
    threads = str(p.threads)
    env.update(OMP_NUM_THREADS=threads, MKL_NUM_THREADS=threads, OPENBLAS_NUM_THREADS=threads)
    env["COURSE_SEED_OFFSET"] = str(p.seed_offset)
    env["PYTHONHASHSEED"] = "0"
    # live ipywidgets can block nbclient forever (jupyter/nbclient#312): the explorers draw their
    # starting figure instead; their logic is unit-tested, and `make test` runs them live
    env["COURSE_STATIC_WIDGETS"] = "1"
    return env


@dataclass
class Outcome:
    notebook: str
    perturbation: str
    ok: bool
    seconds: float
    capability: str = "?"
    cell: int | None = None
    error: str = ""


def _execute_here(path: Path, timeout: int, keep: Path | None = None) -> dict:
    """Child side: execute ``path`` in a fresh kernel (env inherited); report as JSON."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    nb = nbformat.read(path, as_version=4)
    probe = nbformat.v4.new_code_cell(
        "import torch as _t; print('CAPABILITY', _t.backends.cpu.get_cpu_capability(), "
        "_t.get_num_threads())"
    )
    nb.cells.insert(0, probe)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    result: dict = {"ok": True, "cell": None, "error": "", "capability": "?"}
    started: list[int] = []
    client.on_cell_start = lambda cell, cell_index: started.append(cell_index)
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError) as exc:
        result["ok"] = False
        lines = [ln for ln in str(exc).splitlines() if ln.strip()]
        result["error"] = lines[-1] if lines else repr(exc)
        if isinstance(exc, CellTimeoutError):
            result["error"] = f"cell ran past {timeout} s"
    except Exception as exc:  # kernel death, a lost message and the like: not a claim failing
        result["ok"], result["error"] = False, f"{type(exc).__name__}: {exc}"
        result["infrastructure"] = True
        if started:
            result["error"] += f" (after cell {started[-1] - 1} started)"
    for out in nb.cells[0].get("outputs", []):
        text = "".join(out.get("text", ""))
        if text.startswith("CAPABILITY"):
            result["capability"] = " ".join(text.split()[1:])
    if not result["ok"] and started:  # the cell that failed is the last one started
        failed = nb.cells[started[-1]]
        result["cell"] = started[-1] - 1  # the probe cell shifted the indices by one
        for out in failed.get("outputs", []):
            if out.get("output_type") == "error":
                result["error"] = f"{out.get('ename')}: {out.get('evalue')}"[:400]
    if keep is not None:  # the executed copy, to read what a perturbation measured
        nb.cells.pop(0)
        keep.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, keep)
    return result


def run_notebook(
    path: Path,
    p: Perturbation,
    timeout: int = 300,
    keep: Path | None = None,
    extra_env: dict[str, str] | None = None,
) -> Outcome:
    """Execute one notebook under one perturbation in a child process; never writes it.

    With ``keep`` (a folder) the executed copy goes to ``keep/<perturbation>/<name>``;
    ``extra_env`` is set on top of the perturbation's environment (``make gpu-check``
    sets ``COURSE_DEVICE`` with it).
    """
    start = time.perf_counter()
    extra = ["--keep", str(keep / p.name / path.name)] if keep is not None else []
    retried = ""
    for attempt in (1, 2):
        proc = subprocess.run(
            [sys.executable, "-m", "course_utils.tooling.robust", "--child", str(path),
             "--timeout", str(timeout), *extra],
            env={**perturbation_env(p), **(extra_env or {})}, capture_output=True, text=True,
            check=False,
        )  # fmt: skip
        try:
            report = json.loads(proc.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            report = {"ok": False, "cell": None, "capability": "?", "infrastructure": True,
                      "error": f"runner failed: {tail[0]}"}  # fmt: skip
        # a failing claim is reported at once; a lost kernel message is retried once, and said
        if report["ok"] or not report.get("infrastructure") or attempt == 2:
            break
        retried = f" (retried once after: {report['error']})"
    seconds = time.perf_counter() - start
    return Outcome(path.name, p.name, report["ok"], seconds, report["capability"] + retried,
                   report["cell"], report["error"])  # fmt: skip


def _workers(p: Perturbation) -> int:
    cores = os.cpu_count() or 1
    return max(1, cores // p.threads)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--only", metavar="NAME[,NAME]", help="run only these perturbations")
    parser.add_argument("--list", action="store_true", help="list the perturbations and exit")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    parser.add_argument("--keep", type=Path, default=None,
                        help="folder for the executed copies (default build/robust)")  # fmt: skip
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_execute_here(args.child, args.timeout, args.keep)))
        return 0
    known = {p.name: p for p in PERTURBATIONS}
    if args.list:
        for p in PERTURBATIONS:
            print(f"{p.name:<20} {p.describe()}  ({p.note})")
        return 0
    only = [n for n in (args.only or "").split(",") if n]
    unknown = [n for n in only if n not in known]
    if unknown:
        print(f"unknown perturbation(s) {', '.join(unknown)}; known: {', '.join(known)}",
              file=sys.stderr)  # fmt: skip
        return 2
    if not args.notebooks:
        parser.error("name the notebooks to run, e.g. notebooks/[0-9]*.ipynb")
    missing = [str(p) for p in args.notebooks if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    chosen = [known[n] for n in only] if only else list(PERTURBATIONS)
    outcomes: list[Outcome] = []
    total_start = time.perf_counter()
    for p in chosen:
        print(f"== {p.name}: {p.describe()}, {_workers(p)} notebook(s) at a time", flush=True)
        start = time.perf_counter()

        def one(path: Path, p: Perturbation = p) -> Outcome:
            out = run_notebook(path, p, args.timeout, args.keep or Path("build/robust"))
            where = f" cell {out.cell}" if out.cell is not None else ""
            status = "ok    " if out.ok else "FAILED"
            print(f"   {status} {out.notebook:<40} {out.seconds:6.1f} s  [{out.capability}]"
                  + ("" if out.ok else f"\n          {where.strip()}: {out.error}"), flush=True)  # fmt: skip
            return out

        with ThreadPoolExecutor(_workers(p)) as pool:
            outcomes += list(pool.map(one, sorted(args.notebooks)))
        print(f"   {p.name}: {time.perf_counter() - start:.0f} s", flush=True)
    failed = [o for o in outcomes if not o.ok]
    minutes = (time.perf_counter() - total_start) / 60
    print(f"\nrobust: {len(chosen)} perturbation(s) × {len(args.notebooks)} notebook(s) "
          f"in {minutes:.1f} min")  # fmt: skip
    for o in failed:
        print(f"  FAILED {o.perturbation} {o.notebook} cell {o.cell}: {o.error}")
    print(f"{len(outcomes) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
