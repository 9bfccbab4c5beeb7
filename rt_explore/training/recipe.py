"""The training recipe, once: rt-explore train runs this code, and every generated train.py contains it.

nanoGPT's recipe, scaled down: AdamW (Loshchilov & Hutter, arXiv 1711.05101) with weight decay 0.01,
linear warmup over the first tenth of the steps (at most 100), then cosine decay to a tenth of the peak
rate; gradient clipping at norm 1.0. Each step draws one training length uniformly from the task's train
lengths, then a batch of that length, both from the run's data generator. The loss is cross entropy on
the scored (masked) positions, averaged over every iteration's output for a model that asks for deep
supervision, plus the model's `aux_loss` (the ponder cost of adaptive halting) when it has one.

The code between the two marker lines below is copied verbatim into the generated train.py at render time
(codegen/context.py reads this file), so `scaffold --smoke` and `rt-explore train` follow the same schedule
and the same loss (tests/training/test_recipe.py trains one project both ways and compares the curves).
It may use only `math`, `torch` and `torch.nn.functional as F`.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

# -- recipe: begin (copied verbatim into generated train.py) --
WEIGHT_DECAY = 0.01
CLIP_NORM = 1.0


def learning_rate(step: int, steps: int, peak: float) -> float:
    """Linear warmup over the first tenth of the steps (at most 100), then cosine decay to peak / 10."""
    warmup = max(1, min(100, steps // 10))
    if step <= warmup:
        return peak * step / warmup
    progress = (step - warmup) / max(1, steps - warmup)
    return peak * (0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * progress)))


def draw_batch(task, batch_size: int, generator: torch.Generator):
    """One training batch: a length drawn uniformly from task.train_lengths, then the task's batch of it."""
    lengths = task.train_lengths
    length = lengths[int(torch.randint(len(lengths), (1,), generator=generator))]
    return task.batch(batch_size, length, generator)


def loss_and_logits(model: torch.nn.Module, inputs: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor,
                    attention: torch.Tensor | None = None):
    """-> (loss, final logits [B, T, vocab]): cross entropy on the masked positions (every iteration's
    output averaged under deep supervision) plus the model's aux_loss, if it has one. A DistributedDataParallel
    wrapper is called as it is (so gradients are reduced); the attributes are read from the model inside it.
    `attention`, a task's attention mask [B, T, T] (graph reachability), reaches the model as `mask`."""
    inner = getattr(model, "module", model)
    given = {} if attention is None else {"mask": attention}
    if getattr(inner, "deep_supervision", False):
        outputs = list(model(inputs, all_iterations=True, **given))
    else:
        outputs = [model(inputs, **given)]
    loss = sum(F.cross_entropy(out[mask], targets[mask]) for out in outputs) / len(outputs)
    return loss + getattr(inner, "aux_loss", 0.0), outputs[-1]


def optimiser_step(model: torch.nn.Module, optimizer: torch.optim.Optimizer, loss: torch.Tensor, lr: float) -> None:
    """Backpropagate `loss`, clip the gradient norm, and step the optimiser at learning rate `lr`."""
    for group in optimizer.param_groups:
        group["lr"] = lr
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP_NORM)
    optimizer.step()
# -- recipe: end --

