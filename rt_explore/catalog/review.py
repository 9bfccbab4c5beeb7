"""Warnings: what a finished entry has, but whose absence does not stop the entry loading.

Errors (``validate.py``) make an entry unreadable; warnings are advice that ``rt-explore validate``
lists beside the errors and that ``validate --strict`` (the catalog's own gate) fails on:

- a field still holding a ``TODO`` placeholder (``rt-explore new`` and ``import alm`` write them);
- no ``builds_on`` (write ``builds_on: []`` for a work with no ancestor in the catalog);
- no ``checked`` (where and when the citation was checked);
- no ``notes`` on a debatable classification. "Debatable" is read from the catalog itself, never
  from a hand-kept list: the entry builds on a recurrent entry filed in another cell (its lineage
  argues for the parent's cell), or another entry with exactly the same mechanisms sits in another
  cell (one mechanism, two cells: the pairs the issue names, titans and ttt, quiet-star and
  pondering-lm). Cells are compared over axis and step_unit; building on a comparator (axis none,
  the Transformer) says nothing about the cell.

Warnings need the other entries, so loading never computes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..taxonomy import FINE_DIMS, Taxonomy
from .queries import entry_cell
from .schema import Entry, Problem

PLACEHOLDER = "TODO"
TEXT_FIELDS = ("name", "title", "summary", "notes", "venue")


def review(entries: Iterable[Entry], catalog: Mapping[str, Entry], tax: Taxonomy) -> list[Problem]:
    """The warnings for ``entries``; ``catalog`` (id -> entry, the entries included) gives their context."""
    cells = {e.id: _cell(e, tax) for e in catalog.values()}
    cells_by_mechanisms: dict[frozenset[str], set[str]] = {}
    for e in catalog.values():
        if e.mechanisms:
            cells_by_mechanisms.setdefault(frozenset(e.mechanisms), set()).add(cells[e.id])
    out: list[Problem] = []
    for entry in entries:
        warn = _warner(entry, out)
        for name in TEXT_FIELDS:
            value = getattr(entry, name)
            if isinstance(value, str) and value.startswith(PLACEHOLDER):
                warn(name, f"left to fill: {value}")
        if any(a.startswith(PLACEHOLDER) for a in entry.authors):
            warn("authors", "left to fill: the authors as on the paper's abstract page")
        if "builds_on" not in entry.lines:
            warn("builds_on", "no builds_on: name the catalog entries this work extends "
                 "(write builds_on: [] when it extends none of them)")
        if entry.checked is None:
            where = f"https://arxiv.org/abs/{entry.arxiv}" if entry.arxiv else "URL"
            warn("checked", f"no checked: record where and when the citation was checked, "
                 f"checked: {{on: YYYY-MM-DD, source: {where}, title: first|current}}")
        if entry.notes is None:
            why = debatable(entry, catalog, cells, cells_by_mechanisms, tax)
            if why:
                warn("notes", f"the classification is debatable ({why}) and has no notes: give both readings")
    return out


def debatable(entry: Entry, catalog: Mapping[str, Entry], cells: Mapping[str, str],
              cells_by_mechanisms: Mapping[frozenset[str], set[str]], tax: Taxonomy) -> str | None:
    """Why the entry's cell is open to another reading, or None (see the module docstring)."""
    mine = cells.get(entry.id) or _cell(entry, tax)
    for parent_id in entry.builds_on:
        parent = catalog.get(parent_id)
        if parent is None or parent.axis == "none" or cells[parent_id] == mine:
            continue
        return f"it builds on {parent_id}, filed {cells[parent_id]}, and is filed {mine}"
    if entry.mechanisms:
        others = cells_by_mechanisms.get(frozenset(entry.mechanisms), set()) - {mine}
        if others:
            return f"entries with the same mechanisms are filed {', '.join(sorted(others))}, this one {mine}"
    return None


def _cell(entry: Entry, tax: Taxonomy) -> str:
    cell = entry_cell(entry, tax, FINE_DIMS) or {"axis": entry.axis}
    return "/".join(cell.values())


def _warner(entry: Entry, out: list[Problem]):
    def warn(field: str, message: str) -> None:
        out.append(Problem(str(entry.path), message, entry.lines.get(field) or 1, field, "warning"))

    return warn
