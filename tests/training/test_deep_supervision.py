"""Deep supervision: a model that asks for it is trained on every iteration's output, others on the last."""

from __future__ import annotations

import torch
from torch import nn

from rt_explore.tasks import get_task
from rt_explore.training.loop import fit
from rt_explore.training.project import load_project
from rt_explore.training.recipe import loss_and_logits


class TwoIterations(nn.Module):
    """Decodes two 'iterations' with separate heads, so that the first head learns only if it is supervised."""

    def __init__(self, vocab: int, deep: bool):
        super().__init__()
        self.deep_supervision = deep
        self.embed = nn.Embedding(vocab, 8)
        self.first, self.last = nn.Linear(8, vocab), nn.Linear(8, vocab)

    def forward(self, inputs, all_iterations=False):
        h = self.embed(inputs)
        outputs = [self.first(h), self.last(h)]
        return outputs if all_iterations else outputs[-1]


def first_head_moves(deep: bool) -> bool:
    task = get_task("parity", max_train_length=4)
    torch.manual_seed(0)
    model = TwoIterations(task.vocab_size, deep)
    before = model.first.weight.detach().clone()
    fit(model, task, steps=5, batch_size=4, weight_decay=0.0)
    return not torch.equal(before, model.first.weight.detach())


def test_only_deep_supervision_trains_the_early_iterations():
    assert first_head_moves(deep=True)
    assert not first_head_moves(deep=False)


def test_the_loss_averages_every_iteration_under_deep_supervision_else_takes_the_last():
    torch.manual_seed(0)
    inputs, targets = torch.zeros(2, 3, dtype=torch.long), torch.ones(2, 3, dtype=torch.long)
    mask = torch.ones(2, 3, dtype=torch.bool)
    model = TwoIterations(4, deep=True)
    first = torch.nn.functional.cross_entropy(model.first(model.embed(inputs))[mask], targets[mask])
    last = torch.nn.functional.cross_entropy(model.last(model.embed(inputs))[mask], targets[mask])
    torch.testing.assert_close(loss_and_logits(model, inputs, targets, mask)[0], (first + last) / 2)
    model.deep_supervision = False
    torch.testing.assert_close(loss_and_logits(model, inputs, targets, mask)[0], last)


def test_a_generated_deep_supervision_project_decodes_each_iteration(tmp_path, scaffolded, single_thread):
    project = load_project(scaffolded(tmp_path / "d", "axis=depth,step_unit=sequence,supervision=deep-supervision",
                                      recurrence_steps=3))
    task = get_task("parity", max_train_length=4)
    model = project.build(task.vocab_size)
    assert model.deep_supervision is True
    assert len(model(torch.zeros(2, 5, dtype=torch.long), all_iterations=True)) == 3
    losses = fit(model, task, steps=3, batch_size=4)
    assert all(torch.isfinite(torch.tensor(losses)))
