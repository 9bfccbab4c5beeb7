"""The stability probe: state norms and relative changes along a depth loop, checked on hand-made loops."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from rt_explore.errors import UsageError
from rt_explore.probes.stability import state_trajectory


class Looped(nn.Module):
    """h_r = factor * h_{r-1}: a loop whose every iterate is known in closed form, with the depth/sequence
    core's probe contract (`embed`, `iterate(x, steps)`)."""

    def __init__(self, factor: float):
        super().__init__()
        self.factor = factor
        self.embed = nn.Embedding(4, 2)
        with torch.no_grad():
            self.embed.weight.copy_(torch.tensor([[3.0, 4.0]] * 4))  # every token embeds to norm 5

    def iterate(self, x, steps):
        states, h = [], x
        for _ in range(steps):
            h = self.factor * h
            states.append(h)
        return states


def test_a_doubling_loop_doubles_the_norm_and_changes_by_one_each_iteration():
    points = state_trajectory(Looped(2.0), torch.zeros(1, 3, dtype=torch.long), steps=4)
    assert [p["iteration"] for p in points] == [1, 2, 3, 4]
    assert [p["norm"] for p in points] == pytest.approx([10.0, 20.0, 40.0, 80.0])
    assert [p["change"] for p in points] == pytest.approx([1.0, 1.0, 1.0, 1.0])


def test_an_identity_loop_stays_put():
    points = state_trajectory(Looped(1.0), torch.zeros(2, 5, dtype=torch.long), steps=3)
    assert [p["norm"] for p in points] == pytest.approx([5.0] * 3)
    assert [p["change"] for p in points] == pytest.approx([0.0] * 3)


def test_a_model_without_a_depth_loop_is_refused():
    with pytest.raises(UsageError, match="depth/sequence"):
        state_trajectory(nn.Linear(2, 2), torch.zeros(1, 1, dtype=torch.long), steps=2)


def test_probe_stability_json_traces_every_iteration_after_training(scaffold, capsys):
    import json

    from rt_explore.cli import main

    project = scaffold("axis=depth,step_unit=sequence,residual=layerscale", recurrence_steps=2, identity_bias="true")
    code = main(["probe", "stability", str(project), "--iterations", "5", "--train-steps", "2", "--batch", "2",
                 "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["trained_recurrence_steps"] == 2 and data["train_steps"] == 2
    assert [p["iteration"] for p in data["trajectory"]] == [1, 2, 3, 4, 5]
    assert all(p["norm"] > 0 and p["change"] >= 0 for p in data["trajectory"])


@pytest.mark.parametrize("cell", ["none", "depth/chunk", "step/token"])
def test_probe_stability_refuses_a_project_without_a_depth_loop(scaffold, capsys, cell):
    from rt_explore.cli import main

    assert main(["probe", "stability", str(scaffold(cell)), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.strip().splitlines()) == 1 and "depth/sequence" in captured.err
