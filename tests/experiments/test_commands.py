"""The experiment commands as a user runs them: list, show, run, status, report, index; JSON for scripts."""

from __future__ import annotations

import json

from rt_explore.cli import main


def test_list_and_show_describe_the_built_in_experiment_without_running_it(capsys):
    from rt_explore.experiments.plan import load_experiment

    assert main(["experiment", "list", "--json"]) == 0
    found = {e["name"]: e for e in json.loads(capsys.readouterr().out)}
    experiment = load_experiment("state-tracking")
    assert found["state-tracking"]["runs"] == len(experiment.matrix())
    assert main(["experiment", "show", "state-tracking", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [v["id"] for v in shown["variants"]] == list(experiment.variants)
    assert all(v["resolved_options"] == dict(experiment.variants[v["id"]].spec.options) for v in shown["variants"])
    assert shown["claims"] and all(c.get("arxiv") or c.get("url") for c in shown["claims"])
    assert main(["experiment", "show", "state-tracking"]) == 0
    assert list(experiment.variants)[0] in capsys.readouterr().out


def test_run_status_and_report_from_the_command_line(tmp_path, tiny, monkeypatch, capsys, single_thread):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "r.db"
    assert main(["experiment", "status", str(tiny), "--db", str(db), "--json"]) == 0
    assert {r["status"] for r in json.loads(capsys.readouterr().out)} == {"to do"}
    assert main(["experiment", "run", str(tiny), "--db", str(db), "--seeds", "1", "--json"]) == 0
    ran = json.loads(capsys.readouterr().out)
    assert (ran["total"], ran["stored"], ran["skipped"], ran["failed"]) == (2, 2, 0, [])
    assert main(["experiment", "status", str(tiny), "--db", str(db), "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert sorted((r["seed"], r["status"]) for r in status) == [(0, "done"), (0, "done"), (1, "to do"), (1, "to do")]
    assert main(["experiment", "status", str(tiny), "--db", str(db)]) == 0
    assert "transformer" in capsys.readouterr().out
    assert main(["experiment", "report", str(tiny), "--db", str(db), "-o", str(tmp_path / "out"), "--json"]) == 0
    written = json.loads(capsys.readouterr().out)["written"]
    assert sorted(p.rsplit("/", 1)[1] for p in written) == ["tiny.json", "tiny.md", "tiny.png"]
    assert not (tmp_path / "docs").exists()  # -o given: the index is not touched
    # Without -o: docs/experiments/ and its index docs/results.md.
    assert main(["experiment", "report", str(tiny), "--db", str(db)]) == 0
    assert (tmp_path / "docs" / "experiments" / "tiny.md").is_file()
    assert "experiments/tiny.md" in (tmp_path / "docs" / "results.md").read_text()
    assert main(["experiment", "index", "-o", str(tmp_path / "index.md")]) == 0
    assert "tiny" in (tmp_path / "index.md").read_text()


def test_report_from_a_missing_store_is_one_line_and_writes_nothing(tmp_path, tiny, capsys):
    assert main(["experiment", "report", str(tiny), "--db", str(tmp_path / "none.db"), "-o",
                 str(tmp_path / "out")]) == 2
    assert "no such results database" in capsys.readouterr().err
    assert not (tmp_path / "out").exists() and not (tmp_path / "none.db").exists()
