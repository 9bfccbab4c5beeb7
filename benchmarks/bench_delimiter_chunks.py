"""Coarse-grained recurrence on CPU: step/chunk with chunks that end at delimiters against fixed-k chunks.

Claim under test ("The Topological Trouble With Transformers", Mozer, Siddiqui & Liu 2026, arXiv
2604.17121, Sec. 5.3): a recurrence step per meaningful unit (a sentence) rather than per fixed window
should help when the state to carry is a per-unit summary. The `sentences` task makes that so: units of
1-5 digits, each closed by a delimiter; at each delimiter the target is the running sum mod 8 of the
units' maxima. A chunk that is a unit holds its whole maximum; a fixed chunk of k tokens cuts units in
two, and the memory must then carry half a unit's maximum beside the sum.

Three step/chunk projects, the same apart from where chunks end: fixed k = 4 (the mean unit length with
its delimiter, so about as many recurrence steps as units), fixed k = 8 (the default), and
`chunk_boundary=delimiter` (chunk_size 8 is then only a cap, never reached: units are at most 6 tokens).
Each is trained with `rt_explore.training.train` on the same data stream (same seed) and evaluated at
the train length 32 and at 64 and 128 tokens.

Writes docs/delimiter_chunks.json, docs/delimiter_chunks.md and docs/delimiter_chunks.png.
Run: nice -n 10 python benchmarks/bench_delimiter_chunks.py [--steps N] [--seed N] [--replot]
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
CELL = "step/chunk"
# label -> scaffold options; everything else is the step/chunk default (dim 64, 2 layers, 4 memory tokens).
VARIANTS = {
    "fixed k=4": {"chunk_boundary": "fixed", "chunk_size": 4},
    "fixed k=8": {"chunk_boundary": "fixed", "chunk_size": 8},
    "delimiter": {"chunk_boundary": "delimiter", "chunk_size": 8},
}
TASK = {"modulus": 8, "min_unit": 1, "max_unit": 5, "max_train_length": 32}
TRAIN = {"steps": 400, "batch_size": 32, "lr": 3e-3, "seed": 0}
STRADDLE_SEQUENCES = 1024
# The cost of a training step, measured on one batch of the longest train length with the variants interleaved
# (the machine is shared, so the wall times of whole runs, taken minutes apart, are not comparable).
COST_REPEATS = 7


def scaffold(folder: Path, options: dict):
    """Generate the project (as `rt-explore scaffold --cell step/chunk -o KEY=VALUE ...`) and load it."""
    from rt_explore.codegen import generate, spec_from_cell
    from rt_explore.taxonomy import load_taxonomy
    from rt_explore.training.project import load_project

    generate(spec_from_cell(CELL, load_taxonomy(), {k: str(v) for k, v in options.items()}, "units"), folder,
             force=True)
    return load_project(folder)


def chunking(task, options: dict) -> dict:
    """How the variant cuts sequences of the longest train length: units split by a chunk end, steps per sequence."""
    from rt_explore.kernels.segments import split_segments

    batch = task.batch(STRADDLE_SEQUENCES, max(task.train_lengths), torch.Generator().manual_seed(12345))
    delimiters = batch.inputs == task.delimiter  # [B, T]
    T = delimiters.shape[1]
    if options["chunk_boundary"] == "delimiter":
        ends = delimiters
    else:
        ends = torch.zeros_like(delimiters)
        ends[:, options["chunk_size"] - 1 :: options["chunk_size"]] = True
    chunks = split_segments(ends, max_length=options["chunk_size"])
    units = split_segments(delimiters)
    # a closed unit is split when its first and last tokens fall in different chunks
    t = torch.arange(T)
    first = torch.where(units.present & (units.offset == 0), t, -1)
    split = closed = 0
    for b in range(delimiters.shape[0]):
        starts = first[b][first[b] >= 0].tolist()
        for s, start in enumerate(starts):
            if not bool(units.closed[b, s]):
                continue
            stop = start + int(units.lengths[b, s]) - 1
            closed += 1
            split += int(chunks.index[b, start] != chunks.index[b, stop])
    return {"units_split": split / closed, "chunks_per_sequence": float((chunks.lengths > 0).sum(1).float().mean()),
            "units_per_sequence": closed / delimiters.shape[0], "tokens": T}


def step_costs(projects: dict, task) -> dict[str, float]:
    """{label: median milliseconds of one forward + backward pass}, the variants taking turns."""
    batch = task.batch(TRAIN["batch_size"], max(task.train_lengths), torch.Generator().manual_seed(54321))
    models = {}
    for label, project in projects.items():
        torch.manual_seed(0)
        models[label] = project.build(task.vocab_size, delimiter=task.delimiter)
    times: dict[str, list[float]] = {label: [] for label in projects}
    for _ in range(COST_REPEATS):
        for label, model in models.items():
            started = time.perf_counter()
            model(batch.inputs).logsumexp(-1).mean().backward()
            times[label].append(1000 * (time.perf_counter() - started))
    return {label: sorted(ts)[len(ts) // 2] for label, ts in times.items()}


def run_variant(label: str, project, options: dict, task) -> dict:
    from rt_explore.training.loop import train


    def progress(info) -> None:
        if info.step % 100 == 0:
            print(f"  {label}: step {info.step}, loss {info.loss:.3f}, batch accuracy {info.accuracy:.2f}", flush=True)

    started = time.perf_counter()
    result = train(project, task, on_step=progress, **TRAIN)
    return {"label": label, "scaffold_options": options, **chunking(task, options),
            "train_accuracy": result.train_accuracy,
            "test_accuracy": {str(k): v for k, v in result.test_accuracy.items()},
            "test_accuracy_new": {str(k): v for k, v in result.test_accuracy_new.items()},
            "first_loss": result.first_loss, "final_loss": result.final_loss,
            "tokens_per_second": result.tokens_per_second, "seconds": round(time.perf_counter() - started, 1),
            "loss_curve": result.loss_curve}


def smooth(values: list[float], width: int = 20) -> list[float]:
    return [sum(values[max(0, i - width + 1) : i + 1]) / len(values[max(0, i - width + 1) : i + 1])
            for i in range(len(values))]


def plot(report: dict, path: Path) -> None:
    from rt_explore.training.plots import pyplot, save_figure

    plt = pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(10.5, 4.0))
    colours = {"fixed k=4": "tab:orange", "fixed k=8": "tab:red", "delimiter": "tab:blue"}
    for run in report["runs"]:
        colour = colours.get(run["label"], "black")
        left.plot(range(1, len(run["loss_curve"]) + 1), smooth(run["loss_curve"]), color=colour,
                  label=f"{run['label']} ({run['units_split']:.0%} of units split)")
        lengths = sorted(int(n) for n in run["test_accuracy"])
        right.plot(lengths, [run["test_accuracy"][str(n)] for n in lengths], "-o", color=colour, label=run["label"])
        new = sorted(int(n) for n in run["test_accuracy_new"])
        right.plot(new, [run["test_accuracy_new"][str(n)] for n in new], "--s", color=colour, alpha=0.6,
                   markersize=4, label=f"{run['label']}, positions past 32 only")
    left.set_xlabel("training step")
    left.set_ylabel("training loss (mean of 20 steps)")
    left.set_yscale("log")
    left.grid(alpha=0.3)
    left.legend(fontsize=8)
    right.axhline(report["chance"], color="grey", linestyle=":", linewidth=1.2)
    right.text(lengths[-1], report["chance"] + 0.01, "chance", ha="right", va="bottom", fontsize=8, color="grey")
    right.set_xscale("log", base=2)
    right.set_xticks(lengths, [str(n) for n in lengths])
    right.set_ylim(0, 1.03)
    right.set_xlabel("sequence length (tokens; trained on 8-32)")
    right.set_ylabel("accuracy at delimiters")
    right.grid(alpha=0.3)
    right.legend(fontsize=7, loc="center right")
    fig.suptitle(f"step/chunk on sentences (running sum mod {TASK['modulus']} of unit maxima): chunks at "
                 f"delimiters vs fixed k; {TRAIN['steps']} steps, seed {TRAIN['seed']}", fontsize=10)
    fig.tight_layout()
    save_figure(fig, path)


def markdown(report: dict, png: str) -> str:
    lengths = sorted(int(n) for n in report["runs"][0]["test_accuracy"])
    new = sorted(int(n) for n in report["runs"][0]["test_accuracy_new"])
    lines = [
        "# Delimiter chunks against fixed-k chunks",
        "",
        "Generated by `benchmarks/bench_delimiter_chunks.py`; do not edit by hand.",
        "",
        "## Coarse-grained recurrence: delimiter vs fixed-k chunks",
        "",
        "Claim (\"The Topological Trouble With Transformers\", Mozer et al. 2026, arXiv 2604.17121, Sec. 5.3): "
        "a recurrence step per meaningful unit, rather than per fixed window of k tokens, suits states that "
        "summarise units. Task `sentences`: units of 1-5 digits in 0..7, each closed by a delimiter (token 8); at "
        "each delimiter, the running sum mod 8 of the units' largest digits.",
        "",
        "Commands (one per variant; the benchmark runs them in-process with `rt_explore.training.train`):",
        "",
        "```",
    ]
    for run in report["runs"]:
        opts = " ".join(f"-o {k}={v}" for k, v in run["scaffold_options"].items())
        lines.append(f"rt-explore scaffold --cell {CELL} {opts} --out P && "
                     f"rt-explore train P --task sentences --steps {TRAIN['steps']} --seed {TRAIN['seed']}")
    lines += [
        "```",
        "",
        "Accuracy is scored at delimiters only. *past 32* scores only the delimiters after the longest training "
        "length. *units split* is the share of units whose first and last token fall in different chunks, and "
        "*chunks / 32 tokens* the recurrence steps per training-length sequence "
        f"(both over {STRADDLE_SEQUENCES} sequences of 32 tokens). *ms / step* is the median of "
        f"{COST_REPEATS} forward + backward passes on one batch of {TRAIN['batch_size']} x 32 tokens, the variants "
        "taking turns; *wall s* is the whole run with its evaluation, taken at different times on a shared machine.",
        "",
        "| chunks | units split | chunks / 32 tokens | train acc | "
        + " | ".join(f"acc @{n}" for n in lengths) + " | " + " | ".join(f"@{n}: past 32" for n in new)
        + " | final loss | ms / step | wall s |",
        "|---|---|---|---|" + "---|" * (len(lengths) + len(new)) + "---|---|---|",
    ]
    for run in report["runs"]:
        lines.append(
            f"| {run['label']} | {run['units_split']:.0%} | {run['chunks_per_sequence']:.1f} | "
            f"{run['train_accuracy']:.3f} | " + " | ".join(f"{run['test_accuracy'][str(n)]:.3f}" for n in lengths)
            + " | " + " | ".join(f"{run['test_accuracy_new'][str(n)]:.3f}" for n in new)
            + f" | {run['final_loss']:.4f} | {run['step_ms']:.0f} | {run['seconds']:.0f} |")
    lines += [
        "",
        f"![loss and accuracy by length]({png})",
        "",
        report["summary"],
        "",
        "### Configuration and machine",
        "",
        f"- Cell `{CELL}` with its defaults (dim 64, 2 layers, 4 heads, 4 memory tokens); only `chunk_boundary` and "
        "`chunk_size` differ. With `chunk_boundary=delimiter` a chunk ends at each delimiter (which belongs to the "
        "unit it closes) or after `chunk_size` tokens; `train` sets `delimiter_token` from the task.",
        f"- Task `sentences` with {TASK} (train lengths 8-32 tokens, chance {report['chance']:.3f}).",
        f"- Training: `rt_explore.training.train(project, task, steps={TRAIN['steps']}, "
        f"batch_size={TRAIN['batch_size']}, lr={TRAIN['lr']}, seed={TRAIN['seed']})`: the same initial seed and "
        "the same data stream for every variant; evaluation on 256 fresh sequences per length.",
        f"- Machine: {report['machine']}; the machine was shared with other jobs, so wall times are only rough. "
        f"Whole benchmark: {report['wall_seconds']:.0f} s.",
        "- One seed: differences of a few points are within seed noise.",
        f"- One budget: every variant gets the same {TRAIN['steps']} steps. This says which chunking learns the task "
        "sooner; it does not say whether fixed chunks would catch up with a longer budget (try `--steps`).",
        "",
    ]
    return "\n".join(lines)


def summarise(report: dict) -> str:
    runs = {run["label"]: run for run in report["runs"]}
    longest = max(int(n) for n in report["runs"][0]["test_accuracy_new"])
    parts = [f"{label} {run['test_accuracy_new'][str(longest)]:.3f}" for label, run in runs.items()]
    best = max(runs.values(), key=lambda r: r["test_accuracy_new"][str(longest)])
    fixed = [r for r in runs.values() if r["label"] != "delimiter"]
    delimiter = runs.get("delimiter")
    verdict = ""
    if delimiter is not None and fixed:
        best_fixed = max(fixed, key=lambda r: r["test_accuracy_new"][str(longest)])
        gap = delimiter["test_accuracy_new"][str(longest)] - best_fixed["test_accuracy_new"][str(longest)]
        cheapest = min(fixed, key=lambda r: r["step_ms"])
        verdict = (f" Delimiter chunks {'beat' if gap > 0 else 'do not beat'} the best fixed k ({best_fixed['label']}) "
                   f"by {gap:+.3f} there. A delimiter training step costs {delimiter['step_ms']:.0f} ms against "
                   + ", ".join(f"{r['step_ms']:.0f} ms for {r['label']}" for r in fixed)
                   + f" ({delimiter['step_ms'] / cheapest['step_ms']:.1f}x the cheapest): units are padded to the "
                   "longest in the batch and run one batched step per unit index, as many as the most units "
                   "any sequence of the batch has.")
    return (f"Accuracy at {longest} tokens on the delimiters past 32 (chance {report['chance']:.3f}): "
            + ", ".join(parts) + f"; best: {best['label']}." + verdict)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=TRAIN["steps"])
    parser.add_argument("--seed", type=int, default=TRAIN["seed"])
    parser.add_argument("--replot", action="store_true", help="rewrite the .png and .md from the .json, no training")
    parser.add_argument("--out", default=str(ROOT / "docs" / "delimiter_chunks"), help="path without suffix")
    args = parser.parse_args()
    TRAIN.update(steps=args.steps, seed=args.seed)
    out = Path(args.out)
    png = out.with_suffix(".png")
    if args.replot:
        report = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
        TRAIN.update(report["train"])
        report["summary"] = summarise(report)
    else:
        from rt_explore.tasks import get_task
        from rt_explore.training.metrics import write_json_atomically

        torch.set_num_threads(1)
        started = time.perf_counter()
        task = get_task("sentences", **TASK)
        runs = []
        with tempfile.TemporaryDirectory(prefix="delimiter-chunks-") as tmp:
            projects = {label: scaffold(Path(tmp) / f"v{i}", options)
                        for i, (label, options) in enumerate(VARIANTS.items())}
            for label, options in VARIANTS.items():
                print(f"{label}: training {TRAIN['steps']} steps", flush=True)
                runs.append(run_variant(label, projects[label], options, task))
                r = runs[-1]
                print(f"{label}: train {r['train_accuracy']:.3f}, test {r['test_accuracy']}, past 32 "
                      f"{r['test_accuracy_new']}, units split {r['units_split']:.0%}, {r['seconds']:.0f} s", flush=True)
            costs = step_costs(projects, task)
            for run in runs:
                run["step_ms"] = round(costs[run["label"]], 1)
        report = {
            "claim": "chunks aligned to delimited units carry a per-unit state better than fixed-k chunks "
                     "(arXiv 2604.17121, Sec. 5.3)",
            "cell": CELL, "task": task.params(), "train": TRAIN, "chance": task.chance, "runs": runs,
            "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, torch "
                       f"{torch.__version__}, 1 thread",
            "wall_seconds": round(time.perf_counter() - started, 1),
        }
        report["summary"] = summarise(report)
        out.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomically(out.with_suffix(".json"), report)
    plot(report, png)
    out.with_suffix(".md").write_text(markdown(report, png.name), encoding="utf-8")
    print(report["summary"])
    print(f"wrote {out}.json, .md and .png")


if __name__ == "__main__":
    main()
