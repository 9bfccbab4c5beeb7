"""Where rt-explore keeps its caches: ``$RT_EXPLORE_CACHE``, else ``$XDG_CACHE_HOME/rt-explore`` or
``~/.cache/rt-explore``; ``RT_EXPLORE_CACHE=off`` turns every cache off. Caches are JSON, written atomically,
and failing to read or write one is never an error (the source is parsed instead)."""

from __future__ import annotations

import json
import os
import zlib
from pathlib import Path

from .atomic import write_text


def cache_dir() -> Path | None:
    configured = os.environ.get("RT_EXPLORE_CACHE")
    if configured == "off":
        return None
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "rt-explore"


def cache_file(kind: str, key: str) -> Path | None:
    """The cache file of ``kind`` for ``key`` (a folder or file path), or None when caching is off."""
    root = cache_dir()
    if root is None:
        return None
    return root / f"{kind}-{zlib.crc32(key.encode()):08x}-{len(key)}.json"


def write_cache(target: Path | None, data: object) -> None:
    """Write ``data`` as compact JSON to ``target`` atomically (not flushed to disk: a cache can be
    rebuilt); give up quietly on any failure."""
    if target is None:
        return
    try:
        write_text(target, json.dumps(data, ensure_ascii=False, separators=(",", ":")), fsync=False)
    except (OSError, ValueError, TypeError):  # ValueError: a lone surrogate cannot be written as UTF-8
        pass
