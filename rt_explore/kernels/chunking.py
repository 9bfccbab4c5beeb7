"""Shared helpers of the chunked recurrences: splitting time into chunks and the masks used inside one.

Every chunked kernel of this folder (linear attention, the gated and delta rules, RWKV-7, the diagonal
recurrence) cuts time into N chunks of C positions, works on all chunks at once, and loops over chunks
only to carry the state (Yang et al. 2024, "Gated Linear Attention Transformers with Hardware-Efficient
Training", arXiv 2312.06635, Sec. 3.2, the chunkwise parallel form).

Shapes: per-head tensors [B, T, H, D] in, chunked [B, H, N, C, D] out; T is zero-padded up to N * C.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def to_chunks(x: torch.Tensor, chunk_size: int) -> torch.Tensor:
    """[B, T, H, D] -> [B, H, N, C, D], zero-padding T up to N * C.

    The kernels choose inputs whose zero padding changes nothing: a zero key writes nothing, a zero
    log-decay decays nothing, a zero query reads nothing (and its output is dropped by `from_chunks`).
    """
    B, T, H, D = x.shape
    n = -(-T // chunk_size)
    x = F.pad(x, (0, 0, 0, 0, 0, n * chunk_size - T))  # [B, N*C, H, D]
    return x.reshape(B, n, chunk_size, H, D).permute(0, 3, 1, 2, 4)  # [B, H, N, C, D]


def from_chunks(x: torch.Tensor, T: int) -> torch.Tensor:
    """[B, H, N, C, D] -> [B, T, H, D], dropping the padding."""
    B, H, N, C, D = x.shape
    return x.permute(0, 2, 3, 1, 4).reshape(B, N * C, H, D)[:, :T]


def causal_mask(chunk_size: int, device: torch.device, *, strict: bool = False) -> torch.Tensor:
    """[C, C] bool, True where position t may see position s: s <= t (or s < t when `strict`)."""
    return torch.ones(chunk_size, chunk_size, dtype=torch.bool, device=device).tril(-1 if strict else 0)


def decay_matrix(b: torch.Tensor, *, strict: bool = False) -> torch.Tensor:
    """exp(b_t - b_s) where s <= t (s < t when `strict`), else 0, for cumulative log-decays b [..., C].

    The mask is applied before exp: above the diagonal b_t - b_s is positive and could overflow, and
    below it no factor exceeds 1.
    """
    mask = causal_mask(b.shape[-1], b.device, strict=strict)
    return (b[..., :, None] - b[..., None, :]).masked_fill(~mask, float("-inf")).exp()  # [..., C, C]


def zero_or(initial_state: torch.Tensor | None, *shape: int, like: torch.Tensor) -> torch.Tensor:
    """The fp32 state entering the first chunk: `initial_state`, or zeros of `shape`."""
    if initial_state is None:
        return like.new_zeros(shape, dtype=torch.float32)
    return initial_state.float()
