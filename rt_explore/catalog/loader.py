"""Load the built-in catalog, merge a user's entries over it, and collect every problem."""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..errors import UsageError
from ..taxonomy import Taxonomy, load_taxonomy
from .schema import Entry, Problem

BUILTIN_DIR = Path(__file__).with_name("entries")
ENV_VAR = "RT_EXPLORE_CATALOG"
SUFFIXES = (".yaml", ".yml")


class Catalog:
    """The entries by id (sorted), the taxonomy they are classified on, and the problems found loading them."""

    def __init__(self, taxonomy: Taxonomy, entries: dict[str, Entry], problems: list[Problem] | None = None):
        self.taxonomy, self.entries = taxonomy, entries
        self.problems = problems if problems is not None else []

    def __iter__(self):
        return iter(self.entries.values())

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, entry_id: str) -> Entry:
        try:
            return self.entries[entry_id]
        except KeyError:
            close = difflib.get_close_matches(entry_id, self.entries, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else "; see 'rt-explore list'"
            raise UsageError(f"no catalog entry '{entry_id}'{hint}") from None


def entry_files(directory: Path) -> list[Path]:
    """The entry files of a catalog folder (not recursive), sorted by name."""
    if not directory.is_dir():
        raise UsageError(f"catalog folder not found: {directory}")
    # scandir knows each entry's type without a stat call per file; names sort ~10x faster than Paths
    with os.scandir(directory) as found:
        names = sorted(e.name for e in found if os.path.splitext(e.name)[1] in SUFFIXES and e.is_file())
    return [directory / name for name in names]


def _parse_folder(directory: Path, tax: Taxonomy) -> tuple[dict[str, Entry], list[Problem]]:
    """A folder's entries and problems, from the cache when no file has changed since it was written."""
    from . import cache

    files = entry_files(directory)
    stamp = cache.fingerprint(files)
    cached = cache.read(directory, stamp)
    if cached is not None:
        return cached
    entries, problems = _parse_all(files, tax)
    cache.write(directory, stamp, entries, problems)
    return entries, problems


def _parse_all(paths: Iterable[Path], tax: Taxonomy) -> tuple[dict[str, Entry], list[Problem]]:
    paths = list(paths)
    entries: dict[str, Entry] = {}
    problems: list[Problem] = []
    first_seen: dict[str, Path] = {}
    for path, (entry, found) in zip(paths, _parse_files(paths, tax), strict=True):
        problems.extend(found)
        stem = path.stem
        if stem in first_seen:
            problems.append(Problem(str(path), f"duplicate id '{stem}', also defined in {first_seen[stem]}", 1, "id"))
            continue
        first_seen[stem] = path
        if entry is not None:
            entries[entry.id] = entry
    return entries, problems


PARALLEL_FROM = 2000  # files; below this, starting workers costs more than it saves


def _parse_files(paths: list[Path], tax: Taxonomy) -> list[tuple[Entry | None, list[Problem]]]:
    """Each file parsed and checked, in order. A large folder (a cold load of thousands of entries) is split
    between forked worker processes where the platform forks (Linux): PyYAML holds the GIL, so threads would
    not help; forked workers inherit the loaded modules and start in milliseconds. Any failure to start them
    falls back to parsing here."""
    from .validate import parse_entry

    workers = min(os.cpu_count() or 1, 4)
    if len(paths) >= PARALLEL_FROM and workers > 1 and sys.platform == "linux":
        import multiprocessing

        size = -(-len(paths) // workers)
        chunks = [paths[i:i + size] for i in range(0, len(paths), size)]
        try:
            pool = multiprocessing.get_context("fork").Pool(len(chunks), initializer=_quiet_worker)
        except (OSError, ValueError, RuntimeError):
            pool = None
        if pool is not None:
            try:
                parts = pool.starmap(_parse_chunk, [(chunk, tax) for chunk in chunks])
                pool.close()
            except BaseException:
                pool.terminate()  # Ctrl-C or a bug: stop the workers, report in this process
                raise
            finally:
                pool.join()
            return [result for part in parts for result in part]
    return [parse_entry(path, tax) for path in paths]


def _quiet_worker() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle, without a traceback per worker


def _parse_chunk(paths: list[Path], tax: Taxonomy) -> list[tuple[Entry | None, list[Problem]]]:
    from .validate import parse_entry

    return [parse_entry(path, tax) for path in paths]


def _check_references(entries, known: set[str]) -> list[Problem]:
    """builds_on naming no entry. Inlined (not imported from validate) to keep the cached path light."""
    problems = []
    for entry in entries:
        for ref in entry.builds_on:
            if ref not in known:
                problems.append(Problem(str(entry.path), f"names no catalog entry: '{ref}'",
                                        entry.lines.get("builds_on"), "builds_on"))
    return problems


def user_dirs(extra: Sequence[Path | str] = ()) -> list[Path]:
    """Catalog folders given on the command line, else those in RT_EXPLORE_CATALOG (os.pathsep-separated)."""
    if extra:
        return [Path(p) for p in extra]
    env = os.environ.get(ENV_VAR, "")
    return [Path(p) for p in env.split(os.pathsep) if p]


def load_catalog(extra_dirs: Sequence[Path | str] = (), *, taxonomy: Taxonomy | None = None) -> Catalog:
    """The built-in entries with the user's entries merged over them (same id: the user's wins)."""
    tax = taxonomy or load_taxonomy()
    entries, problems = _parse_folder(BUILTIN_DIR, tax)
    dirs = user_dirs(extra_dirs)
    for directory in dirs:
        user_entries, user_problems = _parse_folder(directory, tax)
        entries.update(user_entries)
        problems.extend(user_problems)
    problems.extend(_check_references(entries.values(), set(entries)))
    ordered = dict(sorted(entries.items()))
    return Catalog(tax, ordered, problems)


def validate_paths(paths: Sequence[Path], extra_dirs: Sequence[Path | str] = (), *,
                   warnings: bool = False) -> tuple[int, list[Problem]]:
    """Check the given files or folders; builds_on may name them or any catalog entry.

    Returns the number of files checked and every problem found: errors, then (with ``warnings``)
    the warnings of :mod:`.review`, each Problem saying its severity.
    """
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(entry_files(path))
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(f"no such file or folder: {path}")
    tax = load_taxonomy()
    entries, problems = _parse_all(files, tax)
    context: dict[str, Entry] = {}
    try:
        context.update(load_catalog(extra_dirs, taxonomy=tax).entries)
    except UsageError:
        pass
    context.update(entries)
    problems.extend(_check_references(entries.values(), set(context)))
    if warnings:
        from .review import review

        problems.extend(review(entries.values(), context, tax))
    return len(files), problems
