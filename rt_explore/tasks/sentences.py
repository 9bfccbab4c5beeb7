"""Sentences: units of digits closed by a delimiter; at each delimiter, a sum over units of each unit's maximum.

A probe of coarse-grained recurrence, a research direction of "The Topological Trouble With
Transformers" (Michael C. Mozer et al., 2026, arXiv:2604.17121, Sec. 5.3): a recurrence step per
sentence-like unit rather than per token or per fixed window. The input is a stream of units, each
`min_unit..max_unit` digits in 0..m-1 followed by the delimiter token m; the sequence is cut at its
length, so the last unit may be unfinished. At each delimiter the target is

    (max(unit_1) + max(unit_2) + ... + max(unit_j)) mod m,

the running sum of the units' largest digits. It needs an aggregate inside a unit (its maximum, which
is not a running quantity that a sum could carry) and a state carried from unit to unit (the sum, a
cycle of m states as in modular counting). A chunk that is exactly a unit holds everything the unit
contributes; a chunk of fixed k tokens cuts units in two, so the memory must carry half a unit's
maximum beside the sum. Only the delimiters are scored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rt_explore.tasks.base import Batch, Task, sequence_lengths

if TYPE_CHECKING:
    import torch


class SentencesTask(Task):
    name = "sentences"
    summary = "units of digits, each closed by a delimiter; at each delimiter, the running sum mod m of unit maxima"
    probes = "coarse-grained state: aggregate within a unit, carry across units (unit-aligned vs fixed chunks)"
    reference = "The Topological Trouble With Transformers; Mozer et al.; 2026; arXiv:2604.17121"
    length_name = "sequence length"

    def __init__(self, *, modulus: int = 8, min_unit: int = 1, max_unit: int = 5, max_train_length: int = 32) -> None:
        self.modulus = self._int("modulus", modulus, 2)
        self.min_unit = self._int("min_unit", min_unit, 1)
        self.max_unit = self._int("max_unit", max_unit, self.min_unit)
        # Every training sequence holds at least one whole unit, so that it has something to score.
        self.max_train_length = self._int("max_train_length", max_train_length, self.max_unit + 1)
        self.delimiter = self.modulus  # digits are 0..m-1 (also the answers), the delimiter is m
        self.vocab_size = self.modulus + 1
        train, self.test_lengths = sequence_lengths(self.max_train_length)
        self.train_lengths = tuple(n for n in train if n > self.max_unit)
        self.chance = 1.0 / self.modulus

    def params(self) -> dict[str, Any]:
        return {"modulus": self.modulus, "min_unit": self.min_unit, "max_unit": self.max_unit,
                "max_train_length": self.max_train_length}

    def sequence_length(self, length: int) -> int:
        return length

    def label(self, inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Targets and mask for token sequences [B, T]: the running sum mod m of unit maxima, at delimiters."""
        import torch

        B, T = inputs.shape
        ends = inputs == self.delimiter  # [B, T]
        unit = ends.long().cumsum(dim=1) - ends.long()  # [B, T] the unit of each position (its delimiter's too)
        digits = torch.where(ends, 0, inputs)  # [B, T]; 0 is neutral for a maximum of digits >= 0
        maxima = torch.zeros(B, T + 1, dtype=torch.long).scatter_reduce(1, unit, digits, reduce="amax")  # [B, units]
        sums = maxima.cumsum(dim=1) % self.modulus  # [B, units] the answer after each unit
        targets = torch.where(ends, sums.gather(1, unit), 0)  # [B, T]
        return targets, ends

    def batch(self, batch_size: int, length: int, generator: torch.Generator) -> Batch:
        import torch

        self._check_batch_args(batch_size, length, minimum=self.max_unit + 1)
        # Enough units to fill the sequence even if all are shortest; the surplus is cut off.
        n_units = length // (self.min_unit + 1) + 1
        sizes = torch.randint(self.min_unit, self.max_unit + 1, (batch_size, n_units), generator=generator)
        delimiters = (sizes + 1).cumsum(dim=1) - 1  # [B, units] the position of each unit's delimiter
        ends = torch.zeros(batch_size, length + n_units * (self.max_unit + 1), dtype=torch.bool)
        ends = ends.scatter(1, delimiters, True)[:, :length]  # [B, T]
        digits = torch.randint(self.modulus, (batch_size, length), generator=generator)  # [B, T]
        inputs = torch.where(ends, self.delimiter, digits)
        targets, mask = self.label(inputs)
        return Batch(inputs, targets, mask)
