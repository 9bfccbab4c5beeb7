"""An experiment that puts a task masking attention (graph-reachability) on a core that cannot take the mask is
refused when it is read, in one line naming the file, the task entry and the variant."""

from __future__ import annotations

import pytest

from rt_explore.errors import UsageError
from rt_explore.experiments.plan import load_experiment

GRAPH = """\
name: graph
question: Does a loop follow more hops than a stack?
claim:
  text: One iteration per hop.
  paper: "Thinking Deeper, Not Longer: Memory-Efficient Test-Time Reasoning with Depth-Recurrent Transformers"
  arxiv: "2603.21676"
  figure: "8 hops 0.97 at 12 steps"
options: {dim: 16, n_layers: 1, n_heads: 2, mlp_ratio: 2.0, positions: none}
variants:
  - {id: stack, cell: none}
  - {id: other, cell: OTHER}
tasks:
  - name: graph-reachability
    params: {min_nodes: 4, max_nodes: 6, num_nodes: 8, max_train_length: 2, test_lengths: "3,4"}
seeds: 1
budget: {steps: 2, batch_size: 4}
"""


def test_a_masking_task_with_a_core_that_cannot_take_the_mask_is_refused_in_one_line(tmp_path, experiment_file):
    path = experiment_file(tmp_path, GRAPH.replace("OTHER", "step/token"), name="graph.yaml")
    with pytest.raises(UsageError) as caught:
        load_experiment(path)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{path}:")
    assert message.endswith("variant 'other': graph-reachability needs a core whose attention sees the whole "
                            "sequence: none or depth/sequence")


def test_the_same_experiment_with_whole_sequence_cores_only_resolves(tmp_path, experiment_file):
    experiment = load_experiment(experiment_file(tmp_path, GRAPH.replace("OTHER", "depth/sequence"), name="g.yaml"))
    assert [r.variant for r in experiment.matrix()] == ["stack", "other"]
