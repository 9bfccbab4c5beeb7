"""`rt-explore probe rank` as a user runs it: JSON keys, the table, the plot, one-line errors, exit codes."""

from __future__ import annotations

import json

from rt_explore.cli import main
from rt_explore.cli.probe import MAX_ROWS, _shown_layers


def test_probe_rank_json_has_the_run_and_one_profile_entry_per_layer(scaffold, capsys):
    project = scaffold("axis=none,residual=manifold-constrained", deep_delta="true")
    code = main(["probe", "rank", str(project), "--json", "--batch", "2", "--train-steps", "2", "--layers", "2"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert {"project", "cell", "n_layers", "task", "train_steps", "init", "trained"} <= data.keys()
    assert data["n_layers"] == 2 and data["train_steps"] == 2 and data["cell"]["residual"] == "manifold-constrained"
    for stage in ("init", "trained"):
        assert [p["layer"] for p in data[stage]] == [0, 1, 2]
        # the first figures keep their names; the centred rank and Dong et al.'s ratio were added beside them
        assert all(set(p) == {"layer", "effective_rank", "mean_cosine", "centred_effective_rank",
                              "residual_ratio"} for p in data[stage])


def test_probe_rank_prints_a_table_and_writes_the_plot(scaffold, tmp_path, capsys):
    plot = tmp_path / "rank.png"
    code = main(["probe", "rank", str(scaffold("axis=none,residual=standard")), "--batch", "2", "--plot", str(plot)])
    out = capsys.readouterr().out
    assert code == 0 and "eff. rank (init)" in out and "wrote" in out
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_deep_model_shows_every_kth_layer_with_the_first_and_the_last():
    shown = _shown_layers(128)
    assert shown[0] == 0 and shown[-1] == 128 and len(shown) <= MAX_ROWS
    assert _shown_layers(3) == [0, 1, 2, 3]


def test_probe_rank_refuses_a_recurrent_project_with_exit_2_and_one_line(scaffold, capsys):
    code = main(["probe", "rank", str(scaffold("step/token")), "--json"])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "needs a none-axis (feedforward) project" in lines[0]


def test_probe_rank_without_torch_says_how_to_install_it(scaffold, monkeypatch, capsys):
    import rt_explore.training

    monkeypatch.setattr(rt_explore.training, "find_spec", lambda name: None)
    code = main(["probe", "rank", str(scaffold("axis=none,residual=standard"))])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "needs PyTorch" in err and "pip install" in err and "\n" not in err


def test_a_plot_name_without_an_image_suffix_is_refused_before_any_work(scaffold, tmp_path, capsys):
    code = main(["probe", "rank", str(scaffold("axis=none,residual=standard")), "--plot", str(tmp_path / "x.txt")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "must end in .png" in err and not (tmp_path / "x.txt").exists()
