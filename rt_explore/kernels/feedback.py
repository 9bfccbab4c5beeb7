"""Token-wise feedback from the top of the stack to the bottom: Feedback Transformer and latent thoughts.

`TokenFeedback` is the `depth+step/token` cell: Fan et al. 2020, "Addressing Some Limitations of
Transformers with Feedback Memory", arXiv 2002.09402, Sec. 3. Token t is computed only after token t-1 is
done: the top-of-stack state of t-1 is added to t's embedding through a learned projection (zero at
initialisation, so the model starts as a plain stack), and every layer at token t attends to the feedback
memory, the top states of tokens < t, and to itself. (The paper's memory is a learned mix of all layers;
here it is the top, the deep-to-shallow arrow of the design space.) With `passes > 1` a token gets several
latent iterations, each fed from the top of the previous one (`depth+step/ponder`, as in Jolicoeur-Martineau
2025, "Less is More: Recursive Reasoning with Tiny Networks", arXiv 2510.04871).

`LatentThoughts` is the `depth+step/latent` cell: Hao et al. 2024, "Training Large Language Models to Reason
in a Continuous Latent Space" (Coconut), arXiv 2412.06769, Sec. 3. After reading token t, the top hidden
state is fed back as the next input embedding for `latent_steps` steps that read no token; every layer
attends causally (KV cache) over all earlier real and latent positions; y_t is the top state after t's last
latent step. With `latent_steps=0` there are no thoughts and the stack runs over all positions in
parallel: a causal transformer, the feedforward stage of multi-stage training (training/stages.py).

Both are sequential over tokens (a Python loop; fine at toy sizes) and take the layers as an
`nn.ModuleList` of `Block`s. forward(x [B, T, C], state=None) -> (y [B, T, C], state), where the state is
what the next call needs: the feedback memory [B, S, C] (TokenFeedback; S tokens seen so far) or one
`KVCache` per layer with keys/values [B, S * (1 + latent_steps), H, D] (LatentThoughts).
"""

from __future__ import annotations

import torch
from torch import nn

from .attention import KVCache
from .chunkwise_depth import Stack


class TokenFeedback(nn.Module):
    """Feedback Transformer over `layers`: token t reads the top states of tokens < t at every layer."""

    def __init__(self, layers: nn.ModuleList, dim: int, *, passes: int = 1) -> None:
        super().__init__()
        if passes < 1:
            raise ValueError(f"passes must be >= 1, got {passes}")
        self.stack = Stack(layers)
        self.passes = passes
        self.feedback = nn.Linear(dim, dim, bias=False)
        # Zero: no feedback at initialisation, so training starts from the plain stack and learns to use it.
        nn.init.zeros_(self.feedback.weight)

    def forward(self, x: torch.Tensor, state: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        B, T, C = x.shape
        memory = state  # [B, S, C]: top states of every token fed so far, or None
        ys = []
        for t in range(T):
            e = x[:, t : t + 1]  # [B, 1, C]
            offset = 0 if memory is None else memory.shape[1]  # absolute position of this token
            top = None if memory is None else memory[:, -1:]  # [B, 1, C]: the top of the previous token
            for _ in range(self.passes):
                h = e if top is None else e + self.feedback(top)
                # context[:, j] is token j's top; all are visible from position `offset` > j.
                top = self.stack(h, context=memory, offset=offset)  # [B, 1, C]
            ys.append(top)
            memory = top if memory is None else torch.cat([memory, top], dim=1)  # [B, S + 1, C]
        return torch.cat(ys, dim=1), memory


class LatentThoughts(nn.Module):
    """Coconut-style continuous thoughts: `latent_steps` extra positions per token fed with the top state."""

    def __init__(self, layers: nn.ModuleList, dim: int, *, latent_steps: int = 2) -> None:
        super().__init__()
        if latent_steps < 0:
            raise ValueError(f"latent_steps must be >= 0, got {latent_steps}")
        self.layers = layers
        self.dim = dim
        self.latent_steps = latent_steps

    def forward(
        self, x: torch.Tensor, state: list[KVCache] | None = None, *, latent_steps: int | None = None
    ) -> tuple[torch.Tensor, list[KVCache]]:
        B, T, C = x.shape
        latent_steps = self.latent_steps if latent_steps is None else latent_steps
        if state is None:
            caches = [KVCache() for _ in self.layers]
        else:
            # Copies: appending must not change the caller's state (tensors are replaced, never written).
            caches = [KVCache(k=c.k, v=c.v, offset=c.offset) for c in state]
        if latent_steps == 0:
            # No thoughts: the token loop below is a plain causal stack, so all T positions run at once (the
            # parallel form that multi-stage training pretrains with; same outputs and caches as the loop).
            h = x
            for layer, cache in zip(self.layers, caches, strict=True):
                h = layer(h, cache=cache)  # [B, T, C]
            return h, caches
        ys = []
        for t in range(T):
            h = x[:, t : t + 1]  # [B, 1, C]: the real token, then its thoughts
            for _ in range(1 + latent_steps):
                for layer, cache in zip(self.layers, caches, strict=True):
                    h = layer(h, cache=cache)
                # h is now the top state of this position; it is also the next thought's input embedding.
            ys.append(h)
        return torch.cat(ys, dim=1), caches
