"""NAME.png: an experiment report's figure, one panel per task (and test variant), frontier and curve.

Accuracy panels: the mean over seeds at the training lengths ("train") and at each test length, with the
95% bootstrap interval as an error bar, one line per variant; dashed: chance. Frontier panels: accuracy
against test-time iterations, one panel per test length (the four longest). Learning-curve
panels: training-batch accuracy against optimiser steps. Rank panels (where the rank probe ran): the centred
effective rank and Dong et al.'s residual ratio after every layer, the mean over seeds with its interval
shaded. matplotlib is imported here only (training.plots: Agg, atomic save).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .measures import RANK_COMPARABLE


def _errorbar(ax, xs, summaries, offset: float, style: dict[str, str], label: str) -> None:
    points = [(x + offset, s) for x, s in zip(xs, summaries, strict=True) if s is not None]
    if not points:
        return
    ax.errorbar([x for x, _ in points], [s["mean"] for _, s in points],
                # max(0, .): a percentile interval need not contain the mean (rounding, skewed seeds)
                yerr=[[max(0.0, s["mean"] - s["low"]) for _, s in points],
                      [max(0.0, s["high"] - s["mean"]) for _, s in points]],
                markersize=3.5, capsize=2.5, linewidth=1.2, label=label, **style)


def figure_panels(report: dict[str, Any]) -> tuple[dict[tuple, list[dict[str, Any]]], list[tuple[str, Any]]]:
    """The accuracy results grouped by (task, test variant), and the panels to draw, in order: ("accuracy",
    (task, test variant)), ("frontier", (task, length)), ("curve", task), ("rank", (task, figure))."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for result in report["results"]:
        groups.setdefault((result["task"], result["test_variant"]), []).append(result)
    panels: list[tuple[str, Any]] = [("accuracy", key) for key in groups]
    for task in dict.fromkeys(f["task"] for f in report["frontier"]):
        lengths = list(dict.fromkeys(n for f in report["frontier"] if f["task"] == task for n in f["by_length"]))
        shown = lengths[-4:]  # the longest: where the iterations a length needs show
        panels += [("frontier", (task, n)) for n in shown]
    panels += [("curve", task) for task in dict.fromkeys(c["task"] for c in report["learning_curves"])]
    rank = [p for p in report.get("probes", []) if p["probe"] == "rank"]
    for task in dict.fromkeys(p["task"] for p in rank):
        panels += [("rank", (task, name)) for name in RANK_COMPARABLE
                   if any(name in p["values"] for p in rank if p["task"] == task)]
    return groups, panels


def plot_report(report: dict[str, Any], path: Path) -> Path:
    from ..training.plots import pyplot, save_figure

    plt = pyplot()
    groups, panels = figure_panels(report)
    rank = [p for p in report.get("probes", []) if p["probe"] == "rank"]
    columns = min(3, len(panels))
    rows = (len(panels) + columns - 1) // columns
    # room above the panels for the two-line title and below them for the legend (four entries a row)
    top, bottom = 0.6, 0.3 + 0.2 * ((len(report["configuration"]["variants"]) + 3) // 4)
    height = 3.6 * rows + top + bottom
    fig, axes = plt.subplots(rows, columns, figsize=(4.6 * columns, height), squeeze=False)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    variants = [v["id"] for v in report["configuration"]["variants"]]
    # past the colour cycle's length, lines repeat a colour with another line style and marker
    colour = {v: {"color": colours[i % len(colours)], "linestyle": ("-", "--", ":")[i // len(colours) % 3],
                  "marker": ("o", "^", "s")[i // len(colours) % 3]} for i, v in enumerate(variants)}
    handles: dict[str, Any] = {}
    for ax, (kind, key) in zip(axes.flat, panels, strict=False):
        if kind == "accuracy":
            _accuracy_panel(ax, groups[key], key, colour, len(variants))
        elif kind == "frontier":
            _frontier_panel(ax, [f for f in report["frontier"] if f["task"] == key[0]], key, colour)
        elif kind == "rank":
            _rank_panel(ax, [p for p in rank if p["task"] == key[0] and key[1] in p["values"]], key, colour)
        else:
            _curve_panel(ax, [c for c in report["learning_curves"] if c["task"] == key], key, colour)
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, handle)
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    seeds = len(report["configuration"]["seeds"])
    fig.suptitle(f"{report['title']}\nmean over seeds (n = {seeds} per point unless runs are missing), "
                 "bars: 95% bootstrap interval", fontsize=9)
    fig.legend(list(handles.values()), list(handles), fontsize=8, loc="lower center", frameon=False,
               ncol=min(4, len(handles)), bbox_to_anchor=(0.5, -0.02))
    fig.tight_layout(rect=(0, bottom / height, 1, 1 - top / height))
    return save_figure(fig, path)


def _accuracy_panel(ax, results: list[dict[str, Any]], key: tuple, colour: dict, count: int) -> None:
    lengths = list(results[0]["by_length"])
    xs = list(range(len(lengths) + 1))
    for i, r in enumerate(results):
        offset = (i - (count - 1) / 2) * 0.06
        summaries = [r["train_accuracy"] if key[1] is None else None,
                     *(r["by_length"][n]["headline"] for n in lengths)]
        _errorbar(ax, xs, summaries, offset, colour[r["variant"]], r["label"])
    ax.axhline(results[0]["chance"], color="grey", linestyle="--", linewidth=1)
    ax.set_xticks(xs, ["train", *lengths])
    ax.set_xlabel("length (past the training length: new positions only)", fontsize=8)
    ax.set_ylabel("accuracy")
    ax.set_ylim(-0.02, 1.05)
    ax.set_title(key[0] + (f" on {key[1]}" if key[1] else ""), fontsize=9)
    ax.grid(alpha=0.3)


def _frontier_panel(ax, frontiers: list[dict[str, Any]], key: tuple, colour: dict) -> None:
    task, length = key
    for f in frontiers:
        points = f["by_length"].get(length)
        if not points:
            continue
        iterations = [int(s) for s in points]
        _errorbar(ax, iterations, list(points.values()), 0.0, colour[f["variant"]], f["label"])
        trained = f["trained_iterations"]
        if trained is not None and points.get(str(trained)):
            ax.plot([trained], [points[str(trained)]["mean"]], "s", color=colour[f["variant"]]["color"], markersize=7,
                    fillstyle="none")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("iterations at test time (square: trained)", fontsize=8)
    ax.set_ylabel("accuracy")
    ax.set_ylim(-0.02, 1.05)
    ax.set_title(f"{task} @ {length}: computational frontier", fontsize=9)
    ax.grid(alpha=0.3)


def _curve_panel(ax, curves: list[dict[str, Any]], task: str, colour: dict) -> None:
    for c in curves:
        steps = [int(s) for s in c["accuracy"]]
        means = [s["mean"] if s else None for s in c["accuracy"].values()]
        ax.plot(steps, means, color=colour[c["variant"]]["color"], linestyle=colour[c["variant"]]["linestyle"],
                linewidth=1.2, label=c["label"])
    ax.set_xlabel("optimiser step", fontsize=8)
    ax.set_ylabel("training-batch accuracy")
    ax.set_ylim(-0.02, 1.05)
    ax.set_title(f"{task}: learning curves", fontsize=9)
    ax.grid(alpha=0.3)


RANK_TITLES = {"centred_effective_rank": "centred effective rank", "residual_ratio": "residual ratio (0: rank one)"}


def _rank_panel(ax, profiles: list[dict[str, Any]], key: tuple, colour: dict) -> None:
    task, name = key
    for p in profiles:
        layers = [int(i) for i in p["values"][name]]
        values = list(p["values"][name].values())
        points = [(x, v) for x, v in zip(layers, values, strict=True) if v is not None]
        colour_ = colour[p["variant"]]["color"]
        ax.plot([x for x, _ in points], [v["mean"] for _, v in points], color=colour_,
                linestyle=colour[p["variant"]]["linestyle"], linewidth=1.2, label=p["label"])
        ax.fill_between([x for x, _ in points], [v["low"] for _, v in points], [v["high"] for _, v in points],
                        color=colour_, alpha=0.15, linewidth=0)
    ax.set_xlabel("layer (0: the embeddings)", fontsize=8)
    ax.set_ylabel(RANK_TITLES[name])
    if name == "residual_ratio":
        ax.set_ylim(-0.02, 1.02)
    ax.set_title(f"{task}: {RANK_TITLES[name]} after each layer", fontsize=9)
    ax.grid(alpha=0.3)
