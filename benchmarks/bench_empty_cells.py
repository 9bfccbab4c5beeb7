"""Do the paper's empty cells track state beyond the training length?

"The Topological Trouble With Transformers" (arXiv 2604.17121) leaves two cells of its axis x
tokens_per_step table empty: depth recurrence with one step per token (`depth/token`: each token's
top-of-stack state is fed back to the bottom once before the next token) and with several steps per token
(`depth/ponder`). `rt-explore gaps` ranks them 1 and 2 and `rt-explore scaffold --gap 1/2` generates them.
This benchmark trains both next to two references and measures accuracy at the training length (16) and at
2x and 4x (32, 64) on two state-tracking tasks, running parity and counting mod 5:

- `depth/sequence`: a looped transformer (the whole sequence iterated in depth); the paper argues it
  cannot carry state across tokens, so it should not extrapolate;
- `step/token`: a delta-rule recurrence with negative eigenvalues, which can (Grazzi et al. 2024,
  arXiv 2411.12537).

It runs `rt-explore bench` (one torch thread per process, results in a resumable SQLite file), one
process per task in parallel, seed 0 of every run first and then seed 1, which is skipped when the
projected wall time would pass `--budget-min`. Then it writes docs/empty_cells.json, docs/empty_cells.md,
docs/empty_cells.png and docs/empty_cells-frontier.png.

Every scored position counts in the bench's accuracy at length L, positions 1..16 included (the tasks
label every prefix), so a model that is perfect up to 16 and at chance after scores 0.75 (parity) at
L=32 and 0.625 at L=64. As every model here is causal, the first 16 outputs of a longer sequence are
those of a length-16 sequence, and the accuracy on the new positions alone is estimated as
(L*acc(L) - L'*acc(L')) / (L - L') from consecutive test lengths L' < L (different random batches,
256 sequences each). Both figures are reported.

Run:    python benchmarks/bench_empty_cells.py [--steps 600] [--seeds 2] [--jobs 2] [--db FILE]
Redraw: python benchmarks/bench_empty_cells.py --report-only   (from the database, no training)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import mean

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
CELLS = ("depth/token", "depth/ponder", "depth/sequence", "step/token")
TASKS = ("parity", "modular-count")
ROLE = {
    "depth/token": "empty cell, gap 1",
    "depth/ponder": "empty cell, gap 2",
    "depth/sequence": "looped, paper: cannot",
    "step/token": "delta rule, can",
}
COLOUR = {"depth/token": "#d62728", "depth/ponder": "#ff7f0e", "depth/sequence": "#1f77b4", "step/token": "#2ca02c"}
DEFAULT_DB = Path(tempfile.gettempdir()) / "rt-explore-empty-cells.db"
# Normalised accuracy on the positions beyond the training length, (acc - chance) / (1 - chance), that
# counts as tracking state (every seed) or as no better than chance (every seed).
TRACKS, CHANCE_BAND = 0.9, 0.1


def _env() -> dict[str, str]:
    # One thread per process: the toy models run fastest on one, and two processes share two cores.
    return {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "COLUMNS": "118"}


def bench_command(task: str, seeds: int, steps: int, db: Path) -> list[str]:
    return [sys.executable, "-m", "rt_explore", "bench", "--cells", " ".join(CELLS), "--tasks", task,
            "--seeds", str(seeds), "--steps", str(steps), "--db", str(db), "--json"]


def run_phase(seeds: int, steps: int, db: Path, jobs: int, log: list[dict]) -> float:
    """Bench seeds 0..seeds-1 of every cell (runs already stored are skipped), one process per task."""
    started = time.perf_counter()
    pending = list(TASKS)
    running: list[tuple[str, list[str], subprocess.Popen, float]] = []
    while pending or running:
        while pending and len(running) < jobs:
            task = pending.pop(0)
            command = bench_command(task, seeds, steps, db)
            print(f"[{time.strftime('%H:%M:%S')}] start {task}, seeds 0..{seeds - 1}", flush=True)
            proc = subprocess.Popen(command, cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True)
            running.append((task, command, proc, time.perf_counter()))
        task, command, proc, t0 = running.pop(0)
        out, err = proc.communicate()
        entry = {"task": task, "seeds": seeds, "command": command[1:], "returncode": proc.returncode,
                 "wall_seconds": round(time.perf_counter() - t0, 1)}
        try:
            report = json.loads(out)
            entry.update(stored=report["stored"], skipped=report["skipped"], failed=report["failed"])
        except (json.JSONDecodeError, KeyError):
            entry["stderr_tail"] = err.strip().splitlines()[-3:]
        shown = {k: v for k, v in entry.items() if k != "command"}
        print(f"[{time.strftime('%H:%M:%S')}] done {task}: {json.dumps(shown)}", flush=True)
        log.append(entry)
    return time.perf_counter() - started


def measure(args: argparse.Namespace) -> dict:
    """Train what is not yet in the database; returns how it went (wall time, phases, skipped seeds)."""
    started = time.perf_counter()
    log: list[dict] = []
    phases = []
    for seeds in range(1, args.seeds + 1):
        elapsed = time.perf_counter() - started
        last = phases[-1]["wall_seconds"] if phases else 0.0
        if phases and elapsed + last > args.budget_min * 60:
            phases.append({"seed": seeds - 1, "skipped": True,
                           "reason": f"projected {(elapsed + last) / 60:.1f} min > budget {args.budget_min} min"})
            print(f"skipping seed {seeds - 1}: {phases[-1]['reason']}", flush=True)
            break
        wall = run_phase(seeds, args.steps, args.db, args.jobs, log)
        phases.append({"seed": seeds - 1, "skipped": False, "wall_seconds": round(wall, 1)})
    return {"wall_seconds": round(time.perf_counter() - started, 1), "phases": phases, "processes": log,
            "jobs": args.jobs, "budget_min": args.budget_min, "finished_at": time.strftime("%Y-%m-%d %H:%M:%S")}


# ----------------------------------------------------------------------------------------------- report


def new_positions(test: dict[int, float]) -> dict[str, float]:
    """Accuracy on positions L'+1..L alone, from the accuracies over whole sequences of consecutive lengths."""
    lengths = sorted(test)
    return {f"{a + 1}-{b}": (b * test[b] - a * test[a]) / (b - a) for a, b in zip(lengths, lengths[1:], strict=False)}


def collect(db: Path, steps: int) -> list[dict]:
    from rt_explore.training.bench import load_results, resolve_cells

    specs = {c.spec: c.label for c in resolve_cells(CELLS)}
    runs = []
    for row in load_results(db):
        if row["spec"] not in specs or row["task"] not in TASKS or row["budget"] != steps:
            continue
        run = {"cell": specs[row["spec"]], "spec": row["spec"], "task": row["task"], "seed": row["seed"],
               "steps": row["budget"], "status": row["status"], "chance": row["chance"]}
        if row["status"] == "ok":
            r = row["result"]
            test = {int(k): v for k, v in r["test_accuracy"].items()}
            run.update(
                train_accuracy=r["train_accuracy"],
                train_accuracy_by_length=r["train_accuracy_by_length"],
                test_accuracy={str(k): v for k, v in sorted(test.items())},
                new_positions_accuracy=new_positions(test),
                final_loss=r["final_loss"], first_loss=r["first_loss"], seconds=r["seconds"],
                tokens_per_second=r["tokens_per_second"], trained_recurrence_steps=r["trained_recurrence_steps"],
                frontier=r["frontier"], options=r["options"], eval_sequences=r["extra"].get("eval_sequences"),
            )
        runs.append(run)
    order = {c: i for i, c in enumerate(CELLS)}
    return sorted(runs, key=lambda r: (TASKS.index(r["task"]), order[r["cell"]], r["seed"]))


def normalised(acc: float, chance: float) -> float:
    return (acc - chance) / (1 - chance)


def summarise(runs: list[dict]) -> list[dict]:
    out = []
    for task in TASKS:
        for cell in CELLS:
            ok = [r for r in runs if r["cell"] == cell and r["task"] == task and r["status"] == "ok"]
            if not ok:
                out.append({"cell": cell, "task": task, "seeds": 0,
                            "status": sorted({r["status"] for r in runs if r["cell"] == cell and r["task"] == task})})
                continue
            chance = ok[0]["chance"]
            lengths = list(ok[0]["test_accuracy"])
            spans = list(ok[0]["new_positions_accuracy"])
            last = spans[-1]
            beyond = [normalised(r["new_positions_accuracy"][last], chance) for r in ok]
            near = [normalised(r["new_positions_accuracy"][spans[0]], chance) for r in ok]
            fit = [normalised(r["train_accuracy"], chance) for r in ok]
            if min(beyond) >= TRACKS:
                verdict = f"tracks state to {last.split('-')[1]}"
            elif max(beyond) <= CHANCE_BAND:
                verdict = f"chance at {last}" + (f", above it at {spans[0]}" if min(near) > CHANCE_BAND else "")
            else:
                verdict = f"partly at {last}"
            if min(fit) < TRACKS:
                verdict = f"does not fit lengths <= 16; {verdict}"
            out.append({
                "cell": cell, "task": task, "seeds": len(ok), "chance": chance,
                "train_accuracy": mean(r["train_accuracy"] for r in ok),
                "test_accuracy": {n: mean(r["test_accuracy"][n] for r in ok) for n in lengths},
                "test_accuracy_by_seed": {n: [r["test_accuracy"][n] for r in ok] for n in lengths},
                "new_positions_accuracy": {s: mean(r["new_positions_accuracy"][s] for r in ok) for s in spans},
                "new_positions_accuracy_by_seed": {s: [r["new_positions_accuracy"][s] for r in ok] for s in spans},
                "seconds": mean(r["seconds"] for r in ok), "verdict": verdict,
            })
    return out


def grid_evidence(db: Path) -> str:
    done = subprocess.run([sys.executable, "-m", "rt_explore", "grid", "--evidence", str(db)], cwd=ROOT, env=_env(),
                          capture_output=True, text=True)
    text = done.stdout if done.returncode == 0 else done.stderr
    return "\n".join(line.rstrip() for line in text.rstrip().splitlines())


def plot(summary: list[dict], runs: list[dict], steps: int, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, len(TASKS), figsize=(5.6 * len(TASKS), 8.4), sharex=True, squeeze=False)
    for col, task in enumerate(TASKS):
        rows = [s for s in summary if s["task"] == task and s["seeds"]]
        if not rows:
            continue
        chance = rows[0]["chance"]
        lengths = [int(n) for n in rows[0]["test_accuracy"]]
        spans = list(rows[0]["new_positions_accuracy"])
        span_x = [int(s.split("-")[1]) for s in spans]
        train_max = min(lengths)
        top, bottom = axes[0][col], axes[1][col]
        for i, s in enumerate(rows):
            colour, dx = COLOUR[s["cell"]], 1 + 0.025 * (i - 1.5)  # a small offset so markers do not hide
            label = f"{s['cell']}: {ROLE[s['cell']]}"
            xs = [n * dx for n in lengths]
            top.plot(xs, list(s["test_accuracy"].values()), "-o", color=colour, lw=2, ms=6, label=label)
            for seed_acc in zip(*s["test_accuracy_by_seed"].values(), strict=True):
                top.plot(xs, seed_acc, "o", color=colour, ms=3.5, alpha=0.45, mfc="none")
            xs = [n * dx for n in [train_max, *span_x]]
            first = str(train_max)
            band = [s["test_accuracy"][first], *s["new_positions_accuracy"].values()]
            bottom.plot(xs, band, "-s", color=colour, lw=2, ms=6, label=label)
            by_seed = [s["test_accuracy_by_seed"][first], *s["new_positions_accuracy_by_seed"].values()]
            for seed_acc in zip(*by_seed, strict=True):
                bottom.plot(xs, seed_acc, "s", color=colour, ms=3.5, alpha=0.45, mfc="none")
        # Perfect on positions 1..16, chance after: the whole-sequence accuracy of a model that stops tracking.
        stop = [(train_max + (n - train_max) * chance) / n for n in lengths]
        top.plot(lengths, stop, ":", color="0.35", lw=1.5, label="perfect to 16, chance after")
        for ax in (top, bottom):
            ax.axhline(chance, color="0.35", ls="--", lw=1.2, label="chance")
            ax.text(78, chance + 0.012, f"chance {chance:.2g}", ha="right", va="bottom", fontsize=8, color="0.3")
            ax.axvspan(3.5, train_max * 1.04, color="0.85", alpha=0.6, lw=0)
            ax.set_xscale("log", base=2)
            ax.set_xlim(12, 80)
            ax.set_ylim(min(0.0, chance - 0.05), 1.04)
            ax.grid(alpha=0.3)
            ax.tick_params(labelsize=9)
        top.text(train_max * 0.98, 0.03, "trained\n\u2264 16", ha="right", va="bottom", fontsize=8, color="0.3")
        top.set_title(f"{task}: accuracy over all positions of a length-L sequence", fontsize=10)
        bottom.set_title(f"{task}: accuracy by position, 1-16 / 17-32 / 33-64 (estimated)", fontsize=10)
        ticks = sorted(set(lengths) | set(span_x))
        bottom.set_xticks(ticks, [f"{n}\n({n // 2 + 1 if n > train_max else 1}-{n})" for n in ticks])
        bottom.set_xlabel("test length L (bottom: the positions in brackets)", fontsize=9)
        if col == 0:
            top.set_ylabel("accuracy", fontsize=10)
            bottom.set_ylabel("accuracy on those positions only", fontsize=10)
    seeds = max((s["seeds"] for s in summary), default=0)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=9, frameon=False, bbox_to_anchor=(0.5, -0.01))
    fig.suptitle(f"Empty cells of the paper's table on state tracking: {steps} training steps, lengths 4-16, "
                 f"mean of {seeds} seed{'s' * (seeds > 1)} (hollow: each seed)", fontsize=11)
    fig.tight_layout(rect=(0, 0.07, 1, 0.97))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def frontier_plot(db: Path, steps: int, path: Path) -> Path | None:
    from rt_explore.training.bench import load_results, resolve_cells

    from rt_explore.training.plots import frontier_rows, plot_frontier

    specs = {c.spec for c in resolve_cells(CELLS)}
    rows = [r for r in load_results(db) if r["spec"] in specs and r["task"] in TASKS and r["budget"] == steps]
    return plot_frontier(rows, path) if frontier_rows(rows) else None


def fmt(values: list[float]) -> str:
    mid = mean(values)
    return f"{mid:.3f}" if len(values) == 1 else f"{mid:.3f} ({', '.join(f'{v:.2f}' for v in values)})"


def markdown(data: dict) -> str:
    m, summary = data["measurement"], data["summary"]
    steps, seeds = data["config"]["steps"], max((s["seeds"] for s in summary), default=0)
    lines = [
        "# Do the paper's empty cells track state?",
        "",
        "Issue \"seed systems\", item 7. `depth/token` and `depth/ponder` are the two empty cells of the axis x",
        "tokens_per_step table of *The Topological Trouble With Transformers* (arXiv 2604.17121), ranked 1 and 2",
        "by `rt-explore gaps`. They are trained here beside `depth/sequence` (a looped transformer, which the",
        "paper argues cannot carry state across tokens) and `step/token` (a delta-rule recurrence, which can),",
        "on running parity and counting mod 5, with lengths 4-16 in training and 16, 32, 64 in the test.",
        "",
        f"Produced by `python benchmarks/bench_empty_cells.py` ({steps} steps per run, batch 32, "
        f"{seeds} seed{'s' * (seeds > 1)}, default options of each scaffolded cell, one torch thread per "
        f"process, {m.get('jobs', '?')} processes in parallel on a shared 2-core CPU); "
        f"wall time {m['wall_seconds'] / 60:.1f} min. Raw numbers: `docs/empty_cells.json`.",
        "",
        "Accuracy at L counts every position of a length-L sequence (the tasks label every prefix), positions",
        "1-16 included: a model perfect to 16 and at chance after would score 0.75 / 0.625 (parity) and",
        "0.60 / 0.40 (mod 5) at 32 / 64. The column *33-64 only* isolates the new positions, estimated as",
        "(64 acc(64) - 32 acc(32)) / 32 (the models are causal). Mean over seeds, each seed in brackets;",
        "seconds are per run (training plus evaluation, including the frontier of the depth cells).",
        "",
        "| cell | task | acc @16 | acc @32 | acc @64 | 33-64 only | chance | train acc | s / run | verdict |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in summary:
        if not s["seeds"]:
            status = ", ".join(s["status"]) or "not run"
            lines.append(f"| {s['cell']} | {s['task']} | - | - | - | - | - | - | - | {status} |")
            continue
        acc = s["test_accuracy_by_seed"]
        last = list(s["new_positions_accuracy_by_seed"])[-1]
        lines.append(f"| {s['cell']} | {s['task']} | {fmt(acc['16'])} | {fmt(acc['32'])} | {fmt(acc['64'])} | "
                     f"{fmt(s['new_positions_accuracy_by_seed'][last])} | {s['chance']:.2f} | "
                     f"{s['train_accuracy']:.3f} | {s['seconds']:.0f} | {s['verdict']} |")
    lines += [
        "",
        f"Verdict, from (acc - chance) / (1 - chance) on the positions 33-64 alone: >= {TRACKS} for every seed is",
        f"*tracks state to 64*, <= {CHANCE_BAND} for every seed is *chance at 33-64* (with *above it at 17-32* when",
        f"that band is above {CHANCE_BAND} for every seed), between is *partly*; *does not fit lengths <= 16* marks",
        f"cells whose train accuracy, normalised the same way, is below {TRACKS} for some seed.",
        "",
        "![accuracy by test length](empty_cells.png)",
        "",
    ]
    if data.get("frontier_plot"):
        lines += ["Accuracy against the number of recurrence steps used at test time (the depth cells; solid: length",
                  "64, dashed: length 16, dot: the trained count; drawn by the library, in its own colours):", "",
                  "![frontier](empty_cells-frontier.png)", ""]
    lines += ["`rt-explore grid --evidence` on the same database (best seed at length 64 per cell):", "", "```",
              data["grid_evidence"], "```", "", "## What it shows", "", data["finding"], ""]
    skipped = [p for p in m["phases"] if p.get("skipped")]
    for p in skipped:
        lines += [f"Seed {p['seed']} was not run: {p['reason']}.", ""]
    return "\n".join(lines)


def finding(summary: list[dict], steps: int, runs: list[dict]) -> str:
    """One paragraph from the numbers: what each cell does beyond the training length, and the caveats."""
    by = {(s["cell"], s["task"]): s for s in summary if s["seeds"]}
    empty, refs = CELLS[:2], CELLS[2:]

    def band(cell: str, which: int) -> str:
        out = []
        for task in TASKS:
            s = by.get((cell, task))
            if s:
                span = list(s["new_positions_accuracy"])[which]
                out.append(f"{task} {s['new_positions_accuracy'][span]:.2f}")
        return ", ".join(out)

    def spans() -> tuple[str, str]:
        first = next(iter(by.values()))["new_positions_accuracy"]
        return tuple(list(first)[i] for i in (0, -1))  # type: ignore[return-value]

    near, far = spans()
    chances = ", ".join(f"{t} {by[(CELLS[0], t)]['chance']:.2f}" for t in TASKS if (CELLS[0], t) in by)
    fitted = [c for c in empty if all(by.get((c, t)) and by[(c, t)]["train_accuracy"] >= 0.99 for t in TASKS)]
    tracking = [(c, t) for c in CELLS for t in TASKS if by.get((c, t)) and by[(c, t)]["verdict"].startswith("tracks")]
    empty_tracking = [f"{c} on {t}" for c, t in tracking if c in empty]
    ref_tracking = [f"{c} on {t}" for c, t in tracking if c in refs]
    parts = [f"After {steps} steps ({max(s['seeds'] for s in by.values())} seeds),"]
    looped_fits = all(by.get(("depth/sequence", t)) and by[("depth/sequence", t)]["train_accuracy"] >= 0.99
                      for t in TASKS)
    if fitted:
        parts.append(f"{' and '.join(f'`{c}`' for c in fitted)} fit every training length on both tasks "
                     "(train accuracy >= 0.99)" + ("." if looped_fits else
                                                   ", which `depth/sequence` did not at this budget."))
    for c in empty:
        parts.append(f"`{c}` scores {band(c, 0)} on positions {near} and {band(c, -1)} on positions {far}.")
    parts.append(f"The references: `depth/sequence` {band('depth/sequence', 0)} on {near} and "
                 f"{band('depth/sequence', -1)} on {far}; `step/token` {band('step/token', 0)} on {near} and "
                 f"{band('step/token', -1)} on {far} (chance: {chances}).")
    if empty_tracking:
        parts.append(f"So state is tracked to 4x the training length by {', '.join(empty_tracking)}.")
    else:
        def near_gain(c: str) -> bool:  # better than the looped model on the first positions past 16, every task
            def acc(cell: str, task: str) -> float:
                return by[(cell, task)]["new_positions_accuracy"][near] if (cell, task) in by else 0.0

            return all(acc(c, t) > acc("depth/sequence", t) + 0.05 for t in TASKS)

        further = [c for c in empty if near_gain(c)]
        parts.append("So, measured this way, neither empty cell tracks state to 4x the training length on either "
                     "task: what they carry past 16 decays with distance and is gone by positions "
                     f"{far}" + (f"; on {near} {' and '.join(f'`{c}`' for c in further)} still beat the looped "
                                 "`depth/sequence`" if further else "")
                     + (" (which, less well fitted, is weaker at 16 too)." if further and not looped_fits else "."))
    if ref_tracking:
        parts.append(f"The separation is real where a reference does track ({', '.join(ref_tracking)});"
                     + ("" if any(t == TASKS[1] for _, t in tracking) else
                        f" no cell tracks {TASKS[1]} at this budget, the delta rule included, so that task "
                        "does not separate the cells here."))
    # Test-time depth: does iterating more than trained help at the longest length?
    gains, deeper = [], False
    for c in empty:
        per_task = []
        for task in TASKS:
            rs = [r for r in runs if r["cell"] == c and r["task"] == task and r.get("frontier")]
            if rs:
                longest = max(rs[0]["test_accuracy"], key=int)
                best = [max(r["frontier"], key=lambda k, r=r: r["frontier"][k][longest]) for r in rs]
                per_task.append(f"{task} {'/'.join(best)}")
                deeper |= any(int(b) > r["trained_recurrence_steps"] for b, r in zip(best, rs, strict=True))
        trained = next((r["trained_recurrence_steps"] for r in runs if r["cell"] == c and r.get("frontier")), None)
        if per_task:
            gains.append(f"`{c}` (trained with {trained}) {', '.join(per_task)}")
    if gains:
        parts.append("Test-time passes that give the best accuracy at the longest length, per seed: "
                     + "; ".join(gains) + " (see the frontier figure)"
                     + (": more passes than trained do not help." if not deeper else "."))
    seeds = max(s["seeds"] for s in by.values())
    parts.append(
        "Both empty cells are generated as the same model (`ChunkwiseDepthRecurrence` with chunk_size=1, a "
        "shared 2-layer block; 2 passes per token for `depth/token`, 3 fixed passes for `depth/ponder`, no "
        "adaptive halting by default), in which every pass of token t attends to the final (top-of-stack) states "
        "of tokens < t: a serial path across tokens, so unlike `depth/sequence` nothing in the construction "
        "bars them from carrying state"
        + ("; at this budget they learn a solution that holds to 16 and degrades after." if not empty_tracking
           else "."))
    parts.append(
        f"Limits: a {steps}-step budget, {seeds} seed{'s' * (seeds > 1)}, one evaluation batch of 256 sequences "
        "per length, default options and learning rate (3e-3) for every cell, rotary positions beyond 16 that no "
        "attention layer saw in training, and per-run seconds measured on a shared 2-core machine under varying "
        "load (the same run can take twice as long).")
    return " ".join(parts)


def report(args: argparse.Namespace, measurement: dict) -> dict:
    import torch

    import rt_explore

    runs = collect(args.db, args.steps)
    summary = summarise(runs)
    frontier_path = frontier_plot(args.db, args.steps, DOCS / "empty_cells-frontier.png")
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = ""
    data = {
        "question": "Do depth/token and depth/ponder (the empty cells of arXiv 2604.17121's table) track state "
                    "beyond the training length, next to depth/sequence and step/token?",
        "config": {"cells": list(CELLS), "tasks": list(TASKS), "steps": args.steps, "seeds_requested": args.seeds,
                   "db": str(args.db), "rt_explore_version": rt_explore.__version__, "torch": torch.__version__,
                   "python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
                   "git_commit": commit, "threads_per_process": 1,
                   "bench_command": bench_command("TASK", args.seeds, args.steps, args.db)[1:]},
        "measurement": measurement,
        "summary": summary,
        "runs": runs,
        "grid_evidence": grid_evidence(args.db),
        "frontier_plot": frontier_path.name if frontier_path else None,
    }
    data["finding"] = finding(summary, args.steps, runs)
    plot(summary, runs, args.steps, DOCS / "empty_cells.png")
    (DOCS / "empty_cells.json").write_text(json.dumps(data, indent=1) + "\n")
    (DOCS / "empty_cells.md").write_text(markdown(data))
    return data


def main() -> None:
    global DOCS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=600, help="training steps per run")
    parser.add_argument("--seeds", type=int, default=2, help="seeds per cell and task (later ones may be skipped)")
    parser.add_argument("--jobs", type=int, default=2, help="bench processes in parallel (one per task)")
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, help="SQLite results file (resumable)")
    parser.add_argument("--budget-min", type=float, default=25.0,
                        help="skip a further seed when the projected wall time would pass this many minutes")
    parser.add_argument("--report-only", action="store_true", help="only redraw the docs from the database")
    parser.add_argument("--docs", type=Path, default=DOCS, help="where the docs are written")
    args = parser.parse_args()
    DOCS = args.docs
    if args.report_only:
        previous = DOCS / "empty_cells.json"
        measurement = json.loads(previous.read_text())["measurement"] if previous.is_file() else {
            "wall_seconds": 0.0, "phases": [], "processes": []}
    else:
        measurement = measure(args)
        # Kept at once, so that a failure while drawing loses no measurement (then use --report-only).
        DOCS.mkdir(parents=True, exist_ok=True)
        (DOCS / "empty_cells.json").write_text(json.dumps({"measurement": measurement}, indent=1) + "\n")
    data = report(args, measurement)
    for s in data["summary"]:
        if s["seeds"]:
            print(f"{s['cell']:15} {s['task']:14} " + " ".join(f"{n}:{a:.3f}" for n, a in s["test_accuracy"].items())
                  + f"  chance {s['chance']:.2f}  {s['verdict']}")
    print(f"wall {measurement['wall_seconds'] / 60:.1f} min; wrote docs/empty_cells.{{json,md,png}}")


if __name__ == "__main__":
    main()
