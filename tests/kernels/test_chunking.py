"""The shared chunk helpers: splitting time into chunks and back, and the masks used inside a chunk."""

from __future__ import annotations

import torch

from rt_explore.kernels.chunking import causal_mask, decay_matrix, from_chunks, to_chunks, zero_or


def test_to_chunks_pads_with_zeros_and_from_chunks_drops_the_padding():
    x = torch.arange(2 * 5 * 3 * 4, dtype=torch.float32).view(2, 5, 3, 4)  # [B, T, H, D]
    chunks = to_chunks(x, 2)
    assert chunks.shape == (2, 3, 3, 2, 4)  # [B, H, N, C, D]: 5 positions fill 3 chunks of 2
    torch.testing.assert_close(chunks[:, :, 1, 0], x[:, 2])  # chunk 1, position 0 is time step 2
    assert chunks[:, :, 2, 1].abs().sum() == 0  # the one padded position
    torch.testing.assert_close(from_chunks(chunks, 5), x)


def test_causal_mask_includes_the_diagonal_unless_strict():
    assert causal_mask(3, torch.device("cpu")).tolist() == [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
    assert causal_mask(3, torch.device("cpu"), strict=True).tolist() == [[0, 0, 0], [1, 0, 0], [1, 1, 0]]


def test_decay_matrix_is_the_product_of_the_decays_between_two_positions():
    # log-decays -1, -2, -3 -> cumulative b = -1, -3, -6; entry (t, s) = exp(b_t - b_s) for s <= t.
    b = torch.tensor([-1.0, -3.0, -6.0])
    want = torch.tensor([[1.0, 0.0, 0.0], [torch.e**-2, 1.0, 0.0], [torch.e**-5, torch.e**-3, 1.0]])
    torch.testing.assert_close(decay_matrix(b), want)
    torch.testing.assert_close(decay_matrix(b, strict=True), want.tril(-1))


def test_zero_or_gives_an_fp32_state():
    like = torch.zeros(1, dtype=torch.float64)
    assert zero_or(None, 2, 3, like=like).dtype == torch.float32
    assert zero_or(torch.ones(2, dtype=torch.float64), 2, like=like).dtype == torch.float32
