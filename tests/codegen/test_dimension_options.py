"""`--option DIM=VALUE` sets a secondary dimension of the cell, for ablations of a catalog entry."""

from __future__ import annotations

import pytest

from rt_explore.catalog import load_catalog
from rt_explore.codegen import spec_from_cell, spec_from_entry
from rt_explore.codegen.spec import split_dimension_options
from rt_explore.errors import UsageError
from rt_explore.taxonomy import load_taxonomy

TAX = load_taxonomy()
CATALOG = load_catalog()


def test_secondary_dimensions_are_split_from_options():
    dims, options = split_dimension_options({"residual": "standard", "dim": "32", "identity_bias": "false"}, TAX)
    assert dims == {"residual": "standard"}
    assert options == {"dim": "32", "identity_bias": "false"}


def test_an_entry_ablation_overrides_its_mechanisms_and_classification():
    entry = CATALOG.get("thinking-deeper-not-longer")
    plain = spec_from_entry(entry, TAX, {}, None)
    assert plain.cell["residual"] == "layerscale" and plain.cell["supervision"] == "final-only"
    assert plain.options["gated_update"] is True and plain.options["depth_embedding"] is True
    ablated = spec_from_entry(entry, TAX, {"residual": "standard", "supervision": "deep-supervision",
                                           "gated_update": "false"}, None)
    assert ablated.cell["residual"] == "standard"
    assert ablated.cell["supervision"] == "deep-supervision"
    assert ablated.options["gated_update"] is False
    assert "layerscale_init" not in ablated.options


def test_a_cell_takes_a_secondary_dimension_as_an_option():
    spec = spec_from_cell("depth/sequence", TAX, {"residual": "layerscale"}, None)
    assert spec.cell["residual"] == "layerscale" and "layerscale_init" in spec.options


@pytest.mark.parametrize("given, message", [
    ({"axis": "step"}, "primary dimension"),
    ({"residual": "sideways"}, "not one of"),
])
def test_bad_dimension_options_are_refused_with_the_reason(given, message):
    with pytest.raises(UsageError, match=message):
        spec_from_entry(CATALOG.get("thinking-deeper-not-longer"), TAX, given, None)


def test_a_dimension_the_generator_cannot_realise_is_refused_not_substituted():
    with pytest.raises(UsageError, match="depth/sequence only"):
        spec_from_cell("step/token", TAX, {"supervision": "deep-supervision"}, None)
