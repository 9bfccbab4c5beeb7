"""Loading a folder: a large one is parsed by forked workers with exactly the results of one process."""

from __future__ import annotations

import os
import sys

import pytest

from rt_explore.catalog import loader, validate
from rt_explore.taxonomy import load_taxonomy

ENTRY = """id: {id}
name: N
title: T
authors: [A]
year: 2024
url: https://example.org/{id}
classification: {{axis: step, tokens_per_step: eq1, step_unit: token}}
summary: S.
"""


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
def test_a_large_folder_parsed_by_workers_gives_what_one_process_gives(tmp_path, monkeypatch):
    for n in range(9):
        (tmp_path / f"e-{n}.yaml").write_text(ENTRY.format(id=f"e-{n}"), encoding="utf-8")
    (tmp_path / "e-3.yaml").write_text("id: [", encoding="utf-8")  # a problem, in the middle of a chunk
    (tmp_path / "e-7.yml").write_text(ENTRY.format(id="e-7"), encoding="utf-8")  # a duplicate id
    (tmp_path / "wrong.yaml").write_text(ENTRY.format(id="other"), encoding="utf-8")
    files = loader.entry_files(tmp_path)
    tax = load_taxonomy()
    one = loader._parse_all(files, tax)
    pids = tmp_path.parent / f"{tmp_path.name}-pids"
    real = validate.parse_entry

    def parse_and_note_the_process(path, taxonomy):
        with open(pids, "a", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()}\n")
        return real(path, taxonomy)

    monkeypatch.setattr(validate, "parse_entry", parse_and_note_the_process)  # inherited by the forked workers
    monkeypatch.setattr(loader, "PARALLEL_FROM", 4)
    monkeypatch.setattr(loader.os, "cpu_count", lambda: 2)
    many = loader._parse_all(files, tax)
    assert many == one
    assert list(many[0]) == [f"e-{n}" for n in range(9) if n != 3]
    assert [p.path.rsplit("/", 1)[1] for p in many[1]] == ["e-3.yaml", "e-7.yml", "wrong.yaml"]
    workers = set(pids.read_text().split())
    assert workers and str(os.getpid()) not in workers  # (a pool may hand both chunks to one worker)


def test_a_small_folder_is_parsed_here(tmp_path, monkeypatch):
    (tmp_path / "one.yaml").write_text(ENTRY.format(id="one"), encoding="utf-8")
    monkeypatch.setattr(loader, "_parse_chunk", lambda *a: pytest.fail("no workers for one file"))
    assert list(loader._parse_all(loader.entry_files(tmp_path), load_taxonomy())[0]) == ["one"]
