"""Random depth in training: draw the recurrence of every optimiser step from a range.

"Scaling up Test-Time Compute with Latent Reasoning: A Recurrent Depth Approach" (Geiping et al. 2025,
arXiv 2502.05171) samples the number of iterations of its loop anew for every training step, so that the
state is usable after any number of iterations and the loop can be run for more at test time. A loop
trained at one fixed depth has no reason to hold its answer past that depth. The tdnl experiment
(`rt-explore experiment run tdnl`) measures it: its `fixed-t` variant is the recipe trained without random
depth, and the stability probe traces the state norm over 32 iterations
(docs/experiments/tdnl.md, written by `rt-explore experiment report tdnl`).

The field is the cell's knob from the core registry (`codegen/cores.py`: recurrence_steps, or latent_steps
for depth+step/latent);
the model is evaluated at its configured value. The draws come from their own Python RNG seeded with the
run's seed, so the data stream and the initial weights are those of a run without random depth.

This module imports no torch: the command line checks a range before training starts.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..codegen.cores import knob_for, why_no_knob
from ..errors import UsageError
from .seeds import DEPTH_STREAM, stream_seed


@dataclass(frozen=True)
class DepthRange:
    """The field drawn per step, its bounds (inclusive) and the configured value restored afterwards."""

    field: str
    low: int
    high: int
    configured: int

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "low": self.low, "high": self.high, "configured": self.configured}


def refuse_with_stages(stages: object, random_depth: object, *, names: str = "--random-depth and --stages") -> None:
    """A one-line UsageError when a run asks for both a stage schedule and random depth (each sets the
    recurrence of every step); `names` are the two as the user wrote them (flags, or experiment fields)."""
    if stages is not None and random_depth is not None:
        raise UsageError(f"{names} both set the recurrence of each step; choose one")


def parse_depth_range(text: str, *, cell: Mapping[str, str], configured: int) -> DepthRange:
    """`"4:12"` -> DepthRange for a cell whose knob is configured to `configured`; one-line UsageErrors."""
    label = "/".join(v for v in (cell.get("axis", "none"), cell.get("step_unit")) if v)
    knob = knob_for(cell)
    if knob is None:
        raise UsageError(f"--random-depth: {label} has no depth to draw: {why_no_knob(cell)}")
    low_text, sep, high_text = text.partition(":")
    try:
        low, high = int(low_text), int(high_text)
    except ValueError:
        raise UsageError(f"--random-depth takes LOW:HIGH, two whole numbers, got '{text}'") from None
    if not sep or not knob.off <= low <= high:
        raise UsageError(f"--random-depth: need {knob.off} <= LOW <= HIGH for {knob.field}, got '{text}'")
    return DepthRange(knob.field, low, high, configured)


def project_depth_range(project, text: str) -> DepthRange:
    """`parse_depth_range` for a loaded project: its cell and the configured value of its Config."""
    from dataclasses import fields

    defaults = {f.name: f.default for f in fields(project.config_class)}
    knob = knob_for(project.cell)
    field = knob.field if knob else None
    return parse_depth_range(text, cell=project.cell, configured=int(defaults.get(field, 0) or 0))


class RandomDepth:
    """A `before_step` hook for `fit`: sets `config.<field>` to a fresh draw from low..high before each step.

    `finish()` restores the configured value (the one evaluated) and returns the draws' summary.
    """

    def __init__(self, config: Any, depth: DepthRange, seed: int) -> None:
        self.config, self.depth = config, depth
        self.rng = random.Random(stream_seed(seed, DEPTH_STREAM))
        self.counts: dict[int, int] = {}

    def __call__(self, step: int) -> None:
        value = self.rng.randint(self.depth.low, self.depth.high)
        self.counts[value] = self.counts.get(value, 0) + 1
        setattr(self.config, self.depth.field, value)

    def finish(self) -> dict[str, Any]:
        setattr(self.config, self.depth.field, self.depth.configured)
        return {**self.depth.to_dict(), "draws": {str(k): self.counts[k] for k in sorted(self.counts)}}
