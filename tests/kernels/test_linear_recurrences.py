"""Linear recurrences: every chunked kernel against its naive twin, and the mixer built on them."""

from __future__ import annotations

import inspect

import pytest
import torch
import torch.nn.functional as F

from rt_explore.kernels.delta_product import chunk_delta_product, naive_delta_product
from rt_explore.kernels.delta_rule import chunk_delta_rule, naive_delta_rule
from rt_explore.kernels.gated_delta_rule import chunk_gated_delta_rule, naive_gated_delta_rule
from rt_explore.kernels.gated_linear_attention import (
    chunk_gated_linear_attention,
    naive_gated_linear_attention,
)
from rt_explore.kernels.linear_attention import chunk_linear_attention, naive_linear_attention

B, H, DK, DV, N_H = 2, 2, 16, 8, 3

# name -> (naive, chunk, extra inputs after q, k, v)
KERNELS = {
    "linear-attention": (naive_linear_attention, chunk_linear_attention, ()),
    "gated-linear-attention": (naive_gated_linear_attention, chunk_gated_linear_attention, ("g",)),
    "delta-rule": (naive_delta_rule, chunk_delta_rule, ("beta",)),
    "gated-delta-rule": (naive_gated_delta_rule, chunk_gated_delta_rule, ("g", "beta")),
    "delta-product": (naive_delta_product, chunk_delta_product, ("beta",)),
}


def make_inputs(rule: str, T: int, seed: int = 0) -> dict[str, torch.Tensor]:
    """Leaf fp32 inputs in the regime the layer produces: unit keys for the delta rules, beta in (0, 2)."""
    gen = torch.Generator().manual_seed(seed)
    writes = (B, T, N_H, H) if rule == "delta-product" else (B, T, H)  # one entry per state write
    k = torch.randn(*writes, DK, generator=gen)
    k = F.normalize(k, dim=-1) if "delta" in rule else k / DK**0.5
    x = {
        "q": torch.randn(B, T, H, DK, generator=gen),
        "k": k,
        "v": torch.randn(*writes, DV, generator=gen),
        "g": F.logsigmoid(2 + torch.randn(B, T, H, generator=gen)),
        "beta": 2 * torch.rand(*writes, generator=gen),
        "initial_state": torch.randn(B, H, DK, DV, generator=gen),
    }
    return {name: t.requires_grad_() for name, t in x.items()}


def run(fn, extra, x, **kw):
    """Output, final state and the gradients of every input for one fixed random cotangent."""
    args = [x["q"], x["k"], x["v"], *(x[name] for name in extra)]
    o, S = fn(*args, initial_state=x["initial_state"], output_final_state=True, **kw)
    gen = torch.Generator().manual_seed(1)
    loss = (o * torch.randn(o.shape, generator=gen)).sum() + (S * torch.randn(S.shape, generator=gen)).sum()
    names = ["q", "k", "v", *extra, "initial_state"]
    grads = torch.autograd.grad(loss, [x[name] for name in names])
    return {"o": o, "final_state": S, **{f"d{name}": g for name, g in zip(names, grads, strict=True)}}


def rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    return ((a - b).norm() / b.norm()).item()


CASES = [(rule, T, 64) for rule in KERNELS for T in (63, 100)]
CASES += [(rule, 100, 16) for rule in KERNELS]  # many chunks, and a partial last one
CASES += [("delta-rule", 1000, 64), ("gated-delta-rule", 1000, 64)]


@pytest.mark.parametrize(("rule", "T", "chunk_size"), CASES)
def test_chunked_kernel_matches_naive_in_outputs_states_and_gradients(rule, T, chunk_size):
    naive, chunk, extra = KERNELS[rule]
    x = make_inputs(rule, T)
    want, got = run(naive, extra, x), run(chunk, extra, x, chunk_size=chunk_size)
    for name in want:
        assert rel_err(got[name], want[name]) < 1e-4, name


def test_delta_rule_matches_a_two_step_example_worked_by_hand():
    # Step 1: S1 = 1 * k1 v1^T = [[1, 2], [0, 0]];  o1 = S1^T q1 = [1, 2].
    # Step 2: k2^T S1 = 0.6 * [1, 2] = [0.6, 1.2];  v2 - that = [-0.6, -0.2];
    #   S2 = S1 + 0.5 * k2 [-0.6, -0.2] = [[1, 2], [0, 0]] + [[-0.18, -0.06], [-0.24, -0.08]]
    #      = [[0.82, 1.94], [-0.24, -0.08]];  o2 = S2^T [1, 0] = [0.82, 1.94].
    q = torch.tensor([[1.0, 1.0], [1.0, 0.0]]).view(1, 2, 1, 2)
    k = torch.tensor([[1.0, 0.0], [0.6, 0.8]]).view(1, 2, 1, 2)
    v = torch.tensor([[1.0, 2.0], [0.0, 1.0]]).view(1, 2, 1, 2)
    beta = torch.tensor([1.0, 0.5]).view(1, 2, 1)
    o_want = torch.tensor([[1.0, 2.0], [0.82, 1.94]]).view(1, 2, 1, 2)
    S_want = torch.tensor([[0.82, 1.94], [-0.24, -0.08]]).view(1, 1, 2, 2)
    for fn in (naive_delta_rule, chunk_delta_rule):
        o, S = fn(q, k, v, beta, output_final_state=True, scale=1.0)
        torch.testing.assert_close(o, o_want)
        torch.testing.assert_close(S, S_want)


@pytest.mark.parametrize("rule", KERNELS)
def test_chunked_kernel_on_a_whole_sequence_equals_two_pieces_with_the_carried_state(rule):
    _, chunk, extra = KERNELS[rule]
    x = {name: t.detach() for name, t in make_inputs(rule, 100).items()}
    args = [x["q"], x["k"], x["v"], *(x[name] for name in extra)]
    o, S = chunk(*args, initial_state=x["initial_state"], output_final_state=True, chunk_size=16)
    o1, S1 = chunk(*(a[:, :37] for a in args), initial_state=x["initial_state"], output_final_state=True)
    o2, S2 = chunk(*(a[:, 37:] for a in args), initial_state=S1, output_final_state=True)
    torch.testing.assert_close(torch.cat([o1, o2], dim=1), o, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(S2, S, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("rule", KERNELS)
def test_every_kernel_takes_tensors_in_one_order_then_keyword_only_options(rule):
    naive, chunk, extra = KERNELS[rule]
    tensors = ["q", "k", "v", *extra]
    options = ["scale", "initial_state", "output_final_state"]
    for fn, more in ((naive, []), (chunk, ["chunk_size"])):
        params = inspect.signature(fn).parameters.values()
        assert [p.name for p in params] == tensors + options + more, fn.__name__
        assert all(p.kind is p.KEYWORD_ONLY for p in params if p.name in options + more), fn.__name__


def test_kernels_return_no_final_state_unless_asked():
    for rule, (naive, chunk, extra) in KERNELS.items():
        x = make_inputs(rule, 5)
        args = [x["q"], x["k"], x["v"], *(x[name] for name in extra)]
        assert naive(*args)[1] is None and chunk(*args)[1] is None, rule


# ---- the mixer ----


def test_the_generated_step_token_rules_name_kernels_of_this_table():
    from rt_explore.codegen.context import RULE_KERNELS

    for rule, (module, naive, chunk) in RULE_KERNELS.items():
        if rule not in KERNELS:
            continue  # rwkv-7, diagonal, gru, lstm: tested in their own files (or torch's)
        assert KERNELS[rule][0].__name__ == naive and KERNELS[rule][1].__name__ == chunk, rule
        assert KERNELS[rule][0].__module__ == f"rt_explore.kernels.{module}"
