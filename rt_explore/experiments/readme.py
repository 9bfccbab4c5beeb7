"""The README's figures blocks: each experiment's comparisons, written from its store, never typed by hand.

A block is the text between two marker lines, each a line of its own:

    <!-- figures: NAME -->
    ...written by `rt-explore experiment index --readme README.md`...
    <!-- /figures -->

NAME is a built-in experiment; its figures come from REPORTS/NAME.db (docs/experiments/NAME.db, the
store committed beside the report NAME.md). A block is one sentence saying where its numbers come from and
one table row per comparison: both sides' mean over seeds with the 95% bootstrap interval and n, their
training accuracy, the verdict and the published figure. The numbers are `report.build_comparisons`'s,
the same as the report's Verdicts table; nothing here computes a statistic. A store that does not exist or
holds no finished run gives one line saying how to run the experiment.

`rewrite_figures` replaces the text between the markers and nothing else (the rest of the file comes back
byte for byte); a marker naming no built-in experiment, a block never closed, a block opened inside another
and a closing marker with nothing open are one UsageError each, raised before anything is written.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UsageError
from .markdown import _table, side_b_text
from .plan import Experiment, builtin_names, load_experiment
from .report import build_comparisons, comparison_where
from .stats import Summary

OPEN = re.compile(r"^\s*<!--\s*figures\s*(?::\s*(?P<name>.*?))?\s*-->\s*$")
CLOSE = re.compile(r"^\s*<!--\s*/figures\s*-->\s*$")
COMMAND = "rt-explore experiment index --readme README.md"


@dataclass(frozen=True)
class Block:
    """A figures block: its experiment, the line of its opening marker (1-based) and the indexes of its first
    content line and of its closing marker in the file's lines."""

    name: str
    line: int
    start: int
    end: int


def find_blocks(lines: list[str], where: str) -> list[Block]:
    """The figures blocks of a file's lines, in order; UsageError `WHERE:LINE: ...` for a bad marker."""
    blocks, opened = [], None
    for index, line in enumerate(lines):
        found = OPEN.match(line)
        if found:
            if opened is not None:
                raise UsageError(f"{where}:{index + 1}: a figures block opened inside the one opened at line "
                                 f"{opened[1] + 1} ('<!-- /figures -->' missing)")
            if not found["name"] or any(c.isspace() for c in found["name"]):
                raise UsageError(f"{where}:{index + 1}: a figures marker names one experiment: "
                                 "'<!-- figures: NAME -->'")
            opened = (found["name"], index)
        elif CLOSE.match(line):
            if opened is None:
                raise UsageError(f"{where}:{index + 1}: '<!-- /figures -->' closes no figures block")
            blocks.append(Block(opened[0], opened[1] + 1, opened[1] + 1, index))
            opened = None
    if opened is not None:
        raise UsageError(f"{where}:{opened[1] + 1}: the figures block '{opened[0]}' is never closed "
                         "('<!-- /figures -->' missing)")
    return blocks


def builtin_loader(catalog_dirs: tuple[Path, ...] = ()) -> Callable[[str], Experiment]:
    """`load(NAME)`: the built-in experiment NAME (a marker names no file); UsageError for any other name."""
    names = builtin_names()

    def load(name: str) -> Experiment:
        if name not in names:
            raise UsageError(f"no built-in experiment '{name}' (built-in: {', '.join(names)})")
        return load_experiment(name, catalog_dirs)

    return load


def _with_n(found: dict[str, Any] | None) -> str:
    """`0.86 [0.75, 0.97] (n = 5)`; one seed is `0.86 (n = 1)`; `-` without runs."""
    if not found:
        return "-"
    summary = Summary(**found)
    return summary.text() + ("" if summary.n == 1 else f" (n = {summary.n})")


def _mean(found: dict[str, Any] | None) -> str:
    return Summary(**found).text().split(" ")[0] if found else "-"


def _verdict(c: dict[str, Any]) -> str:
    if c["as_expected"] is True:
        return f"{c['verdict']}, as expected"
    if c["as_expected"] is False:
        return f"{c['verdict']}, the opposite of the expected {c['expect']}"
    return c["verdict"] + (f" (expected {c['expect']})" if c["expect"] and not c["separated"] else "")


def figures_block(experiment: Experiment, db: Path, base: Path) -> list[str]:
    """The lines of `experiment`'s block from the store `db`, with paths relative to `base` (the README's
    folder)."""
    store = Path(os.path.relpath(db, base)).as_posix()
    found = build_comparisons(experiment, db)
    if found is None:
        return [f"Not run yet: `rt-explore experiment run {experiment.name} --db {store}`."]
    runs = found["runs"]
    report = Path(db).with_suffix(".md")
    link = Path(os.path.relpath(report, base)).as_posix()
    done = f"{runs['ok']} of {runs['total']} runs finished" + (f", {runs['diverged']} diverged"
                                                                if runs["diverged"] else "")
    done += f" (report: [{link}]({link}))" if report.is_file() else ""
    rows = [[f"{c['a_label']} vs {c['b_label']}",
             comparison_where(c), c["measure"],
             _with_n(c["a_summary"]), side_b_text(c, _with_n), f"{_mean(c['a_train'])} / {_mean(c['b_train'])}",
             _verdict(c), c["published"] or "-"] for c in found["comparisons"]]
    header = ["a vs b", "task @ length", "measure", "a", "b", "train accuracy a / b", "verdict", "published"]
    return [f"Written by `{COMMAND}` from the store `{store}`, {done}; do not edit. Each figure is the mean "
            "over seeds with its 95% bootstrap interval and n; separated only when the intervals are disjoint.",
            "", *_table(header, rows)]


def rewrite_figures(text: str, reports: Path, base: Path, where: str = "README.md",
                    load: Callable[[str], Experiment] | None = None) -> tuple[str, list[str], list[str]]:
    """`text` with every figures block rewritten from the stores REPORTS/NAME.db: (new text, names of the
    blocks that changed, names of those that did not). Every marker and name is checked before any store
    is read."""
    lines = text.splitlines(keepends=True)
    blocks = find_blocks(lines, where)
    load = load or builtin_loader()
    experiments: dict[str, Experiment] = {}
    for block in blocks:
        if block.name not in experiments:
            try:
                experiments[block.name] = load(block.name)
            except UsageError as exc:
                raise UsageError(f"{where}:{block.line}: {exc}") from None
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    made: dict[str, list[str]] = {}
    out, changed, unchanged, done = [], [], [], 0
    for block in blocks:
        if block.name not in made:
            made[block.name] = [line + newline for line in
                                figures_block(experiments[block.name], Path(reports) / f"{block.name}.db", base)]
        out += lines[done:block.start] + made[block.name]
        (unchanged if lines[block.start:block.end] == made[block.name] else changed).append(block.name)
        done = block.end
    out += lines[done:]
    return "".join(out), changed, unchanged


def update_readme(readme: Path, reports: Path, load: Callable[[str], Experiment] | None = None) -> dict[str, Any]:
    """Rewrite `readme`'s figures blocks in place (atomically, and only when one changed); returns the
    path and the names of the blocks that changed and of those that did not."""
    from ..atomic import write_text

    readme = Path(readme)
    try:
        text = readme.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{readme}: cannot read ({exc.strerror or exc})") from None
    new, changed, unchanged = rewrite_figures(text, Path(reports), readme.resolve().parent, str(readme), load)
    if new != text:
        write_text(readme, new)
    return {"path": str(readme), "changed": changed, "unchanged": unchanged}
