"""Training throughput of the generated `none` baseline against x-transformers, side by side in one run.

Both models have the same width, depth, heads and vocabulary (dim 256, 4 layers, 4 heads, vocabulary 256)
and train on sequences of 256 tokens, batch 8, in fp32 on one torch thread (the machines are shared; one
thread keeps the ratio meaningful). A step is the recipe's training step (benchmarks/_speed.py): forward,
loss, backward, clipping, AdamW. The two are timed in alternation, in rounds of a few steps each (the order
flips every round, so drifting load hits both alike); tokens/s is the median over rounds, by wall time and
by process CPU time, and the ratio is the median of the rounds' paired ratios. Target (issue 9, criterion
5): the generated baseline trains at >= 1.1x the tokens/s of x-transformers.

Needs the dev extra (`pip install -e '.[dev]'` brings x-transformers). Writes docs/bench_baseline.json.
Run: python benchmarks/bench_baseline_vs_xtransformers.py
"""

from __future__ import annotations

import json
import os
import statistics
import time
from pathlib import Path

import torch
from _machine import machine_meta
from _speed import DIMS, VOCAB, batch, generated_model, timed_steps, train_step

ROOT = Path(__file__).resolve().parent.parent
T, BATCH = 256, 8
WARMUP, ROUNDS, STEPS_PER_ROUND = 2, 10, 3
TARGET = 1.1
OURS, THEIRS = "rt-explore none baseline", "x-transformers Decoder"


def x_transformer() -> torch.nn.Module:
    from x_transformers import Decoder, TransformerWrapper

    dim, heads = DIMS["dim"], DIMS["n_heads"]
    return TransformerWrapper(num_tokens=VOCAB, max_seq_len=T, attn_layers=Decoder(
        dim=dim, depth=DIMS["n_layers"], heads=heads, attn_dim_head=dim // heads))


def main() -> dict:
    started, load_before = time.perf_counter(), os.getloadavg()[0]
    torch.set_num_threads(1)
    torch.manual_seed(0)
    models = {OURS: generated_model("none", "baseline"), THEIRS: x_transformer()}
    optimizers = {k: torch.optim.AdamW(m.parameters(), lr=1e-3, weight_decay=0.01) for k, m in models.items()}
    data = batch(BATCH, T, torch.Generator().manual_seed(0))
    for name, model in models.items():
        for _ in range(WARMUP):
            train_step(model, optimizers[name], data)
    tokens = STEPS_PER_ROUND * BATCH * T
    rounds = []
    for r in range(ROUNDS):
        order = list(models) if r % 2 == 0 else list(reversed(models))
        row = {"load": round(os.getloadavg()[0], 2)}
        for name in order:
            wall, cpu = timed_steps(models[name], optimizers[name], data, STEPS_PER_ROUND)
            row[name] = {"wall": tokens / wall, "cpu": tokens / cpu}
        rounds.append(row)
    results = {
        name: {"tokens_per_second": round(statistics.median(r[name]["wall"] for r in rounds), 1),
               "tokens_per_cpu_second": round(statistics.median(r[name]["cpu"] for r in rounds), 1),
               "parameters": sum(p.numel() for p in models[name].parameters())}
        for name in models
    }
    ratio = {clock: round(statistics.median(r[OURS][clock] / r[THEIRS][clock] for r in rounds), 3)
             for clock in ("wall", "cpu")}
    summary = {
        "config": {**DIMS, "vocab": VOCAB, "seq_len": T, "batch": BATCH, "dtype": "float32",
                   "threads": torch.get_num_threads(), "rounds": ROUNDS, "steps_per_round": STEPS_PER_ROUND},
        "results": results,
        "ratio": ratio["wall"], "ratio_cpu_time": ratio["cpu"], "target": TARGET,
        "meets_target": ratio["wall"] >= TARGET,
        "ratio_per_round": [round(r[OURS]["wall"] / r[THEIRS]["wall"], 3) for r in rounds],
        "load_per_round": [r["load"] for r in rounds],
        **machine_meta(started, load_before),
    }
    out = ROOT / "docs" / "bench_baseline.json"
    out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    for name, r in results.items():
        print(f"{name:26s} {r['tokens_per_second']:8.0f} tokens/s  {r['tokens_per_cpu_second']:8.0f} tokens/CPU-s  "
              f"{r['parameters'] / 1e6:.2f} M parameters")
    print(f"ratio (ours / x-transformers): {ratio['wall']:.3f} wall, {ratio['cpu']:.3f} CPU time (target >= {TARGET}); "
          f"load {load_before:.1f} -> {summary['load_after']:.1f}; wrote {out.relative_to(ROOT)}")
    return summary


if __name__ == "__main__":
    main()
