"""Skeleton entries: the arXiv id read leniently and checked strictly; the skeleton parses; nothing overwritten."""

from __future__ import annotations

import pytest

from rt_explore.catalog import load_catalog, validate_paths
from rt_explore.catalog.new import check_new, default_id, normalise_arxiv, skeleton_text, write_new
from rt_explore.errors import UsageError
from rt_explore.taxonomy import load_taxonomy, parse_cell_spec

TAX = load_taxonomy()


@pytest.mark.parametrize("raw", ["2502.05171", " arXiv:2502.05171 ", "https://arxiv.org/abs/2502.05171v2",
                                 "http://arxiv.org/pdf/2502.05171v1.pdf", "2502.05171v3", "arxiv.org/abs/2502.05171"])
def test_an_arxiv_id_is_accepted_in_the_forms_people_paste(raw):
    assert normalise_arxiv(raw) == "2502.05171"


def test_an_old_style_id_is_kept_whole():
    assert normalise_arxiv("cs/0101001") == "cs/0101001"
    assert default_id("cs/0101001") == "arxiv-cs-0101001"


@pytest.mark.parametrize("raw", ["", "2502", "2502.0517", "1412.01234", "2513.01234", "0612.1234", "hello",
                                 "2502.05171; rm -rf /"])
def test_a_malformed_arxiv_id_is_refused(raw):
    with pytest.raises(UsageError, match="malformed arXiv id"):
        normalise_arxiv(raw)


def test_a_skeleton_with_a_cell_is_valid_but_warned_until_filled(tmp_path):
    cell = parse_cell_spec("depth/sequence", TAX)
    text = skeleton_text(TAX, entry_id="arxiv-2502-05171", origin="a test", arxiv="2502.05171", cell=cell)
    write_new(tmp_path / "arxiv-2502-05171.yaml", text)
    count, problems = validate_paths([tmp_path], warnings=True)
    assert count == 1 and {p.severity for p in problems} == {"warning"}
    assert {p.field for p in problems} == {"name", "title", "authors", "summary", "builds_on", "checked"}
    entry = load_catalog([tmp_path]).entries["arxiv-2502-05171"]
    assert entry.year == 2025 and entry.arxiv == "2502.05171" and entry.value("step_unit") == "sequence"


def test_a_skeleton_without_a_cell_is_an_error_until_classified(tmp_path):
    text = skeleton_text(TAX, entry_id="arxiv-2502-05171", origin="a test", arxiv="2502.05171")
    write_new(tmp_path / "arxiv-2502-05171.yaml", text)
    errors = [p for p in validate_paths([tmp_path])[1] if p.severity == "error"]
    assert [(p.field, p.message.split(":")[0]) for p in errors] == [("classification.axis", "left to fill")]


def test_text_with_quotes_and_colons_stays_text(tmp_path):
    title = 'Loops: "Why" # Not? \u00e9t\u00e9'
    text = skeleton_text(TAX, entry_id="odd", origin="a test", arxiv="2502.05171", title=title,
                         authors=["O'Brien, A."], cell=parse_cell_spec("step/token", TAX), tags=["x-y"])
    write_new(tmp_path / "odd.yaml", text)
    entry = load_catalog([tmp_path]).entries["odd"]
    assert entry.title == title and entry.authors == ("O'Brien, A.",) and entry.tags == ("x-y",)


def test_check_new_refuses_a_known_paper_a_known_id_a_bad_id_and_an_existing_file(tmp_path):
    catalog = load_catalog().entries
    known = next(e for e in catalog.values() if e.arxiv)
    with pytest.raises(UsageError, match=f"already in the catalog as '{known.id}'"):
        check_new(catalog, tmp_path, "fresh-id", known.arxiv)
    with pytest.raises(UsageError, match="id 'transformer' is already in the catalog"):
        check_new(catalog, tmp_path, "transformer", "2999.99999")
    with pytest.raises(UsageError, match="not a valid id"):
        check_new(catalog, tmp_path, "Bad_Id", "2999.99999")
    (tmp_path / "taken.yml").write_text("x", encoding="utf-8")
    with pytest.raises(UsageError, match="already exists"):
        check_new(catalog, tmp_path, "taken", "2999.99999")
    assert check_new(catalog, tmp_path, "free", "2999.99999") == tmp_path / "free.yaml"


def test_write_new_never_replaces_a_file_and_leaves_no_temporary_behind(tmp_path):
    target = tmp_path / "sub" / "e.yaml"
    write_new(target, "first\n")
    with pytest.raises(UsageError, match="already exists"):
        write_new(target, "second\n")
    assert target.read_text() == "first\n"
    assert [p.name for p in target.parent.iterdir()] == ["e.yaml"]
