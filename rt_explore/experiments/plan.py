"""An experiment resolved: every variant a validated ModelSpec, every task built, and the matrix of runs.

What the file names is checked here against the one place that knows it: cells and options by codegen's
validator (`spec_from_cell`, `spec_from_entry`), catalog entries by the catalog, tasks and their parameters
by the task registry, stage schedules and random-depth ranges by `training.stages` / `training.random_depth`.
A refusal keeps its reason and gains the file, line and field that caused it. No torch is imported.

A run is keyed by a hash of its definition: the model (the resolved cell and every option's value, so two
spellings of one model are one model), its training schedule, the task's resolved parameters, the seed,
the budget, the evaluation and `RECIPE_VERSION`. Variant ids, labels and experiment names are not in the
key: two experiments that ask for the same run share it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UsageError
from .measures import RANK_COMPARABLE, TIME_TO_TARGET
from .schema import ExperimentFile, TaskEntry, Variant, Where, read_experiment_file

# The training recipe and evaluation that stored runs were made with. Bump it when a change to
# training/recipe.py, the evaluation in training/loop.py or the generated models makes a stored run
# disagree with a fresh one of the same definition: runs of an older version are then run again.
RECIPE_VERSION = 1
BUILTIN_DIR = Path(__file__).resolve().parent / "builtin"
PROBE_DEFAULTS = {"rank": {"batch": 16}, "stability": {"iterations": 32, "batch": 32}}


@dataclass(frozen=True)
class RunSpec:
    """One run of the matrix: plain data, sent as it is to a worker process or a Ray task."""

    key: str  # sha256 of `definition`
    group: str  # sha256 of `definition` without the seed: the runs that statistics pool over seeds
    experiment: str
    variant: str
    label: str
    task: str  # the task's id in the experiment
    seed: int
    definition: dict[str, Any]  # model, training, task, seed, budget, evaluation, recipe
    spec: Any = field(repr=False)  # the codegen ModelSpec the worker generates the project from

    @property
    def cell(self) -> dict[str, str]:
        return self.definition["model"]["cell"]


@dataclass(frozen=True)
class ResolvedVariant:
    variant: Variant
    spec: Any  # codegen.ModelSpec

    @property
    def model(self) -> dict[str, Any]:
        return {"cell": dict(self.spec.cell), "options": dict(self.spec.options)}


@dataclass(frozen=True)
class ResolvedTask:
    entry: TaskEntry
    task: Any  # tasks.Task
    budget: dict[str, Any]
    variants: tuple[str, ...]  # the variants that run on it, in the file's order


@dataclass(frozen=True)
class Experiment:
    """An experiment file resolved: variants and tasks by id, in the file's order."""

    file: ExperimentFile
    variants: dict[str, ResolvedVariant]
    tasks: dict[str, ResolvedTask]
    path: Path | None = None

    @property
    def name(self) -> str:
        return self.file.name

    def measure(self, name: str, task_id: str):
        """The measure `name` on the runs of task `task_id`: the task entry's own, else the file's (or None)."""
        return self.tasks[task_id].entry.measure(name) or self.file.measure(name)

    def measured(self, name: str) -> bool:
        """Whether any task's runs take the measure `name`."""
        return any(self.measure(name, task_id) is not None for task_id in self.tasks)

    def matrix(self, seeds: tuple[int, ...] | None = None) -> list[RunSpec]:
        """Every run: seeds outermost (a partial matrix holds whole seeds), then tasks, then variants."""
        runs = []
        for seed in seeds if seeds is not None else self.file.seeds:
            for task in self.tasks.values():
                for variant_id in task.variants:
                    runs.append(self.run(variant_id, task.entry.id, seed))
        return runs

    def run(self, variant_id: str, task_id: str, seed: int) -> RunSpec:
        variant, task = self.variants[variant_id], self.tasks[task_id]
        definition = run_definition(self, variant, task, seed)
        return RunSpec(key=digest(definition), group=digest({**definition, "seed": None}), experiment=self.name,
                       variant=variant_id, label=variant.variant.label, task=task_id, seed=seed,
                       definition=definition, spec=variant.spec)


def digest(data: Any) -> str:
    """sha256 of the canonical JSON of `data` (sorted keys, no spaces)."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def run_definition(experiment: Experiment, variant: ResolvedVariant, task: ResolvedTask, seed: int) -> dict:
    return {"model": variant.model, "training": dict(variant.variant.training),
            "task": {"name": task.task.name, "params": task.task.params()}, "seed": seed,
            "budget": dict(task.budget),
            "evaluation": {**experiment.file.evaluation, "extra": extra_evaluation(experiment.file, variant, task)},
            "recipe": RECIPE_VERSION}


def extra_evaluation(file: ExperimentFile, variant: ResolvedVariant, task: ResolvedTask) -> dict[str, Any]:
    """The measures that need more evaluation than every run's, where they apply to this variant and task
    (the task entry's own measures beside the file's)."""
    from ..codegen.cores import knob_for, supports

    def measure(name: str):
        return task.entry.measure(name) or file.measure(name)

    cell = variant.spec.cell
    extra: dict[str, Any] = {}
    frontier = measure("frontier")
    knob = knob_for(cell)
    if frontier is not None and frontier.params and knob is not None and knob.field == "recurrence_steps":
        extra["frontier"] = {k: sorted(set(v)) for k, v in frontier.params.items()}
    if measure("test_variants") is not None and task.task.test_variants():
        extra["test_variants"] = sorted(task.task.test_variants())
    for probe, defaults in PROBE_DEFAULTS.items():
        asked = measure(probe)
        if asked is not None and supports(cell, probe):
            extra[probe] = {**defaults, **asked.params}
    curve = measure("learning_curve")
    if curve is not None:
        extra["learning_curve"] = {"every": curve.params.get("every", max(1, task.budget["steps"] // 50))}
    time_to = measure("time_to")
    if time_to is not None:
        extra["time_to"] = {"target": float(time_to.params.get("target", TIME_TO_TARGET))}
    return extra


# -- finding and loading --


def builtin_names() -> list[str]:
    return sorted(p.stem for p in BUILTIN_DIR.glob("*.yaml"))


def locate(name_or_path: str | Path) -> Path:
    """A built-in experiment's file by name, or a user's file by path."""
    text = str(name_or_path)
    path = Path(text)
    if path.suffix in (".yaml", ".yml") or path.is_file() or "/" in text:
        if not path.is_file():
            raise UsageError(f"{path}: no such experiment file")
        return path
    found = BUILTIN_DIR / f"{text}.yaml"
    if not found.is_file():
        import difflib

        names = builtin_names()
        close = difflib.get_close_matches(text, names, n=3)
        hint = f"did you mean {', '.join(close)}?" if close else f"built-in: {', '.join(names) or 'none'}"
        raise UsageError(f"no experiment '{text}' ({hint}; or give the path of a YAML file)")
    return found


def load_experiment(name_or_path: str | Path, catalog_dirs: tuple[Path, ...] = ()) -> Experiment:
    """Read, check and resolve an experiment; every problem is one `FILE:LINE: field: ...` UsageError."""
    path = locate(name_or_path)
    file = read_experiment_file(path)
    if path.parent == BUILTIN_DIR and file.name != path.stem:
        file.where.fail(("name",), f"a built-in experiment's name is its file name, '{path.stem}'")
    return resolve(file, catalog_dirs, path)


def resolve(file: ExperimentFile, catalog_dirs: tuple[Path, ...] = (), path: Path | None = None) -> Experiment:
    from ..codegen.options import BY_NAME
    from ..taxonomy import load_taxonomy

    where, tax = file.where, load_taxonomy()
    for key, value in file.options.items():
        option = BY_NAME.get(key.replace("-", "_"))
        if option is None:
            where.fail(("options", key), f"unknown option; options are {', '.join(BY_NAME)}")
        try:
            option.parse(value)
        except UsageError as exc:
            where.fail(("options", key), str(exc))
    catalog: list = []

    def entries():
        if not catalog:
            from ..catalog import load_catalog

            catalog.append(load_catalog(catalog_dirs))
        return catalog[0]

    variants: dict[str, ResolvedVariant] = {}
    for i, variant in enumerate(file.variants):
        variants[variant.id] = ResolvedVariant(variant, _spec(where, ("variants", i), variant, file.options, tax,
                                                              entries))
    _distinct_models(where, file, variants)
    tasks = {t.id: _task(where, ("tasks", i), t, file, variants) for i, t in enumerate(file.tasks)}
    experiment = Experiment(file, variants, tasks, path)
    for i, comparison in enumerate(file.comparisons):
        _check_comparison(where, ("comparisons", i), comparison, experiment)
    return experiment


def _spec(where: Where, path: tuple, variant: Variant, shared: dict[str, Any], tax, entries):
    from ..codegen import spec_from_cell, spec_from_entry
    from ..codegen.options import BY_NAME

    def build(given: dict[str, Any]):
        if variant.cell is not None:
            return spec_from_cell(variant.cell, tax, given, None)
        return spec_from_entry(entries().get(variant.like), tax, given, None)

    try:
        build({})
    except UsageError as exc:
        where.fail((*path, "cell" if variant.cell is not None else "like"), str(exc))
    try:
        own = build(dict(variant.options))
    except UsageError as exc:
        where.fail(_blame(path, "options", variant.options, str(exc)), str(exc))
    # A shared option applies where the option table says it does for this variant's cell and options.
    applicable = {}
    for key, value in shared.items():
        if key in variant.options or not BY_NAME[key.replace("-", "_")].applies(own.cell):
            continue
        try:
            build({key: value, **variant.options})
        except UsageError:
            continue  # its value was checked above: what is refused here is its pairing with this variant
        applicable[key] = value
    shared = applicable
    try:
        spec = build({**shared, **variant.options})
    except UsageError as exc:
        where.fail(_blame((), "options", shared, str(exc)), str(exc))
    return spec


def _blame(path: tuple, name: str, given: dict[str, Any], message: str) -> tuple:
    """The field of `given` that a message names first (options.mixer), else the mapping itself."""
    found = []
    for key in given:
        match = re.search(rf"(?<![\w-]){re.escape(key)}(?![\w-])", message)
        if match:
            found.append((match.start(), key))
    return (*path, name, min(found)[1]) if found else (*path, name)


def _distinct_models(where: Where, file: ExperimentFile, variants: dict[str, ResolvedVariant]) -> None:
    seen: dict[str, str] = {}
    for i, (ident, resolved) in enumerate(variants.items()):
        fingerprint = digest({"model": resolved.model, "training": resolved.variant.training})
        if fingerprint in seen:
            where.fail(("variants", i), f"builds the same model as variant '{seen[fingerprint]}' (same cell, "
                       "options and training once defaults are filled in)")
        seen[fingerprint] = ident


def _task(where: Where, path: tuple, entry: TaskEntry, file: ExperimentFile,
          variants: dict[str, ResolvedVariant]) -> ResolvedTask:
    from ..tasks import get_task

    try:
        task = get_task(entry.name, **entry.params)
    except (TypeError, ValueError) as exc:
        message = str(exc).removeprefix(f"{entry.name}: ")
        blamed = _blame(path, "params", entry.params, message)
        if (*path, "test_lengths") in where.lines and blamed[-1] == "test_lengths":
            blamed = (*path, "test_lengths")
        where.fail(blamed, message)
    budget = {**file.budget, **entry.budget}
    chosen = entry.variants or tuple(variants)
    for ident in chosen:
        _check_training(where, variants, ident, budget["steps"])
    if task.masks_attention:
        from ..codegen.cores import needs_mask, takes_mask

        for ident in chosen:
            if not takes_mask(variants[ident].spec.cell):
                where.fail((*path, "variants") if entry.variants else (*path, "name"),
                           f"variant '{ident}': {needs_mask(task.name)}")
    return ResolvedTask(entry, task, budget, tuple(v for v in variants if v in chosen))


def _check_training(where: Where, variants: dict[str, ResolvedVariant], ident: str, steps: int) -> None:
    from ..codegen.cores import knob_for
    from ..training.random_depth import parse_depth_range, refuse_with_stages
    from ..training.stages import plan_stages

    resolved = variants[ident]
    index = list(variants).index(ident)
    cell, training = resolved.spec.cell, resolved.variant.training
    knob = knob_for(cell)
    configured = int(resolved.spec.options.get(knob.field, 0)) if knob is not None else 0
    if training.get("reset_optimizer") and "stages" not in training:
        where.fail(("variants", index, "training", "reset_optimizer"), "resets the optimiser at each stage "
                   "boundary; give stages too")
    try:
        if "stages" in training:
            plan_stages(training["stages"], cell=cell, configured=configured, steps=steps)
        refuse_with_stages(training.get("stages"), training.get("random_depth"), names="stages and random_depth")
        if "random_depth" in training:
            parse_depth_range(training["random_depth"], cell=cell, configured=configured)
    except UsageError as exc:
        key = "random_depth" if "random-depth" in str(exc) or "random_depth" in str(exc) else "stages"
        where.fail(("variants", index, "training", key), str(exc).removeprefix("--stages: "))


def _check_comparison(where: Where, path: tuple, comparison, experiment: Experiment) -> None:
    task = experiment.tasks[comparison.task]
    for side in ("a", "b"):
        ident = getattr(comparison, side)
        if ident is not None and ident not in task.variants:
            where.fail((*path, side), f"variant '{ident}' does not run on task '{comparison.task}' "
                       f"(its variants: {', '.join(task.variants)})")
    lengths = sorted(set(task.task.test_lengths) | set(task.task.train_lengths))
    length = comparison.length if comparison.length is not None else max(task.task.test_lengths)
    if length not in lengths:
        where.fail((*path, "length"), f"task '{comparison.task}' is not scored at length {length}; its lengths are "
                   f"{', '.join(map(str, lengths))}")
    if comparison.measure == "accuracy_new" and length <= max(task.task.train_lengths):
        where.fail((*path, "measure"), f"accuracy_new needs a length past the training lengths "
                   f"(longest {max(task.task.train_lengths)}), got {length}")
    if comparison.measure == "accuracy_at_target" and experiment.measure("time_to", comparison.task) is None:
        where.fail((*path, "measure"), f"accuracy_at_target needs the measure 'time_to' on task '{comparison.task}'")
    if comparison.measure in RANK_COMPARABLE and experiment.measure("rank", comparison.task) is None:
        where.fail((*path, "measure"), f"{comparison.measure} needs the measure 'rank' on task '{comparison.task}'")
    if comparison.test_variant is not None:
        names = sorted(task.task.test_variants())
        if comparison.test_variant not in names:
            where.fail((*path, "test_variant"), f"task '{comparison.task}' has no test variant "
                       f"'{comparison.test_variant}'; it has {', '.join(names) or 'none'}")
        if experiment.measure("test_variants", comparison.task) is None:
            where.fail((*path, "test_variant"), "list the measure 'test_variants' to score test variants")
