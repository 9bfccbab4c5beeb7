"""Fixtures for the site tests: the built-in catalog's site (built once), a hostile catalog's site, a browser."""

from __future__ import annotations

import os
import time

import pytest
import site_browser

from rt_explore.catalog import load_catalog
from rt_explore.site import build_site

HOSTILE = '''id: hostile-entry
name: "<script>alert('name')</script> Evil \\" onmouseover=\\"alert(1)"
title: "</script><script>alert('title')</script> & 'quotes' \\"double\\""
authors: ["<img src=x onerror=alert('author')>", "O'Brien"]
year: 2024
url: "https://example.org/x\\"><script>alert('url')</script>"
code: "https://example.org/a'onmouseover='alert(1)"
venue: "<b>venue</b>"
classification:
  axis: step
  tokens_per_step: eq1
  step_unit: token
summary: "</textarea></script><svg onload=alert('summary')> {{ 7*7 }} {% raw %}"
notes: "<iframe src=javascript:alert('notes')></iframe>"
builds_on: [deltanet]
tags: [hostile]
'''


@pytest.fixture(scope="session")
def builtin_site(tmp_path_factory):
    """The site of the built-in catalog, and how long it took to build (catalog load included)."""
    out = tmp_path_factory.mktemp("site") / "site"
    start = time.perf_counter()
    catalog = load_catalog()
    built = build_site(catalog, out)
    return out, built, time.perf_counter() - start, catalog


@pytest.fixture(scope="session")
def hostile_site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "hostile-entry.yaml").write_text(HOSTILE, encoding="utf-8")
    catalog = load_catalog([folder])
    assert not catalog.problems, catalog.problems
    out = tmp_path_factory.mktemp("hostile-site") / "site"
    build_site(catalog, out, docs=None, use_default_docs=False)
    return out, catalog


@pytest.fixture(scope="session")
def browser():
    """An offline Chromium context. Skipped where there is none, unless RT_EXPLORE_REQUIRE_BROWSER=1 (CI)."""
    reason = site_browser.missing()
    if reason:
        if os.environ.get("RT_EXPLORE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"the browser test is required here but cannot run: {reason}")
        pytest.skip(reason)
    with site_browser.offline_browser() as context:
        yield context


@pytest.fixture
def page(browser):
    """A fresh page with its console errors, uncaught exceptions, dialogs and network requests recorded;
    the test fails if any of them happened."""
    p = browser.new_page()
    recorder = site_browser.Recorder(p)
    p.recorder = recorder
    yield p
    p.close()
    assert recorder.errors == [], recorder.errors
    assert recorder.requests == [], f"requests beyond file://: {recorder.requests}"
    assert recorder.dialogs == [], f"a dialog opened (script injection?): {recorder.dialogs}"

