"""A JSON cache of parsed catalog folders, so that listing commands start fast.

The cache of a folder is valid only while nothing it was built from has changed: the fingerprint
covers the rt-explore version, the cache format, the taxonomy file and, for every entry file, its
name, size and modification time (ns). Any change means a fresh parse. The cache is JSON, not pickle,
so a tampered cache file can at worst yield wrong data, never run code; it lives in the folder of
:mod:`rt_explore.cachedir`. Failing to read or write the cache is never an error: the catalog is parsed
instead.

An entry is stored as a row, its fields in :class:`Entry` order (JSON encodes the NamedTuple as a
list, in C), then its path: a third smaller and several times faster to write and read than a
mapping per entry. ``FORMAT`` changes whenever Entry's fields do.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .. import __version__
from ..cachedir import cache_dir, cache_file, write_cache
from ..taxonomy import DEFAULT_PATH
from .schema import Entry, Problem

FORMAT = 3  # 2: entries carry `checked`, problems a severity; 3: entries stored as rows
TUPLE_FIELDS = tuple(Entry._fields.index(name) for name in ("authors", "builds_on", "mechanisms", "tags"))
PATH_AT = Entry._fields.index("path")

__all__ = ["FORMAT", "cache_dir", "fingerprint", "read", "write"]


def fingerprint(files: list[Path]) -> str:
    # The stamp is kept whole, not hashed: comparing strings is cheaper than importing hashlib.
    parts = [f"{FORMAT}|{__version__}"]
    for path in [DEFAULT_PATH, *files]:
        st = os.stat(path)
        parts.append(f"{path.name}:{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts)


def _file_for(directory: Path) -> Path | None:
    return cache_file("catalog", str(directory.resolve()))


def read(directory: Path, stamp: str) -> tuple[dict[str, Entry], list[Problem]] | None:
    target = _file_for(directory)
    if target is None:
        return None
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
        if (data.get("fingerprint") != stamp or data.get("folder") != str(directory.resolve())
                or data.get("fields") != list(Entry._fields)):
            return None
        entries = {}
        for row in data["entries"]:
            for i in TUPLE_FIELDS:
                row[i] = tuple(row[i])
            row[PATH_AT] = Path(row[PATH_AT])
            entry = Entry(*row)
            entries[entry.id] = entry
        problems = [Problem(**p) for p in data["problems"]]
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None
    return entries, problems


def write(directory: Path, stamp: str, entries: dict[str, Entry], problems: list[Problem]) -> None:
    target = _file_for(directory)
    if target is None:
        return
    rows = [(*e[:PATH_AT], str(e.path), *e[PATH_AT + 1:]) for e in entries.values()]
    write_cache(target, {"fingerprint": stamp, "folder": str(directory.resolve()), "fields": list(Entry._fields),
                         "entries": rows, "problems": [p.to_dict() for p in problems]})
