"""The results store: one SQLite file, each finished run one row keyed by the hash of its definition.

Safety comes from SQLite: WAL mode with synchronous=FULL, and every change in one transaction, so a
process killed at any moment (SIGKILL included) leaves every committed run and nothing of the one in
progress. The key is the primary key and a finished run is written with INSERT OR IGNORE, so a resumed
run, or two processes on one file, never store a run twice.

Tables:
- `runs`: finished runs, `ok` or `diverged` (the loss became non-finite: a result, counted as a seed that
  failed, with its reason); the whole record (the training Result and the extra measures) as JSON.
- `claims`: the runs a process is running now (its host, pid and the pid's start time). A process claims a
  run before it starts it, in a BEGIN IMMEDIATE transaction, so two processes share a matrix instead of
  both running it; a claim whose process has died (killed, crashed) is taken over.
- `failures`: runs that raised (a model that does not build, a worker that died): not results, so they
  are run again next time; the latest reason is kept for `status`.
- `experiments`: the YAML text of each experiment run into the file, by name (provenance).
"""

from __future__ import annotations

import json
import os
import random
import socket
import sqlite3
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import UsageError

SCHEMA_VERSION = 2
SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    key TEXT PRIMARY KEY,            -- sha256 of the run's definition (plan.run_definition)
    grp TEXT NOT NULL,               -- sha256 of the definition without the seed
    experiment TEXT NOT NULL,        -- the experiment that ran it first
    variant TEXT NOT NULL,
    label TEXT NOT NULL,
    task TEXT NOT NULL,              -- the task's id in that experiment
    task_name TEXT NOT NULL,
    seed INTEGER NOT NULL,
    axis TEXT NOT NULL,
    tokens_per_step TEXT,            -- NULL for the none comparator
    step_unit TEXT,
    status TEXT NOT NULL,            -- ok | diverged
    reason TEXT,                     -- why it diverged
    train_accuracy REAL,
    longest_test_length INTEGER,
    longest_test_accuracy REAL,      -- at the longest test length, on the positions past the training length
    chance REAL,
    seconds REAL,
    definition TEXT NOT NULL,        -- JSON: everything the key hashes
    record TEXT,                     -- JSON: the training Result (loop.Result.to_dict) and the extra measures
    machine TEXT,
    rt_explore_version TEXT,
    finished_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_grp ON runs (grp);
CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL,
                                   pid_start TEXT, experiment TEXT, started_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS failures (key TEXT PRIMARY KEY, experiment TEXT, variant TEXT, task TEXT, seed INTEGER,
                                     reason TEXT NOT NULL, attempts INTEGER NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS experiments (name TEXT PRIMARY KEY, text TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
COLUMNS = ("key", "grp", "experiment", "variant", "label", "task", "task_name", "seed", "axis", "tokens_per_step",
           "step_unit", "status", "reason", "train_accuracy", "longest_test_length", "longest_test_accuracy",
           "chance", "seconds", "definition", "record", "machine", "rt_explore_version", "finished_at")
# Another host's claim cannot be checked; it is taken over once it is this old.
FOREIGN_CLAIM_HOURS = 24
# How long opening waits for another process that is creating the same new database.
OPEN_TIMEOUT = 60


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def connect(db: Path, *, create: bool = True) -> sqlite3.Connection:
    """Open (and with `create`, initialise) a results database; UsageError when it is not one."""
    db = Path(db)
    if not create and not db.is_file():
        raise UsageError(f"{db}: no such results database (run 'rt-explore experiment run NAME --db {db}' first)")
    if create:
        db.parent.mkdir(parents=True, exist_ok=True)
    # Switching a new file to WAL and creating its tables answer 'database is locked' at once, without the
    # busy timeout, to a second process opening the same new file; that process waits and tries again. (A
    # lock held on the database file by this code would be dropped by its close, together with SQLite's.)
    deadline = time.monotonic() + OPEN_TIMEOUT
    while True:
        try:
            return initialise(db, create)
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise UsageError(f"{db}: not a results database ({exc})") from exc
            time.sleep(random.uniform(0.02, 0.2))
        except sqlite3.DatabaseError as exc:
            raise UsageError(f"{db}: not a results database ({exc})") from exc


def initialise(db: Path, create: bool) -> sqlite3.Connection:
    # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE ... COMMIT), never implicit.
    conn = sqlite3.connect(db, timeout=60, isolation_level=None)
    try:
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout=60000")
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        version = None
        if "meta" in tables:
            found = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            version = found[0] if found else None
        if tables and version != str(SCHEMA_VERSION):
            conn.close()
            raise UsageError(f"{db}: a results database of another version ({version or 'unknown'}; this "
                             f"rt-explore reads version {SCHEMA_VERSION}): use a new --db file")
        if create:
            conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        if create and not tables:
            with transaction(conn):
                # one statement at a time: executescript would COMMIT the transaction first
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        conn.execute("SELECT key FROM runs LIMIT 1")
    except BaseException:
        conn.close()
        raise
    return conn


class transaction:
    """`with transaction(conn):` BEGIN IMMEDIATE (the write lock, waiting up to the busy timeout) ... COMMIT,
    or ROLLBACK when the block raises."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, kind, value, traceback) -> None:
        self.conn.execute("COMMIT" if kind is None else "ROLLBACK")


# -- who runs what --


def process_start(pid: int) -> str | None:
    """The start time of process `pid` (Linux: /proc/PID/stat field 22), to tell a reused pid apart."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def alive(host: str, pid: int, pid_start: str | None) -> bool:
    """Whether the process that made a claim on this host still runs (another host's claims: see `claim`)."""
    if host != socket.gethostname():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    started = process_start(pid)
    return pid_start is None or started is None or started == pid_start


def claim_is_live(row: sqlite3.Row) -> bool:
    if row["host"] != socket.gethostname():
        started = datetime.fromisoformat(row["started_at"])
        return (datetime.now(UTC) - started).total_seconds() < FOREIGN_CLAIM_HOURS * 3600
    return alive(row["host"], row["pid"], row["pid_start"])


def claim(conn: sqlite3.Connection, key: str, experiment: str) -> str:
    """Claim run `key` for this process: "claimed", or "stored" (it is done) or "running" (another live
    process has it). A dead process's claim is taken over."""
    pid = os.getpid()
    with transaction(conn):
        if conn.execute("SELECT 1 FROM runs WHERE key = ?", (key,)).fetchone():
            return "stored"
        row = conn.execute("SELECT * FROM claims WHERE key = ?", (key,)).fetchone()
        if row is not None and not (row["host"] == socket.gethostname() and row["pid"] == pid) and claim_is_live(row):
            return "running"
        conn.execute("INSERT OR REPLACE INTO claims VALUES (?, ?, ?, ?, ?, ?)",
                     (key, socket.gethostname(), pid, process_start(pid), experiment, now()))
    return "claimed"


def release(conn: sqlite3.Connection, keys: Iterable[str]) -> None:
    """Drop this process's claims on `keys` (a run given up: interrupted, or never started)."""
    keys = list(keys)
    if not keys:
        return
    with transaction(conn):
        conn.executemany("DELETE FROM claims WHERE key = ? AND host = ? AND pid = ?",
                         [(k, socket.gethostname(), os.getpid()) for k in keys])


def running(conn: sqlite3.Connection) -> set[str]:
    """The keys that a live process has claimed."""
    return {row["key"] for row in conn.execute("SELECT * FROM claims") if claim_is_live(row)}


# -- results --


def store_run(conn: sqlite3.Connection, row: dict[str, Any]) -> bool:
    """Store one finished run and drop its claim and failure, in one transaction; False if it was there."""
    values = {**row, "rt_explore_version": _version(), "finished_at": now()}
    with transaction(conn):
        cursor = conn.execute(
            f"INSERT OR IGNORE INTO runs ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
            [values.get(c) for c in COLUMNS])
        conn.execute("DELETE FROM claims WHERE key = ?", (row["key"],))
        conn.execute("DELETE FROM failures WHERE key = ?", (row["key"],))
    return cursor.rowcount == 1


def store_failure(conn: sqlite3.Connection, run, reason: str) -> None:
    """Record that `run` (a plan.RunSpec) raised: kept for `status`, run again next time."""
    with transaction(conn):
        conn.execute("INSERT INTO failures VALUES (?, ?, ?, ?, ?, ?, 1, ?) ON CONFLICT(key) DO UPDATE SET "
                     "reason = excluded.reason, attempts = attempts + 1, at = excluded.at",
                     (run.key, run.experiment, run.variant, run.task, run.seed, reason, now()))
        conn.execute("DELETE FROM claims WHERE key = ?", (run.key,))


def record_experiment(conn: sqlite3.Connection, name: str, text: str) -> None:
    with transaction(conn):
        conn.execute("INSERT OR REPLACE INTO experiments VALUES (?, ?, ?)", (name, text, now()))


def stored_keys(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT key FROM runs")}


def failures(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    return {row["key"]: dict(row) for row in conn.execute("SELECT * FROM failures")}


def read_runs(db: Path, keys: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Stored runs (all, or those of `keys`) as dicts with `definition` and `record` parsed, oldest first."""
    conn = connect(db, create=False)
    try:
        rows = [dict(r) for r in conn.execute("SELECT * FROM runs ORDER BY rowid")]
    finally:
        conn.close()
    if keys is not None:
        wanted = set(keys)
        rows = [r for r in rows if r["key"] in wanted]
    for row in rows:
        row["definition"] = json.loads(row["definition"])
        row["record"] = json.loads(row["record"]) if row["record"] else None
    return rows


def _version() -> str:
    from .. import __version__

    return __version__
