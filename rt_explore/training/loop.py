"""The training loop: one generated project, one toy task, a fixed number of steps.

The recipe (schedule, loss, optimiser step) is `recipe.py`, the same code every generated train.py
contains: AdamW with weight decay 0.01, warmup then cosine decay to a tenth of the peak rate, gradient
clipping at norm 1.0, one train length drawn uniformly per step.

Determinism: `torch.manual_seed(seed)` fixes the initial weights, and the data come from their own
`torch.Generator` seeded from `seed`, so a run is a function of (project, task, seed, steps) on one
machine with one thread count. CPU kernels are deterministic for a fixed thread count, so
`torch.use_deterministic_algorithms` is not needed (and would refuse some CUDA kernels on a GPU).

Threads: one by default. The toy models (width 64) run thousands of tiny kernels whose intra-op
parallelism costs more than it gains; on a busy two-core machine two threads made a depth+step/ponder
forward 60x slower than one (30.6 s against 0.53 s of wall time, measured), as OpenMP workers wait
for cores that other processes hold.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import torch

from ..codegen.cores import needs_mask, takes_mask
from ..errors import ProblemsFound, UsageError
from ..tasks import Task
from .evaluate import accuracy_by_length, frontier, new_positions_accuracy
from .project import Project
from .random_depth import DepthRange, RandomDepth, refuse_with_stages
from .recipe import WEIGHT_DECAY, draw_batch, learning_rate, loss_and_logits, optimiser_step
from .seeds import EVAL_STREAM, FRONTIER_STREAM, TIME_TO_STREAM, stream
from .stages import Schedule, StageSwitch

FRONTIER_BATCH = 64
# A hook on each step's loss before it is checked and used (tests put a NaN in, to exercise NonFiniteLoss).
LossHook = Callable[[int, torch.Tensor], torch.Tensor]


class NonFiniteLoss(ProblemsFound):
    """The loss became NaN or infinite: training stopped and nothing was written."""

    def __init__(self, step: int, value: float):
        self.step, self.value = step, value
        super().__init__(f"non-finite loss ({value}) at step {step}; nothing was written "
                         "(try a lower learning rate or another seed)")


@dataclass(frozen=True)
class StepInfo:
    """What a progress display needs after each optimiser step."""

    step: int
    steps: int
    loss: float
    accuracy: float  # on this step's training batch
    tokens_per_second: float
    lr: float
    # seconds spent so far evaluating in the middle of training (time_to), which the timings leave out
    evaluation_seconds: float = 0.0


@dataclass
class Result:
    """A finished run. Lengths are ints here; `to_dict` makes every key a string for JSON."""

    task: str
    task_params: dict[str, Any]
    steps: int
    seconds: float
    tokens_per_second: float
    first_loss: float
    final_loss: float
    loss_curve: list[float]
    train_accuracy: float  # mean over the train lengths, on fresh batches
    train_accuracy_by_length: dict[int, float]
    test_accuracy: dict[int, float]
    frontier: dict[int, dict[int, float]] | None
    chance: float
    seed: int
    cell: dict[str, str]
    options: dict[str, Any]
    trained_recurrence_steps: int | None = None
    # accuracy on the positions past the longest training sequence only (see evaluate.accuracy_at)
    test_accuracy_new: dict[int, float] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    # multi-stage training (training/stages.py): one record per stage, with its steps and seconds; else None
    stages: list[dict[str, Any]] | None = None
    # the trained model itself (in eval mode); not part of the record written to JSON or the results store
    model: torch.nn.Module | None = field(default=None, repr=False, compare=False)

    @property
    def longest_test_length(self) -> int:
        return max(self.test_accuracy)

    @property
    def longest_test_accuracy(self) -> float:
        """At the longest test length: on the new positions where the task scores several, else all."""
        return self.test_accuracy_new.get(self.longest_test_length, self.test_accuracy[self.longest_test_length])

    def to_dict(self) -> dict[str, Any]:
        """The record (JSON-ready): every field but the model."""
        data = asdict(_without_model(self))
        data["train_accuracy_by_length"] = _str_keys(self.train_accuracy_by_length)
        data["test_accuracy"] = _str_keys(self.test_accuracy)
        data["test_accuracy_new"] = _str_keys(self.test_accuracy_new)
        if self.frontier is not None:
            data["frontier"] = {str(s): _str_keys(by_length) for s, by_length in self.frontier.items()}
        return data


def _without_model(result: Result) -> Result:
    values = {f.name: getattr(result, f.name) for f in fields(result) if f.name != "model"}
    return Result(**values)


def _str_keys(mapping: dict[int, float]) -> dict[str, float]:
    return {str(k): v for k, v in mapping.items()}


def default_device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


def train(project: Project, task: Task, *, steps: int, seed: int = 0, batch_size: int = 32, lr: float = 3e-3,
          weight_decay: float = WEIGHT_DECAY, eval_batches: int = 1, eval_batch_size: int = 256,
          device: str | None = None, threads: int | None = 1, on_step: Callable[[StepInfo], None] | None = None,
          loss_hook: LossHook | None = None, stages: Schedule | None = None,
          random_depth: DepthRange | None = None, reset_optimizer: bool = False,
          time_to: float | None = None) -> Result:
    """Train a fresh model of `project` on `task` for `steps` steps, then evaluate it; the Result holds
    the metrics and the trained model (`result.model`, in eval mode).

    `stages` (from `stages.project_stages`) switches the recurrence between optimiser steps: for example
    feedforward first, then as configured; the model is evaluated as configured, and `Result.stages`
    records each stage's steps and seconds. With `reset_optimizer`, every stage after the first starts with a
    fresh AdamW (new moment estimates and step count), as Coconut trains (Hao et al., arXiv 2412.06769: with
    `reset_optimizer: True`, the authors' run.py makes a new AdamW at every epoch, so at every stage
    boundary, and trains at a constant rate); the learning-rate schedule (one warmup + cosine over all the
    steps) is kept, so the reset is the only difference from the same stages without it. `random_depth`
    (from `random_depth.project_depth_range`) instead draws the recurrence of every step from a range;
    `Result.extra["random_depth"]` records the draws.

    `time_to` (a training accuracy, e.g. 0.99): the first time a step's training-batch accuracy reaches it,
    the model as it is then (in its current stage) is scored at the test lengths, on its own evaluation
    stream, and `Result.extra["time_to"]` records the step, the training seconds so far and those
    accuracies; it is absent when the target is never reached. The evaluation draws no training data and
    leaves the weights alone, so the run trains as it would without it (unless the model draws from torch's
    global generator when called, as boundary_noise=drop does); its own seconds are left out of the timings
    (`StepInfo.evaluation_seconds`).

    `threads` sets torch's intra-op threads for the run (restored afterwards; None leaves them alone).
    `loss_hook(step, loss) -> loss` sees every step's loss before it is checked (tests use it to inject a NaN).
    Raises NonFiniteLoss (a ProblemsFound, exit code 1) when the loss is not finite.
    """
    before = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        return _train(project, task, steps=steps, seed=seed, batch_size=batch_size, lr=lr,
                      weight_decay=weight_decay, eval_batches=eval_batches, eval_batch_size=eval_batch_size,
                      device=device, on_step=on_step, loss_hook=loss_hook, stages=stages,
                      random_depth=random_depth, reset_optimizer=reset_optimizer, time_to=time_to)
    finally:
        torch.set_num_threads(before)


def fit(model: torch.nn.Module, task: Task, *, steps: int, seed: int = 0, batch_size: int = 32, lr: float = 3e-3,
        weight_decay: float = WEIGHT_DECAY, device: str = "cpu", loss_hook: LossHook | None = None,
        on_step: Callable[..., None] | None = None, before_step: Callable[[int], None] | None = None,
        fresh_optimizer_at: Collection[int] = ()) -> list[float]:
    """Train `model` in place for `steps` steps on `task` with the recipe (recipe.py); return every step's loss.

    Data come from a generator seeded with `seed`. `on_step(step, loss, logits, batch, lr)` is called after
    each step, `before_step(step)` before it (a `stages.StageSwitch` sets the recurrence there). Before each
    step in `fresh_optimizer_at` a new AdamW replaces the old one, its state forgotten (the learning-rate
    schedule goes on). Raises NonFiniteLoss.
    """
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    data = torch.Generator().manual_seed(seed)
    losses: list[float] = []
    model.train()
    for step in range(1, steps + 1):
        if before_step is not None:
            before_step(step)
        if step in fresh_optimizer_at:
            optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
        rate = learning_rate(step, steps, lr)
        batch = draw_batch(task, batch_size, data).to(device)
        loss, logits = loss_and_logits(model, batch.inputs, batch.targets, batch.mask, batch.attention_mask)
        if loss_hook is not None:
            loss = loss_hook(step, loss)
        value = float(loss.detach())
        if not math.isfinite(value):
            raise NonFiniteLoss(step, value)
        optimiser_step(model, optimizer, loss, rate)
        losses.append(value)
        if on_step is not None:
            on_step(step, value, logits, batch, rate)
    model.eval()
    return losses


def _train(project: Project, task: Task, *, steps: int, seed: int, batch_size: int, lr: float, weight_decay: float,
           eval_batches: int, eval_batch_size: int, device: str | None,
           on_step: Callable[[StepInfo], None] | None, loss_hook: LossHook | None, stages: Schedule | None,
           random_depth: DepthRange | None = None, reset_optimizer: bool = False,
           time_to: float | None = None) -> Result:
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    refuse_with_stages(stages, random_depth)
    if stages is not None and stages.steps != steps:
        raise ValueError(f"the stages take {stages.steps} steps, the run {steps}")
    if reset_optimizer and stages is None:
        raise ValueError("reset_optimizer resets the optimiser at stage boundaries; give stages too")
    if time_to is not None and not 0.0 < time_to <= 1.0:
        raise ValueError(f"time_to is a training accuracy in (0, 1], got {time_to}")
    if task.masks_attention and not takes_mask(project.cell):
        raise UsageError(needs_mask(task.name))
    device = device or default_device()
    started = time.perf_counter()
    torch.manual_seed(seed)
    model = project.build(task.vocab_size, delimiter=task.delimiter).to(device)
    tokens, train_seconds, tick = 0, 0.0, time.perf_counter()
    reached: dict[str, Any] = {}
    paused = 0.0  # seconds of evaluation during training

    def report(step: int, value: float, logits: torch.Tensor, batch, rate: float) -> None:
        nonlocal tokens, train_seconds, tick, paused
        tokens += batch.inputs.numel()
        train_seconds += time.perf_counter() - tick
        accuracy = task.accuracy(logits.detach(), batch) if on_step is not None or time_to is not None else 0.0
        if time_to is not None and not reached and accuracy >= time_to:
            before = time.perf_counter()
            reached.update(step=step, seconds=round(train_seconds, 3), train_batch_accuracy=accuracy,
                           **_score_now(model, task, seed, eval_batches, eval_batch_size, device),
                           **({"stage": switch.schedule.stages[switch.current].name} if switch is not None else {}))
            paused += time.perf_counter() - before
        if on_step is not None:
            on_step(StepInfo(step, steps, value, accuracy, tokens / max(train_seconds, 1e-9), rate, paused))
        tick = time.perf_counter()  # the callback's own time is not training time

    switch = StageSwitch(model.config, stages) if stages is not None else None
    drawn = RandomDepth(model.config, random_depth, seed) if random_depth is not None else None
    fresh = {s.first_step for s in stages.stages[1:]} if reset_optimizer and stages is not None else set()
    losses = fit(model, task, steps=steps, seed=seed, batch_size=batch_size, lr=lr, weight_decay=weight_decay,
                 device=device, loss_hook=loss_hook, on_step=report, before_step=switch or drawn,
                 fresh_optimizer_at=fresh)
    stage_records = switch.finish() if switch is not None else None
    depth_record = drawn.finish() if drawn is not None else None

    model.eval()
    evaluation = {"batches": eval_batches, "batch_size": eval_batch_size, "device": device,
                  "generator": stream(seed, EVAL_STREAM)}
    by_train_length = accuracy_by_length(model, task, task.train_lengths, **evaluation)
    test_accuracy = accuracy_by_length(model, task, task.test_lengths, **evaluation)
    evaluation["generator"] = stream(seed, EVAL_STREAM + 1)
    test_accuracy_new = new_positions_accuracy(model, task, **evaluation)
    curve, trained_steps = None, None
    if hasattr(getattr(model, "config", None), "recurrence_steps"):
        trained_steps = model.config.recurrence_steps
        # One smaller batch per point: the frontier has many points (each a full forward at up to twice the
        # trained depth), and its shape matters more than its decimals.
        curve = frontier(model, task, batches=1, batch_size=min(eval_batch_size, FRONTIER_BATCH), device=device,
                         generator=stream(seed, FRONTIER_STREAM))
    return Result(
        task=task.name, task_params=task.params(), steps=steps, seconds=round(time.perf_counter() - started, 3),
        tokens_per_second=round(tokens / max(train_seconds, 1e-9), 1), first_loss=losses[0],
        final_loss=losses[-1], loss_curve=losses,
        train_accuracy=sum(by_train_length.values()) / len(by_train_length),
        train_accuracy_by_length=by_train_length, test_accuracy=test_accuracy, frontier=curve,
        chance=task.chance, seed=seed, cell=dict(project.cell), options=dict(project.options),
        trained_recurrence_steps=trained_steps, test_accuracy_new=test_accuracy_new,
        extra={"batch_size": batch_size, "lr": lr, "device": device, "eval_sequences": eval_batches * eval_batch_size,
               **({"random_depth": depth_record} if depth_record else {}),
               **({"reset_optimizer": True} if reset_optimizer else {}),
               **({"time_to": {"target": time_to, **reached}} if reached else {})},
        stages=stage_records, model=model,
    )


def _score_now(model: torch.nn.Module, task: Task, seed: int, batches: int, batch_size: int, device: str) -> dict:
    """The model's accuracy at the test lengths in the middle of training (for `time_to`), in eval mode, then
    back to training mode; on the TIME_TO stream, so it draws nothing from the training data or evaluation."""
    scoring = {"batches": batches, "batch_size": batch_size, "device": device}
    model.eval()
    try:
        test = accuracy_by_length(model, task, task.test_lengths, generator=stream(seed, TIME_TO_STREAM), **scoring)
        new = new_positions_accuracy(model, task, generator=stream(seed, TIME_TO_STREAM + 1), **scoring)
    finally:
        model.train()
    return {"test_accuracy": _str_keys(test), "test_accuracy_new": _str_keys(new)}
