"""SwiGLU feed-forward: Shazeer, "GLU Variants Improve Transformer" (arXiv 2002.05202).

Shapes: `x: [B, T, C] -> [B, T, C]`.
"""

import torch
import torch.nn.functional as F
from torch import nn


def swiglu_hidden(dim: int, mlp_ratio: float = 4.0) -> int:
    """Hidden width with as many parameters as a plain `mlp_ratio * dim` MLP, rounded up to a multiple of 8.

    SwiGLU has three matrices instead of two, so the hidden width is `2/3 * mlp_ratio * dim`
    (8/3 * dim for the usual ratio 4); multiples of 8 keep matrix shapes friendly to tensor cores.
    """
    hidden = int(2 * mlp_ratio * dim / 3)
    return 8 * ((hidden + 7) // 8)


class SwiGLU(nn.Module):
    """`down(silu(gate(x)) * up(x))`, without biases (as in LLaMA)."""

    def __init__(self, dim: int, hidden: int | None = None):
        super().__init__()
        hidden = hidden if hidden is not None else swiglu_hidden(dim)
        # gate and up in one matrix (rows [:hidden] gate, [hidden:] up), so one parameter holds both.
        self.gate_up = nn.Linear(dim, 2 * hidden, bias=False)
        self.down = nn.Linear(hidden, dim, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Two products with the halves of the weight rather than one product split in two: the halves of a
        # split are strided views, and on CPU the elementwise ops and the concatenation that the split's
        # backward needs cost more than a second matrix product of the same total size.
        hidden = self.down.in_features
        gate = F.linear(x, self.gate_up.weight[:hidden])  # [B, T, hidden]
        up = F.linear(x, self.gate_up.weight[hidden:])  # [B, T, hidden]
        return self.down(F.silu(gate) * up)
