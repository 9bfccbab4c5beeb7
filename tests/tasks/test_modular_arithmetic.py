"""Modular arithmetic without brackets (Delétang et al. 2023, arXiv:2207.02098; Grazzi et al. 2024)."""

import pytest
import torch

from rt_explore.tasks.modular_arithmetic import ModularArithmeticTask

WORDS = "01234+-*"  # token ids at modulus 5: residues 0..4, then +, -, *


def encode(text: str) -> torch.Tensor:
    return torch.tensor([[WORDS.index(c) for c in text.replace(" ", "")]])


def decode(row: torch.Tensor) -> str:
    return "".join(WORDS[i] for i in row.tolist())


@pytest.mark.parametrize(("expression", "value"), [
    ("1 + 2 * 3", 2),  # 7: * binds tighter (left to right would give 9 = 4)
    ("1 - 1 - 1", 4),  # -1
    ("0 * 1 + 4 * 3 - 2", 0),  # 10
    ("3", 3),
])
def test_the_papers_examples_mod_five(expression, value):
    assert ModularArithmeticTask().running_values(encode(expression))[0, -1] == value


def test_running_values_of_a_hand_written_expression():
    # 3 - 4 * 2 * 2 + 1: the prefixes 3, 3 - 4, 3 - 4 * 2, 3 - 4 * 2 * 2, 3 - 16 + 1
    # are 3, -1, -5, -13, -12, i.e. 3, 4, 0, 2, 3 mod 5: not a left-to-right accumulation.
    values = ModularArithmeticTask().running_values(encode("3 - 4 * 2 * 2 + 1"))
    assert values[0].tolist() == [3, 4, 0, 2, 3]


@pytest.mark.parametrize("labels", ["end", "every"])
def test_random_batches_agree_with_python_evaluation(labels):
    task = ModularArithmeticTask(labels=labels)
    b = task.batch(64, 21, torch.Generator().manual_seed(0))
    assert b.inputs.shape == (64, 21)
    for row in range(64):
        text = decode(b.inputs[row])
        assert set(text[0::2]) <= set("01234") and set(text[1::2]) <= set("+-*")
        scored = b.mask[row].nonzero().flatten().tolist()
        if labels == "end":
            assert scored == [20]
        else:
            assert scored == list(range(0, 21, 2))
        for t in scored:
            # Python's own evaluation (usual precedence) of the prefix, reduced mod 5
            assert b.targets[row, t] == eval(text[: t + 1]) % 5


def test_even_lengths_drop_the_last_token_as_in_the_paper():
    task = ModularArithmeticTask()
    assert [task.sequence_length(n) for n in (1, 2, 3, 40, 41)] == [1, 1, 3, 39, 41]
    assert task.batch(4, 40, torch.Generator().manual_seed(0)).inputs.shape == (4, 39)


def test_operators_can_be_restricted_and_are_kept_in_one_order():
    task = ModularArithmeticTask(operators="-+")
    assert task.params()["operators"] == "+-"
    text = "".join(decode(row) for row in task.batch(16, 31, torch.Generator().manual_seed(1)).inputs)
    assert "*" not in text and "+" in text and "-" in text


def test_the_deletang_grazzi_protocol_is_a_choice_of_parameters():
    task = ModularArithmeticTask(min_train_length=3, max_train_length=40, test_lengths="40,64,128,256")
    assert task.train_lengths == tuple(range(3, 41)) and task.test_lengths == (40, 64, 128, 256)
    assert task.vocab_size == 8 and task.chance == 0.2
    assert type(task)(**task.params()).params() == task.params()


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError, match="operators must be distinct characters"):
        ModularArithmeticTask(operators="+/")
    with pytest.raises(ValueError, match="operators must be distinct characters"):
        ModularArithmeticTask(operators="")
    with pytest.raises(ValueError, match="labels must be one of end, every"):
        ModularArithmeticTask(labels="all")
    with pytest.raises(ValueError, match="modulus must be an integer >= 2"):
        ModularArithmeticTask(modulus=1)
