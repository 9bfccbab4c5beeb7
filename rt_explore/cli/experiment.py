"""Experiment commands: list, show, run, status, report, index (rt_explore.experiments).

A NAME is a built-in experiment (`rt-explore experiment list`) or the path of a YAML file. A bad file is
one line naming the file, line and field, exit 2, before anything runs or is written. Progress goes to
stderr, and only on a terminal, so that stdout stays clean for `--json`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .app import Settings, app
from .output import Column, console, emit_json, print_fields, print_table, progress_bars

experiment_app = typer.Typer(help="Experiments as data: variants x tasks x seeds through the results store, "
                             "with intervals over seeds and a report.", no_args_is_help=True)
app.add_typer(experiment_app, name="experiment")

NameArg = Annotated[str, typer.Argument(metavar="NAME", help="A built-in experiment or the path of a YAML file.",
                                        show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")]
DbOpt = Annotated[Path, typer.Option("--db", help="The SQLite results store.")]
SeedsOpt = Annotated[int | None, typer.Option("--seeds", help="Seeds 0..N-1 instead of the experiment's own.",
                                              min=1, show_default=False)]
DEFAULT_DB = Path("experiments.db")
DEFAULT_REPORTS = Path("docs/experiments")


def _load(name: str):
    from ..experiments.plan import load_experiment

    return load_experiment(name, Settings.catalog_dirs)


def _seeds(count: int | None):
    from ..experiments.runner import check_seeds

    return check_seeds(count)


@experiment_app.command("list")
def list_experiments(as_json: JsonOpt = False) -> None:
    """The built-in experiments: name, title, matrix size (no torch needed)."""
    from ..experiments.plan import BUILTIN_DIR, builtin_names
    from ..experiments.schema import read_experiment_file

    found = []
    for name in builtin_names():
        file = read_experiment_file(BUILTIN_DIR / f"{name}.yaml")
        runs = sum(len(t.variants or file.variants) for t in file.tasks) * len(file.seeds)
        found.append({"name": name, "title": file.title, "variants": len(file.variants), "tasks": len(file.tasks),
                      "seeds": len(file.seeds), "runs": runs, "steps": file.budget["steps"]})
    if as_json:
        emit_json(found)
        return
    print_table((Column("name"), Column("title", wrap=True), Column("variants", drop=2, justify="right"),
                 Column("tasks", drop=3, justify="right"), Column("seeds", drop=4, justify="right"),
                 Column("runs", drop=1, justify="right")),
                [(e["name"], e["title"], str(e["variants"]), str(e["tasks"]), str(e["seeds"]), str(e["runs"]))
                 for e in found], title=f"{len(found)} built-in experiments")


@experiment_app.command()
def show(name: NameArg, as_json: JsonOpt = False) -> None:
    """An experiment resolved: its claim, variants (cell and options), tasks (parameters), seeds, budget."""
    from ..experiments.report import describe

    data = describe(_load(name))
    if as_json:
        emit_json(data)
        return
    fields = [("question", data["question"])]
    fields += [(f"claim {c['id']}", f"{c['text']} ({c['paper']}; {c.get('arxiv') or c.get('url')}). "
                f"Published: {c['figure']}") for c in data["claims"]]
    fields += [(f"variant {v['id']}", f"{v['label']}: {v['scaffold']} {v['options_text']}".rstrip()
                + (f"; training {v['training_text']}" if v["training_text"] else ""))
               for v in data["variants"]]
    fields += [(f"task {t['id']}", f"{t['name']} ({t['params_text']}); train {t['train_lengths'][0]}-"
                f"{t['train_lengths'][1]}, test {', '.join(map(str, t['test_lengths']))}; variants "
                f"{', '.join(t['variants'])}" + (f"; measures {t['measures_text']}" if t["measures_text"] else ""))
               for t in data["tasks"]]
    fields += [("seeds", ", ".join(map(str, data["seeds"]))),
               ("budget", ", ".join(f"{k} {v}" for k, v in data["budget"].items())),
               ("measures", ", ".join(data["measures"])), ("runs", str(data["runs"]))]
    fields += [(f"comparison {i + 1}", c) for i, c in enumerate(data["comparisons"])]
    print_fields([data["title"], data["file"]], fields)


@experiment_app.command()
def run(
    name: NameArg,
    seeds: SeedsOpt = None,
    workers: Annotated[int | None, typer.Option("--workers", help="Runs at once: N single-thread trainings in "
                                                "separate processes \\[default: 1; with Ray, every CPU of the "
                                                "cluster].", min=1, show_default=False)] = None,
    executor: Annotated[str, typer.Option("--executor", help="local (this machine) or ray (Ray tasks on a "
                                          "cluster).")] = "local",
    address: Annotated[str | None, typer.Option("--address", help="The Ray cluster's address \\[default: "
                                                "RAY_ADDRESS, else Ray's own].", show_default=False)] = None,
    db: DbOpt = DEFAULT_DB,
    as_json: JsonOpt = False,
) -> None:
    """Run the experiment's matrix; resumable; every finished run stored once in the results store."""
    from ..errors import ProblemsFound
    from ..experiments.executors import check_executor
    from ..experiments.runner import run_experiment

    experiment = _load(name)
    chosen = _seeds(seeds)
    check_executor(executor, workers, address)
    with progress_bars(eta=True) as progress:
        bar = progress.add_task(experiment.name, total=None, status="")

        def on_event(event) -> None:
            if event.kind == "planned":
                stored = f" ({event.skipped} already stored)" if event.skipped else ""
                progress.update(bar, total=event.total, description=f"{experiment.name}{stored}")
                return
            run = event.run
            what = f"{run.variant} / {run.task} / seed {run.seed}"
            status = "started" if event.kind == "started" else event.status
            progress.update(bar, completed=event.done, status=f"{what}: {status}")

        report = run_experiment(experiment, db, seeds=chosen, workers=workers, executor=executor,
                                address=address, on_event=on_event)
    if as_json:
        emit_json(report.to_dict())
    else:
        out = console()
        out.print(f"{experiment.name}: {report.total} runs; {report.stored} stored now, {report.skipped} stored "
                  f"before, {len(report.diverged)} diverged, {len(report.errors)} failed, "
                  f"{len(report.elsewhere)} running elsewhere ({report.seconds:.0f} s). Store: {db}")
        for r, why in report.diverged:
            out.print(f"[yellow]diverged[/yellow]: {r.variant} on {r.task}, seed {r.seed}: {why}", markup=True)
        for r, why in report.errors:
            out.print(f"[red]failed[/red]: {r.variant} on {r.task}, seed {r.seed}: {why}", markup=True)
    if report.errors:
        r, why = report.errors[0]
        raise ProblemsFound(f"{len(report.errors)} run(s) failed; first: {r.variant} on {r.task}, seed {r.seed}: {why}")


@experiment_app.command()
def status(name: NameArg, seeds: SeedsOpt = None, db: DbOpt = DEFAULT_DB, as_json: JsonOpt = False) -> None:
    """Where each run of the matrix stands: done, diverged, failed, running, to do."""
    from ..experiments.runner import STATUSES, experiment_status

    found = experiment_status(_load(name), db, _seeds(seeds))
    if as_json:
        emit_json([{"variant": r.variant, "task": r.task, "seed": r.seed, "key": r.key, "status": s, "reason": why}
                   for r, s, why in found])
        return
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for r, s, _ in found:
        counts.setdefault((r.variant, r.task), dict.fromkeys(STATUSES, 0))[s] += 1
    total = {s: sum(1 for _, t, _ in found if t == s) for s in STATUSES}
    notes = [f"{why}: {r.variant} on {r.task}, seed {r.seed}" for r, s, why in found if s == "failed"]
    print_table((Column("variant"), Column("task"), *(Column(s, justify="right") for s in STATUSES)),
                [(v, t, *(str(c[s]) for s in STATUSES)) for (v, t), c in counts.items()],
                title=f"{name}: " + ", ".join(f"{total[s]} {s}" for s in STATUSES) + f" ({db})", notes=notes)


@experiment_app.command()
def report(
    name: NameArg,
    db: DbOpt = DEFAULT_DB,
    out: Annotated[Path | None, typer.Option("-o", "--out", help="Folder for NAME.md, NAME.json and NAME.png "
                                             "\\[default: docs/experiments, and docs/results.md is refreshed].",
                                             show_default=False)] = None,
    seeds: SeedsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write the report (claim, configuration, tables with intervals, verdicts, figure) from the store alone."""
    from ..experiments.index import write_index
    from ..experiments.report import write_report

    experiment = _load(name)
    folder = out if out is not None else DEFAULT_REPORTS
    written = write_report(experiment, db, folder, _seeds(seeds))
    if out is None:
        written.append(write_index(folder, folder.parent / "results.md"))
    if as_json:
        emit_json({"written": [str(p) for p in written]})
        return
    for path in written:
        console().print(f"wrote {path}")


@experiment_app.command()
def index(
    reports: Annotated[Path, typer.Option("--reports", help="The folder of experiment reports and their stores "
                                          "(NAME.md, NAME.json, NAME.db).")] = DEFAULT_REPORTS,
    out: Annotated[Path, typer.Option("-o", "--out", help="The index to write.")] = Path("docs/results.md"),
    readme: Annotated[Path | None, typer.Option(
        "--readme", help="Also rewrite this Markdown file's figures blocks, the lines between "
        "'<!-- figures: NAME -->' and '<!-- /figures -->' (NAME a built-in experiment), from the stores "
        "REPORTS/NAME.db; the rest of the file is left as it is.", show_default=False)] = None,
) -> None:
    """Write the index of the experiment reports (docs/results.md); with --readme README.md, also the
    README's figures blocks (each experiment's comparisons with intervals, n and verdicts) from the stores.

    A bad marker (an unknown experiment, a block never closed) is one line, exit 2, and nothing is written.
    """
    from ..experiments.index import write_index

    if readme is not None:
        from ..experiments.readme import builtin_loader, update_readme

        done = update_readme(readme, reports, builtin_loader(Settings.catalog_dirs))
        changed, unchanged = done["changed"], done["unchanged"]
        if changed:
            console().print(f"rewrote {readme}: figures blocks {', '.join(changed)}"
                            + (f" ({len(unchanged)} unchanged)" if unchanged else ""))
        else:
            console().print(f"{readme}: every figures block up to date ({', '.join(unchanged)})"
                            if unchanged else f"{readme}: no figures blocks")
    console().print(f"wrote {write_index(reports, out)}")
