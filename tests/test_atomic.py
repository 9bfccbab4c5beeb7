"""rt_explore.atomic: a file or folder appears whole or not at all, with the mode an ordinary open gives it."""

from __future__ import annotations

import errno
import json
import os
import stat

import pytest

from rt_explore import atomic


@pytest.fixture
def umask_027():
    old = os.umask(0o027)
    yield
    os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_text_json_and_bytes_are_written_with_the_mode_of_an_ordinary_open(tmp_path, umask_027):
    text = atomic.write_text(tmp_path / "sub" / "a.md", "caf\u00e9\n")
    data = atomic.write_json(tmp_path / "b.json", {"x": float("nan")})
    raw = atomic.write_bytes(tmp_path / "c.bin", b"\x00\x01")
    assert text.read_text(encoding="utf-8") == "caf\u00e9\n" and raw.read_bytes() == b"\x00\x01"
    assert data.read_text() == json.dumps({"x": float("nan")}, indent=2) + "\n"
    assert {mode(p) for p in (text, data, raw)} == {0o640}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.json", "c.bin", "sub"]


def test_a_writer_that_wants_a_path_gets_a_sibling_with_the_targets_suffix(tmp_path):
    seen = []

    def write(tmp):
        seen.append(tmp)
        tmp.write_text("<svg/>")

    path = atomic.replace_atomically(tmp_path / "fig.svg", write)
    assert path.read_text() == "<svg/>" and seen[0].parent == tmp_path and seen[0].suffix == ".svg"
    assert [p.name for p in tmp_path.iterdir()] == ["fig.svg"]


def test_a_failing_writer_leaves_the_old_file_and_no_temporary_file(tmp_path):
    target = tmp_path / "fig.png"
    target.write_text("old")

    def fail(tmp):
        tmp.write_text("half")
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        atomic.replace_atomically(target, fail)
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["fig.png"]


@pytest.mark.parametrize("links", [True, False])
def test_never_replace_refuses_a_taken_name_with_or_without_hard_links(tmp_path, monkeypatch, links):
    if not links:
        def no_links(src, dst):
            raise OSError(errno.EPERM, "no hard links here")

        monkeypatch.setattr(os, "link", no_links)
    target = tmp_path / "e.yaml"
    atomic.write_text(target, "first\n", replace=False)
    with pytest.raises(FileExistsError):
        atomic.write_text(target, "second\n", replace=False)
    assert target.read_text() == "first\n" and [p.name for p in tmp_path.iterdir()] == ["e.yaml"]


def test_a_folder_is_swapped_in_whole_and_a_failed_fill_leaves_the_old_one(tmp_path, umask_027):
    out = tmp_path / "site"

    def fill(folder):
        (folder / "index.html").write_text("new")
        return 1

    assert atomic.replace_folder(out, fill) == 1 and mode(out) == 0o750
    (out / "stale.html").write_text("old")
    assert atomic.replace_folder(out, fill) == 1 and sorted(p.name for p in out.iterdir()) == ["index.html"]

    def fail(folder):
        (folder / "index.html").write_text("half")
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        atomic.replace_folder(out, fail)
    assert (out / "index.html").read_text() == "new" and [p.name for p in tmp_path.iterdir()] == ["site"]
