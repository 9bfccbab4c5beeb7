"""The chunk_boundary option: chunks that end at delimiter tokens (coarse-grained recurrence, 2604.17121 Sec. 5.3)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from rt_explore.cli import main
from rt_explore.codegen import generate, spec_from_cell
from rt_explore.codegen.context import kernel_pieces
from rt_explore.codegen.render import kernel_files
from rt_explore.errors import UsageError
from rt_explore.taxonomy import load_taxonomy

TAX = load_taxonomy()
DELIMITER = {"chunk_boundary": "delimiter"}


def test_chunk_boundary_is_fixed_by_default_for_the_chunk_cells_that_carry_a_memory():
    for cell in ("step/chunk", "depth+step/chunk"):
        assert spec_from_cell(cell, TAX, {}, None).options["chunk_boundary"] == "fixed"
        assert spec_from_cell(cell, TAX, DELIMITER, None).options["chunk_boundary"] == "delimiter"
    assert "chunk_boundary" not in spec_from_cell("depth/chunk", TAX, {}, None).options


def test_depth_chunk_is_refused_with_the_reason():
    with pytest.raises(UsageError, match="chunk_boundary does not apply to cell depth/.*: .*absolute positions"):
        spec_from_cell("depth/chunk", TAX, DELIMITER, None)


def test_a_cell_without_chunks_and_an_unknown_boundary_are_refused(tmp_path, capsys):
    assert main(["scaffold", "--cell", "step/token", "-o", "chunk_boundary=delimiter", "--out",
                 str(tmp_path / "a")]) == 2
    assert "does not apply" in capsys.readouterr().err
    assert main(["scaffold", "--cell", "step/chunk", "-o", "chunk_boundary=sentence", "--out",
                 str(tmp_path / "b")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "'sentence' is not one of fixed, delimiter" in err[0]


def test_only_a_delimiter_project_imports_the_delimiter_kernels_and_has_a_delimiter_token(tmp_path):
    fixed = spec_from_cell("step/chunk", TAX, {}, "fixed-chunks")
    delimited = spec_from_cell("step/chunk", TAX, DELIMITER, "unit-chunks")
    assert "delimited.delimited_chunks" not in kernel_pieces(fixed)
    assert {"delimited", "segments"} <= set(kernel_files(kernel_pieces(delimited)))
    generate(fixed, tmp_path / "fixed")
    generate(delimited, tmp_path / "unit")
    fixed_code = "".join(p.read_text() for p in (tmp_path / "fixed" / "fixed_chunks").glob("*.py"))
    unit_code = "".join(p.read_text() for p in (tmp_path / "unit" / "unit_chunks").glob("*.py"))
    assert "delimiter_token" not in fixed_code and "delimited_chunks" not in fixed_code
    assert "delimiter_token: int = 0" in unit_code and "delimited_chunks(" in unit_code


@pytest.mark.parametrize(("cell", "standalone"), [("step/chunk", True), ("depth+step/chunk", False)])
def test_a_delimiter_project_passes_its_own_tests_and_ruff(cell, standalone, tmp_path):
    out = tmp_path / "units"
    command = ["scaffold", "--cell", cell, "--name", "units", "--out", str(out), "-o", "chunk_boundary=delimiter"]
    assert main(command + (["--standalone"] if standalone else [])) == 0
    if standalone:
        assert {p.name for p in (out / "units" / "kernels").glob("*.py")} >= {"delimited.py", "segments.py"}
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=out,
                           capture_output=True, text=True, timeout=600)
    assert tests.returncode == 0, tests.stdout[-2000:] + tests.stderr[-2000:]
    assert "streaming" in (out / "tests" / "test_model.py").read_text()
    lint = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=out,
                          capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout[-2000:]


def test_rt_explore_train_gives_a_delimiter_project_the_tasks_delimiter_and_refuses_a_task_without_one(
        tmp_path, capsys):
    import json

    out = tmp_path / "units"
    assert main(["scaffold", "--cell", "step/chunk", "--out", str(out), "-o", "chunk_boundary=delimiter",
                 "-o", "dim=16", "-o", "n_layers=1"]) == 0
    capsys.readouterr()
    assert main(["train", str(out), "--task", "sentences", "--steps", "2", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["task"] == "sentences" and set(result["test_accuracy"]) == {"32", "64", "128"}
    assert main(["train", str(out), "--task", "parity", "--steps", "2"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "chunks end at delimiter tokens, but the task has none" in err[0]
