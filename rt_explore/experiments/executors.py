"""Where runs execute: in this process, in N worker processes, or as Ray tasks on a cluster.

All three run the same function (`execute.execute`) on the same plain-data RunSpec and hand its outcome
back to the caller, the one process that writes the store. `capacity` is how many runs may be in flight.

- `InlineExecutor`: one run at a time, in this process (`--workers 1`).
- `ProcessExecutor`: N single-thread trainings in worker processes started with `spawn` (no forked torch
  state, the same on Linux and macOS); a worker that dies (out of memory, killed) fails its run, and the
  pool is started again for the rest.
- `RayExecutor`: Ray tasks of one CPU each on an existing cluster (`address`, else RAY_ADDRESS, else
  Ray's default: a cluster started on this machine with `ray start`, or a new local instance). Every node
  needs rt-explore installed (`pip install 'rt-explore[ray,torch]'`); see the README, "Running on a cluster".
"""

from __future__ import annotations

import os
from collections import deque
from typing import Any

from ..errors import MissingDependency, UsageError
from .execute import execute
from .plan import RunSpec

EXECUTORS = ("local", "ray")


def error_outcome(run: RunSpec, reason: str) -> dict[str, Any]:
    return {"key": run.key, "status": "error", "reason": reason, "record": None, "machine": None}


class InlineExecutor:
    def __init__(self, workdir: str | None = None):
        self.capacity, self.workdir = 1, workdir
        self.queue: deque[RunSpec] = deque()

    def submit(self, run: RunSpec) -> None:
        self.queue.append(run)

    def next_done(self) -> tuple[RunSpec, dict[str, Any]]:
        run = self.queue.popleft()
        return run, execute(run, self.workdir)

    def close(self) -> None:
        self.queue.clear()


def _init_worker() -> None:
    # Before torch is imported in the worker: one OpenMP thread, as train(threads=1) asks of torch itself.
    os.environ.setdefault("OMP_NUM_THREADS", "1")


class ProcessExecutor:
    def __init__(self, workers: int, workdir: str | None = None):
        self.capacity, self.workdir = workers, workdir
        self.futures: dict[Any, RunSpec] = {}
        self.pool = self._pool()

    def _pool(self):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        return ProcessPoolExecutor(max_workers=self.capacity, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init_worker)

    def submit(self, run: RunSpec) -> None:
        self.futures[self.pool.submit(execute, run, self.workdir)] = run

    def next_done(self) -> tuple[RunSpec, dict[str, Any]]:
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        done, _ = wait(self.futures, return_when=FIRST_COMPLETED)
        future = next(iter(done))
        run = self.futures.pop(future)
        try:
            return run, future.result()
        except BrokenProcessPool:
            # A worker died: every run in flight fails with it; the others go to a fresh pool.
            waiting = list(self.futures.values())
            self.futures.clear()
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = self._pool()
            for other in waiting:
                self.submit(other)
            return run, error_outcome(run, "a worker process died (killed, or out of memory)")
        except Exception as exc:  # noqa: BLE001 - the run could not be sent or returned (pickling)
            return run, error_outcome(run, f"{type(exc).__name__}: {exc}")

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class RayExecutor:
    def __init__(self, workers: int | None, address: str | None):
        try:
            import ray
        except ImportError:
            raise MissingDependency("--executor ray needs Ray: pip install 'rt-explore[ray]'") from None
        import logging

        self.ray = ray
        self.owned = not ray.is_initialized()
        if self.owned:
            try:
                ray.init(address=address, include_dashboard=False, log_to_driver=False,
                         logging_level=logging.WARNING)
            except (ConnectionError, ValueError, RuntimeError) as exc:
                where = address or os.environ.get("RAY_ADDRESS") or "the default address"
                raise UsageError(f"cannot reach a Ray cluster at {where}: {exc}") from None
        self.remote = ray.remote(num_cpus=1, max_retries=0)(execute)
        self.capacity = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        self.refs: dict[Any, RunSpec] = {}

    def submit(self, run: RunSpec) -> None:
        self.refs[self.remote.remote(run)] = run

    def next_done(self) -> tuple[RunSpec, dict[str, Any]]:
        ready, _ = self.ray.wait(list(self.refs), num_returns=1)
        run = self.refs.pop(ready[0])
        try:
            return run, self.ray.get(ready[0])
        except Exception as exc:  # noqa: BLE001 - a task that died on its node (RayTaskError, WorkerCrashedError)
            lines = [line for line in str(exc).splitlines() if line.strip()]
            return run, error_outcome(run, f"{type(exc).__name__}: {lines[-1] if lines else ''}")

    def close(self) -> None:
        for ref in self.refs:
            self.ray.cancel(ref, force=True)
        self.refs.clear()
        if self.owned:
            self.ray.shutdown()


def check_executor(kind: str, workers: int | None, address: str | None) -> None:
    """Refuse bad executor settings before anything is opened or run."""
    if kind not in EXECUTORS:
        raise UsageError(f"--executor must be one of {', '.join(EXECUTORS)}, got '{kind}'")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise UsageError(f"--workers must be a whole number of at least 1, got {workers!r}")
    if kind == "local" and address is not None:
        raise UsageError("--address is for --executor ray")
    if kind == "ray":
        from importlib.util import find_spec

        if find_spec("ray") is None:
            raise MissingDependency("--executor ray needs Ray: pip install 'rt-explore[ray]'")


def make_executor(kind: str, workers: int | None, address: str | None = None, workdir: str | None = None):
    """`workers` None: one process locally; every CPU of the cluster with Ray."""
    check_executor(kind, workers, address)
    if kind == "ray":
        return RayExecutor(workers, address)
    return InlineExecutor(workdir) if (workers or 1) == 1 else ProcessExecutor(workers, workdir)
