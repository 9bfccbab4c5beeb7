"""The static site in a real browser (headless system Chromium, no network): search, Table-1 cells, links,
console errors, phone width, hostile text, and screenshots for a person to look at."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from site_browser import url

from rt_explore.catalog.space import cells
from rt_explore.taxonomy import FINE_DIMS, PAPER_DIMS


def wait_until(page, expression: str, timeout_s: float = 5.0) -> None:
    """Poll a JavaScript expression from Python: the site's Content-Security-Policy forbids eval, which
    Playwright's own wait_for_function uses inside the page."""
    import time

    deadline = time.monotonic() + timeout_s
    while not page.evaluate(f"() => Boolean({expression})"):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(20)


def visible_ids(page) -> list[str]:
    return page.eval_on_selector_all("#entries tbody tr:not([hidden])", "rows => rows.map(r => r.dataset.id)")


def test_the_search_box_narrows_the_rows(builtin_site, page):
    site, _, _, catalog = builtin_site
    page.goto(url(site, "entries.html"))
    assert len(visible_ids(page)) == len(catalog)
    page.fill("#q", "universal")
    shown = visible_ids(page)
    assert "universal-transformer" in shown and 0 < len(shown) < len(catalog)
    expected = [e.id for e in catalog if "universal" in " ".join([e.id, e.name, e.title, e.summary,
                                                                   " ".join(e.authors)]).lower()]
    assert sorted(shown) == sorted(expected)
    assert page.inner_text("#count") == f"{len(shown)} of {len(catalog)} entries"
    page.fill("#q", "universal zzzz-nothing")
    assert visible_ids(page) == [] and page.is_visible("#none")
    page.click("#clear")
    wait_until(page, f"document.querySelectorAll('#entries tbody tr:not([hidden])').length == {len(catalog)}")


def test_a_click_on_a_table_one_cell_shows_that_cells_entries(builtin_site, page):
    site, _, _, catalog = builtin_site
    statuses = {"/".join(s.cell.values()): s for s in cells(catalog, PAPER_DIMS)}
    for cell in ("step/eq1", "depth/gt1", "depth+step/lt1"):
        page.goto(url(site, "index.html"))
        page.click(f'table.grid td[data-cell="{cell}"] a.cell-link')
        page.wait_for_url("**/entries.html#*")
        assert sorted(visible_ids(page)) == sorted(statuses[cell].entries), cell
        axis, tps = cell.split("/")
        assert page.input_value("#f-axis") == axis and page.input_value("#f-tokens_per_step") == tps
    page.goto(url(site, "index.html"))
    page.click('table.grid td[data-cell="depth/eq1"] a.gap-link')
    page.wait_for_url("**/gaps.html#gap-depth-eq1")
    assert page.is_visible("#gap-depth-eq1")


def test_the_fine_grid_and_filters_agree_with_the_catalog(builtin_site, page):
    site, _, _, catalog = builtin_site
    statuses = {"/".join(s.cell.values()): s for s in cells(catalog, FINE_DIMS)}
    page.goto(url(site, "index.html"))
    page.click('table.grid[data-cols="step_unit"] td[data-cell="depth+step/latent"] a.cell-link')
    page.wait_for_url("**/entries.html#*")
    assert sorted(visible_ids(page)) == sorted(statuses["depth+step/latent"].entries)
    page.goto(url(site, "entries.html"))
    page.select_option("#f-axis", "step")
    page.fill("#q", "delta")
    expected = [e.id for e in catalog if e.axis == "step" and "delta" in " ".join(
        [e.id, e.name, e.title, e.summary, " ".join(e.authors)]).lower()]
    assert sorted(visible_ids(page)) == sorted(expected) and expected
    assert "axis=step" in page.url and "q=delta" in page.url  # the filters live in the address


def internal_links(page) -> list[str]:
    return page.eval_on_selector_all("a[href], img[src], link[href], script[src]",
                                     "els => els.map(e => e.href || e.src)")


def test_every_internal_link_resolves_and_no_page_logs_an_error(builtin_site, page):
    site = builtin_site[0]
    start = ["index.html", "entries.html", "gaps.html", "entry/universal-transformer.html", "entry/deltanet.html",
             "entry/coconut.html"]
    if (site / "evidence" / "index.html").is_file():
        start.append("evidence/index.html")
    visited: set[Path] = set()
    checked: set[str] = set()
    to_visit = [(site / p).resolve() for p in start]
    while to_visit:
        path = to_visit.pop()
        if path in visited:
            continue
        visited.add(path)
        page.goto(path.as_uri())
        missing_ids = page.evaluate("""() => [...document.querySelectorAll('a[href^="#"]')]
            .map(a => decodeURIComponent(a.hash.slice(1)))
            .filter(f => !f.includes('=') && !document.getElementById(f))""")
        assert missing_ids == [], f"{path.relative_to(site)} links to missing anchors {missing_ids}"
        for link in internal_links(page):
            if link in checked or not link.startswith("file://"):
                continue
            checked.add(link)
            target = Path(unquote(urlsplit(link).path))
            assert target.is_file(), f"{path.relative_to(site)} links to a missing {target}"
            # Follow the site's own pages (not all entry pages: the static test reads every one of those).
            if target.suffix == ".html" and "/entry/" not in str(target) and target not in visited:
                to_visit.append(target)
    assert len(checked) > 300 and len(visited) >= len(start)


def test_a_hostile_entry_runs_no_script_in_the_browser(hostile_site, page):
    site, _ = hostile_site
    page.goto(url(site, "entry/hostile-entry.html"))
    heading = page.inner_text("h1")
    assert heading.startswith("<script>alert('name')</script> Evil")
    assert "{{ 7*7 }}" in page.inner_text(".summary")
    page.goto(url(site, "entries.html", "q=o'brien"))
    assert visible_ids(page) == ["hostile-entry"]
    page.goto(url(site, "entries.html", "q=%3Cscript%3E"))  # a fragment cannot inject either
    assert "hostile-entry" in visible_ids(page)
    page.goto(url(site, "entries.html", 'axis="><img src=x onerror=alert(1)>'))
    page.wait_for_timeout(50)


def test_the_copy_buttons_work_without_errors(builtin_site, page):
    site = builtin_site[0]
    page.goto(url(site, "entry/universal-transformer.html"))
    assert "@article{universal-transformer," in page.inner_text(".copyable pre")
    page.click(".copyable button.copy")
    wait_until(page, "[...document.querySelectorAll('button.copy')].some(b => b.textContent !== 'Copy')")
    assert "rt-explore scaffold --like universal-transformer" in page.inner_text('section[aria-labelledby="scaffold"]')


@pytest.mark.parametrize("path", ["index.html", "entries.html", "entry/universal-transformer.html", "gaps.html"])
def test_pages_fit_a_phone_screen(builtin_site, page, path):
    site = builtin_site[0]
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(url(site, path))
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"{path} is {overflow}px wider than a phone"  # wide tables scroll inside their box
    font = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert font >= 14


def test_screenshots_of_the_index_and_an_entry_page(builtin_site, browser, tmp_path):
    """For a person: written to $RT_EXPLORE_SCREENSHOTS (docs/ via `python tests/site/site_browser.py`) or a
    temporary folder."""
    from site_browser import shoot

    site = builtin_site[0]
    out = Path(os.environ.get("RT_EXPLORE_SCREENSHOTS") or tmp_path)
    for shot in shoot(site, out, context=browser):
        assert shot.stat().st_size > 20_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
