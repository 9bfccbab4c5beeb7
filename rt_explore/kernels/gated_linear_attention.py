"""Linear attention with a per-head scalar decay: a naive recurrence and its chunked twin.

The scalar-decay family: RetNet (Sun et al. 2023, "Retentive Network: A Successor to Transformer for
Large Language Models", arXiv 2307.08621, Sec. 2.1, a fixed decay), Gated Linear Attention (Yang et al.
2023, "Gated Linear Attention Transformers with Hardware-Efficient Training", arXiv 2312.06635, Sec. 4,
here restricted to a scalar gate per head) and Mamba-2 (Dao & Gu 2024, "Transformers are SSMs", arXiv
2405.21060, Sec. 6, the scalar-identity SSD case). With a log-decay g_t <= 0:

    S_t = exp(g_t) S_{t-1} + k_t v_t^T            o_t = scale * S_t^T q_t

Shapes: q, k [B, T, H, Dk]; v [B, T, H, Dv]; g [B, T, H]; initial_state / final_state [B, H, Dk, Dv]
(fp32); o [B, T, H, Dv] in the dtype of v. scale defaults to Dk ** -0.5.
"""

from __future__ import annotations

import torch

from .chunking import decay_matrix, from_chunks, to_chunks, zero_or


def naive_gated_linear_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    g: torch.Tensor,
    *,
    scale: float | None = None,
    initial_state: torch.Tensor | None = None,
    output_final_state: bool = False,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Token-by-token fp32 reference for `chunk_gated_linear_attention`."""
    B, T, H, Dk = q.shape
    Dv, dtype = v.shape[-1], v.dtype
    scale = Dk**-0.5 if scale is None else scale
    q, k, v, g = q.float(), k.float(), v.float(), g.float()
    S = zero_or(initial_state, B, H, Dk, Dv, like=q)
    outs = []
    for t in range(T):
        decay = g[:, t].exp()[:, :, None, None]  # [B, H, 1, 1]
        S = decay * S + k[:, t, :, :, None] * v[:, t, :, None, :]  # [B, H, Dk, Dv]
        outs.append(scale * torch.einsum("bhk,bhkv->bhv", q[:, t], S))
    o = torch.stack(outs, dim=1)  # [B, T, H, Dv]
    return o.to(dtype), (S if output_final_state else None)


def chunk_gated_linear_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    g: torch.Tensor,
    *,
    scale: float | None = None,
    initial_state: torch.Tensor | None = None,
    output_final_state: bool = False,
    chunk_size: int = 64,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Chunked scalar-decay linear attention; the same function as `naive_gated_linear_attention`.

    With b_t the cumulative log-decay inside a chunk, position t sees key s <= t with weight
    exp(b_t - b_s) and the state entering the chunk with weight exp(b_t). Only differences b_t - b_s
    with s <= t are exponentiated, so no factor ever exceeds 1 (no overflow, unlike splitting
    exp(b_t) * exp(-b_s)). The state pass loops over chunks, not tokens.
    """
    B, T, H, Dk = q.shape
    Dv, dtype = v.shape[-1], v.dtype
    scale = Dk**-0.5 if scale is None else scale
    q, k, v = (to_chunks(x, chunk_size) for x in (q.float() * scale, k.float(), v.float()))  # [B, H, N, C, D]
    # Padding with g = 0 (no decay) keeps the final state exact.
    b = to_chunks(g.float()[..., None], chunk_size)[..., 0].cumsum(-1)  # [B, H, N, C]
    gamma = decay_matrix(b)  # [B, H, N, C, C]
    o_intra = ((q @ k.transpose(-1, -2)) * gamma) @ v  # [B, H, N, C, Dv]
    q_decayed = q * b.exp()[..., None]  # reading the carried state
    k_decayed = k * (b[..., -1:] - b).exp()[..., None]  # what each key still weighs at the chunk's end
    chunk_decay = b[..., -1].exp()[..., None, None]  # [B, H, N, 1, 1]
    S = zero_or(initial_state, B, H, Dk, Dv, like=q)
    dS = k_decayed.transpose(-1, -2) @ v  # [B, H, N, Dk, Dv]: what each chunk writes
    # The only sequential part: a decayed prefix sum over chunks (unbind keeps the backward cheap).
    entering = []
    for dS_n, decay_n in zip(dS.unbind(2), chunk_decay.unbind(2), strict=True):
        entering.append(S)
        S = decay_n * S + dS_n
    o = o_intra + q_decayed @ torch.stack(entering, dim=2)  # [B, H, N, C, Dv]
    return from_chunks(o, T).to(dtype), (S if output_final_state else None)
