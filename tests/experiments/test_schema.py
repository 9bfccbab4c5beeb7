"""A bad experiment file is one line naming the file, the line and the field; nothing runs, nothing is written."""

from __future__ import annotations

import pytest

from rt_explore.cli import main
from rt_explore.errors import UsageError
from rt_explore.experiments.plan import builtin_names, load_experiment


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


# (what the test changes, replaced by what, the field the error names, the line's text, words of the message)
BAD = [
    ("cell: step/token", "cell: step/tokn", "variants[1].cell", "step/tokn", "tokn"),
    ("cell: none", "cell: sideways", "variants[0].cell", "sideways", "sideways"),
    ("{mixer: delta-rule}", "{mixer: delta-rule, colour: red}", "variants[1].options.colour", "colour",
     "unknown option 'colour'"),
    ("{mixer: delta-rule}", "{mixer: lstmx}", "variants[1].options.mixer", "lstmx", "not one of"),
    ("    cell: none", "    cell: none\n    options: {recurrence_steps: 3}", "variants[0].options.recurrence_steps",
     "recurrence_steps", "does not apply"),
    ("options: {dim: 16,", "options: {width: 16, dim: 16,", "options.width", "width", "unknown option"),
    ("  - name: parity", "  - name: parityy", "tasks[0].name", "parityy", "unknown task 'parityy'"),
    ("{max_train_length: 8}", "{max_train_length: 8, hops: 3}", "tasks[0].params.hops", "hops",
     "unknown parameter(s) hops"),
    ("{max_train_length: 8}", "{max_train_length: 0}", "tasks[0].params.max_train_length", "max_train_length: 0",
     "max_train_length must be"),
    ("seeds: 2", "seeds: 2.5", "seeds", "seeds: 2.5", "whole number of seeds"),
    ("seeds: 2", "seeds: five", "seeds", "seeds: five", "whole number of seeds"),
    ("seeds: 2", "seeds: [0, one]", "seeds[1]", "seeds: [0, one]", "a seed"),
    ("seeds: 2", "seeds: 0", "seeds", "seeds: 0", "at least 1"),
    ('  figure: "Table 2: 1.000 vs 0.017"\n', "", "claim", "claim:", "missing field 'figure'"),
    ('  arxiv: "2411.12537"\n', "", "claim", "claim:", "missing field 'arxiv'"),
    ("{a: delta, b: transformer,", "{a: deltanet, b: transformer,", "comparisons[0].a", "deltanet",
     "no variant 'deltanet'"),
    ("task: parity, length: 16", "task: recall, length: 16", "comparisons[0].task", "recall", "no task 'recall'"),
    ("task: parity, length: 16", "task: parity, length: 99", "comparisons[0].length", "length: 99",
     "not scored at length 99"),
    ("expect: a > b}", "expect: a >> b}", "comparisons[0].expect", "a >> b", "must be one of"),
    ("seeds: 2", "seed: 2", "seed", "seed: 2", "unknown field"),
    ("budget: {steps: 20,", "budget: {", "budget", "budget:", "missing field 'steps'"),
    ("lr: 3.0e-3", "lr: fast", "budget.lr", "lr: fast", "positive number"),
    ("  - id: delta\n", "  - id: transformer  # again\n", "variants[1].id", "# again", "used twice"),
    ("    cell: none\n", "    cell: none\n  - id: again\n    cell: none\n", "variants[1]", "id: again",
     "same model as variant 'transformer'"),
    ("    cell: none", "    like: no-such-entry", "variants[0].like", "no-such-entry", "no catalog entry"),
    ("    cell: none", "    cell: none\n    training: {stages: 'feedforward:5,recurrent'}",
     "variants[0].training.stages", "stages", "cannot be trained in stages"),
    ("    cell: none", "    cell: depth/sequence\n    training: {random_depth: 2:8}",
     "variants[0].training.random_depth", "random_depth", "write it in quotes"),
    ("    cell: none", "    cell: depth/sequence\n    training: {stages: 'feedforward:5,recurrent', "
     "random_depth: '1:3'}", "variants[0].training.random_depth", "random_depth", "choose one"),
    ("seeds: 2", "seeds: 2\nmeasures: [accuracy, wall_time]", "measures[1]", "wall_time", "unknown measure"),
    ("    cell: none", "    cell: depth/sequence\n    training: {reset_optimizer: true}",
     "variants[0].training.reset_optimizer", "reset_optimizer", "give stages too"),
    ("    cell: none", "    cell: depth/sequence\n    training: {stages: curriculum, reset_optimizer: yes please}",
     "variants[0].training.reset_optimizer", "reset_optimizer", "must be true or false"),
    ("    test_lengths: [8, 16]", "    test_lengths: [8, 16]\n    measures: [accuracy]", "tasks[0].measures[0]",
     "measures: [accuracy]", "a task adds only the measures that need more evaluation"),
    ("    test_lengths: [8, 16]", "    test_lengths: [8, 16]\n    measures: [{time_to: {target: 1.5}}]",
     "tasks[0].measures[0].time_to.target", "target: 1.5", "must be a number in (0, 1]"),
    ("length: 16, expect", "length: 16, measure: accuracy_at_target, expect", "comparisons[0].measure",
     "accuracy_at_target", "needs the measure 'time_to' on task 'parity'"),
    ("length: 16, expect", "length: 16, test_variant: FFL(0.98), expect", "comparisons[0].test_variant",
     "test_variant", "no test variant"),
    ("b: transformer,", "b: transformer, level: 0.9,", "comparisons[0].level", "level: 0.9", "not both"),
    ("b: transformer,", "level: high,", "comparisons[0].level", "level: high", "must be a number"),
    ("b: transformer,", "", "comparisons[0]", "{a: delta,", "missing field 'b' (a variant id, or 'level'"),
]


@pytest.mark.parametrize("old, new, field, where, words", BAD, ids=[b[2] + ":" + b[4][:20] for b in BAD])
def test_each_bad_field_is_one_line_with_file_line_and_field(tmp_path, tiny_text, experiment_file, old, new, field,
                                                            where, words):
    assert old in tiny_text
    text = tiny_text.replace(old, new, 1)
    path = experiment_file(tmp_path, text)
    with pytest.raises(UsageError) as caught:
        load_experiment(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}:{line_of(text, where)}: {field}: "), message
    assert words in message


def test_malformed_yaml_and_a_key_given_twice_name_their_line(tmp_path, tiny_text, experiment_file):
    path = experiment_file(tmp_path, tiny_text.replace("seeds: 2", "seeds: [2"))
    with pytest.raises(UsageError, match=rf"^{path}:\d+: malformed YAML"):
        load_experiment(path)
    path = experiment_file(tmp_path, tiny_text + "seeds: 3\n")
    with pytest.raises(UsageError, match=rf"^{path}:{tiny_text.count(chr(10)) + 1}: seeds: given twice"):
        load_experiment(path)


def test_a_missing_claim_and_a_missing_file_are_one_line(tmp_path, tiny_text, experiment_file):
    start, end = tiny_text.index("claim:"), tiny_text.index("options:")
    path = experiment_file(tmp_path, tiny_text[:start] + tiny_text[end:])
    with pytest.raises(UsageError, match=r": claim: missing"):
        load_experiment(path)
    with pytest.raises(UsageError, match="no such experiment file"):
        load_experiment(tmp_path / "absent.yaml")
    with pytest.raises(UsageError, match="no experiment 'state-trackin'.*did you mean state-tracking"):
        load_experiment("state-trackin")


@pytest.mark.parametrize("command", ["run", "report", "status", "show"])
def test_the_commands_exit_2_on_a_bad_file_and_write_nothing(tmp_path, tiny_text, experiment_file, monkeypatch, capsys,
                                                             command):
    monkeypatch.chdir(tmp_path)
    path = experiment_file(tmp_path, tiny_text.replace("cell: step/token", "cell: step/tokn"))
    args = ["experiment", command, str(path)] + (["--db", str(tmp_path / "r.db")] if command != "show" else [])
    assert main(args) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and f"{path}:{line_of(tiny_text, 'step/token')}: variants[1].cell" in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.yaml"]


def test_a_non_integer_seed_count_on_the_command_line_exits_2(tiny, tmp_path, capsys):
    assert main(["experiment", "run", str(tiny), "--seeds", "2.5", "--db", str(tmp_path / "r.db")]) == 2
    assert "--seeds" in capsys.readouterr().err
    assert not (tmp_path / "r.db").exists()


def test_every_built_in_experiment_loads_and_is_named_by_its_file():
    assert "state-tracking" in builtin_names()
    for name in builtin_names():
        experiment = load_experiment(name)
        assert experiment.name == name and experiment.matrix()
