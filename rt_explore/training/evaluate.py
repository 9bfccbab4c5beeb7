"""Evaluation: accuracy by task length, and the computational frontier of models that iterate in depth.

The frontier is accuracy as a function of the number of recurrence steps used at test time, at a fixed
input length: a looped model that has learned an algorithm keeps (or gains) accuracy with more
iterations than it was trained with, one that has not degrades. See "Can You Learn an Algorithm? Generalizing
from Easy to Hard Problems with Recurrent Networks" (Schwarzschild et al. 2021, arXiv 2106.04537, Sec. 4)
and "Scaling up Test-Time Compute with Latent Reasoning" (Geiping et al. 2025, arXiv 2502.05171, Sec. 5).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import torch

from ..tasks import Task


@torch.no_grad()
def accuracy_at(model: torch.nn.Module, task: Task, length: int, *, batches: int, batch_size: int,
                generator: torch.Generator, device: torch.device | str, skip: int = 0) -> float:
    """The task's metric over `batches` fresh batches of one task length, weighted by scored positions.

    With `skip`, positions before `skip` are not scored, for tasks that score several positions per
    sequence (parity, modular-count, ...): at a test length the early positions are in-distribution, and
    counting them would credit a model that only fits the training length (perfect to 16 and guessing
    after scores 0.625 on parity at 64). Tasks that score one position per sequence are left as they are.
    """
    total = scored = 0.0
    for _ in range(batches):
        batch = task.batch(batch_size, length, generator).to(device)
        if skip and int(batch.mask.sum(dim=1).max()) > 1:
            kept = batch.mask.clone()
            kept[:, :skip] = False
            if bool(kept.any()):
                batch = replace(batch, mask=kept)
        logits = model(batch.inputs, **batch.model_inputs())  # [B, T, vocab]
        weight = float(batch.mask.sum())
        total += task.accuracy(logits, batch) * weight
        scored += weight
    return total / scored


def accuracy_by_length(model: torch.nn.Module, task: Task, lengths: Iterable[int], **kwargs) -> dict[int, float]:
    """{length: accuracy} for each distinct length, in increasing order."""
    return {length: accuracy_at(model, task, length, **kwargs) for length in sorted(set(lengths))}


def new_positions_accuracy(model: torch.nn.Module, task: Task, **kwargs) -> dict[int, float]:
    """{test length: accuracy on the positions past the longest training sequence}, for lengths beyond it."""
    longest = max(task.train_lengths)
    skip = task.sequence_length(longest)
    return {length: accuracy_at(model, task, length, skip=skip, **kwargs)
            for length in sorted(set(task.test_lengths)) if length > longest}


def steps_range(trained: int) -> list[int]:
    """Test-time iteration counts for the frontier: 1 up to twice the trained count (at least 4)."""
    return list(range(1, max(2 * trained, 4) + 1))


def frontier(model: torch.nn.Module, task: Task, *, lengths: Iterable[int] | None = None,
             steps: Iterable[int] | None = None, reseed: int | None = None, **kwargs) -> dict[int, dict[int, float]]:
    """{recurrence_steps: {length: accuracy}} for each test-time iteration count in `steps` and length.

    Defaults: the longest train and the longest test length, 1 .. twice the trained steps (`steps_range`).
    `model.config.recurrence_steps` is read at every forward (the generated-project contract), so it is
    set for each point and restored to the trained value afterwards, also when evaluation fails. With
    `reseed`, the generator is reseeded before every iteration count, so that all of them are scored on
    the same sequences and a column differs from the next only by the number of iterations.
    """
    config = model.config
    trained = config.recurrence_steps
    lengths = tuple(lengths) if lengths is not None else (max(task.train_lengths), max(task.test_lengths))
    points: dict[int, dict[int, float]] = {}
    try:
        for n in steps_range(trained) if steps is None else steps:
            if reseed is not None:
                kwargs["generator"] = torch.Generator().manual_seed(reseed)
            config.recurrence_steps = n
            points[n] = accuracy_by_length(model, task, lengths, **kwargs)
    finally:
        config.recurrence_steps = trained
    return points
