"""The Batch container, the default metric and the length schedules of rt_explore.tasks.base."""

import pytest
import torch

from rt_explore.tasks.base import Batch, depth_lengths, seeded_random, sequence_lengths
from rt_explore.tasks.parity import ParityTask


def test_sequence_lengths_train_from_a_quarter_and_test_up_to_four_times():
    assert sequence_lengths(16) == (tuple(range(4, 17)), (16, 32, 64))
    assert sequence_lengths(2) == ((1, 2), (2, 4, 8))


def test_depth_lengths_train_from_one_and_test_from_one_and_a_half_times():
    assert depth_lengths(4) == ((1, 2, 3, 4), (6, 8, 12, 16))
    assert depth_lengths(1) == ((1,), (2, 3, 4))


def test_seeded_random_is_reproducible_and_advances_the_generator():
    g1, g2 = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    assert seeded_random(g1).random() == seeded_random(g2).random()
    assert seeded_random(g1).random() != seeded_random(torch.Generator().manual_seed(3)).random()


def test_batch_to_moves_all_three_tensors():
    b = Batch(torch.zeros(1, 2, dtype=torch.long), torch.ones(1, 2, dtype=torch.long),
              torch.ones(1, 2, dtype=torch.bool))
    moved = b.to("cpu")
    assert moved.inputs.device.type == moved.targets.device.type == moved.mask.device.type == "cpu"


def test_accuracy_counts_only_masked_positions():
    task = ParityTask()
    targets = torch.tensor([[0, 1, 1, 0]])
    b = Batch(torch.zeros_like(targets), targets, torch.tensor([[True, True, False, False]]))
    # predicts 0 everywhere: right at position 0, wrong at 1; 2 and 3 are not scored
    logits = torch.tensor([[[1.0, 0.0]] * 4])
    assert task.accuracy(logits, b) == 0.5


def test_accuracy_rejects_mismatched_logits_and_empty_masks():
    task = ParityTask()
    targets = torch.zeros(2, 3, dtype=torch.long)
    b = Batch(targets, targets, torch.zeros(2, 3, dtype=torch.bool))
    with pytest.raises(ValueError, match="do not match targets"):
        task.accuracy(torch.zeros(2, 4, 2), b)
    with pytest.raises(ValueError, match="no scored positions"):
        task.accuracy(torch.zeros(2, 3, 2), b)


def test_repr_shows_the_resolved_parameters():
    assert repr(ParityTask(max_train_length=8)) == (
        "ParityTask(min_train_length=2, max_train_length=8, test_lengths='8,16,32')")


# ---- lengths as parameters (Task._set_lengths) ----

LENGTH_TASKS = ["parity", "modular-count", "modular-arithmetic", "permutation", "flip-flop", "reachability", "boolean"]


@pytest.mark.parametrize("name", LENGTH_TASKS)
def test_train_and_test_lengths_are_parameters_and_the_defaults_are_unchanged(name):
    from rt_explore.tasks import TASKS

    cls = TASKS[name]
    default = cls(max_train_length=4)
    assert default.train_lengths[-1] == 4 and default.test_lengths[-1] == 16
    task = cls(min_train_length=2, max_train_length=4, test_lengths="12, 6,12")
    assert task.train_lengths == (2, 3, 4) and task.test_lengths == (6, 12)
    assert task.params()["test_lengths"] == "6,12" and task.params()["min_train_length"] == 2
    again = cls(**task.params())
    assert (again.train_lengths, again.test_lengths) == (task.train_lengths, task.test_lengths)
    assert cls(max_train_length=4, test_lengths=[12, 6]).test_lengths == (6, 12)  # from YAML, a list


@pytest.mark.parametrize("name", LENGTH_TASKS)
def test_bad_lengths_are_refused_with_the_parameter_named(name):
    from rt_explore.tasks import TASKS

    cls = TASKS[name]
    with pytest.raises(ValueError, match=f"{name}: test_lengths must be positive integers"):
        cls(test_lengths="6,eight")
    with pytest.raises(ValueError, match=f"{name}: test_lengths must be positive integers"):
        cls(test_lengths="0,6")
    with pytest.raises(ValueError, match=f"{name}: min_train_length must be an integer in"):
        cls(min_train_length=9, max_train_length=8)


def test_the_published_state_tracking_protocol_scores_only_positions_past_length_forty():
    # Grazzi et al.: train 3..40, test to 256. A model that is right up to position 39 and wrong after
    # scores 0 on the new positions at every test length beyond 40.
    from rt_explore.training.evaluate import new_positions_accuracy

    task = ParityTask(min_train_length=3, max_train_length=40, test_lengths="40,64,128,256")

    class RightUpToForty(torch.nn.Module):
        def forward(self, inputs):
            parity = inputs.cumsum(1) % 2
            parity[:, 40:] = 1 - parity[:, 40:]
            return torch.nn.functional.one_hot(parity, 2).float()

    scores = new_positions_accuracy(RightUpToForty(), task, batches=1, batch_size=4, device="cpu",
                                    generator=torch.Generator().manual_seed(0))
    assert scores == {64: 0.0, 128: 0.0, 256: 0.0}
