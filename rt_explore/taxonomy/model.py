"""The design space as objects: dimensions, their values, constraints and named mechanisms.

The data lives in ``dimensions.yaml``; this module only gives it a shape and answers questions about
cells (is this combination coherent? which values does a spec name?). It never imports torch.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from ..errors import UsageError

Cell = dict[str, str]
"""A cell of the design space: a value for each of some dimensions, e.g. ``{"axis": "step", "step_unit": "chunk"}``."""

PAPER_DIMS = ("axis", "tokens_per_step")
FINE_DIMS = ("axis", "step_unit")


# NamedTuples, not dataclasses: they are as immutable and ~10x cheaper to define, which matters for the
# start-up time of `rt-explore list` (dataclasses cost ~1 ms a class to create).
class Value(NamedTuple):
    id: str
    label: str
    description: str
    implies: Mapping[str, str] = {}
    inapplicable: tuple[str, ...] = ()
    comparator: bool = False


class Dimension(NamedTuple):
    id: str
    level: str
    ordered: bool
    description: str
    values: tuple[Value, ...]
    default: str | None = None
    catalog_only: bool = False  # classifies papers; code generation does not vary it
    generated: str | None = None  # for a catalog-only dimension: the value the generated cores realise

    @property
    def value_ids(self) -> tuple[str, ...]:
        return tuple(v.id for v in self.values)

    def value(self, value_id: str) -> Value:
        for v in self.values:
            if v.id == value_id:
                return v
        raise KeyError(value_id)

    def adjacent(self, a: str, b: str) -> bool:
        """Whether two values are one step apart: neighbours if ordered, any two if not."""
        if a == b:
            return False
        if not self.ordered:
            return True
        ids = self.value_ids
        return abs(ids.index(a) - ids.index(b)) == 1


class Constraint(NamedTuple):
    when: Mapping[str, tuple[str, ...]]
    reason: str

    def matches(self, cell: Mapping[str, str]) -> bool:
        return all(dim in cell and cell[dim] in values for dim, values in self.when.items())


class Mechanism(NamedTuple):
    id: str
    description: str
    option: Mapping[str, object]


class Taxonomy(NamedTuple):
    dimensions: tuple[Dimension, ...]
    constraints: tuple[Constraint, ...]
    mechanisms: tuple[Mechanism, ...]

    # -- lookups -------------------------------------------------------------------------------
    @property
    def dimension_ids(self) -> tuple[str, ...]:
        return tuple(d.id for d in self.dimensions)

    def dimension(self, dim_id: str) -> Dimension:
        for d in self.dimensions:
            if d.id == dim_id:
                return d
        known = ", ".join(self.dimension_ids)
        raise UsageError(f"unknown dimension '{dim_id}'; choose from {known}")

    def mechanism_ids(self) -> tuple[str, ...]:
        return tuple(m.id for m in self.mechanisms)

    def mechanism(self, mech_id: str) -> Mechanism:
        for m in self.mechanisms:
            if m.id == mech_id:
                return m
        raise KeyError(mech_id)

    def primary(self) -> tuple[Dimension, ...]:
        return tuple(d for d in self.dimensions if d.level == "primary")

    def secondary(self) -> tuple[Dimension, ...]:
        return tuple(d for d in self.dimensions if d.level == "secondary")

    # -- cells ---------------------------------------------------------------------------------
    def inapplicable(self, cell: Mapping[str, str]) -> set[str]:
        """Dimensions that mean nothing for this cell (e.g. step_unit when axis is none)."""
        index, carriers = _values_index(self)
        if not cell.keys() <= index.keys():
            for dim_id in cell:
                self.dimension(dim_id)  # raises the UsageError naming the known dimensions
        out: set[str] = set()
        for dim_id in carriers:  # only the dimensions with a value that rules others out (axis)
            value = index[dim_id].get(cell.get(dim_id)) if isinstance(cell.get(dim_id), str) else None
            if value is not None:
                out.update(value.inapplicable)
        return out

    def is_comparator(self, cell: Mapping[str, str]) -> bool:
        """Whether the cell is a non-recurrent comparator (axis none): listed, but not in the grid."""
        for dim_id, value_id in cell.items():
            dim = self.dimension(dim_id)
            if value_id in dim.value_ids and dim.value(value_id).comparator:
                return True
        return False

    def exclusion(self, cell: Mapping[str, str]) -> str | None:
        """The reason a cell is incoherent, or None when it is coherent.

        Checks value implications (a step_unit fixes its tokens_per_step) and the constraints.
        """
        for dim_id, value_id in cell.items():
            value = self.dimension(dim_id).value(value_id)
            for other, implied in value.implies.items():
                if other in cell and cell[other] != implied:
                    label = self.dimension(other).value(implied).label
                    return f"{dim_id} {value_id} implies {other} {implied} ({label}), not {cell[other]}"
        for constraint in self.constraints:
            if constraint.matches(cell):
                return constraint.reason
        return None

    def enumerate_cells(self, dims: Iterable[str]) -> list[Cell]:
        """Every combination of values of ``dims``, in data order.

        A value that makes other dimensions inapplicable (axis none) yields one cell without them.
        """
        dims = tuple(dims)
        for d in dims:
            self.dimension(d)
        seen: set[tuple[tuple[str, str], ...]] = set()
        cells: list[Cell] = []
        for combo in itertools.product(*(self.dimension(d).value_ids for d in dims)):
            cell = dict(zip(dims, combo, strict=True))
            for gone in self.inapplicable(cell):
                cell.pop(gone, None)
            key = tuple(cell.items())
            if key not in seen:
                seen.add(key)
                cells.append(cell)
        return cells

    def complete(self, cell: Mapping[str, str]) -> Cell:
        """Fill in what a partial cell implies (tokens_per_step from step_unit)."""
        out = dict(cell)
        changed = True
        while changed:
            changed = False
            for dim_id, value_id in list(out.items()):
                for other, implied in self.dimension(dim_id).value(value_id).implies.items():
                    if other not in out:
                        out[other] = implied
                        changed = True
        return out

    def without_catalog_only(self, cell: Mapping[str, str]) -> tuple[Cell, tuple[str, ...]]:
        """The cell without its catalog-only dimensions, and one note for each value the generator does not build.

        Code generation asks this, so that a dimension added to the data as catalog-only needs no codegen edit.
        """
        out: Cell = {}
        notes: list[str] = []
        gone = self.inapplicable(cell)
        for dim_id, value_id in cell.items():
            dim = self.dimension(dim_id)
            if not dim.catalog_only:
                out[dim_id] = value_id
            elif dim_id in gone:
                notes.append(f"{dim_id}={value_id} has no meaning for this cell (axis {cell.get('axis')}); ignored")
            elif value_id != dim.generated:
                nearest = f"; scaffold builds {dim_id}={dim.generated}" if dim.generated else ""
                notes.append(f"{dim_id}={value_id} is catalog-only and not generated{nearest}")
        return out, tuple(notes)

    def validate_value(self, dim_id: str, value_id: object) -> str | None:
        """An error message when ``value_id`` is not a value of ``dim_id``, else None."""
        dim = self.dimension(dim_id)
        if isinstance(value_id, str) and value_id.startswith("TODO"):
            return f"left to fill: choose one of {', '.join(dim.value_ids)}"
        if not isinstance(value_id, str) or value_id not in dim.value_ids:
            return f"unknown value {value_id!r} for {dim_id}; expected one of {', '.join(dim.value_ids)}"
        return None


_INDEXES: dict[int, tuple[Taxonomy, dict[str, dict[str, Value]], tuple[str, ...]]] = {}


def _values_index(tax: Taxonomy) -> tuple[dict[str, dict[str, Value]], tuple[str, ...]]:
    """dimension id -> value id -> Value, and the dimensions having a value with `inapplicable`; built once
    per taxonomy (placing 10,000 entries asks it for each)."""
    cached = _INDEXES.get(id(tax))
    if cached is None or cached[0] is not tax:
        index = {d.id: {v.id: v for v in d.values} for d in tax.dimensions}
        carriers = tuple(d.id for d in tax.dimensions if any(v.inapplicable for v in d.values))
        cached = _INDEXES[id(tax)] = (tax, index, carriers)
    return cached[1], cached[2]


def cell_key(cell: Mapping[str, str]) -> str:
    """A stable, readable key: ``axis=step,step_unit=chunk``."""
    return ",".join(f"{k}={v}" for k, v in cell.items())


def cell_short(cell: Mapping[str, str]) -> str:
    """The short form used in tables: ``step/chunk``."""
    return "/".join(cell.values())
