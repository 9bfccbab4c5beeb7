"""RWKV-7's recurrence: the chunked kernel against its naive twin, and one step worked by hand."""

from __future__ import annotations

import inspect
import math

import pytest
import torch
import torch.nn.functional as F

from rt_explore.kernels.rwkv7 import chunk_rwkv7, naive_rwkv7

B, H, DK, DV = 2, 2, 16, 8
NAMES = ("r", "k", "v", "log_w", "a", "b")


def make_inputs(T: int, seed: int = 0, max_decay: float = math.exp(-0.5)) -> dict[str, torch.Tensor]:
    """Leaf fp32 inputs as RWKV-7 makes them: a = -kappa_hat, b = kappa_hat * eta with eta in (0, 1), and
    log_w = -max_decay * sigmoid(.) (the paper's w = exp(-e^-0.5 sigmoid(.)) at the default)."""
    gen = torch.Generator().manual_seed(seed)
    kappa = F.normalize(torch.randn(B, T, H, DK, generator=gen), dim=-1)
    eta = torch.rand(B, T, H, DK, generator=gen)
    x = {
        "r": torch.randn(B, T, H, DK, generator=gen),
        "k": torch.randn(B, T, H, DK, generator=gen) / DK**0.5,
        "v": torch.randn(B, T, H, DV, generator=gen),
        "log_w": -max_decay * torch.randn(B, T, H, DK, generator=gen).sigmoid(),
        "a": -kappa,
        "b": kappa * eta,
        "initial_state": torch.randn(B, H, DK, DV, generator=gen),
    }
    return {name: t.requires_grad_() for name, t in x.items()}


def run(fn, x: dict[str, torch.Tensor], **kw) -> dict[str, torch.Tensor]:
    """Output, final state and the gradient of every input for one fixed random cotangent."""
    o, S = fn(*(x[name] for name in NAMES), initial_state=x["initial_state"], output_final_state=True, **kw)
    gen = torch.Generator().manual_seed(1)
    loss = (o * torch.randn(o.shape, generator=gen)).sum() + (S * torch.randn(S.shape, generator=gen)).sum()
    inputs = [*NAMES, "initial_state"]
    grads = torch.autograd.grad(loss, [x[name] for name in inputs])
    return {"o": o, "final_state": S, **{f"d{name}": g for name, g in zip(inputs, grads, strict=True)}}


def rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    return ((a - b).norm() / b.norm()).item()


@pytest.mark.parametrize(("T", "chunk_size"), [(1, 64), (63, 64), (100, 64), (1000, 64), (100, 16)])
def test_chunked_rwkv7_matches_naive_in_outputs_final_state_and_gradients(T, chunk_size):
    x = make_inputs(T)
    want, got = run(naive_rwkv7, x), run(chunk_rwkv7, x, chunk_size=chunk_size)
    for name in want:
        assert rel_err(got[name], want[name]) < 1e-4, name


def test_decays_too_strong_for_one_chunk_are_handled_by_smaller_chunks():
    # Up to e^-4 per step: a 64-position chunk would decay by up to e^-256, beyond fp32's exponent range.
    x = make_inputs(100, max_decay=8.0)
    want, got = run(naive_rwkv7, x), run(chunk_rwkv7, x, chunk_size=64)
    for name in want:
        assert rel_err(got[name], want[name]) < 1e-4, name


def test_one_step_worked_by_hand():
    # S0 = [[1, 2], [3, 4]] (Dk = Dv = 2); w = [0.5, 1]; removal key kappa = e1 with eta = 0.5, so
    # a = [-1, 0], b = [0.5, 0]; k = [0, 1], v = [1, -1]; r = [1, 1], scale 1.
    #   a^T S0 = [-1, -2];  diag(w) S0 = [[0.5, 1], [3, 4]];  b (a^T S0) = [[-0.5, -1], [0, 0]];
    #   k v^T = [[0, 0], [1, -1]];  S1 = [[0, 0], [4, 3]];  o1 = S1^T r = [4, 3].
    # (Channel 0 is halved by the decay, then half of it, along kappa, is removed: nothing is left.)
    def vec(*values):
        return torch.tensor(values).view(1, 1, 1, -1)  # [B, T, H, D]

    S0 = torch.tensor([[1.0, 2.0], [3.0, 4.0]]).view(1, 1, 2, 2)
    args = (vec(1.0, 1.0), vec(0.0, 1.0), vec(1.0, -1.0), vec(math.log(0.5), 0.0), vec(-1.0, 0.0), vec(0.5, 0.0))
    for fn in (naive_rwkv7, chunk_rwkv7):
        o, S = fn(*args, scale=1.0, initial_state=S0, output_final_state=True)
        torch.testing.assert_close(o, vec(4.0, 3.0))
        torch.testing.assert_close(S, torch.tensor([[0.0, 0.0], [4.0, 3.0]]).view(1, 1, 2, 2))


def test_a_whole_sequence_equals_two_pieces_with_the_carried_state():
    x = {name: t.detach() for name, t in make_inputs(100).items()}
    args = [x[name] for name in NAMES]
    o, S = chunk_rwkv7(*args, initial_state=x["initial_state"], output_final_state=True, chunk_size=16)
    o1, S1 = chunk_rwkv7(*(t[:, :37] for t in args), initial_state=x["initial_state"], output_final_state=True)
    o2, S2 = chunk_rwkv7(*(t[:, 37:] for t in args), initial_state=S1, output_final_state=True)
    torch.testing.assert_close(torch.cat([o1, o2], dim=1), o, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(S2, S, rtol=1e-4, atol=1e-5)


def test_no_final_state_unless_asked_and_the_output_keeps_the_dtype_of_v():
    x = {name: t.detach() for name, t in make_inputs(5).items()}
    args = [x[name] for name in NAMES]
    for fn in (naive_rwkv7, chunk_rwkv7):
        o, S = fn(*args[:2], args[2].double(), *args[3:])
        assert S is None and o.dtype == torch.float64 and o.shape == (B, 5, H, DV)


def test_the_signature_follows_the_kernel_contract_with_the_papers_names():
    options = ["scale", "initial_state", "output_final_state"]
    for fn, more in ((naive_rwkv7, []), (chunk_rwkv7, ["chunk_size"])):
        params = inspect.signature(fn).parameters.values()
        assert [p.name for p in params] == [*NAMES, *options, *more]
        assert all(p.kind is p.KEYWORD_ONLY for p in params if p.name in options + more)
