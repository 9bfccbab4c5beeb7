"""Segments between delimiters: the vectorised split against a token-by-token loop, padding, causality."""

import pytest
import torch

from rt_explore.kernels.segments import pad_segments, split_segments, split_segments_naive, unpad_segments


def random_ends(batch: int, length: int, seed: int, p: float = 0.25) -> torch.Tensor:
    return torch.rand(batch, length, generator=torch.Generator().manual_seed(seed)) < p


def as_lists(seg) -> list[list[tuple[int, int, bool]]]:
    """The vectorised segments in the naive reference's form: (start, stop, closed) per sequence."""
    out = []
    for b in range(seg.index.shape[0]):
        starts = [int(t) for t in range(seg.index.shape[1]) if seg.index[b, t] >= 0 and seg.offset[b, t] == 0]
        out.append([(start, start + int(seg.lengths[b, s]), bool(seg.closed[b, s])) for s, start in enumerate(starts)])
    return out


def test_a_hand_written_sequence_splits_after_each_delimiter_and_leaves_the_tail_open():
    ends = torch.tensor([[0, 0, 1, 0, 1, 0, 0]], dtype=torch.bool)
    seg = split_segments(ends)
    assert split_segments_naive(ends) == [[(0, 3, True), (3, 5, True), (5, 7, False)]]
    assert seg.index.tolist() == [[0, 0, 0, 1, 1, 2, 2]]
    assert seg.offset.tolist() == [[0, 1, 2, 0, 1, 0, 1]]
    assert seg.lengths.tolist() == [[3, 2, 2]] and seg.closed.tolist() == [[True, True, False]]


def test_a_unit_longer_than_max_length_is_cut_every_max_length_tokens():
    ends = torch.tensor([[0, 0, 0, 0, 0, 1, 0]], dtype=torch.bool)
    assert split_segments_naive(ends, max_length=2) == [[(0, 2, True), (2, 4, True), (4, 6, True), (6, 7, False)]]
    assert as_lists(split_segments(ends, max_length=2)) == split_segments_naive(ends, max_length=2)


@pytest.mark.parametrize("max_length", [None, 1, 3, 5])
@pytest.mark.parametrize("length", [1, 17, 63])
def test_the_vectorised_split_matches_the_naive_loop(max_length, length):
    ends = random_ends(5, length, seed=length)
    seg = split_segments(ends, max_length=max_length)
    assert as_lists(seg) == split_segments_naive(ends, max_length=max_length)
    assert max_length is None or int(seg.lengths.max()) <= max_length


def test_positions_past_a_sequences_length_belong_to_no_segment():
    ends = random_ends(3, 12, seed=3)
    length = torch.tensor([12, 5, 0])
    seg = split_segments(ends, max_length=4, length=length)
    assert as_lists(seg) == split_segments_naive(ends, max_length=4, length=length)
    assert seg.present.tolist() == [[t < int(n) for t in range(12)] for n in length]
    assert int(seg.lengths[2].sum()) == 0


def test_the_segment_of_a_position_depends_only_on_delimiters_at_or_before_it():
    ends = random_ends(4, 30, seed=5)
    whole = split_segments(ends, max_length=6)
    for t in (0, 7, 18):
        changed = ends.clone()
        changed[:, t + 1 :] = ~changed[:, t + 1 :]
        other = split_segments(changed, max_length=6)
        assert torch.equal(whole.index[:, : t + 1], other.index[:, : t + 1])
        assert torch.equal(whole.offset[:, : t + 1], other.offset[:, : t + 1])


def test_padding_then_unpadding_gives_back_every_position_and_pads_with_zeros():
    ends = random_ends(3, 19, seed=7)
    length = torch.tensor([19, 11, 4])
    seg = split_segments(ends, max_length=5, length=length)
    x = torch.randn(3, 19, 4)
    units = pad_segments(x, seg)  # [B, S, L, C]
    assert units.shape[:3] == (3, seg.lengths.shape[1], int(seg.lengths.max()))
    real = torch.arange(units.shape[2]) < seg.lengths[..., None]  # [B, S, L]
    assert (units[~real] == 0).all()
    back = unpad_segments(units, seg)
    assert torch.equal(back, x * seg.present[..., None])


def test_padding_passes_gradients_to_exactly_the_present_positions():
    ends = random_ends(2, 9, seed=9)
    seg = split_segments(ends, length=torch.tensor([9, 6]))
    x = torch.randn(2, 9, 3, requires_grad=True)
    unpad_segments(pad_segments(x, seg) * 2.0, seg).sum().backward()
    assert torch.equal(x.grad, 2.0 * seg.present[..., None].expand(2, 9, 3).float())
