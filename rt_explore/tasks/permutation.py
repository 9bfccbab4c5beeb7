"""Permutation word problems: the running product of elements of S5 or A5.

From "The Illusion of State in State-Space Models", William Merrill, Jackson Petty, Ashish Sabharwal,
2024, arXiv:2404.08819: the word problems of S5 and A5 are NC1-complete, so (unless TC0 = NC1) no
constant-depth transformer or diagonal SSM solves them at every length, while an RNN needs one step per
token.

Elements are permutations of {0..4} written as tuples p with p[i] the image of i, numbered in
lexicographic order of the tuples (S5: 120 ids, A5: the 60 even ones). Composition order, fixed here:
the state after tokens x_1..x_t is "x_1, then x_2, ..., then x_t", i.e. it maps i to
x_t(...x_2(x_1(i))); in right-to-left notation P_t = x_t ∘ P_{t-1}. The target at every position is
the id of that state (a label at every position, as Merrill et al. train and score their word
problems). Inputs and targets share the element ids.

Lengths are parameters: `min_train_length` (0: a quarter of `max_train_length`), `max_train_length`,
`test_lengths` ("6,8,12"; "": L, 2L, 4L); `Task._set_lengths` gives the published protocols.
"""

from __future__ import annotations

from functools import cache, cached_property
from itertools import permutations
from typing import TYPE_CHECKING, Any

from rt_explore.tasks.base import Batch, Task, sequence_lengths

if TYPE_CHECKING:
    import torch

Permutation = tuple[int, ...]
GROUPS = ("S5", "A5")


def is_even(p: Permutation) -> bool:
    inversions = sum(p[i] > p[j] for i in range(len(p)) for j in range(i + 1, len(p)))
    return inversions % 2 == 0


def then(a: Permutation, b: Permutation) -> Permutation:
    """a, then b: the permutation i -> b[a[i]]."""
    return tuple(b[a[i]] for i in range(len(a)))


@cache
def group_elements(group: str) -> tuple[Permutation, ...]:
    everything = list(permutations(range(5)))  # lexicographic
    return tuple(everything) if group == "S5" else tuple(p for p in everything if is_even(p))


@cache
def product_table(group: str) -> tuple[tuple[int, ...], ...]:
    """table[a][b] = id of (element a, then element b), as plain ints so building it needs no torch."""
    elements = group_elements(group)
    index = {p: i for i, p in enumerate(elements)}
    return tuple(tuple(index[then(a, b)] for b in elements) for a in elements)


class PermutationTask(Task):
    name = "permutation"
    summary = "elements of S5 or A5 in, the id of the running product out at every position"
    probes = "non-abelian state tracking (NC1-complete word problem; A5 is the smallest non-solvable group)"
    reference = "The Illusion of State in State-Space Models; Merrill et al.; 2024; arXiv:2404.08819"
    length_name = "sequence length"

    def __init__(self, *, group: str = "A5", min_train_length: int = 0, max_train_length: int = 16,
                 test_lengths: str = "") -> None:
        self.group = self._choice("group", group, GROUPS)
        self.max_train_length = self._int("max_train_length", max_train_length, 1)
        self._set_lengths(sequence_lengths(self.max_train_length), min_train_length, test_lengths)
        self.elements = group_elements(self.group)
        self.vocab_size = len(self.elements)
        self.chance = 1.0 / len(self.elements)

    def params(self) -> dict[str, Any]:
        return {"group": self.group, **self._length_params()}

    def sequence_length(self, length: int) -> int:
        return length

    @cached_property
    def _table(self) -> torch.Tensor:
        import torch

        return torch.tensor(product_table(self.group))

    def label(self, ids: torch.Tensor) -> torch.Tensor:
        """Running products of element ids [B, T] -> state ids [B, T]."""
        table = self._table.to(ids.device)  # [G, G]
        states = ids.clone()  # the state after the first token is that token
        for t in range(1, ids.shape[1]):
            states[:, t] = table[states[:, t - 1], ids[:, t]]
        return states

    def batch(self, batch_size: int, length: int, generator: torch.Generator) -> Batch:
        import torch

        self._check_batch_args(batch_size, length)
        ids = torch.randint(self.vocab_size, (batch_size, length), generator=generator)  # [B, T]
        mask = torch.ones(batch_size, length, dtype=torch.bool)
        return Batch(ids, self.label(ids), mask)
