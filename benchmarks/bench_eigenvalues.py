"""Enhanced state-space models: delta rules with positive-only against negative eigenvalues, on state tracking.

A script, not a test: `python benchmarks/bench_eigenvalues.py [--steps N] [--seeds N] [--replot]`. Issue #5,
item 4 (section 5.1 of arXiv 2604.17121). Claim under test ("Unlocking State-Tracking in Linear RNNs Through
Negative Eigenvalues", Grazzi et al., arXiv 2411.12537): a delta-rule recurrence whose state-transition
eigenvalues lie in [0, 1] cannot track parity at every length (their Theorem 1), while a step size beta in
(0, 2), eigenvalues in (-1, 1], lets a reflection per token flip the state; they report parity (scaled
accuracy) 0.017 -> 1.000 for DeltaNet. Permutation word problems (A5, S5; Merrill et al., arXiv 2404.08819)
are the harder, non-abelian case.

Every model comes from a catalog entry, as `rt-explore scaffold --like ID --option negative_eigenvalues=...`
builds it (`spec_from_entry`): deltanet (delta rule), gated-deltanet (gated delta rule) and rwkv-7 (whose
nearest kernel is the gated delta rule). Entries whose generated models are the same (same cell, same
resolved options) are trained once and reported under each name, marked as shared: with the same seed the
runs would be identical.

Writes docs/eigenvalues.json, docs/eigenvalues.md and docs/eigenvalues.png; `--replot` redraws the figure and
the markdown from the JSON without training.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from statistics import mean

import torch
from _machine import machine_meta

DOCS = Path(__file__).resolve().parents[1] / "docs"
OUT = DOCS / "eigenvalues"
ENTRIES = ("deltanet", "gated-deltanet", "rwkv-7")
# (label, task name, task parameters). `rt-explore train --task permutation` runs A5 (the task's default);
# `-p group=S5` runs S5.
TASKS = [("parity", "parity", {}), ("A5", "permutation", {"group": "A5"}), ("S5", "permutation", {"group": "S5"})]
# S5 is left out by default to fit the CPU budget (about 12 minutes on a shared 2-core machine); --tasks adds it.
DEFAULT_TASKS = ("parity", "A5")
SETTINGS = (False, True)  # negative_eigenvalues
# Grazzi et al. 2024, Table 2 (parity; scaled accuracy: 0 is chance, 1 perfect; best of 3 seeds).
GRAZZI_DELTANET_PARITY = {False: 0.017, True: 1.000}


def scaffold(entry_id: str, negative: bool, folder: Path):
    """Generate what `rt-explore scaffold --like ENTRY --option negative_eigenvalues=...` would, and load it."""
    from rt_explore.catalog import load_catalog
    from rt_explore.codegen import generate, spec_from_entry
    from rt_explore.training.project import load_project

    catalog = load_catalog()
    spec = spec_from_entry(catalog.get(entry_id), catalog.taxonomy, {"negative_eigenvalues": negative}, None)
    generate(spec, folder, force=True)
    return spec, load_project(folder)


def model_source(project, spec) -> str:
    """The generated model.py and config.py (which holds the option values), the project's own name blanked out:
    equal text means the same model."""
    text = "".join((project.path / spec.package / f).read_text(encoding="utf-8") for f in ("model.py", "config.py"))
    return text.replace(spec.package, "PKG").replace(spec.name, "NAME")


def scaled(accuracy: float, chance: float) -> float:
    """Grazzi et al.'s scaled accuracy: 0 at chance, 1 perfect."""
    return (accuracy - chance) / (1.0 - chance)


def train_one(project, task_name: str, params: dict, steps: int, seed: int) -> dict:
    from rt_explore.tasks import get_task
    from rt_explore.training.loop import train

    task = get_task(task_name, **params)
    result = train(project, task, steps=steps, seed=seed, threads=1)
    return {"seed": seed, "seconds": result.seconds, "first_loss": result.first_loss, "final_loss": result.final_loss,
            "train_accuracy": result.train_accuracy,
            "test_accuracy": {str(k): v for k, v in result.test_accuracy.items()},
            "test_accuracy_new": {str(k): v for k, v in result.test_accuracy_new.items()},
            "longest_test_length": result.longest_test_length, "longest_test_accuracy": result.longest_test_accuracy,
            "longest_test_scaled": scaled(result.longest_test_accuracy, result.chance), "chance": result.chance,
            "train_lengths": list(task.train_lengths), "extra": result.extra}


def collect(tasks: list[tuple[str, str, dict]], steps: int, seeds: int, workdir: Path) -> list[dict]:
    """Every (entry, setting, task) cell; identical generated models are trained once."""
    models: dict[str, dict] = {}  # source text -> {"first": entry id, "runs": {task label: [runs]}}
    rows = []
    for entry_id in ENTRIES:
        for negative in SETTINGS:
            spec, project = scaffold(entry_id, negative, workdir / f"{entry_id}-{str(negative).lower()}")
            torch.manual_seed(0)
            parameters = {task: sum(p.numel() for p in project.build(get_vocab(name, params)).parameters())
                          for task, name, params in tasks}
            key = model_source(project, spec)
            shared = models.get(key)
            if shared is None:
                shared = models[key] = {"first": entry_id, "runs": {}}
                for label, name, params in tasks:
                    shared["runs"][label] = []
                    for seed in range(seeds):
                        run = train_one(project, name, params, steps, seed)
                        shared["runs"][label].append(run)
                        print(f"{entry_id:15s} negative_eigenvalues={str(negative):5s} {label:6s} seed {seed}: "
                              f"acc@{run['longest_test_length']} (new positions) {run['longest_test_accuracy']:.3f}, "
                              f"train {run['train_accuracy']:.3f}, {run['seconds']:.0f} s", flush=True)
            for label, name, params in tasks:
                rows.append({"entry": entry_id, "negative_eigenvalues": negative, "task": label,
                             "task_name": name, "task_params": params, "mixer": spec.options.get("mixer"),
                             "options": spec.options, "cell": spec.cell, "notes": list(spec.notes),
                             "parameters": parameters[label],
                             "same_model_as": None if shared["first"] == entry_id else shared["first"],
                             "runs": shared["runs"][label]})
    return rows


def get_vocab(name: str, params: dict) -> int:
    from rt_explore.tasks import get_task

    return get_task(name, **params).vocab_size


def cell_mean(row: dict, key: str = "longest_test_accuracy") -> float:
    return mean(r[key] for r in row["runs"])


def spread(values: list[float]) -> str:
    text = f"{mean(values):.3f}"
    return text if len(values) == 1 else f"{text} ({', '.join(f'{v:.3f}' for v in values)})"


def table(rows: list[dict]) -> str:
    lines = ["| entry (mixer) | task | params | train acc off / on | longest test, off | longest test, on "
             "| scaled off -> on |", "|---|---|---|---|---|---|---|"]
    pairs: dict[tuple[str, str], dict[bool, dict]] = {}
    for row in rows:
        pairs.setdefault((row["entry"], row["task"]), {})[row["negative_eigenvalues"]] = row
    for (entry, task), pair in pairs.items():
        off, on = pair[False], pair[True]
        name = f"{entry} ({off['mixer']})" + (f", same model as {off['same_model_as']}" if off["same_model_as"] else "")
        lines.append(
            f"| {name} | {task} | {off['parameters']:,} | {cell_mean(off, 'train_accuracy'):.3f} / "
            f"{cell_mean(on, 'train_accuracy'):.3f} | {spread([r['longest_test_accuracy'] for r in off['runs']])} "
            f"| {spread([r['longest_test_accuracy'] for r in on['runs']])} "
            f"| {cell_mean(off, 'longest_test_scaled'):.3f} -> {cell_mean(on, 'longest_test_scaled'):.3f} |")
    return "\n".join(lines)


def state_tracking_figure() -> str:
    """The same DeltaNet model in docs/state_tracking.json (the default step/token cell is `--like deltanet` with
    negative eigenvalues), as a cross-check of how much one run's length generalisation varies; '' if absent."""
    path = DOCS / "state_tracking.json"
    if not path.exists():
        return ""
    data = json.loads(path.read_text(encoding="utf-8"))
    found = [r for r in data.get("runs", []) if r.get("task") == "parity" and r.get("cell") == "step/token"
             and not data.get("options") and "64" in r.get("test_accuracy_new", {})]
    if not found:
        return ""
    return (f" The same model (`--cell step/token`, whose defaults are `--like deltanet` with negative eigenvalues) "
            f"reached {found[0]['test_accuracy_new']['64']:.3f} at length 64 after {data['steps']} steps, seed "
            f"{found[0]['seed']}, in docs/state_tracking.md: with one seed, a run's length generalisation on parity "
            "depends on the seed and the length of the schedule.")


def at_chance(rows: list[dict], meta: dict) -> list[str]:
    """A sentence for each task on which every run stayed within 0.05 of chance (scaled), else nothing."""
    lines = []
    for task in dict.fromkeys(r["task"] for r in rows):
        scores = [run["longest_test_scaled"] for r in rows if r["task"] == task for run in r["runs"]]
        if max(abs(v) for v in scores) < 0.05:
            chosen = [r for r in rows if r["task"] == task]
            train = [run["train_accuracy"] for r in chosen for run in r["runs"]]
            first = chosen[0]["runs"][0]
            # The first position of a permutation word is free (the product of one element is that element).
            floor = mean((1 + (n - 1) * first["chance"]) / n for n in first["train_lengths"])
            lines += [f"{task} stays at chance for every entry, with or without negative eigenvalues (scaled accuracy "
                      f"{min(scores):.3f} to {max(scores):.3f}). Training accuracy, {min(train):.3f} to "
                      f"{max(train):.3f}, is what the free first position alone gives ({floor:.3f}): "
                      f"{meta['steps']} steps of these 2-layer models do not learn the {task} word problem.", ""]
    return lines


def markdown(rows: list[dict], meta: dict) -> str:
    deltanet = {r["negative_eigenvalues"]: r for r in rows if r["entry"] == "deltanet" and r["task"] == "parity"}
    first = rows[0]["runs"][0]
    seeds = meta["seeds"]
    ours = (f"{cell_mean(deltanet[False], 'longest_test_scaled'):.3f} -> "
            f"{cell_mean(deltanet[True], 'longest_test_scaled'):.3f}") if len(deltanet) == 2 else "not run"
    shared = sorted({f"{r['entry']} = {r['same_model_as']}" for r in rows if r["same_model_as"]})
    lines = [
        "# Negative eigenvalues in delta-rule recurrences",
        "",
        "Generated by `benchmarks/bench_eigenvalues.py`; do not edit by hand "
        "(`python benchmarks/bench_eigenvalues.py --replot` redraws it from docs/eigenvalues.json).",
        "",
        "## Enhanced state-space models: negative eigenvalues",
        "",
        "Section 5.1 of arXiv 2604.17121 credits delta-rule recurrences with negative eigenvalues (RWKV-7's "
        "generalised delta rule, Gated DeltaNet, DeltaNet) with state tracking beyond transformers. Grazzi et al. "
        "(\"Unlocking State-Tracking in Linear RNNs Through Negative Eigenvalues\", arXiv 2411.12537) prove that "
        "transition eigenvalues in [0, 1] cannot track parity at every length (Theorem 1) and that a step size "
        "beta in (0, 2), eigenvalues in (-1, 1], can; they report DeltaNet on parity going from 0.017 to 1.000 "
        "(Table 2, scaled accuracy: 0 is chance, 1 perfect).",
        "",
        "What a user runs, per entry and setting:",
        "",
        "```bash",
        "rt-explore scaffold --like deltanet --out deltanet-off --option negative_eigenvalues=false",
        "rt-explore scaffold --like deltanet --out deltanet-on --option negative_eigenvalues=true",
        f"rt-explore train deltanet-on --task parity --steps {meta['steps']} --seed 0",
        f"rt-explore train deltanet-on --task permutation --steps {meta['steps']} --seed 0   # A5, the default group",
        f"rt-explore train deltanet-on --task permutation -p group=S5 --steps {meta['steps']} --seed 0   # S5",
        "# likewise --like gated-deltanet and --like rwkv-7",
        "```",
        "",
        table(rows),
        "",
        f"*off*: `negative_eigenvalues=false` (beta in (0, 1), eigenvalues in [0, 1]); *on*: `true` (beta in "
        f"(0, 2), eigenvalues in (-1, 1]). *Longest test*: accuracy at length {first['longest_test_length']} "
        f"(4x the longest training length {first['train_lengths'][-1]}) on the positions past the training length "
        f"only (`Result.longest_test_accuracy`), {first['extra']['eval_sequences']} fresh sequences. *Scaled*: "
        "(accuracy - chance) / (1 - chance), Grazzi et al.'s measure; chance is 0.5 (parity), 1/60 (A5), 1/120 (S5). "
        + ("One seed (0) per cell: the budget did not fit two." if seeds == 1 else
           f"Seeds 0..{seeds - 1}: the mean, then each seed in brackets."),
        "",
        f"Against Grazzi et al. (DeltaNet, parity, scaled): theirs {GRAZZI_DELTANET_PARITY[False]:.3f} -> "
        f"{GRAZZI_DELTANET_PARITY[True]:.3f}, ours {ours}. Their setting is larger (trained on lengths 3-40, "
        "tested to 256, best of 3 seeds); ours is 2 layers of width 64 trained for "
        f"{meta['steps']} steps on lengths {first['train_lengths'][0]}-{first['train_lengths'][-1]}."
        + state_tracking_figure(),
        "",
        *at_chance(rows, meta),
        ("Shared models: " + "; ".join(shared) + ". `--like rwkv-7` and `--like gated-deltanet` generate the same "
         "model (mixer gated-delta-rule, scalar decay per head): the catalog maps RWKV-7 to the gated-delta-rule "
         "mechanism, and the library has no RWKV-7 kernel (vector decay per channel, vector in-context learning "
         "rate, a removal key decoupled from the written key), so its row repeats the Gated DeltaNet runs.")
        if shared else "",
        "",
        "Configuration: the entries' defaults (2 layers, dim 64, 4 heads, mlp_ratio 4, chunked kernels); "
        f"{meta['steps']} steps, batch {first['extra']['batch_size']}, AdamW lr {first['extra']['lr']:g}, warmup "
        "and cosine decay (the `train` defaults).",
        f"Machine: {meta['machine']}, torch {meta['torch']}, 1 thread, run under `nice -n 10` while other jobs "
        f"shared the cores (load average {meta['load_before']:.1f} before, {meta['load_after']:.1f} after); "
        f"whole benchmark {meta['total_seconds']:.0f} s.",
        "",
        "![accuracy at the longest test length, off against on](eigenvalues.png)",
        "",
    ]
    return "\n".join(lines)


def plot(rows: list[dict], meta: dict, path: Path) -> Path:
    from rt_explore.training.plots import pyplot, save_figure

    plt = pyplot()
    tasks = list(dict.fromkeys(r["task"] for r in rows))
    fig, axes = plt.subplots(1, len(tasks), figsize=(4.6 * len(tasks), 4.6), sharey=True, squeeze=False)
    axes = axes[0]
    width = 0.38
    for axis, task in zip(axes, tasks, strict=True):
        chosen = [r for r in rows if r["task"] == task]
        entries = list(dict.fromkeys(r["entry"] for r in chosen))
        for offset, negative, colour in ((-width / 2, False, "tab:gray"), (width / 2, True, "tab:orange")):
            values = [cell_mean(next(r for r in chosen if r["entry"] == e and r["negative_eigenvalues"] == negative))
                      for e in entries]
            xs = [i + offset for i in range(len(entries))]
            label = "negative eigenvalues (beta in (0, 2))" if negative else "positive only (beta in (0, 1))"
            bars = axis.bar(xs, values, width, color=colour, label=label)
            for bar, value in zip(bars, values, strict=True):
                text = f"{value:.3f}" if value < 0.1 else f"{value:.2f}"  # A5 and S5 sit near chance
                axis.text(bar.get_x() + bar.get_width() / 2, value + 0.01, text, ha="center", fontsize=8)
            for x, entry in zip(xs, entries, strict=True):
                row = next(r for r in chosen if r["entry"] == entry and r["negative_eigenvalues"] == negative)
                if len(row["runs"]) > 1:
                    axis.plot([x] * len(row["runs"]), [r["longest_test_accuracy"] for r in row["runs"]], "k.",
                              markersize=4)
        chance = chosen[0]["runs"][0]["chance"]
        axis.axhline(chance, color="black", linestyle=":", linewidth=1, label="chance")
        labels = [e + ("\n(= " + r["same_model_as"] + ")" if r["same_model_as"] else "")
                  for e in entries for r in [next(x for x in chosen if x["entry"] == e)]]
        axis.set_xticks(range(len(entries)), labels=labels, fontsize=9)
        axis.set_title(f"{task} (chance {chance:.3g})", fontsize=11)
        axis.set_ylim(0, 1.1)
        axis.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel(f"accuracy at length {rows[0]['runs'][0]['longest_test_length']}, positions past the "
                       "train length", fontsize=10)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=10, frameon=False)
    fig.suptitle(f"Delta rules from their catalog entries, {meta['steps']} steps"
                 + (f", mean of {meta['seeds']} seeds" if meta["seeds"] > 1 else ", seed 0")
                 + ": positive-only vs negative eigenvalues", fontsize=12)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return save_figure(fig, path)


def publish(rows: list[dict], meta: dict) -> None:
    print(table(rows))
    OUT.with_suffix(".md").write_text(markdown(rows, meta), encoding="utf-8")
    print(f"wrote {plot(rows, meta, OUT.with_suffix('.png'))} and {OUT.with_suffix('.md')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=800, help="training steps per run (default 800)")
    parser.add_argument("--seeds", type=int, default=1, help="seeds 0..N-1 per cell (default 1)")
    parser.add_argument("--tasks", default=",".join(DEFAULT_TASKS),
                        help=f"comma-separated, from {', '.join(label for label, _, _ in TASKS)} "
                             f"(default {','.join(DEFAULT_TASKS)})")
    parser.add_argument("--replot", action="store_true", help="redraw the png and md from docs/eigenvalues.json")
    args = parser.parse_args()
    if args.replot:
        data = json.loads(OUT.with_suffix(".json").read_text(encoding="utf-8"))
        publish(data["rows"], data["meta"])
        return
    from rt_explore.training.metrics import write_json_atomically

    chosen = [t for t in TASKS if t[0] in args.tasks.split(",")]
    if not chosen:
        parser.error(f"no known task in --tasks {args.tasks!r}")
    # Tiny models: one thread avoids OpenMP waits on a shared machine (see rt_explore.training.loop).
    torch.set_num_threads(1)
    load_before, started = os.getloadavg()[0], time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rt-explore-eigenvalues-") as tmp:
        rows = collect(chosen, args.steps, args.seeds, Path(tmp))
    meta = {"steps": args.steps, "seeds": args.seeds, "entries": list(ENTRIES),
            "tasks": [{"label": label, "name": name, "params": params} for label, name, params in chosen],
            "grazzi_deltanet_parity_scaled": {str(k).lower(): v for k, v in GRAZZI_DELTANET_PARITY.items()},
            **machine_meta(started, load_before)}
    write_json_atomically(OUT.with_suffix(".json"), {"meta": meta, "rows": rows})
    print(f"wrote {OUT.with_suffix('.json')}")
    publish(rows, meta)


if __name__ == "__main__":
    main()
