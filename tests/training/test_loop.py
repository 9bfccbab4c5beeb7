"""The training loop: deterministic, it learns, it refuses non-finite losses, and it measures the frontier."""

from __future__ import annotations

import math

import pytest

from rt_explore.errors import ProblemsFound
from rt_explore.tasks import get_task
from rt_explore.training.loop import NonFiniteLoss, learning_rate, train
from rt_explore.training.project import load_project

FAST_EVAL = {"eval_batches": 1, "eval_batch_size": 16}


def test_the_same_seed_gives_the_same_loss_curve_and_another_seed_does_not(tmp_path, fake_project, single_thread):
    project = load_project(fake_project(tmp_path / "p"))
    task = get_task("parity", max_train_length=8)
    first = train(project, task, steps=15, seed=3, batch_size=8, **FAST_EVAL)
    again = train(project, task, steps=15, seed=3, batch_size=8, **FAST_EVAL)
    other = train(project, task, steps=15, seed=4, batch_size=8, **FAST_EVAL)
    assert first.loss_curve == again.loss_curve and len(first.loss_curve) == 15
    assert first.test_accuracy == again.test_accuracy
    assert other.loss_curve != first.loss_curve


def test_the_loss_falls_on_parity_for_a_tiny_generated_model(tmp_path, scaffolded, single_thread):
    # A one-layer delta-rule model with negative eigenvalues can represent parity exactly (Grazzi et al.
    # 2024, arXiv 2411.12537); a few hundred steps are enough for the loss to fall well below chance's ln 2.
    project = load_project(scaffolded(tmp_path / "p", "step/token", negative_eigenvalues="true"))
    result = train(project, get_task("parity", max_train_length=8), steps=250, seed=0, **FAST_EVAL)
    early, late = result.loss_curve[:20], result.loss_curve[-20:]
    assert sum(late) / 20 < 0.5 * sum(early) / 20
    assert result.train_accuracy > 0.9


def test_a_nan_loss_raises_non_finite_loss_naming_the_step(tmp_path, fake_project):
    project = load_project(fake_project(tmp_path / "p"))
    seen = []
    with pytest.raises(NonFiniteLoss) as info:
        train(project, get_task("parity"), steps=10, on_step=seen.append, **FAST_EVAL,
              loss_hook=lambda step, loss: loss * float("nan") if step == 4 else loss)
    error = info.value
    assert isinstance(error, ProblemsFound) and error.exit_code == 1
    assert error.step == 4 and math.isnan(error.value)
    assert "non-finite loss" in str(error) and "step 4" in str(error) and "\n" not in str(error)
    assert [s.step for s in seen] == [1, 2, 3]


def test_a_result_has_every_reported_figure(tmp_path, fake_project):
    project = load_project(fake_project(tmp_path / "p"))
    task = get_task("parity", max_train_length=8)
    result = train(project, task, steps=3, batch_size=4, **FAST_EVAL)
    data = result.to_dict()
    for key in ("task", "steps", "seconds", "tokens_per_second", "first_loss", "final_loss", "loss_curve",
                "train_accuracy", "test_accuracy", "frontier", "seed", "cell", "options"):
        assert key in data
    assert set(data["test_accuracy"]) == {str(n) for n in task.test_lengths}
    assert set(result.train_accuracy_by_length) == set(task.train_lengths)
    assert result.frontier is None and data["tokens_per_second"] > 0


def test_a_depth_project_gets_a_frontier_and_keeps_its_trained_steps(tmp_path, scaffolded, single_thread):
    project = load_project(scaffolded(tmp_path / "d", "depth/sequence", recurrence_steps=2))
    task = get_task("parity", max_train_length=4)
    result = train(project, task, steps=3, batch_size=4, **FAST_EVAL)
    assert result.trained_recurrence_steps == 2
    assert sorted(result.frontier) == [1, 2, 3, 4]
    assert all(set(by_length) == {4, 16} for by_length in result.frontier.values())
    assert all(0.0 <= acc <= 1.0 for by_length in result.frontier.values() for acc in by_length.values())


def test_a_step_project_has_no_frontier(tmp_path, scaffolded, single_thread):
    project = load_project(scaffolded(tmp_path / "s", "step/token"))
    result = train(project, get_task("parity", max_train_length=4), steps=2, batch_size=4, **FAST_EVAL)
    assert result.frontier is None and result.trained_recurrence_steps is None


def test_the_learning_rate_warms_up_then_decays_to_a_tenth():
    rates = [learning_rate(s, 200, 1.0) for s in range(1, 201)]
    assert rates[0] == pytest.approx(0.05) and max(rates) == pytest.approx(1.0)
    assert rates.index(max(rates)) == 19 and rates[-1] == pytest.approx(0.1)
    assert all(a >= b for a, b in zip(rates[19:], rates[20:], strict=False))
