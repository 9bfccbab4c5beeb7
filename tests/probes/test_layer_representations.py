"""Capturing the residual stream after every layer of a generated none model, for every residual scheme."""

from __future__ import annotations

import pytest
import torch

from rt_explore.errors import UsageError
from rt_explore.probes.rank import build_model, layer_representations, probe, rank_profile
from rt_explore.training.project import load_project

SCHEMES = [
    ("axis=none,residual=standard", {}),
    ("axis=none,residual=layerscale", {}),
    ("axis=none,residual=hyper-connections", {}),
    ("axis=none,residual=manifold-constrained", {}),
    ("axis=none,residual=early-access", {}),
    ("axis=none,residual=deep-delta", {"deep_delta": "true"}),
    ("axis=none,residual=manifold-constrained", {"deep_delta": "true"}),
    ("axis=none,residual=early-access", {"deep_delta": "true"}),
]


@pytest.mark.parametrize(("cell", "options"), SCHEMES, ids=lambda v: v if isinstance(v, str) else str(v))
def test_there_is_one_representation_per_layer_plus_the_embedding_and_the_last_is_what_the_head_reads(
        scaffold, cell, options):
    model = build_model(load_project(scaffold(cell, **options)), vocab_size=11, seed=0)
    input_ids = torch.randint(11, (2, 7), generator=torch.Generator().manual_seed(0))
    reaching_norm = []
    handle = model.norm.register_forward_pre_hook(lambda module, args: reaching_norm.append(args[0]))
    reps = layer_representations(model, input_ids)
    with torch.no_grad():
        model(input_ids)
    handle.remove()
    assert len(reps) == model.config.n_layers + 1 == 4
    assert all(r.shape == (2, 7, 16) for r in reps)
    torch.testing.assert_close(reps[0], model.embed(input_ids).detach())
    torch.testing.assert_close(reps[-1], reaching_norm[0])


def test_in_a_standard_stack_each_representation_is_the_block_applied_to_the_one_before(scaffold):
    model = build_model(load_project(scaffold("axis=none,residual=standard")), vocab_size=11)
    reps = layer_representations(model, torch.arange(6).view(1, 6))
    with torch.no_grad():
        for i, block in enumerate(model.stack.blocks):
            torch.testing.assert_close(reps[i + 1], block(reps[i]))


def test_a_model_whose_stack_skips_its_layers_is_refused(scaffold):
    model = build_model(load_project(scaffold("axis=none,residual=standard")), vocab_size=11)
    model.stack.forward = lambda x, trace=None: x  # an edited model.py that no longer runs its blocks
    with pytest.raises(UsageError, match="traced 0 layers but has 3"):
        layer_representations(model, torch.arange(6).view(1, 6))


def test_a_recurrent_cell_is_refused_because_its_layers_are_reused(scaffold):
    with pytest.raises(UsageError, match="needs a none-axis"):
        build_model(load_project(scaffold("step/token")), vocab_size=11)


def test_the_profile_has_the_keys_and_sane_ranges_at_every_layer(scaffold):
    model = build_model(load_project(scaffold("axis=none,residual=standard")), vocab_size=11)
    profile = rank_profile(model, torch.randint(11, (3, 9), generator=torch.Generator().manual_seed(1)))
    assert [p["layer"] for p in profile] == [0, 1, 2, 3]
    for p in profile:
        assert set(p) == {"layer", "effective_rank", "mean_cosine", "centred_effective_rank", "residual_ratio"}
        assert 1.0 <= p["effective_rank"] <= 9 and -1.0 <= p["mean_cosine"] <= 1.0
        assert 1.0 <= p["centred_effective_rank"] <= 9 and 0.0 < p["residual_ratio"] <= 1.0


def test_layers_rebuilds_the_model_and_a_probe_is_a_function_of_its_arguments(scaffold):
    project = load_project(scaffold("axis=none,residual=standard"))
    options = {"layers": 5, "batch": 2, "seed": 3, "task": "parity"}
    init, again = probe(project, **options), probe(project, **options)
    trained = probe(project, **options, train_steps=3)
    assert len(init) == 6 and init == again
    assert trained != init
