"""The README's figures blocks are written from the stores: only the marked lines change, a bad marker writes
nothing, and the committed README matches the committed stores."""

from __future__ import annotations

from pathlib import Path

import pytest

from rt_explore.cli import main
from rt_explore.errors import UsageError
from rt_explore.experiments import store
from rt_explore.experiments.plan import load_experiment
from rt_explore.experiments.readme import find_blocks, rewrite_figures
from rt_explore.experiments.report import build_comparisons, build_report
from rt_explore.experiments.runner import run_row

ROOT = Path(__file__).resolve().parents[2]
SEED_SYSTEMS = ["tdnl", "rank-collapse", "rank-collapse-128", "satformer-recall", "state-tracking", "coarse-recurrence",
                "staged-training", "empty-cells"]
# Hand-made accuracies at length 16 (past the training length 8), by variant and seed.
AT_16 = {"transformer": [0.50, 0.52, 0.49], "delta": [0.99, 1.0, 0.98]}


def hand_made_store(db: Path, experiment) -> None:
    conn = store.connect(db)
    for run in experiment.matrix((0, 1, 2)):
        acc = AT_16[run.variant][run.seed]
        record = {"test_accuracy": {"8": 0.9, "16": acc + 0.1}, "test_accuracy_new": {"16": acc},
                  "train_accuracy": 0.95 if run.variant == "delta" else 0.7, "train_accuracy_by_length": {"8": 0.9},
                  "chance": 0.5, "seconds": 2.0, "tokens_per_second": 1000.0, "final_loss": 0.1, "frontier": None}
        store.store_run(conn, run_row(run, {"key": run.key, "status": "ok", "reason": None, "record": record,
                                             "machine": "hand-made"}))
    conn.close()


@pytest.fixture
def stores(tmp_path, tiny_text, experiment_file):
    """A reports folder where `tiny` has a store of 3 seeds and `idle` (the same file, renamed) has none, and
    a loader for both names."""
    experiments = {"tiny": load_experiment(experiment_file(tmp_path, tiny_text.replace("seeds: 2", "seeds: 3"))),
                   "idle": load_experiment(experiment_file(tmp_path, tiny_text.replace("name: tiny", "name: idle"),
                                                           "idle.yaml"))}
    reports = tmp_path / "docs" / "experiments"
    reports.mkdir(parents=True)
    hand_made_store(reports / "tiny.db", experiments["tiny"])
    return reports, experiments.__getitem__


README = """\
# A project

Prose with 0.42 typed by hand, which is not in a block.

<!-- figures: tiny -->
stale figures
<!-- /figures -->

More prose.
<!-- figures: idle -->
<!-- /figures -->
The end, without a final newline."""


def test_the_rewrite_replaces_only_the_lines_between_the_markers(stores, tmp_path):
    reports, load = stores
    new, changed, unchanged = rewrite_figures(README, reports, tmp_path, load=load)
    assert (changed, unchanged) == (["tiny", "idle"], [])
    before, rest = new.split("<!-- figures: tiny -->\n")
    block, rest = rest.split("<!-- /figures -->\n", 1)
    between, rest = rest.split("<!-- figures: idle -->\n")
    idle, after = rest.split("<!-- /figures -->\n")
    assert (before, between, after) == (README.split("<!-- figures: tiny")[0], "\nMore prose.\n",
                                        "The end, without a final newline.")
    assert "stale" not in block and "(report:" not in block  # no tiny.md beside the store
    assert "from the store `docs/experiments/tiny.db`, 6 of 6 runs finished; do not edit." in block
    assert ("| DeltaNet [-1,1] vs transformer | parity @ 16 | scaled | 0.98 [0.96, 1.00] (n = 3) | "
            "0.01 [-0.02, 0.04] (n = 3) | 0.95 / 0.70 | separated: a higher, as expected | - |") in block
    assert idle == "Not run yet: `rt-explore experiment run idle --db docs/experiments/idle.db`.\n"
    again, changed, unchanged = rewrite_figures(new, reports, tmp_path, load=load)
    assert again == new and (changed, unchanged) == ([], ["tiny", "idle"])


def test_the_block_shows_the_comparisons_the_report_decides(stores):
    reports, load = stores
    experiment = load("tiny")
    found = build_comparisons(experiment, reports / "tiny.db")
    reported = build_report(experiment, reports / "tiny.db")["comparisons"]
    assert [{k: v for k, v in c.items() if k not in ("a_train", "b_train")} for c in found["comparisons"]] == reported
    assert build_comparisons(load("idle"), reports / "idle.db") is None


@pytest.mark.parametrize("text, message", [
    ("<!-- figures: no-such-experiment -->\n<!-- /figures -->\n", "README.md:1: no built-in experiment"),
    ("x\n<!-- figures: tdnl -->\nfigures\n", "README.md:2: the figures block 'tdnl' is never closed"),
    ("<!-- figures: tdnl -->\n<!-- figures: tdnl -->\n<!-- /figures -->\n", "README.md:2: a figures block opened "
                                                                              "inside the one opened at line 1"),
    ("text\n<!-- /figures -->\n", "README.md:2: '<!-- /figures -->' closes no figures block"),
    ("<!-- figures -->\n<!-- /figures -->\n", "README.md:1: a figures marker names one experiment"),
], ids=["unknown", "unclosed", "nested", "stray-close", "no-name"])
def test_a_bad_marker_is_one_line_and_nothing_is_written(text, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    readme = tmp_path / "README.md"
    readme.write_text(text, encoding="utf-8")
    assert main(["experiment", "index", "--readme", "README.md", "-o", "results.md"]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert readme.read_text(encoding="utf-8") == text and not (tmp_path / "results.md").exists()


def test_the_command_rewrites_the_blocks_and_says_which_changed(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    text = "# R\n\n<!-- figures: tdnl -->\ntyped by hand: 0.99\n<!-- /figures -->\n\nkept\n"
    (tmp_path / "README.md").write_text(text, encoding="utf-8")
    assert main(["experiment", "index", "--readme", "README.md", "-o", "results.md"]) == 0
    said = capsys.readouterr()
    assert "rewrote README.md: figures blocks tdnl" in (said.out + said.err).replace("\n", " ")
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == text.replace(
        "typed by hand: 0.99", "Not run yet: `rt-explore experiment run tdnl --db docs/experiments/tdnl.db`.")
    assert main(["experiment", "index", "--readme", "README.md", "-o", "results.md"]) == 0
    said = capsys.readouterr()
    assert "README.md: every figures block up to date (tdnl)" in said.out + said.err


def test_find_blocks_names_each_block_with_its_line():
    lines = "a\n<!-- figures: tdnl -->\nx\n<!-- /figures -->\n<!--figures:empty-cells-->\n<!-- /figures -->\n"
    blocks = find_blocks(lines.splitlines(keepends=True), "R.md")
    assert [(b.name, b.line, b.start, b.end) for b in blocks] == [("tdnl", 2, 2, 3), ("empty-cells", 5, 5, 5)]
    with pytest.raises(UsageError, match="R.md:1:"):
        find_blocks(["<!-- figures: a b -->\n"], "R.md")


def test_the_committed_readme_matches_the_committed_stores():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert [b.name for b in find_blocks(text.splitlines(keepends=True), "README.md")] == SEED_SYSTEMS
    new, changed, _ = rewrite_figures(text, ROOT / "docs" / "experiments", ROOT)
    assert not changed, (f"README.md's figures blocks {', '.join(changed)} differ from the stores in "
                         "docs/experiments/: run `rt-explore experiment index --readme README.md`")
    assert new == text
