"""train, bench and tasks as a user runs them: JSON shapes, metrics.json, one-line errors, exit codes."""

from __future__ import annotations

import json

import pytest

from rt_explore.cli import main

TINY = {"dim": "16", "n_layers": "1", "n_heads": "2", "mlp_ratio": "2.0"}


@pytest.fixture
def project(tmp_path):
    """A real generated step/token project with tiny options."""
    from rt_explore.codegen import generate, spec_from_cell
    from rt_explore.taxonomy import load_taxonomy

    out = tmp_path / "proj"
    generate(spec_from_cell("step/token", load_taxonomy(), TINY, None), out)
    return out



def test_train_json_has_the_contract_keys_and_writes_metrics_json(project, capsys):
    code = main(["train", str(project), "--task", "parity", "--steps", "5", "--seed", "1", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    data = json.loads(out)
    assert {"task", "steps", "seconds", "final_loss", "train_accuracy", "test_accuracy"} <= data.keys()
    assert {"first_loss", "tokens_per_second", "frontier"} <= data.keys()
    assert data["task"] == "parity" and data["steps"] == 5 and data["frontier"] is None
    assert set(data["test_accuracy"]) == {"16", "32", "64"}
    written = json.loads((project / "metrics.json").read_text())
    assert written["final_loss"] == data["final_loss"] and len(written["loss_curve"]) == 5


def test_train_prints_a_readable_summary_without_json(project, capsys):
    assert main(["train", str(project), "--steps", "2"]) == 0
    out = capsys.readouterr().out
    assert "step/token on parity" in out and "wrote" in out and "metrics.json" in out


def diverge_at_call(project, call: int) -> None:
    """Edit the project's model.py (as a user may) so that its forward returns NaN from the call-th call on."""
    model_py = next(project.glob("*/model.py"))
    model_py.write_text(model_py.read_text() + f"""

_forward, _calls = Model.forward, []


def _diverging(self, input_ids):
    _calls.append(1)
    logits = _forward(self, input_ids)
    return logits * float("nan") if len(_calls) >= {call} else logits


Model.forward = _diverging
""")


def test_a_nan_loss_exits_1_with_one_line_and_writes_no_metrics(project, capsys):
    diverge_at_call(project, 3)
    code = main(["train", str(project), "--steps", "5", "--json"])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "non-finite loss" in lines[0] and "step 3" in lines[0]
    assert not (project / "metrics.json").exists()
    assert [p.name for p in project.iterdir() if "metrics" in p.name] == []


def test_a_nan_loss_leaves_an_earlier_metrics_json_untouched(project, capsys):
    earlier = '{"from": "an earlier run"}\n'
    (project / "metrics.json").write_text(earlier)
    diverge_at_call(project, 2)
    assert main(["train", str(project), "--steps", "4"]) == 1
    assert (project / "metrics.json").read_text() == earlier


def test_train_on_a_folder_that_is_not_a_project_exits_2_with_one_line(tmp_path, capsys):
    assert main(["train", str(tmp_path)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and ".rt-explore.yml" in lines[0]


def test_train_with_an_unknown_task_exits_2_naming_the_choices(project, capsys):
    assert main(["train", str(project), "--task", "sorting"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "sorting" in lines[0] and "parity" in lines[0]


def test_train_takes_task_parameters_and_records_them(project, capsys):
    code = main(["train", str(project), "--task", "flip-flop", "-p", "max_train_length=4", "--param",
                 "p_ignore=0.25", "--steps", "2", "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["task_params"]["max_train_length"] == 4 and data["task_params"]["p_ignore"] == 0.25
    assert set(data["test_accuracy"]) == {"4", "8", "16"}


@pytest.mark.parametrize("param, message", [
    ("max_train_length=four", "must be of type int"),
    ("width=3", "unknown parameter 'width'"),
    ("max_train_length", "expected KEY=VALUE"),
])
def test_a_bad_task_parameter_exits_2_with_one_line(project, capsys, param, message):
    assert main(["train", str(project), "--task", "parity", "-p", param, "--steps", "2"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]


@pytest.mark.parametrize("command", [["train", "."], ["bench"]])
def test_training_commands_without_torch_say_how_to_install_it(command, monkeypatch, capsys):
    import rt_explore.training as training

    monkeypatch.setattr(training, "find_spec", lambda name: None)
    assert main(command) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "pip install 'rt-explore[torch]'" in lines[0]


def test_tasks_json_lists_every_task(capsys):
    assert main(["tasks", "--json"]) == 0
    tasks = json.loads(capsys.readouterr().out)
    assert [t["name"] for t in tasks] == ["parity", "modular-count", "modular-arithmetic", "permutation", "flip-flop",
                                          "reachability", "graph-reachability", "boolean", "recall", "sentences",
                                          "unaligned-sentences"]
    assert all({"summary", "probes", "train_lengths", "test_lengths", "chance", "params"} <= t.keys() for t in tasks)


def test_tasks_prints_a_table(capsys):
    assert main(["tasks"]) == 0
    out = capsys.readouterr().out
    assert "parity" in out and "recall" in out


def test_bench_json_stores_runs_and_a_second_call_skips_them(tmp_path, capsys):
    args = ["bench", "--cells", "none", "--tasks", "parity", "--steps", "2", "--db", str(tmp_path / "b.db"),
            "--workdir", str(tmp_path / "work"), "--plot", str(tmp_path / "acc.png"), "--json"]
    assert main(args) == 0
    first = json.loads(capsys.readouterr().out)
    assert (first["total"], first["stored"], first["skipped"]) == (1, 1, 0)
    assert first["results"][0]["label"] == "none" and first["results"][0]["n"] == 1
    assert first["results"][0]["scaled"]["n"] == 1 and first["failed"] == []
    assert (tmp_path / "acc.png").stat().st_size > 0
    assert main(args) == 0
    second = json.loads(capsys.readouterr().out)
    assert (second["stored"], second["skipped"]) == (0, 1) and len(second["results"]) == 1


def test_bench_with_an_excluded_cell_exits_2_with_the_reason(tmp_path, capsys):
    assert main(["bench", "--cells", "step/sequence", "--db", str(tmp_path / "b.db")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "excluded" in lines[0]
    assert not (tmp_path / "b.db").exists()


def test_bench_takes_several_cells_and_tasks_after_one_flag_as_the_contract_writes_it():
    from rt_explore.cli.app import spread_variadic

    argv = ["bench", "--cells", "none", "step/token", "--tasks", "parity", "recall", "--steps", "5"]
    assert spread_variadic(argv) == ["bench", "--cells", "none", "--cells", "step/token", "--tasks", "parity",
                                     "--tasks", "recall", "--steps", "5"]
    assert spread_variadic(["list", "--axis", "depth"]) == ["list", "--axis", "depth"]
