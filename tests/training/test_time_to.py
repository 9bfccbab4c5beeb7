"""time_to: the test-length accuracy at the step whose training-batch accuracy first reaches a target."""

from __future__ import annotations

import pytest

import rt_explore.training.loop as loop
from rt_explore.tasks import get_task
from rt_explore.training.loop import train
from rt_explore.training.project import load_project
from rt_explore.training.stages import project_stages

FAST_EVAL = {"eval_batches": 1, "eval_batch_size": 8}
TASK = {"max_train_length": 4}


@pytest.fixture
def gru(tmp_path, fake_project):
    return load_project(fake_project(tmp_path / "gru"))


def accuracies(project, steps: int = 30, seed: int = 0) -> tuple[list[float], object]:
    seen: list[float] = []
    result = train(project, get_task("parity", **TASK), steps=steps, seed=seed, batch_size=8,
                   on_step=lambda info: seen.append(info.accuracy), **FAST_EVAL)
    return seen, result


def test_it_is_recorded_once_at_the_first_step_that_reaches_the_target_and_leaves_training_alone(
        gru, monkeypatch):
    # a seed whose training-batch accuracy sets a new high after step 1 and reaches it again later
    for seed in range(10):
        seen, plain = accuracies(gru, seed=seed)
        highs = [k for k in range(2, len(seen) + 1) if seen[k - 1] > max(seen[: k - 1])]
        found = [k for k in highs if sum(a >= seen[k - 1] for a in seen) > 1]
        if found:
            first, target = found[0], seen[found[0] - 1]
            break
    else:
        pytest.fail("no seed gave a usable target")
    calls = []
    real = loop._score_now
    monkeypatch.setattr(loop, "_score_now", lambda *a, **k: calls.append(a) or real(*a, **k))
    timed = []
    result = train(gru, get_task("parity", **TASK), steps=30, seed=seed, batch_size=8, time_to=target,
                   on_step=timed.append, **FAST_EVAL)
    assert len(calls) == 1
    reached = result.extra["time_to"]
    assert reached["target"] == target and reached["step"] == first
    assert reached["train_batch_accuracy"] == seen[first - 1] >= target
    assert set(reached["test_accuracy"]) == {"4", "8", "16"} and set(reached["test_accuracy_new"]) == {"8", "16"}
    assert 0 < reached["seconds"] <= plain.seconds
    assert "stage" not in reached  # no stages
    # the same training: losses, final scores and per-step accuracies are those of the run without it
    assert result.loss_curve == plain.loss_curve and result.test_accuracy == plain.test_accuracy
    assert [info.accuracy for info in timed] == seen
    # the evaluation's seconds are counted apart, from the step it ran at
    assert all(info.evaluation_seconds == 0 for info in timed[: first - 1])
    assert all(info.evaluation_seconds > 0 for info in timed[first - 1 :])


def test_it_is_absent_when_the_target_is_never_reached(gru):
    result = train(gru, get_task("parity", **TASK), steps=2, seed=0, batch_size=8, time_to=1.0, **FAST_EVAL)
    seen, _ = accuracies(gru, steps=2)
    assert max(seen) < 1.0 and "time_to" not in result.extra


def test_under_stages_it_names_the_stage_the_model_was_in(tmp_path, scaffolded):
    project = load_project(scaffolded(tmp_path / "p", "depth/sequence", recurrence_steps=2))
    seen = []
    result = train(project, get_task("parity", **TASK), steps=6, seed=0, batch_size=4, time_to=0.01,
                   stages=project_stages(project, "feedforward:3,recurrent", 6), on_step=seen.append, **FAST_EVAL)
    step = next(info.step for info in seen if info.accuracy >= 0.01)
    assert result.extra["time_to"]["step"] == step
    assert result.extra["time_to"]["stage"] == ("feedforward" if step <= 3 else "recurrent")


@pytest.mark.parametrize("target", [0.0, 1.5])
def test_a_target_outside_zero_to_one_is_refused(gru, target):
    with pytest.raises(ValueError, match="time_to is a training accuracy in"):
        train(gru, get_task("parity", **TASK), steps=2, time_to=target, **FAST_EVAL)
