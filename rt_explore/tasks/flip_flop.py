"""Flip-flop language: remember the last written bit across ignored instructions.

From "Exposing Attention Glitches with Flip-Flop Language Modeling", Bingbin Liu et al., 2023,
arXiv:2306.00946. A sequence is n instructions, each an opcode and a bit: "w b" writes b, "r b" reads
(b is the last written bit), "i b" ignores (b is noise). The first instruction is a write and the last
a read, as in the paper. FFL(p) draws the other opcodes with p_ignore = p and p_write = p_read =
(1 - p) / 2; the paper trains on FFL(0.8) and probes sparse FFL(0.98) and dense FFL(0.1).

Tokens: bits 0, 1; opcodes w = 2, r = 3, i = 4. Instruction k fills positions 2k (opcode) and 2k + 1
(bit). The scored positions are the read opcodes: at "r" the model has seen every earlier write and
must predict the bit that follows, the last written one. Only reads are scored, so the task's accuracy
is one minus the read-error rate, the paper's measure (`read_error_rate`).

The paper's protocol, as parameters: sequences of T = 512 tokens (256 instructions), trained on FFL(0.8)
and tested on FFL(0.98) (sparse: long gaps between a write and its read) and FFL(0.1) (dense):
`p_ignore=0.8, min_train_length=256, max_train_length=256, test_lengths=256, test_p_ignore=0.98,0.1`.
`test_variants()` gives the tasks to score the trained model on, one per test p_ignore, at the same
lengths. Lengths otherwise as in the other sequence tasks (`Task._set_lengths`), counted in instructions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rt_explore.tasks.base import Batch, Task, sequence_lengths

if TYPE_CHECKING:
    import torch

WRITE, READ, IGNORE = 2, 3, 4


def last_written_bit(opcodes: torch.Tensor, bits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """For each instruction, the bit of the latest write strictly before it, and whether there is one.

    opcodes, bits: [B, n] -> (bit [B, n], has_write [B, n]).
    """
    import torch

    n = opcodes.shape[1]
    index = torch.arange(n).expand_as(opcodes)
    # Index of the latest write at or before k, -1 if none; shifted by one so it is strictly before k.
    writes = torch.where(opcodes == WRITE, index, -1).cummax(dim=1).values  # [B, n]
    before = torch.cat([torch.full_like(writes[:, :1], -1), writes[:, :-1]], dim=1)  # [B, n]
    bit = bits.gather(1, before.clamp(min=0))
    return bit, before >= 0


class FlipFlopTask(Task):
    name = "flip-flop"
    summary = "write / read / ignore instructions with bits; at each read, predict the last written bit"
    probes = ("robust long-range memory of one bit past distractors (attention glitches); read errors on "
              "sparse FFL(0.98) and dense FFL(0.1) tests")
    reference = ("Exposing Attention Glitches with Flip-Flop Language Modeling; Liu et al.; 2023; "
                 "arXiv:2306.00946")
    length_name = "instructions"

    def __init__(self, *, p_ignore: float = 0.8, min_train_length: int = 0, max_train_length: int = 16,
                 test_lengths: str = "", test_p_ignore: str = "0.98,0.1") -> None:
        self.p_ignore = self._probability("p_ignore", p_ignore)
        # Two instructions at least: the first is a write, the last a read.
        self.max_train_length = self._int("max_train_length", max_train_length, 2)
        train, test = sequence_lengths(self.max_train_length)
        self._set_lengths((tuple(n for n in train if n >= 2), test), min_train_length, test_lengths, minimum=2)
        if self.test_lengths[0] < 2:
            raise ValueError(f"{self.name}: test_lengths must be at least 2 instructions, got {test_lengths!r}")
        self.test_p_ignore = self._probabilities("test_p_ignore", test_p_ignore)
        self.vocab_size = 5
        self.chance = 0.5

    def _probabilities(self, param: str, value: Any) -> tuple[float, ...]:
        items = [x.strip() for x in value.split(",") if x.strip()] if isinstance(value, str) else list(value)
        try:
            return tuple(self._probability(param, float(x)) for x in items)
        except (TypeError, ValueError):
            raise ValueError(f"{self.name}: {param} must be probabilities separated by commas "
                             f"(e.g. '0.98,0.1'), got {value!r}") from None

    def params(self) -> dict[str, Any]:
        return {"p_ignore": self.p_ignore, **self._length_params(),
                "test_p_ignore": ",".join(map(str, self.test_p_ignore))}

    def test_variants(self) -> dict[str, FlipFlopTask]:
        """{"FFL(p)": the same task at p_ignore = p} for each test p_ignore: where to score a model trained
        on this one (Liu et al.: sparse FFL(0.98) and dense FFL(0.1), after training on FFL(0.8))."""
        params = self.params()
        return {f"FFL({p:g})": FlipFlopTask(**{**params, "p_ignore": p}) for p in self.test_p_ignore}

    def read_error_rate(self, logits: torch.Tensor, batch: Batch) -> float:
        """The fraction of scored reads whose bit the argmax gets wrong (Liu et al.'s error measure)."""
        return 1.0 - self.accuracy(logits, batch)

    def sequence_length(self, length: int) -> int:
        return 2 * length

    def label(self, inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Targets and mask for token sequences [B, 2n]: reads after a write are scored."""
        import torch

        opcodes, bits = inputs[:, 0::2], inputs[:, 1::2]  # [B, n] each
        bit, has_write = last_written_bit(opcodes, bits)
        targets = torch.zeros_like(inputs)
        mask = torch.zeros_like(inputs, dtype=torch.bool)
        targets[:, 0::2] = bit
        mask[:, 0::2] = (opcodes == READ) & has_write
        return targets, mask

    def batch(self, batch_size: int, length: int, generator: torch.Generator) -> Batch:
        import torch

        self._check_batch_args(batch_size, length, minimum=2)
        u = torch.rand(batch_size, length, generator=generator)  # [B, n]
        p_write = (1.0 - self.p_ignore) / 2
        opcodes = torch.full_like(u, IGNORE, dtype=torch.long)
        opcodes[u < 2 * p_write] = READ
        opcodes[u < p_write] = WRITE
        opcodes[:, 0], opcodes[:, -1] = WRITE, READ
        bits = torch.randint(2, (batch_size, length), generator=generator)  # [B, n]
        # A read's bit is not free: it repeats the last write, so the sequence is in the language.
        bits = torch.where(opcodes == READ, last_written_bit(opcodes, bits)[0], bits)
        inputs = torch.stack([opcodes, bits], dim=2).view(batch_size, 2 * length)  # [B, 2n]
        targets, mask = self.label(inputs)
        return Batch(inputs, targets, mask)
