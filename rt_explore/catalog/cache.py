"""A JSON cache of parsed catalog folders, so that listing commands start fast.

The cache of a folder is valid only while nothing it was built from has changed: the fingerprint
covers the rt-explore version, the taxonomy file and, for every entry file, its name, size and
modification time (ns). Any change means a fresh parse. The cache is JSON, not pickle, so a tampered
cache file can at worst yield wrong data, never run code; it lives in ``$RT_EXPLORE_CACHE`` (or
``$XDG_CACHE_HOME/rt-explore``, ``~/.cache/rt-explore``). ``RT_EXPLORE_CACHE=off`` disables it.
Failing to read or write the cache is never an error: the catalog is parsed instead.
"""

from __future__ import annotations

import json
import os
import zlib
from pathlib import Path

from .. import __version__
from ..taxonomy import DEFAULT_PATH
from .schema import Entry, Problem

FORMAT = 2  # 2: entries carry `checked`, problems a severity


def cache_dir() -> Path | None:
    configured = os.environ.get("RT_EXPLORE_CACHE")
    if configured == "off":
        return None
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "rt-explore"


def fingerprint(files: list[Path]) -> str:
    # The stamp is kept whole, not hashed: comparing strings is cheaper than importing hashlib.
    parts = [f"{FORMAT}|{__version__}"]
    for path in [DEFAULT_PATH, *files]:
        st = path.stat()
        parts.append(f"{path.name}:{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts)


def _file_for(directory: Path) -> Path | None:
    root = cache_dir()
    if root is None:
        return None
    where = str(directory.resolve())
    return root / f"catalog-{zlib.crc32(where.encode()):08x}-{len(where)}.json"


def read(directory: Path, stamp: str) -> tuple[dict[str, Entry], list[Problem]] | None:
    target = _file_for(directory)
    if target is None:
        return None
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
        if data.get("fingerprint") != stamp or data.get("folder") != str(directory.resolve()):
            return None
        entries = {}
        for raw in data["entries"]:
            fields = {k: tuple(v) if isinstance(v, list) else v for k, v in raw["fields"].items()}
            entries[fields["id"]] = Entry(**fields, path=Path(raw["path"]), lines=raw["lines"])
        problems = [Problem(**p) for p in data["problems"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return entries, problems


def write(directory: Path, stamp: str, entries: dict[str, Entry], problems: list[Problem]) -> None:
    target = _file_for(directory)
    if target is None:
        return
    data = {
        "fingerprint": stamp,
        "folder": str(directory.resolve()),
        "entries": [{"fields": e.to_dict(), "path": str(e.path), "lines": e.lines} for e in entries.values()],
        "problems": [p.to_dict() for p in problems],
    }
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, target)
    except OSError:
        tmp.unlink(missing_ok=True)
