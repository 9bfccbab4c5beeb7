"""The gap graph: a node per cell, an edge between cells one step apart in one dimension.

Entries attach to their cells; an empty, coherent, non-comparator cell is a gap, ranked by its
frontier score: the explored territory next door. (docs/design.md, "Gaps".)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import networkx as nx

from .model import Cell, Taxonomy, cell_key


@dataclass(frozen=True)
class CellStatus:
    cell: Cell
    status: str  # populated | empty | excluded
    entries: tuple[str, ...] = ()
    reason: str | None = None
    comparator: bool = False

    def to_dict(self) -> dict:
        return {"cell": dict(self.cell), "status": self.status, "entries": list(self.entries),
                "reason": self.reason, "comparator": self.comparator}


@dataclass(frozen=True)
class Gap:
    rank: int
    cell: Cell
    score: float
    neighbors: tuple[CellStatus, ...]
    start_from: str | None = None
    start_cell: Cell | None = None
    differs_in: str | None = None

    def to_dict(self) -> dict:
        return {
            "rank": self.rank,
            "cell": dict(self.cell),
            "score": self.score,
            "neighbors": [{"cell": dict(n.cell), "entries": list(n.entries)} for n in self.neighbors],
            "start_from": self.start_from,
            "start_cell": dict(self.start_cell) if self.start_cell else None,
            "differs_in": self.differs_in,
        }


def cell_statuses(tax: Taxonomy, dims: Sequence[str], members: Mapping[str, Sequence[str]]) -> list[CellStatus]:
    """Every cell of ``dims`` with its status; ``members`` maps cell_key -> entry ids (best first)."""
    out = []
    for cell in tax.enumerate_cells(dims):
        key = cell_key(cell)
        reason = tax.exclusion(cell)
        entries = tuple(members.get(key, ()))
        comparator = tax.is_comparator(cell)
        if reason is not None:
            status = "excluded"
        else:
            status = "populated" if entries else "empty"
        out.append(CellStatus(cell, status, entries, reason, comparator))
    return out


def differing_dimension(tax: Taxonomy, a: Cell, b: Cell) -> str | None:
    """The one dimension in which two cells are a step apart, or None if they are not neighbours."""
    if a.keys() != b.keys():
        return None
    diff = [d for d in a if a[d] != b[d]]
    if len(diff) != 1:
        return None
    dim = tax.dimension(diff[0])
    return diff[0] if dim.adjacent(a[diff[0]], b[diff[0]]) else None


def build_graph(tax: Taxonomy, statuses: Sequence[CellStatus]) -> nx.Graph:
    """Nodes: coherent cells of the grid (comparators and excluded cells left out); edges: one step apart."""
    graph = nx.Graph()
    nodes = [s for s in statuses if s.status != "excluded" and not s.comparator]
    for s in nodes:
        graph.add_node(cell_key(s.cell), status=s)
    for i, a in enumerate(nodes):
        for b in nodes[i + 1:]:
            dim = differing_dimension(tax, a.cell, b.cell)
            if dim is not None:
                graph.add_edge(cell_key(a.cell), cell_key(b.cell), dimension=dim)
    return graph


def frontier_score(graph: nx.Graph, node: str) -> float:
    """Explored territory next door: each populated neighbour counts 1 + ln(1 + its entries).

    The log keeps one crowded neighbour (twenty linear RNNs) from outweighing two sparse ones.
    """
    score = 0.0
    for other in graph.neighbors(node):
        status: CellStatus = graph.nodes[other]["status"]
        if status.status == "populated":
            score += 1.0 + math.log1p(len(status.entries))
    return round(score, 3)


def rank_gaps(tax: Taxonomy, statuses: Sequence[CellStatus], top: int | None = None) -> list[Gap]:
    """Empty coherent cells, best first, each with its populated neighbours and a starting point."""
    graph = build_graph(tax, statuses)
    order = {cell_key(s.cell): i for i, s in enumerate(statuses)}
    scored = []
    for node, data in graph.nodes(data=True):
        status: CellStatus = data["status"]
        if status.status != "empty":
            continue
        scored.append((-frontier_score(graph, node), order[node], node))
    scored.sort()
    gaps = []
    for rank, (neg_score, _, node) in enumerate(scored[:top] if top else scored, start=1):
        status = graph.nodes[node]["status"]
        neighbours = sorted(
            (graph.nodes[o]["status"] for o in graph.neighbors(node)
             if graph.nodes[o]["status"].status == "populated"),
            key=lambda s: (-len(s.entries), order[cell_key(s.cell)]),
        )
        start_from = start_cell = differs_in = None
        if neighbours:
            # Prefer a neighbour across an ordered dimension (a nearer kin), then the best-populated one.
            best = min(neighbours, key=lambda s: (
                not tax.dimension(graph.edges[node, cell_key(s.cell)]["dimension"]).ordered,
                -len(s.entries), order[cell_key(s.cell)]))
            start_from, start_cell = best.entries[0], best.cell
            differs_in = graph.edges[node, cell_key(best.cell)]["dimension"]
        gaps.append(Gap(rank, status.cell, -neg_score, tuple(neighbours), start_from, start_cell, differs_in))
    return gaps
