"""Shared by the training-speed benchmarks: generated models, one timed training step, counted FLOPs and the
machine's matmul throughput.

A training step is the recipe's own (`rt_explore.training.recipe`): cross entropy on every position (plus
`aux_loss`, averaged over iterations under deep supervision), backward, gradient clipping, AdamW. Times are
taken both as wall time and as process CPU time: the machines are shared, and with one torch thread the CPU
time is what the step itself cost, while wall time also counts the time other processes held the core.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import FlopCounterMode, sdpa_backward_flop_count, sdpa_flop_count, shape_wrapper

from rt_explore.training.recipe import loss_and_logits, optimiser_step

DIMS = {"dim": 256, "n_layers": 4, "n_heads": 4}
VOCAB = 256


def generated_model(cell: str, name: str, dims: dict[str, int] = DIMS, vocab: int = VOCAB) -> torch.nn.Module:
    """Scaffold `cell` with `dims` (and every other option at its default) into a temporary folder; build it."""
    from rt_explore.codegen import generate, spec_from_cell
    from rt_explore.taxonomy import load_taxonomy
    from rt_explore.training.project import load_project

    folder = Path(tempfile.mkdtemp(prefix="rt-bench-")) / name
    generate(spec_from_cell(cell, load_taxonomy(), {k: str(v) for k, v in dims.items()}, name), folder)
    return load_project(folder).build(vocab)


def batch(size: int, length: int, generator: torch.Generator, vocab: int = VOCAB):
    """Random tokens: (inputs [B, T], targets [B, T], mask [B, T] all True)."""
    ids = torch.randint(0, vocab, (size, length + 1), generator=generator)
    return ids[:, :-1], ids[:, 1:], torch.ones(size, length, dtype=torch.bool)


def train_step(model: torch.nn.Module, optimizer: torch.optim.Optimizer, data) -> None:
    """One step of the recipe at a fixed learning rate: forward, loss, backward, clipping, AdamW."""
    loss, _ = loss_and_logits(model, *data)
    optimiser_step(model, optimizer, loss, lr=1e-3)


def timed_steps(model, optimizer, data, steps: int) -> tuple[float, float]:
    """(wall seconds, process CPU seconds) of `steps` training steps on the same batch."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(steps):
        train_step(model, optimizer, data)
    return time.perf_counter() - wall, time.process_time() - cpu


def _sdpa_forward(query, key, value, *args, out_shape=None, **kwargs) -> int:
    return sdpa_flop_count(query, key, value)


def _sdpa_backward(grad_out, query, key, value, *args, out_shape=None, **kwargs) -> int:
    return sdpa_backward_flop_count(grad_out, query, key, value)


# FlopCounterMode knows the CUDA attention kernels but not the CPU one that F.scaled_dot_product_attention
# dispatches to here; give it torch's own attention formulas (full T x T scores: causal masking is not
# subtracted, and the backward pass counts the recomputation of the scores, as for the CUDA kernels).
_CPU_ATTENTION = {torch.ops.aten._scaled_dot_product_flash_attention_for_cpu: _sdpa_forward,
                  torch.ops.aten._scaled_dot_product_flash_attention_for_cpu_backward: _sdpa_backward}


class _Formulas(TorchDispatchMode):
    """FlopCounterMode's formulas (its registry plus the CPU attention above) without its module tracking,
    which costs more than the model itself in the per-token loops of the sequential cores: the totals are
    the same (bench_cores.py checks this on its cheap cells), at less than half the time."""

    def __init__(self):
        super().__init__()
        self.formulas = {**FlopCounterMode().flop_registry,
                         **{op: shape_wrapper(f) for op, f in _CPU_ATTENTION.items()}}
        self.total = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        formula = self.formulas.get(func._overloadpacket)
        if formula is not None:
            self.total += formula(*args, **kwargs, out_val=out)
        return out


def counted_flops(model: torch.nn.Module, data, *, module_tracking: bool = False) -> int:
    """FLOPs of one forward + backward of the recipe's loss, counted with torch.utils.flop_counter's formulas
    (matrix products and attention; elementwise work is not counted). `module_tracking=True` runs
    FlopCounterMode itself."""
    model.zero_grad(set_to_none=True)
    counter = FlopCounterMode(display=False, custom_mapping=_CPU_ATTENTION) if module_tracking else _Formulas()
    with counter:
        loss, _ = loss_and_logits(model, *data)
        loss.backward()
    model.zero_grad(set_to_none=True)
    return counter.get_total_flops() if module_tracking else counter.total


def matmul_gflops(n: int = 2048, repeats: int = 5) -> list[tuple[float, float]]:
    """Measured fp32 throughput of an n x n x n torch.mm: [(GFLOP/s by wall time, GFLOP/s by CPU time)]."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)
    rates = []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        torch.mm(a, b)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        rates.append((2 * n**3 / wall / 1e9, 2 * n**3 / cpu / 1e9))
    return rates
