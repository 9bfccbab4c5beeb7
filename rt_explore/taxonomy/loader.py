"""Load ``dimensions.yaml`` into a :class:`Taxonomy`, checking the data as it goes."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from ..errors import UsageError
from ..yamlio import load_yaml_text
from .model import Constraint, Dimension, Mechanism, Taxonomy, Value

DEFAULT_PATH = Path(__file__).with_name("dimensions.yaml")


def _fail(path: Path, where: str, message: str) -> UsageError:
    return UsageError(f"{path}: {where}: {message}")


def _parse_value(path: Path, dim_id: str, raw: dict) -> Value:
    if not isinstance(raw, dict) or "id" not in raw:
        raise _fail(path, f"dimension {dim_id}", "every value needs an id")
    return Value(
        id=str(raw["id"]),
        label=str(raw.get("label", raw["id"])),
        description=str(raw.get("description", "")).strip(),
        implies=dict(raw.get("implies") or {}),
        inapplicable=tuple(raw.get("inapplicable") or ()),
        comparator=bool(raw.get("comparator", False)),
    )


def parse_taxonomy(data: object, path: Path) -> Taxonomy:
    """Build a Taxonomy from parsed YAML and check that it refers only to itself."""
    if not isinstance(data, dict) or not isinstance(data.get("dimensions"), list):
        raise _fail(path, "root", "expected a mapping with a 'dimensions' list")
    dims = []
    for raw in data["dimensions"]:
        if not isinstance(raw, dict) or "id" not in raw:
            raise _fail(path, "dimensions", "every dimension needs an id")
        values = tuple(_parse_value(path, raw["id"], v) for v in raw.get("values") or ())
        if not values:
            raise _fail(path, f"dimension {raw['id']}", "has no values")
        dims.append(
            Dimension(
                id=str(raw["id"]),
                level=str(raw.get("level", "secondary")),
                ordered=bool(raw.get("ordered", False)),
                description=str(raw.get("description", "")).strip(),
                values=values,
                default=raw.get("default"),
                catalog_only=bool(raw.get("catalog_only", False)),
                generated=raw.get("generated"),
            )
        )
    constraints = tuple(
        Constraint(
            when={k: tuple(v) for k, v in (c.get("when") or {}).items()},
            reason=" ".join(str(c.get("reason", "")).split()),
        )
        for c in data.get("constraints") or ()
    )
    mechanisms = tuple(
        Mechanism(id=str(m["id"]), description=str(m.get("description", "")).strip(), option=m.get("option") or {})
        for m in data.get("mechanisms") or ()
    )
    taxonomy = Taxonomy(tuple(dims), constraints, mechanisms)
    _check_references(taxonomy, path)
    return taxonomy


def _check_references(tax: Taxonomy, path: Path) -> None:
    ids = tax.dimension_ids
    for dim in tax.dimensions:
        if dim.default is not None and dim.default not in dim.value_ids:
            raise _fail(path, f"dimension {dim.id}", f"default {dim.default!r} is not one of its values")
        if dim.generated is not None and (not dim.catalog_only or dim.generated not in dim.value_ids):
            raise _fail(path, f"dimension {dim.id}", f"generated {dim.generated!r} needs catalog_only and one of "
                        "its values")
        for value in dim.values:
            for other, implied in value.implies.items():
                if other not in ids or implied not in tax.dimension(other).value_ids:
                    raise _fail(path, f"{dim.id}.{value.id}", f"implies unknown {other}={implied}")
            for other in value.inapplicable:
                if other not in ids:
                    raise _fail(path, f"{dim.id}.{value.id}", f"inapplicable names unknown dimension {other}")
    for c in tax.constraints:
        if not c.reason:
            raise _fail(path, "constraints", "every constraint needs a reason")
        for dim_id, values in c.when.items():
            if dim_id not in ids:
                raise _fail(path, "constraints", f"unknown dimension {dim_id}")
            for v in values:
                if v not in tax.dimension(dim_id).value_ids:
                    raise _fail(path, "constraints", f"unknown value {dim_id}={v}")


@functools.cache
def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """The taxonomy from ``path`` (default: the built-in ``dimensions.yaml``).

    The parsed YAML is cached as JSON (see :mod:`rt_explore.cachedir`) while the file keeps its size and
    modification time: every command starts by loading the taxonomy, and JSON reads ~20x faster.
    """
    path = path or DEFAULT_PATH
    data = _cached(path)
    if data is None:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"{path}: cannot read the taxonomy: {exc.strerror}") from None
        data = load_yaml_text(text, str(path))
        _store(path, data)
    return parse_taxonomy(data, path)


def _stamp(path: Path) -> str | None:
    from .. import __version__

    try:
        st = os.stat(path)
    except OSError:
        return None
    return f"{__version__}|{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"


def _cached(path: Path) -> object | None:
    import json

    from ..cachedir import cache_file

    stamp, target = _stamp(path), cache_file("taxonomy", str(path.resolve()))
    if stamp is None or target is None:
        return None
    try:
        cached = json.loads(target.read_text(encoding="utf-8"))
        return cached["data"] if cached.get("stamp") == stamp else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _store(path: Path, data: object) -> None:
    from ..cachedir import cache_file, write_cache

    stamp = _stamp(path)
    if stamp is not None:
        write_cache(cache_file("taxonomy", str(path.resolve())), {"stamp": stamp, "data": data})
