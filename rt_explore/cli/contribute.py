"""The contributor path: validate (errors and warnings), new (a skeleton entry), import alm (coverage).

docs/catalog.md describes the path; the library does the work (catalog.validate, catalog.review,
catalog.new, catalog.alm) and these commands only print.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .app import Settings, app
from .output import emit_json

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of text.")]


@app.command()
def validate(
    paths: Annotated[list[Path] | None, typer.Argument(help="Entry files or folders (default: the whole catalog).",
                                                      show_default=False)] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Fail (exit 1) on warnings too: a missing builds_on, "
                                         "checked or notes on a debatable cell, a TODO left.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Schema and consistency check of the catalog (or the given files); exit 1 on errors (--strict: on warnings)."""
    from ..catalog import BUILTIN_DIR, validate_paths
    from ..catalog.loader import user_dirs
    from ..errors import ProblemsFound

    targets = list(paths) if paths else [BUILTIN_DIR, *user_dirs(Settings.catalog_dirs)]
    count, problems = validate_paths(targets, Settings.catalog_dirs, warnings=True)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    if as_json:
        emit_json({"files": count, "errors": errors, "warnings": warnings, "strict": strict,
                   "problems": [p.to_dict() for p in problems]})
    else:
        for p in problems:
            print(p, file=sys.stderr)
        print(f"{count} files checked, {len(problems)} problems ({errors} errors, {warnings} warnings)"
              + ("; --strict fails on warnings" if strict and warnings and not errors else ""))
    if errors or (strict and warnings):
        raise ProblemsFound("")


@app.command()
def new(
    arxiv: Annotated[str, typer.Option("--arxiv", help="The paper's arXiv id (2502.05171, arXiv:2502.05171 or "
                                       "its abs URL).", show_default=False)],
    cell: Annotated[str | None, typer.Option("--cell", help="Its cell: step/token, depth/sequence, "
                                             "axis=depth,step_unit=sequence,loop_topology=partial, none. "
                                             "Without it the classification is left as TODO.",
                                             show_default=False)] = None,
    entry_id: Annotated[str | None, typer.Option("--id", help="The entry id and file name (default: "
                                                 "arxiv-YYMM-NNNNN, to rename after the model).",
                                                 show_default=False)] = None,
    out: Annotated[Path | None, typer.Option("-o", "--out", "--catalog", help="The catalog folder to write into "
                                             "(default: the global --catalog or RT_EXPLORE_CATALOG).",
                                             show_default=False)] = None,
) -> None:
    """Write a skeleton catalog entry for a paper, its unknown fields marked TODO (no network access)."""
    from ..catalog import BUILTIN_DIR, load_catalog
    from ..catalog.loader import user_dirs
    from ..catalog.new import check_new, default_id, normalise_arxiv, skeleton_text, write_new
    from ..errors import UsageError
    from ..taxonomy import parse_cell_spec

    paper = normalise_arxiv(arxiv)
    dirs = user_dirs(Settings.catalog_dirs)
    folder = out or (dirs[0] if dirs else None)
    if folder is None:
        raise UsageError("say where to write the entry: -o DIR (your catalog folder), --catalog DIR or "
                         "RT_EXPLORE_CATALOG")
    # Problems in the catalog do not stop a new entry (the last skeleton may still be unfinished); the
    # folder written to need not exist yet.
    existing = [d for d in dict.fromkeys([*dirs, folder]) if d.is_dir()]
    catalog = load_catalog(existing or [BUILTIN_DIR])
    chosen = parse_cell_spec(cell, catalog.taxonomy) if cell is not None else None
    name = entry_id or default_id(paper)
    target = check_new(catalog.entries, folder, name, paper)
    origin = f"`rt-explore new --arxiv {paper}" + (f" --cell {cell}`" if cell else "`")
    write_new(target, skeleton_text(catalog.taxonomy, entry_id=name, origin=origin, arxiv=paper, cell=chosen))
    print(f"wrote {target}")
    print("Next: fill every TODO from https://arxiv.org/abs/" + paper + f", then rt-explore validate --strict {target}",
          file=sys.stderr)


import_app = typer.Typer(name="import", help="Compare the catalog with another paper list.", no_args_is_help=True)
app.add_typer(import_app, name="import")


@import_app.command("alm")
def import_alm(
    path: Annotated[Path, typer.Argument(help="An Awesome-Loop-Models checkout (or its papers/ folder).")],
    write: Annotated[Path | None, typer.Option("--write", help="Write a skeleton entry for each missing paper "
                                               "into this folder.", show_default=False)] = None,
    as_json: JsonOpt = False,
) -> None:
    """Which papers of an Awesome-Loop-Models checkout the catalog lacks (matched by arXiv id)."""
    from ..catalog import load_catalog
    from ..catalog.alm import coverage, read_checkout, skeleton_for
    from ..catalog.new import write_new
    from ..errors import UsageError

    papers, problems = read_checkout(path)
    catalog = load_catalog(Settings.catalog_dirs)
    found = coverage(papers, problems, catalog.entries)
    written: dict[Path, str] = {}
    if write is not None:
        for paper in found.missing:
            entry_id, text = skeleton_for(paper, catalog.taxonomy)
            target = write / f"{entry_id}.yaml"
            try:
                write_new(target, text)
            except UsageError as exc:
                found.problems.append(f"{paper.file}: skeleton not written: {exc}")
                continue
            written[paper.file] = str(target)
    for line in found.problems:
        print(f"rt-explore: {line}", file=sys.stderr)
    if as_json:
        emit_json({"checkout": str(path), "papers": len(papers),
                   "in_catalog": [{"arxiv": p.arxiv, "title": p.title, "entry": e} for p, e in found.present],
                   "missing": [{**p.to_dict(), "written": written.get(p.file)} for p in found.missing],
                   "problems": found.problems})
        return
    print(f"{len(found.missing)} of {len(papers)} Awesome-Loop-Models papers are not in the catalog "
          f"({len(found.present)} are)" + (f"; {len(written)} skeletons written to {write}" if write else ""))
    for p in found.missing:
        where = f"  -> {written[p.file]}" if p.file in written else ""
        print(f"{p.arxiv or p.url}  {p.year or '-'}  {p.title}  [{', '.join(p.tags)}]{where}")
