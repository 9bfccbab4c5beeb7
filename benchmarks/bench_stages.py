"""Multi-stage training of recurrence on CPU: feedforward pretraining, then recurrence, against recurrent throughout.

Claim under test ("The Topological Trouble With Transformers", arXiv 2604.17121, Sec. 5.5, "Efficient
training of recurrence"): a recurrent model can be pretrained as a parallel feedforward model and its
recurrence switched on later, which saves wall-clock time; the question is what it costs in accuracy.
For the latent-thought cell the schedule that raises the latent steps stage by stage is the curriculum of
Coconut (Hao et al. 2024, "Training Large Language Models to Reason in a Continuous Latent Space", arXiv
2412.06769, Sec. 3).

For each cell (depth/sequence with 4 depth iterations, depth+step/latent with 2 latent steps, both with
default options), each schedule (recurrent from the start; feedforward for a fraction of the steps, then
recurrent; the curriculum) and each seed, a fresh project is trained with `rt_explore.training.train` for
the same total number of steps on the same data, on running parity (the simplest state-tracking task).
The baseline runs with the one-stage schedule `recurrent`, which trains exactly as no schedule does, so
every run's training time is measured the same way: the stage records (forward, backward, optimiser; no
evaluation), in wall-clock seconds and in this process's CPU seconds (which the other jobs of a shared
machine do not inflate).

Writes docs/stages.json, docs/stages.md and docs/stages.png.
Run: nice -n 10 python benchmarks/bench_stages.py [--steps N] [--pretrain FRACTION] [--seeds N] [--replot]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from statistics import mean

import torch

ROOT = Path(__file__).resolve().parent.parent
CELLS = ("depth/sequence", "depth+step/latent")
TASK, TASK_PARAMS = "parity", {"max_train_length": 8}  # short sequences: the latent cell runs token by token
BATCH_SIZE, LR = 32, 3e-3
EVAL_BATCHES, EVAL_BATCH_SIZE = 1, 256
PARAMS_TEXT = ", ".join(f"`{k}={v}`" for k, v in TASK_PARAMS.items())
SHORT = {"recurrence_steps": "R", "latent_steps": "latent"}  # bar labels


def schedules(steps: int, pretrain: float) -> list[tuple[str, str]]:
    """(label, --stages text) for every compared schedule; the first is the baseline."""
    first = round(steps * pretrain)
    return [("recurrent from the start", "recurrent"),
            (f"feedforward {first}, then recurrent", f"feedforward:{first},recurrent"),
            ("curriculum (+1 per stage)", "curriculum")]


def run_cell(cell: str, folder: Path, steps: int, pretrain: float, seeds: int) -> list[dict]:
    from rt_explore.codegen import generate, spec_from_cell
    from rt_explore.tasks import get_task
    from rt_explore.taxonomy import load_taxonomy
    from rt_explore.training.loop import train
    from rt_explore.training.project import load_project
    from rt_explore.training.stages import project_stages

    generate(spec_from_cell(cell, load_taxonomy(), {}, None), folder, force=True)
    project = load_project(folder)
    task = get_task(TASK, **TASK_PARAMS)
    runs = []
    for seed in range(seeds):
        baseline = None  # this seed's run of the first schedule, recurrent from the start
        for label, text in schedules(steps, pretrain):
            started = time.perf_counter()
            result = train(project, task, steps=steps, seed=seed, batch_size=BATCH_SIZE, lr=LR, threads=1,
                           eval_batches=EVAL_BATCHES, eval_batch_size=EVAL_BATCH_SIZE,
                           stages=project_stages(project, text, steps))
            data = result.to_dict()
            run = {"cell": cell, "schedule": label, "stages_option": text, "seed": seed, "options": data["options"],
                   "stages": data["stages"], "train_seconds": round(sum(s["seconds"] for s in data["stages"]), 2),
                   "train_cpu_seconds": round(sum(s["cpu_seconds"] for s in data["stages"]), 2),
                   "wall_seconds": round(time.perf_counter() - started, 1), "final_loss": data["final_loss"],
                   "loss_curve": data["loss_curve"], "train_accuracy": data["train_accuracy"],
                   "test_accuracy": data["test_accuracy"], "test_accuracy_new": data["test_accuracy_new"],
                   "chance": data["chance"]}
            baseline = baseline or run
            run["saving"] = round(1 - run["train_seconds"] / baseline["train_seconds"], 3)
            run["cpu_saving"] = round(1 - run["train_cpu_seconds"] / baseline["train_cpu_seconds"], 3)
            runs.append(run)
            longest = max(data["test_accuracy_new"], key=int)
            print(f"{cell:18s} seed {seed} {label:34s} train {run['train_seconds']:6.1f} s "
                  f"(cpu {run['train_cpu_seconds']:6.1f})  loss {run['final_loss']:.4f}  train acc "
                  f"{run['train_accuracy']:.3f}  acc@{longest} past the train length "
                  f"{run['test_accuracy_new'][longest]:.3f}", flush=True)
    return runs


def groups(report: dict) -> list[dict]:
    """One row per (cell, schedule): means over the seeds, and each seed's runs."""
    rows = []
    for cell in CELLS:
        for label, _ in schedules(report["steps"], report["pretrain"]):
            runs = [r for r in report["runs"] if r["cell"] == cell and r["schedule"] == label]
            first = runs[0]
            stages = [{**s, "seconds": mean(r["stages"][i]["seconds"] for r in runs),
                       "cpu_seconds": mean(r["stages"][i]["cpu_seconds"] for r in runs)}
                      for i, s in enumerate(first["stages"])]
            rows.append({"cell": cell, "schedule": label, "stages_option": first["stages_option"], "runs": runs,
                         "stages": stages, "chance": first["chance"],
                         **{key: mean(r[key] for r in runs) for key in (
                             "train_seconds", "train_cpu_seconds", "saving", "cpu_saving", "final_loss",
                             "train_accuracy")},
                         "new": {n: mean(r["test_accuracy_new"][str(n)] for r in runs)
                                 for n in report["new_lengths"]}})
    return rows


def plot(report: dict, path: Path) -> Path:
    from rt_explore.training.plots import pyplot, save_figure

    plt = pyplot()
    rows = groups(report)
    fig, axes = plt.subplots(2, 2, figsize=(13, 8.5))
    labels = [f"{r['cell']}\n{r['schedule']}" for r in rows]
    colours = {"feedforward": "#9ecae1", "recurrent": "#08519c"}
    ax = axes[0][0]
    pad = 0.01 * max(r["train_seconds"] for r in rows)
    for i, row in enumerate(rows):
        bottom = 0.0
        for stage in row["stages"]:
            colour = colours.get(stage["name"], "#4292c6")
            ax.barh(i, stage["seconds"], left=bottom, color=colour, edgecolor="white")
            if stage["seconds"] > 12 * pad:
                ax.text(bottom + stage["seconds"] / 2, i, f"{SHORT[stage['field']]}={stage['value']}",
                        ha="center", va="center", fontsize=7, color="white" if stage["name"] == "recurrent" else "k")
            bottom += stage["seconds"]
        note = (f" ({less(row['saving'])}; cpu {less(row['cpu_saving'])})" if row["stages_option"] != "recurrent"
                else " (baseline)")
        ax.text(bottom + pad, i, f"{bottom:.1f} s{note}", va="center", fontsize=8)
    ax.set_yticks(range(len(rows)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("training seconds, wall-clock (stacked by stage; saving against recurrent from the start)")
    ax.set_title(f"training time, {report['steps']} steps each (mean of {report['seeds']} seeds)")
    ax.set_xlim(0, max(r["train_seconds"] for r in rows) * 1.6)

    ax = axes[0][1]
    top = report["train_lengths"][-1]
    series = [(f"train lengths {report['train_lengths'][0]}-{top}", lambda r: r["train_accuracy"],
               lambda run: run["train_accuracy"])]
    series += [(f"length {n}: positions {top + 1}-{n}", lambda r, n=n: r["new"][n],
                lambda run, n=n: run["test_accuracy_new"][str(n)]) for n in report["new_lengths"]]
    width = 0.8 / len(series)
    for j, (name, value, per_run) in enumerate(series):
        ys = [i + (j - (len(series) - 1) / 2) * width for i in range(len(rows))]
        ax.barh(ys, [value(r) for r in rows], height=width, label=name)
        for y, row in zip(ys, rows, strict=True):
            ax.plot([per_run(run) for run in row["runs"]], [y] * len(row["runs"]), "k.", markersize=3)
    ax.axvline(rows[0]["chance"], color="grey", linestyle="--", linewidth=1, label="chance")
    ax.set_yticks(range(len(rows)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("accuracy (bars: mean over seeds, dots: each seed; test lengths: new positions only)")
    ax.set_title(f"final accuracy on {TASK}")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=4)

    for ax, cell in zip(axes[1], CELLS, strict=True):
        for row in [r for r in rows if r["cell"] == cell]:
            curve = torch.tensor([run["loss_curve"] for run in row["runs"]]).mean(dim=0)  # mean over seeds
            window = min(20, len(curve))
            smooth = curve.unfold(0, window, 1).mean(dim=1)  # the mean of steps s - window + 1 .. s
            ax.plot(range(window, len(curve) + 1), smooth.tolist(), label=row["schedule"])
            for stage in row["stages"][1:]:
                ax.axvline(stage["first_step"], color=ax.lines[-1].get_color(), linestyle=":", linewidth=1)
        ax.set_title(f"{cell}: training loss (mean of {report['seeds']} seeds)")
        ax.set_xlabel(f"optimiser step ({window}-step running mean; dotted: stage switches)")
        ax.set_ylabel("loss")
        ax.legend(fontsize=7)
    fig.suptitle("Multi-stage training of recurrence: feedforward pretraining and a Coconut-style curriculum")
    fig.tight_layout()
    return save_figure(fig, path)


def markdown(report: dict) -> str:
    steps, first = report["steps"], round(report["steps"] * report["pretrain"])
    top, new = report["train_lengths"][-1], report["new_lengths"]
    rows = groups(report)
    accuracy_columns = " | ".join(f"{n}: {top + 1}-{n}" for n in new)
    lines = [
        "# Multi-stage training of recurrence",
        "",
        "Generated by `benchmarks/bench_stages.py`; do not edit by hand.",
        "",
        "## Efficient training of recurrence: multi-stage training",
        "",
        "Claim (\"The Topological Trouble With Transformers\", arXiv 2604.17121, Sec. 5.5): pretraining a recurrent "
        "model as a parallel feedforward one and switching the recurrence on later saves wall-clock time. For the "
        "latent-thought cell, raising the latent steps stage by stage is Coconut's curriculum (Hao et al. 2024, "
        "arXiv 2412.06769, Sec. 3). Every run of a seed has the same total number of optimiser steps, initial "
        "weights and data; only the recurrence setting differs between steps.",
        "",
        "What \"feedforward\" means (one place in code: `KNOBS` in `rt_explore/training/stages.py`): for "
        "depth/sequence, `recurrence_steps=1`, one pass through the shared stack, a plain transformer over all "
        "positions in parallel; for depth+step/latent, `latent_steps=0`, no continuous thoughts, which "
        "`LatentThoughts` then runs over all positions at once instead of token by token.",
        "",
        "Commands: the benchmark, then the same schedules from the command line (with the benchmark's task "
        f"parameters, {PARAMS_TEXT}, given with `-p`):",
        "",
        "```",
        f"nice -n 10 python benchmarks/bench_stages.py --steps {steps} --pretrain {report['pretrain']} "
        f"--seeds {report['seeds']}",
    ]
    for cell in CELLS:
        folder = cell.replace("/", "-").replace("+", "-")
        lines.append(f"rt-explore scaffold --cell {cell} --out {folder}")
        for _, text in schedules(steps, report["pretrain"]):
            params = " ".join(f"-p {k}={v}" for k, v in TASK_PARAMS.items())
            lines.append(f"rt-explore train {folder} --task {TASK} {params} --steps {steps} --stages {text} --json")
    lines += [
        "```",
        "",
        f"![training seconds, accuracy and loss curves by schedule]({report['png']})",
        "",
        f"Means over {report['seeds']} seeds:",
        "",
        f"| cell | schedule | stages (field value: steps) | training s | cpu s | saving | cpu saving | final loss "
        f"| train acc | {accuracy_columns} |",
        "|---|---|---|---|---|---|---|---|---|" + "---|" * len(new),
    ]
    for r in rows:
        stages = ", ".join(f"{s['value']}: {s['steps']}" for s in r["stages"])
        lines.append(f"| {r['cell']} | {r['schedule']} | {r['stages'][0]['field']} {stages} | "
                     f"{r['train_seconds']:.1f} | {r['train_cpu_seconds']:.1f} | {r['saving']:.0%} | "
                     f"{r['cpu_saving']:.0%} | {r['final_loss']:.4f} | {r['train_accuracy']:.3f} | "
                     + " | ".join(f"{r['new'][n]:.3f}" for n in new) + " |")
    lines += [
        "",
        "*training s*, *cpu s*: the stages' wall-clock and CPU seconds (forward, backward, optimiser; no "
        "evaluation); *saving*: 1 - training s / training s of *recurrent from the start* (same cell and seed), "
        f"then averaged; *train acc*: mean over the train lengths {report['train_lengths'][0]}..{top}; "
        f"*N: {top + 1}-N*: accuracy at length N on the positions past the longest train length only (chance "
        f"{rows[0]['chance']:.2f}).",
        "",
        report["summary"],
        "",
        "A feedforward step is not free: the embedding, the head, the optimiser and the data cost the same at "
        "every step, so the saving stays below the share of the recurrent work that is skipped. The loss curves "
        "show what a switch costs: a jump when the recurrence (or another latent step) is switched on, which the "
        "following steps have to recover.",
        "",
        "Every run:",
        "",
        f"| cell | schedule | seed | training s | cpu s | final loss | train acc | {accuracy_columns} |",
        "|---|---|---|---|---|---|---|" + "---|" * len(new),
    ]
    for r in report["runs"]:
        lines.append(f"| {r['cell']} | {r['schedule']} | {r['seed']} | {r['train_seconds']:.1f} | "
                     f"{r['train_cpu_seconds']:.1f} | {r['final_loss']:.4f} | {r['train_accuracy']:.3f} | "
                     + " | ".join(f"{r['test_accuracy_new'][str(n)]:.3f}" for n in new) + " |")
    lines += [
        "",
        "## Configuration",
        "",
        f"- Cells: {', '.join(CELLS)}, default options ({'; '.join(report['options'])}).",
        f"- Task: `{TASK}` with {PARAMS_TEXT} (train lengths {report['train_lengths'][0]}..{top}, test lengths "
        f"{', '.join(map(str, report['test_lengths']))}); the latent cell runs token by token, so short "
        "sequences keep the benchmark within minutes.",
        f"- Training: `rt_explore.training.train(project, task, steps={steps}, seed=SEED, batch_size={BATCH_SIZE}, "
        f"lr={LR}, stages=project_stages(project, STAGES, {steps}))`: AdamW, one warmup + cosine schedule over "
        "all the steps (not restarted per stage, and the optimiser state is kept; Coconut resets the optimiser "
        "at each stage), one torch thread.",
        f"- Schedules: `recurrent` (baseline); `feedforward:{first},recurrent` ({report['pretrain']:.0%} of the steps "
        "feedforward); `curriculum` (feedforward, then +1 per stage up to the configured value, equal stages).",
        f"- Evaluation: {EVAL_BATCHES * EVAL_BATCH_SIZE} fresh sequences per length, with the configured recurrence.",
        f"- Seeds 0..{report['seeds'] - 1}: with this few, differences of a few points of accuracy are noise.",
        f"- Machine: {report['machine']}. Wall time of the whole benchmark {report['wall_seconds']:.0f} s. The "
        "machine was shared with other jobs, so wall-clock seconds are noisy; CPU seconds are the steadier measure.",
        "",
    ]
    return "\n".join(lines)


def less(saving: float) -> str:
    """A saving as words: 0.25 -> '25% less', -0.04 -> '4% more'."""
    return f"{saving:.0%} less" if saving >= 0 else f"{-saving:.0%} more"


def summary(report: dict) -> str:
    parts = []
    longest = report["new_lengths"][-1]
    rows = groups(report)
    for cell in CELLS:
        base, *staged = [r for r in rows if r["cell"] == cell]
        for r in staged:
            parts.append(f"{cell}, {r['schedule']}: {less(r['saving'])} wall-clock training time "
                         f"({less(r['cpu_saving'])} CPU time) than recurrent from the start; train accuracy "
                         f"{r['train_accuracy']:.3f} against {base['train_accuracy']:.3f}, accuracy at length "
                         f"{longest} past the train length {r['new'][longest]:.3f} against "
                         f"{base['new'][longest]:.3f}.")
    return " ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=400, help="optimiser steps of every run")
    parser.add_argument("--pretrain", type=float, default=0.5, help="fraction of the steps trained feedforward")
    parser.add_argument("--seeds", type=int, default=2, help="seeds 0..N-1")
    parser.add_argument("--out", default=str(ROOT / "docs" / "stages"), help="output path without suffix")
    parser.add_argument("--replot", action="store_true", help="redraw the png and md from the json")
    args = parser.parse_args()
    torch.set_num_threads(1)
    out = Path(args.out)

    from rt_explore.tasks import get_task
    from rt_explore.training.metrics import write_json_atomically

    if args.replot:
        report = json.loads(out.with_suffix(".json").read_text())
    else:
        started = time.perf_counter()
        runs = []
        with tempfile.TemporaryDirectory(prefix="stages-") as tmp:
            for i, cell in enumerate(CELLS):
                runs += run_cell(cell, Path(tmp) / f"c{i}", args.steps, args.pretrain, args.seeds)
        options = []
        for cell in CELLS:
            chosen = next(r for r in runs if r["cell"] == cell)["options"]
            options.append(f"{cell}: " + ", ".join(f"{k}={v}" for k, v in chosen.items() if k in (
                "dim", "n_layers", "n_heads", "recurrence_steps", "latent_steps")))
        task = get_task(TASK, **TASK_PARAMS)
        report = {"steps": args.steps, "pretrain": args.pretrain, "seeds": args.seeds, "task": TASK,
                  "task_params": task.params(), "train_lengths": list(task.train_lengths),
                  "test_lengths": list(task.test_lengths),
                  "new_lengths": sorted(n for n in set(task.test_lengths) if n > max(task.train_lengths)),
                  "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores (shared), "
                             f"torch {torch.__version__}, 1 thread",
                  "options": options, "runs": runs,
                  "wall_seconds": round(time.perf_counter() - started, 1), "png": out.with_suffix(".png").name}
        report["summary"] = summary(report)
        write_json_atomically(out.with_suffix(".json"), report)
    plot(report, out.with_suffix(".png"))
    out.with_suffix(".md").write_text(markdown(report), encoding="utf-8")
    print(report["summary"])
    print(f"wrote {out.with_suffix('.json')}, {out.with_suffix('.md')} and {out.with_suffix('.png')}")


if __name__ == "__main__":
    main()
