"""ACT arithmetic: halting probabilities over iterations -> mixing weights and ponder cost."""

import pytest
import torch

from rt_explore.kernels.halting import act_weights


@pytest.mark.parametrize("bias", [-6.0, 0.0, 1.0, 6.0])
def test_weights_sum_to_one_per_position_and_the_ponder_cost_is_at_least_one(bias):
    h = torch.sigmoid(torch.randn(5, 2, 7, generator=torch.Generator().manual_seed(0)) + bias)  # [N, B, T]
    p, ponder = act_weights(h)
    torch.testing.assert_close(p.sum(dim=0), torch.ones(2, 7))
    assert (p >= 0).all() and (ponder >= 1).all() and (ponder <= 5 + 1).all()


def test_a_position_that_halts_at_once_puts_its_whole_mass_on_the_first_iteration():
    h = torch.tensor([[[0.995]], [[0.5]], [[0.5]]])  # [3, 1, 1]
    p, ponder = act_weights(h)
    # the first iteration reaches the threshold: it halts with the remainder R = 1 - 0 and N = 1
    torch.testing.assert_close(p.flatten(), torch.tensor([1.0, 0.0, 0.0]))
    torch.testing.assert_close(ponder.flatten(), torch.tensor([1.0 + 1.0]))


def test_the_last_iteration_always_halts_with_the_remainder():
    h = torch.full((3, 1, 1), 0.1)
    p, ponder = act_weights(h)
    torch.testing.assert_close(p.flatten(), torch.tensor([0.1, 0.1, 0.8]))
    torch.testing.assert_close(ponder.flatten(), torch.tensor([3 + 0.8]))


def test_the_ponder_cost_has_a_gradient_through_the_remainder():
    logits = torch.zeros(3, 1, 2, requires_grad=True)
    _, ponder = act_weights(torch.sigmoid(logits))
    ponder.sum().backward()
    assert logits.grad.abs().sum() > 0
