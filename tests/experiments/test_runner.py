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


EXTRAS = """\
name: extras
question: Do the extra measures reach the report?
claim: {text: Flip-flop reads, paper: "Exposing Attention Glitches with Flip-Flop Language Modeling",
        arxiv: "2306.00946", figure: "Figure 1"}
options: {dim: 16, n_layers: 1, n_heads: 2, mlp_ratio: 2.0}
variants:
  - {id: transformer, cell: none}
  - {id: loop, cell: depth/sequence, options: {recurrence_steps: 2}}
tasks:
  - {name: flip-flop, params: {max_train_length: 8, test_p_ignore: "0.98,0.1"}, test_lengths: [8, 16]}
seeds: 1
budget: {steps: 10, batch_size: 8}
evaluation: {batches: 1, batch_size: 8}
measures: [train_accuracy, accuracy, scaled, error_rate, test_variants, {frontier: {iterations: [1, 3]}}, rank,
           {stability: {iterations: 4, batch: 2}}, {learning_curve: {every: 5}}]
comparisons:
  - {a: loop, b: transformer, task: flip-flop, length: 16, measure: error_rate, test_variant: "FFL(0.98)"}
"""


def test_extra_measures_are_taken_from_the_trained_model_and_reach_the_report(tmp_path, experiment_file,
                                                                              single_thread):
    from rt_explore.experiments.report import write_report

    experiment = load_experiment(experiment_file(tmp_path, EXTRAS, name="extras.yaml"))
    report = run_experiment(experiment, tmp_path / "r.db")
    assert report.stored == 2 and not report.errors, report.errors
    measures = {r["variant"]: r["record"]["measures"] for r in read_runs(tmp_path / "r.db")}
    assert set(measures["transformer"]) == {"test_variants", "rank", "learning_curve"}
    assert set(measures["loop"]) == {"test_variants", "frontier", "stability", "learning_curve"}
    assert set(measures["loop"]["test_variants"]) == {"FFL(0.98)", "FFL(0.1)"}
    assert list(measures["loop"]["frontier"]) == ["1", "3"] and len(measures["loop"]["stability"]) == 4
    assert [point[0] for point in measures["loop"]["learning_curve"]] == [5, 10]
    assert len(measures["transformer"]["rank"]) == 2  # after the embedding and after the one layer
    write_report(experiment, tmp_path / "r.db", tmp_path / "out")
    text = (tmp_path / "out" / "extras.md").read_text()
    for words in ("tested on FFL(0.98)", "Error rate", "Accuracy against test-time iterations", "rank probe",
                  "stability probe", "Time to fit", "FFL(0.98) @ 16"):
        assert words in text, words
    # The rank probe's centred rank and Dong et al.'s residual ratio stand beside the uncentred rank, in the
    # last-layer summary and in the per-layer table.
    assert "| variant | task | n | layer | effective_rank | centred_effective_rank | residual_ratio |" in text
    assert "| layer | effective_rank | centred_effective_rank | residual_ratio | mean_cosine |" in text
    # The figure has a panel for each rank figure and one per frontier length (the four longest).
    from rt_explore.experiments.figures import figure_panels
    from rt_explore.experiments.report import build_report

    _, panels = figure_panels(build_report(experiment, tmp_path / "r.db"))
    assert ("rank", ("flip-flop", "centred_effective_rank")) in panels
    assert ("rank", ("flip-flop", "residual_ratio")) in panels
    assert [key for kind, key in panels if kind == "frontier"] == [("flip-flop", "8"), ("flip-flop", "16")]
