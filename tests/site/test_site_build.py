"""The static site as files: a page per entry, links that resolve, nothing loaded from the network,
every piece of catalog text escaped, fast to build, evidence pages from whatever reports docs/ has."""

from __future__ import annotations

import html
import json
import os
import random
import re
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from rt_explore.catalog import load_catalog
from rt_explore.cli import main
from rt_explore.site import build_site
from rt_explore.site import content as site_content
from rt_explore.site.evidence import find_reports
from rt_explore.site.markdown import render

REF = re.compile(r'<(\w+)[^>]*?\s(?:href|src)="([^"]*)"')
ID = re.compile(r'\sid="([^"]*)"')


class Links:
    """Every href and src of a page (with its tag) and every id it defines. The site writes every attribute
    in double quotes, so a regular expression reads it (an HTML parser takes ten times longer on 300 pages)."""

    def __init__(self, text: str):
        self.refs: list[tuple[str, str]] = [(tag, html.unescape(ref)) for tag, ref in REF.findall(text)]
        self.ids: set[str] = {html.unescape(i) for i in ID.findall(text)}


def parse(path: Path) -> Links:
    return Links(path.read_text(encoding="utf-8"))


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_every_entry_has_its_page(builtin_site):
    site, built, _, catalog = builtin_site
    assert built.entries == len(catalog) >= 80
    for entry in catalog:
        page = (site / "entry" / f"{entry.id}.html").read_text(encoding="utf-8")
        assert f"@article{{{entry.id}," in page or f"@misc{{{entry.id}," in page


def test_the_built_in_catalog_builds_in_under_five_seconds(builtin_site):
    _, built, seconds, catalog = builtin_site
    assert seconds < 5.0, f"{len(catalog)} entries took {seconds:.2f} s"


def write_synthetic(folder: Path, count: int) -> None:
    """``count`` valid entries spread over the populated cells, with lineage, as a user catalog."""
    rng = random.Random(0)
    cells = [("depth", "gt1", "sequence"), ("step", "eq1", "token"), ("step", "gt1", "chunk"),
             ("depth+step", "lt1", "latent"), ("depth+step", "eq1", "token"), ("step", "lt1", "ponder")]
    for n in range(count):
        axis, tps, unit = rng.choice(cells)
        parent = f"synthetic-{rng.randrange(n)}" if n else "transformer"
        (folder / f"synthetic-{n}.yaml").write_text(
            f"id: synthetic-{n}\nname: Synthetic {n}\ntitle: A Synthetic Architecture Number {n}\n"
            f"authors: [Test Author]\nyear: {2018 + n % 8}\narxiv: \"{18 + n % 8}{1 + n % 12:02d}.{n:05d}\"\n"
            f"classification:\n  axis: {axis}\n  tokens_per_step: {tps}\n  step_unit: {unit}\n"
            f"summary: A synthetic entry for measuring how the site scales.\nbuilds_on: [{parent}]\n"
            f"tags: [synthetic]\n", encoding="utf-8")


def test_a_catalog_with_400_more_entries_builds_in_under_five_seconds(tmp_path):
    folder = tmp_path / "synthetic"
    folder.mkdir()
    write_synthetic(folder, 400)
    catalog = load_catalog([folder])
    assert not catalog.problems, catalog.problems[:3]
    start = time.perf_counter()
    built = build_site(catalog, tmp_path / "site")
    seconds = time.perf_counter() - start
    assert built.entries == len(catalog) >= 480
    assert seconds < 5.0, f"{len(catalog)} entries took {seconds:.2f} s"


def test_every_internal_link_and_image_resolves(builtin_site):
    site = builtin_site[0]
    files = {os.path.normpath(p) for p in map(str, site.rglob("*")) if os.path.isfile(p)}
    ids: dict[str, set[str]] = {}
    broken = []
    for page in html_pages(site):
        for tag, ref in parse(page).refs:
            parts = urlsplit(ref)
            if parts.scheme in ("http", "https"):
                assert tag == "a", f"{page.name} loads {ref} from the network"
                continue
            assert not parts.scheme, f"{page.name}: unexpected link {ref}"
            target = os.path.normpath(os.path.join(page.parent, unquote(parts.path))) if parts.path else str(page)
            if target not in files:
                broken.append(f"{page.relative_to(site)} -> {ref}")
                continue
            fragment = unquote(parts.fragment)
            if fragment and "=" not in fragment and target.endswith(".html"):  # "a=b" fragments are filters
                if target not in ids:
                    ids[target] = parse(Path(target)).ids
                if fragment not in ids[target]:
                    broken.append(f"{page.relative_to(site)} -> {ref} (no id {fragment})")
    assert broken == []


def test_the_site_loads_nothing_from_the_network(builtin_site):
    site = builtin_site[0]
    for path in site.rglob("*"):
        if path.suffix in (".html", ".css", ".js"):
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=\"(https?:)?//", text), path
            assert not re.search(r"url\(\s*['\"]?(https?:)?//", text), path
            assert not re.search(r"\b(fetch|XMLHttpRequest|importScripts)\b", text), path


def test_filter_links_from_table_one_name_the_cells_entries(builtin_site):
    site, _, _, catalog = builtin_site
    index = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="entries.html#axis=depth&amp;tokens_per_step=gt1"' in index
    depth_gt1 = [e for e in catalog if e.axis == "depth" and e.value("tokens_per_step") == "gt1"]
    assert f'<span class="count">{len(depth_gt1)}</span>' in index
    assert index.count('class="gap-link"') >= 2  # the paper's two empty cells, and the fine grid's


def test_a_hostile_entry_is_escaped_everywhere(hostile_site):
    site, catalog = hostile_site
    entry_page = site / "entry" / "hostile-entry.html"
    assert entry_page.is_file()
    for page in html_pages(site):
        text = page.read_text(encoding="utf-8")
        for needle in ("<script>alert", "<svg onload", "<img src=x", "<iframe", "<b>venue</b>",
                       "onmouseover=\"alert", "onmouseover='alert", 'href="javascript:', 'src="javascript:'):
            assert needle not in text, f"{page.relative_to(site)} contains {needle!r}"
    page = entry_page.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;" in page
    assert "{{ 7*7 }} {% raw %}" in page  # catalog text is data, never a template
    assert 'href="https://example.org' not in page  # URLs with quotes and brackets get no link
    # Only the site's own script runs: no inline script anywhere.
    assert re.findall(r"<script[^>]*>", page) == ['<script src="../assets/site.js" defer>']


def test_only_buildable_entries_show_the_scaffold_command(builtin_site, tmp_path, monkeypatch):
    site, _, _, catalog = builtin_site
    page = (site / "entry" / "universal-transformer.html").read_text(encoding="utf-8")
    assert "rt-explore scaffold --like universal-transformer" in page

    from rt_explore.codegen import spec as spec_module
    from rt_explore.errors import UsageError

    real = spec_module.spec_from_entry

    def refuse_deltanet(entry, *args, **kwargs):
        if entry.id == "deltanet":
            raise UsageError("cell step/token has no generator")
        return real(entry, *args, **kwargs)

    monkeypatch.setattr(spec_module, "spec_from_entry", refuse_deltanet)
    build_site(catalog, tmp_path / "site", use_default_docs=False)
    page = (tmp_path / "site" / "entry" / "deltanet.html").read_text(encoding="utf-8")
    assert "rt-explore scaffold --like" not in page and "has no generator" in page
    assert site_content.scaffold_for(catalog.get("act"), catalog).command == "rt-explore scaffold --like act"


def test_entry_pages_show_lineage_both_ways(builtin_site):
    site = builtin_site[0]
    page = (site / "entry" / "deltanet.html").read_text(encoding="utf-8")
    lineage = page.split('id="lineage"')[1].split("</section>")[0]
    built_on_by = lineage.split("Built on by")[1]
    assert 'href="../entry/gated-deltanet.html"' in built_on_by
    assert 'href="../entry/linear-attention.html"' in lineage.split("Built on by")[0]


def test_export_site_from_the_command_line(tmp_path, capsys):
    out = tmp_path / "site"
    assert main(["export", "--format", "site", "-o", str(out)]) == 0
    assert "wrote" in capsys.readouterr().err and (out / "index.html").is_file()
    assert main(["export", "--format", "site", "-o", str(out)]) == 0  # a site is rebuilt in place
    other = tmp_path / "mine"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    assert main(["export", "--format", "site", "-o", str(other)]) == 2
    assert "not a site written by rt-explore" in capsys.readouterr().err
    assert [p.name for p in other.iterdir()] == ["keep.txt"]
    assert main(["export", "--format", "site"]) == 2
    assert "-o DIR" in capsys.readouterr().err


def test_format_html_is_still_the_single_page_report(tmp_path, capsys):
    out = tmp_path / "report.html"
    assert main(["export", "--format", "html", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert out.is_file() and text.startswith("<!doctype html>") and "<h2>Gaps</h2>" in text


def test_evidence_prefers_experiment_reports_and_falls_back_to_docs_markdown(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "design.md").write_text("# Design\n\nNo numbers here.\n")  # no JSON beside it: not a report
    (docs / "old.md").write_text("# Old report\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n![fig](old.png)\n")
    (docs / "old.json").write_text("{}")
    (docs / "old.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    reports, source = find_reports(docs)
    assert source == "." and [r.name for r in reports] == ["old"]
    assert "<td>1</td>" in reports[0].body and '<img src="old.png"' in reports[0].body

    experiments = docs / "experiments"
    experiments.mkdir()
    (experiments / "state-tracking.json").write_text(json.dumps({
        "name": "state-tracking", "claim": "step recurrence tracks state",
        "table": [{"variant": "step/token", "task": "parity", "mean": 0.98, "ci95": [0.97, 0.99], "n": 5}]}))
    (experiments / "state-tracking.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (experiments / "frontier.json").write_text("{}")
    (experiments / "frontier.md").write_text("# Frontier\n\nSee [the other](state-tracking.md).\n")
    reports, source = find_reports(docs)
    assert source == "experiments" and [r.name for r in reports] == ["frontier", "state-tracking"]
    assert '<a href="state-tracking.html">the other</a>' in reports[0].body
    generic = reports[1]
    assert "<td>step/token</td>" in generic.body and "<td>[0.97, 0.99]</td>" in generic.body
    assert [f.name for f in generic.figures] == ["state-tracking.png"]


def test_evidence_pages_are_built_with_their_figures(tmp_path):
    docs = tmp_path / "docs"
    (docs / "experiments").mkdir(parents=True)
    (docs / "experiments" / "x.md").write_text("# X\n\n| a |\n|---|\n| 1 |\n\n![plot](x.png)\n")
    (docs / "experiments" / "x.json").write_text("{}")
    (docs / "experiments" / "x.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    built = build_site(load_catalog(), tmp_path / "site", docs=docs)
    assert built.reports == 1
    assert (tmp_path / "site" / "evidence" / "x.png").is_file()
    assert (tmp_path / "site" / "evidence" / "x.json").is_file()
    page = (tmp_path / "site" / "evidence" / "x.html").read_text(encoding="utf-8")
    assert "<h1>X</h1>" in page and '<img src="x.png"' in page


def test_the_checkouts_docs_reports_become_evidence_pages(builtin_site):
    site = builtin_site[0]
    docs = Path(__file__).resolve().parents[2] / "docs"
    reports, _ = find_reports(docs)
    for report in reports:
        assert (site / "evidence" / f"{report.name}.html").is_file()


@pytest.mark.parametrize("source, expected, absent", [
    ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;", "<script>"),
    ("[x](javascript:alert(1))", "x", "javascript:"),
    ("![x](https://example.org/a.png)", "x", "<img"),
    ("[x](../../etc/passwd)", "x", "href"),
    ("| `a|b` | **c** |\n|---|---|\n| <i>d</i> | [e](https://example.org/?a=1&b=2) |",
     '<a href="https://example.org/?a=1&amp;b=2">e</a>', "<i>"),
    ("```\n<b>code</b>\n```", "<pre><code>&lt;b&gt;code&lt;/b&gt;</code></pre>", "<b>"),
])
def test_report_markdown_is_escaped_and_links_are_filtered(source, expected, absent):
    out = render(source, lambda target, image: None)
    assert expected in out and absent not in out
