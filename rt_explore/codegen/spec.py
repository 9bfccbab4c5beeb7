"""ModelSpec: a coherent cell plus resolved options, validated once against the taxonomy.

Three ways in, one validator: a cell spec (``--cell``), a catalog entry (``--like``), a ranked gap
(``--gap``). Every refusal is a UsageError with the reason.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..catalog import Catalog, Entry
from ..errors import UsageError
from ..taxonomy import Cell, Taxonomy, complete_cell, parse_cell_spec
from .cores import CORES, core_for
from .options import resolve_options

# Mixers whose transition can be given negative eigenvalues (Grazzi et al., 2411.12537), and those for which
# that is the default (the delta rules: measured in docs/experiments, parity needs it).
NEGATIVE_OK = ("delta-rule", "gated-delta-rule", "rwkv-7", "diagonal")
NEGATIVE_BY_DEFAULT = ("delta-rule", "gated-delta-rule")
VECTOR_MIXERS = ("gru", "lstm", "diagonal")  # a vector state per layer; the others carry a matrix
RESERVED = {"rt_explore", "torch", "tests", "test", "train", "model", "config", "kernels", "setup", "main"}


@dataclass(frozen=True)
class ModelSpec:
    """What to generate: the full cell (primary and secondary dimensions) and every option's value."""

    name: str
    cell: dict[str, str]
    options: dict[str, object]
    origin: str
    neighbors: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def core(self) -> tuple[str, str | None]:
        return self.cell["axis"], self.cell.get("step_unit")

    @property
    def package(self) -> str:
        return self.name.replace("-", "_")

    def cell_text(self) -> str:
        return ",".join(f"{k}={v}" for k, v in self.cell.items())


def safe_name(raw: str) -> str:
    """A project name that is safe as a folder, a distribution and (with '_') a Python package.

    Anything outside [a-z0-9] becomes '-': a name can never carry code into the generated files.
    """
    slug = re.sub(r"[^a-z0-9]+", "-", raw.lower()).strip("-")
    slug = re.sub(r"-{2,}", "-", slug)[:48].strip("-")
    if not slug or not slug[0].isalpha():
        raise UsageError(f"cannot make a project name from {raw!r}: use letters, digits and '-', "
                         "starting with a letter")
    package = slug.replace("-", "_")
    if keyword.iskeyword(package) or package in RESERVED:
        raise UsageError(f"'{slug}' is reserved; choose another --name")
    return slug


def default_name(cell: Mapping[str, str]) -> str:
    parts = [cell["axis"].replace("+", "-")] + ([cell["step_unit"]] if "step_unit" in cell else [])
    return safe_name("rt-" + "-".join(parts))


def build_spec(cell: Cell, tax: Taxonomy, given: Mapping[str, object], *, name: str | None, origin: str,
               neighbors: tuple[str, ...] = (), strict: bool = True) -> ModelSpec:
    """Validate a cell (secondary dimensions included) and its options; fill every default."""
    cell = dict(cell)
    axis, unit = cell["axis"], cell.get("step_unit")
    label = "/".join(v for v in (axis, unit) if v)
    core = core_for(cell)
    if core is None:
        raise UsageError(f"cell {label} has no generator")
    state_given = "state" in cell
    if cell.setdefault("state", core.state) not in core.states:
        raise UsageError(f"the generator realises {label} with state {' or '.join(core.states)}, not {cell['state']}")
    for dim in tax.secondary():
        if dim.id not in cell and dim.default is not None:
            cell[dim.id] = dim.default
    cell, catalog_only = tax.without_catalog_only(cell)  # loop_topology, contribution, ...: a note each, not code
    if cell.get("halting") == "adaptive" and (axis, unit) not in core.adaptive:
        cells = ", ".join("/".join(k) for c in CORES for k in c.adaptive)
        raise UsageError(f"adaptive halting is generated for {cells}, not {label}")
    residual = cell.get("residual", "standard")
    if residual not in ("standard", "layerscale") and not core.whole_stack:
        cells = ", ".join("/".join(v for v in k if v) for c in CORES if c.whole_stack for k in c.cells)
        raise UsageError(f"residual {residual} is generated for {cells}, whose stack runs whole; the {label} "
                         f"core runs its layers one piece at a time")
    supervision = cell.get("supervision", "every-step")
    if supervision == "deep-supervision" and not core.deep_supervision:
        cells = ", ".join("/".join(v for v in k if v) for c in CORES if c.deep_supervision for k in c.cells)
        raise UsageError(f"deep supervision (a loss on every iteration) is generated for {cells} only")
    if supervision == "curriculum":
        raise UsageError("curriculum supervision is a training schedule, not a model; it is not generated yet")
    reason = tax.exclusion(cell)
    if reason:
        raise UsageError(f"cell {','.join(f'{k}={v}' for k, v in cell.items())} is excluded: {reason}")
    ordered = {d: cell[d] for d in tax.dimension_ids if d in cell}
    options = resolve_options(ordered, given, strict=strict)
    if residual == "deep-delta":
        # residual=deep-delta and the deep_delta option are one mechanism: the option is what codegen reads
        if any(k.replace("-", "_") == "deep_delta" for k in given) and options.get("deep_delta") is False:
            raise UsageError("residual deep-delta is the deep_delta option; deep_delta=false contradicts it")
        options["deep_delta"] = True
    if options.get("gated_update") and options.get("identity_bias"):
        raise UsageError("gated_update and identity_bias are two update gates (input-dependent and static); "
                         "choose one")
    mixer = options.get("mixer")
    chose_eigen = any(k.replace("-", "_") == "negative_eigenvalues" for k in given)
    if mixer is not None and not chose_eigen and "negative_eigenvalues" in options:
        options["negative_eigenvalues"] = mixer in NEGATIVE_BY_DEFAULT  # the default follows the mixer
    if mixer is not None and options.get("negative_eigenvalues") and mixer not in NEGATIVE_OK:
        raise UsageError(f"negative_eigenvalues needs a mixer with a step size or decay to widen "
                         f"({', '.join(NEGATIVE_OK)}), not {mixer}")
    if mixer is not None:
        realised = "vector" if mixer in VECTOR_MIXERS else "matrix"
        if state_given and ordered.get("state") != realised:
            instead = ", ".join(VECTOR_MIXERS) if realised == "matrix" else "linear attention or a delta rule"
            raise UsageError(f"mixer {mixer} carries a {realised} state, not {ordered.get('state')}; "
                             f"for a {ordered.get('state')} state use {instead}")
        ordered["state"] = realised
    return ModelSpec(name=safe_name(name) if name else default_name(ordered), cell=ordered, options=options,
                     origin=origin, neighbors=neighbors, notes=catalog_only)


def split_dimension_options(given: Mapping[str, object], tax: Taxonomy) -> tuple[dict[str, str], dict[str, object]]:
    """Separate ``--option`` keys that name a secondary dimension (residual, supervision, ...) from options.

    A secondary dimension given as an option overrides the cell's (or the catalog entry's) value, so that
    an ablation reads ``--like ID -o residual=standard -o supervision=deep-supervision``. Primary dimensions
    define the cell and are refused here: they belong in ``--cell``.
    """
    dims: dict[str, str] = {}
    options: dict[str, object] = {}
    for key, value in given.items():
        dim_id = key.replace("-", "_")
        if dim_id not in tax.dimension_ids:
            options[key] = value
            continue
        dim = tax.dimension(dim_id)
        if dim.level != "secondary":
            raise UsageError(f"{dim_id} is a primary dimension: choose it with --cell, not --option")
        text = str(value).strip()
        if text not in dim.value_ids:
            raise UsageError(f"option {dim_id}: '{text}' is not one of {', '.join(dim.value_ids)}")
        dims[dim_id] = text
    return dims, options


def spec_from_cell(text: str, tax: Taxonomy, given: Mapping[str, object], name: str | None) -> ModelSpec:
    dims, options = split_dimension_options(given, tax)
    return build_spec({**parse_cell_spec(text, tax), **dims}, tax, options, name=name, origin=f"--cell {text}")


def spec_from_entry(entry: Entry, tax: Taxonomy, given: Mapping[str, object], name: str | None) -> ModelSpec:
    """Start from an entry's classification and mechanisms; the user's options win over the mechanisms'.

    A secondary value the generator cannot realise for the entry's cell (say adaptive halting on a
    step/token core, or a vector state where the core carries a matrix) is replaced by what the
    generator does build, and the substitution is recorded in ``spec.notes``.
    """
    overrides, given = split_dimension_options(given, tax)
    cell = complete_cell({d: v for d, v in entry.classification.items() if tax.dimension(d).level == "primary"}, tax)
    derived: dict[str, object] = {}
    wanted = {d: v for d, v in entry.classification.items() if tax.dimension(d).level == "secondary"}
    for mech_id in entry.mechanisms:
        for key, value in tax.mechanism(mech_id).option.items():
            if key in tax.dimension_ids:
                wanted[key] = value
            else:
                derived[key] = value
    notes = []
    for dim_id, value in wanted.items():
        if dim_id in overrides:
            continue
        trial = {**cell, dim_id: value}
        try:
            build_spec(trial, tax, {}, name="probe", origin="probe")
        except UsageError as exc:
            notes.append(f"{dim_id}={value} not generated for this cell ({exc}); using the generator's default")
            continue
        cell = trial
    # The user's own dimension values win over the entry's and are not substituted: build_spec refuses them
    # with the reason when the generator cannot realise them for this cell.
    cell = {**cell, **overrides}
    for key, value in list(derived.items()):
        try:
            resolve_options(cell, {key: value}, strict=False)
        except UsageError as exc:
            notes.append(f"mechanism option {key}={value} dropped ({exc})")
            del derived[key]
    spec = build_spec(cell, tax, {**derived, **given}, name=name or entry.id, origin=f"--like {entry.id}",
                      neighbors=(entry.id,), strict=False)
    if given:
        resolve_options(spec.cell, given, strict=True)  # the user's own options must all apply
    return ModelSpec(spec.name, spec.cell, spec.options, spec.origin, spec.neighbors, (*notes, *spec.notes))


def spec_from_gap(rank: int, catalog: Catalog, dims: tuple[str, ...], given: Mapping[str, object],
                  name: str | None) -> ModelSpec:
    from ..catalog.space import gaps

    found = gaps(catalog, dims)
    if not 1 <= rank <= len(found):
        raise UsageError(f"there is no gap {rank}: {len(found)} gaps over {', '.join(dims)}")
    gap = found[rank - 1]
    dims, options = split_dimension_options(given, catalog.taxonomy)
    cell = {**complete_cell(dict(gap.cell), catalog.taxonomy), **dims}
    neighbors = tuple(e for n in gap.neighbors for e in n.entries[:3])
    return build_spec(cell, catalog.taxonomy, options, name=name, origin=f"--gap {rank}", neighbors=neighbors)
