"""Parity: the running parity of a bit string.

From "Neural Networks and the Chomsky Hierarchy", Grégoire Delétang et al., 2023, arXiv:2207.02098
(the regular task "parity check"; here every prefix is labelled, not only the whole string).
Tokens: 0 and 1 are the bits; the target at position t is the parity of bits 0..t (0 even, 1 odd).
A two-state automaton solves it, yet attention without recurrence generalises poorly to longer strings.

Lengths are parameters: `min_train_length` (0: a quarter of `max_train_length`), `max_train_length`,
`test_lengths` ("6,8,12"; "": L, 2L, 4L); `Task._set_lengths` gives the published protocols.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rt_explore.tasks.base import Batch, Task, sequence_lengths

if TYPE_CHECKING:
    import torch


class ParityTask(Task):
    name = "parity"
    summary = "bits in, the running parity (even 0 / odd 1) out at every position"
    probes = "state tracking with two states (the simplest regular language that is not star-free)"
    reference = "Neural Networks and the Chomsky Hierarchy; Delétang et al.; 2023; arXiv:2207.02098"
    length_name = "sequence length"

    def __init__(self, *, min_train_length: int = 0, max_train_length: int = 16, test_lengths: str = "") -> None:
        self.max_train_length = self._int("max_train_length", max_train_length, 1)
        self._set_lengths(sequence_lengths(self.max_train_length), min_train_length, test_lengths)
        self.vocab_size = 2
        self.chance = 0.5

    def params(self) -> dict[str, Any]:
        return self._length_params()

    def sequence_length(self, length: int) -> int:
        return length

    def label(self, bits: torch.Tensor) -> torch.Tensor:
        """Running parity of bits [B, T] -> targets [B, T]."""
        return bits.cumsum(dim=1) % 2

    def batch(self, batch_size: int, length: int, generator: torch.Generator) -> Batch:
        import torch

        self._check_batch_args(batch_size, length)
        bits = torch.randint(2, (batch_size, length), generator=generator)  # [B, T]
        mask = torch.ones(batch_size, length, dtype=torch.bool)
        return Batch(bits, self.label(bits), mask)
