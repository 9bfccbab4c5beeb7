"""Random depth in training: every step draws its recurrence from a range; evaluation uses the configured one."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from rt_explore.errors import UsageError
from rt_explore.tasks import get_task
from rt_explore.training.loop import train
from rt_explore.training.project import load_project
from rt_explore.training.random_depth import DepthRange, RandomDepth, parse_depth_range

DEPTH = {"axis": "depth", "step_unit": "sequence"}


def test_a_range_is_parsed_for_the_cells_knob():
    assert parse_depth_range("2:5", cell=DEPTH, configured=3) == DepthRange("recurrence_steps", 2, 5, 3)
    latent = parse_depth_range("0:2", cell={"axis": "depth+step", "step_unit": "latent"}, configured=2)
    assert latent.field == "latent_steps" and latent.low == 0


@pytest.mark.parametrize("text, cell, message", [
    ("4", DEPTH, "LOW:HIGH"),
    ("a:b", DEPTH, "LOW:HIGH"),
    ("5:2", DEPTH, "LOW <= HIGH"),
    ("0:2", DEPTH, "1 <= LOW"),
    ("1:2", {"axis": "step", "step_unit": "token"}, "no depth to draw"),
])
def test_bad_ranges_and_cells_without_a_depth_are_refused_in_one_line(text, cell, message):
    with pytest.raises(UsageError, match=message) as info:
        parse_depth_range(text, cell=cell, configured=3)
    assert "\n" not in str(info.value)


def test_the_hook_draws_within_the_range_deterministically_and_restores_the_configured_value():
    def draws(seed):
        config = SimpleNamespace(recurrence_steps=3)
        hook = RandomDepth(config, DepthRange("recurrence_steps", 2, 5, 3), seed)
        seen = []
        for step in range(1, 201):
            hook(step)
            seen.append(config.recurrence_steps)
        record = hook.finish()
        assert config.recurrence_steps == 3 and sum(record["draws"].values()) == 200
        return seen

    first = draws(0)
    assert set(first) == {2, 3, 4, 5} and first == draws(0) and first != draws(1)


def test_training_with_random_depth_changes_the_run_but_evaluates_the_configured_depth(tmp_path, scaffolded,
                                                                                          single_thread):
    project = load_project(scaffolded(tmp_path / "d", "depth/sequence", recurrence_steps=2))
    task = get_task("parity", max_train_length=4)
    depth = DepthRange("recurrence_steps", 1, 4, 2)
    run = {"steps": 6, "batch_size": 4, "eval_batches": 1, "eval_batch_size": 8}
    drawn = train(project, task, random_depth=depth, **run)
    again = train(project, task, random_depth=depth, **run)
    fixed = train(project, task, **run)
    assert drawn.loss_curve == again.loss_curve and drawn.loss_curve != fixed.loss_curve
    assert drawn.trained_recurrence_steps == 2 and sorted(drawn.frontier) == [1, 2, 3, 4]
    assert sum(drawn.extra["random_depth"]["draws"].values()) == 6


def test_the_command_line_records_the_draws_and_refuses_random_depth_with_stages(tmp_path, scaffolded, capsys):
    import json

    from rt_explore.cli import main

    folder = scaffolded(tmp_path / "d", "depth/sequence", recurrence_steps=2)
    assert main(["train", str(folder), "--steps", "3", "--random-depth", "1:3", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["extra"]["random_depth"]["low"] == 1 and data["trained_recurrence_steps"] == 2
    assert main(["train", str(folder), "--steps", "3", "--random-depth", "1:3", "--stages", "curriculum"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "choose one" in lines[0]
