"""Printing: JSON to stdout for scripts, tables that fit where they go, rich only when a terminal is there.

A table goes to a terminal as a rich table sized to it: on a narrow terminal the low-value columns are
dropped first (``Column.drop``: 1 goes first), and ids and names are folded only when nothing is left to
drop. Anywhere else (a pipe, a file, a CI log) it is plain aligned text, one line per row, no box drawing,
no folded words, as git, ls and ripgrep print when piped: stdout holds the header and the rows only
(the title is left out, notes go to stderr).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import NamedTuple


def emit_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def console():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def err_console():
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def progress_bars(*, eta: bool = False):
    """A rich Progress on stderr, shown only on a terminal (stdout stays clean for --json): description, bar,
    done/total, elapsed time, (with `eta`) the time left, and the task's `status` field."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    err = err_console()
    left = (TextColumn("eta"), TimeRemainingColumn()) if eta else ()
    return Progress(TextColumn("{task.description}"), BarColumn(bar_width=24), MofNCompleteColumn(),
                    TimeElapsedColumn(), *left, TextColumn("{task.fields[status]}"), console=err,
                    disable=not err.is_terminal)


def is_terminal() -> bool:
    """Whether stdout is a terminal (a person reading), rather than a pipe or a file (a program reading)."""
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


class Column(NamedTuple):
    """A table column. ``drop``: order in which it goes on a narrow terminal (None: kept); ``wrap``: prose
    that may wrap at word boundaries (ids and names never wrap unless nothing else can give way)."""

    name: str
    drop: int | None = None
    wrap: bool = False
    justify: str = "left"


# A cell is plain text, or (text, rich style) for the terminal; text is never read as rich markup.
Cell = str | tuple[str, str]


def _text(cell: Cell) -> str:
    return cell[0] if isinstance(cell, tuple) else cell


def one_line(text: str) -> str:
    """Several lines of a cell joined for a plain row ("a\\nb" -> "a; b")."""
    return "; ".join(part.strip() for part in text.splitlines() if part.strip())


def plain_rows(columns: Sequence[Column], rows: Sequence[Sequence[Cell]]) -> list[str]:
    """Header and rows as aligned plain text: two spaces between columns, no trailing blanks."""
    table = [[c.name for c in columns]] + [[one_line(_text(cell)) for cell in row] for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    out = []
    for line in table:
        parts = []
        for i, (text, column) in enumerate(zip(line, columns, strict=True)):
            last = i == len(columns) - 1
            if column.justify == "right":
                parts.append(text.rjust(widths[i]))
            else:
                parts.append(text if last else text.ljust(widths[i]))
        out.append("  ".join(parts).rstrip())
    return out


def rich_table(columns: Sequence[Column], rows: Sequence[Sequence[Cell]], *, width: int, title: str | None = None,
               show_lines: bool = False):
    """A rich table that fits ``width``: drops columns by ``drop`` order before it folds an id or a name."""
    from rich.cells import cell_len
    from rich.table import Table
    from rich.text import Text

    def need(i: int) -> int:
        # What column i needs unfolded: its longest line (ids, names) or its longest word (prose).
        texts = [columns[i].name] + [_text(row[i]) for row in rows]
        pieces = [w for t in texts for w in (t.split() if columns[i].wrap else t.splitlines())]
        return max((cell_len(p) for p in pieces), default=1)

    def fits(indices: list[int]) -> bool:
        return sum(need(i) + 2 for i in indices) + len(indices) + 1 <= width  # padding 1+1, one border each

    keep = list(range(len(columns)))
    for _, i in sorted((c.drop, i) for i, c in enumerate(columns) if c.drop is not None):
        if fits(keep):
            break
        keep.remove(i)
    fold_all = not fits(keep)  # nothing left to drop: ids and names fold rather than get cut off
    table = Table(title=title, title_justify="left", show_lines=show_lines)
    for i in keep:
        c = columns[i]
        table.add_column(c.name, no_wrap=not (c.wrap or fold_all), overflow="fold", justify=c.justify,
                         min_width=None if (c.wrap or fold_all) else need(i))
    for row in rows:
        cells = []
        for i in keep:
            text, style = row[i] if isinstance(row[i], tuple) else (row[i], "")
            cells.append(Text(text, style=style))
        table.add_row(*cells)
    return table


def print_table(columns: Sequence[Column], rows: Sequence[Sequence[Cell]], *, title: str | None = None,
                notes: Sequence[str] = (), show_lines: bool = False) -> None:
    """Rows for wherever stdout goes: a table sized to the terminal, else plain aligned lines.

    ``notes`` (plain text) follow the table on a terminal and go to stderr otherwise.
    """
    if not is_terminal():
        sys.stdout.write("".join(line + "\n" for line in plain_rows(columns, rows)))
        for note in notes:
            print(note, file=sys.stderr)
        return
    from rich.text import Text

    out = console()
    out.print(rich_table(columns, rows, width=out.width, title=title, show_lines=show_lines))
    for note in notes:
        out.print(Text(note, style="dim"))


def print_fields(heading: Sequence[str], fields: Sequence[tuple[str, str]], extra: Sequence[str] = ()) -> None:
    """A record: heading lines, then ``label  value`` lines, then extra lines. Plain text when piped
    (one line per field, never wrapped); bold labels and values wrapped beside them on a terminal."""
    width = max((len(label) for label, _ in fields), default=0) + 2
    if not is_terminal():
        lines = [*heading, *(f"{label:<{width}}{one_line(value)}" for label, value in fields), *extra]
        sys.stdout.write("".join(line.rstrip() + "\n" for line in lines))
        return
    from rich.table import Table
    from rich.text import Text

    out = console()
    for i, line in enumerate(heading):
        out.print(Text(line, style="bold" if i == 0 else ""))
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()  # values wrap under themselves, not under the labels
    for label, value in fields:
        grid.add_row(Text(label), Text(value))
    out.print(grid)
    for line in extra:
        out.print(Text(line))
