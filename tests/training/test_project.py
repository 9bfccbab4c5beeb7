"""Loading a generated project: its metadata, its model, and one clear line for every way it can fail."""

from __future__ import annotations

import sys

import pytest

from rt_explore.errors import UsageError
from rt_explore.training.project import load_project


def test_a_project_loads_with_its_cell_options_and_a_working_model(tmp_path, fake_project):
    import torch

    project = load_project(fake_project(tmp_path / "p"))
    assert project.package == "toy" and project.cell["axis"] == "step" and project.options == {"dim": 16}
    assert project.spec == "step/token" and not project.has_recurrence_steps
    model = project.build(vocab_size=5)
    assert model(torch.zeros(2, 7, dtype=torch.long)).shape == (2, 7, 5)


def test_loading_leaves_sys_path_and_sys_modules_as_they_were(tmp_path, fake_project):
    path_before, modules_before = list(sys.path), set(sys.modules)
    load_project(fake_project(tmp_path / "p"))
    assert sys.path == path_before
    assert not {m for m in set(sys.modules) - modules_before if m == "toy" or m.startswith("toy.")}


def test_two_projects_with_the_same_package_name_load_side_by_side(tmp_path, fake_project):
    first = load_project(fake_project(tmp_path / "one", mark="one"))
    second = load_project(fake_project(tmp_path / "two", mark="two"))
    assert first.model_class is not second.model_class
    assert first.config_class.__module__ == second.config_class.__module__ == "toy.config"
    marks = {c.__init__.__globals__.get("MARK") for c in (first.config_class, second.config_class)}
    assert marks == {"one", "two"}


def test_a_module_of_the_same_name_loaded_before_is_restored(tmp_path, fake_project, monkeypatch):
    sentinel = type(sys)("toy")
    monkeypatch.setitem(sys.modules, "toy", sentinel)
    load_project(fake_project(tmp_path / "p"))
    assert sys.modules["toy"] is sentinel


def test_a_real_scaffold_loads_and_builds_for_any_vocabulary(tmp_path, scaffolded):
    import torch

    project = load_project(scaffolded(tmp_path / "depth", "depth/sequence"))
    assert project.cell["axis"] == "depth" and project.has_recurrence_steps
    model = project.build(vocab_size=3)
    assert model(torch.zeros(1, 4, dtype=torch.long)).shape == (1, 4, 3)


@pytest.mark.parametrize("make, expected", [
    (lambda tmp: tmp / "missing", "no such folder"),
    (lambda tmp: (tmp / "file.txt").write_text("x") and tmp / "file.txt", "not a folder"),
    (lambda tmp: (tmp / "empty").mkdir() or tmp / "empty", "no .rt-explore.yml"),
])
def test_a_path_that_is_not_a_project_is_one_usage_line(tmp_path, make, expected):
    with pytest.raises(UsageError) as info:
        load_project(make(tmp_path))
    assert expected in str(info.value) and "\n" not in str(info.value)


def test_malformed_metadata_yaml_is_one_usage_line(tmp_path, fake_project):
    folder = fake_project(tmp_path / "p", metadata="name: [unclosed\npackage: toy\n")
    with pytest.raises(UsageError) as info:
        load_project(folder)
    assert ".rt-explore.yml: malformed YAML" in str(info.value) and "\n" not in str(info.value)


def test_metadata_without_a_package_name_is_refused(tmp_path, fake_project):
    folder = fake_project(tmp_path / "p", metadata="name: toy\ncell: {axis: none}\n")
    with pytest.raises(UsageError, match="'package' must be a Python package name"):
        load_project(folder)


def test_an_import_failure_names_the_package_and_the_exception_last_line(tmp_path, fake_project):
    folder = fake_project(tmp_path / "p", model="import torch\nraise RuntimeError('the kernel is broken')\n")
    with pytest.raises(UsageError) as info:
        load_project(folder)
    message = str(info.value)
    assert "importing package 'toy' failed" in message and "RuntimeError: the kernel is broken" in message
    assert "\n" not in message
    assert "toy" not in sys.modules and str(folder.resolve()) not in sys.path


def test_a_delimiter_project_takes_the_tasks_delimiter_and_refuses_a_task_without_one(tmp_path, scaffolded):
    project = load_project(scaffolded(tmp_path / "units", "step/chunk", chunk_boundary="delimiter"))
    assert project.chunks_at_delimiters
    assert project.build(vocab_size=9, delimiter=8).config.delimiter_token == 8
    with pytest.raises(UsageError, match="chunks end at delimiter tokens, but the task has none"):
        project.build(vocab_size=9)
    fixed = load_project(scaffolded(tmp_path / "fixed", "step/chunk"))
    assert not fixed.chunks_at_delimiters and fixed.build(vocab_size=9, delimiter=8).config.vocab_size == 9
