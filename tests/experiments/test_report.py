"""Reports come from the store alone: intervals over seeds, training beside test accuracy, a verdict per comparison."""

from __future__ import annotations

import datetime
import json

from rt_explore.experiments import store
from rt_explore.experiments.index import write_index
from rt_explore.experiments.plan import load_experiment
from rt_explore.experiments.report import build_report, write_report
from rt_explore.experiments.runner import run_row

# Hand-made accuracies at length 16 (past the training length 8), by variant and seed.
AT_16 = {"transformer": [0.50, 0.52, 0.49], "delta": [0.99, 1.0, 0.98]}


def record(variant: str, seed: int) -> dict:
    acc = AT_16[variant][seed]
    return {"test_accuracy": {"8": 0.9, "16": acc + 0.1}, "test_accuracy_new": {"16": acc},
            "train_accuracy": 0.95 if variant == "delta" else 0.7, "train_accuracy_by_length": {"8": 0.9},
            "chance": 0.5, "seconds": 2.0, "tokens_per_second": 1000.0, "final_loss": 0.1, "frontier": None}


def hand_made_store(db, experiment, seeds=(0, 1, 2)) -> None:
    conn = store.connect(db)
    for run in experiment.matrix(seeds):
        store.store_run(conn, run_row(run, {"key": run.key, "status": "ok", "reason": None,
                                             "record": record(run.variant, run.seed), "machine": "hand-made"}))
    conn.close()


def test_the_report_pools_seeds_with_intervals_and_decides_the_comparison(tmp_path, tiny):
    experiment = load_experiment(tiny)
    hand_made_store(tmp_path / "r.db", experiment)
    data = build_report(experiment, tmp_path / "r.db", seeds=(0, 1, 2))
    delta = next(r for r in data["results"] if r["variant"] == "delta")
    at_16 = delta["by_length"]["16"]
    assert at_16["past_training"] and at_16["headline"]["n"] == 3
    headline = at_16["headline"]
    assert abs(headline["mean"] - 0.99) < 1e-9 and headline["low"] <= 0.99 <= headline["high"]
    assert abs(at_16["scaled"]["mean"] - 0.98) < 1e-9 and at_16["succeeded"] == 3
    assert abs(delta["by_length"]["8"]["headline"]["mean"] - 0.9) < 1e-9  # in distribution: all positions
    assert delta["train_accuracy"]["mean"] == 0.95
    [comparison] = data["comparisons"]
    assert comparison["verdict"] == "separated: a higher" and comparison["as_expected"] is True
    span = data["runs"].pop("span")
    assert data["runs"] == {"total": 6, "ok": 6, "diverged": 0, "missing": 0, "machines": ["hand-made"],
                            "train_seconds": 12.0}
    # The wall-time span starts at the first run's start (its finish less its seconds), so it covers a run.
    start, end = (datetime.datetime.fromisoformat(span[k]) for k in ("start", "end"))
    assert (end - start).total_seconds() >= 2.0 and span["minutes"] == round((end - start).total_seconds() / 60, 1)


def test_overlapping_intervals_are_not_separated_and_missing_runs_are_counted(tmp_path, tiny):
    experiment = load_experiment(tiny)
    hand_made_store(tmp_path / "r.db", experiment, seeds=(0,))
    data = build_report(experiment, tmp_path / "r.db", seeds=(0, 1, 2))
    assert data["runs"]["missing"] == 4
    assert data["comparisons"][0]["verdict"] == "not separated at n = 1"
    assert next(r for r in data["results"] if r["variant"] == "delta")["missing"] == 2


def test_the_written_report_is_markdown_json_and_a_figure_the_same_every_time(tmp_path, tiny):
    experiment = load_experiment(tiny)
    hand_made_store(tmp_path / "r.db", experiment)
    paths = write_report(experiment, tmp_path / "r.db", tmp_path / "out", seeds=(0, 1, 2))
    assert sorted(p.name for p in paths) == ["tiny.json", "tiny.md", "tiny.png"]
    assert (tmp_path / "out" / "tiny.png").read_bytes().startswith(b"\x89PNG")
    text = (tmp_path / "out" / "tiny.md").read_text()
    assert "| DeltaNet [-1,1] | 3 | 0.95 [0.95, 0.95] | 0.90 [0.90, 0.90] | 0.99 [0.98, 1.00] | 3/3 |" in text
    assert "| - | DeltaNet [-1,1] vs transformer | parity @ 16 | scaled |" in text
    assert "separated: a higher (as expected)" in text and "![" in text and "Table 2: 1.000 vs 0.017" in text
    first = {p.name: p.read_bytes() for p in paths if p.suffix != ".png"}
    write_report(experiment, tmp_path / "r.db", tmp_path / "out", seeds=(0, 1, 2))
    assert {p.name: p.read_bytes() for p in paths if p.suffix != ".png"} == first
    assert json.loads(first["tiny.json"])["name"] == "tiny"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["tiny.json", "tiny.md", "tiny.png"]


def test_the_index_lists_each_report_with_its_verdicts(tmp_path, tiny):
    experiment = load_experiment(tiny)
    hand_made_store(tmp_path / "r.db", experiment)
    reports = tmp_path / "docs" / "experiments"
    write_report(experiment, tmp_path / "r.db", reports, seeds=(0, 1, 2), figure=False)
    (tmp_path / "docs" / "old_bench.md").write_text("# old\n")
    (tmp_path / "docs" / "old_bench.json").write_text("{}")
    text = write_index(reports, tmp_path / "docs" / "results.md").read_text()
    assert "[tiny](experiments/tiny.md)" in text and "separated: a higher" in text and "| 6/6 |" in text
    assert "- [old_bench](old_bench.md)" in text


def test_rank_figures_after_the_last_layer_can_be_compared(tmp_path, tiny_text, experiment_file):
    from rt_explore.errors import UsageError

    text = tiny_text.replace("comparisons:\n", "measures: [train_accuracy, accuracy, rank]\ncomparisons:\n"
                             "  - {a: delta, b: transformer, task: parity, length: 16, measure: centred_effective_rank,"
                             " expect: a > b}\n")
    experiment = load_experiment(experiment_file(tmp_path, text))
    conn = store.connect(tmp_path / "r.db")
    centred = {"delta": [6.0, 6.2, 5.9], "transformer": [2.0, 2.1, 1.9]}
    for run in experiment.matrix((0, 1, 2)):
        profile = [{"layer": 0, "centred_effective_rank": 9.0, "residual_ratio": 0.9},
                   {"layer": 1, "centred_effective_rank": centred[run.variant][run.seed], "residual_ratio": 0.5}]
        data = {**record(run.variant, run.seed), "measures": {"rank": profile}}
        store.store_run(conn, run_row(run, {"key": run.key, "status": "ok", "reason": None, "record": data,
                                             "machine": "hand-made"}))
    conn.close()
    data = build_report(experiment, tmp_path / "r.db", seeds=(0, 1, 2))
    rank = next(c for c in data["comparisons"] if c["measure"] == "centred_effective_rank")
    # the last layer's figure, not the embeddings'
    assert abs(rank["a_summary"]["mean"] - 6.0333) < 1e-3 and abs(rank["b_summary"]["mean"] - 2.0) < 1e-9
    assert rank["verdict"] == "separated: a higher" and rank["as_expected"] is True
    write_report(experiment, tmp_path / "r.db", tmp_path / "out", seeds=(0, 1, 2), figure=False)
    assert "| parity, last layer | centred_effective_rank |" in (tmp_path / "out" / "tiny.md").read_text()
    # without the rank measure on the task, such a comparison is refused when the file is read
    bare = text.replace("measures: [train_accuracy, accuracy, rank]\n", "")
    try:
        load_experiment(experiment_file(tmp_path, bare, "bare.yaml"))
    except UsageError as exc:
        assert "needs the measure 'rank'" in str(exc)
    else:
        raise AssertionError("a rank comparison without the rank measure was accepted")


def test_a_variant_is_compared_with_a_fixed_level(tmp_path, tiny_text, experiment_file):
    text = tiny_text.replace("comparisons:\n", "comparisons:\n"
                             "  - {a: delta, level: 0.9, task: parity, length: 16, expect: a > b}\n"
                             "  - {a: transformer, level: 0.9, task: parity, length: 16, expect: a > b}\n")
    experiment = load_experiment(experiment_file(tmp_path, text))
    hand_made_store(tmp_path / "r.db", experiment)
    data = build_report(experiment, tmp_path / "r.db", seeds=(0, 1, 2))
    delta, transformer = data["comparisons"][:2]
    # delta's accuracy past the training length: 0.99, 1.0, 0.98 (interval above 0.9); transformer's ~0.5
    assert delta["verdict"] == "separated: a above 0.9" and delta["as_expected"] is True
    assert transformer["verdict"] == "separated: a below 0.9" and transformer["as_expected"] is False
    assert delta["b_label"] == "the level 0.9" and delta["b_summary"] is None
    write_report(experiment, tmp_path / "r.db", tmp_path / "out", seeds=(0, 1, 2), figure=False)
    assert "| DeltaNet [-1,1] vs the level 0.9 | parity @ 16 | scaled | 0.98 [0.96, 1.00] | 0.9 |" in \
        (tmp_path / "out" / "tiny.md").read_text()


def test_time_to_fit_needs_the_window_of_logged_points_not_one_lucky_batch():
    from rt_explore.experiments.report import first_sustained

    # (step, loss, accuracy, seconds): one batch of short sequences scores 1.0 at step 20, long before the fit.
    curve = [(10, 1.0, 0.5, 1.0), (20, 0.1, 1.0, 2.0), (30, 1.0, 0.6, 3.0), (40, 0.1, 0.99, 4.0),
             (50, 0.1, 1.0, 5.0), (60, 0.1, 0.99, 6.0)]
    assert first_sustained(curve, 0.99, 1) == (20, 2.0)
    assert first_sustained(curve, 0.99, 3) == (60, 6.0)
    assert first_sustained(curve, 0.99, 4) is None
    assert first_sustained(curve[:2], 0.7, 5) == (20, 2.0)  # shorter than the window: the whole curve's mean
    assert first_sustained([], 0.99, 5) is None
