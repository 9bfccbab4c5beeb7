"""The diagonal recurrence: the chunked scan against its naive loop, with decays of either sign."""

from __future__ import annotations

import pytest
import torch

from rt_explore.kernels.diagonal_recurrence import chunk_diagonal_recurrence, naive_diagonal_recurrence

B, H, D = 2, 3, 5


def make_inputs(T: int, low: float = -1.0, seed: int = 0) -> dict[str, torch.Tensor]:
    """x, a [B, T, H, D] with decays uniform in (low, 1) and an initial state [B, H, D], all leaves."""
    gen = torch.Generator().manual_seed(seed)
    x = {
        "x": torch.randn(B, T, H, D, generator=gen),
        "a": low + (1 - low) * torch.rand(B, T, H, D, generator=gen),
        "initial_state": torch.randn(B, H, D, generator=gen),
    }
    return {name: t.requires_grad_() for name, t in x.items()}


def run(fn, x: dict[str, torch.Tensor], **kw) -> dict[str, torch.Tensor]:
    h, final = fn(x["x"], x["a"], initial_state=x["initial_state"], output_final_state=True, **kw)
    gen = torch.Generator().manual_seed(1)
    loss = (h * torch.randn(h.shape, generator=gen)).sum() + (final * torch.randn(final.shape, generator=gen)).sum()
    grads = torch.autograd.grad(loss, list(x.values()))
    return {"h": h, "final_state": final, **{f"d{name}": g for name, g in zip(x, grads, strict=True)}}


def rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    return ((a - b).norm() / b.norm()).item()


@pytest.mark.parametrize(("T", "chunk_size", "low"), [
    (1, 64, -1.0), (63, 64, -1.0), (100, 64, -1.0), (1000, 64, -1.0), (100, 16, -1.0), (100, 7, 0.0),
])
def test_chunked_scan_matches_the_loop_in_outputs_final_state_and_gradients(T, chunk_size, low):
    x = make_inputs(T, low)
    want, got = run(naive_diagonal_recurrence, x), run(chunk_diagonal_recurrence, x, chunk_size=chunk_size)
    for name in want:
        assert rel_err(got[name], want[name]) < 1e-4, name


def test_zero_decays_reset_the_state_and_keep_exact_gradients():
    x = make_inputs(50)
    with torch.no_grad():
        x["a"][:, 3::7] = 0.0  # every seventh position forgets everything before it
    want, got = run(naive_diagonal_recurrence, x), run(chunk_diagonal_recurrence, x, chunk_size=16)
    for name in want:
        assert rel_err(got[name], want[name]) < 1e-4, name


def test_three_steps_worked_by_hand():
    # h0 = 1; a = (-1, 0.5, -1), x = (1, 2, 0):
    # h1 = -1 * 1 + 1 = 0;  h2 = 0.5 * 0 + 2 = 2;  h3 = -1 * 2 + 0 = -2.
    x = torch.tensor([1.0, 2.0, 0.0]).view(1, 3, 1)
    a = torch.tensor([-1.0, 0.5, -1.0]).view(1, 3, 1)
    for fn in (naive_diagonal_recurrence, chunk_diagonal_recurrence):
        h, final = fn(x, a, initial_state=torch.ones(1, 1), output_final_state=True)
        assert h.flatten().tolist() == [0.0, 2.0, -2.0]
        assert final.flatten().tolist() == [-2.0]


def test_a_sign_flip_per_one_token_tracks_parity():
    # a_t = -1 on a 1 bit, +1 on a 0 bit, x = 0, h0 = 1: h_t = (-1)^(number of ones so far).
    bits = torch.tensor([1, 0, 1, 1, 0, 0, 1]).view(1, 7, 1)
    h, _ = chunk_diagonal_recurrence(torch.zeros(1, 7, 1), 1 - 2 * bits.float(), initial_state=torch.ones(1, 1),
                                     chunk_size=4)
    assert h.flatten().tolist() == [-1.0, -1.0, 1.0, -1.0, -1.0, -1.0, 1.0]


def test_a_whole_sequence_equals_two_pieces_with_the_carried_state():
    x = {name: t.detach() for name, t in make_inputs(100).items()}
    h, final = chunk_diagonal_recurrence(x["x"], x["a"], initial_state=x["initial_state"], output_final_state=True)
    h1, s1 = chunk_diagonal_recurrence(x["x"][:, :37], x["a"][:, :37], initial_state=x["initial_state"],
                                       output_final_state=True)
    h2, s2 = chunk_diagonal_recurrence(x["x"][:, 37:], x["a"][:, 37:], initial_state=s1, output_final_state=True)
    torch.testing.assert_close(torch.cat([h1, h2], dim=1), h)
    torch.testing.assert_close(s2, final)


def test_no_final_state_unless_asked_and_the_output_keeps_the_dtype_of_x():
    x = {name: t.detach() for name, t in make_inputs(5).items()}
    for fn in (naive_diagonal_recurrence, chunk_diagonal_recurrence):
        h, final = fn(x["x"].double(), x["a"])
        assert final is None and h.dtype == torch.float64 and h.shape == (B, 5, H, D)
