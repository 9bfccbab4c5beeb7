"""RWKV-7's state evolution (a diagonal-plus-rank-one transition): a naive recurrence and its chunked twin.

Peng et al. 2025, "RWKV-7 "Goose" with Expressive Dynamic State Evolution", arXiv 2503.14456, Sec. 4
(the time-mixing block): a per-channel decay, a rank-one "removal" of what the state holds for the
removal key, and a key-value write. In this folder's state layout (S [Dk, Dv], read by S^T r):

    S_t = (diag(w_t) + b_t a_t^T) S_{t-1} + k_t v_t^T        o_t = scale * S_t^T r_t

with w_t = exp(log_w_t) per key channel (log_w <= 0). RWKV-7 sets a_t = -kappa_hat_t (the normalised
removal key) and b_t = kappa_hat_t * eta_t (eta the in-context learning rate, "a" in the paper), so the
transition is diag(w_t) - (kappa_hat_t * eta_t) kappa_hat_t^T: a decayed delta rule whose removal key
and write key differ. fla calls the same recurrence the generalised (DPLR) delta rule
(`fla/ops/generalized_delta_rule/dplr`); its [Dv, Dk] state is the transpose of ours.

Shapes: r, k, log_w, a, b [B, T, H, Dk]; v [B, T, H, Dv]; initial_state / final_state [B, H, Dk, Dv]
(fp32); o [B, T, H, Dv] in the dtype of v. scale defaults to Dk ** -0.5, as in the other kernels; the
RWKV-7 layer reads with scale 1 and normalises the output per head.
"""

from __future__ import annotations

import torch

from .chunking import from_chunks, to_chunks, zero_or

# Inside a chunk the factors exp(G_t - m) and exp(m - G_s) are split around the chunk's mid-decay m;
# each stays below exp(R / 2), R the chunk's total log-decay, and their products with s > t (masked
# out afterwards) below exp(R). Past this R a chunk is halved, so nothing overflows in fp32 (exp(88)).
# RWKV-7's decays (w >= exp(-e^-0.5), log_w >= -0.61) give R <= 39 at 64 positions.
MAX_LOG_DECAY_PER_CHUNK = 80.0


def naive_rwkv7(
    r: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    log_w: torch.Tensor,
    a: torch.Tensor,
    b: torch.Tensor,
    *,
    scale: float | None = None,
    initial_state: torch.Tensor | None = None,
    output_final_state: bool = False,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Token-by-token fp32 reference for `chunk_rwkv7`."""
    B, T, H, Dk = r.shape
    Dv, dtype = v.shape[-1], v.dtype
    scale = Dk**-0.5 if scale is None else scale
    r, k, v, log_w, a, b = (x.float() for x in (r, k, v, log_w, a, b))
    S = zero_or(initial_state, B, H, Dk, Dv, like=r)
    outs = []
    for t in range(T):
        # a^T S_{t-1}: what the state holds along the removal key, read before the decay.
        removed = torch.einsum("bhk,bhkv->bhv", a[:, t], S)  # [B, H, Dv]
        S = (
            log_w[:, t].exp()[..., None] * S
            + b[:, t, :, :, None] * removed[:, :, None, :]
            + k[:, t, :, :, None] * v[:, t, :, None, :]
        )  # [B, H, Dk, Dv]
        outs.append(scale * torch.einsum("bhk,bhkv->bhv", r[:, t], S))
    o = torch.stack(outs, dim=1)  # [B, T, H, Dv]
    return o.to(dtype), (S if output_final_state else None)


def chunk_rwkv7(
    r: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    log_w: torch.Tensor,
    a: torch.Tensor,
    b: torch.Tensor,
    *,
    scale: float | None = None,
    initial_state: torch.Tensor | None = None,
    output_final_state: bool = False,
    chunk_size: int = 64,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Chunked RWKV-7 recurrence; the same function as `naive_rwkv7`.

    Inside a chunk entered with state S0, let G_t be the cumulative log-decay through position t (a
    vector over key channels, G_0 = 0). Unrolling the recurrence gives
    S_t = e^{G_t} S0 + sum_{s<=t} e^{G_t - G_s} (b_s u_s^T + k_s v_s^T), with u_t = a_t^T S_{t-1} the
    removal read. Every pairwise factor is split around the chunk's mid-decay m = G_C / 2,
    e^{G_t - G_s} = e^{G_t - m} e^{m - G_s}, so that with a~_t = a_t e^{G_{t-1} - m}, r~_t = r_t e^{G_t - m},
    b~_s = b_s e^{m - G_s}, k~_s = k_s e^{m - G_s} and the state at the mid-decay P = e^m S0:
      reads    (I - A_ab) U = A_ak V + a~ P,   A_ab = tril(a~ b~^T, -1), A_ak = tril(a~ k~^T, -1);
      output   O = r~ P + A_rb U + A_rk V,     A_rb = tril(r~ b~^T),     A_rk = tril(r~ k~^T);
      state    S_C = e^m (P + b~^T U + k~^T V).
    One batched unit-triangular solve gives U = U_v + W P for every chunk at once, with U_v and W free of
    the state (the WY / UT form of fla's DPLR kernels and of `chunk_gated_delta_rule`); only U and the
    state update loop over chunks. Positions padded past T have zero keys, removal keys and log-decays,
    so they change nothing and the final state is exact.
    """
    B, T, H, Dk = r.shape
    Dv, dtype = v.shape[-1], v.dtype
    scale = Dk**-0.5 if scale is None else scale
    lw = to_chunks(log_w.float(), chunk_size)  # [B, H, N, C, Dk]
    G = lw.cumsum(-2)  # [B, H, N, C, Dk], decay from the chunk's start through position t
    m = G[..., -1:, :] / 2  # [B, H, N, 1, Dk], the mid-decay
    if chunk_size > 1 and -2 * float(m.detach().min()) > MAX_LOG_DECAY_PER_CHUNK:
        # Decays too strong for this chunk size: halve it (at one position per chunk nothing is split).
        return chunk_rwkv7(r, k, v, log_w, a, b, scale=scale, initial_state=initial_state,
                           output_final_state=output_final_state, chunk_size=chunk_size // 2)
    r, k, v, a, b = (to_chunks(x.float(), chunk_size) for x in (r.float() * scale, k, v, a, b))  # [B, H, N, C, D]
    from_mid = (G - m).exp()  # e^{G_t - m}
    # The removal read a_t^T S_{t-1} sees the decay through t - 1 only.
    a, r = a * (G - lw - m).exp(), r * from_mid  # a~, r~
    b, k = b / from_mid, k / from_mid  # b~, k~
    A_ab = (a @ b.transpose(-1, -2)).tril(-1)  # [B, H, N, C, C]
    A_ak = (a @ k.transpose(-1, -2)).tril(-1)
    A_rb = (r @ b.transpose(-1, -2)).tril()  # position t reads its own write
    A_rk = (r @ k.transpose(-1, -2)).tril()
    eye = torch.eye(chunk_size, device=r.device)
    rhs = torch.cat([a, A_ak @ v], dim=-1)  # [B, H, N, C, Dk + Dv]
    W, U_v = torch.linalg.solve_triangular(eye - A_ab, rhs, upper=False, unitriangular=True).split(
        [Dk, Dv], dim=-1
    )
    kv = k.transpose(-1, -2) @ v  # [B, H, N, Dk, Dv], the chunk's own writes at the mid-decay
    half_decay = m.exp().transpose(-1, -2)  # [B, H, N, Dk, 1]: start to middle, and middle to end
    S = zero_or(initial_state, B, H, Dk, Dv, like=r)
    # The only sequential part; unbind (not indexing in the loop) keeps the backward cheap.
    mids, reads = [], []
    chunks = (W.unbind(2), U_v.unbind(2), b.transpose(-1, -2).unbind(2), kv.unbind(2), half_decay.unbind(2))
    for w_n, uv_n, bt_n, kv_n, e_n in zip(*chunks, strict=True):
        P = e_n * S  # [B, H, Dk, Dv], the entering state decayed to the middle of the chunk
        mids.append(P)
        u = uv_n + w_n @ P  # [B, H, C, Dv]
        reads.append(u)
        S = e_n * (P + bt_n @ u + kv_n)
    P, U = torch.stack(mids, dim=2), torch.stack(reads, dim=2)  # [B, H, N, Dk|C, Dv]
    o = r @ P + A_rb @ U + A_rk @ v  # [B, H, N, C, Dv]
    return from_chunks(o, T).to(dtype), (S if output_final_state else None)
