"""A generated project, loaded from its folder: the provenance in `.rt-explore.yml` and its `Model`.

The contract of a generated project (docs/design.md, "The generated project"): a folder holding
`.rt-explore.yml` (name, package, cell, options, ...) and a package `<package>/` that exports `Config` (a
dataclass with a `vocab_size` field, the core's knob where it has one, and `delimiter_token` where chunks
end at delimiters) and `Model(config)` (`forward(input_ids [B, T]) -> logits [B, T, vocab]`, causal; a
scalar `aux_loss` after each forward where the model adds a training loss, such as ACT's ponder cost).

Loading imports the package from the folder without leaving a trace: the folder goes on sys.path only
for the import, and modules of the same name are set aside and restored afterwards. So two projects
whose packages share a name load side by side in one process (a bench scaffolds many).
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import ModuleType
from typing import Any

from ..errors import UsageError

METADATA = ".rt-explore.yml"


@dataclass(frozen=True)
class Project:
    """A loaded project: where it is, what it is (the cell and options), and its Config and Model classes."""

    path: Path
    name: str
    package: str
    cell: dict[str, str]
    options: dict[str, Any]
    metadata: dict[str, Any] = field(repr=False)
    config_class: type = field(repr=False)
    model_class: type = field(repr=False)

    @property
    def has_recurrence_steps(self) -> bool:
        """Whether `config.recurrence_steps` sets the iterations at inference (depth cells, ponder passes)."""
        return any(f.name == "recurrence_steps" for f in fields(self.config_class))

    @property
    def spec(self) -> str:
        """The cell in the short form people type: `step/token`, `none`."""
        primary = [self.cell.get("axis", "?")] + ([self.cell["step_unit"]] if "step_unit" in self.cell else [])
        return "/".join(primary)

    @property
    def chunks_at_delimiters(self) -> bool:
        """Whether the model's chunks end at a delimiter token (`config.delimiter_token`, chunk_boundary=delimiter)."""
        return any(f.name == "delimiter_token" for f in fields(self.config_class))

    def build(self, vocab_size: int, *, delimiter: int | None = None):
        """A freshly initialised model for a task with `vocab_size` tokens (the caller seeds torch).

        A model whose chunks end at delimiters takes the task's `delimiter` token; a task without one is refused.
        """
        settings: dict[str, int] = {"vocab_size": vocab_size}
        if self.chunks_at_delimiters:
            if delimiter is None:
                raise UsageError(f"{self.path}: its chunks end at delimiter tokens, but the task has none; "
                                 "train it on a task made of units, such as 'sentences'")
            settings["delimiter_token"] = delimiter
        try:
            config = self.config_class(**settings)
            return self.model_class(config)
        except Exception as exc:  # noqa: BLE001 - generated code; say which project failed, in one line
            raise UsageError(f"{self.path}: building the model failed: {_last_line(exc)}") from exc


def load_project(path: str | Path) -> Project:
    """Read `.rt-explore.yml` and import the project's package; every failure is one UsageError line."""
    import yaml

    folder = Path(path)
    if not folder.exists():
        raise UsageError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise UsageError(f"{folder}: not a folder (expected a project made by 'rt-explore scaffold')")
    meta_path = folder / METADATA
    if not meta_path.is_file():
        raise UsageError(f"{folder}: no {METADATA}; is this a project made by 'rt-explore scaffold'?")
    try:
        text = meta_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{meta_path}: cannot read it: {_last_line(exc)}") from exc
    try:
        meta = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UsageError(f"{meta_path}: malformed YAML: {_last_line(exc)}") from exc
    if not isinstance(meta, dict):
        raise UsageError(f"{meta_path}: expected a mapping of keys (name, package, cell, options)")
    package = meta.get("package")
    if not isinstance(package, str) or not package.isidentifier():
        raise UsageError(f"{meta_path}: 'package' must be a Python package name, got {package!r}")
    cell, options = meta.get("cell"), meta.get("options") or {}
    if not isinstance(cell, dict) or "axis" not in cell:
        raise UsageError(f"{meta_path}: 'cell' must be a mapping with an 'axis'")
    if not isinstance(options, dict):
        raise UsageError(f"{meta_path}: 'options' must be a mapping")
    if not (folder / package).is_dir():
        raise UsageError(f"{folder}: the package folder '{package}/' named in {METADATA} is missing")
    module = _import_isolated(folder, package)
    config_class, model_class = getattr(module, "Config", None), getattr(module, "Model", None)
    if config_class is None or model_class is None:
        raise UsageError(f"{folder}: package '{package}' does not export Config and Model")
    if "vocab_size" not in {f.name for f in fields(config_class)}:
        raise UsageError(f"{folder}: {package}.Config has no vocab_size field")
    return Project(path=folder.resolve(), name=str(meta.get("name", package)), package=package,
                   cell={str(k): str(v) for k, v in cell.items()}, options=dict(options), metadata=meta,
                   config_class=config_class, model_class=model_class)


def _import_isolated(folder: Path, package: str) -> ModuleType:
    """Import `package` from `folder` and leave sys.path and sys.modules as they were."""
    def ours(name: str) -> bool:
        return name == package or name.startswith(package + ".")

    saved = {name: sys.modules.pop(name) for name in list(sys.modules) if ours(name)}
    entry = str(folder.resolve())
    sys.path.insert(0, entry)
    # Files written earlier in this process (a bench scaffolds as it goes) must be visible to the finders.
    importlib.invalidate_caches()
    try:
        return importlib.import_module(package)
    except Exception as exc:  # noqa: BLE001 - generated code can fail in any way; one line names it
        raise UsageError(f"{folder}: importing package '{package}' failed: {_last_line(exc)}") from exc
    finally:
        sys.path.remove(entry)
        for name in [n for n in sys.modules if ours(n)]:
            del sys.modules[name]
        sys.modules.update(saved)


def _last_line(exc: BaseException) -> str:
    lines = [line for line in str(exc).strip().splitlines() if line.strip()]
    return f"{type(exc).__name__}: {lines[-1].strip() if lines else ''}".rstrip(": ")
