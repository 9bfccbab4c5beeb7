"""docs/results.md: the index of the experiment reports, derived from them, never kept by hand.

One row per report (docs/experiments/NAME.json, written by `rt-explore experiment report`): its title,
question, verdicts and how many of its runs are in the store. Reports that benchmark scripts wrote
before experiments were data (docs/NAME.md beside docs/NAME.json) are listed after them until they are
ported.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .markdown import interval_text, side_b_text


def _link(target: Path, base: Path) -> str:
    return Path(os.path.relpath(target, base)).as_posix()


def results_index(reports: Path, out: Path) -> str:
    """The Markdown index of the reports in `reports`, with links relative to `out`'s folder."""
    base = out.parent
    lines = ["# Results", "",
             "Written by `rt-explore experiment index` (and by every `rt-explore experiment report` into the default "
             "folder) from the reports in "
             f"`{_link(reports, base)}/`; do not edit by hand. Each report comes from the results store alone: "
             "`rt-explore experiment report NAME --db FILE`. Figures are means over seeds with 95% bootstrap "
             "intervals; a comparison is *separated* only when the intervals are disjoint.", ""]
    found = sorted(reports.glob("*.json")) if reports.is_dir() else []
    if found:
        lines += ["| experiment | question | verdicts | runs |", "|---|---|---|---|"]
    for path in found:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            title, question, runs = data["title"], data["question"], data["runs"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        verdicts = "; ".join(
            f"{c['a_label']} vs {c['b_label']}, {c['task']} @ {c['length']}: {interval_text(c['a_summary'])} vs "
            f"{side_b_text(c, interval_text)}, {c['verdict']}" for c in data.get("comparisons", [])) or "-"
        page = path.with_suffix(".md")
        name = f"[{title}]({_link(page, base)})" if page.is_file() else title
        done = runs["ok"] + runs["diverged"]
        lines.append(f"| {name} | {' '.join(question.split())} | {verdicts} | {done}/{runs['total']} |"
                     .replace("\n", " "))
    if not found:
        lines.append("No experiment has been reported yet: `rt-explore experiment run NAME`, then `report NAME`.")
    docs = reports.parent
    pairs = [md for md in sorted(docs.glob("*.md")) if md.with_suffix(".json").is_file() and md != out]
    # bench_*: speed measurements (benchmarks/bench_*.py), which stay benchmarks; the others await their port.
    legacy = [md for md in pairs if not md.stem.startswith("bench_")]
    speed = [md for md in pairs if md.stem.startswith("bench_")]
    if legacy:
        lines += ["", "## Reports of the benchmark scripts, not yet ported to experiments", "",
                  "Written by the scripts in `benchmarks/` before experiments were data; most of their figures "
                  "come from one seed and carry no interval. Each is replaced by an experiment report as it is "
                  "ported.", ""]
        lines += [f"- [{md.stem}]({_link(md, base)})" for md in legacy]
    if speed:
        lines += ["", "## Speed measurements", "", "Written by `benchmarks/bench_*.py`.", ""]
        lines += [f"- [{md.stem}]({_link(md, base)})" for md in speed]
    return "\n".join(lines) + "\n"


def write_index(reports: Path, out: Path) -> Path:
    from ..atomic import write_text

    return write_text(Path(out), results_index(Path(reports), Path(out)))
