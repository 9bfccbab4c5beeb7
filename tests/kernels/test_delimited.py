"""Delimiter chunks: the padded batch against one sequence and one unit at a time, causality, streaming."""

import pytest
import torch

from rt_explore.kernels.delimited import delimited_chunks, delimited_chunks_naive

DIM, HEADS, CHUNK = 16, 2, 5
SIZES = {"dim": DIM, "n_heads": HEADS, "chunk_size": CHUNK, "memory_tokens": 3, "vocab_size": 11}


class Core:
    """The delimiter schedule around a generated chunk-recurrent computation (`read_write` + initial `memory`):
    the Block-Recurrent layer of step/chunk, the RMT stack of depth+step/chunk."""

    def __init__(self, layer):
        self.layer = layer

    def __call__(self, x, ends, state=None):
        return delimited_chunks(self.layer.read_write, self.layer.memory, x, ends, chunk_size=CHUNK, state=state)

    def parameters(self):
        """What the chunk computation uses (the RMT model's embedding and head take no part in it)."""
        if hasattr(self.layer, "blocks"):
            return [*self.layer.blocks.parameters(), self.layer.memory]
        return list(self.layer.parameters())

    def zero_grad(self):
        self.layer.zero_grad()


def build(generated, name: str):
    project = generated(name, chunk_boundary="delimiter")
    torch.manual_seed(0)
    model = project.model_class(project.config_class(**SIZES)).double()
    return model.layers[0] if name == "step/chunk" else model


LAYERS = ("step/chunk", "depth+step/chunk")


@pytest.fixture
def make(generated):
    return lambda name: Core(build(generated, name))


def fixed_chunks(layer, x):
    """The same computation on fixed chunks of CHUNK positions, chunk by chunk."""
    m, ys = layer.memory.expand(x.shape[0], -1, -1), []
    for start in range(0, x.shape[1], CHUNK):
        y, m = layer.read_write(x[:, start : start + CHUNK], m)
        ys.append(y)
    return torch.cat(ys, dim=1)


def inputs(batch: int, length: int, seed: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    """x [B, T, C] and ends [B, T]: about one delimiter in four, so units of 1..CHUNK+ tokens, cut or not."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, length, DIM, generator=generator, dtype=torch.float64)
    return x, torch.rand(batch, length, generator=generator) < 0.25


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("length", [1, 13, 63])
def test_the_padded_batch_matches_each_sequence_run_alone_unit_by_unit(name, length, make):
    core = make(name)
    x, ends = inputs(3, length)
    y, state = core(x, ends)
    y_ref, memory_ref = delimited_chunks_naive(core.layer.read_write, core.layer.memory, x, ends, chunk_size=CHUNK)
    assert torch.allclose(y, y_ref, atol=1e-10)
    assert torch.allclose(state.memory, memory_ref, atol=1e-10)


@pytest.mark.parametrize("name", LAYERS)
def test_gradients_match_the_naive_loop_for_inputs_and_every_parameter(name, make):
    core = make(name)
    x, ends = inputs(3, 23)
    x.requires_grad_(True)
    weights = torch.randn(3, 23, DIM, dtype=torch.float64, generator=torch.Generator().manual_seed(4))

    def grads(run):
        core.zero_grad()
        x.grad = None
        y, memory = run()
        ((y * weights).sum() + memory.pow(2).sum()).backward()
        return [x.grad.clone()] + [p.grad.clone() for p in core.parameters()]

    fast = grads(lambda: (lambda y, s: (y, s.memory))(*core(x, ends)))
    slow = grads(lambda: delimited_chunks_naive(core.layer.read_write, core.layer.memory, x, ends, chunk_size=CHUNK))
    for a, b in zip(fast, slow, strict=True):
        assert torch.allclose(a, b, atol=1e-9)


@pytest.mark.parametrize("name", LAYERS)
def test_without_delimiters_the_chunks_are_the_fixed_chunks_of_the_wrapped_layer(name, make):
    core = make(name)
    x, _ = inputs(2, 17)
    y, _ = core(x, torch.zeros(2, 17, dtype=torch.bool))
    assert torch.allclose(y, fixed_chunks(core.layer, x), atol=1e-10)


@pytest.mark.parametrize("name", LAYERS)
def test_changing_later_tokens_or_delimiters_leaves_earlier_outputs_unchanged(name, make):
    core = make(name)
    x, ends = inputs(2, 30)
    y, _ = core(x, ends)
    for t in (0, 6, 21):
        x2, ends2 = x.clone(), ends.clone()
        x2[:, t + 1 :] = torch.randn_like(x2[:, t + 1 :])
        ends2[:, t + 1 :] = ~ends2[:, t + 1 :]
        y2, _ = core(x2, ends2)
        assert torch.allclose(y[:, : t + 1], y2[:, : t + 1], atol=1e-10), t
        assert not torch.allclose(y[:, t + 1 :], y2[:, t + 1 :], atol=1e-6), t


@pytest.mark.parametrize("name", LAYERS)
def test_streaming_in_pieces_cut_anywhere_equals_the_whole_sequence(name, make):
    core = make(name)
    x, ends = inputs(3, 29)
    whole, final = core(x, ends)
    pieces, state = [], None
    for start, stop in [(0, 4), (4, 5), (5, 5), (5, 16), (16, 29)]:
        y, state = core(x[:, start:stop], ends[:, start:stop], state)
        pieces.append(y)
    assert torch.allclose(torch.cat(pieces, dim=1), whole, atol=1e-10)
    assert torch.allclose(state.memory, final.memory, atol=1e-10)
    assert torch.equal(state.pending_lengths, final.pending_lengths)


def test_the_memory_moves_on_only_when_a_unit_is_closed(make):
    core = make("step/chunk")
    x, _ = inputs(2, CHUNK - 1)
    ends = torch.zeros(2, CHUNK - 1, dtype=torch.bool)
    ends[0, 1] = True
    _, state = core(x, ends)
    initial = core.layer.memory.expand(2, -1, -1)
    assert not torch.allclose(state.memory[0], initial[0]) and torch.equal(state.memory[1], initial[1])
    # the open unit is carried: tokens 2..end of the first sequence, the whole of the second
    assert state.pending_lengths.tolist() == [CHUNK - 3, CHUNK - 1]
    assert torch.equal(state.pending[1], x[1])


@pytest.mark.parametrize("name", LAYERS)
def test_a_padded_chunk_reads_and_writes_as_its_unpadded_rows(name, generated):
    layer = build(generated, name)
    x = torch.randn(3, 4, DIM, dtype=torch.float64)
    m = torch.randn(3, 3, DIM, dtype=torch.float64)
    lengths = torch.tensor([4, 1, 2])
    y, written = layer.read_write(x, m, lengths)
    for b, n in enumerate(lengths.tolist()):
        y_b, written_b = layer.read_write(x[b : b + 1, :n], m[b : b + 1])
        assert torch.allclose(y[b, :n], y_b[0], atol=1e-10) and torch.allclose(written[b], written_b[0], atol=1e-10)
