"""The taxonomy data, cell specs, and the gap graph over synthetic catalogs."""

from __future__ import annotations

import pytest

from rt_explore.errors import UsageError
from rt_explore.taxonomy import FINE_DIMS, PAPER_DIMS, load_taxonomy, parse_cell_spec, parse_taxonomy
from rt_explore.taxonomy.graph import build_graph, cell_statuses, frontier_score, rank_gaps

TAX = load_taxonomy()


def test_the_primary_dimensions_have_the_papers_values():
    assert TAX.dimension("axis").value_ids == ("depth", "step", "depth+step", "none")
    assert TAX.dimension("tokens_per_step").value_ids == ("gt1", "eq1", "lt1")
    assert [v.label for v in TAX.dimension("tokens_per_step").values] == [">1", "=1", "<1"]
    assert TAX.dimension("step_unit").value_ids == ("sequence", "chunk", "token", "ponder", "latent")


def test_every_step_unit_implies_its_column():
    implied = {v.id: v.implies["tokens_per_step"] for v in TAX.dimension("step_unit").values}
    assert implied == {"sequence": "gt1", "chunk": "gt1", "token": "eq1", "ponder": "lt1", "latent": "lt1"}


def test_the_fine_grid_has_eleven_recurrent_cells_and_the_baseline():
    coherent = [c for c in TAX.enumerate_cells(FINE_DIMS) if TAX.exclusion(c) is None]
    short = {"/".join(c.values()) for c in coherent}
    assert short == {
        "depth/sequence", "depth/chunk", "depth/token", "depth/ponder",
        "step/chunk", "step/token", "step/ponder",
        "depth+step/chunk", "depth+step/token", "depth+step/ponder", "depth+step/latent", "none",
    }


def test_excluded_cells_carry_a_reason():
    reason = TAX.exclusion({"axis": "step", "step_unit": "sequence"})
    assert reason and "depth recurrence" in reason


@pytest.mark.parametrize(
    ("spec", "cell"),
    [
        ("step/chunk", {"axis": "step", "tokens_per_step": "gt1", "step_unit": "chunk"}),
        ("axis=step,step_unit=chunk", {"axis": "step", "tokens_per_step": "gt1", "step_unit": "chunk"}),
        ("depth/eq1", {"axis": "depth", "tokens_per_step": "eq1", "step_unit": "token"}),
        ("axis=depth,tokens_per_step=<1", {"axis": "depth", "tokens_per_step": "lt1", "step_unit": "ponder"}),
        ("axis=step,tokens_per_step=gt1", {"axis": "step", "tokens_per_step": "gt1", "step_unit": "chunk"}),
        ("none", {"axis": "none"}),
        ("axis=depth,step_unit=sequence,halting=adaptive",
         {"axis": "depth", "tokens_per_step": "gt1", "step_unit": "sequence", "halting": "adaptive"}),
    ],
)
def test_cell_specs_resolve_to_complete_cells(spec, cell):
    assert parse_cell_spec(spec, TAX) == cell


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("step/sequence", "excluded"),
        ("sideways/token", "unknown value 'sideways'"),
        ("axis=step", "must name step_unit or tokens_per_step"),
        ("axis=none,step_unit=token", "no meaning"),
        ("axis=step,step_unit=token,halting=adaptive", "nothing to halt"),
        ("step/token/extra", "malformed"),
        ("colour=red,axis=step", "unknown dimension 'colour'"),
    ],
)
def test_bad_cell_specs_are_refused_with_a_reason(spec, message):
    with pytest.raises(UsageError, match=message):
        parse_cell_spec(spec, TAX)


def test_taxonomy_data_that_names_unknown_dimensions_is_refused(tmp_path):
    data = {"dimensions": [{"id": "a", "values": [{"id": "x", "implies": {"b": "y"}}]}]}
    with pytest.raises(UsageError, match="implies unknown b=y"):
        parse_taxonomy(data, tmp_path / "d.yaml")


def test_a_new_value_in_the_data_appears_as_new_cells(tmp_path):
    import yaml

    from rt_explore.taxonomy import DEFAULT_PATH

    data = yaml.safe_load(DEFAULT_PATH.read_text())
    data["dimensions"][0]["values"].insert(2, {"id": "width", "label": "width", "description": "new"})
    tax = parse_taxonomy(data, tmp_path / "d.yaml")
    assert {"axis": "width", "tokens_per_step": "eq1"} in tax.enumerate_cells(PAPER_DIMS)


def _paper_statuses(populated: dict[str, list[str]]):
    return cell_statuses(TAX, PAPER_DIMS, populated)


def test_ordered_dimensions_link_only_neighbouring_values():
    graph = build_graph(TAX, _paper_statuses({}))
    assert graph.has_edge("axis=depth,tokens_per_step=gt1", "axis=depth,tokens_per_step=eq1")
    assert not graph.has_edge("axis=depth,tokens_per_step=gt1", "axis=depth,tokens_per_step=lt1")
    # axis is unordered: any two axes are neighbours
    assert graph.has_edge("axis=depth,tokens_per_step=eq1", "axis=depth+step,tokens_per_step=eq1")
    assert "axis=none" not in graph


def test_the_frontier_score_counts_populated_neighbours_with_diminishing_entries():
    statuses = _paper_statuses({"axis=step,tokens_per_step=eq1": ["a", "b", "c"],
                                "axis=depth,tokens_per_step=gt1": ["d"]})
    graph = build_graph(TAX, statuses)
    import math

    expected = (1 + math.log1p(3)) + (1 + math.log1p(1))
    assert frontier_score(graph, "axis=depth,tokens_per_step=eq1") == pytest.approx(expected, abs=1e-3)


def test_gaps_rank_cells_next_to_explored_territory_first():
    populated = {f"axis={a},tokens_per_step={t}": [f"{a}-{t}"]
                 for a in ("step", "depth+step") for t in ("gt1", "eq1", "lt1")}
    populated["axis=depth,tokens_per_step=gt1"] = ["looped"]
    gaps = rank_gaps(TAX, _paper_statuses(populated))
    assert [g.cell for g in gaps] == [{"axis": "depth", "tokens_per_step": "eq1"},
                                      {"axis": "depth", "tokens_per_step": "lt1"}]
    first = gaps[0]
    assert first.rank == 1 and first.score > gaps[1].score
    assert first.start_from == "looped" and first.differs_in == "tokens_per_step"


def test_loop_topology_and_weight_sharing_have_no_meaning_without_recurrence():
    gone = TAX.inapplicable({"axis": "none"})
    assert {"loop_topology", "weight_sharing"} <= gone
    assert not {"depth_control", "contribution"} & gone  # early exit has a depth control; analyses have a kind
    assert {"axis": "none"} in TAX.enumerate_cells(("axis", "loop_topology"))
    with pytest.raises(UsageError, match="no meaning when axis is none"):
        parse_cell_spec("axis=none,loop_topology=whole-stack", TAX)


def test_a_cell_spec_may_name_a_looped_model_dimension_by_id_or_label():
    assert parse_cell_spec("axis=depth,step_unit=sequence,weight_sharing=partial / adapter", TAX)[
        "weight_sharing"] == "partial"


def test_catalog_only_dimensions_are_dropped_from_a_cell_with_one_note_each():
    cell, notes = TAX.without_catalog_only({"axis": "depth", "loop_topology": "whole-stack",
                                            "depth_control": "convergence", "halting": "fixed"})
    assert cell == {"axis": "depth", "halting": "fixed"}
    assert notes == ("depth_control=convergence is catalog-only and not generated; scaffold builds "
                     "depth_control=fixed",)


def test_a_generated_value_needs_a_catalog_only_dimension_that_has_it(tmp_path):
    values = [{"id": "x"}, {"id": "y"}]
    with pytest.raises(UsageError, match="generated 'z' needs catalog_only"):
        parse_taxonomy({"dimensions": [{"id": "a", "values": values, "catalog_only": True, "generated": "z"}]},
                       tmp_path / "d.yaml")
    with pytest.raises(UsageError, match="generated 'x' needs catalog_only"):
        parse_taxonomy({"dimensions": [{"id": "a", "values": values, "generated": "x"}]}, tmp_path / "d.yaml")
