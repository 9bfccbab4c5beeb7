"""Probe commands: measurements inside a generated model. `rt-explore probe rank PROJECT_DIR`.

torch is imported by the library calls only, after `require_torch` has said how to install it. Progress
goes to stderr, and only on a terminal, so that stdout stays clean for `--json`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

from .app import app
from .output import console, emit_json, progress_bars

probe_app = typer.Typer(help="Measurements inside a generated model (the rank-collapse and tdnl "
                        "experiments: docs/experiments/).",
                        no_args_is_help=True)
app.add_typer(probe_app, name="probe")

# A table of more rows than this shows every k-th layer (and always the first and the last).
MAX_ROWS = 17


@probe_app.command()
def rank(
    project_dir: Annotated[Path, typer.Argument(metavar="PROJECT_DIR", help="A none-axis project made by "
                                                "rt-explore scaffold.", show_default=False)],
    layers: Annotated[int | None, typer.Option("--layers", help="Rebuild the model with Config(n_layers=N) "
                                               "(default: the project's own).", min=1, show_default=False)] = None,
    train_steps: Annotated[int, typer.Option("--train-steps", help="Also probe after this many training "
                                             "steps (0: initialisation only).", min=0)] = 0,
    task: Annotated[str, typer.Option(help="The task that supplies the probe inputs and the training data.")]
    = "recall",
    batch: Annotated[int, typer.Option(help="Sequences probed (the measures are averaged over them).", min=1)]
    = 16,
    seed: Annotated[int, typer.Option(help="Seed of the initial weights and of the data.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")] = False,
    plot: Annotated[Path | None, typer.Option(help="Draw the four measures by layer to FILE.png.",
                                              show_default=False)] = None,
) -> None:
    """Effective rank (uncentred and centred), mean pairwise cosine and Dong et al.'s residual ratio
    ||X - 1 x^T|| / ||X|| of the token representations after every layer."""
    from ..training import require_torch

    require_torch("rt-explore probe rank")
    from ..errors import UsageError
    from ..probes.plot import SUFFIXES
    from ..probes.rank import probe
    from ..training.project import load_project

    # Refuse a bad plot name before the probe and the training, not after them.
    if plot is not None and plot.suffix.lower() not in SUFFIXES:
        raise UsageError(f"a plot file must end in {', '.join(SUFFIXES)}, got '{plot.name}'")
    project = load_project(project_dir)
    options = {"layers": layers, "batch": batch, "seed": seed, "task": task}
    init = probe(project, **options)
    trained = None
    if train_steps > 0:
        with progress_bars() as progress:
            bar = progress.add_task(f"training {project.spec} on {task}", total=train_steps, status="")
            trained = probe(project, **options, train_steps=train_steps,
                            on_step=lambda step, loss, *_: progress.update(bar, completed=step,
                                                                           status=f"loss {loss:.4f}"))
    n_layers = len(init) - 1
    plotted = None
    if plot is not None:
        from ..probes.plot import plot_rank_profiles

        plotted = plot_rank_profiles({project.name: {"init": init, "trained": trained}}, plot,
                                     title=f"{project.name}: {n_layers} layers, probed on {task}")
    if as_json:
        emit_json({"project": str(project.path), "cell": project.cell, "n_layers": n_layers, "task": task,
                   "batch": batch, "seed": seed, "train_steps": train_steps, "init": init, "trained": trained,
                   "plot": str(plotted) if plotted else None})
        return
    _print_profiles(project, task, init, trained, plotted)


@probe_app.command()
def stability(
    project_dir: Annotated[Path, typer.Argument(metavar="PROJECT_DIR", help="A depth/sequence project made by "
                                                "rt-explore scaffold.", show_default=False)],
    iterations: Annotated[int, typer.Option(help="Iterations to run the loop for (trained with fewer).", min=1)]
    = 32,
    train_steps: Annotated[int, typer.Option("--train-steps", help="Train this many steps first (0: the "
                                             "initial weights).", min=0)] = 0,
    task: Annotated[str, typer.Option(help="The task that supplies the inputs and the training data.")] = "boolean",
    batch: Annotated[int, typer.Option(help="Sequences probed (the measures are averaged over them).", min=1)]
    = 32,
    seed: Annotated[int, typer.Option(help="Seed of the initial weights and of the data.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")] = False,
) -> None:
    """State norm and relative change after every iteration of a depth loop, run past its trained depth."""
    from ..training import require_torch

    require_torch("rt-explore probe stability")
    from ..probes.stability import probe_stability
    from ..training.project import load_project

    project = load_project(project_dir)
    with progress_bars() as progress:
        bar = progress.add_task(f"training {project.spec} on {task}", total=max(train_steps, 1), status="")
        trajectory = probe_stability(project, task=task, iterations=iterations, train_steps=train_steps,
                                     batch=batch, seed=seed,
                                     on_step=lambda step, loss, *_: progress.update(bar, completed=step,
                                                                                    status=f"loss {loss:.4f}"))
    trained = project.options.get("recurrence_steps")
    if as_json:
        emit_json({"project": str(project.path), "cell": project.cell, "task": task, "train_steps": train_steps,
                   "trained_recurrence_steps": trained, "iterations": iterations, "trajectory": trajectory})
        return
    from rich.table import Table

    table = Table(title=f"{project.name}: state along {iterations} iterations (trained with {trained})",
                  caption=f"probed on {task}; norm: mean token ||h_r||; change: mean ||h_r - h_r-1|| / ||h_r-1||",
                  title_justify="left", caption_justify="left")
    for column in ("iteration", "norm", "change"):
        table.add_column(column, justify="right")
    for point in trajectory:
        r = point["iteration"]
        if r <= 8 or r == iterations or r & (r - 1) == 0 or r == trained:
            table.add_row(str(r), f"{point['norm']:.3f}", f"{point['change']:.4f}")
    console().print(table)


def _shown_layers(n_layers: int) -> list[int]:
    every = max(1, math.ceil(n_layers / (MAX_ROWS - 1)))
    return sorted(set(range(0, n_layers + 1, every)) | {n_layers})


def _cells(point: dict) -> list[str]:
    return [f"{point['effective_rank']:.2f}", f"{point['mean_cosine']:.3f}", f"{point['centred_effective_rank']:.2f}",
            f"{point['residual_ratio']:.4f}"]


def _print_profiles(project, task: str, init: list[dict], trained: list[dict] | None, plotted) -> None:
    from rich.table import Table

    n_layers = len(init) - 1
    shown = _shown_layers(n_layers)
    every = "" if len(shown) == n_layers + 1 else f"; one layer in {shown[1]} shown"
    table = Table(title=f"{project.name}: {n_layers} layers, residual {project.cell.get('residual', '?')}",
                  caption=f"probed on {task}; layer 0 is the embedding{every}", title_justify="left",
                  caption_justify="left")
    table.add_column("layer", justify="right")
    for stage in ("init",) + (("trained",) if trained else ()):
        table.add_column(f"eff. rank ({stage})", justify="right")
        table.add_column(f"mean cos ({stage})", justify="right")
        table.add_column(f"c. rank ({stage})", justify="right")
        table.add_column(f"ratio ({stage})", justify="right")
    for layer in shown:
        row = [str(layer), *_cells(init[layer])]
        if trained:
            row += _cells(trained[layer])
        table.add_row(*row)
    out = console()
    out.print(table)
    out.print("[dim]effective rank: exp(entropy of the normalised singular values) of a sequence's tokens; c. rank: "
              "the same of the tokens minus their mean (centred); ratio: ||X - 1 x^T|| / ||X||, x the mean token "
              "(Dong et al., 0 = all tokens equal); all figures are means over the sequences[/dim]")
    if plotted:
        out.print(f"wrote {plotted}")
