"""`rt-explore bench`: a matrix of cells x tasks x seeds, as an experiment built in code.

Each cell is a variant with default options, each task one with its default parameters, and the matrix
runs through the same runner and results store as `rt-explore experiment run`: resumable, each run
stored once under the hash of its definition, in parallel with `workers`. So bench results and experiment
results are one kind of row, and `grid --evidence` reads either.

The default matrix is every coherent cell of the fine grid (axis x step_unit, the `none` baseline
included) on parity and the A5 word problem: the two state-tracking tasks whose separation motivates
recurrence ("The Illusion of State in State-Space Models", Merrill et al. 2024, arXiv 2404.08819).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

from ..errors import UsageError
from .plan import Experiment, resolve
from .schema import DEFAULT_EVALUATION, ExperimentFile, Measure, TaskEntry, Variant, Where

DEFAULT_TASKS = ("parity", "permutation")
# Steps per run of the default bench. Measured: the default matrix (12 cells x 2 tasks, one seed) took 9 min
# 24 s of wall time at 300 steps on the two-core machine (one torch thread, load average 2-3).
DEFAULT_STEPS = 300
MEASURES = ("train_accuracy", "accuracy", "accuracy_new", "scaled", "frontier", "seconds", "tokens_per_second")


def default_cells() -> list[str]:
    """Every coherent cell of the fine grid (axis x step_unit), the `none` baseline first."""
    from ..taxonomy import FINE_DIMS, load_taxonomy
    from ..taxonomy.model import cell_short

    tax = load_taxonomy()
    found = [cell_short(c) for c in tax.enumerate_cells(FINE_DIMS) if tax.exclusion(tax.complete(c)) is None]
    return sorted(found, key=lambda s: s != "none")


def cell_label(cell: dict[str, str]) -> str:
    """step/token, plus any secondary dimension the user named: `step/chunk (halting=adaptive)`."""
    primary = [cell["axis"]] + ([cell["step_unit"]] if "step_unit" in cell else [])
    extra = [f"{k}={v}" for k, v in cell.items() if k not in ("axis", "step_unit", "tokens_per_step")]
    return "/".join(primary) + (f" ({', '.join(extra)})" if extra else "")


def bench_experiment(cells: Sequence[str] | None, tasks: Sequence[str] | None, seeds: int, steps: int, *,
                     batch_size: int = 32, lr: float = 3e-3, eval_batches: int = DEFAULT_EVALUATION["batches"],
                     eval_batch_size: int = DEFAULT_EVALUATION["batch_size"]) -> Experiment:
    """The bench matrix as an Experiment; UsageError (the taxonomy's or the task registry's reason) for a bad
    cell or task. Two spellings of one cell are one variant."""
    from ..codegen import spec_from_cell
    from ..tasks import load_task
    from ..taxonomy import load_taxonomy, parse_cell_spec
    from ..taxonomy.model import cell_key

    if seeds < 1 or steps < 1:
        raise UsageError("--seeds and --steps must be at least 1")
    tax = load_taxonomy()
    variants: dict[str, Variant] = {}
    for text in cells or default_cells():
        cell = parse_cell_spec(text, tax)
        spec_from_cell(text, tax, {}, None)  # the generator's refusal, with its reason
        label = cell_label(cell)
        ident = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        if cell_key(cell) not in {cell_key(parse_cell_spec(v.cell, tax)) for v in variants.values()}:
            variants[ident] = Variant(ident, label, text, None, {}, {})
    entries = []
    for name in dict.fromkeys(tasks or DEFAULT_TASKS):
        load_task(name)  # an unknown task: the registry's reason
        entries.append(TaskEntry(name, name, name, {}, None, {}))
    file = ExperimentFile(
        name="bench", title="rt-explore bench", question="How does each cell do on each task?", claims=(),
        options={}, variants=tuple(variants.values()), tasks=tuple(entries), seeds=tuple(range(seeds)),
        budget={"steps": steps, "batch_size": batch_size, "lr": lr},
        evaluation={"batches": eval_batches, "batch_size": eval_batch_size},
        measures=tuple(Measure(m) for m in MEASURES), comparisons=(), notes=None, where=Where("bench", {}))
    return resolve(file)


def run_bench(cells: Sequence[str] | None, tasks: Sequence[str] | None, seeds: int, db: Path, steps: int, *,
              workers: int | None = None, workdir: Path | None = None, on_event: Callable | None = None,
              **budget) -> tuple[Experiment, object]:
    """Build the bench experiment (usage errors before anything runs) and run it; -> (experiment, RunReport)."""
    from ..training import require_torch
    from .runner import run_experiment

    require_torch("rt-explore bench")
    experiment = bench_experiment(cells, tasks, seeds, steps, **budget)
    report = run_experiment(experiment, db, workers=workers, workdir=str(workdir) if workdir else None,
                            on_event=on_event)
    return experiment, report
