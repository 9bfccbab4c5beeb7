"""Warnings: what a finished entry has (builds_on, checked, notes where its cell is debatable, no TODO left)."""

from __future__ import annotations

from pathlib import Path

from rt_explore.catalog import validate_paths

ENTRY = """\
id: {id}
name: {name}
title: A Title
authors: [Ada Lovelace]
year: 2024
arxiv: "{arxiv}"
classification:
  axis: {axis}
  tokens_per_step: {tps}
  step_unit: {unit}
summary: An entry used by the tests.
"""
FINISHED = 'builds_on: []\nchecked: {on: 2025-01-02, source: "https://arxiv.org/abs/2401.01234"}\n'


def write(folder: Path, entry_id: str, extra: str = "", *, name: str = "Name", arxiv: str = "2401.01234",
          cell: tuple[str, str, str] = ("depth", "gt1", "sequence")) -> Path:
    axis, tps, unit = cell
    path = folder / f"{entry_id}.yaml"
    text = ENTRY.format(id=entry_id, name=name, arxiv=arxiv, axis=axis, tps=tps, unit=unit)
    path.write_text(text + extra, encoding="utf-8")
    return path


def warnings_for(folder: Path):
    _, problems = validate_paths([folder], warnings=True)
    assert all(p.severity == "warning" for p in problems), [str(p) for p in problems]
    return sorted((Path(p.path).stem, p.field) for p in problems)


def test_a_finished_entry_has_no_warnings(tmp_path):
    write(tmp_path, "done", FINISHED)
    assert warnings_for(tmp_path) == []


def test_warnings_are_not_computed_unless_asked(tmp_path):
    write(tmp_path, "bare")
    assert validate_paths([tmp_path]) == (1, [])


def test_an_entry_without_builds_on_or_checked_is_warned_twice(tmp_path):
    write(tmp_path, "bare")
    assert warnings_for(tmp_path) == [("bare", "builds_on"), ("bare", "checked")]


def test_an_empty_builds_on_says_the_work_has_no_ancestor_in_the_catalog(tmp_path):
    write(tmp_path, "root", "builds_on: []\n")
    assert warnings_for(tmp_path) == [("root", "checked")]


def test_every_todo_left_is_a_warning_on_its_own_line(tmp_path):
    path = write(tmp_path, "todo", FINISHED, name='"TODO: the short name"')
    path.write_text(path.read_text().replace("[Ada Lovelace]", '["TODO: authors"]'), encoding="utf-8")
    _, problems = validate_paths([tmp_path], warnings=True)
    assert sorted((p.field, p.line) for p in problems) == [("authors", 4), ("name", 2)]
    assert all("left to fill" in p.message and p.severity == "warning" for p in problems)


def test_an_entry_filed_in_another_cell_than_its_recurrent_parent_needs_notes(tmp_path):
    write(tmp_path, "parent", FINISHED)
    child = FINISHED.replace("builds_on: []", "builds_on: [parent]")
    write(tmp_path, "child", child, arxiv="2402.01234", cell=("depth+step", "lt1", "ponder"))
    assert warnings_for(tmp_path) == [("child", "notes")]
    _, problems = validate_paths([tmp_path], warnings=True)
    assert "builds on parent, filed depth/sequence" in problems[0].message
    write(tmp_path, "child", child + "notes: Either reading holds.\n", arxiv="2402.01234",
          cell=("depth+step", "lt1", "ponder"))
    assert warnings_for(tmp_path) == []


def test_building_on_a_comparator_or_in_the_same_cell_is_not_debatable(tmp_path):
    write(tmp_path, "base", FINISHED)
    (tmp_path / "base.yaml").write_text((tmp_path / "base.yaml").read_text().replace(
        "  tokens_per_step: gt1\n  step_unit: sequence\n", "").replace("axis: depth", "axis: none"))
    write(tmp_path, "kin", FINISHED)
    write(tmp_path, "a", FINISHED.replace("[]", "[base, kin]"))
    assert warnings_for(tmp_path) == []


def test_the_same_mechanisms_in_two_cells_make_both_debatable(tmp_path):
    mech = FINISHED + "mechanisms: [delta-rule]\n"
    write(tmp_path, "one", mech, cell=("step", "eq1", "token"))
    write(tmp_path, "two", mech, cell=("step", "lt1", "ponder"))
    assert warnings_for(tmp_path) == [("one", "notes"), ("two", "notes")]
