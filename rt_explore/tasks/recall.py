"""Multi-query associative recall (MQAR): key-value pairs, then keys queried again for their values.

From "Zoology: Measuring and Improving Recall in Efficient Language Models", Simran Arora et al., 2023,
arXiv:2312.04927. As there, keys and values come from disjoint vocabularies and every query is
written as its key followed by the value (teacher forcing); the model is scored at the query key,
where it has seen the pairs but not yet the answer. Here the queries follow the pairs after a
separator and ask every key once, in random order; `length` is the number of pairs.

Tokens: keys 0..K-1, values K..K+V-1, then the separator "|". A sequence of n pairs reads
`k1 v1 ... kn vn | q1 a1 ... qn an` (4n + 1 tokens); the query keys q_i are the scored positions.

Known shortcut (found by benchmarks/bench_early_access.py): since every key is asked once and the
earlier answers are shown, the last queries can be answered by elimination, and values drawn with
repeats let a key-blind guess beat 1/V; `chance` is the uniform 1/V. Only the first query of a sequence
needs recall alone; that benchmark scores it separately and measures the key-blind reference.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rt_explore.tasks.base import Batch, Task, sequence_lengths

if TYPE_CHECKING:
    import torch


class RecallTask(Task):
    name = "recall"
    summary = "key-value pairs, then every key queried once: predict its value at the query"
    probes = "associative recall of many facts from context (the memory capacity of a recurrent state)"
    reference = ("Zoology: Measuring and Improving Recall in Efficient Language Models; Arora et al.; 2023; "
                 "arXiv:2312.04927")
    length_name = "key-value pairs"

    def __init__(self, *, num_keys: int = 32, num_values: int = 32, max_train_length: int = 8) -> None:
        self.num_keys = self._int("num_keys", num_keys, 1)
        self.num_values = self._int("num_values", num_values, 2)
        self.max_train_length = self._int("max_train_length", max_train_length, 1)
        self.train_lengths, self.test_lengths = sequence_lengths(self.max_train_length)
        if self.test_lengths[-1] > self.num_keys:
            raise ValueError(
                f"{self.name}: num_keys ({self.num_keys}) must be at least the longest test length "
                f"({self.test_lengths[-1]} pairs = 4 * max_train_length), since the keys of a sequence "
                "are distinct")
        self.sep = self.num_keys + self.num_values
        self.vocab_size = self.sep + 1
        self.chance = 1.0 / self.num_values

    def params(self) -> dict[str, Any]:
        return {"num_keys": self.num_keys, "num_values": self.num_values,
                "max_train_length": self.max_train_length}

    def sequence_length(self, length: int) -> int:
        return 4 * length + 1

    def label(self, inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Targets and mask for sequences [B, 4n + 1]: each query key's value from the pairs before "|"."""
        import torch

        n = (inputs.shape[1] - 1) // 4
        keys, values = inputs[:, 0 : 2 * n : 2], inputs[:, 1 : 2 * n : 2]  # [B, n] each
        queries = inputs[:, 2 * n + 1 :: 2]  # [B, n]
        match = queries[:, :, None] == keys[:, None, :]  # [B, n queries, n keys]
        answers = (match.long() * values[:, None, :]).sum(dim=2)  # keys are distinct: one match
        targets = torch.zeros_like(inputs)
        mask = torch.zeros_like(inputs, dtype=torch.bool)
        targets[:, 2 * n + 1 :: 2] = answers
        mask[:, 2 * n + 1 :: 2] = match.any(dim=2)
        return targets, mask

    def batch(self, batch_size: int, length: int, generator: torch.Generator) -> Batch:
        import torch

        B, n = batch_size, length
        self._check_batch_args(B, n, maximum=self.num_keys)
        keys = torch.rand(B, self.num_keys, generator=generator).argsort(dim=1)[:, :n]  # distinct
        values = self.num_keys + torch.randint(self.num_values, (B, n), generator=generator)
        order = torch.rand(B, n, generator=generator).argsort(dim=1)  # the order of the queries
        pairs = torch.stack([keys, values], dim=2).view(B, 2 * n)
        queries = torch.stack([keys.gather(1, order), values.gather(1, order)], dim=2).view(B, 2 * n)
        sep = torch.full((B, 1), self.sep, dtype=torch.long)
        inputs = torch.cat([pairs, sep, queries], dim=1)  # [B, 4n + 1]
        targets, mask = self.label(inputs)
        return Batch(inputs, targets, mask)
