"""Variable-length segments of a batch: where each unit between delimiter tokens starts, ends and is padded.

Coarse-grained recurrence (Mozer, Siddiqui & Liu 2026, "The Topological Trouble With Transformers",
arXiv 2604.17121, Sec. 5.3) takes one recurrence step per sentence-like unit rather than per fixed k
tokens. Units have different lengths in different sequences, so a batch of them is held padded:
segment s of sequence b is row [b, s] of a [B, S, L, C] tensor, its tokens first, zeros after.

A segment ends at a position where `ends[b, t]` is True (the delimiter belongs to the unit it closes)
or when it reaches `max_length` tokens; the tail after the last end is an open segment (`closed` False).
Positions at or past `length[b]` belong to no segment. Everything about position t is a function of
`ends[:, :t + 1]`: segmenting never looks ahead.

`split_segments(ends, max_length=None, length=None) -> Segments`, with `split_segments_naive` (a loop,
as lists of (start, stop, closed)) beside it; `pad_segments(x [B, T, C], seg) -> [B, S, L, C]` and
`unpad_segments(y [B, S, L, C], seg) -> [B, T, C]` move values between the two layouts (zeros where a
position belongs to no segment).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class Segments:
    """The segments of a [B, T] batch: S segments at most per sequence, L tokens at most per segment."""

    index: torch.Tensor  # [B, T] long: the segment of each position (-1: past the sequence's length)
    offset: torch.Tensor  # [B, T] long: the position within its segment
    lengths: torch.Tensor  # [B, S] long: tokens per segment (0 where a sequence has fewer than S)
    closed: torch.Tensor  # [B, S] bool: the segment ended (at a delimiter or at max_length)

    @property
    def present(self) -> torch.Tensor:
        """[B, T] bool: the positions that belong to a segment."""
        return self.index >= 0


def segment_ends(ends: torch.Tensor, max_length: int | None) -> torch.Tensor:
    """`ends` [B, T] plus a cut after every `max_length` tokens since the last delimiter (or the start)."""
    if max_length is None:
        return ends
    B, T = ends.shape
    t = torch.arange(T, device=ends.device)
    last = torch.where(ends, t, -1).cummax(dim=1).values  # [B, T] last delimiter at or before t
    before = F.pad(last, (1, 0), value=-1)[:, :T]  # [B, T] last delimiter strictly before t
    count = (t - before - 1) % max_length + 1  # tokens of the current segment up to and including t
    return ends | (count == max_length)


def split_segments(ends: torch.Tensor, *, max_length: int | None = None,
                   length: torch.Tensor | None = None) -> Segments:
    """Segments of a batch whose unit boundaries are `ends` [B, T] bool; `length` [B] bounds each sequence."""
    B, T = ends.shape
    t = torch.arange(T, device=ends.device)
    present = torch.ones_like(ends) if length is None else t[None, :] < length[:, None]  # [B, T]
    ends = segment_ends(ends & present, max_length) & present  # [B, T] the last position of each segment
    index = ends.long().cumsum(dim=1) - ends.long()  # [B, T] ends strictly before t
    starts = F.pad(ends, (1, 0), value=True)[:, :T]  # [B, T] a segment starts after an end
    offset = t - torch.where(starts, t, 0).cummax(dim=1).values  # [B, T]
    index = torch.where(present, index, -1)
    S = int(index.max()) + 1 if index.numel() else 0
    rows = torch.arange(B, device=ends.device)[:, None].expand(B, T)[present]  # [N]
    lengths = torch.zeros(B, S, dtype=torch.long, device=ends.device)
    lengths = lengths.index_put((rows, index[present]), torch.ones_like(rows), accumulate=True)
    closed = torch.zeros(B, S, dtype=torch.bool, device=ends.device)
    closed = closed.index_put((rows[ends[present]], index[present & ends]), torch.tensor(True, device=ends.device))
    return Segments(index=index, offset=offset, lengths=lengths, closed=closed)


def split_segments_naive(ends: torch.Tensor, *, max_length: int | None = None,
                         length: torch.Tensor | None = None) -> list[list[tuple[int, int, bool]]]:
    """The reference: for each sequence, its segments as (start, stop, closed), found one token at a time."""
    out = []
    for b in range(ends.shape[0]):
        stop = ends.shape[1] if length is None else int(length[b])
        segments, start = [], 0
        for t in range(stop):
            if bool(ends[b, t]) or (max_length is not None and t + 1 - start == max_length):
                segments.append((start, t + 1, True))
                start = t + 1
        if start < stop:
            segments.append((start, stop, False))
        out.append(segments)
    return out


def pad_segments(x: torch.Tensor, seg: Segments) -> torch.Tensor:
    """x [B, T, C] -> [B, S, L, C]: segment s of sequence b in row [b, s], right-padded with zeros."""
    B, T, C = x.shape
    S = seg.lengths.shape[1]
    L = int(seg.lengths.max()) if seg.lengths.numel() else 0
    present = seg.present
    rows = torch.arange(B, device=x.device)[:, None].expand(B, T)[present]  # [N]
    out = x.new_zeros(B, S, L, C)
    return out.index_put((rows, seg.index[present], seg.offset[present]), x[present])


def unpad_segments(y: torch.Tensor, seg: Segments) -> torch.Tensor:
    """y [B, S, L, C] -> [B, T, C]: every position's value read back from its segment (zeros elsewhere)."""
    B, T = seg.index.shape
    present = seg.present
    rows = torch.arange(B, device=y.device)[:, None].expand(B, T)[present]  # [N]
    values = y[rows, seg.index[present], seg.offset[present]]  # [N, C]
    return y.new_zeros(B, T, y.shape[-1]).index_put(present.nonzero(as_tuple=True), values)
