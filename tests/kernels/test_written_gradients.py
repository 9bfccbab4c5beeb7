"""The kernels whose backward pass is written out by hand (RMSNorm, rotary) against autograd of the plain formula."""

import torch

from rt_explore.kernels.norms import RMSNorm, _RMSNormFunction
from rt_explore.kernels.rotary import Rotary, _RotaryFunction, apply_rotary


def test_rmsnorm_gradient_passes_gradcheck():
    x = torch.randn(3, 5, 8, dtype=torch.float64, requires_grad=True)
    weight = (1 + 0.3 * torch.randn(8, dtype=torch.float64)).requires_grad_()
    assert torch.autograd.gradcheck(lambda x, w: _RMSNormFunction.apply(x, w, 1e-6), (x, weight))


def test_rmsnorm_matches_the_plain_formula_with_its_gradients():
    norm = RMSNorm(16)
    with torch.no_grad():
        norm.weight.mul_(1 + 0.3 * torch.randn(16))
    x = (3 * torch.randn(4, 7, 16)).requires_grad_()
    x_ref = x.detach().clone().requires_grad_()
    w_ref = norm.weight.detach().clone().requires_grad_()
    grad = torch.randn(4, 7, 16)
    norm(x).backward(grad)
    (x_ref * torch.rsqrt(x_ref.pow(2).mean(-1, keepdim=True) + 1e-6) * w_ref).backward(grad)
    torch.testing.assert_close(x.grad, x_ref.grad, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(norm.weight.grad, w_ref.grad, rtol=1e-5, atol=1e-6)


def test_rotary_gradient_passes_gradcheck_on_a_strided_input():
    cos, sin = Rotary(8)(5, offset=2)
    cos, sin = cos.double().view(1, 5, 1, 4), sin.double().view(1, 5, 1, 4)
    base = torch.randn(2, 5, 3 * 8, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda b: _RotaryFunction.apply(b[..., 8:].view(2, 5, 2, 8), cos, sin), (base,))


def test_rotary_matches_the_rotate_half_formula_with_its_gradient():
    cos, sin = Rotary(8)(6, offset=3)
    x = torch.randn(2, 6, 3, 8, requires_grad=True)
    x_ref = x.detach().clone().requires_grad_()
    grad = torch.randn(2, 6, 3, 8)
    apply_rotary(x, cos, sin).backward(grad)
    c, s = cos.view(1, 6, 1, 4), sin.view(1, 6, 1, 4)
    x1, x2 = x_ref[..., :4], x_ref[..., 4:]
    torch.cat([x1 * c - x2 * s, x1 * s + x2 * c], dim=-1).backward(grad)
    torch.testing.assert_close(x.grad, x_ref.grad)
