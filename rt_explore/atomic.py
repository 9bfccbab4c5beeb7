"""Files and folders written whole: built beside the target, then renamed into place (no torch).

What rt_explore writes (metrics, reports, figures, exports, caches, new catalog entries, generated
projects, the site) goes through here, so that a reader, or an interrupted run, never leaves or sees half
of it. The content goes to a temporary sibling (the rename stays on one file system), then `os.replace`
renames it over the target, which is atomic on POSIX and Windows. With `replace=False` the target is
never replaced: `os.link` gives the finished file its name only while that name is free (FileExistsError
otherwise). A file gets the mode an ordinary `open` gives a new file under the umask (mkstemp's are
0600); on any failure the temporary file is removed and the target is left as it was.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def file_mode() -> int:
    """The mode a plain new file gets under the current umask."""
    return 0o666 & ~_umask()


def replace_atomically(path: Path, write: Callable[[Path], None], *, replace: bool = True) -> Path:
    """Call `write(tmp)` on a temporary sibling of `path` (same suffix, so writers that read the format
    from it, like matplotlib's savefig, work), then rename it into place; returns `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        os.chmod(tmp, file_mode())
        if replace:
            os.replace(tmp, path)
        else:
            _link_new(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _link_new(tmp: Path, path: Path) -> None:
    try:
        # A hard link appears whole and fails if the name is taken: a file written meanwhile by someone
        # else is never replaced.
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links
        if path.exists():
            raise FileExistsError(f"{path} already exists") from None
        os.replace(tmp, path)


def write_bytes(path: Path, data: bytes, *, replace: bool = True, fsync: bool = True) -> Path:
    """Write `data` at `path` atomically; `fsync` flushes it to disk before the rename. Returns `path`."""

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as handle:
            handle.write(data)
            if fsync:
                handle.flush()
                os.fsync(handle.fileno())

    return replace_atomically(path, write, replace=replace)


def write_text(path: Path, text: str, *, replace: bool = True, fsync: bool = True) -> Path:
    """Write `text` (UTF-8) at `path` atomically; returns `path`."""
    return write_bytes(path, text.encode("utf-8"), replace=replace, fsync=fsync)


def write_json(path: Path, data: Any) -> Path:
    """Write `data` as indented JSON (NaN allowed, a final newline) at `path` atomically; returns `path`."""
    return write_text(path, json.dumps(data, indent=2, allow_nan=True) + "\n")


def replace_folder(path: Path, fill: Callable[[Path], T]) -> T:
    """Build a folder with `fill(tmp)` in a temporary sibling, then swap it in for `path`; returns what
    `fill` returned. An existing folder is moved aside first, so there is never a moment with half of
    either; on any failure the temporary folder is removed and `path` is left as it was. The folder gets
    the mode an ordinary mkdir gives under the umask."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.new-", dir=path.parent))
    try:
        result = fill(tmp)
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old-", dir=path.parent))
            os.replace(path, old / path.name)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return result
