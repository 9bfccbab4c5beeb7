"""The catalog entry: its fields, and the object every other part of the tool reads."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

REQUIRED = ("id", "name", "title", "authors", "year", "classification", "summary")
OPTIONAL = ("arxiv", "url", "venue", "code", "builds_on", "mechanisms", "notes", "tags", "checked")
FIELDS = REQUIRED + OPTIONAL


class Entry(NamedTuple):
    """One published architecture (or reference paper), classified on the taxonomy."""

    id: str
    name: str
    title: str
    authors: tuple[str, ...]
    year: int
    classification: dict[str, str]
    summary: str
    arxiv: str | None = None
    url: str | None = None
    venue: str | None = None
    code: str | None = None
    builds_on: tuple[str, ...] = ()
    mechanisms: tuple[str, ...] = ()
    notes: str | None = None
    tags: tuple[str, ...] = ()
    checked: dict[str, str] | None = None  # {on: YYYY-MM-DD, source: URL, title?: first|current}
    path: Path | None = None
    lines: dict[str, int] = {}  # field -> 1-based line in the file; never mutated

    @property
    def axis(self) -> str:
        return self.classification["axis"]

    @property
    def first_author(self) -> str:
        return self.authors[0]

    @property
    def link(self) -> str | None:
        return f"https://arxiv.org/abs/{self.arxiv}" if self.arxiv else self.url

    def value(self, dim_id: str, default: str | None = None) -> str | None:
        return self.classification.get(dim_id, default)

    def to_dict(self) -> dict:
        """The entry as plain data, in schema order (for JSON export)."""
        out: dict = {}
        for name in FIELDS:
            value = getattr(self, name)
            if value in (None, (), {}):
                continue
            out[name] = list(value) if isinstance(value, tuple) else value
        return out


class Problem(NamedTuple):
    """Something wrong with an entry file. An ``error`` stops the entry loading; a ``warning`` does not,
    but ``validate --strict`` fails on it (docs/catalog.md lists both kinds)."""

    path: str
    message: str
    line: int | None = None
    field: str | None = None
    severity: str = "error"  # error | warning

    def __str__(self) -> str:
        path = _display(self.path)
        where = f"{path}:{self.line}" if self.line else path
        what = f" {self.field}:" if self.field else ""
        kind = " warning:" if self.severity == "warning" else ""
        return f"{where}:{what}{kind} {self.message}"

    def to_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "field": self.field, "message": self.message,
                "severity": self.severity}


def _display(path: str) -> str:
    """A path relative to the working directory when it lies below it (shorter, still clickable)."""
    import os

    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel
