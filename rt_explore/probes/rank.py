"""The rank-collapse probe: how many directions the token representations span, layer by layer.

The claim it tests is that of "Geometric and Dynamic Scaling in Deep Transformers" (Su & You, the
Manifold-Geometric Transformer, arXiv 2601.01014): the token representations of a plain additive
residual stack collapse towards one direction past about a hundred layers, and manifold-constrained
hyper-connections ("mHC", Xie et al., arXiv 2512.24880) with deep delta learning (Zhang et al.,
arXiv 2601.00417) prevent it. Rank collapse itself is from "Attention is Not All You Need: Pure
Attention Loses Rank Doubly Exponentially with Depth" (Dong, Cordonnier & Loukas, arXiv 2103.03404).

Measures per sequence, on the matrix `X: [N, C]` of its N token representations:
- `effective_rank`: exp of the Shannon entropy of the singular values normalised to sum 1 (Roy &
  Vetterli, "The effective rank: a measure of effective dimensionality", EUSIPCO 2007). It is 1 for a
  rank-1 matrix, k for k equal singular values, and falls continuously as the spectrum concentrates.
  X is not centred, so a component shared by every token (the common mode) counts as a direction: a
  cloud of distinct tokens around a large common mean reads as nearly rank 1.
- `centred_effective_rank`: the same measure of `X - 1 m^T`, m the mean token: how many directions the
  tokens spread over around their mean, whatever the mean. 0 when every token is the same, and also when
  the spread is below `SPREAD_FLOOR` (1e-6) of ||X||: float32 rounding of equal tokens would otherwise
  read as an isotropic cloud of high rank.
- `residual_ratio`: Dong et al.'s distance from rank one, `||X - 1 x^T|| / ||X||` with x the best such
  approximation. Their `res(X) = X - 1 x^T` (x = argmin) is what pure attention drives to 0 doubly
  exponentially with depth; here the norm is Frobenius, whose minimising x is the mean token (Dong et al.
  state their bounds in a composite l1 / l-infinity norm), so the ratio is in [0, 1]: 0 exactly when all
  tokens are equal (the matrix is 1 x^T), 1 when their mean is 0.
- `mean_pairwise_cosine`: the mean cosine similarity over distinct token pairs; 1 when every token
  points the same way.

`probe` averages them over the sequences of a batch, at every depth: after the embedding (layer 0)
and after each of the n_layers layers (layer i). `effective_rank` and `mean_cosine` are the figures the
probe reported first; the centred rank and the residual ratio were added beside them (issue 13), since
the uncentred rank measures the common mode rather than the distance from rank one.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import UsageError
from ..tasks import Task, load_task
from ..training.loop import fit
from ..training.project import Project
from ..training.seeds import PROBE_STREAM, stream

# Below this fraction of ||X||, the tokens' spread around their mean is float32 rounding: centred rank 0.
SPREAD_FLOOR = 1e-6
# Probe inputs come from their own data stream, never from a batch the model was trained on.
FEEDFORWARD_ONLY = ("probe rank needs a none-axis (feedforward) project: its layers are the blocks of "
                    "`model.stack`; a recurrent cell reuses its layers, so 'after layer i' is not defined")


def effective_rank(X: torch.Tensor) -> float:
    """exp(H(p)), p = singular values of `X: [N, C]` divided by their sum (Roy & Vetterli 2007); float64.

    A zero matrix has no direction at all: its effective rank is 0.
    """
    return float(_effective_ranks(X))


def centred_effective_rank(X: torch.Tensor) -> float:
    """The effective rank of `X: [N, C]` after subtracting its mean row: 0 when all rows are equal (to within
    SPREAD_FLOOR of ||X||)."""
    return float(_centred_ranks(X))


def residual_ratio(X: torch.Tensor) -> float:
    """||X - 1 m^T||_F / ||X||_F for `X: [N, C]`, m its mean row (the best 1 x^T in the Frobenius norm): Dong
    et al.'s relative residual, 0 for a matrix of equal rows, in [0, 1]; 0 for a zero matrix."""
    return float(_residual_ratios(X))


def mean_pairwise_cosine(X: torch.Tensor) -> float:
    """The mean of cos(x_i, x_j) over the N(N-1) ordered pairs i != j of the rows of `X: [N, C]`; float64."""
    return float(_mean_cosines(X))


def _effective_ranks(X: torch.Tensor) -> torch.Tensor:
    """`X: [..., N, C] -> [...]`, batched so that a whole layer costs one SVD call."""
    s = torch.linalg.svdvals(X.double())  # [..., min(N, C)]
    total = s.sum(dim=-1, keepdim=True)
    p = s / total.clamp_min(torch.finfo(torch.float64).tiny)
    # 0 log 0 = 0: a zero singular value adds nothing to the entropy.
    entropy = -torch.where(p > 0, p * p.log(), torch.zeros_like(p)).sum(dim=-1)
    return torch.where(total.squeeze(-1) > 0, entropy.exp(), torch.zeros_like(entropy))


def _centred(X: torch.Tensor) -> torch.Tensor:
    """`X: [..., N, C]` minus its mean row, in float64: the tokens around their mean."""
    X = X.double()
    return X - X.mean(dim=-2, keepdim=True)


def _centred_ranks(X: torch.Tensor) -> torch.Tensor:
    """`X: [..., N, C] -> [...]`: effective ranks of the centred matrices, 0 where the spread is below the floor."""
    ranks = _effective_ranks(_centred(X))
    return torch.where(_residual_ratios(X) > SPREAD_FLOOR, ranks, torch.zeros_like(ranks))


def _residual_ratios(X: torch.Tensor) -> torch.Tensor:
    """`X: [..., N, C] -> [...]`: ||X - 1 m^T||_F / ||X||_F, 0 where X is 0."""
    total = torch.linalg.matrix_norm(X.double())
    residual = torch.linalg.matrix_norm(_centred(X))
    return torch.where(total > 0, residual / total.clamp_min(torch.finfo(torch.float64).tiny),
                       torch.zeros_like(total))


def _mean_cosines(X: torch.Tensor) -> torch.Tensor:
    """`X: [..., N, C] -> [...]`; a zero row has cosine 0 with every other row."""
    N = X.shape[-2]
    if N < 2:
        raise ValueError(f"the mean pairwise cosine needs at least 2 rows, got {N}")
    unit = F.normalize(X.double(), dim=-1)  # [..., N, C]
    gram = unit @ unit.transpose(-1, -2)  # [..., N, N] of cosines
    off_diagonal = gram.sum(dim=(-1, -2)) - gram.diagonal(dim1=-2, dim2=-1).sum(dim=-1)
    return off_diagonal / (N * (N - 1))


def layer_representations(model: nn.Module, input_ids: torch.Tensor) -> list[torch.Tensor]:
    """Token representations `[B, T, C]` entering the stack (layer 0) and after each of its layers.

    The none core's contract (codegen/cores.py, probes "rank"): `model.embed`, and `model.stack(x, trace)`
    appends the residual stream after every layer (the mean over streams under hyper-connections). The list
    has n_layers + 1 entries. Raises UsageError when the model lacks that contract (a recurrent cell).
    """
    stack, embed = getattr(model, "stack", None), getattr(model, "embed", None)
    if stack is None or embed is None or "trace" not in inspect.signature(stack.forward).parameters:
        raise UsageError(FEEDFORWARD_ONLY)
    trace: list[torch.Tensor] = []
    with torch.no_grad():
        x = embed(input_ids)
        stack(x, trace=trace)
    layers = len(getattr(stack, "blocks", ()))
    if len(trace) != layers:
        raise UsageError(f"probe rank: the stack traced {len(trace)} layers but has {layers}; does model.py "
                         "still apply each layer once, in order, and trace it?")
    return [t.float() for t in [x, *trace]]


def rank_profile(model: nn.Module, input_ids: torch.Tensor) -> list[dict[str, float | int]]:
    """Per depth: `{"layer", "effective_rank", "mean_cosine", "centred_effective_rank", "residual_ratio"}`,
    each a mean over the B sequences.

    Each sequence's T tokens are the rows of its matrix, so the measures say how alike the tokens of one
    sequence have become, not how alike different sequences are.
    """
    profile = []
    for layer, reps in enumerate(layer_representations(model, input_ids)):  # reps: [B, T, C]
        profile.append({"layer": layer, "effective_rank": float(_effective_ranks(reps).mean()),
                        "mean_cosine": float(_mean_cosines(reps).mean()),
                        "centred_effective_rank": float(_centred_ranks(reps).mean()),
                        "residual_ratio": float(_residual_ratios(reps).mean())})
    return profile


def build_model(project: Project, vocab_size: int, *, layers: int | None = None, seed: int = 0) -> nn.Module:
    """A fresh model of `project` (seeded), with `Config(n_layers=layers)` when `layers` is given."""
    overrides = {}
    if layers is not None:
        if layers < 1:
            raise UsageError(f"--layers must be at least 1, got {layers}")
        if "n_layers" not in project.config_class.__dataclass_fields__:
            raise UsageError(f"{project.path}: its Config has no n_layers field, so --layers cannot rebuild it")
        overrides["n_layers"] = layers
    torch.manual_seed(seed)
    try:
        model = project.model_class(project.config_class(vocab_size=vocab_size, **overrides))
    except Exception as exc:  # noqa: BLE001 - generated code; one line names the project
        raise UsageError(f"{project.path}: building the model failed: {type(exc).__name__}: {exc}") from exc
    if getattr(model, "stack", None) is None:
        raise UsageError(FEEDFORWARD_ONLY)
    return model


def probe_inputs(task: Task, *, batch: int, length: int | None = None, seed: int = 0) -> torch.Tensor:
    """`input_ids [batch, T]` of `task` at `length` (default: its longest training length)."""
    length = length or max(task.train_lengths)
    generator = stream(seed, PROBE_STREAM)
    try:
        return task.batch(batch, length, generator).inputs
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def probe(project: Project, *, layers: int | None = None, batch: int = 16, length: int | None = None,
          seed: int = 0, task: str | Task = "recall", train_steps: int = 0,
          on_step: Callable | None = None) -> list[dict[str, float | int]]:
    """The rank profile of `project`'s model at initialisation, or after `train_steps` steps on `task`.

    The model is built for the task's vocabulary with `torch.manual_seed(seed)`, so two calls that
    differ only in `train_steps` start from the same weights and are probed on the same inputs.
    """
    if isinstance(task, str):
        task = load_task(task)
    model = build_model(project, task.vocab_size, layers=layers, seed=seed)
    input_ids = probe_inputs(task, batch=batch, length=length, seed=seed)
    if train_steps > 0:
        fit(model, task, steps=train_steps, seed=seed, on_step=on_step)
    model.eval()
    return rank_profile(model, input_ids)
