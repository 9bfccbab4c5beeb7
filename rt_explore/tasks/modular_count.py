"""Modular counting: the running sum of tokens modulo m.

From "Neural Networks and the Chomsky Hierarchy", Grégoire Delétang et al., 2023, arXiv:2207.02098:
like their regular task "cycle navigation" it tracks a position on a cycle of m states; here each token
0..m-1 is a step of that many states along the cycle, and the target at position t is
(x_0 + ... + x_t) mod m. With m = 2 this is parity. Their "modular arithmetic" (with * and -) is the
task `modular-arithmetic`.

Lengths are parameters: `min_train_length` (0: a quarter of `max_train_length`), `max_train_length`,
`test_lengths` ("6,8,12"; "": L, 2L, 4L); `Task._set_lengths` gives the published protocols.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rt_explore.tasks.base import Batch, Task, sequence_lengths

if TYPE_CHECKING:
    import torch


class ModularCountTask(Task):
    name = "modular-count"
    summary = "tokens 0..m-1 in, the running sum mod m out at every position"
    probes = "state tracking on a cycle of m states (an abelian group, Z_m)"
    reference = "Neural Networks and the Chomsky Hierarchy; Delétang et al.; 2023; arXiv:2207.02098"
    length_name = "sequence length"

    def __init__(self, *, modulus: int = 5, min_train_length: int = 0, max_train_length: int = 16,
                 test_lengths: str = "") -> None:
        self.modulus = self._int("modulus", modulus, 2)
        self.max_train_length = self._int("max_train_length", max_train_length, 1)
        self._set_lengths(sequence_lengths(self.max_train_length), min_train_length, test_lengths)
        # Inputs and targets share the ids 0..m-1: a token is a step, a target a state.
        self.vocab_size = self.modulus
        self.chance = 1.0 / self.modulus

    def params(self) -> dict[str, Any]:
        return {"modulus": self.modulus, **self._length_params()}

    def sequence_length(self, length: int) -> int:
        return length

    def label(self, steps: torch.Tensor) -> torch.Tensor:
        """Running sum mod m of steps [B, T] -> targets [B, T]."""
        return steps.cumsum(dim=1) % self.modulus

    def batch(self, batch_size: int, length: int, generator: torch.Generator) -> Batch:
        import torch

        self._check_batch_args(batch_size, length)
        steps = torch.randint(self.modulus, (batch_size, length), generator=generator)  # [B, T]
        mask = torch.ones(batch_size, length, dtype=torch.bool)
        return Batch(steps, self.label(steps), mask)
