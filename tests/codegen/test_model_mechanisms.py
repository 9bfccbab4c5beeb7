"""What the generated models compute: the mechanisms written out in the templates, checked on generated code.

Every generated project also tests itself (shapes, causality, gradients, Config fields, overfitting,
streaming, iterations at inference); these tests check what each mechanism is meant to do.
"""

import pytest
import torch

from rt_explore.codegen import spec_from_cell
from rt_explore.errors import UsageError
from rt_explore.taxonomy import load_taxonomy

SMALL = {"dim": 16, "n_heads": 2, "vocab_size": 11}


def build(generated, cell: str, config: dict | None = None, **options):
    project = generated(cell, **options)
    torch.manual_seed(0)
    return project.model_class(project.config_class(**{**SMALL, **(config or {})})).eval()


def ids(batch: int = 2, length: int = 10) -> torch.Tensor:
    return torch.randint(0, 11, (batch, length), generator=torch.Generator().manual_seed(1))


@pytest.mark.parametrize("cell", ["none", "depth/sequence", "depth/chunk", "depth/token", "step/chunk", "step/token",
                                  "depth+step/chunk", "depth+step/token", "depth+step/latent"])
def test_the_first_token_reaches_the_last_output(generated, cell):
    model = build(generated, cell)
    a = ids(length=12)
    b = a.clone()
    b[:, 0] = (b[:, 0] + 1) % 11
    with torch.no_grad():
        assert not torch.allclose(model(a)[:, -1], model(b)[:, -1])


@pytest.mark.parametrize("residual", ["hyper-connections", "manifold-constrained"])
def test_hyper_connections_start_as_the_standard_residual_stack(generated, residual):
    model = build(generated, "none", {"n_layers": 3}, residual=residual)
    x = torch.randn(2, 7, 16)
    with torch.no_grad():
        plain = x
        for block in model.stack.blocks:
            plain = block(plain)
        torch.testing.assert_close(model.stack(x), plain, atol=1e-5, rtol=0)


def test_mhc_weights_are_constrained_and_the_mixing_is_doubly_stochastic(generated):
    model = build(generated, "none", residual="manifold-constrained")
    for connection in model.stack.connections:
        pre, post, res = connection.weights()
        assert ((pre > 0) & (pre < 1)).all() and ((post > 0) & (post < 2)).all()
        torch.testing.assert_close(res.sum(dim=0), torch.ones(4), atol=1e-4, rtol=0)
        torch.testing.assert_close(res.sum(dim=1), torch.ones(4), atol=1e-4, rtol=0)


def test_deep_delta_starts_with_beta_one_tenth_and_at_beta_one_erases_then_writes(generated):
    model = build(generated, "none", residual="deep-delta")
    stack, x = model.stack, torch.randn(2, 7, 16)
    beta = 2 * torch.sigmoid(stack.betas[0](torch.nn.functional.rms_norm(x, (16,))))
    torch.testing.assert_close(beta, torch.full_like(beta, 0.1))
    with torch.no_grad():
        stack.betas[0].bias.fill_(0.0)  # 2 * sigmoid(0) = 1
        y = stack.blocks[0](x)
        f = y - x
        k = torch.nn.functional.normalize(f, dim=-1)
        expected = x - (k * x).sum(-1, keepdim=True) * k + f  # erase x's k-component, write f
        torch.testing.assert_close(stack.deep_delta(0, x, y), expected, atol=1e-5, rtol=0)


def test_satformer_gates_start_nearly_closed_and_closed_gates_are_the_plain_stack(generated):
    model = build(generated, "none", {"n_layers": 3}, residual="early-access")
    x = torch.randn(2, 7, 16)
    for gate in model.stack.gates:
        opening = torch.sigmoid(gate(x))
        assert (opening < 0.02).all() and opening.shape == (2, 7, 2)  # one gate per token and head
    with torch.no_grad():
        for gate in model.stack.gates:
            gate.bias.fill_(-1e4)
        plain = x
        for block in model.stack.blocks:
            plain, _ = block(plain)
        torch.testing.assert_close(model.stack(x), plain, atol=1e-5, rtol=0)


def test_value_residual_mixes_the_first_layers_values_with_a_learned_scalar_at_one_half(generated):
    model = build(generated, "none", {"n_layers": 3}, value_residual="true")
    torch.testing.assert_close(model.stack.lambdas.detach(), torch.full((2,), 0.5))


def test_the_depth_loop_returns_every_iterate_and_the_last_is_the_output(generated):
    model = build(generated, "depth/sequence", {"recurrence_steps": 3})
    x = model.embed(ids())
    states = model.iterate(x, 3)
    assert len(states) == 3
    with torch.no_grad():
        torch.testing.assert_close(model(ids()), model.head(model.norm(states[-1])))


def test_truncated_backprop_keeps_the_forward_and_only_the_last_iterations_carry_gradient(generated):
    full = build(generated, "depth/sequence", {"recurrence_steps": 4})
    cut = build(generated, "depth/sequence", {"recurrence_steps": 4, "truncate_steps": 1})
    x = full.embed(ids()).detach().requires_grad_(True)
    torch.testing.assert_close(full.iterate(x, 4)[-1], cut.iterate(x, 4)[-1])
    # with one tracked iteration, the input reaches the output only through the injection of that iteration
    grad_full = torch.autograd.grad(full.iterate(x, 4)[-1].sum(), x)[0]
    grad_cut = torch.autograd.grad(cut.iterate(x, 4)[-1].sum(), x)[0]
    assert not torch.allclose(grad_full, grad_cut)


def test_identity_bias_starts_close_to_the_identity(generated):
    model = build(generated, "depth/sequence", identity_bias="true", input_injection="false")
    x = model.embed(ids()) * 50  # a large state: the stack's output differs from it a lot
    with torch.no_grad():
        h1 = model.iterate(x, 1)[0]
        step = (h1 - x).norm() / (model.stack(x) - x).norm()
    assert step < 0.05  # a = sigmoid(-4) ~ 0.018 of the way to the stack's output


def test_latent_thoughts_off_run_in_parallel_and_equal_feeding_one_token_at_a_time(generated):
    model = build(generated, "depth+step/latent", {"latent_steps": 0})
    tokens = ids(length=6)
    with torch.no_grad():
        whole = model(tokens)
        state, pieces = None, []
        for t in range(6):
            logits, state = model.step(tokens[:, t : t + 1], state)
            pieces.append(logits)
    torch.testing.assert_close(torch.cat(pieces, dim=1), whole, atol=1e-5, rtol=0)


def test_depth_token_feeds_each_tokens_final_state_to_later_tokens(generated):
    """depth/token: token t attends to the final states of tokens < t, so the loop is serial across tokens."""
    model = build(generated, "depth/token", {"recurrence_steps": 2})
    tokens = ids(length=6)
    with torch.no_grad():
        a = model(tokens)
        # more iterations change token 0's final state, and with it what token 5 reads
        model.config.recurrence_steps = 3
        b = model(tokens)
    assert not torch.allclose(a[:, 5], b[:, 5])


@pytest.mark.parametrize(("mixer", "negative", "top"), [("delta-rule", "true", 2.0), ("delta-rule", "false", 1.0),
                                                          ("gated-delta-rule", "true", 2.0)])
def test_negative_eigenvalues_let_beta_range_over_zero_to_two(generated, mixer, negative, top):
    model = build(generated, "step/token", mixer=mixer, negative_eigenvalues=negative)
    mixer_module = model.layers[0].mixer
    with torch.no_grad():
        mixer_module.beta_proj.bias.fill_(50.0)
        x = torch.randn(1, 3, 16)
        beta = mixer_module.beta_proj(x).sigmoid() * (2.0 if negative == "true" else 1.0)
    torch.testing.assert_close(beta.max(), torch.tensor(top))
    source = (generated("step/token", mixer=mixer, negative_eigenvalues=negative).path.glob("*/model.py"))
    assert ("sigmoid() * 2.0" in next(source).read_text()) == (negative == "true")


def test_the_mixer_option_selects_the_kernel_the_model_calls(generated):
    for mixer, kernel in [("linear-attention", "chunk_linear_attention"), ("delta-rule", "chunk_delta_rule"),
                          ("gated-linear-attention", "chunk_gated_linear_attention"),
                          ("gated-delta-rule", "chunk_gated_delta_rule")]:
        project = generated("step/token", mixer=mixer)
        source = (project.path / project.package / "model.py").read_text()
        assert kernel in source and all(k not in source for k in
                                        {"chunk_linear_attention", "chunk_delta_rule", "chunk_gated_linear_attention",
                                         "chunk_gated_delta_rule"} - {kernel})


# -- dynamic hyper-connections, mHC and the GPT-2 initialisation (issue 13) --

def stream_spread(h: torch.Tensor) -> float:
    """How far the streams of h [..., n, C] are from their mean stream (Frobenius norm of the deviation)."""
    return float((h - h.mean(dim=-2, keepdim=True)).norm())


@pytest.mark.parametrize(("residual", "least"), [("hyper-connections", 0.999), ("manifold-constrained", 0.45)])
def test_the_initial_mixing_of_128_layers_keeps_distinct_streams_apart(generated, residual, least):
    """The product of the 128 initial `res` matrices, applied to 4 distinct streams, keeps their spread
    (HC: the identity, 1.0; mHC: 1/2 by the choice of b_res). The static Sinkhorn(4 I) that mHC used before
    has second eigenvalue 0.93 and kept 0.93^128 ~ 1e-4 of it: the streams became one."""
    from rt_explore.kernels.hyper_connections import sinkhorn

    model = build(generated, "none", {"n_layers": 128}, residual=residual)
    h = torch.randn(2, 5, 4, 16, generator=torch.Generator().manual_seed(3))  # 4 distinct streams per token
    before = stream_spread(h)
    with torch.no_grad():
        for connection in model.stack.connections:
            h = torch.einsum("btmc,btmk->btkc", h, connection.weights(h)[2])  # this input's initial mixing
    kept = stream_spread(h) / before
    assert least < kept <= 1.0 + 1e-4, kept
    static = torch.linalg.matrix_power(sinkhorn(4.0 * torch.eye(4)).double(), 128)
    h0 = torch.randn(4, 16, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    assert stream_spread(static.T @ h0) / stream_spread(h0) < 2e-4  # the old initialisation, for contrast


@pytest.mark.parametrize("residual", ["hyper-connections", "manifold-constrained"])
def test_the_mixing_is_computed_from_the_input(generated, residual):
    """At initialisation the dynamic term is exactly zero (its projection W = 0) but the projection receives
    a gradient; once it has values, pre, post and res differ from token to token, and mHC's stay in (0, 1),
    (0, 2) and doubly stochastic. (mHC's res part of phi gets no gradient while the streams are all equal,
    as at initialisation: a doubly stochastic mix of equal streams is that stream.)"""
    model = build(generated, "none", {"n_layers": 2}, residual=residual).train()
    tokens = ids(length=8)
    connection = model.stack.connections[1]
    projections = [connection.phi] if residual == "manifold-constrained" else [connection.alpha_fn,
                                                                               connection.beta_fn]
    h = torch.randn(2, 8, 4, 16, generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        static = connection.weights()
        for weight, fixed in zip(connection.weights(h), static, strict=True):
            torch.testing.assert_close(weight, fixed.expand_as(weight))  # W = 0: the static mixing
    loss = torch.nn.functional.cross_entropy(model(tokens)[:, :-1].reshape(-1, 11), tokens[:, 1:].reshape(-1))
    loss.backward()
    assert all(p.weight.grad.abs().sum() > 0 for p in projections)
    with torch.no_grad():
        for p in projections:  # as after training: a projection with values
            p.weight.normal_(0.0, 1.0, generator=torch.Generator().manual_seed(6))
        pre, post, res = connection.weights(h)
    for weight in (pre, post, res):  # [B, T, n] or [B, T, n, n]
        assert (weight - weight[:1, :1]).abs().amax() > 1e-3  # not the same for every token
    if residual == "manifold-constrained":
        assert ((pre > 0) & (pre < 1)).all() and ((post > 0) & (post < 2)).all()
        torch.testing.assert_close(res.sum(dim=-2), torch.ones(2, 8, 4), atol=1e-4, rtol=0)
        torch.testing.assert_close(res.sum(dim=-1), torch.ones(2, 8, 4), atol=1e-4, rtol=0)


@pytest.mark.parametrize(("cell", "residual"), [("none", "standard"), ("none", "hyper-connections"),
                                                ("depth/sequence", "standard")])
def test_residual_projections_start_scaled_by_one_over_sqrt_two_l(generated, cell, residual):
    """GPT-2's initialisation: attention out_proj and the MLP's down projection (the two writes into the
    residual stream of each block) start at PyTorch's default scale divided by sqrt(2L); q_proj, the same
    shape as out_proj, keeps the default, so the ratio of their standard deviations is 1/sqrt(2L)."""
    L = 8
    model = build(generated, cell, {"n_layers": L, "dim": 32}, residual=residual)
    blocks = model.stack.blocks
    with torch.no_grad():
        out = torch.cat([b.attn.out_proj.weight.flatten() for b in blocks])
        query = torch.cat([b.attn.q_proj.weight.flatten() for b in blocks])
        down = torch.cat([b.mlp.down.weight.flatten() for b in blocks])
    hidden = blocks[0].mlp.down.in_features
    assert float(out.std() / query.std()) == pytest.approx((2 * L) ** -0.5, rel=0.1)
    # PyTorch's default Linear init is uniform in +-1/sqrt(fan_in): std 1/sqrt(3 fan_in)
    assert float(down.std()) == pytest.approx((3 * hidden) ** -0.5 * (2 * L) ** -0.5, rel=0.1)
    assert float(down.abs().max()) <= hidden ** -0.5 * (2 * L) ** -0.5


def test_the_tdnl_gate_starts_at_bias_minus_two_and_depends_on_the_input(generated):
    model = build(generated, "depth/sequence", gated_update="true", input_injection="false")
    gate = model.update_gate
    torch.testing.assert_close(gate.bias.detach(), torch.full((16,), -2.0))
    with torch.no_grad():
        gate.weight.normal_(0.0, 0.5)
        h, out = torch.randn(2, 5, 16), torch.randn(2, 5, 16)
        z1 = torch.sigmoid(gate(torch.cat([h, out], dim=-1)))
        z2 = torch.sigmoid(gate(torch.cat([h, out + 1.0], dim=-1)))
    assert not torch.allclose(z1, z2)  # the opening is read from the state and the candidate
    x = model.embed(ids())
    with torch.no_grad():
        gate.weight.zero_()
        h1 = model.iterate(x, 1)[0]
        expected = torch.sigmoid(torch.tensor(-2.0)) * model.stack(x) + (1 - torch.sigmoid(torch.tensor(-2.0))) * x
    torch.testing.assert_close(h1, expected, atol=1e-5, rtol=0)


def test_the_depth_embedding_tells_iterations_apart_and_reuses_its_last_entry_past_max_depth(generated):
    model = build(generated, "depth/sequence", {"max_depth": 3}, depth_embedding="true", input_injection="false")
    assert model.depth_embed.weight.shape == (3, 16)
    x = model.embed(ids())
    with torch.no_grad():
        plain = model.iterate(x, 5)
        model.depth_embed.weight[2].zero_()  # the entry iterations 3, 4, 5 use
        changed = model.iterate(x, 5)
    torch.testing.assert_close(plain[1], changed[1])  # iterations 1-2 use entries 0-1
    assert not torch.allclose(plain[2], changed[2]) and not torch.allclose(plain[4], changed[4])


def test_window_one_depth_token_reads_only_the_previous_tokens_final_state(generated):
    """With context_window = 1, token t's output depends on token t-2 only through token t-1's final state."""
    model = build(generated, "depth/token", {"context_window": 1, "recurrence_steps": 2})
    a = ids(batch=1, length=6)
    with torch.no_grad():
        x = model.embed(a)
        finals = []
        for t in range(6):
            context = finals[-1] if finals else None
            h, e = x[:, t : t + 1], x[:, t : t + 1]
            for _ in range(2):
                h = model.adapter(torch.cat([h, e], dim=-1))
                for block in model.blocks:
                    h = block(h, offset=t, context=context, context_offset=max(0, t - 1))
            finals.append(h)
        expected = model.head(model.norm(torch.cat(finals, dim=1)))
        torch.testing.assert_close(model(a), expected, atol=1e-5, rtol=0)


def build_plain(project):
    torch.manual_seed(0)
    return project.model_class(project.config_class(dim=16, n_layers=1, vocab_size=11)).eval()


def test_without_its_mlp_a_step_token_model_is_embedding_recurrence_linear_readout(generated):
    """mlp=false (Deletang et al.'s LSTM baseline): no MLP in the code, and the predicted class is a linear
    function of the residual embedding + mixer output (the final RMSNorm only rescales each position)."""
    project = generated("step/token", mixer="lstm", n_layers=1, mlp=False)
    source = next(project.path.glob("*/model.py")).read_text()
    assert "SwiGLU" not in source and "mlp" not in project.config_class.__dataclass_fields__
    model = build_plain(project)
    assert not any("mlp" in name for name, _ in model.named_parameters())
    x = ids(length=9)
    with torch.no_grad():
        layer = model.layers[0]
        embedded = model.embed(x)
        residual = embedded + layer.mixer(layer.norm1(embedded))[0]
        linear = residual * model.norm.weight @ model.head.weight.T  # no normalisation: a positive rescale away
        assert torch.equal(model(x).argmax(-1), linear.argmax(-1))
    with_mlp = generated("step/token", mixer="lstm", n_layers=1)
    assert "SwiGLU" in next(with_mlp.path.glob("*/model.py")).read_text()
    assert "mlp_ratio" in with_mlp.config_class.__dataclass_fields__
    product = build_plain(generated("step/ponder", n_layers=1, mlp=False))
    assert not any("mlp" in name for name, _ in product.named_parameters())
    with torch.no_grad():
        assert product(x).shape == (2, 9, 11)


def test_the_mlp_option_is_left_out_at_its_default_and_refused_outside_step_token():
    tax = load_taxonomy()
    plain = spec_from_cell("step/token", tax, {"mixer": "lstm"}, None).options
    assert "mlp" not in plain and plain["mlp_ratio"] == 4.0
    assert spec_from_cell("step/token", tax, {"mixer": "lstm", "mlp": True}, None).options == plain
    off = spec_from_cell("step/token", tax, {"mixer": "lstm", "mlp": False}, None).options
    assert off["mlp"] is False and "mlp_ratio" not in off
    assert spec_from_cell("step/ponder", tax, {"mlp": False}, None).options["mlp"] is False
    for cell in ("none", "depth/token", "step/chunk"):
        with pytest.raises(UsageError, match="mlp"):
            spec_from_cell(cell, tax, {"mlp": False}, None)
