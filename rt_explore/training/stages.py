"""Multi-stage training: pretrain with the recurrence switched off, then switch it on.

"The Topological Trouble With Transformers" (arXiv 2604.17121, Sec. 5.5, "Efficient training of
recurrence"): a recurrent model can be pretrained as a (parallel) feedforward model and its recurrence
switched on later, so that most steps run at feedforward cost. Coconut (Hao et al. 2024, "Training Large
Language Models to Reason in a Continuous Latent Space", arXiv 2412.06769, Sec. 3) trains in stages that
use more continuous thoughts each stage; the `curriculum` schedule is its analogue here: the recurrence
(latent steps, depth iterations, feedback passes) rises from its feedforward value by one per stage up to
the configured value, over stages of equal length.

What "the recurrence" is, per cell, is said in one place, the core registry (`codegen/cores.py`): the
knob, a field of the generated `Config` that the model reads at every forward, its feedforward value, and
what that value means. Cells whose recurrence cannot be switched off without changing the parameters or
what the model can see have no knob, and the registry says why. A schedule never touches the weights,
the learning-rate schedule (one warmup + cosine over all the steps) or the data stream: only the field,
between optimiser steps. The optimiser is kept too, unless the run asks for a fresh AdamW at every stage
boundary (`training.loop.train(reset_optimizer=True)`, an experiment's `training: {reset_optimizer: true}`),
as Coconut's training does (its `reset_optimizer: True` makes a new AdamW every epoch, stage boundaries included).

Syntax (`rt-explore train --stages`): comma-separated stages `SETTING[:STEPS]`, in order.
  SETTING  `feedforward` (the recurrence off), `recurrent` (as configured), or a number: the value of the
           cell's field (`recurrence_steps` or `latent_steps`) in that stage.
  STEPS    optimiser steps of the stage; the stages add up to `--steps`, and the last may leave its steps
           out to take the rest. The last stage must be the configured recurrence, the one evaluated.
  `curriculum` alone: feedforward, +1, +2, ... up to the configured value, in equal stages.
Example: `feedforward:300,recurrent` on 1000 steps; `0:200,1:300,2` for a latent cell with 2 latent steps.

This module imports no torch: the command line checks a schedule before training starts.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from ..codegen.cores import Knob, knob_for, why_no_knob
from ..errors import UsageError

FEEDFORWARD, RECURRENT, CURRICULUM = "feedforward", "recurrent", "curriculum"


@dataclass(frozen=True)
class StageRequest:
    """One stage as typed: a setting (`feedforward`, `recurrent` or a number) and steps (None: the rest)."""

    setting: str | int
    steps: int | None


@dataclass(frozen=True)
class Stage:
    """A resolved stage: `field` is set to `value` from optimiser step `first_step` for `steps` steps."""

    name: str  # feedforward, recurrent, or FIELD=VALUE in between
    field: str
    value: int
    first_step: int
    steps: int


@dataclass(frozen=True)
class Schedule:
    """The stages of one run, in order; their steps add up to the run's."""

    stages: tuple[Stage, ...]

    @property
    def steps(self) -> int:
        return sum(s.steps for s in self.stages)

    def index_at(self, step: int) -> int:
        """The index of the stage that optimiser step `step` (1-based) belongs to."""
        for i, stage in enumerate(self.stages):
            if step < stage.first_step + stage.steps:
                return i
        raise ValueError(f"step {step} is past the schedule's {self.steps} steps")


def parse_stages(text: str) -> list[StageRequest]:
    """`feedforward:300,recurrent` -> stage requests; one-line UsageError on bad syntax."""
    parts = [p.strip() for p in text.split(",")]
    if not text.strip() or any(not p for p in parts):
        raise UsageError(f"--stages: empty stage in {text!r} (expected e.g. 'feedforward:300,recurrent')")
    requests = []
    for part in parts:
        setting, colon, steps = (s.strip() for s in part.partition(":"))
        requests.append(StageRequest(_setting(setting, part), _steps(steps, part) if colon else None))
    if any(r.setting == CURRICULUM for r in requests):
        if len(requests) > 1 or requests[0].steps is not None:
            raise UsageError("--stages: 'curriculum' stands alone (its stages share --steps equally)")
        return requests
    if any(r.steps is None for r in requests[:-1]):
        raise UsageError(f"--stages: only the last stage may leave its steps out, in {text!r}")
    return requests


def _setting(word: str, part: str) -> str | int:
    if word in (FEEDFORWARD, RECURRENT, CURRICULUM):
        return word
    if word.isascii() and word.isdigit():
        return int(word)
    raise UsageError(f"--stages: unknown stage {part!r} (expected feedforward, recurrent, a number of "
                     f"recurrence steps, or curriculum)")


def _steps(word: str, part: str) -> int:
    if not (word.isascii() and word.isdigit()) or int(word) < 1:
        raise UsageError(f"--stages: the steps of stage {part!r} must be a positive whole number")
    return int(word)


def stage_knob(cell: Mapping[str, str]) -> Knob:
    """The knob of a cell (its axis and step_unit), or a one-line UsageError saying why it has none."""
    knob = knob_for(cell)
    if knob is None:
        label = "/".join(v for v in (cell.get("axis", "none"), cell.get("step_unit")) if v)
        raise UsageError(f"--stages: {label} cannot be trained in stages: {why_no_knob(cell)}")
    return knob


def plan_stages(text: str, *, cell: Mapping[str, str], configured: int, steps: int) -> Schedule:
    """Resolve `text` for a cell whose knob is configured to `configured`, over `steps` optimiser steps."""
    requests = parse_stages(text)
    knob = stage_knob(cell)
    name = knob.field
    if configured <= knob.off:
        raise UsageError(f"--stages: this project has {name}={configured}, its feedforward value: there is no "
                         f"recurrence to switch on (scaffold it with a larger {name})")
    if requests[0].setting == CURRICULUM:
        values = list(range(knob.off, configured + 1))
        if steps < len(values):
            raise UsageError(f"--stages: the curriculum has {len(values)} stages ({name} {knob.off}..{configured}) "
                             f"but --steps is {steps}")
        share = steps // len(values)
        requests = [StageRequest(v, share) for v in values[:-1]] + [StageRequest(values[-1], None)]
    resolved = [(_value(r.setting, knob, configured), r.steps) for r in requests]
    given = sum(n for _, n in resolved if n is not None)
    if resolved[-1][1] is None:
        if given >= steps:
            raise UsageError(f"--stages: the stages before the last take {given} steps, leaving none of --steps "
                             f"{steps} for the last")
        resolved[-1] = (resolved[-1][0], steps - given)
    elif given != steps:
        raise UsageError(f"--stages: the stage steps add up to {given}, but --steps is {steps} (leave the last "
                         f"stage's steps out to give it the rest)")
    if resolved[-1][0] != configured:
        raise UsageError(f"--stages: the last stage must train the configured recurrence ('recurrent', here "
                         f"{name}={configured}), which is what is evaluated")
    stages, first = [], 1
    for value, n in resolved:
        label = FEEDFORWARD if value == knob.off else RECURRENT if value == configured else f"{name}={value}"
        stages.append(Stage(label, name, value, first, n))
        first += n
    return Schedule(tuple(stages))


def _value(setting: str | int, knob: Knob, configured: int) -> int:
    if setting == FEEDFORWARD:
        return knob.off
    if setting == RECURRENT:
        return configured
    if not knob.off <= setting <= configured:
        raise UsageError(f"--stages: stage {setting} is outside {knob.field} {knob.off} (feedforward) .. "
                         f"{configured} (configured)")
    return setting


def project_stages(project, text: str, steps: int) -> Schedule:
    """`plan_stages` for a loaded project: its cell, and the configured value from its Config's defaults."""
    knob = stage_knob(project.cell)
    defaults = {f.name: f.default for f in fields(project.config_class)}
    if knob.field not in defaults:
        raise UsageError(f"--stages: {project.path}: {project.package}.Config has no {knob.field} field")
    return plan_stages(text, cell=project.cell, configured=int(defaults[knob.field]), steps=steps)


class StageSwitch:
    """Called before each optimiser step: sets `config.<field>` when a stage begins and times each stage.

    A stage's seconds run from its first step's start to the next stage's (or `finish`), so they include
    everything the loop does meanwhile (forward, backward, optimiser, progress callbacks). `seconds` is
    wall-clock time; `cpu_seconds` is this process's CPU time, which other processes on a shared machine
    do not inflate (with one torch thread the two agree on an idle machine).
    """

    def __init__(self, config: Any, schedule: Schedule, clock: Callable[[], float] = time.perf_counter,
                 cpu_clock: Callable[[], float] = time.process_time):
        self.config, self.schedule = config, schedule
        self.clocks = (clock, cpu_clock)
        self.field = schedule.stages[0].field
        self.configured = getattr(config, self.field)
        self.seconds = [[0.0, 0.0] for _ in schedule.stages]  # [wall, cpu] per stage
        self.current: int | None = None
        self.started = (0.0, 0.0)

    def __call__(self, step: int) -> None:
        index = self.schedule.index_at(step)
        if index != self.current:
            now = self._now()  # one reading: the end of one stage is the start of the next
            self._close(now)
            setattr(self.config, self.field, self.schedule.stages[index].value)
            self.current, self.started = index, now

    def _now(self) -> tuple[float, float]:
        return tuple(clock() for clock in self.clocks)

    def _close(self, now: tuple[float, float]) -> None:
        if self.current is not None:
            for kind in (0, 1):
                self.seconds[self.current][kind] += now[kind] - self.started[kind]

    def finish(self) -> list[dict[str, Any]]:
        """Close the last stage, put the configured value back, and return one record per stage."""
        self._close(self._now())
        self.current = None
        setattr(self.config, self.field, self.configured)
        return [{"name": s.name, "field": s.field, "value": s.value, "first_step": s.first_step, "steps": s.steps,
                 "seconds": round(wall, 3), "cpu_seconds": round(cpu, 3)}
                for s, (wall, cpu) in zip(self.schedule.stages, self.seconds, strict=True)]
