"""benchmarks/make_results.py assembles docs/results.md from the benchmark reports, demoting their headings."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_script():
    spec = importlib.util.spec_from_file_location("make_results", ROOT / "benchmarks" / "make_results.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reports_are_included_in_order_with_demoted_headings_and_missing_ones_are_named(tmp_path):
    script = load_script()
    (tmp_path / "rank_collapse.md").write_text("# Own title\n\n## Table\n\n```\n# a shell comment\n```\n| a |\n")
    (tmp_path / "thinking_deeper.md").write_text("# T\n\nfigure 0.93\n")
    text = script.assemble(tmp_path)
    assert "Own title" not in text and "### Table" in text
    assert "\n# a shell comment\n" in text  # code blocks are left alone
    assert text.index("figure 0.93") < text.index("### Table")  # item 1 before item 2
    assert "Not measured yet: run `python benchmarks/bench_stages.py`" in text
    assert all(f"benchmarks/{s.script}" in text for s in script.SECTIONS)


def test_every_section_names_a_benchmark_that_exists():
    assert all((ROOT / "benchmarks" / s.script).is_file() for s in load_script().SECTIONS)
