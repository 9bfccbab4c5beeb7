"""What the generated models compute: the mechanisms written out in the templates, checked on generated code.

Every generated project also tests itself (shapes, causality, gradients, Config fields, overfitting,
streaming, iterations at inference); these tests check what each mechanism is meant to do.
"""

import pytest
import torch

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
