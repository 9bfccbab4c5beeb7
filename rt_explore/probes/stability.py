"""The stability probe: does the state of a depth loop stay bounded when it is iterated far past training?

"Thinking Deeper, Not Longer" (Chen 2026, arXiv 2603.21676) makes a 20+ step loop trainable with
LayerScale, identity-biased recurrence and a final-only loss, and its test is that the hidden state does
not diverge when the model is run for more iterations than it was trained with. This probe measures it
on a generated depth/sequence model: the recurrent state h_r of `model.recurrence` after every iteration
r = 1 .. steps, from the embedded inputs, as
- `norm`: the mean over tokens of ||h_r||_2 (a diverging loop grows without bound),
- `change`: the mean over tokens of ||h_r - h_{r-1}||_2 / ||h_{r-1}||_2 (a loop that settles on a fixed
  point goes to zero; one that oscillates or drifts does not).
"""

from __future__ import annotations

import torch

from ..errors import UsageError

NOT_A_LOOP = ("the stability probe needs a depth/sequence project: its model iterates one block over the "
              "whole sequence (`model.recurrence`)")


@torch.no_grad()
def state_trajectory(model: torch.nn.Module, inputs: torch.Tensor, steps: int) -> list[dict[str, float]]:
    """[{iteration, norm, change}] for iterations 1..steps of `model.recurrence` on `inputs: [B, T]`."""
    if steps < 1:
        raise UsageError(f"steps must be at least 1, got {steps}")
    recurrence, embed = getattr(model, "recurrence", None), getattr(model, "embed", None)
    if recurrence is None or embed is None or not hasattr(recurrence, "step"):
        raise UsageError(NOT_A_LOOP)
    model.eval()
    x = embed(inputs)  # [B, T, C]
    states = recurrence(x, steps=steps, return_all=True)  # steps x [B, T, C]
    out, previous = [], x
    for r, h in enumerate(states, start=1):
        norm = h.norm(dim=-1)  # [B, T]
        change = (h - previous).norm(dim=-1) / previous.norm(dim=-1).clamp_min(1e-12)
        out.append({"iteration": r, "norm": float(norm.mean()), "change": float(change.mean())})
        previous = h
    return out
