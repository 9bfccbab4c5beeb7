"""Run keys: a hash of what decides the numbers (model, training, task, seed, budget, evaluation, recipe)."""

from __future__ import annotations

from rt_explore.experiments import plan
from rt_explore.experiments.plan import digest, load_experiment


def keys(path) -> dict[tuple[str, str, int], str]:
    return {(r.variant, r.task, r.seed): r.key for r in load_experiment(path).matrix()}


def changed(tmp_path, tiny_text, experiment_file, old, new) -> dict:
    assert old in tiny_text
    return keys(experiment_file(tmp_path, tiny_text.replace(old, new), name="changed.yaml"))


def test_the_matrix_is_seeds_times_tasks_times_variants_with_distinct_keys(tiny):
    runs = load_experiment(tiny).matrix()
    assert [(r.seed, r.variant) for r in runs] == [(0, "transformer"), (0, "delta"), (1, "transformer"), (1, "delta")]
    assert len({r.key for r in runs}) == 4
    assert {r.group for r in runs if r.variant == "delta"} == {runs[1].group}  # one group per variant, seeds pooled
    assert [r.seed for r in load_experiment(tiny).matrix(seeds=(0, 1, 2))] == [0, 0, 1, 1, 2, 2]


def test_names_labels_and_spellings_do_not_change_a_key(tmp_path, tiny, tiny_text, experiment_file):
    base = keys(tiny)
    renamed = changed(tmp_path, tiny_text, experiment_file, "name: tiny", "name: another")
    assert renamed == base
    relabelled = changed(tmp_path, tiny_text, experiment_file, 'label: "DeltaNet [-1,1]"', "label: other")
    assert relabelled == base
    # The long spelling of the cell, and an option given at its default, are the same model.
    spelled = changed(tmp_path, tiny_text, experiment_file, "cell: step/token",
                      "cell: axis=step,step_unit=token")
    assert spelled == base
    default = changed(tmp_path, tiny_text, experiment_file, "{mixer: delta-rule}",
                      "{mixer: delta-rule, negative_eigenvalues: true}")
    assert default == base


def test_what_decides_the_numbers_changes_the_key(tmp_path, tiny, tiny_text, experiment_file):
    base = keys(tiny)
    for old, new in [("steps: 20", "steps: 21"), ("batch_size: 8", "batch_size: 9"), ("lr: 3.0e-3", "lr: 2.0e-3"),
                     ("{max_train_length: 8}", "{max_train_length: 9}"), ("dim: 16", "dim: 24"),
                     ("{batches: 1,", "{batches: 2,")]:
        other = changed(tmp_path, tiny_text, experiment_file, old, new)
        assert not set(other.values()) & set(base.values()), (old, new)
    negative = changed(tmp_path, tiny_text, experiment_file, "{mixer: delta-rule}",
                       "{mixer: delta-rule, negative_eigenvalues: false}")
    assert negative[("transformer", "parity", 0)] == base[("transformer", "parity", 0)]
    assert negative[("delta", "parity", 0)] != base[("delta", "parity", 0)]


def test_the_recipe_version_is_part_of_the_key(tiny, monkeypatch):
    before = keys(tiny)
    monkeypatch.setattr(plan, "RECIPE_VERSION", plan.RECIPE_VERSION + 1)
    assert not set(keys(tiny).values()) & set(before.values())


def test_the_key_is_the_sha256_of_the_canonical_definition(tiny):
    run = load_experiment(tiny).matrix()[0]
    assert run.key == digest(run.definition) and len(run.key) == 64
    assert digest({"b": 1, "a": [1.5, "x"]}) == digest({"a": [1.5, "x"], "b": 1})
    assert set(run.definition) == {"model", "training", "task", "seed", "budget", "evaluation", "recipe"}
    assert run.definition["task"] == {"name": "parity", "params": {"min_train_length": 2, "max_train_length": 8,
                                                                     "test_lengths": "8,16"}}


def test_extra_measures_enter_the_key_only_where_they_apply(tmp_path, tiny, tiny_text, experiment_file):
    base = keys(tiny)
    probed = changed(tmp_path, tiny_text, experiment_file, "seeds: 2", "seeds: 2\nmeasures: [accuracy, rank]")
    # The rank probe applies to the none cell only.
    assert probed[("transformer", "parity", 0)] != base[("transformer", "parity", 0)]
    assert probed[("delta", "parity", 0)] == base[("delta", "parity", 0)]


def test_shared_options_apply_only_to_the_variants_they_fit(tmp_path, tiny_text, experiment_file):
    text = tiny_text.replace("options: {dim: 16,", "options: {recurrence_steps: 3, dim: 16,").replace(
        "    cell: none\n", "    cell: none\n  - id: loop\n    cell: depth/sequence\n", 1)
    experiment = load_experiment(experiment_file(tmp_path, text, name="shared.yaml"))
    options = {ident: v.spec.options for ident, v in experiment.variants.items()}
    assert options["loop"]["recurrence_steps"] == 3 and options["loop"]["dim"] == 16
    assert "recurrence_steps" not in options["transformer"] and options["transformer"]["dim"] == 16
