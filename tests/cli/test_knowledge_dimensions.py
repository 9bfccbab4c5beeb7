"""The looped-model dimensions (loop_topology, weight_sharing, depth_control, contribution) in every command."""

from __future__ import annotations

import json

import pytest

from rt_explore.cli import main
from rt_explore.taxonomy import load_taxonomy

TAX = load_taxonomy()
NEW_DIMS = ("loop_topology", "weight_sharing", "depth_control", "contribution")
USER = """\
id: {id}
name: {id}
title: A Title
authors: [Ada Lovelace]
year: 2024
url: https://example.org/{id}
classification:
  axis: {axis}
{extra}summary: A user entry for the tests.
"""


def run_json(capsys, *args):
    code = main([*args, "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)


@pytest.fixture
def user_catalog(tmp_path):
    depth = "  tokens_per_step: gt1\n  step_unit: sequence\n"
    entries = {
        "my-partial-loop": ("depth", depth + "  loop_topology: partial\n  weight_sharing: expert-routed\n"
                            "  depth_control: convergence\n  contribution: training-method\n"),
        "my-early-exit": ("none", "  depth_control: adaptive\n  contribution: analysis\n"),
    }
    for entry_id, (axis, extra) in entries.items():
        (tmp_path / f"{entry_id}.yaml").write_text(USER.format(id=entry_id, axis=axis, extra=extra), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("dim", NEW_DIMS)
def test_gaps_work_over_each_new_dimension(capsys, dim):
    gaps = run_json(capsys, "gaps", "--dims", f"axis,{dim}")
    assert all(set(g["cell"]) == {"axis", dim} and g["cell"]["axis"] != "none" for g in gaps)
    if dim != "contribution":  # every axis has architectures, analyses, methods and applications
        assert gaps and gaps[0]["neighbors"]


@pytest.mark.parametrize("dim", NEW_DIMS)
def test_cells_json_lists_every_value_of_each_new_dimension(capsys, dim):
    cells = run_json(capsys, "cells", "--dims", f"axis,{dim}")
    depth_values = {c["cell"][dim] for c in cells if c["cell"]["axis"] == "depth"}
    assert depth_values == set(TAX.dimension(dim).value_ids)
    none_cells = [c["cell"] for c in cells if c["cell"]["axis"] == "none"]
    if dim in ("loop_topology", "weight_sharing"):  # no loop to describe without recurrence
        assert none_cells == [{"axis": "none"}]
    else:
        assert len(none_cells) == len(TAX.dimension(dim).value_ids)


def test_a_user_entry_is_placed_in_its_new_dimension_cells(capsys, user_catalog):
    cells = run_json(capsys, "--catalog", str(user_catalog), "cells", "--dims", "axis,loop_topology")
    placed = {json.dumps(c["cell"], sort_keys=True): c for c in cells}
    assert "my-partial-loop" in placed[json.dumps({"axis": "depth", "loop_topology": "partial"}, sort_keys=True)][
        "entries"]
    gaps = run_json(capsys, "--catalog", str(user_catalog), "gaps", "--dims", "axis,weight_sharing")
    assert {"axis": "depth", "weight_sharing": "expert-routed"} not in [g["cell"] for g in gaps]


def test_list_filters_by_any_dimension_with_where(capsys, user_catalog):
    base = ["--catalog", str(user_catalog), "list"]
    assert [r["id"] for r in run_json(capsys, *base, "--where", "loop_topology=partial", "--search", "my-")] == [
        "my-partial-loop"]
    both = run_json(capsys, *base, "--where", "depth_control=adaptive", "--where", "contribution=analysis",
                    "--search", "my-")
    assert [r["id"] for r in both] == ["my-early-exit"]
    # labels work as values, and --where combines with the older flags
    assert [r["id"] for r in run_json(capsys, *base, "--axis", "depth", "--where", "weight_sharing=expert-routed",
                                      "--search", "my-")] == ["my-partial-loop"]


def test_where_uses_the_default_for_entries_that_do_not_say(capsys, user_catalog):
    rows = run_json(capsys, "--catalog", str(user_catalog), "list", "--where", "contribution=architecture",
                    "--search", "my-")
    assert rows == []
    everyone = run_json(capsys, "list", "--where", "contribution=architecture")
    assert everyone and len(everyone) <= len(run_json(capsys, "list"))


def test_where_on_a_dimension_without_meaning_for_the_entry_matches_nothing(capsys, user_catalog):
    rows = run_json(capsys, "--catalog", str(user_catalog), "list", "--axis", "none", "--where",
                    "loop_topology=whole-stack")
    assert rows == []


@pytest.mark.parametrize(("where", "message"), [
    ("loop_topology", "expected DIMENSION=VALUE"), ("colour=red", "unknown dimension"),
    ("loop_topology=spiral", "unknown value 'spiral'"),
])
def test_a_bad_where_is_one_line_and_exit_2(capsys, where, message):
    assert main(["list", "--where", where]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_the_papers_table_and_its_two_gaps_are_unchanged(capsys):
    gaps = run_json(capsys, "gaps")
    assert [g["cell"] for g in gaps[:2]] == [{"axis": "depth", "tokens_per_step": "eq1"},
                                           {"axis": "depth", "tokens_per_step": "lt1"}]
