"""The contributor path as a user runs it: validate (errors and warnings, --strict), new, import alm."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rt_explore.catalog import load_catalog
from rt_explore.cli import main

CHECKOUT = Path(__file__).resolve().parent.parent / "fixtures" / "awesome-loop-models"
ENTRY = """\
id: {id}
name: A Model
title: A Title
authors: [Ada Lovelace]
year: {year}
arxiv: "{arxiv}"
classification: {{axis: depth, tokens_per_step: gt1, step_unit: sequence}}
summary: An entry used by the tests.
"""
FINISHED = 'builds_on: []\nchecked: {on: 2025-01-02, source: "https://arxiv.org/abs/2401.99991"}\n'


def entry(folder: Path, entry_id: str, extra: str = "", arxiv: str = "2401.99991") -> Path:
    path = folder / f"{entry_id}.yaml"
    path.write_text(ENTRY.format(id=entry_id, arxiv=arxiv, year=2000 + int(arxiv[:2])) + extra, encoding="utf-8")
    return path


# -- validate ---------------------------------------------------------------------------------------------------------

def test_warnings_alone_pass_but_fail_under_strict(tmp_path, capsys):
    entry(tmp_path, "bare")
    assert main(["validate", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert "1 files checked, 2 problems (0 errors, 2 warnings)" in captured.out
    assert "bare.yaml:1: builds_on: warning: no builds_on" in captured.err
    assert main(["validate", "--strict", str(tmp_path)]) == 1
    assert "--strict fails on warnings" in capsys.readouterr().out


def test_a_finished_entry_passes_strict(tmp_path, capsys):
    entry(tmp_path, "done", FINISHED)
    assert main(["validate", "--strict", str(tmp_path)]) == 0
    assert "0 problems" in capsys.readouterr().out


def test_errors_fail_without_strict(tmp_path, capsys):
    entry(tmp_path, "broken", FINISHED.replace("2025-01-02", "2025-13-02"))
    assert main(["validate", str(tmp_path)]) == 1
    assert "broken.yaml:10: malformed YAML: not a date" in capsys.readouterr().err


def test_validate_json_keeps_its_shape_and_adds_a_severity(tmp_path, capsys):
    entry(tmp_path, "bare")
    entry(tmp_path, "broken", arxiv="2401.9999")
    assert main(["validate", "--json", str(tmp_path)]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["files"] == 2 and data["errors"] == 1 and data["warnings"] == 2
    assert {"path", "line", "field", "message", "severity"} <= data["problems"][0].keys()
    assert sorted(p["severity"] for p in data["problems"]) == ["error", "warning", "warning"]


# -- new --------------------------------------------------------------------------------------------------------------

def test_new_writes_a_skeleton_that_validates_with_warnings_only(tmp_path, capsys):
    assert main(["new", "--arxiv", "arXiv:2502.99999v2", "--cell", "depth/sequence", "-o", str(tmp_path)]) == 0
    path = tmp_path / "arxiv-2502-99999.yaml"
    assert capsys.readouterr().out.strip() == f"wrote {path}"
    assert main(["validate", str(path)]) == 0
    assert main(["validate", "--strict", str(path)]) == 1
    assert "name: warning: left to fill" in capsys.readouterr().err
    # the skeleton joins the user's catalog at once: it is listed
    assert main(["--catalog", str(tmp_path), "list", "--json", "--search", "2502.99999"]) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == ["arxiv-2502-99999"]


def test_new_writes_into_the_global_catalog_folder_with_a_chosen_id(tmp_path, capsys):
    assert main(["--catalog", str(tmp_path), "new", "--arxiv", "2502.99998", "--id", "my-looper"]) == 0
    text = (tmp_path / "my-looper.yaml").read_text()
    assert "id: my-looper" in text and "axis: TODO" in text


def test_new_without_a_folder_says_where_to_write(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("RT_EXPLORE_CATALOG", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["new", "--arxiv", "2502.99998"]) == 2
    assert "-o DIR" in capsys.readouterr().err and not list(tmp_path.iterdir())


@pytest.mark.parametrize(("args", "message"), [
    (["--arxiv", "2502.9999"], "malformed arXiv id"),
    (["--arxiv", "not-an-id"], "malformed arXiv id"),
    (["--arxiv", "1807.03819"], "already in the catalog as 'universal-transformer'"),
    (["--arxiv", "2502.99997", "--id", "universal-transformer"], "id 'universal-transformer' is already"),
    (["--arxiv", "2502.99997", "--id", "No_Good"], "not a valid id"),
    (["--arxiv", "2502.99997", "--cell", "step/sequence"], "is excluded"),
])
def test_new_refuses_bad_input_in_one_line_and_writes_nothing(tmp_path, capsys, args, message):
    assert main(["new", *args, "-o", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert not list(tmp_path.iterdir())


def test_new_refuses_an_existing_file_and_leaves_it_alone(tmp_path, capsys):
    (tmp_path / "arxiv-2502-99996.yaml").write_text("mine\n", encoding="utf-8")
    assert main(["new", "--arxiv", "2502.99996", "-o", str(tmp_path)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert (tmp_path / "arxiv-2502-99996.yaml").read_text() == "mine\n"


def test_new_refuses_a_paper_already_in_the_users_catalog(tmp_path, capsys):
    entry(tmp_path, "mine", arxiv="2502.99995")
    assert main(["--catalog", str(tmp_path), "new", "--arxiv", "2502.99995"]) == 2
    assert "already in the catalog as 'mine'" in capsys.readouterr().err


# -- import alm -------------------------------------------------------------------------------------------------------

def test_import_alm_lists_what_the_catalog_lacks_and_names_each_bad_file(capsys):
    assert main(["import", "alm", str(CHECKOUT)]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0] == "3 of 4 Awesome-Loop-Models papers are not in the catalog (1 are)"
    assert "2601.00001  2025  Looping Imaginary Widgets" in captured.out
    assert "1807.03819" not in captured.out
    bad = captured.err.strip().splitlines()
    assert len(bad) == 4 and {Path(line.split(": ")[1]).name for line in bad} == {
        "broken.yaml", "foreign.yaml", "no-link.yaml", "bad-link.yaml"}


def test_import_alm_json_and_write(tmp_path, capsys):
    out = tmp_path / "skeletons"
    assert main(["import", "alm", str(CHECKOUT), "--write", str(out), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["papers"] == 4 and [p["entry"] for p in data["in_catalog"]] == ["universal-transformer"]
    assert sorted(Path(m["written"]).name for m in data["missing"]) == [
        "arxiv-2601-00001.yaml", "arxiv-2602-00002.yaml", "openreview-widgetnet.yaml"]
    assert len(data["problems"]) == 4
    # a second run writes nothing over the first one's files, and says so per file
    assert main(["import", "alm", str(CHECKOUT), "--write", str(out), "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert all(m["written"] is None for m in again["missing"])
    assert sum("skeleton not written" in p for p in again["problems"]) == 3


def test_import_alm_counts_the_users_catalog_too(tmp_path, capsys):
    entry(tmp_path, "widgets", arxiv="2601.00001")
    assert main(["--catalog", str(tmp_path), "import", "alm", str(CHECKOUT), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert sorted(p["entry"] for p in data["in_catalog"]) == ["universal-transformer", "widgets"]


def test_import_alm_of_a_folder_without_papers_is_bad_input(tmp_path, capsys):
    assert main(["import", "alm", str(tmp_path)]) == 2
    assert "not an Awesome-Loop-Models checkout" in capsys.readouterr().err


def test_the_fixture_checkout_reuses_one_catalog_arxiv_id_only():
    ids = {e.arxiv for e in load_catalog()}
    assert {"2601.00001", "2602.00002"}.isdisjoint(ids) and "1807.03819" in ids
