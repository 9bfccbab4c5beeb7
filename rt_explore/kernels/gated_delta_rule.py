"""The gated delta rule: a naive recurrence and its chunked twin.

Yang, Kautz & Hatamizadeh 2024, "Gated Delta Networks: Improving Mamba2 with Delta Rule", arXiv
2412.06464, Sec. 3: a scalar decay per head (as in Mamba-2) in front of the delta-rule transition,

    S_t = exp(g_t) (I - beta_t k_t k_t^T) S_{t-1} + beta_t k_t v_t^T            o_t = scale * S_t^T q_t

with a log-decay g_t <= 0. As in `delta_rule`, beta is not clamped (beta in (0, 2) gives negative
eigenvalues, arXiv 2411.12537).

Shapes: q, k [B, T, H, Dk]; v [B, T, H, Dv]; g, beta [B, T, H]; initial_state / final_state
[B, H, Dk, Dv] (fp32); o [B, T, H, Dv] in the dtype of v. scale defaults to Dk ** -0.5.
"""

from __future__ import annotations

import torch

from .chunking import decay_matrix, from_chunks, to_chunks, zero_or


def naive_gated_delta_rule(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    g: torch.Tensor,
    beta: torch.Tensor,
    *,
    scale: float | None = None,
    initial_state: torch.Tensor | None = None,
    output_final_state: bool = False,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Token-by-token fp32 reference for `chunk_gated_delta_rule`."""
    B, T, H, Dk = q.shape
    Dv, dtype = v.shape[-1], v.dtype
    scale = Dk**-0.5 if scale is None else scale
    q, k, v, g, beta = q.float(), k.float(), v.float(), g.float(), beta.float()
    S = zero_or(initial_state, B, H, Dk, Dv, like=q)
    outs = []
    for t in range(T):
        S = g[:, t].exp()[:, :, None, None] * S  # decay first, then the delta-rule write
        k_t, b_t = k[:, t], beta[:, t, :, None]  # [B, H, Dk], [B, H, 1]
        delta = b_t * (v[:, t] - torch.einsum("bhk,bhkv->bhv", k_t, S))  # [B, H, Dv]
        S = S + k_t[..., :, None] * delta[..., None, :]  # [B, H, Dk, Dv]
        outs.append(scale * torch.einsum("bhk,bhkv->bhv", q[:, t], S))
    o = torch.stack(outs, dim=1)  # [B, T, H, Dv]
    return o.to(dtype), (S if output_final_state else None)


def chunk_gated_delta_rule(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    g: torch.Tensor,
    beta: torch.Tensor,
    *,
    scale: float | None = None,
    initial_state: torch.Tensor | None = None,
    output_final_state: bool = False,
    chunk_size: int = 64,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Chunked gated delta rule; the same function as `naive_gated_delta_rule`.

    The UT transform of `chunk_delta_rule` with decays: with b_t the cumulative log-decay inside the
    chunk and G_ts = exp(b_t - b_s) (s <= t), the corrections solve
    (I + tril(diag(beta) (K K^T * G), -1)) U = diag(beta) V - diag(beta exp(b)) K S0, so U = U_v - W S0
    as before; the output is O = diag(exp(b)) Q S0 + tril(Q K^T * G) U and the state leaving the chunk
    is exp(b_C) S0 + (K * exp(b_C - b))^T U. Only differences b_t - b_s with s <= t are exponentiated,
    so no factor exceeds 1.
    """
    B, T, H, Dk = q.shape
    Dv, dtype = v.shape[-1], v.dtype
    scale = Dk**-0.5 if scale is None else scale
    q, k, v = (to_chunks(x, chunk_size) for x in (q.float() * scale, k.float(), v.float()))  # [B, H, N, C, D]
    # Padding with beta = 0, g = 0 writes nothing and decays nothing: the final state is exact.
    beta = to_chunks(beta.float()[..., None], chunk_size)  # [B, H, N, C, 1]
    b = to_chunks(g.float()[..., None], chunk_size).cumsum(-2)  # [B, H, N, C, 1]
    gamma = decay_matrix(b[..., 0])  # [B, H, N, C, C]
    eye = torch.eye(chunk_size, device=q.device)
    A = ((beta * k) @ k.transpose(-1, -2) * gamma).tril(-1)  # [B, H, N, C, C]
    rhs = torch.cat([beta * b.exp() * k, beta * v], dim=-1)  # [B, H, N, C, Dk + Dv]
    W, U_v = torch.linalg.solve_triangular(eye + A, rhs, upper=False, unitriangular=True).split(
        [Dk, Dv], dim=-1
    )
    qk = (q @ k.transpose(-1, -2)) * gamma  # [B, H, N, C, C], zero above the diagonal
    q_decayed = q * b.exp()  # reading the carried state
    k_decayed = k * (b[..., -1:, :] - b).exp()  # what each write still weighs at the chunk's end
    chunk_decay = b[..., -1:, :].exp()  # [B, H, N, 1, 1]
    S = zero_or(initial_state, B, H, Dk, Dv, like=q)
    # The only sequential part (see chunk_delta_rule); unbind keeps the backward cheap.
    entering, corrections = [], []
    chunks = (W.unbind(2), U_v.unbind(2), k_decayed.transpose(-1, -2).unbind(2), chunk_decay.unbind(2))
    for w_n, uv_n, kt_n, decay_n in zip(*chunks, strict=True):
        entering.append(S)
        u = uv_n - w_n @ S  # [B, H, C, Dv]
        corrections.append(u)
        S = decay_n * S + kt_n @ u
    S_in, U = torch.stack(entering, dim=2), torch.stack(corrections, dim=2)  # [B, H, N, Dk|C, Dv]
    o = q_decayed @ S_in + qk @ U  # [B, H, N, C, Dv]
    return from_chunks(o, T).to(dtype), (S if output_final_state else None)
