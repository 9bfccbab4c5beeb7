"""The toy-task interface: a `Batch` of token ids and the `Task` that generates and scores it.

Every task is teacher-forced sequence labelling for a causal language model: the logits at position t
(which see inputs[:, :t+1]) are scored against targets[:, t] wherever mask[:, t] is True. So a task puts
everything a target needs at or before its scored position.

Torch is imported inside the methods that need it, so that listing the tasks (`describe_tasks`, the
`rt-explore tasks` command) works without the torch extra and stays fast.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True, eq=False)
class Batch:
    """One batch of a task. All three tensors have shape [B, T]."""

    inputs: torch.Tensor  # LongTensor [B, T], token ids in [0, vocab_size)
    targets: torch.Tensor  # LongTensor [B, T], token ids in [0, vocab_size); ignored where mask is False
    mask: torch.Tensor  # BoolTensor [B, T], the positions that are scored (loss and accuracy)

    def to(self, device: torch.device | str) -> Batch:
        return Batch(self.inputs.to(device), self.targets.to(device), self.mask.to(device))


class Task(ABC):
    """A toy task: typed keyword parameters, a vocabulary, train and test lengths, a generator, a metric.

    Subclasses set the class variables below and, in `__init__`, the instance attributes
    `vocab_size`, `train_lengths`, `test_lengths` and `chance`.
    """

    name: ClassVar[str]  # registry key, e.g. "parity"
    summary: ClassVar[str]  # one line: what the task is
    probes: ClassVar[str]  # one line: the capability it probes
    reference: ClassVar[str]  # the paper: title, first author, year, arXiv id
    length_name: ClassVar[str]  # what "length" counts: "sequence length", "hops", "nesting depth"

    vocab_size: int
    train_lengths: tuple[int, ...]  # lengths sampled during training
    test_lengths: tuple[int, ...]  # longer lengths, for length generalisation
    chance: float  # accuracy of a uniform guess among the possible answers at a scored position
    # The token that closes a unit, for tasks made of sentence-like units (train gives it to models whose
    # chunks end at delimiters, as it gives vocab_size); None: the task has no units.
    delimiter: int | None = None

    @abstractmethod
    def params(self) -> dict[str, Any]:
        """The resolved parameters, such that `type(self)(**self.params())` rebuilds this task."""

    @abstractmethod
    def sequence_length(self, length: int) -> int:
        """T, the number of tokens per sequence in a batch of this task length."""

    @abstractmethod
    def batch(self, batch_size: int, length: int, generator: torch.Generator) -> Batch:
        """A batch of `batch_size` sequences of task length `length`, a function of the generator state."""

    def accuracy(self, logits: torch.Tensor, batch: Batch) -> float:
        """Argmax accuracy over the scored positions. logits: [B, T, vocab_size]."""
        if logits.shape[:2] != batch.targets.shape:
            raise ValueError(f"logits of shape {tuple(logits.shape)} do not match targets "
                             f"of shape {tuple(batch.targets.shape)}")
        scored = int(batch.mask.sum())
        if scored == 0:
            raise ValueError("the batch has no scored positions")
        correct = (logits.argmax(dim=-1) == batch.targets) & batch.mask
        return int(correct.sum()) / scored

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params().items())
        return f"{type(self).__name__}({args})"

    # -- validation helpers: one clear message naming the task, the parameter and the value --

    def _int(self, param: str, value: Any, minimum: int, maximum: int | None = None) -> int:
        # bool is an int subclass; `max_train_length=True` is a mistake, not 1.
        ok = isinstance(value, int) and not isinstance(value, bool)
        if not ok or value < minimum or (maximum is not None and value > maximum):
            bound = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
            raise ValueError(f"{self.name}: {param} must be an integer {bound}, got {value!r}")
        return value

    def _probability(self, param: str, value: Any) -> float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok or not 0.0 <= value <= 1.0:
            raise ValueError(f"{self.name}: {param} must be a number in [0, 1], got {value!r}")
        return float(value)

    def _choice(self, param: str, value: Any, choices: tuple[str, ...]) -> str:
        if value not in choices:
            raise ValueError(f"{self.name}: {param} must be one of {', '.join(choices)}; got {value!r}")
        return value

    def _check_batch_args(self, batch_size: int, length: int, minimum: int = 1,
                          maximum: int | None = None) -> None:
        self._int("batch_size", batch_size, 1)
        self._int(f"length ({self.length_name})", length, minimum, maximum)


def sequence_lengths(longest_train: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Train lengths L/4..L and test lengths (L, 2L, 4L), for tasks whose length is a sequence length.

    The test set repeats L as the in-distribution reference point beside the longer lengths.
    """
    train = tuple(range(max(1, longest_train // 4), longest_train + 1))
    return train, (longest_train, 2 * longest_train, 4 * longest_train)


def depth_lengths(longest_train: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Train lengths 1..L and test lengths 1.5L, 2L, 3L, 4L, for hop counts and nesting depths."""
    test = sorted({3 * longest_train // 2, 2 * longest_train, 3 * longest_train, 4 * longest_train})
    return tuple(range(1, longest_train + 1)), tuple(n for n in test if n > longest_train)


def seeded_random(generator: torch.Generator) -> random.Random:
    """A Python RNG seeded from (and advancing) the torch generator, for per-example Python logic."""
    import torch

    return random.Random(int(torch.randint(2**31, (1,), generator=generator)))
