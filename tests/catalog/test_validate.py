"""Every kind of bad entry file is reported with its file, line where known, and field; nothing executes."""

from __future__ import annotations

from pathlib import Path

import pytest

from rt_explore.catalog import load_catalog, validate_paths
from rt_explore.cli import main

GOOD = """\
id: {id}
name: Good Entry
title: A Good Title
authors: [Ada Lovelace]
year: 2024
arxiv: "2401.01234"
classification:
  axis: step
  tokens_per_step: eq1
  step_unit: token
  state: matrix
summary: A fine entry used by the tests.
"""


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def problems_for(folder: Path):
    count, problems = validate_paths([folder])
    return count, problems


def only(problems):
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def test_a_good_entry_has_no_problems(tmp_path):
    write(tmp_path, "good.yaml", GOOD.format(id="good"))
    count, problems = problems_for(tmp_path)
    assert count == 1 and problems == []


def test_malformed_yaml_is_reported_with_its_line(tmp_path):
    write(tmp_path, "bad.yaml", GOOD.format(id="bad") + "tags: [unclosed\n")
    p = only(problems_for(tmp_path)[1])
    assert "malformed YAML" in p.message and p.line is not None and p.line >= 13


def test_python_object_tags_are_refused_and_nothing_runs(tmp_path):
    marker = tmp_path / "executed"
    text = GOOD.format(id="evil") + f"notes: !!python/object/apply:os.system ['touch {marker}']\n"
    write(tmp_path, "evil.yaml", text)
    p = only(problems_for(tmp_path)[1])
    assert "refused" in p.message and "python/object" in p.message
    assert p.line == 13
    assert not marker.exists()


def test_unknown_fields_are_named_with_their_line(tmp_path):
    write(tmp_path, "extra.yaml", GOOD.format(id="extra") + "homepage: https://example.org\n")
    p = only(problems_for(tmp_path)[1])
    assert p.field == "homepage" and p.line == 13 and "unknown field" in p.message


def test_unknown_dimension_values_list_the_allowed_ones(tmp_path):
    write(tmp_path, "odd.yaml", GOOD.format(id="odd").replace("axis: step", "axis: diagonal"))
    p = only(problems_for(tmp_path)[1])
    assert p.field == "classification.axis" and p.line == 8
    assert "diagonal" in p.message and "depth" in p.message


def test_a_step_unit_that_contradicts_tokens_per_step_is_reported(tmp_path):
    write(tmp_path, "contra.yaml", GOOD.format(id="contra").replace("step_unit: token", "step_unit: chunk"))
    p = only(problems_for(tmp_path)[1])
    assert p.field == "classification.step_unit" and "implies tokens_per_step gt1" in p.message


def test_an_excluded_cell_is_reported_with_the_taxonomy_reason(tmp_path):
    text = GOOD.format(id="excl").replace("tokens_per_step: eq1", "tokens_per_step: gt1")
    write(tmp_path, "excl.yaml", text.replace("step_unit: token", "step_unit: sequence"))
    p = only(problems_for(tmp_path)[1])
    assert "incoherent classification" in p.message and "depth recurrence" in p.message


def test_an_id_different_from_the_file_name_is_reported(tmp_path):
    write(tmp_path, "named.yaml", GOOD.format(id="other"))
    p = only(problems_for(tmp_path)[1])
    assert p.field == "id" and p.line == 1 and "named" in p.message


def test_duplicate_ids_are_reported(tmp_path):
    write(tmp_path, "twin.yaml", GOOD.format(id="twin"))
    write(tmp_path, "twin.yml", GOOD.format(id="twin"))
    p = only(problems_for(tmp_path)[1])
    assert p.field == "id" and "duplicate id 'twin'" in p.message


def test_missing_required_fields_are_each_reported(tmp_path):
    text = "\n".join(line for line in GOOD.format(id="thin").splitlines()
                     if not line.startswith(("title", "summary")))
    write(tmp_path, "thin.yaml", text + "\n")
    fields = sorted(p.field for p in problems_for(tmp_path)[1])
    assert fields == ["summary", "title"]


@pytest.mark.parametrize("year", ["1066", "3024", "'twenty'"])
def test_impossible_years_are_reported(tmp_path, year):
    write(tmp_path, "when.yaml", GOOD.format(id="when").replace("year: 2024", f"year: {year}"))
    p = only(problems_for(tmp_path)[1])
    assert p.field == "year" and p.line == 5


@pytest.mark.parametrize("arxiv", ['"24011234"', '"2413.01234"', '"2401.1"', "2401.01234", '"2401.01234v2"'])
def test_malformed_arxiv_ids_are_reported(tmp_path, arxiv):
    write(tmp_path, "ax.yaml", GOOD.format(id="ax").replace('"2401.01234"', arxiv))
    p = only(problems_for(tmp_path)[1])
    assert p.field == "arxiv" and p.line == 6


def test_a_year_before_the_arxiv_id_is_reported(tmp_path):
    write(tmp_path, "early.yaml", GOOD.format(id="early").replace("year: 2024", "year: 2020"))
    p = only(problems_for(tmp_path)[1])
    assert p.field == "year" and "2024" in p.message


def test_builds_on_naming_no_entry_is_reported(tmp_path):
    write(tmp_path, "child.yaml", GOOD.format(id="child") + "builds_on: [transformer, no-such-model]\n")
    p = only(problems_for(tmp_path)[1])
    assert p.field == "builds_on" and "no-such-model" in p.message and p.line == 13


def test_builds_on_may_name_another_file_being_validated(tmp_path):
    write(tmp_path, "parent.yaml", GOOD.format(id="parent"))
    write(tmp_path, "kid.yaml", GOOD.format(id="kid") + "builds_on: [parent]\n")
    assert problems_for(tmp_path)[1] == []


def test_binary_files_are_reported(tmp_path):
    write(tmp_path, "blob.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    p = only(problems_for(tmp_path)[1])
    assert "binary" in p.message


def test_non_utf8_files_are_reported_with_the_offset(tmp_path):
    write(tmp_path, "latin.yaml", GOOD.format(id="latin").replace("Lovelace", "Lovel\xe7ce").encode("latin-1"))
    p = only(problems_for(tmp_path)[1])
    assert "not UTF-8" in p.message and "0xe7" in p.message


def test_an_empty_file_is_reported(tmp_path):
    write(tmp_path, "void.yaml", "  \n")
    assert "empty file" in only(problems_for(tmp_path)[1]).message


def test_a_root_that_is_not_a_mapping_is_reported(tmp_path):
    write(tmp_path, "seq.yaml", "- id: seq\n- name: x\n")
    assert "root of the file is a list" in only(problems_for(tmp_path)[1]).message


def test_a_repeated_field_is_reported(tmp_path):
    write(tmp_path, "rep.yaml", GOOD.format(id="rep") + "name: Again\n")
    p = only(problems_for(tmp_path)[1])
    assert p.field == "name" and p.line == 13


def test_unknown_mechanisms_are_reported(tmp_path):
    write(tmp_path, "mech.yaml", GOOD.format(id="mech") + "mechanisms: [delta-rule, warp-drive]\n")
    assert "warp-drive" in only(problems_for(tmp_path)[1]).message


def test_axis_none_entries_must_not_name_a_step_unit(tmp_path):
    text = GOOD.format(id="ff").replace("axis: step", "axis: none").replace("  state: matrix\n", "")
    write(tmp_path, "ff.yaml", text)
    fields = sorted(p.field for p in problems_for(tmp_path)[1])
    assert fields == ["classification.step_unit", "classification.tokens_per_step"]


def test_every_problem_of_a_folder_is_listed_not_just_the_first(tmp_path):
    write(tmp_path, "one.yaml", "")
    write(tmp_path, "two.yaml", "[1, 2]\n")
    write(tmp_path, "three.yaml", GOOD.format(id="three").replace("axis: step", "axis: sideways"))
    assert len(problems_for(tmp_path)[1]) == 3


def test_the_validate_command_exits_1_on_problems_and_prints_no_traceback(tmp_path, capsys):
    write(tmp_path, "evil.yaml", GOOD.format(id="evil") + "notes: !!python/object/apply:os.system ['true']\n")
    write(tmp_path, "void.yaml", "")
    code = main(["validate", str(tmp_path)])
    captured = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in captured.err
    assert "evil.yaml:13" in captured.err and "void.yaml" in captured.err
    assert "2 files checked, 2 problems" in captured.out


def test_the_validate_command_exits_2_on_bad_usage(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "missing.yaml")]) == 2
    err = capsys.readouterr().err
    assert "no such file" in err and len(err.strip().splitlines()) == 1


def test_the_builtin_catalog_is_valid_and_large_enough():
    catalog = load_catalog()
    assert [str(p) for p in catalog.problems] == []
    assert len(catalog) >= 80


# -- checked: where and when the citation was checked ---------------------------------------------------------------

CHECKED = 'checked: {{on: {on}, source: "{source}", title: {title}}}\n'


def with_checked(on='"2025-03-01"', source="https://arxiv.org/abs/2401.01234", title="first") -> str:
    return GOOD.format(id="chk") + CHECKED.format(on=on, source=source, title=title)


@pytest.mark.parametrize("on", ['"2025-03-01"', "2025-03-01"])
def test_checked_accepts_a_quoted_or_a_yaml_date_and_loads_it_as_text(tmp_path, on):
    write(tmp_path, "chk.yaml", with_checked(on=on))
    assert problems_for(tmp_path)[1] == []
    entry = load_catalog([tmp_path]).entries["chk"]
    assert entry.checked == {"on": "2025-03-01", "source": "https://arxiv.org/abs/2401.01234", "title": "first"}


@pytest.mark.parametrize(("on", "message"), [
    ('"2025-02-30"', "must be a date"), ('"March 2025"', "must be a date"), ("2025-03-01 10:00:00", "must be a date"),
    ('"2999-01-01"', "in the future"), ('"2023-06-01"', "before the arXiv id's month"),
])
def test_a_bad_checked_date_is_reported_with_its_line(tmp_path, on, message):
    write(tmp_path, "chk.yaml", with_checked(on=on))
    p = only(problems_for(tmp_path)[1])
    assert p.field == "checked.on" and p.line == 13 and message in p.message


def test_checked_needs_an_http_source_and_a_known_title_reading(tmp_path):
    write(tmp_path, "chk.yaml", with_checked(source="arxiv 2401.01234", title="latest"))
    fields = sorted((p.field, p.line) for p in problems_for(tmp_path)[1])
    assert fields == [("checked.source", 13), ("checked.title", 13)]


def test_checked_in_block_style_names_the_line_of_the_bad_key(tmp_path):
    block = 'checked:\n  on: "2025-03-01"\n  source: https://arxiv.org/abs/2401.01234\n  by: me\n'
    text = GOOD.format(id="chk") + block
    write(tmp_path, "chk.yaml", text)
    p = only(problems_for(tmp_path)[1])
    assert p.field == "checked.by" and p.line == 16 and "unknown key" in p.message


@pytest.mark.parametrize("value", ["yes", "[2025-03-01]", '"2025-03-01"'])
def test_checked_must_be_a_mapping(tmp_path, value):
    write(tmp_path, "chk.yaml", GOOD.format(id="chk") + f"checked: {value}\n")
    assert only(problems_for(tmp_path)[1]).field == "checked"


def test_checked_needs_both_a_day_and_a_source(tmp_path):
    write(tmp_path, "chk.yaml", GOOD.format(id="chk") + "checked: {title: current}\n")
    assert sorted(p.field for p in problems_for(tmp_path)[1]) == ["checked.on", "checked.source"]


# -- the year of a January id ----------------------------------------------------------------------------------------

def test_a_january_id_may_carry_the_previous_year(tmp_path):
    # Titans, 2501.00663: first version 31 December 2024, numbered in January 2025.
    text = GOOD.format(id="titan").replace('"2401.01234"', '"2501.00663"')
    write(tmp_path, "titan.yaml", text)
    assert problems_for(tmp_path)[1] == []


def test_a_january_id_allows_one_year_back_only(tmp_path):
    text = GOOD.format(id="titan").replace('"2401.01234"', '"2501.00663"').replace("year: 2024", "year: 2023")
    write(tmp_path, "titan.yaml", text)
    p = only(problems_for(tmp_path)[1])
    assert p.field == "year" and "a January id allows 2024" in p.message


def test_a_february_id_allows_no_earlier_year(tmp_path):
    text = GOOD.format(id="feb").replace('"2401.01234"', '"2502.00663"')
    write(tmp_path, "feb.yaml", text)
    p = only(problems_for(tmp_path)[1])
    assert p.field == "year" and "January" not in p.message


@pytest.mark.parametrize("arxiv", ['"2401.0123"', '"1412.01234"'])
def test_the_digits_after_the_dot_follow_the_ids_era(tmp_path, arxiv):
    text = GOOD.format(id="digits").replace('"2401.01234"', arxiv).replace("year: 2024", "year: 2025")
    write(tmp_path, "digits.yaml", text)
    assert only(problems_for(tmp_path)[1]).field == "arxiv"


# -- the new secondary dimensions -------------------------------------------------------------------------------------

def test_the_looped_model_dimensions_validate_like_the_others(tmp_path):
    text = GOOD.format(id="loopy").replace(
        "  tokens_per_step: eq1\n  step_unit: token\n  state: matrix\n",
        "  tokens_per_step: gt1\n  step_unit: sequence\n  loop_topology: prelude-core-coda\n"
        "  weight_sharing: partial\n  depth_control: sampled\n  contribution: analysis\n",
    ).replace("axis: step", "axis: depth")
    write(tmp_path, "loopy.yaml", text)
    assert problems_for(tmp_path)[1] == []
    write(tmp_path, "loopy.yaml", text.replace("partial", "sometimes"))
    p = only(problems_for(tmp_path)[1])
    assert p.field == "classification.weight_sharing" and "expert-routed" in p.message


def test_a_loop_topology_on_a_non_recurrent_comparator_is_an_error(tmp_path):
    text = GOOD.format(id="flat").replace(
        "  axis: step\n  tokens_per_step: eq1\n  step_unit: token\n  state: matrix\n",
        "  axis: none\n  loop_topology: whole-stack\n  depth_control: adaptive\n")
    write(tmp_path, "flat.yaml", text)
    p = only(problems_for(tmp_path)[1])
    assert p.field == "classification.loop_topology" and "no meaning when axis is none" in p.message


def test_a_todo_classification_is_an_error_that_lists_the_choices(tmp_path):
    text = GOOD.format(id="todo").replace(
        "  axis: step\n  tokens_per_step: eq1\n  step_unit: token\n  state: matrix\n", "  axis: TODO\n")
    write(tmp_path, "todo.yaml", text)
    p = only(problems_for(tmp_path)[1])
    assert p.field == "classification.axis" and p.message.startswith("left to fill") and "depth+step" in p.message


def test_a_date_that_does_not_exist_is_malformed_yaml_with_its_line_not_a_crash(tmp_path):
    write(tmp_path, "when.yaml", GOOD.format(id="when") + "checked: {on: 2025-13-02, source: https://a.org}\n")
    p = only(problems_for(tmp_path)[1])
    assert "not a date" in p.message and p.line == 13
