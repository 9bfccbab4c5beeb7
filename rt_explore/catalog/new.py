"""A skeleton catalog entry for one paper: what ``rt-explore new`` and ``import alm --write`` write.

What cannot be known without reading the paper is a ``TODO`` placeholder. A placeholder in a text
field (name, title, authors, summary) is a warning (the entry loads; ``validate --strict`` fails), and
a placeholder classification is an error (an entry that names no cell cannot be placed). The fields
that are only advised (builds_on, notes, tags, checked) are written as comments, so their absence
is the warning. docs/catalog.md explains the contributor path.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from ..atomic import write_text
from ..errors import UsageError
from ..taxonomy import Cell, Taxonomy
from .schema import Entry
from .validate import ID_RE, NEW_ARXIV_RE, OLD_ARXIV_RE

# What people paste: an id, arXiv:ID, an abs or pdf URL, with or without a version.
ARXIV_PREFIX = re.compile(r"^(?:arxiv:|(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/)", re.IGNORECASE)
ARXIV_SUFFIX = re.compile(r"(?:v\d+)?(?:\.pdf)?/?$")


class Skeleton(NamedTuple):
    id: str
    path: Path
    text: str


def normalise_arxiv(raw: str) -> str:
    """The bare arXiv id (``2502.05171``) from what a user typed; a UsageError when it is not one."""
    text = ARXIV_SUFFIX.sub("", ARXIV_PREFIX.sub("", raw.strip()))
    new_style = NEW_ARXIV_RE.match(text)
    match = new_style or OLD_ARXIV_RE.match(text)
    yy, month = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
    if not match or not 1 <= month <= 12 or (new_style and ((yy, month) < (7, 4)
                                                            or len(new_style.group(3)) != (5 if yy >= 15 else 4))):
        raise UsageError(f"malformed arXiv id '{raw}': expected YYMM.NNNNN (e.g. 2502.05171) or archive/YYMMNNN")
    return text


def arxiv_year(arxiv: str) -> int:
    """The year in the id (its YY); the first version may be a year earlier for a January id."""
    match = NEW_ARXIV_RE.match(arxiv) or OLD_ARXIV_RE.match(arxiv)
    yy = int(match.group(1))
    return (2000 if yy < 91 else 1900) + yy


def default_id(arxiv: str) -> str:
    """A valid, unique placeholder id (``arxiv-2502-05171``), to be renamed after the model."""
    return "arxiv-" + re.sub(r"[^a-z0-9]+", "-", arxiv.lower()).strip("-")


def check_new(catalog: Mapping[str, Entry], folder: Path, entry_id: str, arxiv: str | None) -> Path:
    """The file a new entry would be written to; a UsageError when the id, the paper or the file exists."""
    if arxiv is not None:
        for entry in catalog.values():
            if entry.arxiv == arxiv:
                raise UsageError(f"arXiv {arxiv} is already in the catalog as '{entry.id}' ({entry.path})")
    if not ID_RE.match(entry_id):
        raise UsageError(f"'{entry_id}' is not a valid id (lowercase letters, digits and '-')")
    if entry_id in catalog:
        raise UsageError(f"id '{entry_id}' is already in the catalog ({catalog[entry_id].path}); choose another --id")
    for suffix in (".yaml", ".yml"):
        existing = folder / f"{entry_id}{suffix}"
        if existing.exists():
            raise UsageError(f"{existing} already exists; nothing written")
    return folder / f"{entry_id}.yaml"


def skeleton_text(tax: Taxonomy, *, entry_id: str, origin: str, arxiv: str | None = None, url: str | None = None,
                  cell: Cell | None = None, title: str | None = None, authors: Sequence[str] = (),
                  year: int | None = None, venue: str | None = None, name_hint: str | None = None,
                  tags: Sequence[str] = (), hints: Sequence[str] = ()) -> str:
    """The YAML text of a skeleton entry. Known facts are filled in; the rest is TODO or a comment."""
    page = f"https://arxiv.org/abs/{arxiv}" if arxiv else (url or "the paper's page")
    today = datetime.date.today().isoformat()
    lines = [
        f"# Skeleton written by {origin} on {today}.",
        f"# Replace every TODO from the paper's own page ({page}), then record that check under `checked`.",
        "# `rt-explore validate --strict THIS_FILE` lists what is left; docs/catalog.md has the rules.",
        f"id: {entry_id}  # equals the file name: rename both to the model's short name",
        f"name: {_q('TODO: the short name people use' + (f' ({name_hint})' if name_hint else ''))}",
        f"title: {_q(title or 'TODO: the exact title of the first arXiv version (or the current one)')}",
        f"authors: [{', '.join(_q(a) for a in authors) or _q('TODO: the authors, first author first')}]",
    ]
    if year is None and arxiv:
        year = arxiv_year(arxiv)
    if year is None:
        lines.append("year: TODO  # the year of the first version")
    else:
        lines.append(f"year: {year}  # the year of the first arXiv version (a January id may be the year before)")
    if arxiv:
        lines.append(f"arxiv: {_q(arxiv)}")
    else:
        lines.append(f"url: {_q(url or 'TODO: the URL of the paper')}")
    if venue:
        lines.append(f"venue: {_q(venue)}")
    lines.append("classification:")
    if cell:
        lines += [f"  {dim}: {value}" for dim, value in cell.items()]
    else:
        axes = " | ".join(tax.dimension("axis").value_ids)
        lines += [f"  axis: TODO  # {axes}; then tokens_per_step and step_unit (not for axis none)"]
    optional = ", ".join(d.id for d in tax.secondary() if not cell or d.id not in cell)
    lines.append(f"  # optional: {optional}")
    lines += [f"  # {hint}" for hint in hints]
    lines.append(f"summary: {_q('TODO: one or two sentences in your own words')}")
    lines.append("# builds_on: []  # ids of the catalog entries this work extends ([] when it extends none)")
    lines.append("# notes: >-  # where the classification is debatable: both readings")
    lines.append(f"tags: [{', '.join(tags)}]" if tags else "# tags: []")
    check_source = f"https://arxiv.org/abs/{arxiv}" if arxiv else (url or "URL")
    lines.append(f"# checked: {{on: {today}, source: {check_source}, title: first}}")
    return "\n".join(lines) + "\n"


def write_new(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, never over an existing file (a UsageError if one appears)."""
    try:
        write_text(path, text, replace=False)
    except FileExistsError:
        raise UsageError(f"{path} already exists; nothing written") from None


def _q(text: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar: quotes, colons and '#' in titles stay text.
    return json.dumps(text, ensure_ascii=False)
