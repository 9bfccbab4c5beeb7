"""Primitives of the residual schemes: Sinkhorn projection (mHC) and the delta update (deep delta learning)."""

import torch

from rt_explore.kernels.deep_delta import delta_update
from rt_explore.kernels.hyper_connections import sinkhorn


def test_sinkhorn_gives_rows_and_columns_that_sum_to_one():
    for _ in range(20):
        p = sinkhorn(torch.randn(4, 4), iters=20)
        assert (p >= 0).all()
        torch.testing.assert_close(p.sum(dim=0), torch.ones(4), atol=1e-4, rtol=0)
        torch.testing.assert_close(p.sum(dim=1), torch.ones(4), atol=1e-4, rtol=0)


def test_sinkhorn_converges_on_widely_spread_logits_with_more_iterations():
    p = sinkhorn(4.0 * torch.randn(4, 4), iters=500)
    torch.testing.assert_close(p.sum(dim=1), torch.ones(4), atol=1e-4, rtol=0)


def test_products_of_sinkhorn_matrices_stay_norm_preserving():
    prod = torch.eye(4)
    for _ in range(50):
        prod = prod @ sinkhorn(torch.randn(4, 4))
    torch.testing.assert_close(prod.sum(dim=0), torch.ones(4), atol=1e-3, rtol=0)
    torch.testing.assert_close(prod.sum(dim=1), torch.ones(4), atol=1e-3, rtol=0)
    assert torch.linalg.matrix_norm(prod, ord=2) <= 1.0 + 1e-3



def test_delta_update_is_identity_projection_and_reflection_by_hand():
    x, k, v = torch.tensor([3.0, 4.0]), torch.tensor([1.0, 0.0]), torch.tensor([0.0])
    torch.testing.assert_close(delta_update(x, k, v, torch.tensor([0.0])), torch.tensor([3.0, 4.0]))
    torch.testing.assert_close(delta_update(x, k, v, torch.tensor([1.0])), torch.tensor([0.0, 4.0]))
    torch.testing.assert_close(delta_update(x, k, v, torch.tensor([2.0])), torch.tensor([-3.0, 4.0]))
    # beta = 1 overwrites the k-component with v.
    torch.testing.assert_close(
        delta_update(x, k, torch.tensor([5.0]), torch.tensor([1.0])), torch.tensor([5.0, 4.0])
    )


def test_delta_update_reflection_along_an_oblique_direction_keeps_the_norm():
    x, k = torch.tensor([1.0, 0.0]), torch.tensor([0.6, 0.8])
    y = delta_update(x, k, torch.tensor([0.0]), torch.tensor([2.0]))
    # Householder: x - 2 (k.x) k = [1, 0] - 1.2 [0.6, 0.8]
    torch.testing.assert_close(y, torch.tensor([0.28, -0.96]))
    torch.testing.assert_close(y.norm(), torch.tensor(1.0))



def test_sinkhorn_projects_a_batch_of_matrices_each_as_on_its_own():
    logits = torch.randn(2, 3, 4, 4, generator=torch.Generator().manual_seed(0))
    batched = sinkhorn(logits)
    for b in range(2):
        for t in range(3):
            torch.testing.assert_close(batched[b, t], sinkhorn(logits[b, t]))
    torch.testing.assert_close(batched.sum(dim=-2), torch.ones(2, 3, 4), atol=1e-6, rtol=0)
