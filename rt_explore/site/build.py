"""Build the static site: one folder of HTML, CSS and JavaScript that works from ``file://`` with no network.

Layout::

    index.html            the paper's Table 1 (counts, gaps, each cell a link to its entries), the fine grid
    entries.html          every entry in a table that filters by any dimension, year and tag, and searches
    entry/<id>.html       one page per entry: citation and BibTeX, classification, lineage, neighbours, scaffold
    gaps.html             the ranked gaps at both levels, with neighbours and the scaffold command
    evidence/             the experiment reports of docs/ (tables and figures), when there are any
    assets/               site.css, site.js (shipped in the package: no CDN)
    catalog.json, catalog.bib

The folder is written beside its target and renamed into place, so a reader never sees half a site; an
existing folder is replaced only when it holds a site written by this function (its marker file).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import NamedTuple

from ..atomic import replace_folder
from ..catalog.loader import Catalog
from ..errors import UsageError
from . import content
from .evidence import Report, default_docs_dir, find_reports

PACKAGE = Path(__file__).parent
MARKER = ".rt-explore-site"


class Built(NamedTuple):
    path: Path
    pages: int
    entries: int
    reports: int
    bytes: int


def environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    # Autoescape everything: every string from the catalog, the taxonomy or docs/ is escaped on output.
    env = Environment(loader=FileSystemLoader(PACKAGE / "templates"), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, auto_reload=False)
    return env


def build_site(catalog: Catalog, out: Path, *, docs: Path | None = None, use_default_docs: bool = True) -> Built:
    """Write the site for ``catalog`` to ``out``; evidence pages from ``docs`` (default: the checkout's docs/)."""
    from .. import __version__
    from ..catalog.export import as_json, bibtex, bibtex_record

    out = Path(out)
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).is_file())):
        raise UsageError(f"{out} exists and is not a site written by rt-explore; choose a new or empty folder")
    for entry in catalog:
        if not content.SAFE_ID.match(entry.id):
            raise UsageError(f"{entry.path}: id '{entry.id}' cannot name a page; run 'rt-explore validate'")
    if docs is None and use_default_docs:
        docs = default_docs_dir()
    reports, source = find_reports(docs)

    env = environment()
    common = {"version": __version__, "total": len(catalog), "has_evidence": bool(reports)}
    lineage = content.lineage(catalog)
    hoods = content.neighbourhoods(catalog)
    tax = catalog.taxonomy
    pages: dict[str, str] = {}
    memo: dict = {}

    def page(name: str, template: str, **context) -> None:
        root = "../" * name.count("/")
        pages[name] = env.get_template(template).render(**common, root=root, here=name, **context)

    page("index.html", "index.html", title="The design space", table=content.table_one(catalog),
         fine=content.table_one(catalog, "axis", "step_unit"), comparators=content.comparators(catalog),
         dimensions=content.dimensions(catalog))
    rows = [content.row(e, catalog) for e in catalog]
    tags = sorted({t for e in catalog for t in e.tags})
    tag_counts = {t: sum(t in e.tags for e in catalog) for t in tags}
    years = sorted({e.year for e in catalog})
    page("entries.html", "entries.html", title="Entries", rows=rows, dimensions=content.dimensions(catalog),
         tags=[{"id": t, "count": tag_counts[t]} for t in tags], years=years)
    page("gaps.html", "gaps.html", title="Gaps", tables=content.gap_tables(catalog))
    names = {e.id: e.name for e in catalog}
    for e in catalog:
        hood = hoods[e.id]
        classification = []
        for dim in tax.dimensions:
            value = e.value(dim.id)
            if value is None:
                continue
            v = dim.value(value) if value in dim.value_ids else None
            classification.append({"dim": dim.id.replace("_", " "), "dim_id": dim.id, "value": value,
                                   "label": v.label if v else value, "description": v.description if v else "",
                                   "href": content.filter_href(**{dim.id: value})})
        mechanisms = []
        for mech_id in e.mechanisms:
            try:
                mech = tax.mechanism(mech_id)
                mechanisms.append({"id": mech_id, "description": getattr(mech, "description", "")})
            except (KeyError, UsageError):
                mechanisms.append({"id": mech_id, "description": ""})

        def linked(ids: list[str]) -> list[dict]:
            return [{"id": i, "name": names[i], "href": content.entry_href(i)} for i in ids]

        parents = lineage.parents[e.id]
        page(f"entry/{e.id}.html", "entry.html", title=e.name, e=e,
             url=content.web_url(e.link), code=content.web_url(e.code), bibtex=bibtex_record(e),
             classification=classification, mechanisms=mechanisms, parents=linked(parents),
             further=linked([a for a in lineage.ancestors[e.id] if a not in parents]),
             children=linked(lineage.children[e.id]),
             cell=hood.cell, cell_text="/".join(hood.cell.values()) if hood.cell else None,
             cell_href=content.filter_href(**hood.cell) if hood.cell else None, neighbors=hood.neighbors,
             scaffold=content.scaffold_for(e, catalog, memo),
             tags=[{"id": t, "href": content.filter_href(tag=t)} for t in e.tags])
    if reports:
        page("evidence/index.html", "evidence_index.html", title="Evidence", reports=reports, source=source)
        for r in reports:
            page(f"evidence/{r.name}.html", "evidence.html", title=r.title, report=r, reports=reports)

    extra = {"catalog.json": as_json(catalog), "catalog.bib": bibtex(catalog)}
    return _write(out, pages, extra, reports, __version__)


def _write(out: Path, pages: dict[str, str], extra: dict[str, str], reports: list[Report], version: str) -> Built:
    def fill(tmp: Path) -> int:
        total = 0
        for name, text in {**pages, **extra}.items():
            path = tmp / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            total += len(text.encode())
        shutil.copytree(PACKAGE / "static", tmp / "assets")
        for r in reports:
            for f in (*r.figures, *((r.raw,) if r.raw else ())):
                shutil.copy2(f, tmp / "evidence" / f.name)
        (tmp / MARKER).write_text(f"rt-explore {version}\n", encoding="utf-8")
        return total

    total = replace_folder(out, fill)
    entries = sum(1 for n in pages if n.startswith("entry/"))
    return Built(out, len(pages), entries, len(reports), total)
