"""Catalog-only dimensions (loop_topology, weight_sharing, depth_control, contribution) never reach generated code:
scaffold says so in one note each and builds what its cores realise."""

from __future__ import annotations

import pytest

from rt_explore.catalog.schema import Entry
from rt_explore.codegen import spec_from_cell, spec_from_entry
from rt_explore.codegen.spec import split_dimension_options
from rt_explore.taxonomy import load_taxonomy

TAX = load_taxonomy()
CATALOG_ONLY = ("loop_topology", "weight_sharing", "depth_control", "contribution")


def test_the_catalog_only_dimensions_are_marked_in_the_data_with_what_is_generated():
    marked = {d.id: d.generated for d in TAX.dimensions if d.catalog_only}
    assert marked == {"loop_topology": "whole-stack", "weight_sharing": "full", "depth_control": "fixed",
                      "contribution": "architecture"}


@pytest.mark.parametrize("key", ["loop_topology", "loop-topology"])
def test_an_option_naming_a_dimension_with_an_underscore_is_a_dimension(key):
    dims, options = split_dimension_options({key: "nested", "dim": "32"}, TAX)
    assert dims == {"loop_topology": "nested"} and options == {"dim": "32"}


def test_a_value_the_cores_do_not_build_is_one_note_and_the_generated_value_is_used():
    spec = spec_from_cell("depth/sequence", TAX, {"loop_topology": "nested", "depth_control": "sampled"}, None)
    assert not set(CATALOG_ONLY) & set(spec.cell)
    assert spec.notes == (
        "loop_topology=nested is catalog-only and not generated; scaffold builds loop_topology=whole-stack",
        "depth_control=sampled is catalog-only and not generated; scaffold builds depth_control=fixed",
    )


def test_the_value_the_cores_build_and_the_default_contribution_need_no_note():
    spec = spec_from_cell("depth/sequence", TAX, {"weight_sharing": "full"}, None)
    assert spec.notes == () and "contribution" not in spec.cell


def test_a_dimension_without_meaning_for_the_cell_is_ignored_with_a_note():
    spec = spec_from_cell("none", TAX, {"weight_sharing": "partial"}, None)
    assert spec.notes == ("weight_sharing=partial has no meaning for this cell (axis none); ignored",)


def test_an_entrys_catalog_only_values_become_notes_beside_its_other_substitutions():
    entry = Entry(id="looper", name="Looper", title="T", authors=("A",), year=2025, summary="s",
                  classification={"axis": "depth", "tokens_per_step": "gt1", "step_unit": "sequence",
                                  "loop_topology": "prelude-core-coda", "contribution": "analysis"})
    spec = spec_from_entry(entry, TAX, {}, None)
    assert spec.cell["axis"] == "depth" and not set(CATALOG_ONLY) & set(spec.cell)
    assert [n.split(" is ")[0] for n in spec.notes] == ["loop_topology=prelude-core-coda", "contribution=analysis"]
