"""Modular arithmetic without brackets: evaluate `x0 op x1 op ... xn` over residues mod m, op in +, -, *.

From "Neural Networks and the Chomsky Hierarchy", Grégoire Delétang et al., 2023, arXiv:2207.02098 (the
regular task "modular arithmetic (simple)", modulus 5), as Grazzi et al. 2024 ("Unlocking State-Tracking
in Linear RNNs Through Negative Eigenvalues", arXiv 2411.12537) use it, "without brackets".

Evaluation follows Delétang et al.'s code: * binds tighter than + and - (usual precedence, not left to
right), and - negates the term that follows it; the value is taken mod m at the end (the same as mod m
at every step). Their examples, mod 5: `1 + 2 * 3` = 7 = 2, `1 - 1 - 1` = -1 = 4,
`0 * 1 + 4 * 3 - 2` = 10 = 0. Residues and operators are drawn uniformly, as theirs.

Tokens: residues 0..m-1, then +, -, * (ids m, m+1, m+2). A sequence of task length n holds n tokens if n
is odd and n - 1 if it is even (an expression alternates residue, operator, ..., residue; Delétang et
al. drop the last token likewise). Targets are residues.

Labels (`labels`):
- "end" (default, as both papers): only the last token is scored, with the value of the whole
  expression; at a test length the whole sequence is new, so no earlier position is in distribution.
- "every": every residue is scored with the value of the expression up to it, a running value. Still a
  finite automaton (the state is the sum of the closed terms and the open product, m * m states), with
  a denser training signal; operator positions are not scored.

Lengths are parameters: `min_train_length` (0: a quarter of `max_train_length`), `max_train_length`,
`test_lengths` ("40,64,128,256"; "": L, 2L, 4L); `Task._set_lengths` gives the published protocols.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rt_explore.tasks.base import Batch, Task, sequence_lengths

if TYPE_CHECKING:
    import torch

OPERATORS = "+-*"
LABELS = ("end", "every")


class ModularArithmeticTask(Task):
    name = "modular-arithmetic"
    summary = "residues mod m joined by +, -, * (no brackets, * first), predict the value"
    probes = "state tracking with two counters (closed sum and open product): a regular language that is not a group"
    reference = "Neural Networks and the Chomsky Hierarchy; Delétang et al.; 2023; arXiv:2207.02098"
    length_name = "tokens"

    def __init__(self, *, modulus: int = 5, operators: str = OPERATORS, labels: str = "end",
                 min_train_length: int = 0, max_train_length: int = 16, test_lengths: str = "") -> None:
        self.modulus = self._int("modulus", modulus, 2)
        if not operators or any(op not in OPERATORS for op in operators) or len(set(operators)) < len(operators):
            raise ValueError(f"{self.name}: operators must be distinct characters of '{OPERATORS}', got {operators!r}")
        self.operators = "".join(op for op in OPERATORS if op in operators)  # canonical order
        self.labels = self._choice("labels", labels, LABELS)
        self.max_train_length = self._int("max_train_length", max_train_length, 1)
        self._set_lengths(sequence_lengths(self.max_train_length), min_train_length, test_lengths)
        self.op_ids = tuple(self.modulus + OPERATORS.index(op) for op in self.operators)
        self.vocab_size = self.modulus + len(OPERATORS)
        self.chance = 1.0 / self.modulus

    def params(self) -> dict[str, Any]:
        return {"modulus": self.modulus, "operators": self.operators, "labels": self.labels,
                **self._length_params()}

    def sequence_length(self, length: int) -> int:
        return length if length % 2 else length - 1

    def running_values(self, tokens: torch.Tensor) -> torch.Tensor:
        """The value mod m of the expression up to each residue, for token sequences [B, T] (T odd) ->
        [B, (T + 1) // 2], one value per residue."""
        import torch

        residues, ops = tokens[:, 0::2], tokens[:, 1::2] - self.modulus  # [B, n], [B, n - 1]
        plus, minus = OPERATORS.index("+"), OPERATORS.index("-")
        closed = torch.zeros_like(residues[:, 0])  # the sum of the terms before the open one
        term = residues[:, 0]  # the open term: a signed product of residues
        values = [term % self.modulus]
        for i in range(1, residues.shape[1]):
            op, x = ops[:, i - 1], residues[:, i]
            starts = (op == plus) | (op == minus)  # + or - closes the open term and starts another
            closed = torch.where(starts, (closed + term) % self.modulus, closed)
            term = torch.where(starts, torch.where(op == minus, -x, x), term * x) % self.modulus
            values.append((closed + term) % self.modulus)
        return torch.stack(values, dim=1)  # [B, n]

    def batch(self, batch_size: int, length: int, generator: torch.Generator) -> Batch:
        import torch

        self._check_batch_args(batch_size, length)
        T = self.sequence_length(length)
        inputs = torch.randint(self.modulus, (batch_size, T), generator=generator)  # [B, T]
        choice = torch.randint(len(self.op_ids), (batch_size, T // 2), generator=generator)
        inputs[:, 1::2] = torch.tensor(self.op_ids)[choice]
        targets = torch.zeros_like(inputs)
        mask = torch.zeros_like(inputs, dtype=torch.bool)
        values = self.running_values(inputs)  # [B, (T + 1) // 2]
        if self.labels == "every":
            targets[:, 0::2], mask[:, 0::2] = values, True
        else:
            targets[:, -1], mask[:, -1] = values[:, -1], True
        return Batch(inputs, targets, mask)
