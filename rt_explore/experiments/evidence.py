"""Measured evidence per cell of the paper's Table 1, for `rt-explore grid --evidence DB`.

For each stored group of runs (one model, task, budget and evaluation; the seeds pooled), the scaled
accuracy at the longest test length, on the positions past the training length: mean, 95% bootstrap
interval and n. Every group is shown, labelled with its variant, never only the best one; diverged runs
are counted beside n. The `none` baseline is keyed ("none", None).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from . import store
from .stats import scaled, successes, summarise


def evidence_by_cell(db: Path) -> dict[tuple[str, str | None], dict[str, list[dict[str, Any]]]]:
    """{(axis, tokens_per_step): {task: [{label, n, mean, low, high, std, diverged, succeeded, length, steps}]}}."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in store.read_runs(db):
        groups[row["grp"]].append(row)
    evidence: dict[tuple[str, str | None], dict[str, list[dict[str, Any]]]] = {}
    for rows in groups.values():
        first = rows[0]
        ok = [r for r in rows if r["status"] == "ok" and r["longest_test_accuracy"] is not None]
        values = [scaled(r["longest_test_accuracy"], r["chance"]) for r in ok]
        found = summarise(values)
        entry = {"label": first["label"], "n": len(ok), "diverged": len(rows) - len(ok),
                 "succeeded": successes(values), "length": first["longest_test_length"],
                 "steps": first["definition"]["budget"]["steps"], "measure": "scaled accuracy",
                 **({"mean": found.mean, "low": found.low, "high": found.high, "std": found.std} if found else {})}
        by_task = evidence.setdefault((first["axis"], first["tokens_per_step"]), {})
        by_task.setdefault(first["task_name"], []).append(entry)
    for by_task in evidence.values():
        for entries in by_task.values():
            entries.sort(key=lambda e: (e["label"], e["steps"]))
    return evidence
