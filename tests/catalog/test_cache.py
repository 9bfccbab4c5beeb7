"""The catalog cache returns what a fresh parse would, and is invalidated by any change."""

from __future__ import annotations

import os

from rt_explore.catalog import load_catalog

ENTRY = """id: cached
name: {name}
title: Cached
authors: [Me]
year: 2025
url: https://example.org/c
classification: {{axis: step, tokens_per_step: eq1, step_unit: token, state: matrix}}
summary: A cached entry.
"""


def test_a_cached_load_equals_a_fresh_parse(tmp_path, monkeypatch):
    monkeypatch.setenv("RT_EXPLORE_CACHE", str(tmp_path / "cache"))
    first = load_catalog()
    assert list((tmp_path / "cache").glob("catalog-*.json"))
    second = load_catalog()
    monkeypatch.setenv("RT_EXPLORE_CACHE", "off")
    fresh = load_catalog()
    assert first.entries == second.entries == fresh.entries
    assert second.entries["deltanet"].lines == fresh.entries["deltanet"].lines


def test_editing_an_entry_invalidates_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("RT_EXPLORE_CACHE", str(tmp_path / "cache"))
    user = tmp_path / "user"
    user.mkdir()
    path = user / "cached.yaml"
    path.write_text(ENTRY.format(name="Before"), encoding="utf-8")
    assert load_catalog([user]).entries["cached"].name == "Before"
    path.write_text(ENTRY.format(name="After!"), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert load_catalog([user]).entries["cached"].name == "After!"


def test_adding_and_removing_files_invalidates_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("RT_EXPLORE_CACHE", str(tmp_path / "cache"))
    user = tmp_path / "user"
    user.mkdir()
    assert "cached" not in load_catalog([user]).entries
    (user / "cached.yaml").write_text(ENTRY.format(name="New"), encoding="utf-8")
    assert load_catalog([user]).entries["cached"].name == "New"
    (user / "cached.yaml").unlink()
    assert "cached" not in load_catalog([user]).entries


def test_a_corrupt_cache_file_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("RT_EXPLORE_CACHE", str(tmp_path / "cache"))
    load_catalog()
    for f in (tmp_path / "cache").glob("catalog-*.json"):
        f.write_text("{not json", encoding="utf-8")
    assert len(load_catalog()) >= 80


def test_problems_are_cached_too(tmp_path, monkeypatch):
    monkeypatch.setenv("RT_EXPLORE_CACHE", str(tmp_path / "cache"))
    user = tmp_path / "user"
    user.mkdir()
    (user / "broken.yaml").write_text("id: [", encoding="utf-8")
    first = load_catalog([user]).problems
    second = load_catalog([user]).problems
    assert first == second and "malformed YAML" in first[0].message


def test_the_cache_round_trips_checked_and_the_new_dimensions(tmp_path, monkeypatch):
    monkeypatch.setenv("RT_EXPLORE_CACHE", str(tmp_path / "cache"))
    user = tmp_path / "user"
    user.mkdir()
    (user / "cached.yaml").write_text(
        ENTRY.format(name="Checked").replace("url: https://example.org/c", 'arxiv: "2501.00663"')
        .replace("state: matrix}", "state: matrix, contribution: analysis}")
        + "checked: {on: 2025-01-02, source: https://arxiv.org/abs/2501.00663, title: first}\n", encoding="utf-8")
    fresh = load_catalog([user]).entries["cached"]
    assert len(list((tmp_path / "cache").glob("catalog-*.json"))) == 2  # built-in and user folders
    cached = load_catalog([user]).entries["cached"]
    assert fresh.checked == {"on": "2025-01-02", "source": "https://arxiv.org/abs/2501.00663", "title": "first"}
    assert cached == fresh and cached.checked == fresh.checked and cached.lines == fresh.lines
    assert cached.value("contribution") == "analysis"
