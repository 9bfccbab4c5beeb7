"""Every executor stores the same numbers: a run is a function of its definition, wherever it runs."""

from __future__ import annotations

import os

import pytest

from rt_explore.errors import UsageError
from rt_explore.experiments.executors import make_executor
from rt_explore.experiments.plan import load_experiment
from rt_explore.experiments.runner import run_experiment
from rt_explore.experiments.store import read_runs

# Measured on the machine, not computed from the definition.
TIMING = ("seconds", "tokens_per_second")


def numbers(db) -> dict[str, dict]:
    out = {}
    for row in read_runs(db):
        record = {k: v for k, v in row["record"].items() if k not in TIMING}
        out[row["key"]] = {"status": row["status"], "record": record}
    return out


def test_two_worker_processes_store_what_one_process_stores(tmp_path, tiny, single_thread):
    experiment = load_experiment(tiny)
    inline = run_experiment(experiment, tmp_path / "one.db")
    pooled = run_experiment(experiment, tmp_path / "two.db", workers=2)
    assert inline.stored == pooled.stored == 4 and not pooled.errors
    one, two = numbers(tmp_path / "one.db"), numbers(tmp_path / "two.db")
    assert one == two
    assert all(r["record"]["loss_curve"] and r["record"]["test_accuracy"] for r in one.values())


def test_ray_tasks_on_a_local_instance_store_what_the_local_executor_stores(tmp_path, tiny, single_thread):
    if os.environ.get("RT_EXPLORE_REQUIRE_RAY"):
        import ray  # CI installs the [ray] extra (via dev): this test must run there, never skip
    else:
        ray = pytest.importorskip("ray")
    experiment = load_experiment(tiny)
    run_experiment(experiment, tmp_path / "local.db")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        report = run_experiment(experiment, tmp_path / "ray.db", executor="ray")
    finally:
        ray.shutdown()
    assert report.stored == 4 and not report.errors, report.errors
    assert numbers(tmp_path / "ray.db") == numbers(tmp_path / "local.db")


def test_bad_executor_settings_are_refused_before_anything_is_opened(tmp_path, tiny):
    experiment = load_experiment(tiny)
    for kwargs, words in [({"executor": "slurm"}, "local, ray"), ({"workers": 0}, "at least 1"),
                          ({"address": "ray://x:10001"}, "--address is for --executor ray")]:
        with pytest.raises(UsageError, match=words):
            run_experiment(experiment, tmp_path / "r.db", **kwargs)
    assert not (tmp_path / "r.db").exists()
    assert make_executor("local", None).capacity == 1 and make_executor("local", 1).capacity == 1
