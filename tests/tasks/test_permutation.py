"""Permutation word problems on S5 and A5 (Merrill et al. 2024, arXiv:2404.08819)."""

from itertools import permutations

import pytest
import torch

from rt_explore.tasks.permutation import PermutationTask, is_even, then


def ids(task, *perms):
    return torch.tensor([[task.elements.index(p) for p in perms]])


def test_the_groups_have_120_and_60_elements_with_the_identity_first():
    s5, a5 = PermutationTask(group="S5"), PermutationTask(group="A5")
    assert (s5.vocab_size, a5.vocab_size) == (120, 60)
    assert s5.elements[0] == a5.elements[0] == (0, 1, 2, 3, 4)
    assert set(a5.elements) == {p for p in permutations(range(5)) if is_even(p)}


def test_two_transpositions_compose_first_then_second():
    task = PermutationTask(group="S5")
    swap01, swap12 = (1, 0, 2, 3, 4), (0, 2, 1, 3, 4)
    # 0 -> 1 -> 2, 1 -> 0 -> 0, 2 -> 2 -> 1: (swap01, then swap12); the other order is (1, 2, 0, 3, 4)
    states = task.label(ids(task, swap01, swap12))
    assert [task.elements[i] for i in states[0].tolist()] == [swap01, (2, 0, 1, 3, 4)]


def test_two_three_cycles_in_a5_compose_first_then_second():
    task = PermutationTask(group="A5")
    a, b = (1, 2, 0, 3, 4), (0, 2, 3, 1, 4)  # 0->1->2->0 and 1->2->3->1
    # a then b: 0->1->2, 1->2->3, 2->0->0, 3->3->1; b then a would be (1, 0, 3, 2, 4)
    states = task.label(ids(task, a, b, a))
    assert [task.elements[i] for i in states[0].tolist()] == [a, (2, 3, 0, 1, 4), (0, 3, 1, 2, 4)]


def test_an_element_then_its_inverse_is_the_identity():
    task = PermutationTask(group="A5")
    a, a_inverse = (1, 2, 0, 3, 4), (2, 0, 1, 3, 4)
    assert task.label(ids(task, a, a_inverse)).tolist() == [[task.elements.index(a), 0]]


@pytest.mark.parametrize("group", ["S5", "A5"])
def test_random_batches_are_labelled_with_the_running_product_of_tuples(group):
    task = PermutationTask(group=group)
    b = task.batch(8, 24, torch.Generator().manual_seed(2))
    for row in range(8):
        state = tuple(range(5))
        for t in range(24):
            x = task.elements[b.inputs[row, t]]
            state = tuple(x[state[i]] for i in range(5))  # the state so far, then x
            assert task.elements[b.targets[row, t]] == state
    assert b.mask.all()


def test_then_applies_its_first_argument_first():
    assert then((1, 2, 0, 3, 4), (0, 2, 3, 1, 4)) == (2, 3, 0, 1, 4)


def test_defaults_are_a5_with_chance_one_in_sixty():
    task = PermutationTask()
    assert task.params() == {"group": "A5", "min_train_length": 4, "max_train_length": 16, "test_lengths": "16,32,64"}
    assert task.chance == pytest.approx(1 / 60)
    assert task.train_lengths == tuple(range(4, 17)) and task.test_lengths == (16, 32, 64)


def test_an_unknown_group_is_refused():
    with pytest.raises(ValueError, match="permutation: group must be one of S5, A5; got 'S4'"):
        PermutationTask(group="S4")
