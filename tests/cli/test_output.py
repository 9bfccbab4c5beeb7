"""Terminal output that fits where it goes: plain rows when piped, a table sized to a terminal otherwise."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from rich.console import Console

from rt_explore.catalog import load_catalog
from rt_explore.cli import main
from rt_explore.cli.output import Column, plain_rows, rich_table

BOX = set("─│┃━┏┓┗┛┣┫┳┻╋┡┩╇├┤┬┴┼└┘┌┐═║╔╗╚╝")


def run_piped(*args: str) -> list[str]:
    """The command as a shell pipe runs it: a real subprocess whose stdout is not a terminal."""
    proc = subprocess.run([sys.executable, "-m", "rt_explore", *args], capture_output=True, text=True, check=True)
    return proc.stdout.splitlines()


def assert_plain(lines: list[str]) -> None:
    assert lines
    assert not BOX & set("".join(lines)), "box-drawing characters in piped output"
    assert all(line == line.rstrip() for line in lines)


def test_piped_list_prints_a_header_and_one_line_per_entry(capsys):
    lines = run_piped("list", "--axis", "depth")
    assert_plain(lines)
    assert main(["list", "--axis", "depth", "--json"]) == 0
    expected = json.loads(capsys.readouterr().out)
    assert lines[0].split()[:2] == ["id", "name"]
    assert len(lines) == 1 + len(expected)
    for line, row in zip(lines[1:], expected, strict=True):
        assert line.startswith(row["id"] + " ") and row["name"] in line  # never folded


def test_universal_transformer_can_be_grepped_from_a_piped_list():
    proc = subprocess.run(f'"{sys.executable}" -m rt_explore list --axis depth | grep -c "Universal Transformer"',
                          shell=True, capture_output=True, text=True)
    assert int(proc.stdout.strip()) >= 1


@pytest.mark.parametrize("args", [("cells",), ("cells", "--fine"), ("gaps",), ("gaps", "--fine"),
                                  ("cells", "--dims", "axis,step_unit,halting")])
def test_piped_cells_and_gaps_print_one_line_per_cell(args, capsys):
    lines = run_piped(*args)
    assert_plain(lines)
    assert main([*args, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(lines) == 1 + len(rows)


def test_piped_gaps_keeps_the_next_step_hint_off_stdout():
    proc = subprocess.run([sys.executable, "-m", "rt_explore", "gaps"], capture_output=True, text=True, check=True)
    assert "Next: rt-explore scaffold --gap 1" in proc.stderr and "Next:" not in proc.stdout


def test_piped_tasks_prints_one_line_per_task(capsys):
    lines = run_piped("tasks")
    assert_plain(lines)
    assert main(["tasks", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(lines) == 1 + len(rows)
    assert [line.split()[0] for line in lines[1:]] == [t["name"] for t in rows]


def test_piped_show_prints_one_line_per_field_with_nothing_folded():
    entry = load_catalog().get("universal-transformer")
    lines = run_piped("show", "universal-transformer")
    assert_plain(lines)
    assert lines[0].startswith("Universal Transformer")
    summary = [line for line in lines if line.startswith("summary ")]
    assert len(summary) == 1 and " ".join(entry.summary.split()) in summary[0]
    assert any(line.startswith("built on by ") for line in lines)


def test_plain_rows_align_columns_and_join_the_lines_of_a_cell():
    lines = plain_rows([Column("a"), Column("n", justify="right"), Column("c")],
                       [("x", "1", "one\ntwo"), ("longer", "10", "three")])
    assert lines == ["a        n  c", "x        1  one; two", "longer  10  three"]


def render(table, width: int) -> str:
    out = io.StringIO()
    Console(file=out, width=width, force_terminal=False, color_system=None).print(table)
    return out.getvalue()


ROWS = [("universal-transformer", "Universal Transformer", "2018", "depth", "paper-table-1, looped, weight-sharing"),
        ("deltanet", "DeltaNet", "2021", "step", "paper-table-1, fast-weights")]
COLUMNS = [Column("id"), Column("name"), Column("year", drop=2), Column("axis", drop=3),
           Column("tags", drop=1, wrap=True)]


def test_a_wide_terminal_shows_every_column():
    text = render(rich_table(COLUMNS, ROWS, width=200), 200)
    assert "tags" in text and "weight-sharing" in text and "universal-transformer" in text


def test_a_narrow_terminal_drops_tags_first_and_keeps_ids_and_names_whole():
    for width in (80, 60, 56):
        text = render(rich_table(COLUMNS, ROWS, width=width), width)
        assert "tags" not in text and "universal-transformer" in text and "Universal Transformer" in text
        assert max(len(line) for line in text.splitlines()) <= width
    text = render(rich_table(COLUMNS, ROWS, width=60), 60)
    assert "year" not in text and "axis" in text  # year goes before axis (drop 2 < 3)


def test_ids_fold_only_when_nothing_is_left_to_drop():
    text = render(rich_table(COLUMNS, ROWS, width=30), 30)
    assert "year" not in text and "axis" not in text and "universal-transformer" not in text
    assert max(len(line) for line in text.splitlines()) <= 30


def test_catalog_text_is_not_read_as_rich_markup():
    text = render(rich_table([Column("name")], [("[bold]x[/bold] [link=http://e]y[/link]",)], width=80), 80)
    assert "[bold]x[/bold]" in text


def test_json_output_is_unchanged_by_the_table_layout(capsys):
    assert main(["list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {"id", "name", "year", "arxiv", "axis", "tokens_per_step", "step_unit", "tags"} <= rows[0].keys()
