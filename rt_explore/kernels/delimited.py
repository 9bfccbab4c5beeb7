"""Chunks that end at delimiter tokens: one recurrence step per sentence-like unit, not per k tokens.

Coarse-grained recurrence (Mozer, Siddiqui & Liu 2026, "The Topological Trouble With Transformers",
arXiv 2604.17121, Sec. 5.3): a recurrence step that consumes a meaningful unit (a sentence, a clause)
rather than a fixed window. `delimited_chunks(read_write, memory, x, ends, chunk_size=k)` feeds a
chunk-recurrent computation (a generated model's `read_write(chunk, memory, lengths)`: the Block-Recurrent
layer of step/chunk, the RMT stack of depth+step/chunk) the units between delimiters: a chunk ends
at a delimiter (which belongs to the unit it closes) or after `chunk_size` tokens, whichever comes
first. Units have different lengths in different sequences; they run as one padded batch per unit index
(segments.py) and the memory of a sequence moves on only when its unit is closed. Without delimiters the
schedule is fixed chunks of `chunk_size`. This file is the scheduling only (which positions form a step);
what a step computes is written in the generated model.py.

Streaming: the state is `DelimitedState(memory [B, M, C], pending [B, P, C], pending_lengths [B])`, the
memory after the last closed unit and the layer inputs of the open unit so far (left-aligned). The next
call puts them before its own tokens and runs that unit again from its start, so feeding a sequence in
pieces cut anywhere gives the same outputs as feeding it whole.

"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .segments import Segments, pad_segments, split_segments, unpad_segments

ReadWrite = Callable[[torch.Tensor, torch.Tensor, "torch.Tensor | None"], tuple[torch.Tensor, torch.Tensor]]


@dataclass(frozen=True)
class DelimitedState:
    """What a sequence carries to its next piece: memory [B, M, C] and its open unit [B, P, C] of P_b tokens."""

    memory: torch.Tensor
    pending: torch.Tensor
    pending_lengths: torch.Tensor  # [B] long


def delimited_chunks(read_write: ReadWrite, memory: torch.Tensor, x: torch.Tensor, ends: torch.Tensor, *,
                     chunk_size: int, state: DelimitedState | None = None) -> tuple[torch.Tensor, DelimitedState]:
    """Run `read_write` on the units between delimiters: x [B, T, C], ends [B, T] -> (y [B, T, C], state).

    `memory` [M, C] is the initial memory (used when `state` is None); `read_write(chunk [B_s, L, C],
    m [B_s, M, C], lengths [B_s]) -> (y [B_s, L, C], next memory)` runs one right-padded unit per sequence.
    """
    B, T, C = x.shape
    if state is None:
        m = memory.expand(B, -1, -1)  # [B, M, C]
        state = DelimitedState(m, x.new_zeros(B, 0, C), torch.zeros(B, dtype=torch.long, device=x.device))
    x, ends, length, first = join(state, x, ends)  # [B, P + T, C]: the open unit, then the new tokens
    seg = split_segments(ends, max_length=chunk_size, length=length)
    units = pad_segments(x, seg)  # [B, S, L, C]
    L = units.shape[2]
    m, ys = state.memory, []
    for s in range(units.shape[1]):
        # Only the sequences that have an s-th unit run, padded to the longest of those units.
        active = (seg.lengths[:, s] > 0).nonzero().squeeze(1)  # [B_s]
        lengths = seg.lengths[active, s]  # [B_s]
        y, written = read_write(units[active, s, : int(lengths.max())], m[active], lengths)
        # Only a closed unit moves the memory on: an open one is run again, whole, by the next call.
        m = m.index_put((active,), torch.where(seg.closed[active, s, None, None], written, m[active]))
        ys.append(x.new_zeros(B, L, C).index_put((active,), F.pad(y, (0, 0, 0, L - y.shape[1]))))
    y = unpad_segments(torch.stack(ys, dim=1), seg) if ys else torch.zeros_like(x)  # [B, P + T, C]
    new = (first[:, None] + torch.arange(T, device=x.device))[:, :, None]  # [B, T, 1] the new tokens
    return y.gather(1, new.expand(B, T, C)), open_unit(x, seg, length, m)


def join(state: DelimitedState, x: torch.Tensor, ends: torch.Tensor):
    """[pending_b; x_b; pads] for each sequence b -> (inputs [B, P + T, C], ends, lengths [B], first new [B])."""
    B, T, C = x.shape
    P = state.pending.shape[1]
    first = state.pending_lengths  # [B] where the new tokens start
    j = torch.arange(P + T, device=x.device)
    # Pending token j < P_b sits at j; new token t at P_b + t; the pads after them copy anything (unread).
    source = torch.where(j < first[:, None], j, (P + j - first[:, None]).clamp(max=P + T - 1))  # [B, P + T]
    joined = torch.cat([state.pending, x], dim=1).gather(1, source[:, :, None].expand(B, P + T, C))
    all_ends = torch.cat([ends.new_zeros(B, P), ends], dim=1).gather(1, source)  # [B, P + T]
    return joined, all_ends, first + T, first


def open_unit(x: torch.Tensor, seg: Segments, length: torch.Tensor, memory: torch.Tensor) -> DelimitedState:
    """The state after x [B, P + T, C]: the memory and the inputs of each sequence's open unit, left-aligned."""
    B, _, C = x.shape
    size = torch.zeros(B, dtype=torch.long, device=x.device)  # [B] tokens of the open unit
    if seg.lengths.shape[1] > 0:
        last = seg.index.max(dim=1).values.clamp(min=0)  # [B] each sequence's last segment
        rows = torch.arange(B, device=x.device)
        size = torch.where(seg.closed[rows, last], 0, seg.lengths[rows, last])
    P = int(size.max()) if B else 0
    start = length - size  # [B]
    j = torch.arange(P, device=x.device)
    source = (start[:, None] + j).clamp(max=max(x.shape[1] - 1, 0))  # [B, P]
    pending = x.gather(1, source[:, :, None].expand(B, P, C)) * (j < size[:, None])[:, :, None]
    return DelimitedState(memory, pending, size)


def delimited_chunks_naive(read_write: ReadWrite, memory: torch.Tensor, x: torch.Tensor, ends: torch.Tensor, *,
                           chunk_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The reference: each sequence alone, one unit at a time, unpadded -> (y [B, T, C], memory [B, M, C])."""
    ys, memories = [], []
    for b in range(x.shape[0]):
        m, start, out = memory[None], 0, []
        for t in range(x.shape[1]):
            if bool(ends[b, t]) or t + 1 - start == chunk_size:
                y, m = read_write(x[b : b + 1, start : t + 1], m, None)
                out.append(y)
                start = t + 1
        if start < x.shape[1]:
            out.append(read_write(x[b : b + 1, start:], m, None)[0])  # the open unit leaves the memory alone
        ys.append(torch.cat(out, dim=1))
        memories.append(m)
    return torch.cat(ys), torch.cat(memories)
