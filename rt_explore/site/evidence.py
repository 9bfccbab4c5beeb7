"""Evidence pages: the experiment reports that ``docs/`` holds, as pages of the site.

Where the reports come from, in order of preference:

1. ``docs/experiments/NAME.json`` (written by ``rt-explore experiment report`` beside ``NAME.md`` and its
   figures). The page is ``NAME.md`` when it exists (its tables carry the intervals); otherwise the JSON
   itself, read generically: its text fields as paragraphs, its lists of records as tables.
2. Otherwise ``docs/NAME.md`` beside ``docs/NAME.json``: a report written by a benchmark script, with its
   raw numbers next to it. Markdown files with no JSON beside them (design notes, indexes) are not reports.

Figures (PNG, SVG, JPEG) that a report points to inside its own folder are copied next to the page.
"""

from __future__ import annotations

import html
import json
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from . import markdown

FIGURE_SUFFIXES = (".png", ".svg", ".jpg", ".jpeg")


class Report(NamedTuple):
    name: str  # the page's file stem
    title: str
    body: str  # HTML, escaped
    figures: tuple[Path, ...]  # files to copy next to the page
    source: str  # where it came from, relative to the docs folder
    raw: Path | None  # the JSON of raw numbers, copied for download


def default_docs_dir() -> Path | None:
    """The ``docs/`` folder of a source checkout, when the package runs from one."""
    root = Path(__file__).resolve().parents[2]
    if not ((root / "pyproject.toml").is_file() and (root / "rt_explore").is_dir()):
        return None  # an installed package: its parent folder is not a checkout
    docs = root / "docs"
    return docs if docs.is_dir() else None


def find_reports(docs: Path | None) -> tuple[list[Report], str | None]:
    """The reports under ``docs`` and the folder they came from (relative name), best source first."""
    if docs is None or not docs.is_dir():
        return [], None
    experiments = docs / "experiments"
    found = sorted(experiments.glob("*.json")) if experiments.is_dir() else []
    if found:
        pages = {p.stem for p in found}
        return [_experiment_report(path, docs, pages) for path in found], "experiments"
    pairs = [md for md in sorted(docs.glob("*.md")) if md.with_suffix(".json").is_file()]
    pages = {md.stem for md in pairs}
    return [_markdown_report(md, docs, md.with_suffix(".json"), pages) for md in pairs], "."


def _resolver(folder: Path, figures: list[Path], pages: set[str]) -> markdown.Resolve:
    """Relative targets: figures inside ``folder`` are kept (and collected), links to other reports point
    at their pages; anything else (source files, paths outside the folder) loses its link."""

    def resolve(target: str, image: bool) -> str | None:
        path_part, _, fragment = target.partition("#")
        pure = PurePosixPath(path_part)
        if not path_part or pure.is_absolute() or ".." in pure.parts or len(pure.parts) != 1:
            return None
        path = folder / pure.name
        if image:
            if path.suffix.lower() in FIGURE_SUFFIXES and path.is_file():
                figures.append(path)
                return pure.name
            return None
        if pure.suffix == ".md" and pure.stem in pages:
            return f"{pure.stem}.html" + (f"#{fragment}" if fragment else "")
        if pure.suffix == ".json" and path.is_file() and pure.stem in pages:
            return pure.name
        return None

    return resolve


def _markdown_report(md: Path, docs: Path, raw: Path | None, pages: set[str]) -> Report:
    text = md.read_text(encoding="utf-8", errors="replace")
    figures: list[Path] = []
    body = markdown.render(_without_title(text), _resolver(md.parent, figures, pages))
    return Report(md.stem, markdown.title_of(text) or md.stem.replace("_", " "), body,
                  tuple(dict.fromkeys(figures)), str(md.relative_to(docs)), raw)


def _without_title(text: str) -> str:
    """The text without its first heading (the page shows it as its <h1>)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("#"):
            return "\n".join(lines[:i] + lines[i + 1:])
        if line.strip():
            break
    return text


def _experiment_report(path: Path, docs: Path, pages: set[str]) -> Report:
    md = path.with_suffix(".md")
    if md.is_file():
        return _markdown_report(md, docs, path, pages)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return Report(path.stem, path.stem, f"<p>Could not read {html.escape(path.name)}: "
                      f"{html.escape(str(exc))}</p>", (), str(path.relative_to(docs)), None)
    figures = tuple(p for p in sorted(path.parent.glob(f"{path.stem}*"))
                    if p.suffix.lower() in FIGURE_SUFFIXES)
    title = data.get("title") or data.get("name") or path.stem if isinstance(data, dict) else path.stem
    body = json_to_html(data) + "".join(
        f'<figure><img src="{html.escape(f.name)}" alt="{html.escape(f.stem)}" loading="lazy">'
        f"<figcaption>{html.escape(f.stem)}</figcaption></figure>" for f in figures)
    return Report(path.stem, str(title), body, figures, str(path.relative_to(docs)), path)


def json_to_html(data: object, depth: int = 2) -> str:
    """Any JSON as readable, escaped HTML: text as paragraphs, records as tables, mappings as sections."""
    esc = html.escape
    if isinstance(data, dict):
        parts = []
        for key, value in data.items():
            heading = f"<h{min(depth, 6)}>{esc(str(key).replace('_', ' '))}</h{min(depth, 6)}>"
            if isinstance(value, str | int | float | bool) or value is None:
                parts.append(f"<p><strong>{esc(str(key).replace('_', ' '))}</strong>: {esc(_scalar(value))}</p>")
            else:
                parts.append(heading + json_to_html(value, depth + 1))
        return "".join(parts)
    if isinstance(data, list):
        if data and all(isinstance(row, dict) for row in data):
            keys = list(dict.fromkeys(k for row in data for k in row))
            head = "".join(f'<th scope="col">{esc(str(k))}</th>' for k in keys)
            body = "".join("<tr>" + "".join(f"<td>{esc(_scalar(row.get(k)))}</td>" for k in keys) + "</tr>"
                           for row in data)
            return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'
        return "<ul>" + "".join(f"<li>{esc(_scalar(item))}</li>" for item in data) + "</ul>"
    return f"<p>{esc(_scalar(data))}</p>"


def _scalar(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
