"""NAME.md: an experiment report (`report.build_report`) as Markdown.

Every number is a mean over seeds with its 95% bootstrap interval, `0.98 [0.95, 1.00]`, and each table
says its n; training accuracy stands beside test accuracy, so a run that never fit its training lengths
reads as underfit, not as a failure to generalise. Nothing here computes a statistic: it only formats.
"""

from __future__ import annotations

from typing import Any

from .measures import RANK_FIELDS
from .report import comparison_where, given_options, option_text
from .stats import Summary


def interval_text(found: dict[str, Any] | None, digits: int = 2) -> str:
    """A stored Summary as `0.98 [0.95, 1.00]`, or `-` when there are no runs."""
    return Summary(**found).text(digits) if found else "-"


def side_b_text(c: dict[str, Any], text) -> str:
    """A comparison's b column: b's figure through `text`, or the fixed level a is compared with."""
    return f"{c['level']:g}" if c.get("level") is not None else text(c["b_summary"])


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows), ""]


def _n(result: dict[str, Any]) -> str:
    text = str(result["ok"])
    if result["diverged"]:
        text += f" (+{result['diverged']} diverged)"
    if result["missing"]:
        text += f" ({result['missing']} missing)"
    return text


def render(report: dict[str, Any], figure: str | None = None) -> str:
    config = report["configuration"]
    lines = [f"# {report['title']}", "",
             f"Written by `rt-explore experiment report {report['name']}` from the results store; do not edit by "
             "hand. Each figure is the mean over seeds with its 95% bootstrap interval in brackets; n is the "
             "number of seeds. No figure is a best seed.", "",
             f"**Question.** {report['question']}", ""]
    lines += ["## Claims", ""]
    for claim in report["claims"]:
        source = f"arXiv [{claim['arxiv']}](https://arxiv.org/abs/{claim['arxiv']})" if claim.get("arxiv") \
            else f"<{claim['url']}>"
        lines += [f"- *{claim['paper']}* ({source}): {claim['text']}", f"  Published: {claim['figure']}"]
    lines.append("")
    if report["comparisons"]:
        lines += ["## Verdicts", "",
                  "Separated only when the two intervals are disjoint.", ""]
        rows = []
        for c in report["comparisons"]:
            expected = "" if c["as_expected"] is None else (" (as expected)" if c["as_expected"] else " (opposite)")
            rows.append([c["claim"] or "-", f"{c['a_label']} vs {c['b_label']}", comparison_where(c),
                         c["measure"], interval_text(c["a_summary"]), side_b_text(c, interval_text),
                         c["published"] or "-", c["verdict"] + expected])
        lines += _table(["claim", "comparison", "task @ length", "measure", "a", "b", "published", "verdict"], rows)
    if figure:
        lines += [f"![{report['title']}]({figure})", ""]
    for task in config["tasks"]:
        lines += _task_section(report, task)
    lines += _frontier_section(report) + _probe_section(report) + _curve_section(report) + _time_to_section(report)
    lines += _configuration_section(report)
    if report.get("notes"):
        lines += ["## Notes", "", report["notes"], ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _task_section(report: dict[str, Any], task: dict[str, Any]) -> list[str]:
    measures = {m["name"] for m in report["configuration"]["measures"]}
    out = []
    for result_set in _by_test_variant(report, task["id"]):
        first = result_set[0]
        name = task["label"] + (f", tested on {first['test_variant']}" if first["test_variant"] else "")
        lengths = list(first["by_length"])
        low, high = task["train_lengths"]
        out += [f"## {name}", "",
                f"Task `{task['name']}` ({', '.join(f'{k}={v}' for k, v in task['params'].items())}): trained on "
                f"lengths {low}-{high}; chance {first['chance']:.3g}; {task['budget']['steps']} steps per run. "
                f"At a length past {high}, accuracy counts only the positions past the training length where the "
                "task scores several per sequence.", ""]
        past = {n for n in lengths if any(r["by_length"][n]["past_training"] for r in result_set)}
        label = {n: f"{n} (past {high})" if n in past else n for n in lengths}
        if measures & {"accuracy", "accuracy_new"}:
            rows = [[r["label"], _n(r), interval_text(r["train_accuracy"]),
                     *(interval_text(r["by_length"][n]["headline"]) for n in lengths),
                     f"{r['by_length'][lengths[-1]]['succeeded']}/{r['ok']}"] for r in result_set]
            out += [f"Accuracy (train: mean over the training lengths; succeeded: scaled accuracy >= 0.9 at "
                    f"{lengths[-1]}).", "",
                    *_table(["variant", "n", "train", *(f"@ {label[n]}" for n in lengths), "succeeded"], rows)]
        if "scaled" in measures:
            rows = [[r["label"], _n(r), interval_text(r["train_scaled"]),
                     *(interval_text(r["by_length"][n]["scaled"]) for n in lengths)] for r in result_set]
            out += ["Scaled accuracy: (accuracy - chance) / (1 - chance), 0 at chance, 1 perfect.", "",
                    *_table(["variant", "n", "train", *(f"@ {label[n]}" for n in lengths)], rows)]
        if "error_rate" in measures:
            rows = [[r["label"], _n(r), *(interval_text(r["by_length"][n]["error_rate"], 3) for n in lengths)]
                    for r in result_set]
            out += ["Error rate (1 - accuracy).", "", *_table(["variant", "n", *(f"@ {label[n]}" for n in lengths)],
                                                              rows)]
        if first["test_variant"] is None and measures & {"seconds", "tokens_per_second", "loss"}:
            rows = [[r["label"], _n(r), interval_text(r["final_loss"], 4), interval_text(r["seconds"], 1),
                     interval_text(r["tokens_per_second"], 0)] for r in result_set]
            out += ["Cost and fit (wall time of one run on the machine below; it varies with the machine's load).",
                    "", *_table(["variant", "n", "final loss", "seconds", "tokens/s"], rows)]
    return out


def _by_test_variant(report: dict[str, Any], task_id: str) -> list[list[dict[str, Any]]]:
    groups: dict[str | None, list[dict[str, Any]]] = {}
    for result in report["results"]:
        if result["task"] == task_id:
            groups.setdefault(result["test_variant"], []).append(result)
    return list(groups.values())


def _frontier_section(report: dict[str, Any]) -> list[str]:
    if not report["frontier"]:
        return []
    out = ["## Accuracy against test-time iterations", ""]
    for f in report["frontier"]:
        lengths = list(f["by_length"])
        iterations = list(f["by_length"][lengths[0]])
        rows = [[s + (" (trained)" if str(f["trained_iterations"]) == s else ""),
                 *(interval_text(f["by_length"][n][s]) for n in lengths)] for s in iterations]
        out += [f"{f['label']} on {f['task']} (n = {f['n']}).", "",
                *_table(["iterations", *(f"length {n}" for n in lengths)], rows)]
    return out


def _probe_section(report: dict[str, Any]) -> list[str]:
    if not report["probes"]:
        return []
    out = ["## Probes", ""]
    rank = [p for p in report["probes"] if p["probe"] == "rank"]
    if rank:
        out += _rank_summary(rank)
    for p in report["probes"]:
        names = list(p["values"])
        points = list(p["values"][names[0]])
        shown = points if len(points) <= 9 else [points[i * (len(points) - 1) // 8] for i in range(9)]
        rows = [[i, *(interval_text(p["values"][name][i], 3) for name in names)] for i in shown]
        out += [f"{p['probe']} probe of the trained {p['label']} on {p['task']} (n = {p['n']}).", "",
                *_table([p["index"], *names], rows)]
    return out


def _rank_summary(profiles: list[dict[str, Any]]) -> list[str]:
    """Every variant's rank figures after its last layer, side by side: the measurement the rank probe makes."""
    names = [n for n in RANK_FIELDS if all(n in p["values"] for p in profiles)]
    rows = []
    for p in profiles:
        last = list(p["values"][names[0]])[-1]
        rows.append([p["label"], p["task"], str(p["n"]), str(last),
                     *(interval_text(p["values"][n][last], 3) for n in names)])
    return ["After the last layer (effective rank: exp of the entropy of the normalised singular values of the "
            "token matrix, uncentred and after removing the mean token; residual ratio: the distance of the "
            "token matrix from the nearest matrix whose rows are all alike, over its norm, as Dong et al. "
            "(arXiv 2103.03404) measure rank collapse, 0 when collapsed).", "",
            *_table(["variant", "task", "n", "layer", *names], rows)]


def _curve_section(report: dict[str, Any]) -> list[str]:
    if not report["learning_curves"]:
        return []
    rows = [[c["label"], c["task"], f"{c['reached']}/{c['n']}", interval_text(c["steps_to_target"], 0),
             interval_text(c["seconds_to_target"], 1)] for c in report["learning_curves"]]
    target = report["learning_curves"][0]["target"]
    window = report["learning_curves"][0].get("window", 1)
    return ["## Time to fit", "",
            f"The first logged step at which the training-batch accuracy, averaged over the {window} logged points "
            f"ending there, reached {target} (over the seeds that reached it; each batch is of one length, so a "
            "single batch of short sequences says little).",
            "", *_table(["variant", "task", "reached", "steps", "seconds"], rows)]


def _time_to_section(report: dict[str, Any]) -> list[str]:
    if not report.get("time_to"):
        return []
    out = ["## Accuracy when training first reached the target", "",
           "At the first step whose training-batch accuracy reached the target (checked at every step), the model "
           "as it was then, in its stage, scored at the test lengths on fresh sequences; over the seeds that "
           "reached it (seconds: training time so far, evaluation left out).", ""]
    for task in dict.fromkeys(t["task"] for t in report["time_to"]):
        found = [t for t in report["time_to"] if t["task"] == task]
        lengths = list(found[0]["by_length"])
        rows = [[t["label"], f"{t['reached']}/{t['n']}", interval_text(t["steps"], 0), interval_text(t["seconds"], 1),
                 ", ".join(f"{k} in {name}" for name, k in t["stages"].items()) or "-",
                 *(interval_text(t["by_length"][n]) for n in lengths)] for t in found]
        out += [f"Task {task}, target {found[0]['target']:g}.", "",
                *_table(["variant", "reached", "steps", "seconds", "in stage", *(f"@ {n}" for n in lengths)], rows)]
    return out


def _configuration_section(report: dict[str, Any]) -> list[str]:
    config, runs = report["configuration"], report["runs"]
    budget, evaluation = config["budget"], config["evaluation"]
    rows = []
    for v in config["variants"]:
        what = f"`--cell {v['cell']}`" if v["cell"] else f"`--like {v['like']}`"
        options = option_text(given_options(config, v))
        training = option_text(v["training"])
        rows.append([v["id"], v["label"], what, options or "defaults", training or "-"])
    seeds = config["seeds"]
    return ["## Configuration", "",
            *_table(["variant", "label", "scaffold", "options", "training"], rows),
            f"Seeds {', '.join(map(str, seeds))} (n = {len(seeds)}); {budget['steps']} steps, batch "
            f"{budget['batch_size']}, peak learning rate {budget['lr']:g} (AdamW, warmup then cosine; "
            f"training/recipe.py, recipe version {config['recipe_version']}); evaluation on "
            f"{evaluation['batches']} x {evaluation['batch_size']} fresh sequences per length.",
            "",
            f"Runs: {runs['total']} in the matrix, {runs['ok']} finished, {runs['diverged']} diverged, "
            f"{runs['missing']} missing; {runs['train_seconds']:.0f} s of training in all{_span_text(runs)}. "
            f"Machine: {'; '.join(runs['machines']) or 'none recorded'}.", ""]


def _span_text(runs: dict[str, Any]) -> str:
    span = runs.get("span")
    if not span:
        return ""
    return (f"; the stored runs span {span['minutes']:g} minutes of wall time, {span['start']} to {span['end']} "
            f"(workers, interruptions and the machine's other load included)")
