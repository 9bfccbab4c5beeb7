"""Deep Delta Learning: Zhang, Liu, Wang & Gu, "Deep Delta Learning" (arXiv 2601.00417).

DDL replaces the additive residual `x + f(x)` with a rank-1 delta-rule write along a unit direction `k`:
    x' = (I - beta k k^T) x + beta k v  =  x + beta * k * (v - k^T x),
so the shortcut `I - beta k k^T` is the identity (beta = 0), the projection that erases the `k`-component
(beta = 1), or the Householder reflection of it (beta = 2), and the same gate scales the write of `v`.
This file is the scalar-value case `d_v = 1` (the state is the token vector `x: [B, T, C]`).

The update is the primitive here; how k, v and beta are computed is written in the generated model.py
(following the authors' d_v = 1 code, model/DDL-vdim1.py of their repository): k = normalize(f(x)), the
branch output's direction; beta = 2 sigmoid(w^T rms(x) + b) per token, 0.1 at first; v = k^T f(x) = |f(x)|
(ours; the authors use a learned linear scalar or a constant), so at beta = 1 the update is
x - (k^T x) k + f(x), a standard residual write that first erases the old k-component.
"""

import torch


def delta_update(x: torch.Tensor, k: torch.Tensor, v: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
    """`x + beta * k * (v - k^T x)` with `x, k: [..., C]` (`k` unit length) and `v, beta: [..., 1]`."""
    return x + beta * k * (v - (k * x).sum(dim=-1, keepdim=True))
