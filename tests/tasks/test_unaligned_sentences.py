"""Unaligned sentences: units closed by END, delimiters at random positions unrelated to them (the control task)."""

import pytest
import torch

from rt_explore.errors import UsageError
from rt_explore.tasks import get_task, load_task
from rt_explore.tasks.unaligned_sentences import UnalignedSentencesTask


def reference_labels(task: UnalignedSentencesTask, row: list[int]) -> tuple[list[int], list[bool]]:
    """One token at a time: the largest digit of the open unit, the sum of the closed ones; delimiters skipped."""
    targets, mask, total, largest = [], [], 0, 0
    for token in row:
        if token == task.end:
            total = (total + largest) % task.modulus
            targets.append(total)
            mask.append(True)
            largest = 0
        else:
            if token != task.delimiter:
                largest = max(largest, token)
            targets.append(0)
            mask.append(False)
    return targets, mask


def test_the_docstring_example_is_labelled_at_the_unit_ends_and_the_delimiters_change_nothing():
    task = UnalignedSentencesTask(modulus=8)
    assert (task.delimiter, task.end, task.vocab_size) == (8, 9, 10)
    # units [3, 7] [2] [6, 1], delimiters at positions 1 and 5; maxima 7, 2, 6: sums 7, 9 = 1 mod 8, 7
    inputs = torch.tensor([[3, 8, 7, 9, 2, 8, 9, 6, 1, 9]])
    targets, mask = task.label(inputs)
    assert (targets * mask).tolist() == [[0, 0, 0, 7, 0, 0, 1, 0, 0, 7]]
    assert mask.tolist() == [[False, False, False, True, False, False, True, False, False, True]]
    # the same units without delimiters, or with them elsewhere, have the same answers
    for moved in ([3, 7, 9, 2, 9, 6, 1, 9], [8, 8, 3, 7, 9, 2, 9, 6, 8, 1, 9, 8]):
        targets, mask = task.label(torch.tensor([moved]))
        assert targets[mask].tolist() == [7, 1, 7]


def test_a_unit_of_zeros_adds_nothing_and_a_delimiter_is_not_a_digit():
    task = UnalignedSentencesTask(modulus=3, max_unit=2, max_train_length=8)
    # delimiter 3, END 4: units [0, 0] [2] [2, 1]; a unit of only a delimiter and zeros has maximum 0
    inputs = torch.tensor([[0, 3, 0, 4, 2, 4, 2, 3, 1, 4]])
    targets, mask = task.label(inputs)
    assert targets[mask].tolist() == [0, 2, 1]


@pytest.mark.parametrize("length", [7, 32, 128])
def test_random_batches_match_the_token_by_token_reference(length):
    task = UnalignedSentencesTask()
    b = task.batch(16, length, torch.Generator().manual_seed(length))
    assert b.inputs.shape == b.targets.shape == b.mask.shape == (16, length)
    for row in range(16):
        targets, mask = reference_labels(task, b.inputs[row].tolist())
        assert b.mask[row].tolist() == mask
        assert b.targets[row][b.mask[row]].tolist() == [t for t, m in zip(targets, mask, strict=True) if m]


def test_each_sequence_has_length_over_delimiter_every_delimiters_and_units_of_allowed_sizes():
    task = UnalignedSentencesTask(min_unit=2, max_unit=4, delimiter_every=5, max_train_length=16)
    b = task.batch(64, 41, torch.Generator().manual_seed(0))
    assert ((b.inputs == task.delimiter).sum(dim=1) == 41 // 5).all()
    seen = set()
    for row in b.inputs.tolist():
        units = [token for token in row if token != task.delimiter]  # the unit stream, in order
        cuts = [t for t, token in enumerate(units) if token == task.end]
        sizes = [stop - start - 1 for start, stop in zip([-1, *cuts], cuts, strict=False)]
        assert sizes and all(2 <= s <= 4 for s in sizes)
        seen.update(sizes)
    assert seen == {2, 3, 4}


def test_delimiters_fall_at_unit_ends_no_more_often_than_anywhere_else():
    # the positions are drawn without regard to the units: the token after a delimiter is an END about as
    # often as any token of the stream is (here about 1 in 4)
    task = UnalignedSentencesTask()
    b = task.batch(512, 64, torch.Generator().manual_seed(1))
    inputs = b.inputs
    after = inputs[:, 1:][inputs[:, :-1] == task.delimiter]
    after = after[after != task.delimiter]
    content = inputs[inputs != task.delimiter]
    share_after = (after == task.end).float().mean().item()
    share_all = (content == task.end).float().mean().item()
    assert abs(share_after - share_all) < 0.03, (share_after, share_all)


def test_the_shortest_sequence_holds_one_whole_unit_and_its_end_so_every_sequence_is_scored():
    task = UnalignedSentencesTask()  # max_unit 5, a delimiter per 4 tokens: 7 - 1 = 6 tokens for the units
    assert task.min_length == 7 and task.train_lengths == tuple(range(8, 33)) and task.test_lengths == (32, 64, 128)
    b = task.batch(256, 7, torch.Generator().manual_seed(2))
    assert b.mask.any(dim=1).all()
    with pytest.raises(ValueError, match=r"unaligned-sentences: length \(sequence length\) must be an integer >= 7"):
        task.batch(2, 6, torch.Generator().manual_seed(0))


def test_defaults_match_sentences_and_give_the_models_the_delimiter():
    task = get_task("unaligned-sentences")
    assert task.params() == {"modulus": 8, "min_unit": 1, "max_unit": 5, "delimiter_every": 4,
                             "max_train_length": 32}
    assert (task.vocab_size, task.delimiter, task.chance) == (10, 8, 0.125)
    assert set(task.batch(64, 64, torch.Generator().manual_seed(3)).inputs.unique().tolist()) == set(range(10))


def test_the_same_seed_gives_the_same_batch():
    task = UnalignedSentencesTask()
    a, b = (task.batch(8, 20, torch.Generator().manual_seed(5)) for _ in range(2))
    assert torch.equal(a.inputs, b.inputs) and torch.equal(a.targets, b.targets) and torch.equal(a.mask, b.mask)


@pytest.mark.parametrize("params, message", [
    ({"modulus": 1}, "unaligned-sentences: modulus must be an integer >= 2, got 1"),
    ({"min_unit": 0}, "unaligned-sentences: min_unit must be an integer >= 1, got 0"),
    ({"min_unit": 4, "max_unit": 3}, "unaligned-sentences: max_unit must be an integer >= 4, got 3"),
    ({"delimiter_every": 1}, "unaligned-sentences: delimiter_every must be an integer >= 2, got 1"),
    ({"max_train_length": 6}, "unaligned-sentences: max_train_length must be an integer >= 7, got 6"),
    ({"delimiter_every": 2, "max_train_length": 10}, "max_train_length must be an integer >= 11, got 10"),
])
def test_inconsistent_parameters_are_refused_with_one_clear_line(params, message):
    with pytest.raises(ValueError, match=message):
        UnalignedSentencesTask(**params)


def test_a_bad_parameter_from_the_command_line_is_one_usage_error_line():
    with pytest.raises(UsageError) as caught:
        load_task("unaligned-sentences", ["delimiter_every=0"])
    assert str(caught.value) == "unaligned-sentences: delimiter_every must be an integer >= 2, got 0"
