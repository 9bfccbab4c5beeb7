"""The computational frontier of a depth/sequence cell on graph reachability, on CPU.

Claim under test ("Thinking Deeper, Not Longer: Depth-Recurrent Transformers for Compositional
Generalization", Chen 2026, arXiv 2603.21676): a weight-shared block looped in depth answers a k-hop
reachability query only when it is run for enough iterations, so at a fixed number of hops accuracy sits
near chance with too few test-time iterations and rises once the iterations cover the hops.

One project is scaffolded into a temporary folder, trained with `rt_explore.training.train`, and then
evaluated at every test-time iteration count (1 .. twice the trained count, `evaluate.steps_range`) and at
every hop count (the train hops and the test hops of the task), with `evaluate.accuracy_by_length`. Every
iteration count is scored on the same sequences (the evaluation generator is reseeded for each), so the
columns of the table differ only by the number of iterations.

Writes docs/frontier_reachability.json, docs/frontier_reachability.png and docs/frontier_reachability.md.
Run: python benchmarks/bench_frontier.py [--steps N] [--seed N] [--out PATH_WITHOUT_SUFFIX] [--replot]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
# The configuration, pinned here so that a change of the task's or the cell's defaults cannot move the
# figures. One token per edge (edges=tokens) and a self-loop on every chain's tail: one lookup per iteration
# moves the walk one edge, so k hops need k iterations, and iterations past the tail stay there. With the
# `u v ,` triples an iteration is first spent copying each edge's source onto its target, and 15,000 steps
# of a 1-layer loop never composed two hops (the previous version of this report). Two chains keep the
# sequence short (2 * (hops + 1) + 1 tokens); 18 labels are enough for the longest test length (2 chains *
# (8 hops + 1)). Two layers per iteration and no input injection: in 3,000-step trials, re-adding the query
# token at every iteration kept the walk at its start, and one layer per iteration learned one hop only.
CELL = "axis=depth,step_unit=sequence"
OPTIONS = {"dim": 64, "n_layers": 2, "n_heads": 4, "recurrence_steps": 3, "input_injection": False}
TASK = {"answer": "node", "num_chains": 2, "num_nodes": 18, "max_train_length": 2, "edges": "tokens"}
TRAIN = {"steps": 12000, "batch_size": 64, "lr": 2e-3, "seed": 0}
EVAL_BATCHES, EVAL_BATCH_SIZE = 2, 256
EVAL_SEED = 7_000_003


def scaffold(folder: Path):
    """Generate the project (as `rt-explore scaffold --cell CELL -o KEY=VALUE ...`) and load it."""
    from rt_explore.codegen import generate, spec_from_cell
    from rt_explore.taxonomy import load_taxonomy
    from rt_explore.training.project import load_project

    generate(spec_from_cell(CELL, load_taxonomy(), OPTIONS, None), folder, force=True)
    return load_project(folder)


def keeping_models(project, built: list):
    """The project with a Model subclass that records every instance, so the trained model can be probed.

    `train` builds the model itself and returns only the measurements; the subclass consumes the same
    random numbers as the original, so the run is unchanged.
    """
    class Kept(project.model_class):
        def __init__(self, config):
            super().__init__(config)
            built.append(self)

    return dataclasses.replace(project, model_class=Kept)


def frontier_by_hops(model, task, hops: list[int]) -> dict[int, dict[int, float]]:
    """{iterations: {hops: accuracy}} for iterations 1 .. twice the trained count, on the same sequences."""
    from rt_explore.training.evaluate import accuracy_by_length, steps_range

    config = model.config
    trained = config.recurrence_steps
    points = {}
    try:
        for steps in steps_range(trained):
            config.recurrence_steps = steps
            points[steps] = accuracy_by_length(model, task, hops, batches=EVAL_BATCHES, batch_size=EVAL_BATCH_SIZE,
                                               generator=torch.Generator().manual_seed(EVAL_SEED), device="cpu")
    finally:
        config.recurrence_steps = trained
    return points


def plot(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curve = report["frontier"]
    steps = sorted(int(s) for s in curve)
    hops = sorted(int(h) for h in curve[str(steps[0])])
    train_hops = set(report["train_hops"])
    fig, ax = plt.subplots(figsize=(7.0, 4.4))
    colours = plt.get_cmap("viridis")
    for i, h in enumerate(hops):
        ys = [curve[str(s)][str(h)] for s in steps]
        trained = h in train_hops
        ax.plot(steps, ys, "-o" if trained else "--s", color=colours(i / max(1, len(hops) - 1)), markersize=4,
                label=f"{h} hop{'s' * (h > 1)}{' (train)' if trained else ' (test)'}")
    ax.axhline(report["chance"], color="grey", linestyle=":", linewidth=1.2)
    ax.text(steps[-1], report["chance"] - 0.015, f"chance 1/{TASK['num_chains']} (guess a chain's tail)",
            ha="right", va="top", fontsize=8, color="grey")
    ax.axvline(report["trained_recurrence_steps"], color="black", linestyle="-", linewidth=0.8, alpha=0.4)
    ax.text(report["trained_recurrence_steps"] + 0.05, 1.0, "trained iterations", fontsize=8, alpha=0.7, va="top")
    ax.set_xticks(steps)
    ax.set_ylim(0, 1.03)
    ax.set_xlabel("recurrence steps (iterations) at test time")
    ax.set_ylabel("accuracy (answer node)")
    ax.set_title(f"Computational frontier: depth/sequence (n_layers={OPTIONS['n_layers']}) on reachability\n"
                 f"{TASK['num_chains']} chains, {TASK['num_nodes']} nodes; trained on hops "
                 f"{min(train_hops)}-{max(train_hops)} at {report['trained_recurrence_steps']} iterations, "
                 f"{TRAIN['steps']} steps", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=130, bbox_inches="tight")
    plt.close(fig)


def markdown(report: dict) -> str:
    curve = report["frontier"]
    steps = sorted(int(s) for s in curve)
    hops = sorted(int(h) for h in curve[str(steps[0])])
    train_hops = set(report["train_hops"])
    options = " ".join(f"-o {k}={v}" for k, v in OPTIONS.items())
    head = "| iterations | " + " | ".join(f"{h} hop{'s' * (h > 1)}{'' if h in train_hops else ' (test)'}"
                                         for h in hops) + " |"
    lines = [
        "# Computational frontier on graph reachability (depth/sequence)",
        "",
        "Generated by `benchmarks/bench_frontier.py`; do not edit by hand. Figure: `frontier_reachability.png`.",
        "",
        "Claim (\"Thinking Deeper, Not Longer\", Chen 2026, arXiv 2603.21676): at a fixed number of hops, a "
        "depth-recurrent model is near chance with too few iterations and accurate once the iterations cover "
        "the hops.",
        "",
        "## Configuration",
        "",
        f"- Project: `rt-explore scaffold --cell {CELL} {options}` (cell "
        f"`{','.join(f'{k}={v}' for k, v in report['cell'].items())}`; options {report['options']}).",
        f"- Task: `reachability` with {TASK} (train hops {sorted(train_hops)}, test hops "
        f"{report['test_hops']}; chance {report['chance']:.2f}).",
        "- The same run from the command line: `rt-explore train PROJECT --task reachability "
        + " ".join(f"-p {k}={v}" for k, v in TASK.items())
        + f" --steps {TRAIN['steps']} --batch-size {TRAIN['batch_size']} --lr {TRAIN['lr']} --seed {TRAIN['seed']}` "
        "(it prints the frontier at the longest train and test hop counts).",
        f"- Training: `rt_explore.training.train(project, task, steps={TRAIN['steps']}, "
        f"batch_size={TRAIN['batch_size']}, lr={TRAIN['lr']}, seed={TRAIN['seed']})`, one torch thread.",
        f"- Evaluation: {EVAL_BATCHES * EVAL_BATCH_SIZE} fresh sequences per hop count, the same ones for every "
        "iteration count.",
        f"- Command: `python benchmarks/bench_frontier.py`. Machine: {report['machine']}. Wall time "
        f"{report['wall_seconds']:.0f} s (training {report['train_seconds']:.0f} s).",
        "",
        f"Loss {report['first_loss']:.3f} -> {report['final_loss']:.3f}. Accuracy by iterations (rows) and hops "
        f"(columns); the model was trained at {report['trained_recurrence_steps']} iterations (**bold** row):",
        "",
        head,
        "|" + "---|" * (len(hops) + 1),
    ]
    for s in steps:
        label = f"**{s}**" if s == report["trained_recurrence_steps"] else str(s)
        lines.append(f"| {label} | " + " | ".join(f"{curve[str(s)][str(h)]:.3f}" for h in hops) + " |")
    lines += ["", report["summary"], "", "![accuracy against test-time iterations, per hop count]"
              "(frontier_reachability.png)", ""]
    return "\n".join(lines)


def summarise(report: dict) -> str:
    """One paragraph: at each hop count, accuracy at 1 iteration, the best, and the first count reaching it."""
    curve = report["frontier"]
    steps = sorted(int(s) for s in curve)
    parts = []
    for h in sorted(int(h) for h in curve[str(steps[0])]):
        ys = [curve[str(s)][str(h)] for s in steps]
        best = max(ys)
        first = steps[next(i for i, y in enumerate(ys) if y >= best - 0.02)]
        parts.append(f"{h} hop{'s' * (h > 1)}: {ys[0]:.2f} at 1 iteration, {best:.2f} at best (reached at {first})")
    above = [h for h in sorted(int(h) for h in curve[str(steps[0])])
             if max(curve[str(s)][str(h)] for s in steps) > report["chance"] + 0.1]
    verdict = (f"Above chance ({report['chance']:.2f}) by more than 0.1 at some iteration count: "
               f"{', '.join(f'{h} hop' + 's' * (h > 1) for h in above) if above else 'no hop count'}. "
               f"Chance here is a guess among the {TASK['num_chains']} chain tails, which already needs the model "
               "to find the tails; "
               f"a guess among all {TASK['num_nodes']} labels scores {1 / TASK['num_nodes']:.2f}.")
    return "Frontier: " + "; ".join(parts) + ".\n\n" + verdict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=TRAIN["steps"])
    parser.add_argument("--seed", type=int, default=TRAIN["seed"])
    parser.add_argument("--replot", action="store_true", help="rewrite the .png and .md from the .json, no training")
    parser.add_argument("--out", default=str(ROOT / "docs" / "frontier_reachability"), help="path without suffix")
    args = parser.parse_args()
    TRAIN.update(steps=args.steps, seed=args.seed)
    out = Path(args.out)
    if args.replot:
        report = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
        TRAIN.update(report["train"])
        report["summary"] = summarise(report)
        out.with_suffix(".json").write_text(json.dumps(report, indent=2), encoding="utf-8")
        plot(report, out.with_suffix(".png"))
        out.with_suffix(".md").write_text(markdown(report), encoding="utf-8")
        return

    from rt_explore.tasks import get_task
    from rt_explore.training.loop import train
    from rt_explore.training.metrics import write_json_atomically

    torch.set_num_threads(1)
    started = time.perf_counter()
    task = get_task("reachability", **TASK)
    built: list = []
    with tempfile.TemporaryDirectory(prefix="frontier-") as tmp:
        project = keeping_models(scaffold(Path(tmp) / "project"), built)

        def progress(info) -> None:
            if info.step % 250 == 0:
                print(f"step {info.step}: loss {info.loss:.3f}, batch accuracy {info.accuracy:.2f}", flush=True)

        result = train(project, task, on_step=progress, **TRAIN)
        model = built[-1].eval()
        hops = sorted(set(task.train_lengths) | set(task.test_lengths))
        curve = frontier_by_hops(model, task, hops)
    report = {
        "claim": "accuracy at a fixed hop count rises with test-time iterations (arXiv 2603.21676)",
        "cell_spec": CELL, "cell": result.cell, "options": result.options, "task": task.params(), "train": TRAIN,
        "train_hops": list(task.train_lengths), "test_hops": list(task.test_lengths), "chance": task.chance,
        "trained_recurrence_steps": result.trained_recurrence_steps,
        "first_loss": result.first_loss, "final_loss": result.final_loss,
        "train_accuracy_by_hops": {str(k): v for k, v in result.train_accuracy_by_length.items()},
        "test_accuracy_by_hops": {str(k): v for k, v in result.test_accuracy.items()},
        "frontier": {str(s): {str(h): a for h, a in by.items()} for s, by in curve.items()},
        "eval_sequences_per_point": EVAL_BATCHES * EVAL_BATCH_SIZE,
        "train_seconds": result.seconds, "wall_seconds": round(time.perf_counter() - started, 1),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, torch "
                   f"{torch.__version__}, 1 thread",
        "loss_curve": result.loss_curve,
    }
    report["summary"] = summarise(report)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomically(out.with_suffix(".json"), report)
    plot(report, out.with_suffix(".png"))
    out.with_suffix(".md").write_text(markdown(report), encoding="utf-8")
    print(report["summary"])
    print(f"wrote {out}.json, .png and .md in {report['wall_seconds']:.0f} s")


if __name__ == "__main__":
    main()
