"""The runner: a matrix stored run by run, resumed without repeats; diverged runs stored, broken ones retried."""

from __future__ import annotations

import torch

from rt_explore.experiments import execute
from rt_explore.experiments.plan import load_experiment
from rt_explore.experiments.runner import experiment_status, run_experiment
from rt_explore.experiments.store import read_runs


def test_a_matrix_is_stored_run_by_run_and_a_second_run_skips_it(tmp_path, tiny, single_thread):
    experiment, db, events = load_experiment(tiny), tmp_path / "r.db", []
    assert {s for _, s, _ in experiment_status(experiment, db)} == {"to do"}
    assert not db.exists()
    report = run_experiment(experiment, db, on_event=events.append)
    assert (report.total, report.stored, report.skipped, report.errors) == (4, 4, 0, [])
    assert [e.kind for e in events] == ["planned"] + ["started", "finished"] * 4
    assert [e.done for e in events if e.kind == "finished"] == [1, 2, 3, 4]
    rows = read_runs(db)
    assert sorted(r["key"] for r in rows) == sorted(r.key for r in experiment.matrix())
    assert all(r["status"] == "ok" and r["record"]["steps"] == 20 for r in rows)
    again = run_experiment(experiment, db)
    assert (again.stored, again.skipped) == (0, 4)
    assert {s for _, s, _ in experiment_status(experiment, db)} == {"done"}
    more = run_experiment(experiment, db, seeds=(0, 1, 2))
    assert (more.stored, more.skipped) == (2, 4) and len(read_runs(db)) == 6


def test_a_diverged_run_is_stored_as_diverged_with_its_reason(tmp_path, tiny, monkeypatch, single_thread):
    import rt_explore.training.loop as loop

    real = loop.train

    def nan_for_delta(project, task, **kw):
        if project.cell["axis"] == "step":
            kw["loss_hook"] = lambda step, loss: loss * torch.tensor(float("nan")) if step == 3 else loss
        return real(project, task, **kw)

    monkeypatch.setattr(loop, "train", nan_for_delta)
    experiment, db = load_experiment(tiny), tmp_path / "r.db"
    report = run_experiment(experiment, db, seeds=(0,))
    assert report.stored == 2 and [r.variant for r, _ in report.diverged] == ["delta"]
    assert "non-finite loss" in report.diverged[0][1]
    status = {r.variant: (s, why) for r, s, why in experiment_status(experiment, db, (0,))}
    assert status["transformer"] == ("done", None)
    assert status["delta"][0] == "diverged" and "step 3" in status["delta"][1]
    assert run_experiment(experiment, db, seeds=(0,)).skipped == 2  # a result: not run again


def test_a_run_that_raises_is_failed_not_stored_and_runs_again_next_time(tmp_path, tiny, monkeypatch, single_thread):
    import rt_explore.codegen as codegen

    real = codegen.generate

    def broken(spec, out, **kw):
        if spec.cell["axis"] == "step":
            raise RuntimeError("the template is broken")
        return real(spec, out, **kw)

    monkeypatch.setattr(execute, "_PROJECTS", {})
    monkeypatch.setattr(codegen, "generate", broken)
    experiment, db = load_experiment(tiny), tmp_path / "r.db"
    report = run_experiment(experiment, db, seeds=(0,), workdir=str(tmp_path / "w"))
    assert report.stored == 1 and [(r.variant, why) for r, why in report.errors] == [
        ("delta", "RuntimeError: the template is broken")]
    status = {r.variant: (s, why) for r, s, why in experiment_status(experiment, db, (0,))}
    assert status["delta"] == ("failed", "RuntimeError: the template is broken")
    monkeypatch.setattr(codegen, "generate", real)
    again = run_experiment(experiment, db, seeds=(0,), workdir=str(tmp_path / "w"))
    assert (again.stored, again.skipped, again.errors) == (1, 1, [])
    assert {s for _, s, _ in experiment_status(experiment, db, (0,))} == {"done"}
