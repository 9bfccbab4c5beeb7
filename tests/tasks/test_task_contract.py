"""Every registered task keeps the contract of rt_explore.tasks.base.Task, at its default parameters."""

import sys

import pytest
import torch

from rt_explore.tasks import TASKS, Task
from rt_explore.tasks.base import Batch

NAMES = list(TASKS)


def make(name: str) -> Task:
    return TASKS[name]()


def lengths(task: Task) -> list[int]:
    return sorted({task.train_lengths[0], task.train_lengths[-1], *task.test_lengths})


def batch(task: Task, length: int, seed: int = 0, batch_size: int = 8) -> Batch:
    return task.batch(batch_size, length, torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("name", NAMES)
def test_class_metadata_is_filled_in(name):
    cls = TASKS[name]
    assert cls.name == name
    for field in ("summary", "probes", "reference", "length_name"):
        assert getattr(cls, field).strip(), field
    assert "arXiv:" in cls.reference
    # the module docstring names the paper too
    assert cls.reference.split("arXiv:")[1] in sys.modules[cls.__module__].__doc__


# Tasks whose defaults are a published protocol that stops short of 4x: graph-reachability tests Chen's 6-12 hops
# after 1-5 (his graphs have at most 20 nodes).
PUBLISHED_DEFAULTS = {"graph-reachability"}


@pytest.mark.parametrize("name", NAMES)
def test_test_lengths_reach_four_times_the_longest_train_length(name):
    task = make(name)
    assert task.train_lengths == tuple(sorted(set(task.train_lengths)))
    assert task.test_lengths == tuple(sorted(set(task.test_lengths)))
    factor = 2 if name in PUBLISHED_DEFAULTS else 4
    assert task.test_lengths[-1] >= factor * task.train_lengths[-1]


@pytest.mark.parametrize("name", NAMES)
def test_chance_is_a_probability_above_one_over_the_vocabulary(name):
    task = make(name)
    assert 1 / task.vocab_size <= task.chance <= 0.5


@pytest.mark.parametrize("name", NAMES)
def test_params_rebuild_an_equal_task(name):
    task = make(name)
    again = type(task)(**task.params())
    assert again.params() == task.params()
    assert (again.vocab_size, again.train_lengths, again.test_lengths) == (
        task.vocab_size, task.train_lengths, task.test_lengths)


@pytest.mark.parametrize("name", NAMES)
def test_batches_have_the_announced_shapes_dtypes_and_vocabulary(name):
    task = make(name)
    for length in lengths(task):
        b = batch(task, length)
        shape = (8, task.sequence_length(length))
        assert b.inputs.shape == b.targets.shape == b.mask.shape == shape
        if task.masks_attention:
            assert b.attention_mask.shape == (8, shape[1], shape[1]) and b.attention_mask.dtype == torch.bool
            assert b.attention_mask.diagonal(dim1=1, dim2=2).all()  # every position may attend to itself
        else:
            assert b.attention_mask is None
        assert b.inputs.dtype == b.targets.dtype == torch.long
        assert b.mask.dtype == torch.bool
        assert 0 <= int(b.inputs.min()) and int(b.inputs.max()) < task.vocab_size
        assert 0 <= int(b.targets.min()) and int(b.targets.max()) < task.vocab_size
        # every sequence has something to score
        assert b.mask.any(dim=1).all()


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_gives_the_same_batch_and_another_seed_a_different_one(name):
    task = make(name)
    length = task.train_lengths[-1]
    a, b, c = batch(task, length, seed=7), batch(task, length, seed=7), batch(task, length, seed=8)
    for x, y in ((a.inputs, b.inputs), (a.targets, b.targets), (a.mask, b.mask)):
        assert torch.equal(x, y)
    if task.masks_attention:
        assert torch.equal(a.attention_mask, b.attention_mask)
    assert not torch.equal(a.inputs, c.inputs)


@pytest.mark.parametrize("name", NAMES)
def test_successive_batches_from_one_generator_differ(name):
    task = make(name)
    g = torch.Generator().manual_seed(0)
    length = task.train_lengths[-1]
    assert not torch.equal(task.batch(8, length, g).inputs, task.batch(8, length, g).inputs)


@pytest.mark.parametrize("name", NAMES)
def test_accuracy_is_one_for_the_targets_and_zero_for_a_shifted_class(name):
    task = make(name)
    b = batch(task, task.train_lengths[-1], batch_size=64)
    perfect = torch.nn.functional.one_hot(b.targets, task.vocab_size).float()
    assert task.accuracy(perfect, b) == 1.0
    # Predicting target + 1 (mod vocab_size) is wrong at every scored position.
    wrong = torch.nn.functional.one_hot((b.targets + 1) % task.vocab_size, task.vocab_size).float()
    assert task.accuracy(wrong, b) == 0.0


@pytest.mark.parametrize("name", NAMES)
def test_bad_batch_arguments_raise_a_clear_value_error(name):
    task = make(name)
    g = torch.Generator().manual_seed(0)
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
        task.batch(0, task.train_lengths[0], g)
    with pytest.raises(ValueError, match=rf"length \({task.length_name}\) must be an integer"):
        task.batch(2, 0, g)


@pytest.mark.parametrize("name", NAMES)
def test_a_bool_or_string_is_not_accepted_as_an_integer_parameter(name):
    with pytest.raises(ValueError, match=f"{name}: max_train_length must be an integer"):
        TASKS[name](max_train_length=True)
    with pytest.raises(ValueError, match=f"{name}: max_train_length must be an integer"):
        TASKS[name](max_train_length="16")
