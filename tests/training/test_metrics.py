"""metrics.json is written whole or not at all."""

from __future__ import annotations

import json
import os

import pytest

from rt_explore.atomic import write_json
from rt_explore.tasks import get_task
from rt_explore.training.loop import train
from rt_explore.training.metrics import write_metrics
from rt_explore.training.project import load_project


def test_metrics_json_holds_the_result_with_string_lengths(tmp_path, fake_project):
    folder = fake_project(tmp_path / "p")
    result = train(load_project(folder), get_task("parity", max_train_length=4), steps=2, batch_size=4,
                   eval_batches=1, eval_batch_size=8)
    path = write_metrics(folder, result)
    data = json.loads(path.read_text())
    assert path == folder / "metrics.json"
    assert {"task", "steps", "seconds", "final_loss", "train_accuracy", "test_accuracy", "first_loss",
            "tokens_per_second", "frontier", "loss_curve"} <= data.keys()
    assert data["test_accuracy"].keys() == {"4", "8", "16"} and len(data["loss_curve"]) == 2
    assert [p.name for p in folder.iterdir() if p.name.startswith(".metrics")] == []


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "metrics.json"
    target.write_text('{"old": true}')

    def refuse(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        write_json(target, {"new": True})
    assert json.loads(target.read_text()) == {"old": True}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metrics.json"]


def test_a_value_that_is_not_json_leaves_the_old_file(tmp_path):
    target = tmp_path / "metrics.json"
    target.write_text('{"old": true}')
    with pytest.raises(TypeError):
        write_json(target, {"new": object()})
    assert json.loads(target.read_text()) == {"old": True}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metrics.json"]
