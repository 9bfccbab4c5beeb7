"""Parity: the running parity of a bit string.

From "Neural Networks and the Chomsky Hierarchy", Grégoire Delétang et al., 2023, arXiv:2207.02098
(the regular task "parity check"; here every prefix is labelled, not only the whole string).
Tokens: 0 and 1 are the bits; the target at position t is the parity of bits 0..t (0 even, 1 odd).
A two-state automaton solves it, yet attention without recurrence generalises poorly to longer strings.

It is modular counting (`modular-count`) with m = 2 fixed: the same batches and labels, under its own name.

Lengths are parameters: `min_train_length` (0: a quarter of `max_train_length`), `max_train_length`,
`test_lengths` ("6,8,12"; "": L, 2L, 4L); `Task._set_lengths` gives the published protocols.
"""

from __future__ import annotations

from typing import Any

from rt_explore.tasks.modular_count import ModularCountTask


class ParityTask(ModularCountTask):
    name = "parity"
    summary = "bits in, the running parity (even 0 / odd 1) out at every position"
    probes = "state tracking with two states (the simplest regular language that is not star-free)"
    reference = "Neural Networks and the Chomsky Hierarchy; Delétang et al.; 2023; arXiv:2207.02098"
    length_name = "sequence length"

    def __init__(self, *, min_train_length: int = 0, max_train_length: int = 16, test_lengths: str = "") -> None:
        super().__init__(modulus=2, min_train_length=min_train_length, max_train_length=max_train_length,
                         test_lengths=test_lengths)

    def params(self) -> dict[str, Any]:
        return self._length_params()
