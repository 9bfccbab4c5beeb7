"""One run, start to finish, in whichever process runs it: the parent, a worker process, or a Ray task.

`execute(run)` generates the variant's project (once per process and model), trains it with the one
recipe (`training.loop.train`, one torch thread), takes the extra measures the run's definition asks for
from the trained model, and returns a plain dict that the one writer stores. It never touches the store,
so any number of them can run at once. A run is a function of its definition: the same definition gives
the same numbers in any process on one machine (tests/experiments/test_executors.py).

Outcomes: `ok` (with the record), `diverged` (the loss became non-finite: a result, stored with its
reason), `error` (anything else: reported and run again next time).
"""

from __future__ import annotations

import atexit
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from .plan import RunSpec, digest

_PROJECTS: dict[str, Any] = {}
_WORKDIR: list[Path] = []


def execute(run: RunSpec, workdir: str | None = None) -> dict[str, Any]:
    """Train and measure one run; {"key", "status": ok|diverged|error, "reason", "record", "machine"}."""
    from ..training.loop import NonFiniteLoss

    try:
        record = _train_and_measure(run, workdir)
    except NonFiniteLoss as exc:
        return {"key": run.key, "status": "diverged", "reason": str(exc), "record": None, "machine": machine()}
    except Exception as exc:  # noqa: BLE001 - one broken run must not stop the matrix; the writer reports it
        return {"key": run.key, "status": "error", "reason": one_line(exc), "record": None, "machine": machine()}
    return {"key": run.key, "status": "ok", "reason": None, "record": record, "machine": machine()}


def one_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return f"{type(exc).__name__}: {lines[-1] if lines else ''}".rstrip(": ")


def machine() -> str:
    """What ran it (no host name): OS, CPUs, Python, torch, device."""
    import torch

    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"torch {torch.__version__}, {device}")


def _train_and_measure(run: RunSpec, workdir: str | None) -> dict[str, Any]:
    from ..tasks import get_task
    from ..training.loop import train
    from ..training.random_depth import project_depth_range
    from ..training.stages import project_stages

    definition = run.definition
    project = _project(run, workdir)
    task = get_task(definition["task"]["name"], **definition["task"]["params"])
    budget, evaluation, training = definition["budget"], definition["evaluation"], definition["training"]
    extra = evaluation.get("extra", {})
    stages = project_stages(project, training["stages"], budget["steps"]) if "stages" in training else None
    depth = project_depth_range(project, training["random_depth"]) if "random_depth" in training else None
    curve: list[list[float]] = []
    every = extra.get("learning_curve", {}).get("every")
    started = time.perf_counter()

    def on_step(info) -> None:
        if info.step % every == 0 or info.step == info.steps:
            # the seconds so far, less those of a time_to evaluation in the middle of training
            curve.append([info.step, round(info.loss, 6), round(info.accuracy, 6),
                          round(time.perf_counter() - started - info.evaluation_seconds, 3)])

    result = train(project, task, steps=budget["steps"], seed=run.seed, batch_size=budget["batch_size"],
                   lr=budget["lr"], eval_batches=evaluation["batches"], eval_batch_size=evaluation["batch_size"],
                   threads=1, on_step=on_step if every else None, stages=stages, random_depth=depth,
                   reset_optimizer=bool(training.get("reset_optimizer")),
                   time_to=extra["time_to"]["target"] if "time_to" in extra else None)
    record = result.to_dict()
    reached = record["extra"].pop("time_to", None)  # absent: the target was never reached
    record["measures"] = measure(result.model, task, run.seed, extra, evaluation, result.extra["device"])
    if every:
        record["measures"]["learning_curve"] = curve
    if reached is not None:
        record["measures"]["time_to"] = reached
    return record


def measure(model, task, seed: int, extra: dict[str, Any], evaluation: dict[str, Any], device: str) -> dict:
    """The measures taken after training, on the trained model (see schema.EXTRA_MEASURES)."""
    from ..training.evaluate import accuracy_by_length, frontier, new_positions_accuracy
    from ..training.loop import FRONTIER_BATCH
    from ..training.seeds import EVAL_STREAM, FRONTIER_STREAM, PROBE_STREAM, stream

    out: dict[str, Any] = {}
    scoring = {"batches": evaluation["batches"], "batch_size": evaluation["batch_size"], "device": device}
    if "frontier" in extra:
        asked = extra["frontier"]
        lengths = asked.get("lengths") or (max(task.train_lengths), max(task.test_lengths))
        points = frontier(model, task, lengths=lengths, steps=asked.get("iterations"), batches=1,
                          batch_size=min(evaluation["batch_size"], FRONTIER_BATCH), device=device,
                          generator=stream(seed, FRONTIER_STREAM))
        out["frontier"] = {str(s): {str(n): acc for n, acc in by.items()} for s, by in points.items()}
    if "test_variants" in extra:
        out["test_variants"] = {}
        for i, (name, variant) in enumerate(sorted(task.test_variants().items())):
            # Each test variant has its own evaluation stream, after the two the training loop uses.
            acc = accuracy_by_length(model, variant, variant.test_lengths,
                                     generator=stream(seed, EVAL_STREAM + 2 + 2 * i), **scoring)
            new = new_positions_accuracy(model, variant, generator=stream(seed, EVAL_STREAM + 3 + 2 * i), **scoring)
            out["test_variants"][name] = {"accuracy": {str(k): v for k, v in acc.items()},
                                          "accuracy_new": {str(k): v for k, v in new.items()},
                                          "chance": variant.chance}
    if "rank" in extra:
        from ..probes.rank import probe_inputs, rank_profile

        asked = extra["rank"]
        inputs = probe_inputs(task, batch=asked["batch"], length=asked.get("length"), seed=seed).to(device)
        out["rank"] = rank_profile(model, inputs)
    if "stability" in extra:
        from ..probes.stability import state_trajectory

        asked = extra["stability"]
        probe = task.batch(asked["batch"], max(task.test_lengths), stream(seed, PROBE_STREAM)).to(device)
        out["stability"] = state_trajectory(model, probe.inputs, asked["iterations"], mask=probe.attention_mask)
    return out


def _project(run: RunSpec, workdir: str | None):
    """The run's generated project, made once per process (and model) and loaded once."""
    from ..codegen import generate
    from ..training.project import load_project

    model_key = digest(run.definition["model"])
    if model_key in _PROJECTS:
        return _PROJECTS[model_key]
    root = Path(workdir) if workdir else _process_workdir()
    # One folder per process: two workers never write the same files.
    folder = root / f"p{os.getpid()}" / f"{run.spec.name}-{model_key[:12]}"
    if not (folder / ".rt-explore.yml").is_file():
        generate(run.spec, folder, force=True)
    _PROJECTS[model_key] = load_project(folder)
    return _PROJECTS[model_key]


def _process_workdir() -> Path:
    if not _WORKDIR:
        path = Path(tempfile.mkdtemp(prefix="rt-explore-runs-"))
        atexit.register(shutil.rmtree, path, True)
        _WORKDIR.append(path)
    return _WORKDIR[0]
