"""A task's attention mask reaches the model in training, evaluation and the frontier; other cores refuse it."""

from __future__ import annotations

import pytest
import torch

from rt_explore.errors import UsageError
from rt_explore.tasks import get_task
from rt_explore.training.evaluate import accuracy_at
from rt_explore.training.loop import train
from rt_explore.training.project import load_project
from rt_explore.training.recipe import loss_and_logits

FAST_EVAL = {"eval_batches": 1, "eval_batch_size": 16}
GRAPH = {"min_nodes": 4, "max_nodes": 6, "num_nodes": 8, "max_train_length": 2, "test_lengths": "3,4"}


class Recorder(torch.nn.Module):
    """Logits of zeros; remembers the keyword arguments of every call."""

    def __init__(self, vocab: int):
        super().__init__()
        self.vocab, self.calls = vocab, []
        self.bias = torch.nn.Parameter(torch.zeros(vocab))

    def forward(self, input_ids, **kwargs):
        self.calls.append(kwargs)
        return self.bias.expand(*input_ids.shape, self.vocab)


def test_the_recipe_and_the_evaluation_pass_the_mask_and_nothing_without_one():
    graph, parity = get_task("graph-reachability", **GRAPH), get_task("parity")
    model = Recorder(graph.vocab_size)
    batch = graph.batch(4, 2, torch.Generator().manual_seed(0))
    loss_and_logits(model, batch.inputs, batch.targets, batch.mask, batch.attention_mask)
    accuracy_at(model, graph, 3, batches=1, batch_size=4, generator=torch.Generator(), device="cpu")
    assert [set(call) for call in model.calls] == [{"mask"}, {"mask"}]
    assert model.calls[0]["mask"] is batch.attention_mask
    model = Recorder(parity.vocab_size)
    batch = parity.batch(4, 8, torch.Generator().manual_seed(0))
    loss_and_logits(model, batch.inputs, batch.targets, batch.mask, batch.attention_mask)
    accuracy_at(model, parity, 8, batches=1, batch_size=4, generator=torch.Generator(), device="cpu")
    assert model.calls == [{}, {}]


@pytest.mark.parametrize("cell", ["none", "depth/sequence"])
def test_a_whole_sequence_core_trains_on_graph_reachability_with_its_frontier(cell, tmp_path, scaffolded,
                                                                              single_thread):
    project = load_project(scaffolded(tmp_path / "p", cell, positions="none"))
    result = train(project, get_task("graph-reachability", **GRAPH), steps=3, seed=0, batch_size=8, **FAST_EVAL)
    assert set(result.test_accuracy) == {3, 4} and all(0 <= a <= 1 for a in result.test_accuracy.values())
    assert (result.frontier is not None) == (cell != "none")


def test_a_core_that_cannot_take_the_mask_is_refused_in_one_line_before_training(tmp_path, scaffolded):
    project = load_project(scaffolded(tmp_path / "p", "step/token"))
    with pytest.raises(UsageError) as caught:
        train(project, get_task("graph-reachability", **GRAPH), steps=3)
    assert str(caught.value) == ("graph-reachability needs a core whose attention sees the whole sequence: "
                                 "none or depth/sequence")
