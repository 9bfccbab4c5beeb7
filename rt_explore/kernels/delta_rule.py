"""The delta rule: a naive recurrence and its chunked (WY / UT-transform) twin.

Schlag et al. 2021 ("Linear Transformers Are Secretly Fast Weight Programmers", arXiv 2102.11174)
write into the state with the delta rule; Yang et al. 2024 ("Parallelizing Linear Transformers with the
Delta Rule over Sequence Length", arXiv 2406.06484, Sec. 3) train it in chunks:

    S_t = (I - beta_t k_t k_t^T) S_{t-1} + beta_t k_t v_t^T
        = S_{t-1} + beta_t k_t (v_t - S_{t-1}^T k_t)^T           o_t = scale * S_t^T q_t

beta is not clamped: with unit-norm keys, beta in (0, 1] gives transition eigenvalues in [0, 1) and
beta in (0, 2) lets them reach into (-1, 0) (Grazzi et al. 2024, "Unlocking State-Tracking in Linear
RNNs Through Negative Eigenvalues", arXiv 2411.12537). Keeping keys normalised and beta in range is the
caller's job; the kernel computes the recurrence for any beta.

Shapes: q, k [B, T, H, Dk]; v [B, T, H, Dv]; beta [B, T, H]; initial_state / final_state [B, H, Dk, Dv]
(fp32); o [B, T, H, Dv] in the dtype of v. scale defaults to Dk ** -0.5.
"""

from __future__ import annotations

import torch

from .chunking import from_chunks, to_chunks, zero_or


def naive_delta_rule(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    beta: torch.Tensor,
    *,
    scale: float | None = None,
    initial_state: torch.Tensor | None = None,
    output_final_state: bool = False,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Token-by-token fp32 reference for `chunk_delta_rule`."""
    B, T, H, Dk = q.shape
    Dv, dtype = v.shape[-1], v.dtype
    scale = Dk**-0.5 if scale is None else scale
    q, k, v, beta = q.float(), k.float(), v.float(), beta.float()
    S = zero_or(initial_state, B, H, Dk, Dv, like=q)
    outs = []
    for t in range(T):
        k_t, b_t = k[:, t], beta[:, t, :, None]  # [B, H, Dk], [B, H, 1]
        # The value the state already predicts for k_t; the write corrects it towards v_t.
        delta = b_t * (v[:, t] - torch.einsum("bhk,bhkv->bhv", k_t, S))  # [B, H, Dv]
        S = S + k_t[..., :, None] * delta[..., None, :]  # [B, H, Dk, Dv]
        outs.append(scale * torch.einsum("bhk,bhkv->bhv", q[:, t], S))
    o = torch.stack(outs, dim=1)  # [B, T, H, Dv]
    return o.to(dtype), (S if output_final_state else None)


def chunk_delta_rule(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    beta: torch.Tensor,
    *,
    scale: float | None = None,
    initial_state: torch.Tensor | None = None,
    output_final_state: bool = False,
    chunk_size: int = 64,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Chunked delta rule; the same function as `naive_delta_rule`.

    Within a chunk with entering state S0, the corrections u_t = beta_t (v_t - S_{t-1}^T k_t) satisfy
    the unit lower-triangular system (I + A) U = diag(beta) (V - K S0), A_ts = beta_t k_t.k_s for s < t
    (the UT transform, arXiv 2406.06484 Sec. 3.2). Its solution splits as U = U_v - W S0 with
    W = (I + A)^-1 diag(beta) K and U_v = (I + A)^-1 diag(beta) V, neither of which depends on S0: one
    batched triangular solve covers every chunk at once, and only the state pass loops over chunks:
    U = U_v - W S0;  O = Q S0 + tril(Q K^T) U;  S1 = S0 + K^T U.
    """
    B, T, H, Dk = q.shape
    Dv, dtype = v.shape[-1], v.dtype
    scale = Dk**-0.5 if scale is None else scale
    q, k, v = (to_chunks(x, chunk_size) for x in (q.float() * scale, k.float(), v.float()))  # [B, H, N, C, D]
    # Padding with beta = 0 (and k = 0) writes nothing, so the final state is exact.
    beta = to_chunks(beta.float()[..., None], chunk_size)  # [B, H, N, C, 1]
    eye = torch.eye(chunk_size, device=q.device)
    A = ((beta * k) @ k.transpose(-1, -2)).tril(-1)  # [B, H, N, C, C]
    rhs = torch.cat([beta * k, beta * v], dim=-1)  # [B, H, N, C, Dk + Dv]
    W, U_v = torch.linalg.solve_triangular(eye + A, rhs, upper=False, unitriangular=True).split(
        [Dk, Dv], dim=-1
    )
    qk = (q @ k.transpose(-1, -2)).tril()  # [B, H, N, C, C], position t reads its own write
    S = zero_or(initial_state, B, H, Dk, Dv, like=q)
    # The only sequential part: W S0 needs the state entering each chunk. unbind (not indexing inside
    # the loop) keeps the backward from materialising a full-size gradient per chunk.
    entering, corrections = [], []
    for w_n, uv_n, kt_n in zip(W.unbind(2), U_v.unbind(2), k.transpose(-1, -2).unbind(2), strict=True):
        entering.append(S)
        u = uv_n - w_n @ S  # [B, H, C, Dv]
        corrections.append(u)
        S = S + kt_n @ u
    S_in, U = torch.stack(entering, dim=2), torch.stack(corrections, dim=2)  # [B, H, N, Dk|C, Dv]
    o = q @ S_in + qk @ U  # [B, H, N, C, Dv]
    return from_chunks(o, T).to(dtype), (S if output_final_state else None)
