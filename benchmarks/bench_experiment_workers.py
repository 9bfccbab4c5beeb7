"""Wall time of an 8-run experiment with `--workers 2` against `--workers 1` (issue 10, acceptance 4: <= 0.6x).

A script, not a test: `python benchmarks/bench_experiment_workers.py [--steps N] [--repeats N]`. The matrix
is 2 variants (the `none` transformer and the step/token delta rule, width 32, 2 layers) x parity x 4
seeds, run with `rt-explore experiment run FILE --workers W --db FRESH.db` in a fresh process each time, as
a user runs it, so the figure includes starting the workers. The two stores must hold the same numbers
(a run is a function of its definition). The load average before and after is recorded: other work on a
2-core machine takes cores from the workers and pushes the ratio towards 1.
Writes docs/bench_workers.json and docs/bench_workers.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
TARGET = 0.6
EXPERIMENT = """\
name: bench-workers
question: How long does an 8-run matrix take with one worker and with two?
claim: {{text: "Two single-thread workers on two cores halve the wall time.", paper: "rt-explore issue 10",
        url: "docs/bench_workers.md", figure: "<= 0.6x"}}
options: {{dim: 32, n_layers: 2, n_heads: 2}}
variants:
  - {{id: transformer, cell: none}}
  - {{id: delta, cell: step/token, options: {{mixer: delta-rule}}}}
tasks:
  - {{name: parity, params: {{max_train_length: 16}}}}
seeds: 4
budget: {{steps: {steps}, batch_size: 32}}
evaluation: {{batches: 1, batch_size: 128}}
"""


def run(path: Path, db: Path, workers: int) -> dict:
    """One `experiment run` in a fresh process: wall seconds and the CPU seconds of it and its workers."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "rt_explore", "experiment", "run", str(path), "--db", str(db),
                           "--workers", str(workers), "--json"], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"--workers {workers} failed: {done.stderr.strip().splitlines()[-1:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"workers": workers, "wall_seconds": round(wall, 2), "cpu_seconds": round(cpu, 2),
            "load_before": load, "load_after": os.getloadavg()[0]}


def numbers(db: Path) -> dict:
    from rt_explore.experiments.store import read_runs

    timing = ("seconds", "tokens_per_second")
    return {r["key"]: {k: v for k, v in r["record"].items() if k not in timing} for r in read_runs(db)}


def main() -> None:
    from rt_explore.training.metrics import write_json_atomically, write_text_atomically

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300, help="optimiser steps per run")
    parser.add_argument("--repeats", type=int, default=1, help="pairs of (1 worker, 2 workers), interleaved")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp:
        path = Path(tmp) / "bench-workers.yaml"
        path.write_text(EXPERIMENT.format(steps=args.steps), encoding="utf-8")
        pairs = []
        for i in range(args.repeats):
            one = run(path, Path(tmp) / f"one-{i}.db", 1)
            two = run(path, Path(tmp) / f"two-{i}.db", 2)
            a, b = numbers(Path(tmp) / f"one-{i}.db"), numbers(Path(tmp) / f"two-{i}.db")
            # Different keys: the code that defines the models changed between the two commands.
            same = a.keys() == b.keys() and all(a[k] == b[k] for k in a)
            pairs.append({"one": one, "two": two, "ratio": round(two["wall_seconds"] / one["wall_seconds"], 3),
                          "same_keys": a.keys() == b.keys(), "same_numbers": same})
    ratio = statistics.median(p["ratio"] for p in pairs)
    report = {"matrix": "2 variants (none, step/token) x parity x 4 seeds = 8 runs", "steps": args.steps,
              "cpus": os.cpu_count(), "pairs": pairs, "median_ratio": ratio, "target": TARGET,
              "met": ratio <= TARGET, "same_numbers": all(p["same_numbers"] for p in pairs)}
    write_json_atomically(DOCS / "bench_workers.json", report)
    lines = ["# `experiment run --workers 2` against `--workers 1`", "",
             "Written by `python benchmarks/bench_experiment_workers.py`; do not edit by hand.", "",
             f"Matrix: {report['matrix']}, {args.steps} steps per run (width 32, 2 layers, batch 32), each command "
             f"in a fresh process on a machine with {report['cpus']} CPUs. Target: at most {TARGET}x the wall time.",
             "",
             "| pair | workers 1: wall s (cpu s) | workers 2: wall s (cpu s) | ratio | load before / after | "
             "same numbers |", "|---|---|---|---|---|---|"]
    for i, p in enumerate(pairs, start=1):
        lines.append(f"| {i} | {p['one']['wall_seconds']:.1f} ({p['one']['cpu_seconds']:.1f}) | "
                     f"{p['two']['wall_seconds']:.1f} ({p['two']['cpu_seconds']:.1f}) | {p['ratio']:.2f} | "
                     f"{p['one']['load_before']:.2f} / {p['two']['load_after']:.2f} | {p['same_numbers']} |")
    lines += ["", f"Median ratio {ratio:.2f} ({'met' if report['met'] else 'missed'}: target <= {TARGET}); the load "
              "average counts other work on the machine, which takes cores from the workers.", ""]
    write_text_atomically(DOCS / "bench_workers.md", "\n".join(lines))
    print(f"median ratio {ratio:.3f} over {len(pairs)} pair(s); same numbers: {report['same_numbers']}")


if __name__ == "__main__":
    main()
