"""Knowledge-base commands: list, show, grid, cells, gaps, export (validate is in contribute.py).

None of these import torch; ``list`` does not import networkx either.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .app import app, load
from .output import Column, console, emit_json, print_fields, print_table

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")]
DimsOpt = Annotated[
    str | None,
    typer.Option("--dims", help="Comma-separated dimensions of the cells (axis is always included), "
                 "e.g. axis,step_unit,halting.", show_default=False),
]
FineOpt = Annotated[bool, typer.Option("--fine", help="Use step_unit instead of tokens_per_step (the finer grid).")]


# Shell completion of values (called only while a shell asks for completions, never on a normal run).
def _complete_ids(incomplete: str) -> list[str]:
    from ..catalog import load_catalog

    return [i for i in load_catalog().entries if i.startswith(incomplete)]


def _complete_values(dim_id: str):
    def complete(incomplete: str) -> list[str]:
        from ..taxonomy import load_taxonomy

        return [v for v in load_taxonomy().dimension(dim_id).value_ids if v.startswith(incomplete)]

    return complete


def _complete_tags(incomplete: str) -> list[str]:
    from ..catalog import load_catalog

    return sorted({t for e in load_catalog() for t in e.tags if t.startswith(incomplete)})


@app.command("list")
def list_entries(
    axis: Annotated[str | None, typer.Option(help="depth, step, depth+step or none.", show_default=False,
                                             autocompletion=_complete_values("axis"))] = None,
    tokens_per_step: Annotated[
        str | None, typer.Option("--tokens-per-step", help="gt1, eq1 or lt1 (or >1, =1, <1).", show_default=False,
                                 autocompletion=_complete_values("tokens_per_step"))
    ] = None,
    step_unit: Annotated[str | None, typer.Option("--step-unit", help="sequence, chunk, token, ponder, latent.",
                                                  show_default=False, autocompletion=_complete_values("step_unit"))
                         ] = None,
    tag: Annotated[str | None, typer.Option(help="Only entries with this tag.", show_default=False,
                                            autocompletion=_complete_tags)] = None,
    search: Annotated[str | None, typer.Option(help="Case-insensitive text search over names, titles, "
                                               "authors, summaries and notes.", show_default=False)] = None,
    where: Annotated[list[str] | None, typer.Option(help="DIM=VALUE on any dimension, repeatable "
                                                    "(e.g. loop_topology=nested, contribution=analysis).",
                                                    show_default=False)] = None,
    as_json: JsonOpt = False,
) -> None:
    """Catalog entries matching all filters, as a table or JSON."""
    from ..catalog import filter_entries, list_row

    catalog = load()
    rows = filter_entries(catalog, catalog.taxonomy, axis=axis, tokens_per_step=tokens_per_step,
                          step_unit=step_unit, tag=tag, search=search, where=where or ())
    if as_json:
        emit_json([list_row(e) for e in rows])
        return
    labels = {v.id: v.label for v in catalog.taxonomy.dimension("tokens_per_step").values}
    columns = (Column("id"), Column("name"), Column("year", drop=4), Column("arxiv", drop=2), Column("axis", drop=6),
               Column("tokens/step", drop=5), Column("step unit", drop=3), Column("tags", drop=1, wrap=True))
    table = [(e.id, e.name, str(e.year), e.arxiv or "-", e.axis, labels.get(e.value("tokens_per_step"), "-"),
              e.value("step_unit") or "-", ", ".join(e.tags) or "-") for e in rows]
    print_table(columns, table, title=f"{len(rows)} of {len(catalog)} entries")


@app.command()
def show(
    entry_id: Annotated[str, typer.Argument(metavar="ID", help="A catalog id, e.g. universal-transformer.",
                                            autocompletion=_complete_ids)],
    as_json: JsonOpt = False,
) -> None:
    """One entry: citation, classification, mechanisms, lineage, its cell and neighbouring cells."""
    from ..catalog.space import lineage, neighbourhood

    catalog = load()
    entry = catalog.get(entry_id)
    ancestors, children = lineage(catalog, entry)
    cell, neighbours = neighbourhood(catalog, entry)
    data = {
        **entry.to_dict(),
        "link": entry.link,
        "lineage": {"builds_on": list(entry.builds_on), "ancestors": ancestors, "built_on_by": children},
        "cell": cell,
        "neighbors": [{"cell": n.cell, "status": n.status, "entries": list(n.entries)} for n in neighbours],
        "path": str(entry.path),
    }
    if as_json:
        emit_json(data)
        return
    authors = ", ".join(entry.authors[:6]) + (" et al." if len(entry.authors) > 6 else "")
    heading = [f"{entry.name}  ({entry.id})", entry.title,
               f"{authors}, {entry.year}" + (f", {entry.venue}" if entry.venue else ""),
               f"{entry.link}" + (f"   code: {entry.code}" if entry.code else "")]
    fields = [("summary", entry.summary),
              ("classification", ", ".join(f"{k}={v}" for k, v in entry.classification.items()))]
    fields += [(label, value) for label, value in (("mechanisms", ", ".join(entry.mechanisms)),
                                                   ("tags", ", ".join(entry.tags)), ("notes", entry.notes or ""))
               if value]
    fields.append(("builds on", (", ".join(entry.builds_on) or "-")
                   + (f"  (ancestry: {', '.join(ancestors)})" if len(ancestors) > len(entry.builds_on) else "")))
    fields.append(("built on by", ", ".join(children) or "-"))
    if cell:
        fields.append(("cell", "/".join(cell.values())))
        for n in neighbours:
            names = ", ".join(n.entries[:5]) + (f" +{len(n.entries) - 5}" if len(n.entries) > 5 else "")
            fields.append(("neighbour", f"{'/'.join(n.cell.values()):<22} {n.status:<10} {names}".rstrip()))
    else:
        fields.append(("cell", "- (a comparator, not a cell of the grid)"))
    print_fields(heading, fields)


@app.command()
def grid(
    rows: Annotated[str, typer.Option(help="Dimension of the rows.")] = "axis",
    cols: Annotated[str | None, typer.Option(help="Dimension of the columns (default: tokens_per_step, "
                                             "or step_unit with --fine).", show_default=False)] = None,
    fine: FineOpt = False,
    show_all: Annotated[bool, typer.Option("--all", help="Name every entry in each cell, not only the "
                                           "paper's representatives.")] = False,
    plot: Annotated[Path | None, typer.Option(help="Also draw the grid to FILE.png or FILE.svg.",
                                              show_default=False)] = None,
    evidence: Annotated[Path | None, typer.Option(help="A results store (bench or experiment): show in each cell "
                                                  "the scaled accuracy at the longest test length, mean \\[95% "
                                                  "interval] over n seeds, per task and variant.",
                                                  show_default=False)] = None,
    as_json: JsonOpt = False,
) -> None:
    """The taxonomy as a matrix: entries per cell, gaps marked (default: the paper's Table 1)."""
    from ..catalog.space import grid as make_grid

    catalog = load()
    cols = cols or ("step_unit" if fine else "tokens_per_step")
    rows, cols = rows.replace("-", "_"), cols.replace("-", "_")
    row_values, col_values, table = make_grid(catalog, rows, cols)
    measured = _evidence(evidence, rows, cols) if evidence is not None else {}
    if plot is not None:
        from ..catalog.plot import plot_grid

        plot_grid(catalog, rows, cols, row_values, col_values, table, plot)
    if as_json:
        cells_out = []
        for (r, c), s in table.items():
            cells_out.append({**s.to_dict(), "evidence": measured.get((r, c), {})})
        emit_json({"rows": rows, "cols": cols, "cells": cells_out,
                   "baseline_evidence": measured.get(("none", None), {})})
        return
    from rich.table import Table

    entries = catalog.entries
    out = Table(title=f"{rows} x {cols} ({len(catalog)} entries; [red]gap[/red] = empty coherent cell)",
                show_lines=True, title_justify="left")
    out.add_column(f"{rows} \\ {cols}", style="bold")
    for v in col_values:
        out.add_column(v.label, overflow="fold", ratio=1)
    for r in row_values:
        cells = []
        for c in col_values:
            s = table.get((r.id, c.id))
            if s is None or s.status == "excluded":
                cells.append("[dim]excluded[/dim]")
            elif s.status == "empty":
                cells.append("[bold red]gap[/bold red]")
            else:
                cells.append(_cell_text(s.entries, entries, show_all))
            if (r.id, c.id) in measured:
                cells[-1] += "\n" + _evidence_text(measured[(r.id, c.id)])
        out.add_row(r.label, *cells)
    console().print(out)
    if evidence is not None:
        baseline = measured.get(("none", None))
        console().print("measured: scaled accuracy at the longest test length (past the training length), mean "
                        "[95% bootstrap interval] over n seeds, per task and variant"
                        + (f"; none baseline: {_evidence_text(baseline)}" if baseline else ""))
    if plot is not None:
        console().print(f"wrote {plot}")


def _evidence(db: Path, rows: str, cols: str) -> dict:
    from ..errors import UsageError
    from ..experiments.evidence import evidence_by_cell

    if (rows, cols) != ("axis", "tokens_per_step"):
        raise UsageError("--evidence shows the paper's axis x tokens_per_step table; drop --rows/--cols/--fine")
    return evidence_by_cell(db)


def _evidence_text(by_task: dict[str, list[dict]]) -> str:
    from rich.markup import escape

    def one(e: dict) -> str:
        if "mean" not in e:
            return f"all {e['diverged']} diverged"
        interval = f" \\[{e['low']:.2f}, {e['high']:.2f}]" if e["n"] > 1 else ""
        diverged = f", {e['diverged']} diverged" if e["diverged"] else ""
        return f"{e['mean']:.2f}{interval} n={e['n']}{diverged}"

    lines = [f"{task} {escape(e['label'])}: {one(e)}" for task, entries in sorted(by_task.items()) for e in entries]
    return "[cyan]" + "\n".join(lines) + "[/cyan]"


def _cell_text(ids, entries, show_all: bool) -> str:
    from rich.markup import escape

    reps = [i for i in ids if "paper-table-1" in entries[i].tags]
    shown = list(ids) if show_all else (reps or list(ids[:3]))
    text = ", ".join(escape(entries[i].name) for i in shown)
    rest = len(ids) - len(shown)
    return text + (f" [dim](+{rest} more)[/dim]" if rest else "")


@app.command()
def cells(dims: DimsOpt = None, fine: FineOpt = False, as_json: JsonOpt = False) -> None:
    """Every cell of the chosen dimensions: populated, empty or excluded (with the reason)."""
    from ..catalog.space import cells as all_cells
    from ..catalog.space import resolve_dims, unplaced

    catalog = load()
    dim_ids = resolve_dims(catalog.taxonomy, dims, fine)
    statuses = all_cells(catalog, dim_ids)
    if as_json:
        emit_json([s.to_dict() for s in statuses])
        return
    counts = {k: sum(s.status == k for s in statuses) for k in ("populated", "empty", "excluded")}
    style = {"populated": "green", "empty": "bold red", "excluded": "dim"}
    table = []
    for s in statuses:
        detail = s.reason if s.status == "excluded" else ", ".join(s.entries[:8]) + (
            f" (+{len(s.entries) - 8})" if len(s.entries) > 8 else "")
        label = "/".join(s.cell.values()) + (" (comparator)" if s.comparator else "")
        table.append((label, (s.status, style[s.status]), detail or "-"))
    missing = unplaced(catalog, dim_ids)
    notes = [f"{len(missing)} entries do not say their value for one of these dimensions and are not placed."] \
        if missing else []
    print_table((Column("cell"), Column("status"), Column("entries / reason", wrap=True)), table,
                title=f"{len(statuses)} cells over {', '.join(dim_ids)}: "
                + ", ".join(f"{v} {k}" for k, v in counts.items()), notes=notes)


@app.command()
def gaps(
    dims: DimsOpt = None,
    fine: FineOpt = False,
    top: Annotated[int | None, typer.Option(help="Show only the best N gaps.", min=1, show_default=False)] = None,
    as_json: JsonOpt = False,
) -> None:
    """Empty cells ranked by frontier score, with their populated neighbours and a starting point."""
    from ..catalog.space import gaps as rank
    from ..catalog.space import resolve_dims

    catalog = load()
    dim_ids = resolve_dims(catalog.taxonomy, dims, fine)
    found = rank(catalog, dim_ids, top)
    if as_json:
        emit_json([g.to_dict() for g in found])
        return
    table = []
    for g in found:
        neighbours = "\n".join(
            f"{'/'.join(n.cell.values())}: {', '.join(n.entries[:4])}"
            + (f" +{len(n.entries) - 4}" if len(n.entries) > 4 else "") for n in g.neighbors)
        start = f"{g.start_from} (differs in {g.differs_in})" if g.start_from else "-"
        table.append((str(g.rank), "/".join(g.cell.values()), f"{g.score:.3f}", neighbours or "-", start))
    notes = [f"Next: rt-explore scaffold --gap 1{' --dims ' + ','.join(dim_ids) if dims else ''}"
             f"{' --fine' if fine and not dims else ''}"] if found else []
    columns = (Column("rank", justify="right"), Column("empty cell"), Column("score", justify="right"),
               Column("populated neighbours", wrap=True), Column("start from", drop=1, wrap=True))
    print_table(columns, table, title=f"{len(found)} gaps over {', '.join(dim_ids)} (score = sum over populated "
                "neighbours of 1 + ln(1 + entries))", notes=notes, show_lines=True)


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", "-f", help="markdown, latex, bibtex, json, html (one page) "
                                     "or site (a browsable folder; needs -o DIR).")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to FILE (or DIR for site) "
                                                "instead of stdout.", show_default=False)] = None,
    docs: Annotated[Path | None, typer.Option(help="site: the reports folder for the evidence pages (default: "
                                              "docs/ of the checkout, when there is one).", show_default=False)] = None,
) -> None:
    """The taxonomy table, the bibliography, a one-page HTML report, or a static site to browse offline."""
    import sys

    from ..errors import UsageError

    if fmt == "site":
        from ..site import build_site

        if output is None:
            raise UsageError("--format site writes a folder: give it with -o DIR")
        if docs is not None and not docs.is_dir():
            raise UsageError(f"--docs: no such folder: {docs}")
        built = build_site(load(), output, docs=docs)
        print(f"wrote {built.path}/ ({built.pages} pages: {built.entries} entries, {built.reports} reports; "
              f"open {built.path / 'index.html'})", file=sys.stderr)
        return
    if docs is not None:
        raise UsageError("--docs is for --format site")
    from ..atomic import write_text
    from ..catalog.export import render

    text = render(load(), fmt)
    if output is None:
        sys.stdout.write(text)
    else:
        write_text(output, text)
        print(f"wrote {output} ({len(text.encode())} bytes)", file=sys.stderr)
