"""Adaptive Computation Time arithmetic: halting probabilities over iterations -> mixing weights and cost.

Graves 2016, "Adaptive Computation Time for Recurrent Neural Networks", arXiv 1603.08983, Sec. 2: a
halting unit h_n = sigmoid(w . s_n + b) per position and step; N = the first step whose cumulative halting
mass reaches the threshold 1 - eps (or the last step available); the remainder R = 1 - sum_{n<N} h_n;
the weights p_n = h_n for n < N and p_N = R sum to one; the output is sum_n p_n s_n and the ponder cost
rho = N + R (differentiable through R only) is added to the loss, scaled by a time penalty. Dehghani et
al. 2018, "Universal Transformers", arXiv 1807.03819, Sec. 2.2 applies it per position over depth.

The halting unit itself (a linear layer) lives in the generated model; this is the arithmetic on its
outputs. All iteration states are computed first and halting is a learned mixture of them; positions that
halt early still had their later states computed (fine at toy sizes; early exit is an inference-time
optimisation that gives the same output).
"""

from __future__ import annotations

import torch


def act_weights(h: torch.Tensor, threshold: float = 0.99) -> tuple[torch.Tensor, torch.Tensor]:
    """Halting probabilities `h: [N, B, T]` (N iterations) -> (weights p [N, B, T] summing to one over N,
    ponder cost N + R per position [B, T])."""
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    # The last available step always halts, so every position ends with its mass complete.
    h = torch.cat([h[:-1], torch.ones_like(h[-1:])], dim=0)
    before = h.cumsum(dim=0) - h  # [N, B, T]: halting mass accumulated before step n
    # Running at step n: not yet halted before it. Halting at n: running, and n reaches the threshold.
    running = before < threshold
    halting = running & (before + h >= threshold)
    remainder = 1.0 - before  # R if step n is the halting step
    p = torch.where(halting, remainder, torch.where(running, h, torch.zeros_like(h)))
    n_steps = running.sum(dim=0).to(h.dtype)  # N per position [B, T]
    r = (remainder * halting).sum(dim=0)  # R per position [B, T]
    return p, n_steps + r
