"""Training commands: train (one project on one task), bench (a matrix of cells x tasks x seeds), tasks.

torch is imported by the library calls only, after `require_torch` has said how to install it.
Progress bars go to stderr, and only on a terminal, so that stdout stays clean for `--json` and an
error stays one line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..experiments.bench import DEFAULT_STEPS  # a constant; importing it imports neither torch nor codegen
from .app import app
from .output import console, emit_json, progress_bars

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")]
STAGES_HELP = ("Train in stages, SETTING\\[:STEPS] separated by commas: 'feedforward:300,recurrent' pretrains 300 "
               "steps with the recurrence off, then trains as configured; a number sets the recurrence "
               "(recurrence_steps, or latent_steps for depth+step/latent); 'curriculum' raises it one by one from "
               "feedforward to the configured value in equal stages (Coconut). The steps add up to --steps; the "
               "last stage may leave them out and must be the configured recurrence. Cells: depth/*, "
               "depth+step/ponder, depth+step/latent.")


def _status(info) -> str:
    return f"loss {info.loss:.4f}  acc {info.accuracy:.3f}  {info.tokens_per_second:,.0f} tok/s"


def _summary(result, metrics_path: Path) -> dict:
    data = result.to_dict()
    data.pop("loss_curve")  # every step is in metrics.json; stdout keeps the headline figures
    return {**data, "metrics_file": str(metrics_path)}


@app.command()
def train(
    project_dir: Annotated[Path, typer.Argument(metavar="PROJECT_DIR", help="A project made by rt-explore scaffold.",
                                                show_default=False)],
    task: Annotated[str, typer.Option(help="A toy task (see rt-explore tasks).")] = "parity",
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="A task parameter KEY=VALUE, repeatable "
                                                    "(e.g. -p edges=tokens -p num_chains=2; see rt-explore tasks).",
                                                    show_default=False)] = None,
    steps: Annotated[int, typer.Option(help="Optimiser steps.", min=1)] = 300,
    seed: Annotated[int, typer.Option(help="Seed of the initial weights and of the data.")] = 0,
    lr: Annotated[float, typer.Option(help="Peak learning rate (warmup, then cosine decay).", min=0.0)] = 3e-3,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Sequences per step.", min=1)] = 32,
    threads: Annotated[int, typer.Option(help="torch threads (toy models run fastest on one).", min=1)] = 1,
    stages: Annotated[str | None, typer.Option(help=STAGES_HELP, metavar="STAGES", show_default=False)] = None,
    random_depth: Annotated[str | None, typer.Option(
        "--random-depth", metavar="LOW:HIGH", show_default=False,
        help="Draw the recurrence of every training step from LOW..HIGH (recurrence_steps, or latent_steps for "
             "depth+step/latent), as Huginn does, so the loop stays usable past its trained depth; it is "
             "evaluated at its configured value. Not with --stages.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Smoke-train a generated project on a toy task: loss, accuracy, accuracy at longer test lengths."""
    from ..training import require_torch

    require_torch("rt-explore train")
    from ..tasks import load_task
    from ..training.loop import train as run
    from ..training.metrics import write_metrics
    from ..training.project import load_project
    from ..training.stages import project_stages

    project = load_project(project_dir)
    chosen = load_task(task, param or ())
    schedule = project_stages(project, stages, steps) if stages is not None else None
    from ..training.random_depth import project_depth_range

    depth = project_depth_range(project, random_depth) if random_depth is not None else None
    with progress_bars() as progress:
        bar = progress.add_task(f"{project.spec} on {chosen.name}", total=steps, status="")

        def on_step(info) -> None:
            progress.update(bar, completed=info.step, status=_status(info))
            if info.step == info.steps:
                progress.update(bar, status="evaluating...")

        result = run(project, chosen, steps=steps, seed=seed, lr=lr, batch_size=batch_size, threads=threads,
                     on_step=on_step, stages=schedule, random_depth=depth)
    path = write_metrics(project_dir, result)
    if as_json:
        emit_json(_summary(result, path))
        return
    _print_result(result, project.spec, path)


def _print_result(result, spec: str, path: Path) -> None:
    from rich.table import Table

    out = console()
    out.print(f"[bold]{spec}[/bold] on {result.task}: {result.steps} steps in {result.seconds:.1f} s "
              f"({result.tokens_per_second:,.0f} tokens/s), loss {result.first_loss:.4f} -> {result.final_loss:.4f}")
    table = Table(title=f"accuracy (chance {result.chance:.3g})", title_justify="left")
    table.add_column("length", justify="right")
    table.add_column("accuracy", justify="right")
    table.add_column("past the train length", justify="right")
    table.add_row("train (mean)", f"{result.train_accuracy:.3f}", "")
    for length, acc in result.test_accuracy.items():
        new = result.test_accuracy_new.get(length)
        table.add_row(str(length), f"{acc:.3f}", "" if new is None else f"{new:.3f}")
    out.print(table)
    if result.stages:
        out.print(_stages_table(result.stages))
    if result.frontier:
        lengths = list(next(iter(result.frontier.values())))
        frontier = Table(title=f"computational frontier (trained with {result.trained_recurrence_steps} steps)",
                         title_justify="left")
        frontier.add_column("recurrence steps", justify="right")
        for length in lengths:
            frontier.add_column(f"length {length}", justify="right")
        for s, by_length in result.frontier.items():
            frontier.add_row(str(s), *(f"{by_length[n]:.3f}" for n in lengths))
        out.print(frontier)
    out.print(f"wrote {path}")


def _stages_table(stages: list[dict]):
    from rich.table import Table

    table = Table(title="stages", title_justify="left")
    for column in ("stage", "setting", "optimiser steps", "seconds", "cpu seconds"):
        table.add_column(column, justify="left" if column == "stage" else "right")
    for s in stages:
        last = s["first_step"] + s["steps"] - 1
        table.add_row(s["name"], f"{s['field']}={s['value']}", f"{s['first_step']}..{last}", f"{s['seconds']:.1f}",
                      f"{s['cpu_seconds']:.1f}")
    return table


def _split(values: list[str] | None, commas: bool) -> list[str] | None:
    # Cell specs may contain commas (axis=step,step_unit=chunk), so only whitespace separates them.
    if not values:
        return None
    parts = [p for v in values for p in (v.replace(",", " ") if commas else v).split()]
    return parts or None


@app.command()
def bench(
    cells: Annotated[list[str] | None, typer.Option("--cells", help="Cell specs, several after one flag or "
                                                    "the flag repeated \\[default: every coherent cell of the "
                                                    "fine grid].",
                                                    show_default=False)] = None,
    tasks: Annotated[list[str] | None, typer.Option("--tasks", help="Task names, several after one flag, "
                                                    "repeated or comma-separated "
                                                    "\\[default: parity, permutation].", show_default=False)] = None,
    seeds: Annotated[int, typer.Option(help="Seeds per cell and task (0..N-1).", min=1)] = 1,
    steps: Annotated[int, typer.Option(help="Training steps per run (the budget).", min=1)] = DEFAULT_STEPS,
    db: Annotated[Path, typer.Option(help="SQLite results store; runs already in it are skipped.")] = Path("bench.db"),
    plot: Annotated[Path | None, typer.Option(help="Draw accuracy by length (mean and 95% interval over seeds) "
                                              "and depth cells' frontiers to FILE.png.", show_default=False)] = None,
    workers: Annotated[int | None, typer.Option(help="Runs at once, each a single-thread training in its own "
                                                "process \\[default: 1].", min=1, show_default=False)] = None,
    workdir: Annotated[Path | None, typer.Option(help="Where the cells are scaffolded \\[default: a temporary "
                                                 "folder].", show_default=False)] = None,
    as_json: JsonOpt = False,
) -> None:
    """Train and evaluate a matrix of cells x tasks x seeds; resumable; results in SQLite (an experiment)."""
    from ..errors import ProblemsFound
    from ..training import require_torch

    require_torch("rt-explore bench")
    from ..experiments.bench import run_bench
    from ..experiments.report import build_report

    with progress_bars() as progress:
        overall = progress.add_task("bench", total=None, status="")

        def on_event(event) -> None:
            if event.kind == "planned":
                progress.update(overall, total=event.total)
            else:
                what = f"{event.run.label} / {event.run.task} / seed {event.run.seed}"
                progress.update(overall, completed=event.done, status=f"{what}: {event.status or 'started'}")

        experiment, report = run_bench(_split(cells, False), _split(tasks, True), seeds, db, steps, workers=workers,
                                       workdir=workdir, on_event=on_event)
    data = build_report(experiment, db)
    plots = []
    if plot is not None and data["runs"]["ok"]:
        from ..experiments.figures import plot_report

        plots.append(plot_report(data, plot))
    if as_json:
        emit_json({**report.to_dict(), "plots": [str(p) for p in plots], "results": _bench_rows(data)})
    else:
        _print_bench(data, report, db, plots)
    if report.errors:
        run, why = report.errors[0]
        raise ProblemsFound(f"{len(report.errors)} run(s) failed; first: {run.label} on {run.task}: {why}")


def _bench_rows(data: dict) -> list[dict]:
    """One row per cell and task: n, train accuracy and scaled accuracy at the longest length, with intervals."""
    rows = []
    for r in data["results"]:
        longest = list(r["by_length"])[-1]
        at = r["by_length"][longest]
        rows.append({"label": r["label"], "task": r["task"], "n": r["ok"], "diverged": r["diverged"],
                     "missing": r["missing"], "chance": r["chance"], "train_accuracy": r["train_accuracy"],
                     "length": int(longest), "accuracy": at["headline"], "scaled": at["scaled"],
                     "succeeded": at["succeeded"], "seconds": r["seconds"]})
    return rows


def _print_bench(data: dict, report, db: Path, plots: list[Path]) -> None:
    from rich.table import Table

    from ..experiments.markdown import interval_text

    table = Table(title=f"{report.total} runs in {db} ({report.stored} new, {report.skipped} already stored); "
                  "mean [95% interval] over n seeds", title_justify="left")
    for column in ("cell", "task", "n", "train acc", "test acc (length)", "scaled", "succeeded", "s/run"):
        table.add_column(column, justify="left" if column in ("cell", "task") else "right")
    for r in _bench_rows(data):
        n = f"{r['n']}" + (f" (+{r['diverged']} diverged)" if r["diverged"] else "")
        table.add_row(r["label"], r["task"], n, interval_text(r["train_accuracy"]),
                      f"{interval_text(r['accuracy'])} ({r['length']})", interval_text(r["scaled"]),
                      f"{r['succeeded']}/{r['n']}", interval_text(r["seconds"], 0))
    out = console()
    out.print(table)
    for run, why in report.diverged:
        out.print(f"diverged: {run.label} on {run.task}, seed {run.seed}: {why}", markup=False)
    for run, why in report.errors:
        out.print(f"failed: {run.label} on {run.task}, seed {run.seed}: {why}", markup=False)
    for path in plots:
        out.print(f"wrote {path}")


@app.command()
def tasks(as_json: JsonOpt = False) -> None:
    """The toy tasks: their parameters, lengths, chance level and what each probes (no torch needed)."""
    from ..tasks import describe_tasks

    described = describe_tasks()
    if as_json:
        emit_json(described)
        return
    from .output import Column, print_table

    rows = []
    for t in described:
        train_lengths = t["train_lengths"]
        span = f"{train_lengths[0]}..{train_lengths[-1]}" if len(train_lengths) > 1 else str(train_lengths[0])
        rows.append((t["name"], f"{t['summary']}\n{t['probes']}", f"{span} ({t['length_name']})",
                     ", ".join(map(str, t["test_lengths"])), f"{t['chance']:.3g}",
                     ", ".join(f"{k}={v}" for k, v in t["params"].items()) or "-"))
    columns = (Column("task"), Column("what it is / what it probes", wrap=True), Column("train lengths", drop=3),
               Column("test lengths", drop=2, wrap=True), Column("chance", drop=4), Column("params", drop=1, wrap=True))
    print_table(columns, rows, title=f"{len(described)} toy tasks", show_lines=True)
