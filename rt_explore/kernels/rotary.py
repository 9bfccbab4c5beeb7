"""Rotary position embedding (RoPE): Su et al., "RoFormer: Enhanced Transformer with Rotary Position
Embedding" (arXiv 2104.09864).

Per-head tensors are `[B, T, H, D]` with an even head dim `D`. Channel `i` is paired with channel
`i + D/2` (the "rotate half" layout of GPT-NeoX) and the pair is rotated by the angle `pos * base**(-2i/D)`,
so the dot product of a rotated query at position m and a rotated key at position n depends on m - n only.
"""

import torch
from torch import nn


class Rotary(nn.Module):
    """Produces the `(cos, sin)` tables, each `[T, D/2]`, for positions `offset .. offset + T - 1`.

    `offset` is the number of positions already processed (a KV cache), so a sequence fed piece by piece
    gets the same angles as the whole sequence.
    """

    def __init__(self, head_dim: int, base: float = 10000.0):
        super().__init__()
        if head_dim % 2 != 0:
            raise ValueError(f"rotary needs an even head_dim, got {head_dim}")
        inv_freq = base ** (-torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim)  # [D/2]
        # Not persistent: it is a constant of head_dim and base, so checkpoints need not carry it.
        self.register_buffer("inv_freq", inv_freq, persistent=False)

    def forward(
        self, T: int, offset: int = 0, device: torch.device | None = None, dtype: torch.dtype | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        device = device if device is not None else self.inv_freq.device
        pos = torch.arange(offset, offset + T, device=device, dtype=torch.float32)  # [T]
        # Angles in fp32: positions times frequencies lose their low bits in bf16 at long contexts.
        angles = torch.outer(pos, self.inv_freq.to(device))  # [T, D/2]
        cos, sin = angles.cos(), angles.sin()
        if dtype is not None:
            cos, sin = cos.to(dtype), sin.to(dtype)
        return cos, sin


def _rotate(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """`[x1 * cos - x2 * sin, x1 * sin + x2 * cos]` for `x = [x1, x2]` (halves of the last dimension), written
    straight into the two halves of one output: no concatenation, no temporaries."""
    h = x.shape[-1] // 2
    x1, x2 = x[..., :h], x[..., h:]
    out = torch.empty(x.shape, dtype=x.dtype, device=x.device)
    o1, o2 = out[..., :h], out[..., h:]
    torch.mul(x1, cos, out=o1).addcmul_(x2, sin, value=-1)
    torch.mul(x2, cos, out=o2).addcmul_(x1, sin)
    return out


class _RotaryFunction(torch.autograd.Function):
    """The rotation is linear and orthogonal, so its gradient is the rotation by the opposite angle; nothing
    but the tables is saved for the backward pass."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(cos, sin)
        return _rotate(x, cos, sin)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None, None]:
        cos, sin = ctx.saved_tensors
        return _rotate(grad, cos, -sin), None, None


def apply_rotary(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate `x: [B, T, H, D]` by the tables `cos, sin: [T, D/2]`; returns `[B, T, H, D]`, in fp32 arithmetic.

    The tables are treated as constants (no gradient flows to them).
    """
    B, T, H, D = x.shape
    cos = cos.float().view(1, T, 1, D // 2)  # [1, T, 1, D/2]: broadcast over batch and heads
    sin = sin.float().view(1, T, 1, D // 2)
    return _RotaryFunction.apply(x.float(), cos, sin).type_as(x)
