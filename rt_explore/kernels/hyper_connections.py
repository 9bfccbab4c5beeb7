"""Sinkhorn-Knopp projection onto the doubly stochastic matrices, the primitive of mHC.

Xie et al., "mHC: Manifold-Constrained Hyper-Connections" (arXiv 2512.24880): the stream-mixing matrices
of hyper-connections (Zhu et al., arXiv 2409.19606) multiply across depth and can blow the signal up or
shrink it; mHC projects each onto the doubly stochastic matrices with Sinkhorn-Knopp, so every layer's
mixing (and any product of them) preserves the streams' mean and is non-expansive. The hyper-connection
layers themselves are written out in the generated model.py.
"""

import torch


def sinkhorn(logits: torch.Tensor, iters: int = 20) -> torch.Tensor:
    """Sinkhorn-Knopp: scale `exp(logits): [..., n, n]` so that rows and columns sum to 1.

    Leading dimensions are a batch of matrices (mHC projects one matrix per token: `[B, T, n, n]`).
    Alternately normalises rows and columns in log space (no overflow for large logits); the result is
    exactly column-stochastic and row-stochastic up to the convergence left after `iters` rounds. The
    convergence is geometric, slower the more spread `exp(logits)` is: 20 rounds (mHC's choice) reach
    1e-4 for logits of unit scale; logits spread over several units need more rounds.
    """
    log_p = logits.float()
    for _ in range(iters):
        log_p = log_p - torch.logsumexp(log_p, dim=-1, keepdim=True)  # rows sum to 1
        log_p = log_p - torch.logsumexp(log_p, dim=-2, keepdim=True)  # columns sum to 1
    return log_p.exp().to(logits.dtype)
