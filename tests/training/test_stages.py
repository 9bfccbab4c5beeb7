"""Multi-stage training: the schedule syntax, the per-cell knob, and the switch between optimiser steps."""

from __future__ import annotations

import json

import pytest

from rt_explore.codegen import resolve_options
from rt_explore.codegen.cores import BY_CELL, CORES
from rt_explore.errors import UsageError
from rt_explore.tasks import get_task
from rt_explore.taxonomy import load_taxonomy, parse_cell_spec
from rt_explore.training.loop import fit, train
from rt_explore.training.metrics import write_metrics
from rt_explore.training.project import load_project

KNOBS = {cell: core.knobs[cell] for cell, core in BY_CELL.items() if cell in core.knobs}

from rt_explore.training.stages import (  # noqa: E402
    StageRequest,
    StageSwitch,
    parse_stages,
    plan_stages,
    project_stages,
    stage_knob,
)

LATENT = {"axis": "depth+step", "step_unit": "latent"}
DEPTH = {"axis": "depth", "step_unit": "sequence"}
FAST_EVAL = {"eval_batches": 1, "eval_batch_size": 8}


def plan(text: str, cell=LATENT, configured: int = 2, steps: int = 10):
    return [(s.name, s.value, s.first_step, s.steps) for s in plan_stages(text, cell=cell, configured=configured,
                                                                          steps=steps).stages]


def test_a_schedule_is_settings_and_steps_separated_by_commas():
    assert parse_stages("feedforward:300, recurrent:700") == [StageRequest("feedforward", 300),
                                                              StageRequest("recurrent", 700)]
    assert parse_stages("0:2,1:3,2") == [StageRequest(0, 2), StageRequest(1, 3), StageRequest(2, None)]
    assert parse_stages("curriculum") == [StageRequest("curriculum", None)]


def test_the_last_stage_may_leave_its_steps_out_and_takes_the_rest():
    assert plan("feedforward:3,recurrent") == [("feedforward", 0, 1, 3), ("recurrent", 2, 4, 7)]
    assert plan("feedforward:4,recurrent:6", cell=DEPTH, configured=4) == [("feedforward", 1, 1, 4),
                                                                           ("recurrent", 4, 5, 6)]


def test_numbers_between_feedforward_and_the_configured_value_are_named_by_their_field():
    assert plan("0:2,1:3,2") == [("feedforward", 0, 1, 2), ("latent_steps=1", 1, 3, 3), ("recurrent", 2, 6, 5)]


def test_the_curriculum_raises_the_recurrence_by_one_per_equal_stage_and_gives_the_remainder_to_the_last():
    assert plan("curriculum", steps=10) == [("feedforward", 0, 1, 3), ("latent_steps=1", 1, 4, 3),
                                            ("recurrent", 2, 7, 4)]
    assert [name for name, *_ in plan("curriculum", cell=DEPTH, configured=3, steps=9)] == [
        "feedforward", "recurrence_steps=2", "recurrent"]


@pytest.mark.parametrize("text, message", [
    ("", "empty stage"),
    ("feedforward:3,,recurrent", "empty stage"),
    ("pretrain:3,recurrent", "unknown stage 'pretrain:3'"),
    ("feedforward:x,recurrent", "positive whole number"),
    ("feedforward:0,recurrent", "positive whole number"),
    ("feedforward:-2,recurrent", "positive whole number"),
    ("feedforward:\u00b2,recurrent", "positive whole number"),
    ("\u00b2:3,recurrent", "unknown stage"),
    ("feedforward,recurrent:3", "only the last stage"),
    ("curriculum,recurrent", "'curriculum' stands alone"),
    ("curriculum:10", "'curriculum' stands alone"),
    ("feedforward:3,recurrent:3", "add up to 6, but --steps is 10"),
    ("feedforward:10,recurrent", "leaving none of --steps 10"),
    ("recurrent:3,feedforward", "last stage must train the configured recurrence"),
    ("feedforward:3,5", "stage 5 is outside latent_steps 0 (feedforward) .. 2 (configured)"),
])
def test_a_bad_schedule_is_one_usage_error_line_saying_what_is_wrong(text, message):
    with pytest.raises(UsageError) as info:
        plan_stages(text, cell=LATENT, configured=2, steps=10)
    assert message in str(info.value) and "\n" not in str(info.value)
    assert str(info.value).startswith("--stages: ")


def test_a_curriculum_longer_than_the_run_is_refused():
    with pytest.raises(UsageError, match="the curriculum has 5 stages"):
        plan_stages("curriculum", cell=DEPTH, configured=5, steps=3)


def test_a_project_already_at_its_feedforward_value_has_nothing_to_switch_on():
    with pytest.raises(UsageError, match="recurrence_steps=1, its feedforward value"):
        plan_stages("feedforward:3,recurrent", cell=DEPTH, configured=1, steps=10)


@pytest.mark.parametrize("cell", ["none", "step/chunk", "step/token", "step/ponder", "depth+step/chunk",
                                  "depth+step/token"])
def test_cells_whose_recurrence_cannot_be_switched_off_are_refused_with_the_reason(cell):
    axis, _, unit = cell.partition("/")
    with pytest.raises(UsageError) as info:
        stage_knob({"axis": axis, **({"step_unit": unit} if unit else {})})
    assert f"{cell} cannot be trained in stages: " in str(info.value) and "\n" not in str(info.value)


def test_every_generated_core_is_either_stageable_or_refused_and_every_knob_is_an_option_of_its_cell():
    for core in CORES:
        for cell in set(core.cells) - set(core.knobs):
            assert core.no_knob, cell  # a cell without a knob says why
    for (axis, unit), knob in KNOBS.items():
        options = resolve_options(parse_cell_spec(f"{axis}/{unit}", load_taxonomy()), {})
        assert options[knob.field] > knob.off, (axis, unit)


def test_the_switch_times_each_stage_and_puts_the_configured_value_back():
    class Config:
        latent_steps = 2

    ticks, cpu_ticks = iter([0.0, 1.5, 4.0]), iter([0.0, 1.0, 2.0])
    config, seen = Config(), []
    switch = StageSwitch(config, plan_stages("feedforward:2,recurrent", cell=LATENT, configured=2, steps=5),
                         clock=lambda: next(ticks), cpu_clock=lambda: next(cpu_ticks))
    for step in range(1, 6):
        switch(step)
        seen.append(config.latent_steps)
    config.latent_steps = 7  # whatever the run left, the configured value comes back
    records = switch.finish()
    assert seen == [0, 0, 2, 2, 2] and config.latent_steps == 2
    assert [(r["name"], r["value"], r["first_step"], r["steps"], r["seconds"], r["cpu_seconds"])
            for r in records] == [("feedforward", 0, 1, 2, 1.5, 1.0), ("recurrent", 2, 3, 3, 2.5, 1.0)]


@pytest.mark.parametrize("cell", [f"{axis}/{unit}" for axis, unit in KNOBS])
def test_every_stageable_cell_trains_with_its_field_switched_at_the_right_steps(cell, tmp_path, scaffolded):
    project = load_project(scaffolded(tmp_path / "p", cell))
    knob = stage_knob(project.cell)
    schedule = project_stages(project, "feedforward:2,recurrent", 4)
    model = project.build(4)
    configured = getattr(model.config, knob.field)
    seen = []
    switch = StageSwitch(model.config, schedule)
    losses = fit(model, get_task("parity", max_train_length=4), steps=4, batch_size=2, before_step=switch,
                 on_step=lambda *_: seen.append(getattr(model.config, knob.field)))
    switch.finish()
    assert seen == [knob.off, knob.off, configured, configured] and len(losses) == 4
    assert getattr(model.config, knob.field) == configured


def test_a_staged_run_records_its_stages_and_is_deterministic_for_a_seed(tmp_path, scaffolded):
    project = load_project(scaffolded(tmp_path / "p", "depth/sequence", recurrence_steps=3))
    task = get_task("parity", max_train_length=4)
    schedule = project_stages(project, "feedforward:3,recurrent", 5)
    first = train(project, task, steps=5, seed=1, batch_size=4, stages=schedule, **FAST_EVAL)
    again = train(project, task, steps=5, seed=1, batch_size=4, stages=schedule, **FAST_EVAL)
    assert first.loss_curve == again.loss_curve
    assert [(s["name"], s["field"], s["value"], s["steps"]) for s in first.stages] == [
        ("feedforward", "recurrence_steps", 1, 3), ("recurrent", "recurrence_steps", 3, 2)]
    assert all(s["seconds"] > 0 for s in first.stages)
    assert first.trained_recurrence_steps == 3  # evaluated as configured
    written = json.loads(write_metrics(tmp_path / "p", first).read_text())
    assert written["stages"] == first.stages


def test_one_recurrent_stage_trains_exactly_like_no_stages(tmp_path, scaffolded):
    project = load_project(scaffolded(tmp_path / "p", "depth+step/latent", latent_steps=1))
    task = get_task("parity", max_train_length=4)
    plain = train(project, task, steps=3, seed=2, batch_size=4, **FAST_EVAL)
    staged = train(project, task, steps=3, seed=2, batch_size=4, stages=project_stages(project, "recurrent", 3),
                   **FAST_EVAL)
    assert plain.stages is None and [s["name"] for s in staged.stages] == ["recurrent"]
    assert staged.loss_curve == plain.loss_curve and staged.test_accuracy == plain.test_accuracy


def test_a_schedule_for_another_number_of_steps_is_a_programming_error(tmp_path, scaffolded):
    project = load_project(scaffolded(tmp_path / "p", "depth/sequence"))
    with pytest.raises(ValueError, match="the stages take 4 steps, the run 5"):
        train(project, get_task("parity", max_train_length=4), steps=5,
              stages=project_stages(project, "feedforward:2,recurrent", 4), **FAST_EVAL)
