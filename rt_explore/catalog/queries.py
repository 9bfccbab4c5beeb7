"""Questions about the catalog: filtering, the cell an entry sits in, summaries for JSON."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..errors import UsageError
from ..taxonomy import Cell, Taxonomy
from .schema import Entry


def filter_entries(
    entries: Iterable[Entry],
    tax: Taxonomy,
    *,
    axis: str | None = None,
    tokens_per_step: str | None = None,
    step_unit: str | None = None,
    tag: str | None = None,
    search: str | None = None,
    where: Sequence[str] = (),
) -> list[Entry]:
    """Entries matching every filter given. Values are checked against the taxonomy first.

    ``where`` holds ``DIM=VALUE`` filters over any dimension, primary or secondary; an entry that does
    not say its value matches the dimension's default, and one for which the dimension has no meaning
    (loop_topology for axis none) matches nothing.
    """
    wanted: dict[str, str] = {}
    for dim_id, raw in (("axis", axis), ("tokens_per_step", tokens_per_step), ("step_unit", step_unit)):
        if raw is None:
            continue
        dim = tax.dimension(dim_id)
        match = [v.id for v in dim.values if raw in (v.id, v.label)]
        if not match:
            raise UsageError(f"unknown value '{raw}' for --{dim_id.replace('_', '-')}; expected one of "
                             f"{', '.join(dim.value_ids)}")
        wanted[dim_id] = match[0]
    conditions = parse_where(where, tax)
    needle = search.lower() if search else None
    out = []
    for entry in entries:
        if any(entry.value(d) != v for d, v in wanted.items()):
            continue
        if conditions and not _meets(entry, tax, conditions):
            continue
        if tag is not None and tag not in entry.tags:
            continue
        if needle is not None and needle not in _haystack(entry):
            continue
        out.append(entry)
    return out


def parse_where(items: Sequence[str], tax: Taxonomy) -> dict[str, str]:
    """``["loop_topology=nested", "contribution=analysis"]`` -> {dimension: value id}; bad items are usage errors."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        dim_id, raw = key.strip().replace("-", "_"), raw.strip()
        if not sep or not dim_id or not raw:
            raise UsageError(f"malformed --where '{item}'; expected DIMENSION=VALUE, e.g. loop_topology=nested")
        dim = tax.dimension(dim_id)
        match = [v.id for v in dim.values if raw in (v.id, v.label)]
        if not match:
            raise UsageError(f"unknown value '{raw}' for {dim_id}; expected one of {', '.join(dim.value_ids)}")
        if out.get(dim_id, match[0]) != match[0]:
            raise UsageError(f"--where names {dim_id} twice with different values")
        out[dim_id] = match[0]
    return out


def _meets(entry: Entry, tax: Taxonomy, conditions: dict[str, str]) -> bool:
    cell = entry_cell(entry, tax, tuple(conditions))
    return cell is not None and all(cell.get(d) == v for d, v in conditions.items())


def _haystack(entry: Entry) -> str:
    parts = [entry.id, entry.name, entry.title, entry.summary, entry.notes or "", " ".join(entry.authors),
             " ".join(entry.tags), entry.arxiv or ""]
    return " ".join(parts).lower()


def entry_cell(entry: Entry, tax: Taxonomy, dims: Sequence[str]) -> Cell | None:
    """The cell of ``dims`` this entry sits in, or None when it does not say (and no default applies).

    Dimensions made inapplicable by the entry (axis none has no step_unit) are left out, as in
    :meth:`Taxonomy.enumerate_cells`.
    """
    gone = tax.inapplicable(entry.classification)
    cell: Cell = {}
    for dim_id in dims:
        if dim_id in gone:
            continue
        value = entry.value(dim_id) or tax.dimension(dim_id).default
        if value is None:
            return None
        cell[dim_id] = value
    return cell


def list_row(entry: Entry) -> dict:
    """The row of ``list --json`` (keys fixed by the CLI contract)."""
    return {
        "id": entry.id,
        "name": entry.name,
        "year": entry.year,
        "arxiv": entry.arxiv,
        "axis": entry.axis,
        "tokens_per_step": entry.value("tokens_per_step"),
        "step_unit": entry.value("step_unit"),
        "tags": list(entry.tags),
        "title": entry.title,
        "first_author": entry.first_author,
    }
