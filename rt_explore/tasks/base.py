"""The toy-task interface: a `Batch` of token ids and the `Task` that generates and scores it.

Every task is teacher-forced sequence labelling for a causal language model: the logits at position t
(which see inputs[:, :t+1]) are scored against targets[:, t] wherever mask[:, t] is True. So a task puts
everything a target needs at or before its scored position. A task whose tokens are not a sequence (the
nodes of a graph) instead gives each batch its own attention mask, which replaces the causal one; only
models whose attention sees the whole sequence take it (`masks_attention`, codegen.cores.Core.takes_mask).

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
    """One batch of a task. inputs, targets and mask have shape [B, T]; attention_mask, where a task gives one,
    [B, T, T]."""

    inputs: torch.Tensor  # LongTensor [B, T], token ids in [0, vocab_size)
    targets: torch.Tensor  # LongTensor [B, T], token ids in [0, vocab_size); ignored where mask is False
    mask: torch.Tensor  # BoolTensor [B, T], the positions that are scored (loss and accuracy)
    # BoolTensor [B, T, T]: attention_mask[b, t, s] is True where position t may attend to position s, in place
    # of the causal mask (every row allows at least t itself); None: causal attention
    attention_mask: torch.Tensor | None = None

    def to(self, device: torch.device | str) -> Batch:
        attention = None if self.attention_mask is None else self.attention_mask.to(device)
        return Batch(self.inputs.to(device), self.targets.to(device), self.mask.to(device), attention)

    def model_inputs(self) -> dict[str, torch.Tensor]:
        """The keyword arguments a model takes beside the token ids: {"mask": attention_mask}, or none."""
        return {} if self.attention_mask is None else {"mask": self.attention_mask}


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
    # Whether every batch carries an attention mask (Batch.attention_mask) that the model must take.
    masks_attention: ClassVar[bool] = False

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

    def test_variants(self) -> dict[str, Task]:
        """Other distributions to score a model trained on this task on, by name, at the test lengths: for
        protocols that change more than the length (flip-flop's sparse and dense tests). {} for most tasks."""
        return {}

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

    def _lengths(self, param: str, value: Any) -> tuple[int, ...]:
        """Positive task lengths written "6,8,12" (or given as a sequence of ints), sorted, without repeats;
        "" means none given."""
        items = [item.strip() for item in value.split(",") if item.strip()] if isinstance(value, str) else value
        try:
            lengths = tuple(sorted({self._int(param, int(x) if isinstance(x, str) else x, 1) for x in items}))
        except (TypeError, ValueError):
            raise ValueError(f"{self.name}: {param} must be positive integers separated by commas "
                             f"(e.g. '6,8,12'), got {value!r}") from None
        return lengths

    def _set_lengths(self, defaults: tuple[tuple[int, ...], tuple[int, ...]], min_train_length: int,
                     test_lengths: Any, minimum: int = 1) -> None:
        """Set `train_lengths` (min_train_length..max_train_length) and `test_lengths`, and resolve the two
        parameters that choose them: min_train_length 0 and test_lengths "" keep the task's `defaults`.

        So the published protocols are parameters. Delétang et al. (arXiv 2207.02098) train on lengths up
        to 40 and Grazzi et al. (arXiv 2411.12537) on 3..40, testing to 256: `min_train_length=3,
        max_train_length=40, test_lengths="40,64,128,256"`; training's new-positions accuracy then scores
        only the positions past length 40 (`training.evaluate.new_positions_accuracy`). Chen 2026 (arXiv
        2603.21676) trains reachability on 1..5 hops and tests 6, 8, 12: `max_train_length=5,
        test_lengths="6,8,12"`; boolean logic on depths 1..8, tested to 14: `max_train_length=8,
        test_lengths="10,12,14"`.
        """
        train, test = defaults
        self._int("min_train_length", min_train_length, 0, self.max_train_length)
        if min_train_length:
            train = tuple(range(max(min_train_length, minimum), self.max_train_length + 1))
        given = self._lengths("test_lengths", test_lengths)
        self.train_lengths, self.test_lengths = train, given or test
        self.min_train_length = self.train_lengths[0]

    def _length_params(self) -> dict[str, Any]:
        """min_train_length, max_train_length and test_lengths, resolved, for `params`."""
        return {"min_train_length": self.min_train_length, "max_train_length": self.max_train_length,
                "test_lengths": ",".join(map(str, self.test_lengths))}

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
