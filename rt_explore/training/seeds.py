"""Random streams derived from a run's seed, in one place, so no two uses share (or collide on) a stream.

A run with seed s initialises its weights with torch.manual_seed(s) and draws training data from
torch.Generator().manual_seed(s). Everything else gets its own stream: evaluation batches (never trained
on), the frontier, the probes' inputs, random-depth draws, the scoring at time_to. Each is s plus a large
odd constant, far apart.
"""

from __future__ import annotations

EVAL_STREAM = 1_000_003
FRONTIER_STREAM = 2_000_003
PROBE_STREAM = 3_000_017
DEPTH_STREAM = 4_000_037
TIME_TO_STREAM = 5_000_011  # and the next: scoring when training first reaches a target (time_to)


def stream_seed(seed: int, offset: int) -> int:
    return seed + offset


def stream(seed: int, offset: int):
    """A torch.Generator for the stream `offset` of a run with seed `seed`."""
    import torch

    return torch.Generator().manual_seed(stream_seed(seed, offset))
