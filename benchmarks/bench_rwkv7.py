"""Time forward + backward of chunk_rwkv7 against chunk_gated_delta_rule (and the naive RWKV-7 loop) on CPU.

A script, not a test: `python benchmarks/bench_rwkv7.py`. Shapes B=2, H=4, T=1024, Dk=Dv=64 in fp32,
chunk size 64, one torch thread (the machines are shared; one thread keeps the ratio meaningful). The
kernels run interleaved, REPEATS times each; the medians, and the median of the ratios of back-to-back
pairs (robust to load that drifts during the run), go to docs/bench_rwkv7.json and docs/bench_rwkv7.md.
The target (issue 13): chunk_rwkv7 within 2x the wall time of the chunked gated delta rule, the
recurrence it generalises (per-channel instead of per-head decay, a removal key apart from the write key).
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

from rt_explore.kernels.gated_delta_rule import chunk_gated_delta_rule
from rt_explore.kernels.rwkv7 import chunk_rwkv7, naive_rwkv7

B, H, T, D = 2, 4, 1024, 64
CHUNK_SIZE = 64
REPEATS = 9
TARGET_RATIO = 2.0
DOCS = Path(__file__).resolve().parents[1] / "docs"


def rwkv7_inputs(gen: torch.Generator) -> list[torch.Tensor]:
    """r, k, v, log_w, a, b as RWKV-7 makes them: a = -kappa_hat, b = kappa_hat * eta, w = exp(-e^-0.5 sigmoid)."""
    kappa = F.normalize(torch.randn(B, T, H, D, generator=gen), dim=-1)
    eta = torch.rand(B, T, H, D, generator=gen)
    r, k, v = (torch.randn(B, T, H, D, generator=gen) for _ in range(3))
    log_w = -(-0.5 * torch.ones(())).exp() * torch.randn(B, T, H, D, generator=gen).sigmoid()
    return [x.requires_grad_() for x in (r, k / D**0.5, v, log_w, -kappa, kappa * eta)]


def gated_delta_inputs(gen: torch.Generator) -> list[torch.Tensor]:
    """q, k, v, g, beta in the regime the layer runs in: unit keys, beta in (0, 1), g = logsigmoid."""
    q, v = torch.randn(B, T, H, D, generator=gen), torch.randn(B, T, H, D, generator=gen)
    k = F.normalize(torch.randn(B, T, H, D, generator=gen), dim=-1)
    g = F.logsigmoid(2 + torch.randn(B, T, H, generator=gen))
    beta = torch.rand(B, T, H, generator=gen)
    return [x.requires_grad_() for x in (q, k, v, g, beta)]


def main() -> dict:
    started, load_before = time.perf_counter(), os.getloadavg()[0]
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(0)
    runs = {
        "chunk_rwkv7": (functools.partial(chunk_rwkv7, chunk_size=CHUNK_SIZE), rwkv7_inputs(gen)),
        "chunk_gated_delta_rule": (functools.partial(chunk_gated_delta_rule, chunk_size=CHUNK_SIZE),
                                   gated_delta_inputs(gen)),
    }
    for fn, inputs in runs.values():
        forward_backward_seconds(fn, inputs)  # warm-up
    # Interleaved, so that a busy machine slows both alike and the ratio stays meaningful.
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
    for _ in range(REPEATS):
        for name, (fn, inputs) in runs.items():
            times[name].append(forward_backward_seconds(fn, inputs))
    naive = forward_backward_seconds(naive_rwkv7, runs["chunk_rwkv7"][1])  # once: it is slow
    wall = {name: statistics.median(t[0] for t in ts) for name, ts in times.items()}
    cpu = {name: statistics.median(t[1] for t in ts) for name, ts in times.items()}
    # Each repeat's pair ran back to back, so its ratio sees the same load.
    ratio = statistics.median(x[0] / y[0] for x, y in zip(*times.values(), strict=True))
    cpu_ratio = statistics.median(x[1] / y[1] for x, y in zip(*times.values(), strict=True))
    result = {
        "shape": {"B": B, "H": H, "T": T, "Dk": D, "Dv": D},
        "dtype": "float32", "device": "cpu", "threads": torch.get_num_threads(), "chunk_size": CHUNK_SIZE,
        "repeats": REPEATS,
        "fwd_bwd_s": {name: round(s, 4) for name, s in wall.items()} | {"naive_rwkv7": round(naive[0], 4)},
        "fwd_bwd_cpu_s": {name: round(s, 4) for name, s in cpu.items()} | {"naive_rwkv7": round(naive[1], 4)},
        "all_wall_s": {name: [round(t[0], 4) for t in ts] for name, ts in times.items()},
        "rwkv7_over_gated_delta_rule": round(ratio, 2),
        "rwkv7_over_gated_delta_rule_cpu_time": round(cpu_ratio, 2),
        "chunk_speedup_over_naive_rwkv7": round(naive[0] / wall["chunk_rwkv7"], 1),
        "target_ratio": TARGET_RATIO,
        "within_target": ratio <= TARGET_RATIO,
        **machine_meta(started, load_before),
    }
    (DOCS / "bench_rwkv7.json").write_text(json.dumps(result, indent=2) + "\n")
    (DOCS / "bench_rwkv7.md").write_text(markdown(result))
    return result


def markdown(r: dict) -> str:
    s = r["shape"]
    rows = "\n".join(f"| `{name}` | {1e3 * wall:.0f} | {1e3 * r['fwd_bwd_cpu_s'][name]:.0f} |"
                     for name, wall in r["fwd_bwd_s"].items())
    return f"""# RWKV-7 kernel speed

Written by `benchmarks/bench_rwkv7.py`; do not edit by hand.
Forward + backward, fp32 on CPU, B={s['B']} H={s['H']} T={s['T']} Dk=Dv={s['Dk']}, chunk size {r['chunk_size']}, \
{r['threads']} thread; median of {r['repeats']} interleaved runs (the naive loop once).
Machine: {r['machine']}; load average {r['load_before']:.1f} before, {r['load_after']:.1f} after.

| kernel | wall ms | CPU ms |
|---|---:|---:|
{rows}

`chunk_rwkv7` takes **{r['rwkv7_over_gated_delta_rule']}x** the wall time of `chunk_gated_delta_rule` \
(median ratio of back-to-back pairs; {r['rwkv7_over_gated_delta_rule_cpu_time']}x in CPU time). \
Target: at most {r['target_ratio']}x, {"met" if r['within_target'] else "not met"}. \
The chunked kernel is {r['chunk_speedup_over_naive_rwkv7']}x faster than its naive twin.

The extra cost is the per-channel decay and the separate removal key: four C x C products per chunk
instead of two, one more with the values before the triangular solve, and one more in the output.
"""


if __name__ == "__main__":
    r = main()
    print(f"chunk_rwkv7 {r['fwd_bwd_s']['chunk_rwkv7'] * 1e3:.0f} ms, chunk_gated_delta_rule "
          f"{r['fwd_bwd_s']['chunk_gated_delta_rule'] * 1e3:.0f} ms: {r['rwkv7_over_gated_delta_rule']}x "
          f"(target <= {TARGET_RATIO}x); naive_rwkv7 {r['fwd_bwd_s']['naive_rwkv7'] * 1e3:.0f} ms")
