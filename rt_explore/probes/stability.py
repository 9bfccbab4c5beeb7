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

import inspect

import torch

from ..errors import UsageError

NOT_A_LOOP = ("the stability probe needs a depth/sequence project: its model iterates one block over the "
              "whole sequence (`model.iterate(x, steps)`)")


def _is_depth_loop(model: object) -> bool:
    """The depth/sequence core's contract (codegen/cores.py, probes "stability"): `iterate(x, steps)`."""
    iterate = getattr(model, "iterate", None)
    return iterate is not None and "steps" in inspect.signature(iterate).parameters


@torch.no_grad()
def state_trajectory(model: torch.nn.Module, inputs: torch.Tensor, steps: int,
                     mask: torch.Tensor | None = None) -> list[dict[str, float]]:
    """[{iteration, norm, change}] for iterations 1..steps of the depth loop on `inputs: [B, T]` (under the
    task's attention mask [B, T, T] where it gives one)."""
    if steps < 1:
        raise UsageError(f"steps must be at least 1, got {steps}")
    embed = getattr(model, "embed", None)
    if not _is_depth_loop(model) or embed is None:
        raise UsageError(NOT_A_LOOP)
    model.eval()
    x = embed(inputs)  # [B, T, C]
    states = model.iterate(x, steps) if mask is None else model.iterate(x, steps, mask=mask)  # steps x [B, T, C]
    out, previous = [], x
    for r, h in enumerate(states, start=1):
        norm = h.norm(dim=-1)  # [B, T]
        change = (h - previous).norm(dim=-1) / previous.norm(dim=-1).clamp_min(1e-12)
        out.append({"iteration": r, "norm": float(norm.mean()), "change": float(change.mean())})
        previous = h
    return out


def probe_stability(project, *, task="boolean", iterations: int = 32, train_steps: int = 0, batch: int = 32,
                    seed: int = 0, on_step=None) -> list[dict[str, float]]:
    """The state trajectory of `project`'s model over `iterations`, at initialisation or after training.

    The model is built for the task's vocabulary with `torch.manual_seed(seed)`, trained for `train_steps`
    steps on `task` (at its configured recurrence steps) when asked, then iterated `iterations` times on
    `batch` fresh sequences of the task's longest test length.
    """
    from ..tasks import Task, load_task
    from ..training.loop import fit
    from ..training.seeds import PROBE_STREAM, stream

    if not isinstance(task, Task):
        task = load_task(task)
    torch.manual_seed(seed)
    model = project.build(task.vocab_size)
    if not _is_depth_loop(model):
        raise UsageError(NOT_A_LOOP)
    if train_steps > 0:
        fit(model, task, steps=train_steps, seed=seed, on_step=on_step)
    probe = task.batch(batch, max(task.test_lengths), stream(seed, PROBE_STREAM))
    return state_trajectory(model, probe.inputs, iterations, mask=probe.attention_mask)
