"""The experiment file: one YAML document that fully describes an experiment, read with file:line errors.

As GraphGym's one-YAML-per-experiment and MAD's protocols do, a file names the question, the claim and its
paper, the variants (a cell or a catalog entry, plus options), the tasks (with their parameters), the seeds,
the budget, the measures and the comparisons that decide the claim. Every field is checked here; what the
fields name (cells, options, entries, tasks, task parameters) is checked against the taxonomy, the option
table and the task registry in `plan`. Each problem is one UsageError line, `FILE:LINE: FIELD: problem`,
raised before anything runs or is written. Unknown fields are errors (a misspelt field must not be ignored).

Shape (see `builtin/state-tracking.yaml` for a whole file):

    name: state-tracking                  # [a-z0-9-]; a built-in's file name
    title: ...                            # optional, one line
    question: ...                         # what the experiment asks
    claim: {text, paper, arxiv | url, figure}   # or claims: [{id, text, paper, arxiv | url, figure}, ...]
    options: {dim: 32, n_layers: 1}       # optional: scaffold options for every variant they apply to
    variants:
      - {id: deltanet-neg, label: "DeltaNet [-1,1]", cell: step/token,
         options: {mixer: delta-rule, negative_eigenvalues: true}}
      - {id: tdnl, like: thinking-deeper-not-longer, training: {random_depth: "2:8"}}
      - {id: staged, cell: depth/sequence, training: {stages: curriculum, reset_optimizer: true}}
    tasks:
      - {name: parity, params: {max_train_length: 16}, test_lengths: [16, 32, 64]}
      - {id: ffl, name: flip-flop, variants: [transformer, gru], budget: {steps: 2000}}
      - {id: parity-t99, name: parity, measures: [{time_to: {target: 0.99}}]}   # more measures for its runs
    seeds: 5                              # or a list of integers
    budget: {steps: 300, batch_size: 32, lr: 3.0e-3}
    evaluation: {batches: 1, batch_size: 256}   # optional
    measures: [accuracy, scaled, {frontier: {iterations: [1, 2, 4, 8]}}, test_variants, {rank: {batch: 16}}]
    comparisons:
      - {a: deltanet-neg, b: deltanet-pos, task: parity, length: 64, measure: scaled, expect: a > b,
         published: "1.000 vs 0.017 (Table 2)"}
      - {a: lstm, level: 0.9, task: parity, length: 64, expect: a > b}   # against a fixed level, not a variant
    notes: ...                            # optional, hand-written
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from ..errors import UsageError
from .measures import COMPARABLE, DEFAULT_MEASURES, EXPECT, EXTRA_MEASURES, PLAIN_MEASURES

NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
TOP_FIELDS = ("name", "title", "question", "claim", "claims", "options", "variants", "tasks", "seeds", "budget",
              "evaluation", "measures", "comparisons", "notes")
CLAIM_FIELDS = ("id", "text", "paper", "arxiv", "url", "figure")
VARIANT_FIELDS = ("id", "label", "cell", "like", "options", "training", "notes")
TRAINING_FIELDS = ("stages", "random_depth", "reset_optimizer")
TASK_FIELDS = ("id", "name", "label", "params", "test_lengths", "variants", "budget", "measures")
BUDGET_FIELDS = ("steps", "batch_size", "lr")
EVALUATION_FIELDS = ("batches", "batch_size")
COMPARISON_FIELDS = ("a", "b", "level", "task", "length", "measure", "test_variant", "expect", "claim", "published",
                     "note")
DEFAULT_BUDGET = {"batch_size": 32, "lr": 3e-3}
DEFAULT_EVALUATION = {"batches": 1, "batch_size": 256}



@dataclass(frozen=True)
class Claim:
    """A published claim the experiment tests: its words, the paper and the figure it reports."""

    id: str
    text: str
    paper: str
    figure: str
    arxiv: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Variant:
    """A model to train: a cell spec or a catalog entry, scaffold options, a training schedule."""

    id: str
    label: str
    cell: str | None
    like: str | None
    options: dict[str, Any]
    training: dict[str, Any]  # stages, random_depth (text); reset_optimizer (True, or left out)
    notes: str | None = None


@dataclass(frozen=True)
class TaskEntry:
    """A task as the file names it: registry name, parameters, the variants it runs, budget."""

    id: str  # unique in the file; the task's name unless given
    name: str  # in the task registry (rt_explore.tasks.TASKS)
    label: str
    params: dict[str, Any]
    variants: tuple[str, ...] | None  # None: every variant
    budget: dict[str, Any]  # overrides of the experiment's budget, for this task's runs
    # measures for this task's runs beside the file's (extra measures only): a measure changes the keys of
    # the runs it is taken on, so a task entry can add one without changing the keys of stored runs
    measures: tuple[Measure, ...] = ()

    def measure(self, name: str) -> Measure | None:
        return next((m for m in self.measures if m.name == name), None)


@dataclass(frozen=True)
class Measure:
    """A measure to record; `params` for the ones that take some (frontier, probes, curves)."""

    name: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Comparison:
    """Variant a against variant b (or against a fixed `level`, such as "at least 0.9") on one task, length and
    measure: the verdict on a claim."""

    a: str
    b: str | None
    task: str
    length: int | None  # None: the task's longest test length
    measure: str
    test_variant: str | None = None
    expect: str | None = None
    claim: str | None = None
    published: str | None = None
    note: str | None = None
    level: float | None = None  # instead of b: a's interval against this value


@dataclass(frozen=True)
class Where:
    """Where the file's fields are: turns a field path into `FILE:LINE: field: message` errors."""

    origin: str
    lines: dict[tuple, int] = field(repr=False)

    def fail(self, path: tuple, message: str) -> NoReturn:
        line = None
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                break
        where = f"{self.origin}:{line}" if line else self.origin
        raise UsageError(f"{where}: {field_name(path) or 'file'}: {message}")


def field_name(path: tuple) -> str:
    """("variants", 2, "cell") -> "variants[2].cell"."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@dataclass(frozen=True)
class ExperimentFile:
    """An experiment as written (checked field by field; what the fields name is resolved by `plan`)."""

    name: str
    title: str
    question: str
    claims: tuple[Claim, ...]
    options: dict[str, Any]
    variants: tuple[Variant, ...]
    tasks: tuple[TaskEntry, ...]
    seeds: tuple[int, ...]
    budget: dict[str, Any]
    evaluation: dict[str, int]
    measures: tuple[Measure, ...]
    comparisons: tuple[Comparison, ...]
    notes: str | None
    where: Where = field(repr=False)
    text: str = field(repr=False, default="")

    def measure(self, name: str) -> Measure | None:
        return next((m for m in self.measures if m.name == name), None)


def parse_experiment(text: str, origin: str) -> ExperimentFile:
    """Check the YAML text of an experiment; UsageError `origin:line: field: problem` at the first problem."""
    from ..yamlio import YamlProblem, load_with_paths

    try:
        data, lines, repeated = load_with_paths(text)
    except YamlProblem as problem:
        raise UsageError(f"{origin}:{problem.line or 1}: {problem.message}") from None
    where = Where(origin, lines)
    if repeated:
        path, line = repeated[0]
        raise UsageError(f"{origin}:{line}: {field_name(path)}: given twice")
    top = _mapping(where, (), data, TOP_FIELDS)
    name = _text(where, ("name",), top.get("name"))
    if not NAME.match(name):
        where.fail(("name",), f"'{name}' must be lower-case letters, digits, '-', '_' or '.'")
    if "claim" in top and "claims" in top:
        where.fail(("claims",), "give either claim (one) or claims (a list), not both")
    if "claims" in top:
        raw_claims = [(("claims", i), c) for i, c in enumerate(_list(where, ("claims",), top["claims"]))]
    else:
        raw_claims = [(("claim",), top.get("claim"))]
    claims = tuple(_claim(where, path, raw, len(raw_claims)) for path, raw in raw_claims)
    _unique(where, [(path, c.id) for (path, _), c in zip(raw_claims, claims, strict=True)], "claim id")
    variants = tuple(_variant(where, ("variants", i), raw)
                     for i, raw in enumerate(_list(where, ("variants",), top.get("variants"))))
    _unique(where, [(("variants", i, "id"), v.id) for i, v in enumerate(variants)], "variant id")
    ids = {v.id for v in variants}
    raw_tasks = _list(where, ("tasks",), top.get("tasks"))
    tasks = tuple(_task(where, ("tasks", i), raw, ids) for i, raw in enumerate(raw_tasks))
    _unique(where, [(("tasks", i, "id"), t.id) for i, t in enumerate(tasks)], "task id (give 'id' to tell two "
            "entries of one task apart)")
    budget = {**DEFAULT_BUDGET, **_budget(where, ("budget",), top.get("budget"), required=True)}
    measures = _measures(where, top.get("measures"))
    comparisons = tuple(_comparison(where, ("comparisons", i), raw, ids, {t.id for t in tasks}, {c.id for c in claims})
                        for i, raw in enumerate(_list(where, ("comparisons",), top.get("comparisons", []),
                                                      empty=True)))
    evaluation = {**DEFAULT_EVALUATION}
    if "evaluation" in top:
        given = _mapping(where, ("evaluation",), top["evaluation"], EVALUATION_FIELDS)
        evaluation.update({k: _int(where, ("evaluation", k), v, 1) for k, v in given.items()})
    options = _mapping(where, ("options",), top.get("options", {}), None)
    return ExperimentFile(
        name=name, title=_text(where, ("title",), top.get("title", name)),
        question=_text(where, ("question",), top.get("question")), claims=claims, options=options,
        variants=variants, tasks=tasks, seeds=_seeds(where, top.get("seeds")), budget=budget,
        evaluation=evaluation, measures=measures, comparisons=comparisons,
        notes=_text(where, ("notes",), top["notes"]) if "notes" in top else None, where=where, text=text)


def seeds_from_count(count: Any, what: str = "--seeds") -> tuple[int, ...]:
    """0..count-1; a UsageError unless count is a whole number of at least 1."""
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise UsageError(f"{what} must be a whole number of at least 1, got {count!r}")
    return tuple(range(count))


# -- the parts --


def _claim(where: Where, path: tuple, raw: Any, count: int) -> Claim:
    if raw is None:
        where.fail(path, "missing: the claim under test (text, paper, arxiv or url, figure)")
    data = _mapping(where, path, raw, CLAIM_FIELDS)
    for name in ("text", "paper", "figure"):
        if name not in data:
            where.fail(path, f"missing field '{name}' (a claim has text, paper, arxiv or url, figure)")
    if "arxiv" not in data and "url" not in data:
        where.fail(path, "missing field 'arxiv' (the paper's arXiv id; 'url' where there is none)")
    default_id = "claim" if count == 1 else f"claim-{path[-1] + 1}"
    return Claim(id=_slug(where, (*path, "id"), data.get("id", default_id)),
                 text=_text(where, (*path, "text"), data["text"]), paper=_text(where, (*path, "paper"), data["paper"]),
                 figure=_text(where, (*path, "figure"), data["figure"]),
                 arxiv=_text(where, (*path, "arxiv"), data["arxiv"]) if "arxiv" in data else None,
                 url=_text(where, (*path, "url"), data["url"]) if "url" in data else None)


def _variant(where: Where, path: tuple, raw: Any) -> Variant:
    data = _mapping(where, path, raw, VARIANT_FIELDS)
    ident = _slug(where, (*path, "id"), data.get("id"))
    if ("cell" in data) == ("like" in data):
        where.fail(path, "give exactly one of 'cell' (a cell spec, e.g. step/token) or 'like' (a catalog entry id)")
    training = dict(_mapping(where, (*path, "training"), data.get("training", {}), TRAINING_FIELDS))
    # A switch is kept only when on, so that `false` and leaving it out are one training (and one run key).
    reset = training.pop("reset_optimizer", False)
    if not isinstance(reset, bool):
        where.fail((*path, "training", "reset_optimizer"), f"must be true or false, got {reset!r}")
    training = {k: _quoted(where, (*path, "training", k), v) for k, v in training.items()}
    return Variant(id=ident, label=_text(where, (*path, "label"), data.get("label", ident)),
                   cell=_text(where, (*path, "cell"), data["cell"]) if "cell" in data else None,
                   like=_text(where, (*path, "like"), data["like"]) if "like" in data else None,
                   options=_mapping(where, (*path, "options"), data.get("options", {}), None),
                   training={**training, **({"reset_optimizer": True} if reset else {})},
                   notes=_text(where, (*path, "notes"), data["notes"]) if "notes" in data else None)


def _task(where: Where, path: tuple, raw: Any, variant_ids: set[str]) -> TaskEntry:
    from ..tasks import TASKS

    data = _mapping(where, path, raw, TASK_FIELDS)
    name = _text(where, (*path, "name"), data.get("name"))
    if name not in TASKS:
        where.fail((*path, "name"), f"unknown task '{name}'; tasks are {', '.join(TASKS)}")
    params = dict(_mapping(where, (*path, "params"), data.get("params", {}), None))
    if "test_lengths" in data:
        if "test_lengths" in params:
            where.fail((*path, "test_lengths"), "given both here and in params; keep one")
        lengths = _list(where, (*path, "test_lengths"), data["test_lengths"])
        params["test_lengths"] = ",".join(str(_int(where, (*path, "test_lengths", i), n, 1))
                                          for i, n in enumerate(lengths))
    chosen = None
    if "variants" in data:
        chosen = tuple(_text(where, (*path, "variants", i), v)
                       for i, v in enumerate(_list(where, (*path, "variants"), data["variants"])))
        for i, v in enumerate(chosen):
            if v not in variant_ids:
                where.fail((*path, "variants", i), f"no variant '{v}'; variants are {', '.join(sorted(variant_ids))}")
    ident = _slug(where, (*path, "id"), data.get("id", name))
    measures = _measures(where, data["measures"], (*path, "measures"), extra_only=True) if "measures" in data else ()
    return TaskEntry(id=ident, name=name, label=_text(where, (*path, "label"), data.get("label", ident)),
                     params=params, variants=chosen, budget=_budget(where, (*path, "budget"), data.get("budget", {})),
                     measures=measures)


def _budget(where: Where, path: tuple, raw: Any, required: bool = False) -> dict[str, Any]:
    if raw is None and required:
        where.fail(path, "missing: the training budget (steps, and optionally batch_size and lr)")
    data = _mapping(where, path, raw, BUDGET_FIELDS)
    if required and "steps" not in data:
        where.fail(path, "missing field 'steps' (optimiser steps per run)")
    out: dict[str, Any] = {}
    for key, value in data.items():
        out[key] = _number(where, (*path, key), value) if key == "lr" else _int(where, (*path, key), value, 1)
    return out


def _seeds(where: Where, raw: Any) -> tuple[int, ...]:
    path = ("seeds",)
    if raw is None:
        where.fail(path, "missing: a number of seeds (0..N-1) or a list of integer seeds")
    if isinstance(raw, list):
        seeds = tuple(_int(where, (*path, i), s, 0, what="a seed") for i, s in enumerate(raw))
        if not seeds:
            where.fail(path, "the list of seeds is empty")
        if len(set(seeds)) != len(seeds):
            where.fail(path, "a seed is listed twice")
        return seeds
    if not isinstance(raw, int) or isinstance(raw, bool) or raw < 1:
        where.fail(path, f"must be a whole number of seeds (at least 1) or a list of integers, got {raw!r}")
    return tuple(range(raw))


def _measures(where: Where, raw: Any, base: tuple = ("measures",), extra_only: bool = False) -> tuple[Measure, ...]:
    if raw is None:
        return tuple(Measure(m) for m in DEFAULT_MEASURES)
    out: list[Measure] = []
    known = ", ".join((*PLAIN_MEASURES, *EXTRA_MEASURES))
    for i, item in enumerate(_list(where, base, raw)):
        path = (*base, i)
        if isinstance(item, dict) and len(item) == 1:
            name, params = next(iter(item.items()))
            params = _mapping(where, (*path, name), params if params is not None else {}, None)
        elif isinstance(item, str):
            name, params = item, {}
        else:
            where.fail(path, "a measure is a name, or a one-key mapping of a name to its parameters")
        if name not in PLAIN_MEASURES and name not in EXTRA_MEASURES:
            where.fail(path, f"unknown measure '{name}'; measures are {known}")
        if extra_only and name not in EXTRA_MEASURES:
            where.fail(path, f"'{name}' comes with every run; a task adds only the measures that need more "
                       f"evaluation ({', '.join(EXTRA_MEASURES)})")
        allowed = EXTRA_MEASURES.get(name, {})
        for key, value in params.items():
            kind = allowed.get(key)
            if kind is None:
                where.fail((*path, name, key), f"unknown parameter of {name}; "
                           f"it takes {', '.join(allowed) or 'none'}")
            if kind == "int":
                _int(where, (*path, name, key), value, 1)
            elif kind == "probability":
                ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= 1
                if not ok:
                    where.fail((*path, name, key), f"must be a number in (0, 1], got {value!r}")
            else:
                for j, n in enumerate(_list(where, (*path, name, key), value)):
                    _int(where, (*path, name, key, j), n, 1)
        if any(m.name == name for m in out):
            where.fail(path, f"measure '{name}' is listed twice")
        out.append(Measure(name, dict(params)))
    return tuple(out)


def _comparison(where: Where, path: tuple, raw: Any, variants: set[str], tasks: set[str],
                claims: set[str]) -> Comparison:
    data = _mapping(where, path, raw, COMPARISON_FIELDS)
    level = data.get("level")
    if level is not None and "b" in data:
        where.fail((*path, "level"), "a comparison is against a variant b or against a level, not both")
    if level is not None and (isinstance(level, bool) or not isinstance(level, int | float) or level != level):
        where.fail((*path, "level"), f"must be a number, got {level!r}")
    for side in ("a",) if level is not None else ("a", "b"):
        if side not in data:
            alternative = ", or 'level': a number" if side == "b" else ""
            where.fail(path, f"missing field '{side}' (a variant id{alternative})")
        if data[side] not in variants:
            where.fail((*path, side), f"no variant '{data[side]}'; variants are {', '.join(sorted(variants))}")
    if data["a"] == data.get("b"):
        where.fail((*path, "b"), "a comparison needs two different variants")
    task = _text(where, (*path, "task"), data.get("task"))
    if task not in tasks:
        where.fail((*path, "task"), f"no task '{task}' in this experiment; tasks are {', '.join(sorted(tasks))}")
    measure = _text(where, (*path, "measure"), data.get("measure", "scaled"))
    if measure not in COMPARABLE:
        where.fail((*path, "measure"), f"'{measure}' cannot be compared; choose one of {', '.join(COMPARABLE)}")
    expect = data.get("expect")
    if expect is not None and " ".join(str(expect).split()) not in EXPECT:
        where.fail((*path, "expect"), f"'{expect}' must be one of: {', '.join(EXPECT)}")
    claim = data.get("claim")
    if claim is not None and claim not in claims:
        where.fail((*path, "claim"), f"no claim '{claim}'; claims are {', '.join(sorted(claims))}")
    return Comparison(
        a=data["a"], b=data.get("b"), level=float(level) if level is not None else None, task=task,
        length=_int(where, (*path, "length"), data["length"], 1) if "length" in data else None, measure=measure,
        test_variant=_text(where, (*path, "test_variant"), data["test_variant"]) if "test_variant" in data else None,
        expect=" ".join(str(expect).split()) if expect is not None else None, claim=claim,
        published=_text(where, (*path, "published"), data["published"]) if "published" in data else None,
        note=_text(where, (*path, "note"), data["note"]) if "note" in data else None)


# -- field checks --


def _mapping(where: Where, path: tuple, raw: Any, allowed: tuple[str, ...] | None) -> dict[str, Any]:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        where.fail(path, f"expected a mapping of fields, got {type(raw).__name__}")
    for key in raw:
        if not isinstance(key, str):
            where.fail(path, f"field names are text, got {key!r}")
        if allowed is not None and key not in allowed:
            where.fail((*path, key), f"unknown field; {field_name(path) or 'the file'} takes {', '.join(allowed)}")
    return raw


def _list(where: Where, path: tuple, raw: Any, empty: bool = False) -> list:
    if raw is None:
        where.fail(path, "missing: a list")
    if not isinstance(raw, list):
        where.fail(path, f"expected a list, got {type(raw).__name__}")
    if not raw and not empty:
        where.fail(path, "the list is empty")
    return raw


def _text(where: Where, path: tuple, raw: Any) -> str:
    if raw is None:
        where.fail(path, "missing")
    if not isinstance(raw, str) or not raw.strip():
        where.fail(path, f"expected text, got {raw!r}")
    return " ".join(raw.split()) if "\n" not in raw.strip() else raw.strip()


def _quoted(where: Where, path: tuple, raw: Any) -> str:
    # YAML 1.1 reads an unquoted 2:8 as the base-60 number 128.
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        where.fail(path, f"write it in quotes (YAML reads an unquoted 2:8 as a number), got {raw!r}")
    return _text(where, path, raw)


def _slug(where: Where, path: tuple, raw: Any) -> str:
    text = _text(where, path, raw)
    if not NAME.match(text):
        where.fail(path, f"'{text}' must be lower-case letters, digits, '-', '_' or '.'")
    return text


def _int(where: Where, path: tuple, raw: Any, minimum: int, what: str = "a whole number") -> int:
    if not isinstance(raw, int) or isinstance(raw, bool):
        where.fail(path, f"must be {what}, got {raw!r}")
    if raw < minimum:
        where.fail(path, f"must be at least {minimum}, got {raw}")
    return raw


def _number(where: Where, path: tuple, raw: Any) -> float:
    # YAML 1.1 reads 3e-3 (no dot) as text: accept any text that is a number.
    try:
        value = float(raw) if not isinstance(raw, bool) else None
    except (TypeError, ValueError):
        value = None
    if value is None or not value > 0 or value != value or value == float("inf"):
        where.fail(path, f"must be a positive number, got {raw!r}")
    return value


def _unique(where: Where, items: list[tuple[tuple, str]], what: str) -> None:
    seen: set[str] = set()
    for path, value in items:
        if value in seen:
            where.fail(path, f"{what} '{value}' is used twice")
        seen.add(value)


def read_experiment_file(path: Path) -> ExperimentFile:
    """Read and check an experiment file (UsageError when it is missing or unreadable)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read it: {exc}") from None
    return parse_experiment(text, str(path))
