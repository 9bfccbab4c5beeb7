"""The README's commands are true: the setup command ends in the main job, and the documented commands run."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from rt_explore.cli import main

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```bash\n(.*?)```", README, flags=re.S)


def test_the_first_command_installs_pinned_torch_and_runs_the_gaps():
    setup = BLOCKS[0].strip()
    assert setup.startswith("pip install torch==2.13.0")
    assert setup.endswith("rt-explore gaps")


def test_the_second_command_is_the_one_ci_runs():
    ci = (Path(__file__).resolve().parents[2] / ".ci" / "run").read_text(encoding="utf-8")
    assert BLOCKS[1].strip() == "python -m pytest -q"
    assert "\n" + BLOCKS[1].strip() + "\n" in ci
    assert "torch==2.13.0" in ci


def _documented_commands():
    for line in BLOCKS[2].splitlines():
        command = line.split("#")[0].strip()
        if command.startswith("rt-explore") and " scaffold " not in command and " validate " not in command:
            yield command


@pytest.mark.parametrize("command", list(_documented_commands()))
def test_every_documented_knowledge_command_runs(command, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(shlex.split(command)[1:]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() or "wrote" in captured.err


def test_the_main_job_prints_the_two_empty_cells_of_the_papers_depth_row(capsys):
    assert main(["gaps", "--json"]) == 0
    import json

    top = [g["cell"] for g in json.loads(capsys.readouterr().out)[:2]]
    assert top == [{"axis": "depth", "tokens_per_step": "eq1"}, {"axis": "depth", "tokens_per_step": "lt1"}]


SEED_SECTION = README.split("## Seed systems", 1)[-1].split("\n## ", 1)[0]
SEED_BLOCKS = re.findall(r"```bash\n(.*?)```", SEED_SECTION, flags=re.S)
# The README trains for minutes; the test runs the same commands for a few steps (a curriculum needs one per stage).
# `experiment run NAME` would train a whole matrix (and `report NAME` reads its store): the test resolves NAME
# with `experiment show`, which checks the file, its variants, tasks and comparisons without training.
SHORTER = ((r"experiment (?:run|report) (\S+).*", r"experiment show \1"), (r"--steps \d+", "--steps 4"),
           (r"--train-steps \d+", "--train-steps 2"), (r"--layers \d+", "--layers 4"),
           (r"(--stages \S*?):\d+", r"\1:1"), (r"n_layers=128", "n_layers=4"))


def _shortened(block: str) -> list[str]:
    commands = []
    for line in block.splitlines():
        command = line.split("  #")[0].strip()
        if command.startswith("rt-explore"):
            for pattern, replacement in SHORTER:
                command = re.sub(pattern, replacement, command)
            commands.append(command)
    return commands


def test_there_is_a_readme_section_for_each_of_the_seven_seed_systems():
    assert len(re.findall(r"^### \d\. ", SEED_SECTION, flags=re.M)) == 7
    assert len(SEED_BLOCKS) == 7 and all(_shortened(block) for block in SEED_BLOCKS)


@pytest.mark.parametrize("block", SEED_BLOCKS, ids=[f"system-{i + 1}" for i in range(len(SEED_BLOCKS))])
def test_every_seed_system_runs_from_the_readme_commands(block, tmp_path, monkeypatch, capsys, single_thread):
    monkeypatch.chdir(tmp_path)
    for command in _shortened(block):
        assert main(shlex.split(command)[1:]) == 0, command
    capsys.readouterr()
