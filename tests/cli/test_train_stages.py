"""train --stages as a user runs it: stages in the JSON and in metrics.json, one-line errors with exit 2."""

from __future__ import annotations

import json

import pytest

from rt_explore.cli import main
from rt_explore.codegen import generate, spec_from_cell
from rt_explore.taxonomy import load_taxonomy

TINY = {"dim": "16", "n_layers": "1", "n_heads": "2", "mlp_ratio": "2.0"}


def make_project(tmp_path, cell: str, **options):
    out = tmp_path / cell.replace("/", "-")
    generate(spec_from_cell(cell, load_taxonomy(), {**TINY, **options}, None), out)
    return out


@pytest.fixture
def depth_project(tmp_path):
    """A real generated depth/sequence project with tiny options and 3 recurrence steps."""
    return make_project(tmp_path, "depth/sequence", recurrence_steps="3")


def test_train_with_stages_reports_each_stage_in_the_json_and_in_metrics_json(depth_project, capsys):
    code = main(["train", str(depth_project), "--steps", "5", "--stages", "feedforward:3,recurrent", "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert [(s["name"], s["value"], s["first_step"], s["steps"]) for s in data["stages"]] == [
        ("feedforward", 1, 1, 3), ("recurrent", 3, 4, 2)]
    assert all(s["field"] == "recurrence_steps" and s["seconds"] >= 0 for s in data["stages"])
    assert data["steps"] == 5 and data["trained_recurrence_steps"] == 3
    assert json.loads((depth_project / "metrics.json").read_text())["stages"] == data["stages"]


def test_train_without_stages_records_none(depth_project, capsys):
    assert main(["train", str(depth_project), "--steps", "2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["stages"] is None


def test_a_latent_project_takes_the_curriculum_and_prints_a_stage_table(tmp_path, capsys):
    project = make_project(tmp_path, "depth+step/latent", latent_steps="2")
    assert main(["train", str(project), "--task", "parity", "--steps", "3", "--stages", "curriculum"]) == 0
    out = capsys.readouterr().out
    assert "stages" in out and "latent_steps=0" in out and "latent_steps=1" in out and "latent_steps=2" in out


@pytest.mark.parametrize("stages, message", [
    ("warmup:2,recurrent", "unknown stage 'warmup:2'"),
    ("feedforward:2,recurrent:2", "add up to 4, but --steps is 5"),
    ("feedforward:5", "last stage must train the configured recurrence"),
    ("feedforward:two,recurrent", "positive whole number"),
    ("9:2,recurrent", "stage 9 is outside recurrence_steps 1 (feedforward) .. 3 (configured)"),
])
def test_a_bad_schedule_exits_2_with_one_line_and_writes_nothing(depth_project, capsys, stages, message):
    assert main(["train", str(depth_project), "--steps", "5", "--stages", stages, "--json"]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert captured.out == "" and len(lines) == 1 and message in lines[0] and "--stages" in lines[0]
    assert not (depth_project / "metrics.json").exists()


def test_a_cell_without_a_recurrence_to_switch_exits_2_with_the_reason(tmp_path, capsys):
    project = make_project(tmp_path, "step/token")
    assert main(["train", str(project), "--steps", "4", "--stages", "feedforward:2,recurrent"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "step/token cannot be trained in stages" in lines[0]


def test_the_train_help_documents_the_stage_syntax(capsys):
    assert main(["train", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "--stages" in out and "feedforward:300,recurrent" in out and "curriculum" in out
