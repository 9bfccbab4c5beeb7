"""RMSNorm: Zhang & Sennrich, "Root Mean Square Layer Normalization" (arXiv 1910.07467).

Shapes: any `[..., C]` tensor is normalised over its last dimension `C`.
"""

import torch
from torch import nn


class _RMSNormFunction(torch.autograd.Function):
    """`xhat * weight` with `xhat = x * rstd`, `rstd = 1 / sqrt(mean(x**2) + eps)` over the last dimension, and
    its gradient written out (autograd's graph of the formula makes about twice as many passes over memory).

    With `p = grad * xhat`: `grad_weight = sum over rows of p`, and
    `grad_x = rstd * (grad * weight - xhat * (p @ weight) / C)`.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor, weight: torch.Tensor, eps: float) -> torch.Tensor:
        rstd = torch.rsqrt(torch.linalg.vecdot(x, x).unsqueeze(-1) / x.shape[-1] + eps)  # [..., 1]
        xhat = x * rstd
        ctx.save_for_backward(xhat, weight, rstd)
        return xhat * weight

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, None]:
        xhat, weight, rstd = ctx.saved_tensors
        C = xhat.shape[-1]
        p = grad * xhat
        grad_weight = p.reshape(-1, C).sum(0)
        coef = (p @ weight).unsqueeze(-1).div_(-C)  # -mean(grad * weight * xhat), [..., 1]
        return torch.addcmul(grad * weight, xhat, coef).mul_(rstd), grad_weight, None


class RMSNorm(nn.Module):
    """`y = x / rms(x) * weight` over the last dimension, with a learned per-channel gain.

    Unlike LayerNorm it neither centres nor carries a bias: the rescaling is what stabilises training,
    and dropping the mean makes it cheaper (Zhang & Sennrich).
    """

    def __init__(self, dim: int, eps: float = 1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dtype == torch.float32 and self.weight.dtype == torch.float32:
            return _RMSNormFunction.apply(x, self.weight, self.eps)
        # Normalise in fp32: the mean of squares loses precision in bf16/fp16.
        x32 = x.float()
        x32 = x32 * torch.rsqrt(x32.pow(2).mean(dim=-1, keepdim=True) + self.eps)
        return x32.type_as(x) * self.weight
