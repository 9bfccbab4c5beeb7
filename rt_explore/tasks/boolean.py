"""Nested boolean expressions: evaluate a fully parenthesised infix expression over T and F.

From "Thinking Deeper, Not Longer: Depth-Recurrent Transformers for Compositional Generalization",
Hung-Hsuan Chen, 2026, arXiv:2603.21676 (nested boolean logic, with nesting depth as the knob).

Construction: a literal wrapped in `length` levels, innermost first; each level is `( not X )`,
`( X op b )` or `( b op X )` with op in {and, or} and b a random literal. So the nesting depth is exactly
`length` and the size grows linearly with it (a full tree would double per level). Each level maps the
value below through identity, negation or a constant, and the model must compose these from the inside
out, across both sides of the bracket. Labels are balanced within every batch: when the drawn value
is not the wanted one, the expression is replaced by its De Morgan dual (T <-> F, and <-> or), which
negates the value and is drawn with the same probability.

Tokens: F = 0, T = 1, and, or, not, (, ), =, pad. A sequence reads `( T and ( not F ) ) =`, padded on
the right to 4 * length + 2 tokens; only "=" is scored, and its target is the value (F or T).

Serial steps (`absorbing`). A level `X and F` or `X or T` (or the mirrored `F and X`, `T or X`) absorbs:
its value is fixed whatever X is, so nothing below it matters. With absorbing levels drawn at random
(probability 1/3 per level, `absorbing=True`, the default) the nesting depth overstates the work: reading
only the outermost four levels scores 0.90 at every depth. `effective_depth` counts the levels the value
really passes through, from the outermost absorbing one up (the nesting depth if none absorbs).
`absorbing=False` draws no absorbing level: every binary level is an identity (`and T`, `or F`, either
side), so the value is the leaf flipped by every `not` on the way out, and the effective depth equals the
nesting depth: one serial step per level.

Lengths are parameters: `min_train_length` (0: 1), `max_train_length`, `test_lengths` ("10,12,14"; "":
1.5L, 2L, 3L, 4L); `Task._set_lengths` gives Chen's protocol (depths 1..8, tests to 14).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rt_explore.tasks.base import Batch, Task, depth_lengths, seeded_random

if TYPE_CHECKING:
    import torch

WORDS = ("F", "T", "and", "or", "not", "(", ")", "=", "<pad>")
ID = {word: i for i, word in enumerate(WORDS)}
OPERATORS = ("and", "or", "not")

# One nesting level: (operator, sibling literal, sibling on the left). "not" ignores the sibling.
Level = tuple[str, bool, bool]


def nest(leaf: bool, levels: Sequence[Level]) -> tuple[list[str], bool]:
    """Wrap `leaf` in `levels`, innermost first; return the words and the value of the expression."""
    words, value = ["T" if leaf else "F"], leaf
    for op, sibling, sibling_first in levels:
        if op == "not":
            words, value = ["(", "not", *words, ")"], not value
            continue
        b = "T" if sibling else "F"
        words = ["(", b, op, *words, ")"] if sibling_first else ["(", *words, op, b, ")"]
        value = (value and sibling) if op == "and" else (value or sibling)
    return words, value


def dual(leaf: bool, levels: Sequence[Level]) -> tuple[bool, list[Level]]:
    """De Morgan dual: swap T <-> F and and <-> or. Its value is the negation of the original's."""
    swap = {"and": "or", "or": "and", "not": "not"}
    return not leaf, [(swap[op], not sibling, first) for op, sibling, first in levels]


def absorbs(level: Level) -> bool:
    """Whether a level fixes its value whatever is below it: `and F` or `or T`, on either side."""
    op, sibling, _ = level
    return (op == "and" and not sibling) or (op == "or" and sibling)


def effective_depth(levels: Sequence[Level]) -> int:
    """The number of levels (innermost first) the value passes through: from the outermost absorbing level
    up, or all of them if none absorbs. 1 when the outermost level absorbs."""
    for i in reversed(range(len(levels))):
        if absorbs(levels[i]):
            return len(levels) - i
    return len(levels)


def random_levels(rng: random.Random, depth: int, absorbing: bool = True) -> list[Level]:
    """`depth` random levels, innermost first; without `absorbing`, each binary level is an identity."""
    levels = []
    for _ in range(depth):
        op = rng.choice(OPERATORS)
        # and T / or F pass the value through; and F / or T would fix it.
        sibling = rng.random() < 0.5 if absorbing else op == "and"
        levels.append((op, sibling, rng.random() < 0.5))
    return levels


def random_expression(rng: random.Random, depth: int, value: bool, absorbing: bool = True) -> list[str]:
    """Words of a random expression of nesting depth `depth` whose value is `value`."""
    leaf = rng.random() < 0.5
    levels = random_levels(rng, depth, absorbing)
    words, got = nest(leaf, levels)
    if got != value:
        # The dual swaps and F <-> or T and and T <-> or F, so it absorbs exactly where the original does.
        words, _ = nest(*dual(leaf, levels))
    return words


class BooleanTask(Task):
    name = "boolean"
    summary = "a nested and/or/not expression over T and F, then '=': predict its value"
    probes = ("multi-step reasoning over nested structure (a stack of pending operations); absorbing=false "
              "makes every level a serial step")
    reference = ("Thinking Deeper, Not Longer: Depth-Recurrent Transformers for Compositional "
                 "Generalization; Chen; 2026; arXiv:2603.21676")
    length_name = "nesting depth"

    def __init__(self, *, absorbing: bool = True, min_train_length: int = 0, max_train_length: int = 4,
                 test_lengths: str = "") -> None:
        if not isinstance(absorbing, bool):
            raise ValueError(f"{self.name}: absorbing must be true or false, got {absorbing!r}")
        self.absorbing = absorbing
        self.max_train_length = self._int("max_train_length", max_train_length, 1)
        self._set_lengths(depth_lengths(self.max_train_length), min_train_length, test_lengths)
        self.vocab_size = len(WORDS)
        self.pad = ID["<pad>"]
        self.chance = 0.5

    def params(self) -> dict[str, Any]:
        return {"absorbing": self.absorbing, **self._length_params()}

    def sequence_length(self, length: int) -> int:
        # At most 4 words per level (binary levels), the leaf, and "=".
        return 4 * length + 2

    def batch(self, batch_size: int, length: int, generator: torch.Generator) -> Batch:
        import torch

        self._check_batch_args(batch_size, length)
        T = self.sequence_length(length)
        values = (torch.randperm(batch_size, generator=generator) % 2 == 1).tolist()  # balanced
        rng = seeded_random(generator)
        inputs = torch.full((batch_size, T), self.pad, dtype=torch.long)
        targets = torch.zeros_like(inputs)
        mask = torch.zeros_like(inputs, dtype=torch.bool)
        for row, value in enumerate(values):
            words = [*random_expression(rng, length, value, self.absorbing), "="]
            inputs[row, : len(words)] = torch.tensor([ID[w] for w in words])
            end = len(words) - 1  # the "=" position
            targets[row, end] = ID["T"] if value else ID["F"]
            mask[row, end] = True
        return Batch(inputs, targets, mask)
