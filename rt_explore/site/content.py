"""What the site's pages show, as plain data: computed once for the whole catalog, then rendered.

Everything a template receives is data (strings, numbers, lists, dicts); the templates escape every
string (Jinja autoescape), so catalog text never becomes markup.
"""

from __future__ import annotations

import re
from collections import deque
from typing import NamedTuple
from urllib.parse import quote

from ..catalog.loader import Catalog
from ..catalog.schema import Entry
from ..catalog.space import cells, gaps
from ..taxonomy import FINE_DIMS, PAPER_DIMS, cell_key
from ..taxonomy.graph import build_graph

SAFE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SAFE_DIM = re.compile(r"^[a-z0-9_]+$")
REPRESENTATIVES = 3  # names shown in a cell of Table 1
NEIGHBOUR_NAMES = 6  # entries named per neighbouring cell


# Links are relative to the site's root folder; a template puts its own ``root`` ("" or "../") before them.
def entry_href(entry_id: str) -> str:
    return f"entry/{quote(entry_id, safe='')}.html"


def filter_href(**values: str) -> str:
    """A link to the entries table with filters set: ``entries.html#axis=depth&tokens_per_step=gt1``."""
    return "entries.html#" + "&".join(f"{quote(k)}={quote(str(v), safe='')}" for k, v in values.items())


def web_url(url: str | None) -> str | None:
    """A catalog URL fit for an href: http(s) only (javascript:, data: and the like are refused)."""
    return url if url and re.match(r"^https?://[^\s\"'<>]+$", url, flags=re.I) else None


def cell_slug(cell: dict[str, str]) -> str:
    return "-".join(re.sub(r"[^a-z0-9]+", "", v.lower()) or "x" for v in cell.values())


class Scaffold(NamedTuple):
    command: str | None  # None: the generator does not build this entry's cell
    notes: tuple[str, ...]
    reason: str | None


def scaffold_for(entry: Entry, catalog: Catalog, memo: dict | None = None) -> Scaffold:
    """What ``rt-explore scaffold --like ID`` does for this entry, decided by the generator itself.

    The outcome depends on the classification and mechanisms only (and on the id being a usable project
    name), so ``memo`` shares it between entries that agree on them: most of a 300-entry catalog.
    """
    from ..codegen.spec import safe_name, spec_from_entry
    from ..errors import UsageError

    key = (tuple(sorted(entry.classification.items())), tuple(entry.mechanisms))
    if memo is not None and key in memo:
        outcome = memo[key]
    else:
        try:
            spec = spec_from_entry(entry, catalog.taxonomy, {}, None)
            outcome = (True, tuple(spec.notes), None)
        except UsageError as exc:
            outcome = (False, (), str(exc))
        if memo is not None:
            memo[key] = outcome
    ok, notes, reason = outcome
    if ok:
        try:
            safe_name(entry.id)  # scaffold names the project after the entry
        except UsageError as exc:
            return Scaffold(None, (), str(exc))
        return Scaffold(f"rt-explore scaffold --like {entry.id}", notes, None)
    return Scaffold(None, (), reason)


class Lineage(NamedTuple):
    parents: dict[str, list[str]]  # direct builds_on (known ids only)
    ancestors: dict[str, list[str]]  # transitive, nearest first
    children: dict[str, list[str]]  # direct, sorted


def lineage(catalog: Catalog) -> Lineage:
    known = catalog.entries
    parents = {e.id: [p for p in e.builds_on if p in known] for e in catalog}
    children: dict[str, list[str]] = {e.id: [] for e in catalog}
    for child, ps in parents.items():
        for p in ps:
            children[p].append(child)
    ancestors = {}
    for entry_id in known:
        seen: dict[str, int] = {}
        queue = deque((p, 1) for p in parents[entry_id])
        while queue:
            node, dist = queue.popleft()
            if node in seen or node == entry_id:
                continue
            seen[node] = dist
            queue.extend((p, dist + 1) for p in parents[node])
        ancestors[entry_id] = sorted(seen, key=lambda a: (seen[a], a))
    return Lineage(parents, ancestors, {k: sorted(v) for k, v in children.items()})


def value_label(catalog: Catalog, dim_id: str, value_id: str | None) -> str:
    if value_id is None:
        return "-"
    try:
        return catalog.taxonomy.dimension(dim_id).value(value_id).label
    except KeyError:
        return value_id


def dimensions(catalog: Catalog) -> list[dict]:
    """Every dimension with its values and how many entries take each (the filters of the entries table)."""
    out = []
    for dim in catalog.taxonomy.dimensions:
        if not SAFE_DIM.match(dim.id):
            raise ValueError(f"dimension id {dim.id!r} is not usable as an HTML attribute name")
        counts: dict[str, int] = {}
        for e in catalog:
            value = entry_value(e, dim.id, dim.default)
            counts[value] = counts.get(value, 0) + 1
        values = [{"id": v.id, "label": v.label, "description": v.description, "count": counts.get(v.id, 0)}
                  for v in dim.values]
        out.append({"id": dim.id, "label": dim.id.replace("_", " "), "level": dim.level,
                    "description": dim.description, "values": values, "unstated": counts.get("", 0)})
    return out


def entry_value(entry: Entry, dim_id: str, default: str | None) -> str:
    """The entry's value for a dimension, its default when it says nothing, '' when there is none."""
    return entry.value(dim_id) or default or ""


def row(entry: Entry, catalog: Catalog) -> dict:
    """One row of the entries table: what it shows and the data its filters read."""
    tax = catalog.taxonomy
    values = {d.id: entry_value(entry, d.id, d.default) for d in tax.dimensions}
    text = " ".join([entry.id, entry.name, entry.title, entry.summary, " ".join(entry.authors)]).lower()
    return {
        "id": entry.id, "href": entry_href(entry.id), "name": entry.name, "title": entry.title,
        "first_author": entry.first_author, "year": entry.year, "values": values,
        "axis": entry.axis, "tokens_per_step": value_label(catalog, "tokens_per_step", entry.value("tokens_per_step")),
        "step_unit": entry.value("step_unit") or "-", "tags": list(entry.tags),
        "search": " ".join(text.split()),
    }


def table_one(catalog: Catalog, rows_dim: str = "axis", cols_dim: str = "tokens_per_step") -> dict:
    """The paper's Table 1 (or any two dimensions): a cell per (row, column) with its count and status."""
    from ..catalog.space import grid

    row_values, col_values, table = grid(catalog, rows_dim, cols_dim)
    score = {cell_key(g.cell): g for g in gaps(catalog, (rows_dim, cols_dim))}
    out_rows = []
    for r in row_values:
        line = []
        for c in col_values:
            s = table.get((r.id, c.id))
            cell = {rows_dim: r.id, cols_dim: c.id}
            entry = {"status": "excluded" if s is None else s.status, "cell": cell, "label": f"{r.label} / {c.label}",
                     "count": 0, "href": None, "reps": [], "more": 0, "reason": s.reason if s else None,
                     "gap_href": None, "rank": None}
            if s is not None and s.status == "populated":
                ids = list(s.entries)
                reps = [i for i in ids if "paper-table-1" in catalog.entries[i].tags][:REPRESENTATIVES] \
                    or ids[:REPRESENTATIVES]
                entry.update(count=len(ids), href=filter_href(**cell),
                             reps=[{"name": catalog.entries[i].name, "href": entry_href(i)} for i in reps],
                             more=len(ids) - len(reps))
            elif s is not None and s.status == "empty":
                g = score.get(cell_key(s.cell))
                entry.update(gap_href=f"gaps.html#gap-{cell_slug(cell)}", rank=g.rank if g else None)
            line.append(entry)
        out_rows.append({"label": r.label, "id": r.id, "cells": line})
    return {"rows_dim": rows_dim, "cols_dim": cols_dim, "cols": [{"id": c.id, "label": c.label} for c in col_values],
            "rows": out_rows}


def comparators(catalog: Catalog) -> dict:
    tax = catalog.taxonomy
    axis_values = [v for v in tax.dimension("axis").values if v.comparator]
    ids = [e.id for e in catalog if any(e.axis == v.id for v in axis_values)]
    return {"count": len(ids), "href": filter_href(axis=axis_values[0].id) if axis_values else None,
            "label": ", ".join(v.label for v in axis_values)}


def gap_tables(catalog: Catalog) -> list[dict]:
    """Ranked gaps at the paper's level and at the fine level, each with neighbours and a starting point."""
    out = []
    for dims, flag, heading in ((PAPER_DIMS, "", "The paper's grid: axis x tokens per step"),
                                (FINE_DIMS, " --fine", "The fine grid: axis x step unit")):
        found = []
        for g in gaps(catalog, dims):
            neighbours = [{"cell": "/".join(n.cell.values()), "href": filter_href(**n.cell), "count": len(n.entries),
                           "entries": [{"name": catalog.entries[i].name, "href": entry_href(i)}
                                       for i in n.entries[:NEIGHBOUR_NAMES]],
                           "more": max(0, len(n.entries) - NEIGHBOUR_NAMES)} for n in g.neighbors]
            start = catalog.entries.get(g.start_from) if g.start_from else None
            start_view = {"name": start.name, "href": entry_href(start.id), "id": start.id} if start else None
            found.append({"rank": g.rank, "cell": "/".join(g.cell.values()), "slug": cell_slug(g.cell),
                          "score": f"{g.score:.3f}", "neighbors": neighbours,
                          "start": start_view,
                          "differs_in": g.differs_in, "command": f"rt-explore scaffold --gap {g.rank}{flag}"})
        excluded = [{"cell": "/".join(s.cell.values()), "reason": s.reason}
                    for s in cells(catalog, dims) if s.status == "excluded"]
        out.append({"heading": heading, "dims": list(dims), "gaps": found, "excluded": excluded})
    return out


class Neighbourhood(NamedTuple):
    cell: dict[str, str] | None
    neighbors: list[dict]


def neighbourhoods(catalog: Catalog, dims=PAPER_DIMS) -> dict[str, Neighbourhood]:
    """Each entry's cell over ``dims`` and its neighbouring cells in the gap graph (one graph for all)."""
    from ..catalog.queries import entry_cell

    statuses = cells(catalog, dims)
    graph = build_graph(catalog.taxonomy, statuses)
    by_key: dict[str, list[dict]] = {}
    out = {}
    for e in catalog:
        cell = entry_cell(e, catalog.taxonomy, dims)
        key = cell_key(cell) if cell is not None else None
        if key is None or key not in graph:
            out[e.id] = Neighbourhood(cell, [])
            continue
        if key not in by_key:
            found = []
            for other in graph.neighbors(key):
                s = graph.nodes[other]["status"]
                found.append({"cell": "/".join(s.cell.values()), "status": s.status, "count": len(s.entries),
                              "href": filter_href(**s.cell) if s.entries else f"gaps.html#gap-{cell_slug(s.cell)}",
                              "differs_in": graph.edges[key, other]["dimension"].replace("_", " "),
                              "entries": [{"name": catalog.entries[i].name, "href": entry_href(i)}
                                          for i in s.entries[:NEIGHBOUR_NAMES]],
                              "more": max(0, len(s.entries) - NEIGHBOUR_NAMES)})
            by_key[key] = found
        out[e.id] = Neighbourhood(cell, by_key[key])
    return out

