"""The task registry and its JSON listing (rt-explore tasks --json)."""

import json
import subprocess
import sys

import pytest

from rt_explore.errors import UsageError
from rt_explore.tasks import TASKS, describe_tasks, get_task, load_task, parse_task_params, task_defaults
from rt_explore.values import FALSE_WORDS, TRUE_WORDS

EXPECTED = ["parity", "modular-count", "modular-arithmetic", "permutation", "flip-flop", "reachability",
            "graph-reachability", "boolean", "recall", "sentences", "unaligned-sentences"]


def test_the_registry_holds_the_tasks_of_the_design_the_published_protocols_and_the_delimited_units():
    assert list(TASKS) == EXPECTED


def test_get_task_builds_a_task_with_the_given_parameters():
    task = get_task("permutation", group="S5")
    assert task.params() == {"group": "S5", "min_train_length": 4, "max_train_length": 16, "test_lengths": "16,32,64"}
    assert task.vocab_size == 120


def test_get_task_names_the_choices_for_an_unknown_task():
    with pytest.raises(ValueError, match="unknown task 'parityy'; choose from parity, modular-count"):
        get_task("parityy")


def test_get_task_names_the_parameters_for_an_unknown_parameter():
    with pytest.raises(ValueError, match="parity: unknown parameter.s. modulus; its parameters are "
                                         "min_train_length, max_train_length, test_lengths"):
        get_task("parity", modulus=3)


@pytest.mark.parametrize("word", [*TRUE_WORDS, *FALSE_WORDS, "On", " NO"])
def test_a_boolean_parameter_takes_the_words_a_generator_option_takes(word):
    assert parse_task_params("boolean", [f"absorbing={word}"]) == {"absorbing": word.strip().lower() in TRUE_WORDS}


def test_load_task_turns_every_task_error_into_one_usage_line():
    assert load_task("boolean", ["absorbing=off", "max_train_length=3"]).params()["absorbing"] is False
    for name, params, words in [("parityy", [], "unknown task 'parityy'"),
                                ("boolean", ["absorbing=maybe"], "boolean: parameter absorbing must be of type bool"),
                                ("reachability", ["answer=yes"], "answer must be one of")]:
        with pytest.raises(UsageError, match=words) as caught:
            load_task(name, params)
        assert "\n" not in str(caught.value)


def test_task_defaults_are_read_from_the_signature():
    assert task_defaults(TASKS["modular-count"]) == {"modulus": 5, "min_train_length": 0, "max_train_length": 16,
                                                     "test_lengths": ""}


def test_describe_tasks_lists_every_task_as_json_ready_data():
    described = describe_tasks()
    assert [d["name"] for d in described] == EXPECTED
    keys = {"name", "summary", "probes", "reference", "length_name", "params", "vocab_size",
            "train_lengths", "test_lengths", "chance"}
    for entry in described:
        assert keys <= set(entry)
        # the parameters, resolved (lengths written out), rebuild the default task
        assert set(entry["params"]) == set(task_defaults(TASKS[entry["name"]]))
        assert entry["params"] == TASKS[entry["name"]](**entry["params"]).params() == TASKS[entry["name"]]().params()
        assert 0 < entry["chance"] < 1
    assert json.loads(json.dumps(described)) == described


def test_listing_the_tasks_does_not_import_torch():
    code = ("import sys, rt_explore.tasks as t; t.describe_tasks(); t.get_task('boolean'); "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
