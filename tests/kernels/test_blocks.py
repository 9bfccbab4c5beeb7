"""Norm, rotary, attention (cache, memory, context, explicit offset, first-layer values) and SwiGLU."""

import pytest
import torch

from rt_explore.kernels.attention import CausalSelfAttention, KVCache
from rt_explore.kernels.mlp import SwiGLU, swiglu_hidden
from rt_explore.kernels.norms import RMSNorm
from rt_explore.kernels.rotary import Rotary, apply_rotary

B, T, C, H = 2, 13, 32, 4
PIECES = [3, 1, 5, 4]  # uneven pieces that add up to T


@pytest.fixture(autouse=True)
def seed():
    torch.manual_seed(0)


def assert_every_parameter_gets_gradient(module, loss):
    loss.backward()
    for name, p in module.named_parameters():
        assert p.grad is not None, f"{name} got no gradient"
        assert p.grad.abs().sum() > 0, f"{name} got a zero gradient"


def in_pieces(fn, x, **kwargs):
    """Feed `x` piece by piece through `fn(piece, cache=cache, ...)` and stitch the outputs together."""
    cache, outs, start = KVCache(), [], 0
    for n in PIECES:
        outs.append(fn(x[:, start : start + n], cache=cache, **kwargs))
        start += n
    return torch.cat(outs, dim=1), cache


def test_rmsnorm_gives_unit_rms_and_keeps_shape():
    y = RMSNorm(C)(3.0 * torch.randn(B, T, C))
    assert y.shape == (B, T, C)
    torch.testing.assert_close(y.pow(2).mean(-1), torch.ones(B, T), atol=1e-4, rtol=0)


def test_rotary_with_offset_equals_the_tail_of_the_full_table():
    rotary = Rotary(8)
    cos, sin = rotary(5, offset=3)
    cos_all, sin_all = rotary(8)
    assert cos.shape == (5, 4)
    torch.testing.assert_close(cos, cos_all[3:])
    torch.testing.assert_close(sin, sin_all[3:])


def test_rotary_dot_products_depend_only_on_relative_position():
    rotary, q, k = Rotary(8), torch.randn(1, 1, 1, 8), torch.randn(1, 1, 1, 8)

    def score(m, n):
        cq, sq = rotary(1, offset=m)
        ck, sk = rotary(1, offset=n)
        return (apply_rotary(q, cq, sq) * apply_rotary(k, ck, sk)).sum()

    torch.testing.assert_close(score(7, 3), score(14, 10))
    torch.testing.assert_close(score(0, 0), (q * k).sum())


def test_swiglu_keeps_shape_and_rounds_hidden_to_a_multiple_of_8():
    assert swiglu_hidden(32) % 8 == 0 and swiglu_hidden(32) >= 8 * 32 // 3
    assert SwiGLU(C)(torch.randn(B, T, C)).shape == (B, T, C)


def test_attention_output_has_the_input_shape():
    attn = CausalSelfAttention(C, H)
    x = torch.randn(B, T, C)
    assert attn(x).shape == (B, T, C)
    assert attn(x, memory=torch.randn(B, 3, C), context=torch.randn(B, T, C)).shape == (B, T, C)


@pytest.mark.parametrize("extra", ["none", "memory", "context"])
def test_attention_is_causal_with_memory_and_context(extra):
    attn = CausalSelfAttention(C, H)
    x, t = torch.randn(B, T, C), 6
    kwargs = {"memory": {"memory": torch.randn(B, 3, C)}, "context": {"context": torch.randn(B, T, C)}}
    kwargs = kwargs.get(extra, {})
    x2 = x.clone()
    x2[:, t + 1 :] = torch.randn(B, T - t - 1, C)
    torch.testing.assert_close(attn(x, **kwargs)[:, : t + 1], attn(x2, **kwargs)[:, : t + 1])
    assert not torch.allclose(attn(x, **kwargs)[:, t + 1 :], attn(x2, **kwargs)[:, t + 1 :])


def test_position_t_sees_context_up_to_t_and_not_after():
    attn = CausalSelfAttention(C, H)
    x, ctx, t = torch.randn(B, T, C), torch.randn(B, T, C), 6
    ctx2 = ctx.clone()
    ctx2[:, t] = torch.randn(B, C)
    y, y2 = attn(x, context=ctx), attn(x, context=ctx2)
    torch.testing.assert_close(y[:, :t], y2[:, :t])
    assert not torch.allclose(y[:, t], y2[:, t])


def test_every_position_sees_every_memory_token():
    attn = CausalSelfAttention(C, H)
    x, mem = torch.randn(B, T, C), torch.randn(B, 3, C)
    mem2 = mem.clone()
    mem2[:, -1] = torch.randn(B, C)
    changed = (attn(x, memory=mem) - attn(x, memory=mem2)).abs().amax(dim=-1)  # [B, T]
    assert (changed > 1e-6).all()


@pytest.mark.parametrize("rotary", [True, False])
def test_attention_in_pieces_with_a_kv_cache_equals_all_at_once(rotary):
    attn = CausalSelfAttention(C, H, rotary=rotary)
    x = torch.randn(B, T, C)
    y, cache = in_pieces(attn, x)
    torch.testing.assert_close(y, attn(x), atol=1e-5, rtol=0)
    assert cache.k.shape == (B, T, H, C // H) and cache.offset == T


def test_kv_cache_equivalence_holds_with_memory_and_context():
    attn = CausalSelfAttention(C, H)
    x, mem, ctx = torch.randn(B, T, C), torch.randn(B, 2, C), torch.randn(B, T, C)
    y, _ = in_pieces(attn, x, memory=mem, context=ctx)
    torch.testing.assert_close(y, attn(x, memory=mem, context=ctx), atol=1e-5, rtol=0)


def test_first_layer_values_are_mixed_in_by_a_scalar_or_a_gate_per_token_and_head():
    first, later = CausalSelfAttention(C, H), CausalSelfAttention(C, H)
    x = torch.randn(B, T, C)
    _, v_first = first(x, return_values=True)
    assert v_first.shape == (B, T, H, C // H)
    plain = later(x)
    # a closed gate (0) is plain attention; a scalar mix (ResFormer) and a gate per token and head both change it
    torch.testing.assert_close(later(x, v_first=v_first, v_mix=torch.zeros(B, T, H, 1)), plain)
    assert not torch.allclose(later(x, v_first=v_first, v_mix=torch.tensor(0.5)), plain)
    gate = torch.rand(B, T, H, 1)
    y = later(x, v_first=v_first, v_mix=gate)

    def later_piece(piece, cache):
        # the first layer's values and the gate of the same positions as the piece
        s = slice(cache.offset, cache.offset + piece.shape[1])
        return later(piece, cache=cache, v_first=v_first[:, s], v_mix=gate[:, s])

    y_pieces, _ = in_pieces(later_piece, x)
    torch.testing.assert_close(y_pieces, y, atol=1e-5, rtol=0)
    assert_every_parameter_gets_gradient(later, (y**2).sum())


def test_the_output_at_t_reads_other_tokens_first_layer_values_through_the_gate():
    """SATFormer's access path (arXiv 2605.03953): a cross-token path to early values, opened by the gate."""
    attn = CausalSelfAttention(C, H)
    x, v_first = torch.randn(B, T, C), torch.randn(B, T, H, C // H)
    changed = v_first.clone()
    changed[:, 2] += 1.0  # the first-layer values of token 2 only
    for t in (5, 9):
        gate = torch.zeros(B, T, H, 1)
        gate[:, 2] = 1.0  # only token 2 is read through the gate
        open_a, open_b = (attn(x, v_first=v, v_mix=gate)[:, t] for v in (v_first, changed))
        assert not torch.allclose(open_a, open_b)  # token t depends on token 2's early values
        closed = torch.zeros(B, T, H, 1)
        torch.testing.assert_close(attn(x, v_first=v_first, v_mix=closed)[:, t],
                                   attn(x, v_first=changed, v_mix=closed)[:, t])
    # and never on a later token's
    later = v_first.clone()
    later[:, 10] += 1.0
    gate = torch.ones(B, T, H, 1)
    torch.testing.assert_close(attn(x, v_first=v_first, v_mix=gate)[:, :10], attn(x, v_first=later, v_mix=gate)[:, :10])


def test_an_explicit_offset_places_a_piece_at_its_absolute_positions():
    attn = CausalSelfAttention(C, H)
    x, ctx = torch.randn(B, T, C), torch.randn(B, 6, C)
    # a piece at offset 6 that reads the context of positions 0..5 sees what the cache path would show it
    cache = KVCache(offset=6)
    torch.testing.assert_close(attn(x[:, 6:], offset=6, context=ctx), attn(x[:, 6:], cache=cache, context=ctx))


def test_attention_gradients_reach_every_parameter():
    attn = CausalSelfAttention(C, H)
    y = attn(torch.randn(B, T, C), memory=torch.randn(B, 2, C), context=torch.randn(B, T, C))
    assert_every_parameter_gets_gradient(attn, (y**2).sum())


def test_a_lower_triangular_mask_gives_the_causal_attention_exactly():
    attn = CausalSelfAttention(C, H)
    x = torch.randn(B, T, C)
    causal = torch.ones(T, T, dtype=torch.bool).tril().expand(B, T, T)
    torch.testing.assert_close(attn(x, mask=causal), attn(x))


def test_a_mask_that_lets_t_see_only_itself_gives_the_output_of_t_alone():
    attn = CausalSelfAttention(C, H)
    x = torch.randn(B, T, C)
    alone = torch.eye(T, dtype=torch.bool).expand(B, T, T)
    y = attn(x, mask=alone)
    for t in (0, 5, T - 1):
        torch.testing.assert_close(y[:, t : t + 1], attn(x[:, t : t + 1]))


def test_a_mask_may_let_a_position_see_later_ones_and_differ_per_sequence():
    attn = CausalSelfAttention(C, H, rotary=False)
    x = torch.randn(B, T, C)
    mask = torch.eye(T, dtype=torch.bool).repeat(B, 1, 1)
    mask[0, 0, T - 1] = True  # in the first sequence only, position 0 also reads the last one
    y = attn(x, mask=mask)
    changed = x.clone()
    changed[:, T - 1] += 1.0
    z = attn(changed, mask=mask)
    assert not torch.allclose(y[0, 0], z[0, 0])
    torch.testing.assert_close(y[1, 0], z[1, 0])


def test_a_mask_is_refused_with_a_cache_or_of_the_wrong_shape():
    attn = CausalSelfAttention(C, H)
    x = torch.randn(B, T, C)
    with pytest.raises(ValueError, match="no cache"):
        attn(x, cache=KVCache(), mask=torch.ones(B, T, T, dtype=torch.bool))
    with pytest.raises(ValueError, match="shape"):
        attn(x, mask=torch.ones(T, T, dtype=torch.bool))
