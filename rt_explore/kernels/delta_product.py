"""DeltaProduct: several delta-rule (generalised Householder) steps per token.

Siems et al. 2025, "DeltaProduct: Improving State-Tracking in Linear RNNs via Householder Products",
arXiv 2502.10297, Sec. 3. Token t makes n_h delta-rule writes with its own keys, values and betas, and
its output is read once, after the last of them:

    S_{t,j} = (I - beta_{t,j} k_{t,j} k_{t,j}^T) S_{t,j-1} + beta_{t,j} k_{t,j} v_{t,j}^T,  j = 1..n_h
    S_t = S_{t,n_h}            o_t = scale * S_t^T q_t

so the token's transition is a product of n_h Householder-like matrices. beta is not clamped (beta in
(0, 2) gives negative eigenvalues, arXiv 2411.12537).

Layout (one choice, used everywhere): the n_h writes of a token sit on their own axis after time,
k [B, T, n_h, H, Dk], v [B, T, n_h, H, Dv], beta [B, T, n_h, H]; q [B, T, H, Dk]; initial_state /
final_state [B, H, Dk, Dv] (fp32); o [B, T, H, Dv]. scale defaults to Dk ** -0.5.
"""

from __future__ import annotations

import torch

from .chunking import zero_or
from .delta_rule import chunk_delta_rule


def naive_delta_product(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    beta: torch.Tensor,
    *,
    scale: float | None = None,
    initial_state: torch.Tensor | None = None,
    output_final_state: bool = False,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Token-by-token, write-by-write fp32 reference for `chunk_delta_product`."""
    B, T, n_h, H, Dk = k.shape
    Dv, dtype = v.shape[-1], v.dtype
    scale = Dk**-0.5 if scale is None else scale
    q, k, v, beta = q.float(), k.float(), v.float(), beta.float()
    S = zero_or(initial_state, B, H, Dk, Dv, like=q)
    outs = []
    for t in range(T):
        for j in range(n_h):
            k_tj, b_tj = k[:, t, j], beta[:, t, j, :, None]  # [B, H, Dk], [B, H, 1]
            delta = b_tj * (v[:, t, j] - torch.einsum("bhk,bhkv->bhv", k_tj, S))  # [B, H, Dv]
            S = S + k_tj[..., :, None] * delta[..., None, :]  # [B, H, Dk, Dv]
        outs.append(scale * torch.einsum("bhk,bhkv->bhv", q[:, t], S))
    o = torch.stack(outs, dim=1)  # [B, T, H, Dv]
    return o.to(dtype), (S if output_final_state else None)


def chunk_delta_product(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    beta: torch.Tensor,
    *,
    scale: float | None = None,
    initial_state: torch.Tensor | None = None,
    output_final_state: bool = False,
    chunk_size: int = 64,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Chunked DeltaProduct; the same function as `naive_delta_product`.

    The n_h writes are unrolled into a delta-rule sequence of length T * n_h (write j of token t at
    position t * n_h + j); the query is zero except on each token's last write, whose output is kept.
    chunk_size counts writes, not tokens.
    """
    B, T, n_h, H, Dk = k.shape
    Dv = v.shape[-1]
    scale = Dk**-0.5 if scale is None else scale
    # Time-major then write-major: flattening (T, n_h) gives exactly the unrolled order.
    k_seq = k.reshape(B, T * n_h, H, Dk)
    v_seq = v.reshape(B, T * n_h, H, Dv)
    beta_seq = beta.reshape(B, T * n_h, H)
    # Queries only on the last write of each token: [B, T, n_h, H, Dk] -> [B, T * n_h, H, Dk].
    q_seq = torch.cat([q.new_zeros(B, T, n_h - 1, H, Dk), q[:, :, None]], dim=2).reshape(B, T * n_h, H, Dk)
    o_seq, S = chunk_delta_rule(
        q_seq, k_seq, v_seq, beta_seq, scale=scale, initial_state=initial_state,
        output_final_state=output_final_state, chunk_size=chunk_size,
    )
    o = o_seq.reshape(B, T, n_h, H, Dv)[:, :, -1]  # [B, T, H, Dv]
    return o, S
