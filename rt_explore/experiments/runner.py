"""Run an experiment's matrix through the results store, and say where each of its runs stands.

The calling process is the one writer: it claims a run in the store, hands it to an executor (this
process, worker processes or Ray), and stores the outcome in one transaction when it comes back. Runs
already stored are skipped, so a matrix resumes where it stopped; runs another live process has claimed
are left to it, so two `run` processes on one file share the work and never store a run twice. The
library reports through `on_event` and never prints.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import store
from .plan import Experiment, RunSpec

STATUSES = ("done", "diverged", "failed", "running", "to do")


@dataclass(frozen=True)
class RunEvent:
    """`kind`: planned (before the first run), started, finished (status ok, diverged, error) or left (stored
    or claimed by another process meanwhile). `done` counts finished and left runs out of `total`, the runs
    this process set out to do (already stored ones excluded)."""

    kind: str
    done: int
    total: int
    skipped: int
    run: RunSpec | None = None
    status: str | None = None
    reason: str | None = None
    seconds: float | None = None


@dataclass
class RunReport:
    experiment: str
    db: Path
    total: int = 0  # runs in the matrix
    skipped: int = 0  # stored before this process started
    stored: int = 0  # stored by this process (ok or diverged)
    diverged: list[tuple[RunSpec, str]] = field(default_factory=list)
    errors: list[tuple[RunSpec, str]] = field(default_factory=list)
    elsewhere: list[RunSpec] = field(default_factory=list)  # claimed by another live process
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        def runs(items):
            return [{"variant": r.variant, "task": r.task, "seed": r.seed, "key": r.key, "reason": why}
                    for r, why in items]

        return {"experiment": self.experiment, "db": str(self.db), "total": self.total, "skipped": self.skipped,
                "stored": self.stored, "diverged": runs(self.diverged), "failed": runs(self.errors),
                "running_elsewhere": runs((r, None) for r in self.elsewhere), "seconds": round(self.seconds, 1)}


def run_experiment(experiment: Experiment, db: Path, *, seeds: tuple[int, ...] | None = None,
                   workers: int | None = None, executor: str = "local", address: str | None = None,
                   workdir: str | None = None, on_event: Callable[[RunEvent], None] | None = None) -> RunReport:
    """Run every run of the matrix that the store lacks; store each as it finishes."""
    from .executors import check_executor, make_executor

    check_executor(executor, workers, address)
    if executor == "local":
        from ..training import require_torch

        require_torch("rt-explore experiment run")
    matrix = experiment.matrix(seeds)
    started = time.perf_counter()
    report = RunReport(experiment.name, Path(db), total=len(matrix))
    conn = store.connect(db)
    mine: set[str] = set()
    pool = None
    try:
        store.record_experiment(conn, experiment.name, experiment.file.text)
        stored = store.stored_keys(conn)
        pending = [run for run in matrix if run.key not in stored]
        report.skipped = len(matrix) - len(pending)
        progress = {"done": 0}

        def emit(kind: str, run: RunSpec | None = None, **kw: Any) -> None:
            if on_event is not None:
                on_event(RunEvent(kind, progress["done"], len(pending), report.skipped, run, **kw))

        emit("planned")
        if pending:
            pool = make_executor(executor, workers, address, workdir)
        in_flight = 0
        while pending or in_flight:
            while pending and in_flight < pool.capacity:
                run = pending.pop(0)
                got = store.claim(conn, run.key, experiment.name)
                if got != "claimed":
                    report.skipped += got == "stored"
                    if got == "running":
                        report.elsewhere.append(run)
                    progress["done"] += 1
                    emit("left", run, status=got)
                    continue
                mine.add(run.key)
                pool.submit(run)
                in_flight += 1
                emit("started", run)
            if not in_flight:
                break
            run, outcome = pool.next_done()
            in_flight -= 1
            _store_outcome(conn, report, run, outcome)
            mine.discard(run.key)
            progress["done"] += 1
            seconds = (outcome.get("record") or {}).get("seconds")
            emit("finished", run, status=outcome["status"], reason=outcome["reason"], seconds=seconds)
    finally:
        if pool is not None:
            pool.close()
        try:
            store.release(conn, mine)
        finally:
            conn.close()
    report.seconds = time.perf_counter() - started
    return report


def _store_outcome(conn, report: RunReport, run: RunSpec, outcome: dict[str, Any]) -> None:
    if outcome["status"] == "error":
        store.store_failure(conn, run, outcome["reason"])
        report.errors.append((run, outcome["reason"]))
        return
    if store.store_run(conn, run_row(run, outcome)):
        report.stored += 1
    if outcome["status"] == "diverged":
        report.diverged.append((run, outcome["reason"]))


def run_row(run: RunSpec, outcome: dict[str, Any]) -> dict[str, Any]:
    """The store's row for a finished run (ok or diverged)."""
    from ..tasks import get_task

    record, cell, task = outcome["record"], run.cell, run.definition["task"]
    row = {"key": run.key, "grp": run.group, "experiment": run.experiment, "variant": run.variant,
           "label": run.label, "task": run.task, "task_name": task["name"], "seed": run.seed, "axis": cell["axis"],
           "tokens_per_step": cell.get("tokens_per_step"), "step_unit": cell.get("step_unit"),
           "status": outcome["status"], "reason": outcome["reason"],
           "definition": json.dumps(run.definition, sort_keys=True),
           "record": json.dumps(record) if record is not None else None, "machine": outcome["machine"]}
    if record is None:
        return {**row, "chance": get_task(task["name"], **task["params"]).chance}
    longest = max(int(n) for n in record["test_accuracy"])
    headline = record["test_accuracy_new"].get(str(longest), record["test_accuracy"][str(longest)])
    return {**row, "train_accuracy": record["train_accuracy"], "longest_test_length": longest,
            "longest_test_accuracy": headline, "chance": record["chance"], "seconds": record["seconds"]}


def experiment_status(experiment: Experiment, db: Path, seeds: tuple[int, ...] | None = None
                      ) -> list[tuple[RunSpec, str, str | None]]:
    """(run, status, reason) for every run of the matrix; status is one of STATUSES. Reads only: a
    missing database means every run is to do."""
    matrix = experiment.matrix(seeds)
    if not Path(db).is_file():
        return [(run, "to do", None) for run in matrix]
    conn = store.connect(db, create=False)
    try:
        finished = {row["key"]: (row["status"], row["reason"])
                    for row in conn.execute("SELECT key, status, reason FROM runs")}
        failed = store.failures(conn)
        live = store.running(conn)
    finally:
        conn.close()
    out = []
    for run in matrix:
        if run.key in finished:
            status, reason = finished[run.key]
            out.append((run, "done" if status == "ok" else "diverged", reason))
        elif run.key in live:
            out.append((run, "running", None))
        elif run.key in failed:
            out.append((run, "failed", failed[run.key]["reason"]))
        else:
            out.append((run, "to do", None))
    return out


def check_seeds(count: int | None) -> tuple[int, ...] | None:
    """`--seeds N` -> (0..N-1); None keeps the experiment's seeds."""
    from .schema import seeds_from_count

    return None if count is None else seeds_from_count(count)
