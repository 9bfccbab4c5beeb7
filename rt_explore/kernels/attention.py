"""Causal multi-head self-attention (Vaswani et al., "Attention Is All You Need", arXiv 1706.03762) with
rotary positions, a KV cache, memory tokens, causal extra context, and optional access to another layer's
values (the first layer's, for value residual learning and SATFormer).

Shapes: `x: [B, T, C]`, per-head tensors `[B, T, H, D]` with `C = H * D`, output `y: [B, T, C]`.

Which keys a query sees. The query in row `i` of `x` sits at absolute position `p = offset + i`, where
`offset` is `cache.offset` with a cache, else the `offset` argument (0 by default: a piece of a sequence
that starts later passes its start explicitly). Its keys and values are, in this order:
  1. `memory: [B, M, C]` (memory tokens, e.g. Burtsev et al., "Memory Transformer", arXiv 2006.11527):
     every memory token is visible to every query; memory keys get no rotary position.
  2. `context: [B, S_c, C]`: representations of *other* kinds (for example the final states of earlier
     tokens, fed back to the bottom of the stack). `context[:, j]` sits at absolute position
     `c = context_offset + j` (0-based, independent of the cache; `context_offset` is 0 unless a window of
     later positions is passed) and is visible to the query at `p` iff `c <= p`; its keys are rotated at
     position `c`. Callers that need "strictly earlier" shift the context by one themselves.
  3. the sequence's own keys, cached ones first: the key at absolute position `j` is visible iff `j <= p`.
Memory and context go through the same key/value projections as `x` and are never cached: pass them on
every call (with a cache, pass the context of every position the new queries may see).

A task may say itself which keys a query sees: `mask: [B, T, T]` (bool, True = may attend) replaces the causal
rule for the sequence's own keys, for example a graph's adjacency with self-loops, as in the adjacency-masked
graphs of Chen, "Thinking Deeper, Not Longer" (arXiv 2603.21676). Every row must allow at least one key (a
row that allows none gives NaN), and it takes no cache, memory or context. Without it the causal path is
unchanged.
"""

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .rotary import Rotary, apply_rotary


@dataclass
class KVCache:
    """Rotated keys and values of the positions fed so far, `k, v: [B, S, H, D]`.

    `offset` is the absolute position of the next token to be fed; it equals `S` unless a caller drops old
    entries (a sliding window), which the mask handles because it counts positions back from `offset`.
    """

    k: torch.Tensor | None = None
    v: torch.Tensor | None = None
    offset: int = 0

    def append(self, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Add `T` new positions (`[B, T, H, D]`); return every cached key and value, `[B, S + T, H, D]`."""
        self.k = k if self.k is None else torch.cat([self.k, k], dim=1)
        self.v = v if self.v is None else torch.cat([self.v, v], dim=1)
        self.offset += k.shape[1]
        return self.k, self.v


class CausalSelfAttention(nn.Module):
    """Multi-head causal attention through `F.scaled_dot_product_attention` (see the module docstring).

    `forward(x, *, offset=0, cache=None, memory=None, context=None, v_first=None, v_mix=None,
    return_values=False, mask=None)`. With `v_first: [B, T, H, D]` (another layer's values for the same positions) and
    `v_mix` broadcastable to `[B, T, H, 1]`, the values become `v + v_mix * (v_first - v)`: a scalar `v_mix`
    is value residual learning (ResFormer, arXiv 2410.17897); a per-token, per-head gate is SATFormer's
    selective access (arXiv 2605.03953). Either way a query reads the first layer's values of every key
    it attends to. `return_values=True` also returns this layer's own values `[B, T, H, D]` (before
    mixing), so a model can hand its first layer's values to the later ones.
    """

    def __init__(self, dim: int, n_heads: int, *, rotary: bool = True):
        super().__init__()
        if dim % n_heads != 0:
            raise ValueError(f"dim {dim} is not divisible by n_heads {n_heads}")
        self.n_heads = n_heads
        self.head_dim = dim // n_heads
        self.q_proj = nn.Linear(dim, dim, bias=False)
        # Keys and values in one matrix: memory and context tokens need them but no queries.
        self.kv_proj = nn.Linear(dim, 2 * dim, bias=False)
        self.out_proj = nn.Linear(dim, dim, bias=False)
        self.rotary = Rotary(self.head_dim) if rotary else None

    def rotate(self, z: torch.Tensor, offset: int) -> torch.Tensor:
        """Rotary positions `offset .. offset + S - 1` on `z: [B, S, H, D]` (a no-op without rotary)."""
        if self.rotary is None:
            return z
        # Tables stay fp32: apply_rotary rotates in fp32 and casts back to z's dtype.
        cos, sin = self.rotary(z.shape[1], offset=offset, device=z.device)
        return apply_rotary(z, cos, sin)

    def keys_values(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Project `z: [B, S, C]` to unrotated keys and values, each `[B, S, H, D]`."""
        B, S, C = z.shape
        k, v = self.kv_proj(z).split(C, dim=2)  # each [B, S, C]
        return k.view(B, S, self.n_heads, self.head_dim), v.view(B, S, self.n_heads, self.head_dim)

    def forward(
        self,
        x: torch.Tensor,
        *,
        offset: int = 0,
        cache: KVCache | None = None,
        memory: torch.Tensor | None = None,
        context: torch.Tensor | None = None,
        context_offset: int = 0,
        v_first: torch.Tensor | None = None,
        v_mix: torch.Tensor | None = None,
        return_values: bool = False,
        mask: torch.Tensor | None = None,
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        B, T, C = x.shape
        if mask is not None and (cache is not None or memory is not None or context is not None):
            raise ValueError("a task's attention mask replaces the causal one over the sequence alone; "
                             "it takes no cache, memory or context")
        if mask is not None and mask.shape != (B, T, T):
            raise ValueError(f"mask must have shape {(B, T, T)} (batch, query, key), got {tuple(mask.shape)}")
        if cache is not None:
            offset = cache.offset
        q = self.rotate(self.q_proj(x).view(B, T, self.n_heads, self.head_dim), offset)  # [B, T, H, D]
        k, v = self.keys_values(x)
        k = self.rotate(k, offset)
        own_values = v
        if v_first is not None:
            v = v + v_mix * (v_first - v)  # [B, T, H, D]
        if cache is not None:
            k, v = cache.append(k, v)  # [B, S, H, D], the T new positions last
        S = k.shape[1]

        q_pos = torch.arange(offset, offset + T, device=x.device)  # [T] absolute query positions
        k_pos = torch.arange(offset + T - S, offset + T, device=x.device)  # [S] absolute key positions
        keys, values, visible = [k], [v], [k_pos[None, :] <= q_pos[:, None]]  # visible: [T, S]
        if context is not None:
            kc, vc = self.keys_values(context)  # [B, S_c, H, D]
            c_pos = torch.arange(context_offset, context_offset + context.shape[1], device=x.device)
            keys, values = [self.rotate(kc, context_offset), *keys], [vc, *values]
            visible = [c_pos[None, :] <= q_pos[:, None], *visible]
        if memory is not None:
            km, vm = self.keys_values(memory)  # [B, M, H, D]
            keys, values = [km, *keys], [vm, *values]
            visible = [torch.ones(T, memory.shape[1], dtype=torch.bool, device=x.device), *visible]

        k, v = torch.cat(keys, dim=1), torch.cat(values, dim=1)  # [B, M + S_c + S, H, D]
        # Plain causal attention (no extra keys, no earlier positions) takes SDPA's fused causal path.
        plain = len(keys) == 1 and S == T and mask is None
        if mask is not None:
            allowed = mask[:, None]  # [B, 1, T, T]: the task's mask, the same for every head
        else:
            allowed = None if plain else torch.cat(visible, dim=1)  # [T, M + S_c + S], True = may attend
        y = F.scaled_dot_product_attention(
            q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), attn_mask=allowed, is_causal=plain
        )  # [B, H, T, D]
        y = self.out_proj(y.transpose(1, 2).reshape(B, T, C))  # [B, T, C]
        return (y, own_values) if return_values else y
