"""Multi-query associative recall (Arora et al. 2023, arXiv:2312.04927)."""

import pytest
import torch

from rt_explore.tasks.recall import RecallTask, _splitmix64, pair_codes


def test_queries_of_a_hand_written_sequence_target_their_values():
    task = RecallTask(num_keys=4, num_values=3, max_train_length=1)
    # keys 0..3, values 4..6, separator 7: pairs (2 -> 5) (0 -> 4), then queries 0 and 2
    inputs = torch.tensor([[2, 5, 0, 4, 7, 0, 4, 2, 5]])
    targets, mask = task.label(inputs)
    assert mask.nonzero()[:, 1].tolist() == [5, 7]
    assert targets[0, [5, 7]].tolist() == [4, 5]


def test_random_batches_agree_with_a_dictionary_lookup():
    task = RecallTask()
    n = 32
    b = task.batch(16, n, torch.Generator().manual_seed(4))
    for row in range(16):
        tokens = b.inputs[row].tolist()
        keys, values = tokens[0 : 2 * n : 2], tokens[1 : 2 * n : 2]
        assert len(set(keys)) == n and max(keys) < task.num_keys
        assert all(task.num_keys <= v < task.sep for v in values)
        assert tokens[2 * n] == task.sep
        memory = dict(zip(keys, values, strict=True))
        queries = tokens[2 * n + 1 :: 2]
        assert sorted(queries) == sorted(keys)  # every key is asked once
        for i, q in enumerate(queries):
            position = 2 * n + 1 + 2 * i
            assert b.mask[row, position] and b.targets[row, position] == memory[q]
            assert tokens[position + 1] == memory[q]  # the answer follows, teacher-forced
        assert int(b.mask[row].sum()) == n


def test_defaults_have_32_keys_32_values_and_chance_one_in_32():
    task = RecallTask()
    assert task.vocab_size == 65 and task.chance == pytest.approx(1 / 32)
    assert task.train_lengths == tuple(range(2, 9)) and task.test_lengths == (8, 16, 32)
    assert task.sequence_length(8) == 33


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError, match=r"recall: num_keys \(16\) must be at least the longest test "
                                         r"length \(32 pairs"):
        RecallTask(num_keys=16)
    with pytest.raises(ValueError, match="recall: num_values must be an integer >= 2, got 1"):
        RecallTask(num_values=1)
    with pytest.raises(ValueError, match=r"length \(key-value pairs\) must be an integer in \[1, 32\]"):
        RecallTask().batch(2, 33, torch.Generator())


# -- the leakage-free protocol (issue 13): disjoint splits, queries with replacement, absent-key distractors --

def dictionaries(task: RecallTask, batch) -> list[frozenset]:
    """The set of (key, value) pairs of every sequence in a batch."""
    n = (batch.inputs.shape[1] - 1) // 4
    rows = batch.inputs[:, : 2 * n].view(-1, n, 2).tolist()
    return [frozenset(map(tuple, row)) for row in rows]


def test_the_classic_task_keeps_its_defaults_and_has_no_test_variant():
    task = RecallTask()
    assert task.params() == {"num_keys": 32, "num_values": 32, "min_train_length": 2, "max_train_length": 8,
                             "test_lengths": "8,16,32", "queries": "each-once", "distractors": 0.0, "split": "all"}
    assert (task.queries, task.distractors, task.split, task.none) == ("each-once", 0.0, "all", None)
    assert task.test_variants() == {}


def test_the_pair_codes_are_a_fixed_hash_not_torch_randomness():
    # splitmix64(0) = 0xE220A8397B1DCDAF, its first output from state 0; the codes keep its low 40 bits
    assert _splitmix64(0) == 0xE220A8397B1DCDAF
    assert pair_codes(32, 32)[0] == 0xE220A8397B1DCDAF & (2**40 - 1)


def test_every_single_pair_dictionary_is_in_exactly_one_split_and_both_halves_are_used():
    task = RecallTask(split="train")
    keys = torch.arange(32).repeat_interleave(32).view(-1, 1)  # all 1024 pairs (k, v)
    values = 32 + torch.arange(32).repeat(32).view(-1, 1)
    split = task.dictionary_split(keys, values)
    assert set(split.tolist()) == {0, 1} and 450 < int(split.sum()) < 574  # about half each
    held_out = {(k, v) for k, v, s in zip(keys.flatten().tolist(), values.flatten().tolist(), split.tolist(),
                                          strict=True) if s}
    for name, expected in (("train", False), ("eval", True)):
        task = RecallTask(split=name)
        drawn = set().union(*dictionaries(task, task.batch(2000, 1, torch.Generator().manual_seed(0))))
        assert all((pair in held_out) == expected for pair in drawn)
        assert len(drawn) > 400  # the draws cover their half, not a corner of it


def test_a_dictionary_has_one_split_whatever_the_order_of_its_pairs():
    task = RecallTask(split="train")
    g = torch.Generator().manual_seed(1)
    keys = torch.rand(500, 32, generator=g).argsort(dim=1)[:, :6]
    values = 32 + torch.randint(32, (500, 6), generator=g)
    perm = torch.rand(500, 6, generator=g).argsort(dim=1)
    assert torch.equal(task.dictionary_split(keys, values),
                       task.dictionary_split(keys.gather(1, perm), values.gather(1, perm)))


@pytest.mark.parametrize("n", [1, 2, 4, 8, 16])
def test_training_and_evaluation_sequences_are_disjoint_by_construction(n):
    """Every training dictionary is in split 0, every evaluation one in split 1, so none is in both: not the
    sequences, not even their dictionaries (checked on the draws and by the split of each)."""
    train = RecallTask(**{**RecallTask.LEAKAGE_FREE, "split": "train"})
    held_out = train.test_variants()["held-out"]
    assert held_out.split == "eval" and held_out.params() == {**train.params(), "split": "eval"}
    seen, asked = set(), set()
    for seed in range(4):
        a = train.batch(500, n, torch.Generator().manual_seed(seed))
        b = held_out.batch(500, n, torch.Generator().manual_seed(seed))  # the same seeds: still disjoint
        for task, batch, into in ((train, a, seen), (held_out, b, asked)):
            keys, values = batch.inputs[:, 0 : 2 * n : 2], batch.inputs[:, 1 : 2 * n : 2]
            assert (task.dictionary_split(keys, values) == (1 if task is held_out else 0)).all()
            into.update(dictionaries(task, batch))
    assert seen.isdisjoint(asked)
    if n == 1:
        assert len(seen) > 400 and len(asked) > 400


def test_both_splits_have_the_same_keys_values_and_about_half_the_dictionaries():
    task = RecallTask(split="all")
    batch = task.batch(4000, 4, torch.Generator().manual_seed(2))
    keys, values = batch.inputs[:, 0:8:2], batch.inputs[:, 1:8:2]
    split = task.dictionary_split(keys, values)
    assert abs(float(split.float().mean()) - 0.5) < 0.03
    for half in (0, 1):
        assert set(keys[split == half].flatten().tolist()) == set(range(32))
        assert set(values[split == half].flatten().tolist()) == set(range(32, 64))


def test_queries_with_replacement_and_absent_keys_agree_with_a_dictionary_lookup():
    task = RecallTask(**RecallTask.LEAKAGE_FREE)
    assert task.vocab_size == 66 and task.none == 65 and task.chance == pytest.approx(1 / 33)
    n = 8
    b = task.batch(400, n, torch.Generator().manual_seed(3))
    repeats = absent = 0
    for row in range(400):
        tokens = b.inputs[row].tolist()
        memory = dict(zip(tokens[0 : 2 * n : 2], tokens[1 : 2 * n : 2], strict=True))
        assert tokens[2 * n] == task.sep
        queries = tokens[2 * n + 1 :: 2]
        repeats += len(queries) - len(set(queries))
        for i, q in enumerate(queries):
            position = 2 * n + 1 + 2 * i
            answer = memory.get(q, task.none)
            absent += q not in memory
            assert q < task.num_keys and b.mask[row, position] and b.targets[row, position] == answer
            assert tokens[position + 1] == answer  # teacher-forced
        assert int(b.mask[row].sum()) == n
    assert repeats > 0  # with replacement: some key is asked twice
    assert abs(absent / (400 * n) - 0.25) < 0.03  # a quarter of the queries ask an absent key


def test_the_leakage_free_protocol_trains_on_1_to_8_pairs_and_tests_up_to_16():
    task = RecallTask(**RecallTask.LEAKAGE_FREE)
    assert task.num_keys == 32 and task.train_lengths == tuple(range(1, 9)) and task.test_lengths[-1] == 16
    again = RecallTask(**task.params())
    assert again.params() == task.params() and again.vocab_size == task.vocab_size
    assert task.batch(2, 16, torch.Generator().manual_seed(0)).inputs.shape == (2, 65)


def test_bad_protocol_parameters_are_refused():
    with pytest.raises(ValueError, match=r"distractors need a key absent .* num_keys \(16\) must exceed"):
        RecallTask(num_keys=16, max_train_length=4, test_lengths="16", distractors=0.1)
    with pytest.raises(ValueError, match="queries must be one of each-once, with-replacement"):
        RecallTask(queries="sometimes")
    with pytest.raises(ValueError, match="split must be one of all, train, eval"):
        RecallTask(split="test")
    with pytest.raises(ValueError, match=r"distractors must be a number in \[0, 1\]"):
        RecallTask(distractors=2)


def test_a_split_without_dictionaries_is_reported_instead_of_drawing_forever(monkeypatch):
    task = RecallTask(split="eval")
    monkeypatch.setattr(task, "dictionary_split", lambda keys, values: torch.zeros(len(keys), dtype=torch.long))
    with pytest.raises(ValueError, match=r"recall: the eval split has \(almost\) no dictionaries of 3 pairs"):
        task.batch(2, 3, torch.Generator().manual_seed(0))
