"""metrics.json: the record of a finished run, written whole (rt_explore.atomic) so no reader sees half of it.

A run that fails (a non-finite loss) never reaches this module, so an earlier metrics.json survives.
"""

from __future__ import annotations

from pathlib import Path

from ..atomic import write_json, write_text

METRICS_FILE = "metrics.json"

# Old names, still imported by benchmarks/bench_experiment_workers.py; the writers live in rt_explore.atomic.
write_json_atomically = write_json
write_text_atomically = write_text


def write_metrics(project_dir: Path, result) -> Path:
    """Write `result` (a loop.Result) as `<project_dir>/metrics.json`; returns the path written."""
    return write_json(Path(project_dir) / METRICS_FILE, result.to_dict())
