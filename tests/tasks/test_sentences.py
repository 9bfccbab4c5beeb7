"""Sentences: units closed by a delimiter, scored with the running sum of unit maxima (arXiv:2604.17121, Sec. 5.3)."""

import pytest
import torch

from rt_explore.tasks.sentences import SentencesTask


def reference_labels(task: SentencesTask, row: list[int]) -> tuple[list[int], list[bool]]:
    """One token at a time: the largest digit of the open unit, the sum of the closed ones."""
    targets, mask, total, largest = [], [], 0, 0
    for token in row:
        if token == task.delimiter:
            total = (total + largest) % task.modulus
            targets.append(total)
            mask.append(True)
            largest = 0
        else:
            largest = max(largest, token)
            targets.append(0)
            mask.append(False)
    return targets, mask


def test_hand_written_units_are_labelled_at_their_delimiters():
    task = SentencesTask(modulus=8)
    # units [3, 7] [2] [6, 5, 1], then an unfinished unit [4]
    inputs = torch.tensor([[3, 7, 8, 2, 8, 6, 5, 1, 8, 4]])
    targets, mask = task.label(inputs)
    # maxima 7, 2, 6: running sums 7, 9 = 1 mod 8, 7
    assert (targets * mask).tolist() == [[0, 0, 7, 0, 1, 0, 0, 0, 7, 0]]
    assert mask.tolist() == [[False, False, True, False, True, False, False, False, True, False]]


def test_a_unit_of_zeros_adds_nothing_and_the_modulus_wraps():
    task = SentencesTask(modulus=3, max_unit=2, max_train_length=6)
    inputs = torch.tensor([[0, 0, 3, 2, 3, 2, 1, 3]])
    targets, mask = task.label(inputs)
    assert targets[mask].tolist() == [0, 2, 1]


@pytest.mark.parametrize("length", [6, 32, 128])
def test_random_batches_match_the_token_by_token_reference(length):
    task = SentencesTask()
    b = task.batch(16, length, torch.Generator().manual_seed(length))
    assert b.inputs.shape == (16, length)
    for row in range(16):
        targets, mask = reference_labels(task, b.inputs[row].tolist())
        assert b.mask[row].tolist() == mask
        assert b.targets[row][b.mask[row]].tolist() == [t for t, m in zip(targets, mask, strict=True) if m]


def test_units_have_between_min_unit_and_max_unit_digits_and_the_first_unit_is_always_closed():
    task = SentencesTask(min_unit=2, max_unit=4, max_train_length=16)
    b = task.batch(64, 40, torch.Generator().manual_seed(0))
    seen = set()
    for row in b.inputs.tolist():
        cuts = [t for t, token in enumerate(row) if token == task.delimiter]
        sizes = [stop - start - 1 for start, stop in zip([-1, *cuts], cuts, strict=False)]
        assert sizes and all(2 <= s <= 4 for s in sizes)
        assert len(row) - 1 - cuts[-1] <= 4  # the unfinished tail is no longer than a unit
        seen.update(sizes)
    assert seen == {2, 3, 4}


def test_digits_are_uniform_enough_that_every_digit_and_every_answer_occurs():
    task = SentencesTask()
    b = task.batch(64, 64, torch.Generator().manual_seed(3))
    assert set(b.inputs.unique().tolist()) == set(range(task.vocab_size))
    assert set(b.targets[b.mask].unique().tolist()) == set(range(task.modulus))


def test_defaults_are_eight_digits_a_delimiter_and_train_lengths_that_hold_a_whole_unit():
    task = SentencesTask()
    assert task.params() == {"modulus": 8, "min_unit": 1, "max_unit": 5, "max_train_length": 32}
    assert (task.vocab_size, task.delimiter, task.chance) == (9, 8, 0.125)
    assert task.train_lengths == tuple(range(8, 33)) and task.test_lengths == (32, 64, 128)
    assert SentencesTask(max_unit=9, max_train_length=16).train_lengths == tuple(range(10, 17))


def test_the_same_seed_gives_the_same_batch():
    task = SentencesTask()
    a, b = (task.batch(8, 20, torch.Generator().manual_seed(5)) for _ in range(2))
    assert torch.equal(a.inputs, b.inputs) and torch.equal(a.targets, b.targets) and torch.equal(a.mask, b.mask)


@pytest.mark.parametrize("params, message", [
    ({"modulus": 1}, "sentences: modulus must be an integer >= 2, got 1"),
    ({"min_unit": 0}, "sentences: min_unit must be an integer >= 1, got 0"),
    ({"min_unit": 4, "max_unit": 3}, "sentences: max_unit must be an integer >= 4, got 3"),
    ({"max_unit": 8, "max_train_length": 8}, "sentences: max_train_length must be an integer >= 9, got 8"),
])
def test_inconsistent_parameters_are_refused_with_one_clear_line(params, message):
    with pytest.raises(ValueError, match=message):
        SentencesTask(**params)


def test_a_sequence_too_short_to_hold_a_unit_is_refused():
    with pytest.raises(ValueError, match=r"sentences: length \(sequence length\) must be an integer >= 6"):
        SentencesTask().batch(2, 5, torch.Generator().manual_seed(0))
