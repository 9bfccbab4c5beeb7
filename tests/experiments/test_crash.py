"""Crash safety: a run killed with SIGKILL resumes to a complete store; two runs on one store share the work."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from rt_explore.experiments.plan import load_experiment

ROOT = Path(__file__).resolve().parents[2]


def command(path: Path, db: Path, seeds: int) -> list[str]:
    return [sys.executable, "-m", "rt_explore", "experiment", "run", str(path), "--db", str(db), "--seeds",
            str(seeds), "--json"]


def environment() -> dict[str, str]:
    # The checkout's code, whatever is installed; one OpenMP thread.
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, "OMP_NUM_THREADS": "1"}


def stored(db: Path) -> Counter:
    with sqlite3.connect(db, timeout=30) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return Counter(row[0] for row in conn.execute("SELECT key FROM runs"))


def test_a_run_killed_with_sigkill_resumes_to_every_run_stored_exactly_once(tmp_path, tiny):
    db = tmp_path / "r.db"
    process = subprocess.Popen(command(tiny, db, 3), env=environment(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    count, deadline = 0, time.monotonic() + 180
    while time.monotonic() < deadline and process.poll() is None:
        if db.exists():
            try:
                with sqlite3.connect(db, timeout=1) as conn:
                    count = conn.execute("SELECT count(*) FROM runs").fetchone()[0]
            except sqlite3.OperationalError:  # the tables are not created yet
                count = 0
            if count >= 1:
                break
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert 1 <= count < 6, process.stderr.read().decode()
    before = stored(db)
    assert set(before.values()) == {1} and len(before) < 6

    finished = subprocess.run(command(tiny, db, 3), env=environment(), capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    report = json.loads(finished.stdout)
    assert report["skipped"] == len(before) and report["stored"] == 6 - len(before)
    after = stored(db)
    assert set(after.values()) == {1}
    assert set(after) == {r.key for r in load_experiment(tiny).matrix(seeds=(0, 1, 2))}


def test_two_run_processes_on_one_store_share_the_matrix_without_duplicates(tmp_path, tiny):
    db = tmp_path / "r.db"
    processes = [subprocess.Popen(command(tiny, db, 3), env=environment(), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], [err for _, err in outputs]
    reports = [json.loads(out) for out, _ in outputs]
    # Every run was trained by one process only: the claims kept the other off it.
    assert sum(r["stored"] for r in reports) == 6
    after = stored(db)
    assert len(after) == 6 and set(after.values()) == {1}
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM claims").fetchone()[0] == 0
