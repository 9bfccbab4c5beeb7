"""Unaligned sentences: the sentences task with its units and its delimiters made independent of each other.

The control task for coarse-grained recurrence ("The Topological Trouble With Transformers", Michael C.
Mozer et al., 2026, arXiv:2604.17121, Sec. 5.3). In `sentences` the delimiter closes a unit, so a model
whose chunks end at delimiters gets one whole unit per recurrence step by construction. Here the two are
separated:

- the units and their answers are those of `sentences`: units of `min_unit..max_unit` digits in 0..m-1,
  each closed by its own END token (m + 1), scored at END with the running sum mod m of the units' maxima;
- the delimiter token (m, the task's `delimiter`, at which `chunk_boundary=delimiter` models end chunks)
  carries no information: T // delimiter_every of the T positions of a sequence are delimiters, drawn
  uniformly at random without regard to the units, and the unit stream fills the other positions in order.

So a delimiter chunk is a random stretch of about `delimiter_every` tokens that cuts units wherever it
falls, as a fixed chunk does: delimiter chunking has no built-in advantage, and its chunks are as long on
average as those of `sentences` at the defaults (a unit of 1-5 digits and its delimiter: 4 tokens). For
example, with m = 8 (END = 9, delimiter 8), the units [3, 7] [2] [6, 1] give the stream 3 7 9 2 9 6 1 9;
with delimiters drawn at positions 1 and 5 the sequence is 3 8 7 9 2 8 9 6 1 9, scored at each 9 with
7, 7 + 2 = 9 = 1 mod 8, and 1 + 6 = 7.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rt_explore.tasks.base import Batch, Task, sequence_lengths

if TYPE_CHECKING:
    import torch


class UnalignedSentencesTask(Task):
    name = "unaligned-sentences"
    summary = ("units of digits closed by an END token, with delimiter tokens at random positions unrelated to "
               "the units; at each END, the running sum mod m of unit maxima")
    probes = "coarse-grained state when delimiter chunks do not align with units (the control for delimiter chunks)"
    reference = "The Topological Trouble With Transformers; Mozer et al.; 2026; arXiv:2604.17121"
    length_name = "sequence length"

    def __init__(self, *, modulus: int = 8, min_unit: int = 1, max_unit: int = 5, delimiter_every: int = 4,
                 max_train_length: int = 32) -> None:
        self.modulus = self._int("modulus", modulus, 2)
        self.min_unit = self._int("min_unit", min_unit, 1)
        self.max_unit = self._int("max_unit", max_unit, self.min_unit)
        self.delimiter_every = self._int("delimiter_every", delimiter_every, 2)
        # The shortest sequence whose positions left over by the delimiters hold a whole unit and its END,
        # so that every sequence has something to score.
        self.min_length = next(n for n in range(1, 2 * (self.max_unit + 2) + 1)
                               if n - n // self.delimiter_every > self.max_unit)
        self.max_train_length = self._int("max_train_length", max_train_length, self.min_length)
        self.delimiter = self.modulus  # digits are 0..m-1 (also the answers); m is the delimiter
        self.end = self.modulus + 1  # END closes a unit
        self.vocab_size = self.modulus + 2
        train, self.test_lengths = sequence_lengths(self.max_train_length)
        self.train_lengths = tuple(n for n in train if n >= self.min_length)
        self.chance = 1.0 / self.modulus

    def params(self) -> dict[str, Any]:
        return {"modulus": self.modulus, "min_unit": self.min_unit, "max_unit": self.max_unit,
                "delimiter_every": self.delimiter_every, "max_train_length": self.max_train_length}

    def sequence_length(self, length: int) -> int:
        return length

    def label(self, inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Targets and mask for token sequences [B, T]: the running sum mod m of unit maxima, at END tokens.

        Delimiters are neither digits nor unit ends: they count as 0, which no maximum of digits >= 0 notices.
        """
        import torch

        B, T = inputs.shape
        ends = inputs == self.end  # [B, T]
        unit = ends.long().cumsum(dim=1) - ends.long()  # [B, T] the unit of each position (its END's too)
        digits = torch.where(inputs < self.modulus, inputs, 0)  # [B, T]
        maxima = torch.zeros(B, T + 1, dtype=torch.long).scatter_reduce(1, unit, digits, reduce="amax")  # [B, units]
        sums = maxima.cumsum(dim=1) % self.modulus  # [B, units] the answer after each unit
        targets = torch.where(ends, sums.gather(1, unit), 0)  # [B, T]
        return targets, ends

    def batch(self, batch_size: int, length: int, generator: torch.Generator) -> Batch:
        import torch

        self._check_batch_args(batch_size, length, minimum=self.min_length)
        B, T = batch_size, length
        # The unit stream, as in sentences (END for the delimiter); enough units to fill T positions.
        n_units = T // (self.min_unit + 1) + 1
        sizes = torch.randint(self.min_unit, self.max_unit + 1, (B, n_units), generator=generator)
        closes = (sizes + 1).cumsum(dim=1) - 1  # [B, units] where each unit's END sits in the stream
        is_end = torch.zeros(B, T + n_units * (self.max_unit + 1), dtype=torch.bool)
        is_end = is_end.scatter(1, closes, True)[:, :T]  # [B, T]
        digits = torch.randint(self.modulus, (B, T), generator=generator)  # [B, T]
        stream = torch.where(is_end, self.end, digits)  # [B, T]; its first T - k tokens are used
        # k = T // delimiter_every delimiter positions per sequence, uniformly at random: the first k of a
        # random permutation of the positions.
        k = T // self.delimiter_every
        order = torch.rand(B, T, generator=generator).argsort(dim=1)  # [B, T]
        is_delimiter = torch.zeros(B, T, dtype=torch.bool).scatter(1, order[:, :k], True)  # [B, T]
        source = ((~is_delimiter).long().cumsum(dim=1) - 1).clamp(min=0)  # [B, T] the stream token at each position
        inputs = torch.where(is_delimiter, self.delimiter, stream.gather(1, source))
        targets, mask = self.label(inputs)
        return Batch(inputs, targets, mask)
