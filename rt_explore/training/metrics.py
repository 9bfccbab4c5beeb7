"""metrics.json: the record of a finished run, written so that a reader never sees half of it.

The JSON is written to a temporary file in the same folder (so the rename stays on one file system),
flushed to disk, then renamed over the target with `os.replace`, which is atomic on POSIX and Windows.
A run that fails (a non-finite loss) never reaches this module, so an earlier metrics.json survives.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

METRICS_FILE = "metrics.json"


def file_mode() -> int:
    """The mode a plain new file gets under the current umask (mkstemp's files are private, 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_json_atomically(path: Path, data: Any) -> Path:
    """Write `data` as JSON at `path` atomically; returns the path."""
    return write_text_atomically(path, json.dumps(data, indent=2, allow_nan=True) + "\n")


def write_text_atomically(path: Path, text: str) -> Path:
    """Write `text` (UTF-8) at `path` atomically; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_metrics(project_dir: Path, result) -> Path:
    """Write `result` (a loop.Result) as `<project_dir>/metrics.json`; returns the path written."""
    return write_json_atomically(Path(project_dir) / METRICS_FILE, result.to_dict())
