"""An experiment's report, from the results store alone: the data (`build_report`) and its files.

`build_report` finds the stored runs of the experiment's matrix by key, pools them over seeds per
(variant, task, length) with `stats.summarise`, and decides each comparison with `stats.compare`. The
result is JSON-ready; `markdown.render` turns it into NAME.md and `figures.plot_report` into NAME.png.
Numbers are the same every time the same store is reported (the bootstrap has a fixed seed); timing
figures (seconds, tokens/s) are measurements of the machine and vary between runs.

At a length past the training lengths a task's accuracy is read on the positions past the longest
training sequence (`accuracy_new`, as training.evaluate scores it) where the task scores several
positions per sequence; that is the *headline* accuracy, and scaled accuracy is computed from it.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from pathlib import Path
from typing import Any

from . import store
from .measures import RANK_COMPARABLE, RANK_FIELDS, TIME_TO_TARGET
from .plan import Experiment, RunSpec
from .stats import Summary, compare, compare_level, scaled, successes, summarise

CURVE_TARGET = 0.99  # learning curves: the first step whose training-batch accuracy, averaged over
CURVE_WINDOW = 5     # this many logged points ending there, reaches CURVE_TARGET (one batch is one length,
                     # and a batch of short sequences can score 0.99 long before the model fits the task)


def headline(record: dict[str, Any], length: int) -> float | None:
    """Accuracy at `length`: on the new positions where the run scored them, else on all positions."""
    key = str(length)
    value = record.get("test_accuracy_new", {}).get(key)
    if value is None:
        value = record.get("test_accuracy", {}).get(key)
    if value is None:
        value = record.get("train_accuracy_by_length", {}).get(key)
    return value


def _summary(values: list[float | None]) -> dict[str, Any] | None:
    found = summarise([v for v in values if v is not None])
    return found.to_dict() if found else None


def build_report(experiment: Experiment, db: Path, seeds: tuple[int, ...] | None = None) -> dict[str, Any]:
    """The report of `experiment` from the runs stored in `db` (UsageError when `db` does not exist)."""
    matrix, rows, cells = _stored_cells(experiment, db, seeds)
    results, frontiers, probes, curves, times = [], [], [], [], []
    for task_id, task in experiment.tasks.items():
        tested = experiment.measure("test_variants", task_id)
        names = [None, *sorted(task.task.test_variants())] if tested else [None]
        for variant_id in task.variants:
            runs = cells[(task_id, variant_id)]
            for test_variant in names:
                results.append(_result(experiment, task_id, variant_id, runs, test_variant))
            frontiers += _frontier(experiment, task_id, variant_id, runs)
            probes += _probes(experiment, task_id, variant_id, runs)
            curves += _curves(experiment, task_id, variant_id, runs)
            times += _time_to(experiment, task_id, variant_id, runs)
    by_cell = {(r["task"], r["variant"], r["test_variant"]): r for r in results}
    return {
        "name": experiment.name, "title": experiment.file.title, "question": experiment.file.question,
        "claims": [vars(c) for c in experiment.file.claims], "notes": experiment.file.notes,
        "configuration": _configuration(experiment, seeds),
        "runs": {**_run_counts(matrix, rows),
                 "machines": sorted({r["machine"] for r in rows.values() if r["machine"]}),
                 "train_seconds": round(sum(r["seconds"] or 0.0 for r in rows.values()), 1),
                 "span": _span(rows.values())},
        "results": results, "frontier": frontiers, "probes": probes, "learning_curves": curves, "time_to": times,
        "comparisons": [_comparison(experiment, c, by_cell) for c in experiment.file.comparisons],
    }


def _span(rows) -> dict[str, Any] | None:
    """From the first stored run's start (its finish less its seconds) to the last one's finish: the wall time of
    the experiment as it was run (workers, interruptions and the machine's other load included)."""
    times = [(datetime.datetime.fromisoformat(r["finished_at"]), r["seconds"] or 0.0)
             for r in rows if r.get("finished_at")]
    if not times:
        return None
    start = min(t - datetime.timedelta(seconds=s) for t, s in times)
    end = max(t for t, _ in times)
    return {"start": start.isoformat(timespec="seconds"), "end": end.isoformat(timespec="seconds"),
            "minutes": round((end - start).total_seconds() / 60, 1)}


def build_comparisons(experiment: Experiment, db: Path, seeds: tuple[int, ...] | None = None) -> dict[str, Any] | None:
    """The comparisons of `experiment` exactly as `build_report` decides them, each with its two sides'
    training accuracy (`a_train`, `b_train`), and the run counts; only the compared cells are summarised, so
    that a README block of a large matrix costs seconds, not the whole report. None when `db` does not exist
    or holds no finished run of the experiment's matrix."""
    if not Path(db).is_file():
        return None
    matrix, rows, cells = _stored_cells(experiment, db, seeds)
    if not any(r["status"] == "ok" for r in rows.values()):
        return None
    lengths: dict[tuple[str, str, str | None], set[int]] = defaultdict(set)
    for c in experiment.file.comparisons:
        for variant in (c.a, c.b):
            if variant is not None:
                lengths[(c.task, variant, c.test_variant)].add(comparison_length(experiment, c))
    by_cell = {(task, variant, test_variant): _result(experiment, task, variant, cells[(task, variant)], test_variant,
                                                      found)
               for (task, variant, test_variant), found in lengths.items()}
    comparisons = [{**_comparison(experiment, c, by_cell),
                    "a_train": by_cell[(c.task, c.a, c.test_variant)]["train_accuracy"],
                    "b_train": by_cell[(c.task, c.b, c.test_variant)]["train_accuracy"] if c.b else None}
                   for c in experiment.file.comparisons]
    return {"name": experiment.name, "runs": _run_counts(matrix, rows), "comparisons": comparisons}


def _stored_cells(experiment: Experiment, db: Path, seeds: tuple[int, ...] | None):
    """The matrix, its stored rows by key, and its runs (spec, row or None) by (task, variant)."""
    matrix = experiment.matrix(seeds)
    rows = {row["key"]: row for row in store.read_runs(db, [r.key for r in matrix])}
    cells: dict[tuple[str, str], list[tuple[RunSpec, dict | None]]] = defaultdict(list)
    for run in matrix:
        cells[(run.task, run.variant)].append((run, rows.get(run.key)))
    return matrix, rows, cells


def _run_counts(matrix: list[RunSpec], rows: dict[str, dict]) -> dict[str, int]:
    return {"total": len(matrix), "ok": sum(1 for r in rows.values() if r["status"] == "ok"),
            "diverged": sum(1 for r in rows.values() if r["status"] == "diverged"), "missing": len(matrix) - len(rows)}


def _configuration(experiment: Experiment, seeds: tuple[int, ...] | None) -> dict[str, Any]:
    file = experiment.file
    variants = []
    for resolved in experiment.variants.values():
        v = resolved.variant
        variants.append({"id": v.id, "label": v.label, "cell": v.cell, "like": v.like, "options": v.options,
                         "training": v.training, "notes": v.notes, "resolved_cell": resolved.spec.cell,
                         "resolved_options": resolved.spec.options})
    tasks = []
    for t in experiment.tasks.values():
        tasks.append({"id": t.entry.id, "name": t.task.name, "label": t.entry.label, "params": t.task.params(),
                      "train_lengths": [min(t.task.train_lengths), max(t.task.train_lengths)],
                      "test_lengths": list(t.task.test_lengths), "chance": t.task.chance, "budget": t.budget,
                      "variants": list(t.variants), "test_variants": sorted(t.task.test_variants()),
                      "measures": [{"name": m.name, **({"params": m.params} if m.params else {})}
                                   for m in t.entry.measures]})
    return {"seeds": list(seeds if seeds is not None else file.seeds), "budget": file.budget,
            "evaluation": file.evaluation, "options": file.options, "variants": variants, "tasks": tasks,
            "measures": [{"name": m.name, **({"params": m.params} if m.params else {})} for m in file.measures],
            "recipe_version": experiment.matrix()[0].definition["recipe"]}


def given_options(config: dict[str, Any], variant: dict[str, Any]) -> dict[str, Any]:
    """The options a variant was given (its own, and the shared ones that apply to it), not the defaults."""
    merged = {**config["options"], **variant["options"]}
    return {k: v for k, v in merged.items() if k.replace("-", "_") in variant["resolved_options"]}


def option_text(options: dict[str, Any]) -> str:
    return ", ".join(f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in options.items())


def measure_text(measures: list[dict[str, Any]]) -> str:
    """`learning_curve(every=10), time_to(target=0.99)`."""
    return ", ".join(m["name"] + (f"({option_text(m['params'])})" if m.get("params") else "") for m in measures)


def describe(experiment: Experiment) -> dict[str, Any]:
    """What `experiment show` prints: the file as resolved, and the size of its matrix."""
    config = _configuration(experiment, None)
    variants = [{**v, "scaffold": f"--cell {v['cell']}" if v["cell"] else f"--like {v['like']}",
                 "options_text": option_text(given_options(config, v)), "training_text": option_text(v["training"])}
                for v in config["variants"]]
    tasks = [{**t, "params_text": option_text(t["params"]), "measures_text": measure_text(t["measures"])}
             for t in config["tasks"]]
    comparisons = []
    for c in experiment.file.comparisons:
        length = comparison_length(experiment, c)
        other = c.b or f"the level {c.level:g}"
        comparisons.append(f"{c.a} vs {other} on {c.task}" + (f" {c.test_variant}" if c.test_variant else "")
                           + f" @ {length}, {c.measure}" + (f", expect {c.expect}" if c.expect else ""))
    return {"name": experiment.name, "title": experiment.file.title, "file": str(experiment.path or ""),
            "question": experiment.file.question, "claims": [vars(c) for c in experiment.file.claims],
            "variants": variants, "tasks": tasks, "seeds": config["seeds"], "budget": config["budget"],
            "evaluation": config["evaluation"], "measures": [m["name"] for m in config["measures"]],
            "comparisons": comparisons, "runs": len(experiment.matrix()), "notes": experiment.file.notes,
            "recipe_version": config["recipe_version"]}


def _scores(record: dict[str, Any], test_variant: str | None) -> tuple[dict[str, Any], float]:
    """The accuracies of a run on its task, or on one of the task's test variants."""
    if test_variant is None:
        return record, record["chance"]
    found = record.get("measures", {}).get("test_variants", {}).get(test_variant)
    if found is None:
        return {}, record["chance"]
    return found, found["chance"]


def _result(experiment: Experiment, task_id: str, variant_id: str, runs: list, test_variant: str | None,
            only: set[int] | None = None) -> dict:
    """One cell pooled over seeds, at every test length (or at the lengths `only`)."""
    task = experiment.tasks[task_id].task
    ok = [row["record"] for _, row in runs if row is not None and row["status"] == "ok"]
    lengths = sorted(n for n in task.test_lengths if only is None or n in only)
    train_longest = max(task.train_lengths)
    # The rank probe's figures after the last layer: one per run, the same at every length.
    last = [(r.get("measures", {}).get("rank") or [None])[-1] if test_variant is None else None for r in ok]
    rank = {name: _summary([point.get(name) if point else None for point in last]) for name in RANK_COMPARABLE}
    rank = {name: found for name, found in rank.items() if found is not None}  # only where the probe ran
    by_length = {}
    for length in lengths:
        accuracy, new, headlines, scaled_values, at_target = [], [], [], [], []
        for record in ok:
            scores, chance = _scores(record, test_variant)
            accuracy.append(scores.get("test_accuracy", scores.get("accuracy", {})).get(str(length)))
            new.append(scores.get("test_accuracy_new", scores.get("accuracy_new", {})).get(str(length)))
            value = new[-1] if new[-1] is not None else accuracy[-1]
            headlines.append(value)
            scaled_values.append(None if value is None else scaled(value, chance))
            reached = record.get("measures", {}).get("time_to")
            at_target.append(headline(reached, length) if reached and test_variant is None else None)
        by_length[str(length)] = {
            "past_training": length > train_longest and any(v is not None for v in new),
            "accuracy": _summary(accuracy), "accuracy_new": _summary(new), "headline": _summary(headlines),
            "scaled": _summary(scaled_values),
            "error_rate": _summary([None if h is None else 1 - h for h in headlines]),
            "accuracy_at_target": _summary(at_target), "succeeded": successes(scaled_values), **rank}
    return {"task": task_id, "variant": variant_id, "label": experiment.variants[variant_id].variant.label,
            "test_variant": test_variant, "runs": len(runs), "ok": len(ok),
            "diverged": sum(1 for _, row in runs if row is not None and row["status"] == "diverged"),
            "missing": sum(1 for _, row in runs if row is None),
            "chance": _scores(ok[0], test_variant)[1] if ok else task.chance,
            "train_accuracy": _summary([r["train_accuracy"] for r in ok]),
            "train_scaled": _summary([scaled(r["train_accuracy"], r["chance"]) for r in ok]),
            "final_loss": _summary([r["final_loss"] for r in ok]),
            "seconds": _summary([r["seconds"] for r in ok]),
            "tokens_per_second": _summary([r["tokens_per_second"] for r in ok]),
            "by_length": by_length}


def _frontier(experiment: Experiment, task_id: str, variant_id: str, runs: list) -> list[dict]:
    if experiment.measure("frontier", task_id) is None:
        return []
    curves = []
    for _, row in runs:
        if row is None or row["status"] != "ok":
            continue
        record = row["record"]
        curve = record.get("measures", {}).get("frontier") or record.get("frontier")
        if curve:
            curves.append((curve, record.get("trained_recurrence_steps")))
    if not curves:
        return []
    iterations = sorted({int(s) for curve, _ in curves for s in curve}, key=int)
    lengths = sorted({int(n) for curve, _ in curves for by in curve.values() for n in by})
    table = {str(n): {str(s): _summary([c.get(str(s), {}).get(str(n)) for c, _ in curves]) for s in iterations}
             for n in lengths}
    return [{"task": task_id, "variant": variant_id, "label": experiment.variants[variant_id].variant.label,
             "trained_iterations": curves[0][1], "n": len(curves), "by_length": table}]


def _probes(experiment: Experiment, task_id: str, variant_id: str, runs: list) -> list[dict]:
    out = []
    for probe, index, fields in (("rank", "layer", RANK_FIELDS), ("stability", "iteration", ("norm", "change"))):
        if experiment.measure(probe, task_id) is None:
            continue
        profiles = [row["record"]["measures"][probe] for _, row in runs
                    if row is not None and row["status"] == "ok" and probe in row["record"].get("measures", {})]
        if not profiles:
            continue
        points = sorted({p[index] for profile in profiles for p in profile})
        # stores written before a field existed lack it: such a field is left out, not shown empty
        present = [name for name in fields if any(name in p for profile in profiles for p in profile)]
        table = {name: {str(i): _summary([next((p.get(name) for p in prof if p[index] == i), None)
                                          for prof in profiles])
                        for i in points} for name in present}
        out.append({"probe": probe, "task": task_id, "variant": variant_id, "index": index, "n": len(profiles),
                    "label": experiment.variants[variant_id].variant.label, "values": table})
    return out


def first_sustained(curve: list, target: float, window: int) -> tuple[int, float] | None:
    """(step, seconds) of the first logged point where the mean training-batch accuracy of the `window` logged
    points ending there reaches `target` (a curve shorter than `window` is averaged whole); None if none does.
    A curve is a list of (step, loss, accuracy, seconds)."""
    window = max(1, min(window, len(curve)))
    for end in range(window - 1, len(curve)):
        if sum(point[2] for point in curve[end - window + 1:end + 1]) / window >= target:
            return curve[end][0], curve[end][3]
    return None


def _curves(experiment: Experiment, task_id: str, variant_id: str, runs: list) -> list[dict]:
    if experiment.measure("learning_curve", task_id) is None:
        return []
    curves = [row["record"]["measures"]["learning_curve"] for _, row in runs
              if row is not None and row["status"] == "ok" and "learning_curve" in row["record"].get("measures", {})]
    if not curves:
        return []
    reached = [first_sustained(curve, CURVE_TARGET, CURVE_WINDOW) for curve in curves]
    steps = sorted({point[0] for curve in curves for point in curve})
    mean_curve = {str(s): _summary([next((p[2] for p in c if p[0] == s), None) for c in curves]) for s in steps}
    return [{"task": task_id, "variant": variant_id, "label": experiment.variants[variant_id].variant.label,
             "n": len(curves), "target": CURVE_TARGET, "window": CURVE_WINDOW,
             "reached": sum(r is not None for r in reached),
             "steps_to_target": _summary([r[0] for r in reached if r is not None]),
             "seconds_to_target": _summary([r[1] for r in reached if r is not None]), "accuracy": mean_curve}]


def _time_to(experiment: Experiment, task_id: str, variant_id: str, runs: list) -> list[dict]:
    """Time to the target training accuracy and the accuracy at the test lengths then, over the seeds that
    reached it; `reached` counts them among the finished runs (a run that never reached it records nothing)."""
    asked = experiment.measure("time_to", task_id)
    if asked is None:
        return []
    ok = [row["record"] for _, row in runs if row is not None and row["status"] == "ok"]
    if not ok:
        return []
    found = [r["measures"]["time_to"] for r in ok if r.get("measures", {}).get("time_to")]
    lengths = sorted(experiment.tasks[task_id].task.test_lengths)
    stages: dict[str, int] = {}
    for point in found:
        if "stage" in point:
            stages[point["stage"]] = stages.get(point["stage"], 0) + 1
    return [{"task": task_id, "variant": variant_id, "label": experiment.variants[variant_id].variant.label,
             "n": len(ok), "target": float(asked.params.get("target", TIME_TO_TARGET)), "reached": len(found),
             "steps": _summary([p["step"] for p in found]), "seconds": _summary([p["seconds"] for p in found]),
             "stages": stages,
             "by_length": {str(n): _summary([headline(p, n) for p in found]) for n in lengths}}]


def comparison_length(experiment: Experiment, comparison) -> int:
    """The length a comparison is read at: its own, else its task's longest test length."""
    if comparison.length is not None:
        return comparison.length
    return max(experiment.tasks[comparison.task].task.test_lengths)


def comparison_where(c: dict[str, Any]) -> str:
    """Where a stored comparison is measured, as tables print it: 'task [test variant] @ length', or for the
    rank probe's figures (one per run, after the last layer) 'task, last layer'."""
    task = c["task"] + (f" {c['test_variant']}" if c["test_variant"] else "")
    return f"{task}, last layer" if c["measure"] in RANK_COMPARABLE else f"{task} @ {c['length']}"


def _comparison(experiment: Experiment, comparison, by_cell: dict) -> dict[str, Any]:
    length = comparison_length(experiment, comparison)
    sides = {}
    for side in ("a", "b"):
        if getattr(comparison, side) is None:  # a level, not a variant
            sides[side] = None
            continue
        result = by_cell.get((comparison.task, getattr(comparison, side), comparison.test_variant))
        cell = (result or {}).get("by_length", {}).get(str(length)) or {}
        measure = "headline" if comparison.measure == "accuracy" and cell.get("past_training") else comparison.measure
        found = cell.get(measure)
        sides[side] = Summary(**found) if found else None
    if comparison.level is not None:
        verdict = compare_level(sides["a"], comparison.level, comparison.expect)
        b_label = f"the level {comparison.level:g}"
    else:
        verdict = compare(sides["a"], sides["b"], comparison.expect)
        b_label = experiment.variants[comparison.b].variant.label
    return {"a": comparison.a, "b": comparison.b, "level": comparison.level,
            "a_label": experiment.variants[comparison.a].variant.label, "b_label": b_label, "task": comparison.task,
            "test_variant": comparison.test_variant, "length": length, "measure": comparison.measure,
            "a_summary": sides["a"].to_dict() if sides["a"] else None,
            "b_summary": sides["b"].to_dict() if sides["b"] else None,
            "verdict": verdict.text, "separated": verdict.separated, "expect": comparison.expect,
            "as_expected": verdict.matches_expectation, "claim": comparison.claim, "published": comparison.published,
            "note": comparison.note}


def write_report(experiment: Experiment, db: Path, out_dir: Path, seeds: tuple[int, ...] | None = None,
                 figure: bool = True) -> list[Path]:
    """Write OUT/NAME.json, OUT/NAME.md and (with `figure`) OUT/NAME.png; returns the paths written."""
    from ..atomic import write_json, write_text
    from .markdown import render

    data = build_report(experiment, db, seeds)
    out_dir = Path(out_dir)
    written = [write_json(out_dir / f"{experiment.name}.json", data)]
    png = out_dir / f"{experiment.name}.png"
    if figure and data["runs"]["ok"]:
        from .figures import plot_report

        written.append(plot_report(data, png))
    written.append(write_text(out_dir / f"{experiment.name}.md",
                              render(data, figure=png.name if png in written else None)))
    return written
