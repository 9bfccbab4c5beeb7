"""Toy tasks that probe state tracking and multi-step reasoning, generated on the fly from a seed.

`TASKS` maps each task name to its class; `get_task` builds one from keyword parameters (a ValueError
names what is wrong), `load_task` from `KEY=VALUE` strings for a command (a one-line UsageError), and
`describe_tasks` lists them as data (for `rt-explore tasks --json`). Importing this package and
describing the tasks does not import torch; generating batches does.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

from rt_explore.errors import UsageError
from rt_explore.tasks.base import Batch, Task
from rt_explore.tasks.boolean import BooleanTask
from rt_explore.tasks.flip_flop import FlipFlopTask
from rt_explore.tasks.graph_reachability import GraphReachabilityTask
from rt_explore.tasks.modular_arithmetic import ModularArithmeticTask
from rt_explore.tasks.modular_count import ModularCountTask
from rt_explore.tasks.parity import ParityTask
from rt_explore.tasks.permutation import PermutationTask
from rt_explore.tasks.reachability import ReachabilityTask
from rt_explore.tasks.recall import RecallTask
from rt_explore.tasks.sentences import SentencesTask
from rt_explore.tasks.unaligned_sentences import UnalignedSentencesTask
from rt_explore.values import parse_bool

# Ordered from state tracking to multi-step reasoning and recall; then units closed by delimiters, and
# units whose delimiters fall anywhere (the control).
TASKS: dict[str, type[Task]] = {
    cls.name: cls
    for cls in (ParityTask, ModularCountTask, ModularArithmeticTask, PermutationTask, FlipFlopTask,
                ReachabilityTask, GraphReachabilityTask, BooleanTask, RecallTask, SentencesTask,
                UnalignedSentencesTask)
}


def task_defaults(cls: type[Task]) -> dict[str, Any]:
    """The keyword parameters of a task class and their defaults, read from its `__init__`."""
    parameters = inspect.signature(cls.__init__).parameters.values()
    return {p.name: p.default for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY}


def get_task(name: str, **params: Any) -> Task:
    """The task called `name`, built with `params`; a ValueError names what is wrong."""
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; choose from {', '.join(TASKS)}")
    cls = TASKS[name]
    known = task_defaults(cls)
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise ValueError(f"{name}: unknown parameter(s) {', '.join(unknown)}; "
                         f"its parameters are {', '.join(known) or 'none'}")
    return cls(**params)


def load_task(name: str, params: Sequence[str] = ()) -> Task:
    """The task called `name`, built with `params` (`KEY=VALUE` strings, see `parse_task_params`); what is
    wrong (an unknown task or parameter, a malformed or out-of-range value) is a one-line UsageError."""
    try:
        return get_task(name, **parse_task_params(name, list(params)))
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def describe_tasks() -> list[dict[str, Any]]:
    """Every task with its defaults resolved, as JSON-ready data."""
    described = []
    for cls in TASKS.values():
        task = cls()
        described.append({
            "name": cls.name,
            "summary": cls.summary,
            "probes": cls.probes,
            "reference": cls.reference,
            "length_name": cls.length_name,
            "params": task.params(),
            "vocab_size": task.vocab_size,
            "train_lengths": list(task.train_lengths),
            "test_lengths": list(task.test_lengths),
            "chance": task.chance,
        })
    return described


__all__ = ["TASKS", "Batch", "Task", "describe_tasks", "get_task", "load_task", "parse_task_params", "task_defaults"]


def parse_task_params(name: str, assignments: list[str]) -> dict[str, Any]:
    """`["edges=tokens", "num_chains=2"]` -> typed parameters of task `name`, each converted to the type of
    its default (int, float, bool or str); a ValueError names a malformed item or an unknown parameter."""
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; choose from {', '.join(TASKS)}")
    known = task_defaults(TASKS[name])
    params: dict[str, Any] = {}
    for item in assignments:
        key, sep, text = (part.strip() for part in item.partition("="))
        key = key.replace("-", "_")
        if not sep or not key:
            raise ValueError(f"malformed task parameter '{item}'; expected KEY=VALUE")
        if key not in known:
            raise ValueError(f"{name}: unknown parameter {key!r}; its parameters are {', '.join(known) or 'none'}")
        kind = type(known[key])
        try:
            if kind is bool:
                params[key] = parse_bool(text, key)
            else:
                params[key] = kind(text) if kind in (int, float) else text
        except (UsageError, ValueError):
            raise ValueError(f"{name}: parameter {key} must be of type {kind.__name__}, got '{text}'") from None
    return params
