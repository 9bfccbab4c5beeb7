"""The recurrent cores: shapes, causality, gradients, streaming and the depth-specific behaviours."""

import pytest
import torch
from torch import nn

from rt_explore.kernels.block import Block
from rt_explore.kernels.chunk_recurrence import BlockRecurrentLayer, RecurrentMemoryStack
from rt_explore.kernels.chunkwise_depth import ChunkwiseDepthRecurrence
from rt_explore.kernels.depth_recurrence import DepthRecurrence
from rt_explore.kernels.feedback import LatentThoughts, TokenFeedback
from rt_explore.kernels.halting import AdaptiveHalting, FixedHalting

DIM, HEADS, T, CHUNK = 16, 2, 10, 4



def blocks(n: int = 2) -> nn.ModuleList:
    return nn.ModuleList(Block(DIM, HEADS) for _ in range(n))


# name -> a tiny core; every one maps x [B, T, C] to y [B, T, C] (the stateful ones return (y, state)).
CORES = {
    "depth/sequence": lambda: DepthRecurrence(Block(DIM, HEADS), steps=3),
    "depth/sequence identity-biased": lambda: DepthRecurrence(Block(DIM, HEADS), steps=3, identity_bias=True),
    "depth/sequence truncated": lambda: DepthRecurrence(Block(DIM, HEADS), steps=3, truncate_steps=1),
    "depth/chunk": lambda: ChunkwiseDepthRecurrence(blocks(), chunk_size=CHUNK, steps=2),
    "depth/token": lambda: ChunkwiseDepthRecurrence(Block(DIM, HEADS), chunk_size=1, steps=2),
    "depth/ponder": lambda: ChunkwiseDepthRecurrence(
        Block(DIM, HEADS), chunk_size=1, steps=3, halting=AdaptiveHalting(DIM)
    ),
    "step/chunk": lambda: BlockRecurrentLayer(DIM, HEADS, chunk_size=CHUNK, n_memory=3),
    "depth+step/chunk": lambda: RecurrentMemoryStack(blocks(), DIM, chunk_size=CHUNK, n_memory=3),
    "depth+step/token": lambda: TokenFeedback(blocks(), DIM),
    "depth+step/ponder": lambda: TokenFeedback(blocks(), DIM, passes=3),
    "depth+step/latent": lambda: LatentThoughts(blocks(), DIM, latent_steps=2),
    # the feedforward stage of multi-stage training: no thoughts, all positions in parallel
    "depth+step/latent without thoughts": lambda: LatentThoughts(blocks(), DIM, latent_steps=0),
}
STREAMING = ["step/chunk", "depth+step/chunk", "depth+step/token", "depth+step/ponder", "depth+step/latent",
             "depth+step/latent without thoughts"]


def make(name: str) -> nn.Module:
    torch.manual_seed(0)
    return CORES[name]()


def output(core: nn.Module, x: torch.Tensor) -> torch.Tensor:
    out = core(x)
    return out[0] if isinstance(out, tuple) else out


def inputs(batch: int = 2, length: int = T) -> torch.Tensor:
    return torch.randn(batch, length, DIM, generator=torch.Generator().manual_seed(1))


@pytest.mark.parametrize("name", CORES)
def test_every_core_keeps_the_shape_of_its_input(name):
    assert output(make(name), inputs()).shape == (2, T, DIM)


# Cuts inside the first chunk, on a chunk boundary, inside a later chunk and at the last position.
@pytest.mark.parametrize("cut", [2, 4, 6, 9])
@pytest.mark.parametrize("name", CORES)
def test_changing_the_input_from_a_position_on_leaves_every_earlier_output_unchanged(name, cut):
    core, x = make(name), inputs()
    changed = x.clone()
    changed[:, cut:] += torch.randn_like(changed[:, cut:])
    with torch.no_grad():
        y, y_changed = output(core, x), output(core, changed)
    torch.testing.assert_close(y_changed[:, :cut], y[:, :cut], atol=1e-6, rtol=0)
    assert not torch.allclose(y_changed[:, cut], y[:, cut])


@pytest.mark.parametrize("name", CORES)
def test_the_first_position_reaches_the_last_output_across_chunks(name):
    core, x = make(name), inputs()
    changed = x.clone()
    changed[:, 0] += 1.0
    with torch.no_grad():
        assert not torch.allclose(output(core, changed)[:, -1], output(core, x)[:, -1])


@pytest.mark.parametrize("name", CORES)
def test_a_scalar_loss_sends_a_gradient_to_every_parameter(name):
    core = make(name)
    loss = output(core, inputs()).square().mean()
    if getattr(core, "ponder_cost", None) is not None:
        loss = loss + 0.01 * core.ponder_cost
    loss.backward()
    missing = [n for n, p in core.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert missing == []


@pytest.mark.parametrize("name", STREAMING)
def test_feeding_chunk_aligned_pieces_with_the_carried_state_equals_feeding_the_whole(name):
    core, x = make(name), inputs()
    with torch.no_grad():
        y_whole, state_whole = core(x)
        pieces, state = [], None
        for start in range(0, T, 2 * CHUNK):
            y, state = core(x[:, start : start + 2 * CHUNK], state)
            pieces.append(y)
    torch.testing.assert_close(torch.cat(pieces, dim=1), y_whole, atol=1e-5, rtol=0)
    if isinstance(state, list):
        for cache, cache_whole in zip(state, state_whole, strict=True):
            torch.testing.assert_close(cache.k, cache_whole.k, atol=1e-5, rtol=0)
            assert cache.offset == cache_whole.offset
    else:
        torch.testing.assert_close(state, state_whole, atol=1e-5, rtol=0)


@pytest.mark.parametrize("name", ["depth/sequence", "depth/chunk", "depth/ponder"])
def test_depth_cores_take_the_number_of_steps_at_call_time_and_it_changes_the_output(name):
    core, x = make(name), inputs()
    with torch.no_grad():
        outputs = [core(x, steps=steps) for steps in (1, 2, 5)]
    assert all(y.shape == x.shape for y in outputs)
    assert not torch.allclose(outputs[0], outputs[1])
    assert not torch.allclose(outputs[1], outputs[2])


def test_depth_recurrence_returns_every_iterate_and_the_last_is_the_output():
    core, x = make("depth/sequence"), inputs()
    with torch.no_grad():
        states = core(x, steps=4, return_all=True)
        assert len(states) == 4
        torch.testing.assert_close(states[-1], core(x, steps=4))


def test_truncated_backprop_keeps_the_forward_and_records_only_the_last_iterations():
    truncated, full, x = make("depth/sequence truncated"), make("depth/sequence"), inputs()
    states = truncated(x, return_all=True)
    assert [s.requires_grad for s in states] == [False, False, True]
    torch.testing.assert_close(states[-1], full(x))


class Loud(nn.Module):
    """A block whose output is far from its input: x -> 5 W x."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        return 5 * self.proj(x)


def test_identity_bias_starts_close_to_the_identity_even_for_a_block_with_a_large_output():
    torch.manual_seed(0)
    x = inputs()
    biased = DepthRecurrence(Loud(DIM), steps=2, identity_bias=True)
    plain = DepthRecurrence(Loud(DIM), steps=2)
    plain.load_state_dict(biased.state_dict(), strict=False)
    with torch.no_grad():
        moved_biased, moved_plain = (biased(x) - x).norm(), (plain(x) - x).norm()
    assert moved_biased < 0.2 * x.norm()
    assert moved_biased < 0.1 * moved_plain


def test_one_chunk_covering_the_sequence_is_plain_depth_recurrence():
    torch.manual_seed(0)
    core, x = ChunkwiseDepthRecurrence(blocks(), chunk_size=T, steps=3), inputs()
    with torch.no_grad():
        torch.testing.assert_close(core(x), core.loop(x, offset=0))


def states_for_halting(n: int = 4) -> list[torch.Tensor]:
    return [torch.randn(2, T, DIM, generator=torch.Generator().manual_seed(i)) for i in range(n)]


@pytest.mark.parametrize("bias", [-6.0, 0.0, 1.0, 6.0])
def test_adaptive_halting_weights_sum_to_one_per_position_and_the_ponder_cost_is_at_least_one(bias):
    torch.manual_seed(0)
    halting, states = AdaptiveHalting(DIM), states_for_halting()
    nn.init.constant_(halting.halt.bias, bias)
    p, _ = halting.weights(states)
    mixed, ponder = halting(states)
    assert p.shape == (4, 2, T) and (p >= 0).all()
    torch.testing.assert_close(p.sum(dim=0), torch.ones(2, T))
    torch.testing.assert_close(mixed, (p[..., None] * torch.stack(states)).sum(dim=0))
    assert ponder.dim() == 0 and 1.0 <= ponder.item() <= len(states) + 1


def test_adaptive_halting_ponder_cost_has_a_gradient_through_the_remainder():
    torch.manual_seed(0)
    halting = AdaptiveHalting(DIM)
    halting(states_for_halting())[1].backward()
    assert halting.halt.weight.grad.abs().sum() > 0


def test_fixed_halting_uses_the_last_state_and_costs_every_step():
    states = states_for_halting(3)
    mixed, ponder = FixedHalting()(states)
    assert mixed is states[-1] and ponder.item() == 3.0


def test_chunkwise_depth_with_adaptive_halting_reports_its_ponder_cost():
    core = make("depth/ponder")
    core(inputs())
    assert core.ponder_cost.dim() == 0 and core.ponder_cost.item() >= 1.0


def test_latent_thoughts_without_thoughts_run_in_parallel_and_equal_feeding_one_token_at_a_time():
    core, x = make("depth+step/latent without thoughts"), inputs()
    with torch.no_grad():
        y_parallel, caches_parallel = core(x)
        ys, state = [], None
        for t in range(T):
            y, state = core(x[:, t : t + 1], state)
            ys.append(y)
        # the same layers with thoughts switched on at call time give another output
        y_thinking, _ = core(x, latent_steps=1)
    torch.testing.assert_close(torch.cat(ys, dim=1), y_parallel, atol=1e-5, rtol=0)
    for cache, cache_parallel in zip(state, caches_parallel, strict=True):
        torch.testing.assert_close(cache.k, cache_parallel.k, atol=1e-5, rtol=0)
        assert cache.offset == cache_parallel.offset == T
    assert not torch.allclose(y_thinking, y_parallel)
