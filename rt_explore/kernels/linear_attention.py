"""Causal linear attention: a naive recurrence and its chunked twin.

Katharopoulos et al. 2020, "Transformers are RNNs: Fast Autoregressive Transformers with Linear
Attention", arXiv 2006.16236, Sec. 3.4 (causal masking as a recurrence). The state is the running sum of
key-value outer products and every position reads it after its own write:

    S_t = S_{t-1} + k_t v_t^T            o_t = scale * S_t^T q_t

No normaliser (the paper's denominator) is applied here: the layer that uses the kernel normalises its
output instead, as later linear-attention layers do.

Shapes: q, k [B, T, H, Dk]; v [B, T, H, Dv]; initial_state / final_state [B, H, Dk, Dv] (fp32);
o [B, T, H, Dv] in the dtype of v. scale defaults to Dk ** -0.5.
"""

from __future__ import annotations

import torch

from .chunking import causal_mask, from_chunks, to_chunks, zero_or


def naive_linear_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    *,
    scale: float | None = None,
    initial_state: torch.Tensor | None = None,
    output_final_state: bool = False,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Token-by-token fp32 reference for `chunk_linear_attention`."""
    B, T, H, Dk = q.shape
    Dv, dtype = v.shape[-1], v.dtype
    scale = Dk**-0.5 if scale is None else scale
    q, k, v = q.float(), k.float(), v.float()
    S = zero_or(initial_state, B, H, Dk, Dv, like=q)
    outs = []
    for t in range(T):
        S = S + k[:, t, :, :, None] * v[:, t, :, None, :]  # [B, H, Dk, Dv]
        outs.append(scale * torch.einsum("bhk,bhkv->bhv", q[:, t], S))
    o = torch.stack(outs, dim=1)  # [B, T, H, Dv]
    return o.to(dtype), (S if output_final_state else None)


def chunk_linear_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    *,
    scale: float | None = None,
    initial_state: torch.Tensor | None = None,
    output_final_state: bool = False,
    chunk_size: int = 64,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Chunked causal linear attention; the same function as `naive_linear_attention`.

    Inside a chunk the output is masked attention (quadratic in C); across chunks the state is a prefix
    sum of per-chunk key-value products, so there is no Python loop at all.
    """
    B, T, H, Dk = q.shape
    Dv, dtype = v.shape[-1], v.dtype
    scale = Dk**-0.5 if scale is None else scale
    q, k, v = (to_chunks(x, chunk_size) for x in (q.float() * scale, k.float(), v.float()))  # [B, H, N, C, D]
    o = (q @ k.transpose(-1, -2)).masked_fill(~causal_mask(chunk_size, q.device), 0) @ v  # [B, H, N, C, Dv]
    # What each chunk adds to the state; an exclusive prefix sum gives the state entering each chunk.
    dS = k.transpose(-1, -2) @ v  # [B, H, N, Dk, Dv]
    S0 = zero_or(initial_state, B, H, Dk, Dv, like=q)
    after = S0[:, :, None] + dS.cumsum(dim=2)  # [B, H, N, Dk, Dv]: state after chunk n
    before = torch.cat([S0[:, :, None], after[:, :, :-1]], dim=2)  # state entering chunk n
    o = o + q @ before
    final = after[:, :, -1] if output_final_state else None
    return from_chunks(o, T).to(dtype), final
