"""The built-in catalog passes `rt-explore validate --strict`: no error and no warning in any entry."""

from __future__ import annotations

from pathlib import Path

from rt_explore.catalog import BUILTIN_DIR, validate_paths


def strict_problems(folder: Path) -> list[str]:
    """Every error and warning (as `validate --strict` reports them) of the entries in ``folder``."""
    _, problems = validate_paths([folder], warnings=True)
    return [str(p) for p in problems]


def test_builtin_catalog_has_no_errors_or_warnings():
    problems = strict_problems(BUILTIN_DIR)
    assert problems == [], f"{len(problems)} problem(s) in the built-in catalog:\n" + "\n".join(problems)


def test_an_entry_without_checked_is_reported(tmp_path):
    # The check above is not vacuous: a built-in entry that loses its `checked` line is reported.
    source = BUILTIN_DIR / "mamba.yaml"
    copy = tmp_path / source.name
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith("checked:")]
    assert len(kept) == len(lines) - 1
    copy.write_text("".join(kept), encoding="utf-8")
    problems = strict_problems(tmp_path)
    assert any("checked" in p and "warning" in p for p in problems), problems
