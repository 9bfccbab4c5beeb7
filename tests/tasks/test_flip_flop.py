"""Flip-flop language (Liu et al. 2023, arXiv:2306.00946)."""

import pytest
import torch

from rt_explore.tasks.flip_flop import IGNORE, READ, WRITE, FlipFlopTask

W, R, N = WRITE, READ, IGNORE  # N: ignore, a no-op


def test_reads_of_a_hand_written_sequence_target_the_last_written_bit():
    # w 1, i 0, r 1, w 0, i 1, i 1, r 0, r 0
    inputs = torch.tensor([[W, 1, N, 0, R, 1, W, 0, N, 1, N, 1, R, 0, R, 0]])
    targets, mask = FlipFlopTask().label(inputs)
    reads = [4, 12, 14]
    assert mask.nonzero()[:, 1].tolist() == reads
    assert targets[0, reads].tolist() == [1, 0, 0]


def test_a_read_before_any_write_is_not_scored():
    targets, mask = FlipFlopTask().label(torch.tensor([[R, 0, W, 1, R, 1]]))
    assert mask.tolist() == [[False, False, False, False, True, False]]
    assert targets[0, 4] == 1


def test_random_batches_replay_the_paper_semantics():
    task = FlipFlopTask(p_ignore=0.5)
    b = task.batch(32, 24, torch.Generator().manual_seed(3))
    for row in range(32):
        tokens = b.inputs[row].tolist()
        opcodes, bits = tokens[0::2], tokens[1::2]
        assert opcodes[0] == W and opcodes[-1] == R
        assert set(opcodes) <= {W, R, N} and set(bits) <= {0, 1}
        memory = None
        for k, (op, bit) in enumerate(zip(opcodes, bits, strict=True)):
            scored = bool(b.mask[row, 2 * k])
            assert scored == (op == R)
            assert not b.mask[row, 2 * k + 1]
            if op == R:
                assert bit == memory  # the sequence is in the language
                assert b.targets[row, 2 * k] == memory
            if op == W:
                memory = bit


def test_the_ignore_probability_sets_the_share_of_ignores():
    task = FlipFlopTask(p_ignore=0.8)
    b = task.batch(256, 64, torch.Generator().manual_seed(0))
    inner = b.inputs[:, 2:-2:2]  # the first write and last read are fixed
    assert float((inner == N).float().mean()) == pytest.approx(0.8, abs=0.02)
    assert float((inner == W).float().mean()) == pytest.approx(0.1, abs=0.02)


def test_sequences_are_two_tokens_per_instruction():
    task = FlipFlopTask()
    assert task.sequence_length(16) == 32
    assert task.vocab_size == 5 and task.chance == 0.5
    assert task.train_lengths == tuple(range(4, 17)) and task.test_lengths == (16, 32, 64)


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError, match=r"flip-flop: p_ignore must be a number in \[0, 1\], got 1.5"):
        FlipFlopTask(p_ignore=1.5)
    with pytest.raises(ValueError, match="flip-flop: max_train_length must be an integer >= 2"):
        FlipFlopTask(max_train_length=1)
    with pytest.raises(ValueError, match=r"length \(instructions\) must be an integer >= 2, got 1"):
        FlipFlopTask().batch(2, 1, torch.Generator())


def test_the_papers_protocol_trains_on_ffl_0_8_and_tests_sparse_and_dense_at_512_tokens():
    task = FlipFlopTask(p_ignore=0.8, min_train_length=256, max_train_length=256, test_lengths="256")
    assert task.train_lengths == task.test_lengths == (256,) and task.sequence_length(256) == 512
    variants = task.test_variants()
    assert list(variants) == ["FFL(0.98)", "FFL(0.1)"]
    for name, p in (("FFL(0.98)", 0.98), ("FFL(0.1)", 0.1)):
        variant = variants[name]
        assert variant.p_ignore == p
        assert (variant.train_lengths, variant.test_lengths) == (task.train_lengths, task.test_lengths)
    # sparse: long stretches of ignores between writes and reads; dense: almost all writes and reads
    g = torch.Generator().manual_seed(0)
    sparse, dense = (variants[n].batch(64, 256, g).inputs[:, 2:-2:2] for n in ("FFL(0.98)", "FFL(0.1)"))
    assert float((sparse == N).float().mean()) == pytest.approx(0.98, abs=0.01)
    assert float((dense == N).float().mean()) == pytest.approx(0.1, abs=0.01)


def test_other_test_distributions_are_a_parameter_and_none_is_allowed():
    assert list(FlipFlopTask(test_p_ignore="0.5").test_variants()) == ["FFL(0.5)"]
    assert FlipFlopTask(test_p_ignore="").test_variants() == {}
    with pytest.raises(ValueError, match="flip-flop: test_p_ignore must be probabilities"):
        FlipFlopTask(test_p_ignore="0.98,sparse")
    with pytest.raises(ValueError, match="flip-flop: test_p_ignore must be probabilities"):
        FlipFlopTask(test_p_ignore="1.5")


def test_the_read_error_rate_counts_wrong_reads_only():
    # w 1, i 0, r 1, w 0, r 0: reads at 4 and 8 (targets 1 and 0); a model that always says 1
    # gets the first read right and the second wrong: read-error rate 1/2, whatever it says elsewhere.
    inputs = torch.tensor([[W, 1, N, 0, R, 1, W, 0, R, 0]])
    task = FlipFlopTask()
    targets, mask = task.label(inputs)
    from rt_explore.tasks.base import Batch

    always_one = torch.nn.functional.one_hot(torch.ones_like(inputs), 5).float()
    assert task.read_error_rate(always_one, Batch(inputs, targets, mask)) == 0.5
