"""`grid --evidence DB` shows measured scaled accuracy in the paper's table: mean, interval and n, never a best seed."""

from __future__ import annotations

import json

from rt_explore.cli import main
from rt_explore.experiments.store import connect, store_run


def _row(group, label, axis, tps, unit, task, acc, seed, status="ok"):
    definition = {"budget": {"steps": 10}, "seed": seed}
    return {"key": f"{group}-{seed}", "grp": group, "experiment": "hand-made", "variant": label, "label": label,
            "task": task, "task_name": task, "seed": seed, "axis": axis, "tokens_per_step": tps, "step_unit": unit,
            "status": status, "reason": None if status == "ok" else "non-finite loss",
            "longest_test_length": 64, "longest_test_accuracy": acc if status == "ok" else None, "chance": 0.5,
            "train_accuracy": 1.0, "seconds": 1.0, "definition": json.dumps(definition), "record": "{}"}


def _store(db):
    conn = connect(db)
    for seed, acc in enumerate([0.97, 0.99, 1.0]):
        store_run(conn, _row("g1", "step/token", "step", "eq1", "token", "parity", acc, seed))
    store_run(conn, _row("g1", "step/token", "step", "eq1", "token", "parity", None, 3, status="diverged"))
    for seed, acc in enumerate([0.52, 0.5]):
        store_run(conn, _row("g2", "none", "none", None, None, "parity", acc, seed))
    conn.close()


def test_the_grid_shows_the_mean_interval_and_n_of_scaled_accuracy_per_cell_and_task(tmp_path, capsys):
    db = tmp_path / "runs.db"
    _store(db)
    assert main(["grid", "--evidence", str(db), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    by_cell = {(c["cell"]["axis"], c["cell"]["tokens_per_step"]): c["evidence"] for c in data["cells"]}
    [entry] = by_cell[("step", "eq1")]["parity"]
    assert (entry["n"], entry["diverged"], entry["succeeded"], entry["label"]) == (3, 1, 3, "step/token")
    assert abs(entry["mean"] - (0.94 + 0.98 + 1.0) / 3) < 1e-9 and entry["low"] <= entry["mean"] <= entry["high"]
    assert by_cell[("depth", "eq1")] == {}
    [baseline] = data["baseline_evidence"]["parity"]
    assert baseline["n"] == 2 and abs(baseline["mean"] - 0.02) < 1e-9
    assert main(["grid", "--evidence", str(db)]) == 0
    out = " ".join(capsys.readouterr().out.replace("│", " ").split())  # the table folds long cells
    assert "step/token: 0.97 [0.94, 1.00] n=3, 1 diverged" in out and "none baseline: parity none: 0.02" in out


def test_evidence_needs_the_papers_table_and_an_existing_database(tmp_path, capsys):
    assert main(["grid", "--evidence", str(tmp_path / "none.db")]) == 2
    assert "no such results database" in capsys.readouterr().err
    assert not (tmp_path / "none.db").exists()
    db = tmp_path / "runs.db"
    connect(db).close()
    assert main(["grid", "--fine", "--evidence", str(db)]) == 2
    assert "axis x tokens_per_step" in capsys.readouterr().err
