"""Time forward + backward of chunk_delta_rule against naive_delta_rule on CPU.

A script, not a test: `python benchmarks/bench_delta_rule.py`. Shapes B=2, H=4, T=2048, Dk=Dv=64 in
fp32, one torch thread (the machines are shared; one thread keeps the ratio meaningful); prints the median
of a few interleaved repeats of each and the speedup, and writes them to docs/bench_delta_rule.json (with
the load average, since a busy machine inflates both times). Target (issue 9, criterion 5): the chunked
form stays at least 20x faster than its naive twin, forward + backward.
"""

from __future__ import annotations

import functools
import json
import os
import statistics
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from _machine import forward_backward_seconds, machine_meta

from rt_explore.kernels.delta_rule import chunk_delta_rule, naive_delta_rule

B, H, T, D = 2, 4, 2048, 64
CHUNK_SIZE = 64
REPEATS = 3
TARGET = 20.0
OUT = Path(__file__).resolve().parents[1] / "docs" / "bench_delta_rule.json"


def make_inputs(seed: int = 0) -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    q = torch.randn(B, T, H, D, generator=gen)
    # Unit keys and beta in (0, 1): the regime the layer runs in, where the recurrence stays bounded.
    k = F.normalize(torch.randn(B, T, H, D, generator=gen), dim=-1)
    v = torch.randn(B, T, H, D, generator=gen)
    beta = torch.rand(B, T, H, generator=gen)
    return [x.requires_grad_() for x in (q, k, v, beta)]


def main() -> dict:
    started, load_before = time.perf_counter(), os.getloadavg()[0]
    torch.set_num_threads(1)
    inputs = make_inputs()
    chunked = functools.partial(chunk_delta_rule, chunk_size=CHUNK_SIZE)
    forward_backward_seconds(chunked, inputs)  # warm-up
    # Interleave the two so that a busy machine slows both alike and the speedup stays meaningful.
    chunk_times, naive_times = [], []
    for _ in range(REPEATS):
        chunk_times.append(forward_backward_seconds(chunked, inputs))
        naive_times.append(forward_backward_seconds(naive_delta_rule, inputs))
    chunk, naive = (statistics.median(t[0] for t in times) for times in (chunk_times, naive_times))
    chunk_cpu, naive_cpu = (statistics.median(t[1] for t in times) for times in (chunk_times, naive_times))
    result = {
        "shape": {"B": B, "H": H, "T": T, "Dk": D, "Dv": D},
        "dtype": "float32",
        "device": "cpu",
        "threads": torch.get_num_threads(),
        "chunk_size": CHUNK_SIZE,
        "repeats": REPEATS,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "naive_fwd_bwd_s": round(naive, 4),
        "chunk_fwd_bwd_s": round(chunk, 4),
        "speedup": round(naive / chunk, 1),
        "naive_fwd_bwd_cpu_s": round(naive_cpu, 4),
        "chunk_fwd_bwd_cpu_s": round(chunk_cpu, 4),
        "speedup_cpu_time": round(naive_cpu / chunk_cpu, 1),
        "target": TARGET,
        "meets_target": naive / chunk >= TARGET,
        **machine_meta(started, load_before),
    }
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    r = main()
    print(f"naive_delta_rule fwd+bwd: {r['naive_fwd_bwd_s'] * 1e3:.1f} ms")
    print(f"chunk_delta_rule fwd+bwd: {r['chunk_fwd_bwd_s'] * 1e3:.1f} ms  (chunk_size={r['chunk_size']})")
    print(f"speedup: {r['speedup']}x wall, {r['speedup_cpu_time']}x CPU time (target >= {TARGET:.0f}x); "
          f"load {r['load_before']:.1f} -> {r['load_after']:.1f}  -> {OUT}")
