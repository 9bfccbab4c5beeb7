"""Nested boolean expressions (Chen 2026, arXiv:2603.21676)."""

import random

import pytest
import torch

from rt_explore.tasks.boolean import (
    ID,
    WORDS,
    BooleanTask,
    absorbs,
    dual,
    effective_depth,
    nest,
    random_expression,
    random_levels,
)


def python_value(words):
    """Python's own evaluation of the expression, an independent reference."""
    return eval(" ".join({"T": "True", "F": "False"}.get(w, w) for w in words))


def depth(words):
    level = deepest = 0
    for w in words:
        level += {"(": 1, ")": -1}.get(w, 0)
        deepest = max(deepest, level)
    return deepest


def test_nest_builds_hand_written_expressions_innermost_first():
    assert nest(True, []) == (["T"], True)
    assert nest(False, [("not", True, True)]) == ("( not F )".split(), True)
    words, value = nest(True, [("not", False, False), ("and", False, False), ("or", True, True)])
    assert " ".join(words) == "( T or ( ( not T ) and F ) )"
    assert value is True
    words, value = nest(False, [("or", False, True), ("and", True, False)])
    assert " ".join(words) == "( ( F or F ) and T )" and value is False


def test_the_dual_swaps_literals_and_operators_and_negates_the_value():
    leaf, levels = True, [("and", False, False), ("not", True, True)]
    assert " ".join(nest(leaf, levels)[0]) == "( not ( T and F ) )"
    words, value = nest(*dual(leaf, levels))
    assert " ".join(words) == "( not ( F or T ) )" and value is False


def test_random_expressions_have_the_asked_depth_and_value_by_python_evaluation():
    rng = random.Random(0)
    for d in range(0, 17):
        for want in (False, True):
            words = random_expression(rng, d, want)
            assert depth(words) == d
            assert python_value(words) is want


@pytest.mark.parametrize("length", [1, 3, 8, 16])
def test_batch_labels_agree_with_python_evaluation(length):
    task = BooleanTask()
    b = task.batch(32, length, torch.Generator().manual_seed(length))
    assert b.inputs.shape == (32, 4 * length + 2)
    for row in range(32):
        words = [WORDS[i] for i in b.inputs[row].tolist()]
        end = words.index("=")
        assert set(words[end + 1 :]) <= {"<pad>"}
        assert b.mask[row].nonzero().flatten().tolist() == [end]
        assert depth(words[:end]) == length
        assert b.targets[row, end] == (ID["T"] if python_value(words[:end]) else ID["F"])


def test_labels_are_balanced_within_a_batch():
    b = BooleanTask().batch(64, 5, torch.Generator().manual_seed(0))
    assert int((b.targets[b.mask] == ID["T"]).sum()) == 32


def test_defaults_train_on_depth_one_to_four_and_test_up_to_sixteen():
    task = BooleanTask()
    assert task.train_lengths == (1, 2, 3, 4) and task.test_lengths == (6, 8, 12, 16)
    assert task.vocab_size == len(WORDS) == 9 and task.chance == 0.5


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError, match="boolean: max_train_length must be an integer >= 1, got -1"):
        BooleanTask(max_train_length=-1)
    with pytest.raises(ValueError, match=r"length \(nesting depth\) must be an integer >= 1, got 0"):
        BooleanTask().batch(2, 0, torch.Generator())


# ---- serial steps: absorbing levels and the effective depth ----


def test_effective_depth_counts_the_levels_from_the_outermost_absorbing_one():
    # ( ( not ( T or T ) ) and T ): `or T` absorbs at level 0, so the value passes through all 3 levels
    levels = [("or", True, False), ("not", True, True), ("and", True, False)]
    assert " ".join(nest(True, levels)[0]) == "( ( not ( T or T ) ) and T )"
    assert effective_depth(levels) == 3
    # ( F or ( F and ( not T ) ) ): `F and` absorbs at level 1; level 0 (not) no longer matters
    levels = [("not", True, True), ("and", False, True), ("or", False, True)]
    assert " ".join(nest(True, levels)[0]) == "( F or ( F and ( not T ) ) )"
    assert effective_depth(levels) == 2
    # ( ( T and ( not F ) ) or T ): the outermost level absorbs, one step
    assert effective_depth([("not", True, True), ("and", True, True), ("or", True, False)]) == 1
    # no absorbing level: ( not ( F or ( T and T ) ) ) -> every level, 3
    assert effective_depth([("and", True, False), ("or", False, True), ("not", False, False)]) == 3
    assert effective_depth([]) == 0


def test_absorbs_names_and_f_and_or_t_on_either_side():
    assert absorbs(("and", False, True)) and absorbs(("and", False, False))
    assert absorbs(("or", True, True)) and absorbs(("or", True, False))
    assert not absorbs(("and", True, True)) and not absorbs(("or", False, False))
    assert not absorbs(("not", False, True))


def test_without_absorbing_levels_the_effective_depth_is_the_nesting_depth():
    task = BooleanTask(absorbing=False)
    b = task.batch(64, 12, torch.Generator().manual_seed(0))
    for row in range(64):
        words = [WORDS[i] for i in b.inputs[row].tolist()]
        text = " ".join(words[: words.index("=")])
        assert depth(text.split()) == 12
        assert python_value(text.split()) == (b.targets[row, words.index("=")] == ID["T"])
        # a short-circuit with a bracket as the other operand, or one where both operands would absorb
        # (at the innermost level both operands are literals: `( T and F )` is `F` under an identity `T and`)
        for short_circuit in ("( F and (", ") and F )", "( T or (", ") or T )", "( F and F )", "( T or T )"):
            assert short_circuit not in text
    rng = random.Random(0)
    assert all(effective_depth(random_levels(rng, 8, absorbing=False)) == 8 for _ in range(200))


def test_reading_the_outer_four_levels_scores_090_with_absorbing_levels_and_chance_without():
    # The shortcut the knob removes: evaluate the outermost four levels on a guessed inner value.
    def shortcut_accuracy(absorbing: bool) -> float:
        rng, right = random.Random(1), 0
        for _ in range(4000):
            leaf, levels = rng.random() < 0.5, random_levels(rng, 8, absorbing)
            guess = nest(rng.random() < 0.5, levels[4:])[1]
            right += guess == nest(leaf, levels)[1]
        return right / 4000

    assert shortcut_accuracy(True) == pytest.approx(0.9, abs=0.02)
    assert shortcut_accuracy(False) == pytest.approx(0.5, abs=0.03)


def test_chens_protocol_trains_on_depths_one_to_eight_and_tests_to_fourteen():
    task = BooleanTask(max_train_length=8, test_lengths="10,12,14", absorbing=False)
    assert task.train_lengths == tuple(range(1, 9)) and task.test_lengths == (10, 12, 14)
    assert task.params() == {"absorbing": False, "min_train_length": 1, "max_train_length": 8,
                             "test_lengths": "10,12,14"}
    with pytest.raises(ValueError, match="boolean: absorbing must be true or false"):
        BooleanTask(absorbing="no")
