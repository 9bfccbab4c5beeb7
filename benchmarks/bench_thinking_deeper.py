"""Thinking Deeper, Not Longer at toy scale: the frontier, the stability of long loops, and three ablations.

Claim under test (Chen 2026, "Thinking Deeper, Not Longer: Depth-Recurrent Transformers for
Compositional Generalization", arXiv 2603.21676): a weight-shared block looped in depth, trained with a
loss on its final output only ("silent thinking"), LayerScale initialisation and identity-biased
recurrence, answers deeper problems when it is given more iterations at test time (the computational
frontier), and its state stays bounded past 20 iterations.

What runs: `rt-explore scaffold --like thinking-deeper-not-longer` (the library calls the CLI makes),
once as the entry gives it, once per ablation, each with `--option`:
- `identity_bias=false`            (no identity-biased recurrence),
- `residual=standard`              (no LayerScale: plain residual branches at full scale),
- `supervision=deep-supervision`   (every iteration decoded and supervised: not silent),
and once trained at a depth drawn from 4..12 for every step (`rt-explore train --random-depth 4:12`).
Each is trained on `boolean` (nested expressions); the entry itself is also trained on `reachability` (one
token per edge, see rt_explore/tasks/reachability.py). Every trained model is scored at test-time iteration
counts 1..MAX_ITERATIONS (ITERATIONS) on the same sequences at every nesting depth / hop count, and its
state norm is traced over MAX_ITERATIONS iterations with `rt_explore.probes.stability.state_trajectory`.

Writes docs/thinking_deeper.json, docs/thinking_deeper.md and docs/thinking_deeper.png.
Run: python benchmarks/bench_thinking_deeper.py [--scale-steps F] [--seed N] [--replot]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "thinking_deeper"
ENTRY = "thinking-deeper-not-longer"
# Pinned here so that a change of the defaults cannot move the figures. The entry gives LayerScale, identity
# bias and a final-only loss; input injection is turned off because the entry does not list it (and, measured
# on reachability, re-adding the query token at every iteration pulls the state back to where it started).
OPTIONS = {"dim": 64, "n_layers": 1, "n_heads": 4, "recurrence_steps": 6, "input_injection": "false"}
RANDOM_DEPTH = "random_depth"  # a training setting among a variant's options, taken out before scaffolding
VARIANTS = {
    "TDNL (all three)": {},
    "no identity bias": {"identity_bias": "false"},
    "no LayerScale": {"residual": "standard"},
    "deep supervision": {"supervision": "deep-supervision"},
    # Not an ablation: the entry as given, trained at a depth drawn from 4..12 for every step
    # (`rt-explore train --random-depth 4:12`), to test whether the loop then holds its answer past 20 iterations.
    "TDNL + random depth 4-12": {RANDOM_DEPTH: "4:12"},
}
# Per task: its parameters, extra options, training steps, and whether the ablations run on it. The ablations
# run on boolean, which the loop learns in minutes; reachability needs two layers per iteration and several
# times the steps before two hops compose (see docs/frontier_reachability.md), so only the entry runs there.
TASKS = {
    "boolean": {"params": {"max_train_length": 4}, "options": {}, "steps": 2000, "ablate": True},
    "reachability": {"params": {"edges": "tokens", "num_chains": 2, "num_nodes": 18, "max_train_length": 2},
                     "options": {"n_layers": 2}, "steps": 8000, "ablate": False},
}
TRAIN = {"batch_size": 64, "lr": 2e-3, "seed": 0}
MAX_ITERATIONS = 32
# Test-time iteration counts scored (each point is a full evaluation; the state norm is traced at every one).
ITERATIONS = (1, 2, 3, 4, 5, 6, 8, 12, 16, 24, 32)
EVAL_BATCH_SIZE = 256
EVAL_SEED = 7_000_003


def build(options: dict, folder: Path, vocab_size: int):
    """Scaffold `--like ENTRY` with the pinned options and the variant's, load it, build a fresh model."""
    from rt_explore.catalog import load_catalog
    from rt_explore.codegen import generate, spec_from_entry
    from rt_explore.training.project import load_project

    catalog = load_catalog()
    spec = spec_from_entry(catalog.get(ENTRY), catalog.taxonomy, options, None)
    generate(spec, folder, force=True)
    project = load_project(folder)
    torch.manual_seed(TRAIN["seed"])
    return project, project.build(vocab_size)


def measure(name: str, variant: dict, task_name: str, folder: Path) -> dict:
    from rt_explore.probes.stability import state_trajectory
    from rt_explore.tasks import get_task
    from rt_explore.training.evaluate import frontier
    from rt_explore.training.loop import fit
    from rt_explore.training.random_depth import RandomDepth, project_depth_range

    setup = TASKS[task_name]
    task = get_task(task_name, **setup["params"])
    options = {k: v for k, v in variant.items() if k != RANDOM_DEPTH}
    project, model = build({**OPTIONS, **setup["options"], **options}, folder, task.vocab_size)
    drawn = None
    if RANDOM_DEPTH in variant:
        drawn = RandomDepth(model.config, project_depth_range(project, variant[RANDOM_DEPTH]), TRAIN["seed"])
    started = time.perf_counter()

    def progress(step, loss, *_):
        if step % 500 == 0:
            print(f"  {name} / {task_name}: step {step}, loss {loss:.3f}", flush=True)

    losses = fit(model, task, on_step=progress, steps=setup["steps"], before_step=drawn, **TRAIN)
    if drawn is not None:
        drawn.finish()  # back to the configured depth for evaluation
    seconds = time.perf_counter() - started
    lengths = sorted(set(task.train_lengths) | set(task.test_lengths))
    curve = frontier(model, task, lengths=lengths, steps=ITERATIONS, reseed=EVAL_SEED,
                     batches=1, batch_size=EVAL_BATCH_SIZE, device="cpu")
    probe = task.batch(64, max(task.test_lengths), torch.Generator().manual_seed(EVAL_SEED + 1))
    trajectory = state_trajectory(model, probe.inputs, MAX_ITERATIONS)
    return {"variant": name, "task": task_name, "task_params": task.params(), "cell": project.cell,
            "options": project.options, "parameters": sum(p.numel() for p in model.parameters()),
            "train_lengths": list(task.train_lengths), "test_lengths": list(task.test_lengths),
            "steps": setup["steps"], "chance": task.chance, "first_loss": losses[0],
            "final_loss": sum(losses[-50:]) / len(losses[-50:]),
            "train_seconds": round(seconds, 1),
            "frontier": {str(s): {str(n): a for n, a in by.items()} for s, by in curve.items()},
            "trajectory": trajectory}


def accuracy(run: dict, iterations: int, length: int) -> float:
    return run["frontier"][str(iterations)][str(length)]


def plot(report: dict, path: Path) -> None:
    from rt_explore.training.plots import pyplot, save_figure

    plt = pyplot()
    runs = report["runs"]
    trained = report["options"]["recurrence_steps"]
    fig, axes = plt.subplots(2, 2, figsize=(12.5, 8.6))
    for ax, task_name in zip(axes[0], report["tasks"], strict=True):
        run = next(r for r in runs if r["task"] == task_name and r["variant"] == next(iter(VARIANTS)))
        steps = sorted(int(s) for s in run["frontier"])
        lengths = sorted(int(n) for n in run["frontier"][str(steps[0])])
        colours = plt.get_cmap("viridis")
        for i, n in enumerate(lengths):
            test = n not in run["train_lengths"]
            ax.plot(steps, [accuracy(run, s, n) for s in steps], "--" if test else "-",
                    color=colours(i / max(1, len(lengths) - 1)), linewidth=1.6,
                    label=f"{n}{' (test)' if test else ''}")
        ax.axhline(run["chance"], color="grey", linestyle=":", linewidth=1)
        ax.axvline(trained, color="black", alpha=0.3, linewidth=0.8)
        ax.set_xscale("log", base=2)
        ax.set_xticks([1, 2, 4, 8, 16, 32], labels=["1", "2", "4", "8", "16", "32"])
        ax.set_ylim(0, 1.03)
        ax.set_xlabel("iterations at test time (log scale; trained at the grey line)")
        ax.set_ylabel("accuracy")
        knob = "hops" if task_name == "reachability" else "nesting depth"
        ax.set_title(f"{task_name}: frontier of --like {ENTRY}\n(one curve per {knob}; dotted: chance)",
                     fontsize=9)
        ax.legend(title=knob, fontsize=7, title_fontsize=8, ncol=2, loc="lower right")
        ax.grid(alpha=0.3)
    ax = axes[1][0]
    styles = {"reachability": "-", "boolean": "--"}
    colours = dict(zip(VARIANTS, ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple"), strict=True))
    for run in runs:
        xs = [p["iteration"] for p in run["trajectory"]]
        ax.plot(xs, [p["norm"] for p in run["trajectory"]], styles[run["task"]], color=colours[run["variant"]],
                label=f"{run['variant']} / {run['task']}")
    ax.axvline(trained, color="black", alpha=0.3, linewidth=0.8)
    ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel("mean token state norm ||h_r|| (log)")
    ax.set_title(f"stability: state norm over {MAX_ITERATIONS} iterations (trained at {trained})", fontsize=9)
    ax.legend(fontsize=7, ncol=2)
    ax.grid(alpha=0.3)
    ax = axes[1][1]
    width = 0.8 / len(VARIANTS)
    groups = [(t, which) for t, setup in report["tasks"].items() if setup["ablate"]
              for which in ("train", "test", "train @32")]
    for i, name in enumerate(VARIANTS):
        ys = []
        for task_name, which in groups:
            run = next(r for r in runs if r["task"] == task_name and r["variant"] == name)
            at = MAX_ITERATIONS if which.endswith("@32") else trained
            ys.append(summary_accuracy(run, at)[which.split()[0]])
        offset = (i - (len(VARIANTS) - 1) / 2) * width
        ax.bar([g + offset for g in range(len(groups))], ys, width, color=colours[name], label=name)
    ax.set_xticks(range(len(groups)), labels=[f"{t}\n{w.split()[0]} lengths, {at}" for t, w in groups
                                              for at in [f"{MAX_ITERATIONS} iterations" if "@" in w
                                                         else f"{trained} iterations"]], fontsize=8)
    ax.set_ylim(0, 1.03)
    ax.set_ylabel("mean accuracy")
    ax.set_title(f"variants: accuracy at the trained {trained} iterations and at {MAX_ITERATIONS}", fontsize=9)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3, axis="y")
    fig.suptitle(f"Thinking Deeper, Not Longer (arXiv 2603.21676) at toy scale: depth/sequence, "
                 f"{report['options']['n_layers']} layer, dim {report['options']['dim']}, "
                 "input injection off", fontsize=10)
    fig.tight_layout()
    save_figure(fig, path)


def summary_accuracy(run: dict, iterations: int) -> dict[str, float]:
    train = [accuracy(run, iterations, n) for n in run["train_lengths"]]
    test = [accuracy(run, iterations, n) for n in run["test_lengths"]]
    return {"train": sum(train) / len(train), "test": sum(test) / len(test)}


def markdown(report: dict) -> str:
    runs, trained = report["runs"], report["options"]["recurrence_steps"]
    lines = [
        "# Thinking Deeper, Not Longer: frontier, stability and ablations",
        "",
        "Generated by `benchmarks/bench_thinking_deeper.py`; do not edit by hand. Figure: `thinking_deeper.png`.",
        "",
        "Claim (Chen 2026, arXiv 2603.21676): a depth-looped block trained on its final output only, with "
        "LayerScale and identity-biased recurrence, is at chance when it has fewer iterations than the problem "
        "needs and accurate once it has enough (the computational frontier), and stays stable past 20 "
        "iterations.",
        "",
        "## Commands",
        "",
        "```",
        f"rt-explore scaffold --like {ENTRY} --out tdnl "
        + " ".join(f"-o {k}={v}" for k, v in OPTIONS.items()),
        "rt-explore train tdnl --task boolean --steps 2000        # prints the frontier at the longest lengths",
        f"rt-explore scaffold --like {ENTRY} --out tdnl-no-ib -o identity_bias=false   # an ablation; also "
        "-o residual=standard, -o supervision=deep-supervision",
        "python benchmarks/bench_thinking_deeper.py                # this report",
        "```",
        "",
        "## Configuration",
        "",
        f"- Options: {report['options']}; cell `{','.join(f'{k}={v}' for k, v in report['cell'].items())}`.",
        "- Tasks: " + "; ".join(f"`{t}` {p}" for t, p in TASKS.items()) + ".",
        f"- Training: `rt_explore.training.fit` with {report['train']}, one torch thread; evaluation on "
        f"{EVAL_BATCH_SIZE} fresh sequences per length, the same ones at every iteration count.",
        f"- Machine: {report['machine']}. Wall time {report['wall_seconds']:.0f} s.",
        "",
        "![frontiers, state norms and ablations](thinking_deeper.png)",
        "",
        "## Accuracy at the trained iteration count, and stability",
        "",
        f"Mean accuracy over the train lengths and over the test lengths at {trained} iterations; train @"
        f"{MAX_ITERATIONS}: over the train lengths at {MAX_ITERATIONS} iterations; best: the best "
        f"test-length mean over {', '.join(map(str, ITERATIONS))} iterations; norm: the mean token state norm at "
        f"iteration {trained} and at {MAX_ITERATIONS}; change: the relative change of the state at iteration "
        f"{MAX_ITERATIONS} (0 at a fixed point).",
        "",
        f"| task | variant | params | train | test | train @{MAX_ITERATIONS} | best test (at) | norm @{trained}"
        f" | norm @{MAX_ITERATIONS} | change @{MAX_ITERATIONS} | final loss | seconds |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        acc = summary_accuracy(run, trained)
        steps = sorted(int(s) for s in run["frontier"])
        best = max(steps, key=lambda s: summary_accuracy(run, s)["test"])
        traj = run["trajectory"]
        lines.append(f"| {run['task']} | {run['variant']} | {run['parameters']:,} | {acc['train']:.3f} | "
                     f"{acc['test']:.3f} | {summary_accuracy(run, MAX_ITERATIONS)['train']:.3f} | "
                     f"{summary_accuracy(run, best)['test']:.3f} ({best}) | "
                     f"{traj[trained - 1]['norm']:.2f} | {traj[-1]['norm']:.2f} | {traj[-1]['change']:.4f} | "
                     f"{run['final_loss']:.3f} | {run['train_seconds']:.0f} |")
    for task_name in TASKS:
        run = next(r for r in runs if r["task"] == task_name and r["variant"] == next(iter(VARIANTS)))
        lengths = sorted(int(n) for n in run["frontier"]["1"])
        shown = [s for s in ITERATIONS if str(s) in run["frontier"]]
        knob = "hops" if task_name == "reachability" else "depth"
        lines += ["", f"## Frontier on {task_name} (--like {ENTRY}, all three mechanisms)", "",
                  f"Accuracy by test-time iterations (rows) and {knob} (columns; chance {run['chance']:.2f}); "
                  f"trained at {trained} iterations on {knob} {run['train_lengths']}.", "",
                  "| iterations | " + " | ".join(f"{n}{'' if n in run['train_lengths'] else ' (test)'}"
                                                for n in lengths) + " |",
                  "|" + "---|" * (len(lengths) + 1)]
        for s in shown:
            label = f"**{s}**" if s == trained else str(s)
            lines.append(f"| {label} | " + " | ".join(f"{accuracy(run, s, n):.2f}" for n in lengths) + " |")
    lines += ["", "## Summary (computed from the figures above)", "", *summarise(report), ""]
    return "\n".join(lines)


def summarise(report: dict) -> list[str]:
    """Bullets: each frontier's shape, the stability of every run, and what each ablation changes."""
    runs, trained = report["runs"], report["options"]["recurrence_steps"]
    entry = next(iter(VARIANTS))
    out = []
    for run in (r for r in runs if r["variant"] == entry):
        steps = sorted(int(s) for s in run["frontier"])
        parts = []
        for n in sorted(int(n) for n in run["frontier"]["1"]):
            ys = [accuracy(run, s, n) for s in steps]
            best = max(ys)
            first = steps[next(i for i, y in enumerate(ys) if y >= best - 0.02)]
            parts.append(f"{n}: {ys[0]:.2f} at 1 iteration, {best:.2f} from {first}")
        out.append(f"- Frontier on {run['task']} (length: accuracy at 1 iteration, best and the first iteration "
                   f"count within 0.02 of it): " + "; ".join(parts) + ".")
    for run in runs:
        traj = run["trajectory"]
        ratio = traj[-1]["norm"] / max(traj[trained - 1]["norm"], 1e-12)
        out.append(f"- Stability, {run['variant']} on {run['task']}: the state norm at iteration {MAX_ITERATIONS} is "
                   f"{ratio:.2f}x the norm at the trained {trained}; relative change per iteration at "
                   f"{MAX_ITERATIONS}: {traj[-1]['change']:.4f}.")
    for task_name, setup in report["tasks"].items():
        if not setup["ablate"]:
            continue
        full_run = next(r for r in runs if r["task"] == task_name and r["variant"] == entry)
        full = summary_accuracy(full_run, trained)
        for run in (r for r in runs if r["task"] == task_name and r["variant"] != entry):
            acc = summary_accuracy(run, trained)
            out.append(f"- {task_name}, {run['variant']}: train lengths {acc['train']:.3f} "
                       f"({acc['train'] - full['train']:+.3f} against the entry), test lengths {acc['test']:.3f} "
                       f"({acc['test'] - full['test']:+.3f}); train lengths at {MAX_ITERATIONS} iterations "
                       f"{summary_accuracy(run, MAX_ITERATIONS)['train']:.3f} (entry "
                       f"{summary_accuracy(full_run, MAX_ITERATIONS)['train']:.3f}).")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale-steps", type=float, default=1.0, help="multiply every task's training steps")
    parser.add_argument("--seed", type=int, default=TRAIN["seed"])
    parser.add_argument("--replot", action="store_true", help="redraw the .png and .md from the .json")
    parser.add_argument("--keep", action="store_true", help="keep the runs already in the .json (same variant "
                        "and task) and train only the missing ones")
    parser.add_argument("--out", default=str(OUT), help="path without suffix")
    args = parser.parse_args()
    TRAIN.update(seed=args.seed)
    for setup in TASKS.values():
        setup["steps"] = max(1, round(setup["steps"] * args.scale_steps))
    out = Path(args.out)
    if args.replot:
        report = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    else:
        from rt_explore.training.metrics import write_json_atomically

        torch.set_num_threads(1)
        started = time.perf_counter()
        kept = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))["runs"] if args.keep else []
        runs = []
        with tempfile.TemporaryDirectory(prefix="tdnl-") as tmp:
            for task_name, setup in TASKS.items():
                variants = list(VARIANTS.items()) if setup["ablate"] else list(VARIANTS.items())[:1]
                for i, (name, variant) in enumerate(variants):
                    old = [r for r in kept if (r["variant"], r["task"]) == (name, task_name)]
                    runs.append(old[0] if old else measure(name, variant, task_name, Path(tmp) / f"{task_name}-{i}"))
        report = {"entry": ENTRY, "options": {**OPTIONS, **runs[0]["options"]}, "cell": runs[0]["cell"],
                  "train": dict(TRAIN), "tasks": TASKS, "runs": runs,
                  "wall_seconds": round(time.perf_counter() - started, 1),
                  "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, torch {torch.__version__}, "
                             f"load average {os.getloadavg()[0]:.2f} at the end"}
        write_json_atomically(out.with_suffix(".json"), report)
    plot(report, out.with_suffix(".png"))
    out.with_suffix(".md").write_text(markdown(report), encoding="utf-8")
    print(f"wrote {out}.json, .md and .png")


if __name__ == "__main__":
    main()
