"""ModelSpec -> template context: every choice resolved in Python, so templates only print.

Strings that come from users or the catalog reach the templates only through the ``pyrepr``,
``tomlstr`` and ``comment`` filters (see render.py); names are already safe identifiers (spec.safe_name).
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import __version__
from .options import BY_NAME
from .spec import ModelSpec

CORES = {
    ("none", None): "none",
    ("depth", "sequence"): "depth-sequence",
    ("depth", "chunk"): "depth-chunkwise",
    ("depth", "token"): "depth-chunkwise",
    ("depth", "ponder"): "depth-chunkwise",
    ("step", "chunk"): "step-chunk",
    ("step", "token"): "step-token",
    ("step", "ponder"): "step-token",
    ("depth+step", "chunk"): "memory-chunk",
    ("depth+step", "token"): "feedback",
    ("depth+step", "ponder"): "feedback",
    ("depth+step", "latent"): "latent",
}

SUMMARIES = {
    ("none", None): "a feedforward causal transformer: no recurrence on either axis.",
    ("depth", "sequence"): "one shared stack looped over all positions in parallel, optionally with the "
                           "input re-injected at every iteration (looped / Universal Transformer, Huginn).",
    ("depth", "chunk"): "blockwise looping: each chunk of positions is looped through the shared stack, "
                        "attending to the final states of earlier chunks.",
    ("depth", "token"): "token-wise feedback: each token's top-of-stack state is fed back to the bottom once "
                        "before the next token, which attends to earlier tokens' final states (an empty cell "
                        "of the paper).",
    ("depth", "ponder"): "several top-to-bottom passes per token before the next token (an empty cell of the paper).",
    ("step", "chunk"): "attention inside each chunk and a memory carried across chunks at the same layer by a "
                       "gated update (Block-Recurrent Transformer).",
    ("step", "token"): "a per-token linear recurrence with a matrix state in every layer (linear attention / "
                       "DeltaNet family), trained in chunked-parallel form.",
    ("step", "ponder"): "several delta-rule updates per token inside each layer (DeltaProduct).",
    ("depth+step", "chunk"): "memory written at the top of chunk c is read at the bottom of chunk c+1 (RMT).",
    ("depth+step", "token"): "the top-of-stack state of token t feeds the bottom of token t+1 (Feedback Transformer).",
    ("depth+step", "ponder"): "several latent passes per token, each fed from the top of the last (TRM-style).",
    ("depth+step", "latent"): "continuous thoughts: after each token the top state is fed back as the next input "
                              "for a few steps that read no token (Coconut).",
}

KERNELS_USED = {
    "none": ["norms.RMSNorm", "block.Block"],
    "depth-sequence": ["norms.RMSNorm", "block.Block", "depth_recurrence.DepthRecurrence"],
    "depth-chunkwise": ["norms.RMSNorm", "block.Block", "chunkwise_depth.ChunkwiseDepthRecurrence"],
    "step-chunk": ["norms.RMSNorm", "mlp.SwiGLU", "mlp.swiglu_hidden", "chunk_recurrence.BlockRecurrentLayer"],
    "step-token": ["norms.RMSNorm", "mlp.SwiGLU", "mlp.swiglu_hidden", "linear_recurrent_layer.LinearRecurrentMixer"],
    "memory-chunk": ["norms.RMSNorm", "block.Block", "chunk_recurrence.RecurrentMemoryStack"],
    "feedback": ["norms.RMSNorm", "block.Block", "feedback.TokenFeedback"],
    "latent": ["norms.RMSNorm", "block.Block", "feedback.LatentThoughts"],
}

RESIDUAL_KERNELS = {
    "hyper-connections": "hyper_connections.HyperConnections",
    "manifold-constrained": "hyper_connections.ManifoldHyperConnections",
    "early-access": "early_access.EarlyAccess",
}

PONDER_WEIGHT = 0.01
# A placeholder until train sets the task's delimiter (as it sets vocab_size).
DELIMITER_TOKEN = 0


@dataclass(frozen=True)
class ConfigField:
    name: str
    type: str
    value: object
    help: str


def kernel_pieces(spec: ModelSpec) -> list[str]:
    """``module.Name`` for every kernel the generated model imports."""
    core = CORES[spec.core]
    pieces = list(KERNELS_USED[core])
    if delimited(spec):
        pieces.append("delimited.DelimitedChunks")
    residual = spec.cell.get("residual", "standard")
    if residual in RESIDUAL_KERNELS:
        pieces.append(RESIDUAL_KERNELS[residual])
    if spec.options.get("deep_delta") or residual == "deep-delta":
        pieces.append("deep_delta.DeepDeltaResidual")
    if spec.options.get("value_residual"):
        pieces.append("attention.ValueResidualAttention")
    if spec.cell.get("halting") == "adaptive":
        pieces.append("halting.AdaptiveHalting")
    return pieces


def import_lines(pieces: list[str], prefix: str) -> list[str]:
    by_module: dict[str, list[str]] = {}
    for piece in pieces:
        module, name = piece.split(".")
        by_module.setdefault(module, []).append(name)
    return [f"from {prefix}.{module} import {', '.join(sorted(set(names)))}"
            for module, names in sorted(by_module.items())]


def config_fields(spec: ModelSpec) -> list[ConfigField]:
    fields = []
    for name, value in spec.options.items():
        option = BY_NAME[name]
        fields.append(ConfigField(name, option.kind.__name__, value, option.help))
    if spec.cell.get("halting") == "adaptive":
        fields.append(ConfigField("ponder_weight", "float", PONDER_WEIGHT, "weight of the ACT ponder cost in the loss"))
    if delimited(spec):
        fields.append(ConfigField("delimiter_token", "int", DELIMITER_TOKEN,
                                  "the token that closes a unit and its chunk (train sets it to the task's)"))
    return fields


def delimited(spec: ModelSpec) -> bool:
    """Whether chunks end at delimiter tokens (coarse-grained recurrence, 2604.17121 Sec. 5.3)."""
    return spec.options.get("chunk_boundary") == "delimiter"


def build_context(spec: ModelSpec, *, standalone: bool) -> dict:
    axis, unit = spec.core
    core = CORES[spec.core]
    residual = spec.cell.get("residual", "standard")
    stateful = core in ("step-chunk", "step-token", "memory-chunk", "feedback", "latent")
    chunked = core in ("step-chunk", "memory-chunk")
    chunk = spec.options.get("chunk_size", 1)
    T = 20 if chunked else 12
    if chunked and not delimited(spec):
        # pieces aligned to chunk_size, so that the carried state is exactly the whole sequence's
        cut = max(chunk, (T // 2) // chunk * chunk)
        pieces = [(0, cut), (cut, T)]
    else:
        # delimiter chunks carry their open unit in the state, so pieces may cut anywhere
        pieces = [(0, 5), (5, 6), (6, T)]
    # causality is checked inside a chunk, on a chunk boundary and in a later chunk
    causal = sorted({2, min(T - 2, max(chunk - 1, 3)), T - 3})
    deep_delta = bool(spec.options.get("deep_delta")) or residual == "deep-delta"
    if residual == "deep-delta":
        residual = "standard"  # the deep-delta update replaces the plain residual add of each layer
    return {
        "banner": banner(spec),
        "name": spec.name,
        "package": spec.package,
        "version": __version__,
        "origin": spec.origin,
        "cell_text": spec.cell_text(),
        "cell_short": "/".join(v for k, v in spec.cell.items() if k in ("axis", "step_unit")),
        "core": core,
        "core_summary": SUMMARIES[spec.core],
        "options": spec.options,
        "neighbours": list(spec.neighbours),
        "config_fields": config_fields(spec),
        "imports": import_lines(kernel_pieces(spec), f"{spec.package}.kernels" if standalone else "rt_explore.kernels"),
        "standalone": standalone,
        "stateful": stateful,
        "chunked": chunked,
        "delimited": delimited(spec),
        "depth": axis == "depth" or (axis == "depth+step" and unit == "ponder"),
        "whole_stack": core in ("none", "depth-sequence"),
        "residual": residual,
        "deep_delta": deep_delta,
        "value_residual": bool(spec.options.get("value_residual")),
        "branch": deep_delta or residual in ("hyper-connections", "manifold-constrained"),
        "stack_doc": _stack_doc(residual, deep_delta),
        "adaptive": spec.cell.get("halting") == "adaptive",
        "deep_supervision": spec.cell.get("supervision") == "deep-supervision",
        "chunk_expr": "config.chunk_size" if unit == "chunk" else "1",
        "passes_expr": "config.recurrence_steps" if unit == "ponder" else "1",
        "rule": "delta-product" if (axis, unit) == ("step", "ponder") else spec.options.get("mixer", ""),
        "mixer_label": "delta-product" if (axis, unit) == ("step", "ponder") else spec.options.get("mixer", ""),
        "test_length": T,
        "stream_pieces": pieces,
        "causal_positions": causal,
        "train_steps": 200,
    }


def _stack_doc(residual: str, deep_delta: bool) -> str:
    text = {
        "standard": "The layers in order, each a pre-norm block with the standard residual x + f(norm(x)).",
        "layerscale": "The layers in order; each branch is scaled by LayerScale, initialised small (2103.17239).",
        "hyper-connections": "The layers under hyper-connections: n residual streams with learned mixing (2409.19606).",
        "manifold-constrained": "The layers under manifold-constrained hyper-connections: stream mixing projected "
                                "to doubly stochastic matrices by Sinkhorn iterations (2512.24880).",
        "deep-delta": "The layers with deep-delta residuals (2601.00417).",
        "early-access": "The layers with token-aware gated access to the first layer's output (SATFormer, 2605.03953).",
    }[residual]
    if deep_delta and residual != "deep-delta":
        text += " Every layer's update is a deep-delta erase-and-write (2601.00417)."
    return text


def banner(spec: ModelSpec) -> str:
    return (f"# Generated by rt-explore {__version__} ({one_line(spec.origin)})\n"
            f"# cell: {spec.cell_text()}\n"
            "# Edit freely: this file is yours now. .rt-explore.yml records the spec it came from.")


def one_line(text: object) -> str:
    """Text safe inside a comment or docstring: no line breaks, no control characters, no quote runs."""
    flat = "".join(ch if ch.isprintable() else " " for ch in str(text))
    return flat.replace('"' * 3, "'" * 3).replace(chr(92), "/")
