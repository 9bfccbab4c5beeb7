"""Training throughput of every core, and its share of the machine's measured fp32 matmul throughput.

Each of the 12 coherent cells of the fine grid (`rt-explore cells --fine`) is generated as a user would
(`spec_from_cell` + `generate`) at dim 256, 4 layers of parameters (for depth cells: the 4 layers of the
shared stack), 4 heads, vocabulary 256, every other option at its default, so each cell runs at its
default recurrence count (the Config fields in the `settings` column). A training step is the recipe's
(benchmarks/_speed.py: forward, loss, backward, clipping, AdamW) on random tokens, length 256, batch 8,
fp32, one torch thread. `depth+step/latent` runs at batch 1: its KV caches grow by concatenation, and
autograd keeps every copy, O(batch x (T x (1 + latent_steps))^2) floats (about 20 GB at batch 8).

FLOPs per token are counted, not estimated: torch.utils.flop_counter's formulas applied to every operator of
one forward + backward of the recipe's loss, at batch 1 (every product scales with the batch, so the count
per token does not depend on it). They count matrix products and attention (the full T x T scores, and the
recomputation in the backward pass of the fused CPU attention); elementwise work is not counted. The count
runs through a bare dispatch mode rather than FlopCounterMode, whose module tracking costs more than the
model in the per-token loops; on the cells in CHECKED FlopCounterMode itself is run too and must agree.
The matmul peak is a 2048 x 2048 x 2048 torch.mm, measured at the start, after the first round and at the
end (median of all). Achieved GFLOP/s = FLOPs/token x tokens per CPU-second; share = achieved / peak, both
by process CPU time (the machine is shared; wall time also counts other processes' turns on the core).

Rounds: a cell whose first timed step takes over SLOW_SECONDS (the sequential cores: token-wise feedback,
latent thoughts, token-wise and chunk-wise depth loops) is timed for one step only, so the run stays near
10 minutes; the others get ROUNDS rounds, interleaved across cells. Writes docs/bench_cores.json and
docs/bench_cores.md. Run: python benchmarks/bench_cores.py
"""

from __future__ import annotations

import gc
import json
import os
import resource
import statistics
import time
from dataclasses import asdict
from pathlib import Path

import torch
from _machine import machine_meta
from _speed import DIMS, batch, counted_flops, generated_model, matmul_gflops, timed_steps, train_step

from rt_explore.codegen.cores import core_for, knob_for
from rt_explore.taxonomy import FINE_DIMS, load_taxonomy

ROOT = Path(__file__).resolve().parent.parent
T, BATCH = 256, 8
BATCH_FOR = {"depth+step/latent": 1}  # see the module docstring: memory
ROUNDS, SLOW_SECONDS = 3, 10.0
CHECKED = ("none", "step/token", "depth+step/chunk")
SIZE_FIELDS = {"dim", "n_layers", "n_heads", "mlp_ratio", "vocab_size"}


def coherent_cells() -> list[dict[str, str]]:
    tax = load_taxonomy()
    return [dict(c) for c in tax.enumerate_cells(FINE_DIMS) if tax.exclusion(c) is None]


def label(cell: dict[str, str]) -> str:
    return "/".join(cell.values())


def main() -> dict:
    started, load_before = time.perf_counter(), os.getloadavg()[0]
    torch.set_num_threads(1)
    peak = matmul_gflops()
    gen = torch.Generator().manual_seed(0)
    rows: dict[str, dict] = {}
    checks: dict[str, dict[str, int]] = {}
    live: dict[str, tuple] = {}  # the cells still being timed: model, optimiser, batch
    for cell in coherent_cells():
        name = label(cell)
        torch.manual_seed(0)
        model = generated_model(name, "c_" + name.replace("/", "_").replace("+", "_"))
        settings = {k: v for k, v in asdict(model.config).items() if k not in SIZE_FIELDS}
        knob = knob_for(cell)
        counted = batch(1, T, gen)
        flops = counted_flops(model, counted)
        if name in CHECKED:  # FlopCounterMode itself, with its module tracking, gives the same total
            checks[name] = {"formulas": flops, "FlopCounterMode": counted_flops(model, counted, module_tracking=True)}
        size = BATCH_FOR.get(name, BATCH)
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
        data = batch(size, T, gen)
        train_step(model, optimizer, batch(size, 16, gen))  # optimiser state, allocator: off the clock
        load = os.getloadavg()[0]
        wall, cpu = timed_steps(model, optimizer, data, 1)
        rows[name] = {
            "cell": name, "core": core_for(cell).name, "batch": size, "seq_len": T,
            "knob": None if knob is None else f"{knob.field}={getattr(model.config, knob.field)}",
            "settings": settings, "parameters": sum(p.numel() for p in model.parameters()),
            "flops_per_token": flops / T,
            "tokens_per_second": [size * T / wall], "tokens_per_cpu_second": [size * T / cpu], "load": [load],
            "max_rss_gb_so_far": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 2),
        }
        print(f"{name:20s} {size * T / wall:8.0f} tokens/s  {cpu:6.1f} CPU-s/step  {flops / T / 1e6:8.1f} MFLOP/token",
              flush=True)
        if cpu <= SLOW_SECONDS:
            live[name] = (model, optimizer, data)
        else:
            del model, optimizer, data
            gc.collect()
    peak += matmul_gflops()
    for _ in range(ROUNDS - 1):
        for name, (model, optimizer, data) in live.items():
            load = os.getloadavg()[0]
            wall, cpu = timed_steps(model, optimizer, data, 1)
            tokens = data[0].numel()
            rows[name]["tokens_per_second"].append(tokens / wall)
            rows[name]["tokens_per_cpu_second"].append(tokens / cpu)
            rows[name]["load"].append(load)
    peak += matmul_gflops()

    peak_cpu = statistics.median(p[1] for p in peak)
    for row in rows.values():
        row["rounds"] = len(row["load"])
        for key in ("tokens_per_second", "tokens_per_cpu_second", "load"):
            row[key] = round(statistics.median(row[key]), 2 if key == "load" else 1)
        row["achieved_gflops_per_cpu_second"] = round(row["flops_per_token"] * row["tokens_per_cpu_second"] / 1e9, 2)
        row["share_of_matmul_peak"] = round(row["achieved_gflops_per_cpu_second"] / peak_cpu, 4)
    summary = {
        "config": {**DIMS, "vocab": 256, "seq_len": T, "batch": BATCH, "batch_for": BATCH_FOR, "dtype": "float32",
                   "threads": torch.get_num_threads(), "rounds": ROUNDS, "slow_seconds": SLOW_SECONDS},
        "matmul_peak": {"shape": "2048 x 2048 x 2048 torch.mm, fp32",
                        "gflops_per_cpu_second_median": round(peak_cpu, 1),
                        "gflops_per_cpu_second_max": round(max(p[1] for p in peak), 1),
                        "gflops_per_second_wall_median": round(statistics.median(p[0] for p in peak), 1),
                        "samples": len(peak)},
        "cores": list(rows.values()),
        "flop_counter_check": checks,
        "flop_counter_agrees": all(c["formulas"] == c["FlopCounterMode"] for c in checks.values()),
        "process_cpu_seconds": round(time.process_time(), 1),
        **machine_meta(started, load_before),
    }
    (ROOT / "docs" / "bench_cores.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    (ROOT / "docs" / "bench_cores.md").write_text(markdown(summary), encoding="utf-8")
    print(f"matmul peak {peak_cpu:.1f} GFLOP/CPU-s; {summary['total_seconds']:.0f} s; load {load_before:.1f} -> "
          f"{summary['load_after']:.1f}; wrote docs/bench_cores.json, docs/bench_cores.md")
    return summary


def markdown(s: dict) -> str:
    c, p = s["config"], s["matmul_peak"]
    lines = [
        "# Training throughput of every core",
        "",
        "Written by `benchmarks/bench_cores.py` (do not edit by hand). Each coherent cell of the fine grid, "
        f"generated at dim {c['dim']}, {c['n_layers']} layers of parameters (depth cells: the shared stack), "
        f"{c['n_heads']} heads, vocabulary {c['vocab']}, at its default recurrence count (`settings`); one training "
        f"step of the recipe (forward, loss, backward, clipping, AdamW) on length {c['seq_len']}, batch {c['batch']} "
        "(depth+step/latent: batch 1, for memory), fp32, one torch thread.",
        "",
        f"Matmul peak of this machine: **{p['gflops_per_cpu_second_median']} GFLOP/s** per CPU-second "
        f"(median of {p['samples']} runs of a {p['shape']}; best {p['gflops_per_cpu_second_max']}). "
        "FLOPs per token are counted with torch.utils.flop_counter's formulas over one forward + backward "
        "(matrix products and attention only; attention as torch counts it, the full T x T scores, recomputed in "
        "the backward pass; FlopCounterMode itself agrees on the cells it was run on); "
        "achieved GFLOP/s and the share of the peak are by process CPU time. Cells whose first step took over "
        f"{c['slow_seconds']:.0f} CPU-seconds were timed once; the others {c['rounds']} times (median). "
        f"Machine: {s['machine']}, torch {s['torch']}; load average {s['load_before']:.1f} before, "
        f"{s['load_after']:.1f} after; {s['total_seconds']:.0f} s in all.",
        "",
        "| cell | core | settings | batch | tokens/s (wall) | tokens/CPU-s | FLOPs/token | achieved GFLOP/s "
        "| share of matmul peak | rounds | load |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in s["cores"]:
        settings = ", ".join(f"{k}={v}" for k, v in r["settings"].items()) or "-"
        lines.append(
            f"| {r['cell']} | {r['core']} | {settings} | {r['batch']} | {r['tokens_per_second']:,.0f} "
            f"| {r['tokens_per_cpu_second']:,.0f} | {r['flops_per_token'] / 1e6:,.1f} M "
            f"| {r['achieved_gflops_per_cpu_second']:.1f} | {100 * r['share_of_matmul_peak']:.1f}% "
            f"| {r['rounds']} | {r['load']:.1f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
