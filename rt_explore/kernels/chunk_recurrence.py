"""Memory carried from chunk to chunk: at the same layer (Block-Recurrent) or top-to-bottom (RMT).

`BlockRecurrentLayer` is the `step/chunk` cell: Hutchins et al. 2022, "Block-Recurrent Transformers",
arXiv 2203.07852, Sec. 3. Inside a chunk, causal self-attention that also reads M memory vectors (as
memory tokens); after the chunk the memory attends to the chunk's outputs and a learned gate mixes the
result in, m' = g * m + (1 - g) * update, with g biased towards keeping (the paper's "fixed"/LSTM-style
gates play this role). Simplification: the paper's sliding window over the previous block is left out,
so the memory is the only thing that crosses a chunk boundary.

`RecurrentMemoryStack` is the `depth+step/chunk` cell: Bulatov et al. 2022, "Recurrent Memory
Transformer", arXiv 2207.06881, Sec. 3. Each chunk runs through the whole stack as [read; chunk; write]
with the same M memory vectors at the read and write positions; under causal attention the read tokens
are visible to every chunk position and the write tokens see the whole chunk. The TOP-of-stack outputs
at the write positions are the read memory of the next chunk (deep -> shallow across steps).

Both: forward(x [B, T, C], state=None) -> (y [B, T, C], memory [B, M, C]); the initial memory is a learned
parameter. Feeding chunk-aligned pieces with the carried state equals feeding the whole sequence.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .block import Block
from .norms import RMSNorm


class BlockRecurrentLayer(nn.Module):
    """Attention within chunks plus a gated memory [B, M, C] updated at the same layer after each chunk."""

    def __init__(self, dim: int, n_heads: int, *, chunk_size: int, n_memory: int = 8) -> None:
        super().__init__()
        self.chunk_size, self.n_heads = chunk_size, n_heads
        self.block = Block(dim, n_heads)
        self.memory = nn.Parameter(0.02 * torch.randn(n_memory, dim))
        self.norm_memory, self.norm_chunk = RMSNorm(dim), RMSNorm(dim)
        self.to_q = nn.Linear(dim, dim, bias=False)
        self.to_kv = nn.Linear(dim, 2 * dim, bias=False)
        self.to_out = nn.Linear(dim, dim, bias=False)
        self.gate = nn.Linear(2 * dim, dim)
        # sigmoid(2) ~ 0.88: the memory is mostly kept at initialisation, as with a forget-gate bias.
        nn.init.constant_(self.gate.bias, 2.0)

    def update(self, m: torch.Tensor, y: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Memory m [B, M, C] reads the chunk outputs y [B, L, C] (all of them: the chunk is done).

        With `lengths` [B] (each >= 1) the chunks are right-padded: sequence b reads its first `lengths[b]` outputs.
        """
        B, M, C = m.shape
        L, H = y.shape[1], self.n_heads
        q = self.to_q(self.norm_memory(m)).view(B, M, H, C // H).transpose(1, 2)  # [B, H, M, D]
        k, v = self.to_kv(self.norm_chunk(y)).view(B, L, 2, H, C // H).permute(2, 0, 3, 1, 4)  # [B, H, L, D]
        mask = None
        if lengths is not None:
            mask = (torch.arange(L, device=y.device) < lengths[:, None])[:, None, None, :]  # [B, 1, 1, L]
        read = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)  # [B, H, M, D]
        update = self.to_out(read.transpose(1, 2).reshape(B, M, C))  # [B, M, C]
        g = torch.sigmoid(self.gate(torch.cat([m, update], dim=-1)))  # [B, M, C]
        return g * m + (1 - g) * update

    def forward(self, x: torch.Tensor, state: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        B, T, C = x.shape
        m = self.memory.expand(B, -1, -1) if state is None else state  # [B, M, C]
        ys = []
        for start in range(0, T, self.chunk_size):
            y, m = self.read_write(x[:, start : start + self.chunk_size], m)  # y: [B, L, C]
            ys.append(y)
        return torch.cat(ys, dim=1), m

    def read_write(self, x: torch.Tensor, m: torch.Tensor,
                   lengths: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """One chunk x [B, L, C] (right-padded to `lengths` [B] if given) with memory m -> (y, next memory).

        Padding is harmless inside the chunk: under causal attention no real token sees a later pad.
        """
        y = self.block(x, memory=m)  # [B, L, C]
        return y, self.update(m, y, lengths)


class RecurrentMemoryStack(nn.Module):
    """A stack run chunk by chunk as [read; chunk; write]; the top write outputs are the next memory."""

    def __init__(self, layers: nn.ModuleList, dim: int, *, chunk_size: int, n_memory: int = 8) -> None:
        super().__init__()
        self.layers = layers
        self.chunk_size, self.n_memory = chunk_size, n_memory
        self.memory = nn.Parameter(0.02 * torch.randn(n_memory, dim))

    def forward(self, x: torch.Tensor, state: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        B, T, C = x.shape
        m = self.memory.expand(B, -1, -1) if state is None else state  # [B, M, C]
        ys = []
        for start in range(0, T, self.chunk_size):
            y, m = self.read_write(x[:, start : start + self.chunk_size], m)  # y: [B, L, C]
            ys.append(y)
        return torch.cat(ys, dim=1), m

    def read_write(self, chunk: torch.Tensor, m: torch.Tensor,
                   lengths: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """One chunk [B, L, C] (right-padded to `lengths` [B] if given) with memory m -> (y, next memory)."""
        B, L, C = chunk.shape
        M = self.n_memory
        # The same memory at read (first) and write (last) positions, as in RMT's decoder variant.
        h = torch.cat([m, chunk, m], dim=1)  # [B, M + L + M, C]
        if lengths is not None:
            # Each sequence's write tokens move to just after its own tokens, so its pads come last, where
            # causal attention shows them to no real token: [read; chunk_b; write; pads].
            j = torch.arange(2 * M + L, device=chunk.device)
            write = M + lengths[:, None]  # [B, 1] where the write tokens start
            source = torch.where(j < write, j, torch.where(j < write + M, j - write + M + L, j - M))  # [B, 2M + L]
            h = h.gather(1, source[:, :, None].expand(B, 2 * M + L, C))
        for layer in self.layers:
            h = layer(h)
        if lengths is None:
            return h[:, M : M + L], h[:, M + L :]  # the top-of-stack write outputs are the next read memory
        write = (M + lengths[:, None] + torch.arange(M, device=chunk.device))[:, :, None]  # [B, M, 1]
        return h[:, M : M + L], h.gather(1, write.expand(B, M, C))  # [B, L, C], [B, M, C]
