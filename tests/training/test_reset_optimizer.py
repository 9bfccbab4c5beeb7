"""reset_optimizer: a fresh AdamW at every stage boundary (as Coconut, arXiv 2412.06769), the schedule kept."""

from __future__ import annotations

import pytest
import torch

from rt_explore.tasks import get_task
from rt_explore.training.loop import train
from rt_explore.training.project import load_project
from rt_explore.training.stages import project_stages

FAST_EVAL = {"eval_batches": 1, "eval_batch_size": 8}


class Recorder:
    """Stands in for torch.optim.AdamW: every optimiser the loop makes, with its state after each step."""

    def __init__(self, monkeypatch):
        self.made: list[torch.optim.AdamW] = []
        real = torch.optim.AdamW

        def make(*args, **kwargs):
            optimizer = real(*args, **kwargs)
            self.made.append(optimizer)
            return optimizer

        monkeypatch.setattr(torch.optim, "AdamW", make)

    def steps_taken(self, optimizer) -> int:
        """AdamW's own step count (the same for every parameter): how many steps this state has seen."""
        counts = {int(state["step"]) for state in optimizer.state.values()}
        assert len(counts) == 1
        return counts.pop()


def run(project, *, reset: bool, stages: str = "feedforward:3,recurrent", steps: int = 7, on_step=None):
    task = get_task("parity", max_train_length=4)
    return train(project, task, steps=steps, seed=3, batch_size=4, on_step=on_step,
                 stages=project_stages(project, stages, steps), reset_optimizer=reset, **FAST_EVAL)


@pytest.fixture
def looped(tmp_path, scaffolded):
    return load_project(scaffolded(tmp_path / "p", "depth/sequence", recurrence_steps=3))


def test_each_stage_after_the_first_starts_with_a_fresh_optimiser_state(looped, monkeypatch):
    recorder = Recorder(monkeypatch)
    seen = []  # (step, optimiser in use, its step count) after each step

    def on_step(info):
        current = recorder.made[-1]
        seen.append((info.step, len(recorder.made), recorder.steps_taken(current)))

    result = run(looped, reset=True, on_step=on_step)
    assert len(recorder.made) == 2
    # steps 1-3 on the first AdamW; at step 4 (the recurrent stage's first) a new one starts counting from 1
    assert seen == [(1, 1, 1), (2, 1, 2), (3, 1, 3), (4, 2, 1), (5, 2, 2), (6, 2, 3), (7, 2, 4)]
    assert result.extra["reset_optimizer"] is True


def test_the_curriculum_resets_at_each_of_its_stages(looped, monkeypatch):
    recorder = Recorder(monkeypatch)
    result = run(looped, reset=True, stages="curriculum", steps=9)
    assert [s["first_step"] for s in result.stages] == [1, 4, 7]
    assert [recorder.steps_taken(o) for o in recorder.made] == [3, 3, 3]


def test_without_the_reset_one_optimiser_sees_every_step(looped, monkeypatch):
    recorder = Recorder(monkeypatch)
    result = run(looped, reset=False)
    assert [recorder.steps_taken(o) for o in recorder.made] == [7] and "reset_optimizer" not in result.extra


def test_the_reset_changes_training_only_from_the_boundary_and_keeps_the_learning_rate_schedule(looped):
    rates = {True: [], False: []}
    kept = run(looped, reset=False, on_step=lambda info: rates[False].append(info.lr))
    fresh = run(looped, reset=True, on_step=lambda info: rates[True].append(info.lr))
    assert fresh.loss_curve[:4] == kept.loss_curve[:4]  # the fresh state first acts at step 4's update
    assert fresh.loss_curve[4:] != kept.loss_curve[4:]
    assert rates[True] == rates[False]


def test_a_reset_needs_stages(looped):
    with pytest.raises(ValueError, match="reset_optimizer resets the optimiser at stage boundaries; give stages"):
        train(looped, get_task("parity", max_train_length=4), steps=3, reset_optimizer=True, **FAST_EVAL)
