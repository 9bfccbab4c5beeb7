"""Multi-query associative recall (MQAR): key-value pairs, then keys queried again for their values.

From "Zoology: Measuring and Improving Recall in Efficient Language Models", Simran Arora et al., 2023,
arXiv:2312.04927. As there, keys and values come from disjoint vocabularies and every query is
written as its key followed by the value (teacher forcing); the model is scored at the query key,
where it has seen the pairs but not yet the answer. Here the queries follow the pairs after a
separator; `length` is the number of pairs n, and there are n queries.

Tokens: keys 0..K-1, values K..K+V-1, then the separator "|" (and, with distractors, the answer "none"
after it). A sequence of n pairs reads `k1 v1 ... kn vn | q1 a1 ... qn an` (4n + 1 tokens); the query
keys q_i are the scored positions.

The classic protocol (the defaults) asks every key once, in random order. Its known shortcut (found by
the retired early-access benchmark): since the earlier answers are shown, the last queries can be answered
by elimination, and values drawn with repeats let a key-blind guess beat 1/V; `chance` is the uniform
1/V. Only the first query of a sequence needs recall alone. With few keys and pairs it also leaks: 8 keys
and 1-2 pairs give 7,168 possible 2-pair sequences, so most evaluation sequences were seen in training.

The leakage-free protocol (issue 13; `RecallTask(**RecallTask.LEAKAGE_FREE)`) changes three things,
each a parameter:
- `queries="with-replacement"`: each query picks one of the n pairs uniformly and independently, so a
  key may be asked twice and another never: no elimination.
- `distractors=p`: each query is, with probability p, a key absent from the pairs; its answer is the
  token "none" (scored), so a model must tell present keys from absent ones. Needs n < num_keys.
- `split="train"` or `"eval"`: training and evaluation sequences are disjoint by construction. The split
  of a sequence is a function of its dictionary, the *set* of its (key, value) pairs: every possible pair
  (k, v) has a fixed pseudo-random 40-bit code c(k, v) (splitmix64 of k * V + v, no torch randomness),
  and the dictionary {(k_i, v_i)} belongs to the evaluation split iff bit 39 of (sum_i c(k_i, v_i)
  mod 2^40) is 1. The sum ignores the order of the pairs, so one dictionary has one split however its
  pairs are ordered or queried. `split="train"` draws only dictionaries of split 0 (by rejection: about
  two draws per sequence), `"eval"` only those of split 1. A sequence is its dictionary plus queries, so
  no evaluation sequence, and not even an evaluation dictionary with other queries, can be drawn in
  training. Both halves have the same distribution of keys, values and lengths (every pair (k, v) is in
  both: only whole dictionaries are partitioned), so the split costs no distribution shift; a model can
  only gain on the evaluation half by recalling from context. With `split="train"`, `test_variants()`
  offers the same task on the evaluation half as "held-out", the leakage-free score.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar

from rt_explore.tasks.base import Batch, Task, sequence_lengths

if TYPE_CHECKING:
    import torch

QUERY_ORDERS = ("each-once", "with-replacement")
SPLITS = ("all", "train", "eval")
CODE_BITS = 40  # pair codes are below 2^40: sums of up to 2^23 of them stay within int64
MAX_REJECTION_ROUNDS = 200  # a split that yields nothing in 200 rounds of 2B draws is (nearly) empty


def _splitmix64(x: int) -> int:
    """One step of splitmix64 (Steele, Lea & Flood 2014): a fixed, well-mixed 64-bit hash of x."""
    mask = (1 << 64) - 1
    x = (x + 0x9E3779B97F4A7C15) & mask
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & mask
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & mask
    return x ^ (x >> 31)


@lru_cache(maxsize=8)
def pair_codes(num_keys: int, num_values: int) -> tuple[int, ...]:
    """c(k, v) for every pair, row-major (index k * V + v): the low CODE_BITS bits of splitmix64(k * V + v)."""
    return tuple(_splitmix64(i) & ((1 << CODE_BITS) - 1) for i in range(num_keys * num_values))


class RecallTask(Task):
    name = "recall"
    summary = "key-value pairs, then keys queried: predict each query's value"
    probes = "associative recall of many facts from context (the memory capacity of a recurrent state)"
    reference = ("Zoology: Measuring and Improving Recall in Efficient Language Models; Arora et al.; 2023; "
                 "arXiv:2312.04927")
    length_name = "key-value pairs"

    # The leakage-free protocol of issue 13: 32 keys, 1-8 pairs in training, up to 16 at test, queries drawn
    # with replacement, a quarter of them absent keys, training on the first half of the dictionaries (the
    # "held-out" test variant scores the other half).
    LEAKAGE_FREE: ClassVar[dict[str, Any]] = {
        "num_keys": 32, "num_values": 32, "min_train_length": 1, "max_train_length": 8,
        "test_lengths": "4,8,12,16", "queries": "with-replacement", "distractors": 0.25, "split": "train"}

    def __init__(self, *, num_keys: int = 32, num_values: int = 32, max_train_length: int = 8,
                 min_train_length: int = 0, test_lengths: str = "", queries: str = "each-once",
                 distractors: float = 0.0, split: str = "all") -> None:
        self.num_keys = self._int("num_keys", num_keys, 1)
        self.num_values = self._int("num_values", num_values, 2)
        self.max_train_length = self._int("max_train_length", max_train_length, 1)
        self._set_lengths(sequence_lengths(self.max_train_length), min_train_length, test_lengths)
        self.queries = self._choice("queries", queries, QUERY_ORDERS)
        self.distractors = self._probability("distractors", distractors)
        self.split = self._choice("split", split, SPLITS)
        longest = max(self.test_lengths[-1], self.train_lengths[-1])
        if longest > self.num_keys:
            given = "" if test_lengths else " = 4 * max_train_length"
            raise ValueError(
                f"{self.name}: num_keys ({self.num_keys}) must be at least the longest test length "
                f"({longest} pairs{given}), since the keys of a sequence are distinct")
        if self.distractors and longest >= self.num_keys:
            raise ValueError(f"{self.name}: distractors need a key absent from every sequence: num_keys "
                             f"({self.num_keys}) must exceed the longest length ({longest} pairs)")
        self.sep = self.num_keys + self.num_values
        self.none = self.sep + 1 if self.distractors else None  # the answer to an absent key
        self.vocab_size = self.sep + (2 if self.distractors else 1)
        self.chance = 1.0 / (self.num_values + (1 if self.distractors else 0))

    def params(self) -> dict[str, Any]:
        return {"num_keys": self.num_keys, "num_values": self.num_values, **self._length_params(),
                "queries": self.queries, "distractors": self.distractors, "split": self.split}

    def test_variants(self) -> dict[str, Task]:
        """{"held-out": this task on the evaluation half of the dictionaries} when training on the other half."""
        if self.split != "train":
            return {}
        return {"held-out": RecallTask(**{**self.params(), "split": "eval"})}

    def sequence_length(self, length: int) -> int:
        return 4 * length + 1

    def dictionary_split(self, keys: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
        """The split (0: train, 1: eval) of each dictionary, keys [B, n] in 0..K-1 with values [B, n] in
        K..K+V-1 (token ids): bit 39 of the sum of the pairs' codes, mod 2^40 (see the module docstring)."""
        import torch

        codes = torch.tensor(pair_codes(self.num_keys, self.num_values), dtype=torch.long)  # [K * V]
        total = codes[keys * self.num_values + (values - self.num_keys)].sum(dim=1)  # [B], < 2^63
        return (total >> (CODE_BITS - 1)) & 1

    def label(self, inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Targets and mask for sequences [B, 4n + 1]: each query key's value from the pairs before "|"
        (with distractors, "none" for a key that is not among them)."""
        import torch

        n = (inputs.shape[1] - 1) // 4
        keys, values = inputs[:, 0 : 2 * n : 2], inputs[:, 1 : 2 * n : 2]  # [B, n] each
        queries = inputs[:, 2 * n + 1 :: 2]  # [B, n]
        match = queries[:, :, None] == keys[:, None, :]  # [B, n queries, n keys]
        answers = (match.long() * values[:, None, :]).sum(dim=2)  # keys are distinct: one match at most
        found = match.any(dim=2)
        targets = torch.zeros_like(inputs)
        mask = torch.zeros_like(inputs, dtype=torch.bool)
        if self.none is not None:
            answers = torch.where(found, answers, torch.full_like(answers, self.none))
            found = torch.ones_like(found)  # an absent key is scored too: its answer is "none"
        targets[:, 2 * n + 1 :: 2] = answers
        mask[:, 2 * n + 1 :: 2] = found
        return targets, mask

    def _dictionaries(self, B: int, n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """B dictionaries of n pairs: keys [B, n] (distinct in a row), values [B, n]; of this task's split."""
        import torch

        def draw(rows: int) -> tuple[torch.Tensor, torch.Tensor]:
            keys = torch.rand(rows, self.num_keys, generator=generator).argsort(dim=1)[:, :n]  # distinct
            return keys, self.num_keys + torch.randint(self.num_values, (rows, n), generator=generator)

        if self.split == "all":
            return draw(B)
        wanted = SPLITS.index(self.split) - 1  # train 0, eval 1
        kept_keys, kept_values, have = [], [], 0
        for _ in range(MAX_REJECTION_ROUNDS):
            keys, values = draw(2 * (B - have) + 8)
            keep = self.dictionary_split(keys, values) == wanted
            kept_keys.append(keys[keep])
            kept_values.append(values[keep])
            have += int(keep.sum())
            if have >= B:
                return torch.cat(kept_keys)[:B], torch.cat(kept_values)[:B]
        raise ValueError(f"{self.name}: the {self.split} split has (almost) no dictionaries of {n} pairs with "
                         f"{self.num_keys} keys and {self.num_values} values; use more keys or values")

    def batch(self, batch_size: int, length: int, generator: torch.Generator) -> Batch:
        import torch

        B, n = batch_size, length
        self._check_batch_args(B, n, maximum=self.num_keys - (1 if self.distractors else 0))
        keys, values = self._dictionaries(B, n, generator)
        if self.queries == "each-once":
            order = torch.rand(B, n, generator=generator).argsort(dim=1)  # the order of the queries
        else:
            order = torch.randint(n, (B, n), generator=generator)  # with replacement
        asked = keys.gather(1, order)  # [B, n] query keys
        if self.distractors:
            # an absent key: a uniform draw among the keys missing from the row's dictionary
            present = torch.zeros(B, self.num_keys, dtype=torch.bool).scatter_(1, keys, True)
            scores = torch.rand(B, self.num_keys, generator=generator).masked_fill(present, -1.0)
            absent = scores.argsort(dim=1, descending=True)[:, : self.num_keys - n]  # [B, K - n], all absent
            pick = torch.randint(self.num_keys - n, (B, n), generator=generator)
            distract = torch.rand(B, n, generator=generator) < self.distractors
            asked = torch.where(distract, absent.gather(1, pick), asked)
        pairs = torch.stack([keys, values], dim=2).view(B, 2 * n)
        sep = torch.full((B, 1), self.sep, dtype=torch.long)
        # the answers are filled in by label: each query's value, or "none"
        queries = torch.stack([asked, torch.zeros_like(asked)], dim=2).view(B, 2 * n)
        inputs = torch.cat([pairs, sep, queries], dim=1)  # [B, 4n + 1]
        targets, mask = self.label(inputs)
        inputs[:, 2 * n + 2 :: 2] = targets[:, 2 * n + 1 :: 2]  # teacher forcing: the answer follows its query
        return Batch(inputs, targets, mask)
