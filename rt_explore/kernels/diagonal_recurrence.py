"""A diagonal linear recurrence (the scan of selective state-space models): a naive loop and a chunked scan.

Per channel, with an input-dependent decay a_t:

    h_t = a_t * h_{t-1} + x_t

This is the recurrence of Mamba's selective scan with a diagonal transition (Gu & Dao 2023, "Mamba:
Linear-Time Sequence Modeling with Selective State Spaces", arXiv 2312.00752, Sec. 3.2, after
discretisation: a_t = exp(Delta_t A), x_t = Delta_t B_t u_t), and of Grazzi et al. 2024 ("Unlocking
State-Tracking in Linear RNNs Through Negative Eigenvalues", arXiv 2411.12537, Sec. 4), who let a_t range
over (-1, 1) instead of (0, 1) so that a diagonal recurrence can flip a sign per token and track parity.
The kernels take a_t as given, of any sign, zero included; the layer chooses its range.

Shapes: x, a [B, T, *] (any trailing channel dims); initial_state / final_state [B, *] (fp32);
h [B, T, *] in the dtype of x.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def naive_diagonal_recurrence(
    x: torch.Tensor,
    a: torch.Tensor,
    *,
    initial_state: torch.Tensor | None = None,
    output_final_state: bool = False,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Token-by-token fp32 reference for `chunk_diagonal_recurrence`."""
    dtype = x.dtype
    x, a = x.float(), a.float()
    h = x.new_zeros(x.shape[:1] + x.shape[2:]) if initial_state is None else initial_state.float()
    outs = []
    for t in range(x.shape[1]):
        h = a[:, t] * h + x[:, t]  # [B, *]
        outs.append(h)
    return torch.stack(outs, dim=1).to(dtype), (h if output_final_state else None)


def chunk_diagonal_recurrence(
    x: torch.Tensor,
    a: torch.Tensor,
    *,
    initial_state: torch.Tensor | None = None,
    output_final_state: bool = False,
    chunk_size: int = 64,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Chunked parallel scan; the same function as `naive_diagonal_recurrence`.

    Inside each chunk, a Hillis-Steele scan (Hillis & Steele 1986; for linear RNNs, Martin & Cundy 2018,
    "Parallelizing Linear Recurrent Neural Nets Over Sequence Length", arXiv 1709.04057) combines every
    position with the one `shift` earlier under (A1, X1) then (A2, X2) = (A1 A2, A2 X1 + X2), for shift
    = 1, 2, 4, ... < C: after it, X_t is the chunk's own contribution to h_t and A_t the product of the
    decays since the chunk began. A loop over chunks carries the state, and h_t = X_t + A_t h_entering.
    It multiplies the decays directly (no logarithms), so negative and zero decays need no special
    case and the gradients are exact; it does O(T log C) work, against the loop's O(T) in T Python steps.
    Padding past T uses a = 1, x = 0, which leaves the final state as it is.
    """
    B, T = x.shape[:2]
    channels, dtype = x.shape[2:], x.dtype
    N = -(-T // chunk_size)
    x = F.pad(x.float().reshape(B, T, -1), (0, 0, 0, N * chunk_size - T))  # [B, N*C, D]
    a = F.pad(a.float().reshape(B, T, -1), (0, 0, 0, N * chunk_size - T), value=1.0)
    x, a = x.view(B, N, chunk_size, -1), a.view(B, N, chunk_size, -1)  # [B, N, C, D]
    shift = 1
    while shift < chunk_size:
        x = x + a * F.pad(x[:, :, :-shift], (0, 0, shift, 0))  # positions before `shift` add 0
        a = a * F.pad(a[:, :, :-shift], (0, 0, shift, 0), value=1.0)  # ... and multiply by 1
        shift *= 2
    h = x.new_zeros(B, x.shape[-1]) if initial_state is None else initial_state.float().reshape(B, -1)
    # The only sequential part: the state entering each chunk (unbind keeps the backward cheap).
    entering = []
    for x_end, a_end in zip(x[:, :, -1].unbind(1), a[:, :, -1].unbind(1), strict=True):
        entering.append(h)
        h = a_end * h + x_end  # [B, D]
    y = x + a * torch.stack(entering, dim=1)[:, :, None]  # [B, N, C, D]
    y = y.reshape(B, N * chunk_size, *channels)[:, :T]
    return y.to(dtype), (h.reshape(B, *channels) if output_final_state else None)
