"""Staged-training experiments: reset_optimizer as a training setting and the time_to measure, keys to report."""

from __future__ import annotations

from rt_explore.experiments.plan import load_experiment
from rt_explore.experiments.report import build_report, write_report
from rt_explore.experiments.runner import run_experiment
from rt_explore.experiments.store import read_runs

STAGED = """\
name: staged
question: Does a fresh optimiser per stage reach the target sooner?
claim: {text: Coconut resets the optimiser per stage, paper: "Training Large Language Models to Reason in a
        Continuous Latent Space", arxiv: "2412.06769", figure: "Sec. 4.1"}
options: {dim: 16, n_layers: 1, n_heads: 2, mlp_ratio: 2.0}
variants:
  - {id: loop, cell: depth/sequence, options: {recurrence_steps: 2}}
  - {id: ff-first, cell: depth/sequence, options: {recurrence_steps: 2}, training: {stages: "feedforward:5,recurrent"}}
  - {id: ff-first-reset, cell: depth/sequence, options: {recurrence_steps: 2},
     training: {stages: "feedforward:5,recurrent", reset_optimizer: true}}
tasks:
  - {name: parity, params: {max_train_length: 4}, test_lengths: [4, 8], variants: [loop, ff-first]}
  - {id: parity-soon, name: parity, params: {max_train_length: 4}, test_lengths: [4, 8],
     variants: [ff-first, ff-first-reset], measures: [{time_to: {target: 0.01}}]}
  # at least 3 bits per sequence, so that 8 sequences are not all right by chance
  - {id: parity-never, name: parity, params: {min_train_length: 3, max_train_length: 4}, test_lengths: [4, 8],
     variants: [loop], measures: [time_to]}
seeds: 1
budget: {steps: 10, batch_size: 8}
evaluation: {batches: 1, batch_size: 8}
measures: [train_accuracy, accuracy, scaled]
comparisons:
  - {a: ff-first-reset, b: ff-first, task: parity-soon, length: 8, measure: accuracy_at_target}
"""


def keys(path) -> dict[tuple[str, str, int], str]:
    return {(r.variant, r.task, r.seed): r.key for r in load_experiment(path).matrix()}


def test_reset_false_is_no_setting_and_reset_true_is_a_training_of_its_own(tmp_path, experiment_file):
    base = keys(experiment_file(tmp_path, STAGED))
    spelled = keys(experiment_file(tmp_path, STAGED.replace(
        'training: {stages: "feedforward:5,recurrent"}}',
        'training: {stages: "feedforward:5,recurrent", reset_optimizer: false}}'), name="false.yaml"))
    assert spelled == base
    run = {r.variant: r for r in load_experiment(experiment_file(tmp_path, STAGED)).matrix()
           if r.task == "parity-soon"}
    assert run["ff-first-reset"].definition["training"] == {"stages": "feedforward:5,recurrent",
                                                            "reset_optimizer": True}
    assert "reset_optimizer" not in run["ff-first"].definition["training"]


def test_a_task_entry_adds_time_to_to_its_own_runs_only(tmp_path, experiment_file):
    experiment = load_experiment(experiment_file(tmp_path, STAGED))
    extra = {(r.variant, r.task): r.definition["evaluation"]["extra"] for r in experiment.matrix()}
    assert extra[("ff-first", "parity")] == {}
    assert extra[("ff-first", "parity-soon")] == {"time_to": {"target": 0.01}}
    assert extra[("loop", "parity-never")] == {"time_to": {"target": 0.99}}  # the default target
    # the runs of the entry without it keep the keys they have in a file without the other entries
    alone = STAGED[: STAGED.index("  - {id: parity-soon")] + STAGED[STAGED.index("seeds: 1"):]
    alone = alone[: alone.index("comparisons:")]
    assert keys(experiment_file(tmp_path, alone, name="alone.yaml")).items() <= keys(
        experiment_file(tmp_path, STAGED)).items()


def test_time_to_is_recorded_where_reached_and_absent_where_not_and_reaches_the_report(tmp_path, experiment_file,
                                                                                      single_thread):
    experiment = load_experiment(experiment_file(tmp_path, STAGED))
    report = run_experiment(experiment, tmp_path / "r.db")
    assert report.stored == 5 and not report.errors, report.errors
    measures = {(r["variant"], r["task"]): r["record"]["measures"] for r in read_runs(tmp_path / "r.db")}
    assert "time_to" not in measures[("ff-first", "parity")]
    assert "time_to" not in measures[("loop", "parity-never")]  # 0.99 is not reached in 10 steps
    for variant in ("ff-first", "ff-first-reset"):
        reached = measures[(variant, "parity-soon")]["time_to"]
        assert reached["target"] == 0.01 and reached["stage"] == "feedforward" and reached["step"] <= 5
        assert set(reached["test_accuracy"]) == {"4", "8"} and set(reached["test_accuracy_new"]) == {"8"}
    # a reset that has not happened yet changes nothing: both runs are the same up to step 5
    soon = {v: measures[(v, "parity-soon")]["time_to"] for v in ("ff-first", "ff-first-reset")}
    assert soon["ff-first"]["step"] == soon["ff-first-reset"]["step"]
    assert soon["ff-first"]["test_accuracy"] == soon["ff-first-reset"]["test_accuracy"]

    data = build_report(experiment, tmp_path / "r.db")
    by = {(t["variant"], t["task"]): t for t in data["time_to"]}
    assert set(by) == {("ff-first", "parity-soon"), ("ff-first-reset", "parity-soon"), ("loop", "parity-never")}
    assert (by[("loop", "parity-never")]["reached"], by[("loop", "parity-never")]["n"]) == (0, 1)
    assert by[("loop", "parity-never")]["steps"] is None
    assert by[("ff-first", "parity-soon")]["stages"] == {"feedforward": 1}
    assert by[("ff-first", "parity-soon")]["by_length"]["8"]["mean"] == soon["ff-first"]["test_accuracy_new"]["8"]
    comparison = data["comparisons"][0]
    assert comparison["measure"] == "accuracy_at_target"
    assert comparison["a_summary"]["mean"] == soon["ff-first-reset"]["test_accuracy_new"]["8"]
    write_report(experiment, tmp_path / "r.db", tmp_path / "out", figure=False)
    text = (tmp_path / "out" / "staged.md").read_text()
    assert "## Accuracy when training first reached the target" in text
    assert "Task parity-never, target 0.99." in text and "| 0/1 |" in text
    assert "reset_optimizer=true" in text
