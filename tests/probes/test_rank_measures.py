"""Effective rank (uncentred and centred), Dong et al.'s residual ratio and mean pairwise cosine on tiny
matrices whose values are worked out by hand."""

from __future__ import annotations

import math

import pytest
import torch

from rt_explore.probes.rank import (
    _centred_ranks,
    _residual_ratios,
    centred_effective_rank,
    effective_rank,
    mean_pairwise_cosine,
    residual_ratio,
)


def test_a_rank_one_matrix_has_effective_rank_one():
    X = torch.outer(torch.tensor([1.0, -2.0, 3.0]), torch.tensor([0.5, 4.0]))  # [3, 2], rank 1
    assert effective_rank(X) == pytest.approx(1.0, abs=1e-12)


def test_the_four_by_four_identity_has_effective_rank_four():
    assert effective_rank(torch.eye(4)) == pytest.approx(4.0, abs=1e-12)


def test_diag_2_1_has_effective_rank_exp_of_the_entropy_of_two_thirds_and_one_third():
    # p = (2/3, 1/3); H = -(2/3 ln 2/3 + 1/3 ln 1/3) = ln 3 - (2/3) ln 2 = 0.636514168294813
    # exp(H) = 3 / 2^(2/3) = 1.8898815748423097
    assert effective_rank(torch.diag(torch.tensor([2.0, 1.0]))) == pytest.approx(1.8898815748423097, abs=1e-12)
    assert math.log(1.8898815748423097) == pytest.approx(0.636514168294813, abs=1e-12)


def test_effective_rank_ignores_scale_and_a_zero_matrix_has_none():
    X = torch.tensor([[3.0, 1.0], [0.0, 2.0], [1.0, 1.0]], dtype=torch.float64)
    assert effective_rank(1e-3 * X) == pytest.approx(effective_rank(X), abs=1e-9)
    assert effective_rank(torch.zeros(3, 2)) == 0.0


def test_identical_rows_have_mean_cosine_one():
    assert mean_pairwise_cosine(torch.tensor([[1.0, 2.0], [1.0, 2.0], [1.0, 2.0]])) == pytest.approx(1.0)


def test_orthogonal_rows_have_mean_cosine_zero():
    assert mean_pairwise_cosine(torch.tensor([[1.0, 0.0], [0.0, 3.0]])) == pytest.approx(0.0, abs=1e-12)


def test_mean_cosine_of_3x2_matrices_checked_by_hand():
    # cos(r1, r2) = 0, cos(r1, r3) = cos(r2, r3) = 1/sqrt(2): mean over the 3 pairs = sqrt(2) / 3
    assert mean_pairwise_cosine(torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])) == pytest.approx(
        math.sqrt(2) / 3, abs=1e-12)
    # cos(r1, r2) = -1, cos(r1, r3) = 1, cos(r2, r3) = -1: mean = -1/3
    assert mean_pairwise_cosine(torch.tensor([[1.0, 0.0], [-1.0, 0.0], [2.0, 0.0]])) == pytest.approx(
        -1 / 3, abs=1e-12)


def test_mean_cosine_needs_two_rows():
    with pytest.raises(ValueError, match="at least 2 rows"):
        mean_pairwise_cosine(torch.ones(1, 4))


# -- centred effective rank and the residual ratio ||X - 1 x^T|| / ||X|| (Dong et al., arXiv 2103.03404) --

# Four tokens in three dimensions, centred (every column sums to 0) with Z^T Z = 4 I: singular values 2, 2, 2.
CLOUD = torch.tensor([[1.0, 1.0, 1.0], [1.0, -1.0, -1.0], [-1.0, 1.0, -1.0], [-1.0, -1.0, 1.0]], dtype=torch.float64)


def test_equal_tokens_are_rank_one_in_dongs_sense_ratio_zero_and_no_centred_rank():
    X = torch.ones(5, 1) * torch.tensor([[0.5, -2.0, 3.0]])  # 1 x^T: every token the same
    assert residual_ratio(X) == 0.0
    assert centred_effective_rank(X) == 0.0
    assert effective_rank(X) == pytest.approx(1.0, abs=1e-12)


def test_a_rank_one_matrix_with_distinct_tokens_is_not_one_x_transpose():
    # u v^T with u = (1, -2, 3): rank 1, but the tokens differ; X - 1 m^T = (u - mean(u)) v^T, so the ratio is
    # ||u - mean u|| / ||u|| = sqrt((114 / 9) / 14) = sqrt(19 / 21), and the centred matrix is rank 1 too
    X = torch.outer(torch.tensor([1.0, -2.0, 3.0]), torch.tensor([0.5, 4.0]))
    assert residual_ratio(X) == pytest.approx(math.sqrt(19 / 21), abs=1e-12)
    assert centred_effective_rank(X) == pytest.approx(1.0, abs=1e-9)
    assert effective_rank(X) == pytest.approx(1.0, abs=1e-12)


def test_a_mean_shifted_isotropic_cloud_has_full_centred_rank_but_looks_rank_one_uncentred():
    X = CLOUD + torch.tensor([100.0, 0.0, 0.0])  # the cloud around the mean (100, 0, 0)
    assert centred_effective_rank(X) == pytest.approx(3.0, abs=1e-9)
    # X^T X = Z^T Z + 4 mu mu^T = diag(40004, 4, 4): singular values sqrt(40004), 2, 2
    s = torch.tensor([math.sqrt(40004), 2.0, 2.0], dtype=torch.float64)
    p = s / s.sum()
    assert effective_rank(X) == pytest.approx(math.exp(float(-(p * p.log()).sum())), abs=1e-9)
    assert effective_rank(X) < 1.2  # the common mode dominates the uncentred figure
    # ||X - 1 m^T||^2 = ||Z||^2 = 12, ||X||^2 = 12 + 4 * 100^2 = 40012
    assert residual_ratio(X) == pytest.approx(math.sqrt(12 / 40012), abs=1e-12)


def test_a_cloud_with_mean_zero_has_residual_ratio_one_and_the_ratio_ignores_scale():
    assert residual_ratio(CLOUD) == pytest.approx(1.0, abs=1e-12)
    X = CLOUD + torch.tensor([1.0, 2.0, 0.0])
    assert residual_ratio(1e-3 * X) == pytest.approx(residual_ratio(X), abs=1e-12)
    assert 0.0 < residual_ratio(X) < 1.0
    assert residual_ratio(torch.zeros(3, 2)) == 0.0 and centred_effective_rank(torch.zeros(3, 2)) == 0.0


def test_float32_rounding_of_equal_tokens_does_not_read_as_a_high_centred_rank():
    token = torch.randn(1, 16, generator=torch.Generator().manual_seed(0))
    X = (token * 1000 + 1e-8 * torch.randn(8, 16, generator=torch.Generator().manual_seed(1))).float()
    assert residual_ratio(X) < 1e-6
    assert centred_effective_rank(X) == 0.0


def test_the_batched_measures_agree_with_the_single_matrix_ones():
    X = torch.randn(3, 6, 4, generator=torch.Generator().manual_seed(2)) + torch.tensor([2.0, 0.0, 0.0, 0.0])
    ranks, ratios = _centred_ranks(X), _residual_ratios(X)
    for b in range(3):
        assert float(ranks[b]) == pytest.approx(centred_effective_rank(X[b]), abs=1e-12)
        assert float(ratios[b]) == pytest.approx(residual_ratio(X[b]), abs=1e-12)
