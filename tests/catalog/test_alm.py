"""Awesome-Loop-Models coverage: read a checkout, match by arXiv id, skeletons for what the catalog lacks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rt_explore.catalog import load_catalog, validate_paths
from rt_explore.catalog.alm import coverage, normalise_tag, read_checkout, read_paper, skeleton_for
from rt_explore.catalog.new import write_new
from rt_explore.errors import UsageError
from rt_explore.taxonomy import load_taxonomy

CHECKOUT = Path(__file__).resolve().parent.parent / "fixtures" / "awesome-loop-models"
TAX = load_taxonomy()


def test_a_checkout_is_read_and_each_unreadable_file_is_one_line_naming_it():
    papers, problems = read_checkout(CHECKOUT)
    assert sorted(p.file.name for p in papers) == [
        "1807.03819.yaml", "2601.00001.yaml", "2602.00002.yaml", "openreview-widgetnet.yaml"]
    assert len(problems) == 4 and all("\n" not in line for line in problems)
    by_file = {Path(line.split(": ", 1)[0]).name: line for line in problems}
    assert "malformed YAML" in by_file["broken.yaml"]
    assert "not an Awesome-Loop-Models paper" in by_file["foreign.yaml"]
    assert "no arXiv id and no link" in by_file["no-link.yaml"]
    assert "not an arXiv link" in by_file["bad-link.yaml"]


def test_the_papers_folder_itself_may_be_given():
    assert len(read_checkout(CHECKOUT / "papers")[0]) == 4


def test_a_folder_without_papers_is_bad_input(tmp_path):
    with pytest.raises(UsageError, match="not an Awesome-Loop-Models checkout"):
        read_checkout(tmp_path)
    with pytest.raises(UsageError, match="no such folder"):
        read_checkout(tmp_path / "missing")


def test_the_fields_a_skeleton_needs_are_read_and_tags_normalised():
    paper, problem = read_paper(CHECKOUT / "papers" / "2602.00002.yaml")
    assert problem is None
    assert paper.arxiv == "2602.00002" and paper.year == 2026 and paper.venue is None  # "arXiv" is no venue
    assert paper.tags == ("hierarchical-loop", "algorithmic-reasoning", "neural-widget", "t-2w", "training-algorithm",
                          "awesome-loop-models")
    no_arxiv, _ = read_paper(CHECKOUT / "papers" / "openreview-widgetnet.yaml")
    assert no_arxiv.arxiv is None and no_arxiv.url == "https://openreview.net/forum?id=invented123"


@pytest.mark.parametrize(("raw", "tag"), [("Neural GPU", "neural-gpu"), ("FLOPs-efficiency", "flops-efficiency"),
                                          ("Céline", "celine"), ("--", None), ("  MoE ", "moe")])
def test_tags_are_normalised_to_our_syntax(raw, tag):
    assert normalise_tag(raw) == tag


def test_papers_the_catalog_has_are_matched_by_arxiv_id_whatever_their_title():
    papers, problems = read_checkout(CHECKOUT)
    found = coverage(papers, problems, load_catalog().entries)
    assert [(p.arxiv, entry) for p, entry in found.present] == [("1807.03819", "universal-transformer")]
    assert sorted(p.file.name for p in found.missing) == ["2601.00001.yaml", "2602.00002.yaml",
                                                          "openreview-widgetnet.yaml"]


def test_a_paper_without_arxiv_is_matched_by_title():
    papers, _ = read_checkout(CHECKOUT)
    catalog = dict(load_catalog().entries)
    ut = catalog["universal-transformer"]
    catalog["widgetnet"] = ut._replace(id="widgetnet", arxiv=None, title="WidgetNet: equilibrium widgets")
    missing = {p.file.name for p in coverage(papers, [], catalog).missing}
    assert "openreview-widgetnet.yaml" not in missing


def test_every_skeleton_parses_keeps_their_tags_and_leaves_the_classification_open(tmp_path):
    papers, problems = read_checkout(CHECKOUT)
    for paper in coverage(papers, problems, load_catalog().entries).missing:
        entry_id, text = skeleton_for(paper, TAX)
        write_new(tmp_path / f"{entry_id}.yaml", text)
        assert "desc" not in text and "invented paper" not in text  # their words are not copied
    assert sorted(p.stem for p in tmp_path.iterdir()) == ["arxiv-2601-00001", "arxiv-2602-00002",
                                                          "openreview-widgetnet"]
    _, found = validate_paths([tmp_path], warnings=True)
    errors = sorted((Path(p.path).stem, p.field) for p in found if p.severity == "error")
    assert errors == [(stem, "classification.axis") for stem in ("arxiv-2601-00001", "arxiv-2602-00002",
                                                                 "openreview-widgetnet")]
    text = (tmp_path / "arxiv-2601-00001.yaml").read_text()
    assert "year: 2025" in text  # the first version (31 December), not the venue's year
    assert "tags: [flat-loop, reasoning, flops-efficiency, liw, architecture, awesome-loop-models]" in text
    assert "LIW" in text and "contribution: architecture" in text  # hints, as comments
    assert "loop_topology: fixed-point" in (tmp_path / "openreview-widgetnet.yaml").read_text()


def test_a_skeleton_once_classified_is_a_valid_entry(tmp_path):
    paper, _ = read_paper(CHECKOUT / "papers" / "2601.00001.yaml")
    entry_id, text = skeleton_for(paper, TAX)
    shutil.rmtree(tmp_path)
    write_new(tmp_path / f"{entry_id}.yaml", text.replace("axis: TODO", "axis: none"))
    assert [p for p in validate_paths([tmp_path])[1] if p.severity == "error"] == []
    entry = load_catalog([tmp_path]).entries[entry_id]
    assert entry.title == "Looping Imaginary Widgets: A Made-Up Study" and entry.authors[0] == "Ada Placeholder"
