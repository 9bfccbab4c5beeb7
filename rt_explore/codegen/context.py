"""ModelSpec -> template context: every choice resolved in Python, so templates only print.

Strings that come from users or the catalog reach the templates only through the ``pyrepr``,
``tomlstr`` and ``comment`` filters (see render.py); names are already safe identifiers (spec.safe_name).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from .cores import core_for, knob_for, summary
from .options import BY_NAME
from .spec import ModelSpec

# The kernel functions behind each step/token rule: (naive twin, chunked form).
RULE_KERNELS = {
    "linear-attention": ("linear_attention", "naive_linear_attention", "chunk_linear_attention"),
    "gated-linear-attention": ("gated_linear_attention", "naive_gated_linear_attention",
                               "chunk_gated_linear_attention"),
    "delta-rule": ("delta_rule", "naive_delta_rule", "chunk_delta_rule"),
    "gated-delta-rule": ("gated_delta_rule", "naive_gated_delta_rule", "chunk_gated_delta_rule"),
    "delta-product": ("delta_product", "naive_delta_product", "chunk_delta_product"),
    "rwkv-7": ("rwkv7", "naive_rwkv7", "chunk_rwkv7"),
    "diagonal": ("diagonal_recurrence", "", "chunk_diagonal_recurrence"),  # the chunked scan serves T = 1 too
    "gru": ("", "", ""),  # torch's nn.GRU / nn.LSTM: no kernel of ours
    "lstm": ("", "", ""),
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
    other: object = None  # another legal value, which the generated test sets to show the field matters


def other_value(name: str, value: object, knob: str) -> object:
    """A legal value of a Config field that must change the model (the generated Config test sets it).

    A recurrence count drops to one pass (with ACT, extra passes after the halting point change nothing);
    chunk_size to a quarter (delimited units may be shorter than half a chunk); other counts halve.
    """
    if isinstance(value, bool):
        return not value
    if isinstance(value, float):
        return value * 2
    if not isinstance(value, int):
        return value
    if name == knob:
        return 1 if value > 1 else 2
    if name == "chunk_size":
        return max(1, value // 4)
    return value // 2 if value > 1 else value + 1


def kernel_pieces(spec: ModelSpec) -> list[str]:
    """``module.Name`` for every kernel primitive the generated model imports."""
    core = core_for(spec.cell)
    pieces = list(core.primitives)
    if spec.options.get("mlp") is False:
        pieces = [piece for piece in pieces if not piece.startswith("mlp.")]
    if core.name == "step_token":
        module, naive, chunk = RULE_KERNELS[rule(spec)]
        pieces += [f"{module}.{name}" for name in (naive, chunk) if name]
    if delimited(spec):
        pieces.append("delimited.delimited_chunks")
        if core.name == "step_chunk":
            pieces.append("delimited.DelimitedState")  # its layer's forward annotates the state it carries
    if spec.cell.get("residual") == "manifold-constrained":
        pieces.append("hyper_connections.sinkhorn")
    if spec.options.get("deep_delta"):
        pieces.append("deep_delta.delta_update")
    if spec.cell.get("halting") == "adaptive":
        pieces.append("halting.act_weights")
    return pieces


RECIPE = Path(__file__).resolve().parent.parent / "training" / "recipe.py"


def recipe_source() -> str:
    """The code between the recipe markers of training/recipe.py, pasted verbatim into generated train.py."""
    text = RECIPE.read_text(encoding="utf-8")
    begin, end = text.index("# -- recipe: begin"), text.index("# -- recipe: end")
    return text[text.index("\n", begin) + 1 : end].rstrip() + "\n"


def rule(spec: ModelSpec) -> str:
    """The per-token recurrence of a step/token core: the mixer option, or DeltaProduct for step/ponder."""
    return "delta-product" if spec.core == ("step", "ponder") else str(spec.options.get("mixer", ""))


def import_lines(pieces: list[str], prefix: str) -> list[str]:
    by_module: dict[str, list[str]] = {}
    for piece in pieces:
        module, name = piece.split(".")
        by_module.setdefault(module, []).append(name)
    return [f"from {prefix}.{module} import {', '.join(sorted(set(names)))}"
            for module, names in sorted(by_module.items())]


def config_fields(spec: ModelSpec) -> list[ConfigField]:
    knob = knob_for(spec.cell)
    knob_field = knob.field if knob else ""
    fields = []
    for name, value in spec.options.items():
        option = BY_NAME[name]
        if option.build_time:
            continue  # a choice of code, recorded in .rt-explore.yml; the model has no switch for it
        fields.append(ConfigField(name, option.kind.__name__, value, option.help, other_value(name, value, knob_field)))
    if spec.cell.get("halting") == "adaptive":
        fields.append(ConfigField("ponder_weight", "float", PONDER_WEIGHT, "weight of the ACT ponder cost in the loss",
                                  PONDER_WEIGHT * 2))
    if delimited(spec):
        fields.append(ConfigField("delimiter_token", "int", DELIMITER_TOKEN,
                                  "the token that closes a unit and its chunk (train sets it to the task's)",
                                  DELIMITER_TOKEN + 1))
    return fields


def delimited(spec: ModelSpec) -> bool:
    """Whether chunks end at delimiter tokens (coarse-grained recurrence, 2604.17121 Sec. 5.3)."""
    return spec.options.get("chunk_boundary") == "delimiter"


def build_context(spec: ModelSpec, *, standalone: bool) -> dict:
    core = core_for(spec.cell)
    residual = spec.cell.get("residual", "standard")
    knob = knob_for(spec.cell)
    chunk = spec.options.get("chunk_size", 1)
    T = 20 if core.chunked else 12
    if core.chunked and not delimited(spec):
        # pieces aligned to chunk_size, so that the carried state is exactly the whole sequence's
        cut = max(chunk, (T // 2) // chunk * chunk)
        pieces = [(0, cut), (cut, T)]
    else:
        # delimiter chunks carry their open unit in the state, so pieces may cut anywhere
        pieces = [(0, 5), (5, 6), (6, T)]
    # causality is checked inside a chunk, on a chunk boundary and in a later chunk
    causal = sorted({2, min(T - 2, max(chunk - 1, 3)), T - 3})
    kernel_package = f"{spec.package}.kernels" if standalone else "rt_explore.kernels"
    block_kind = {"depth_chunkwise": "context", "feedback": "context", "step_chunk": "memory",
                  "latent": "cache"}.get(core.name, "plain")
    if spec.options.get("value_residual") or residual == "early-access":
        block_kind = "values"
    naive_fn = chunk_fn = ""
    if core.name == "step_token":
        _, naive_fn, chunk_fn = RULE_KERNELS[rule(spec)]
    uses_functional = (core.name == "step_chunk" or bool(spec.options.get("deep_delta"))
                       or (core.name == "step_token" and rule(spec) not in ("gru", "lstm")))
    return {
        "banner": banner(spec),
        "name": spec.name,
        "package": spec.package,
        "version": __version__,
        "origin": spec.origin,
        "cell_text": spec.cell_text(),
        "cell_short": "/".join(v for k, v in spec.cell.items() if k in ("axis", "step_unit")),
        "core": core,
        "core_summary": summary(spec.cell),
        "options": spec.options,
        "neighbors": list(spec.neighbors),
        "config_fields": config_fields(spec),
        "imports": import_lines(kernel_pieces(spec), kernel_package),
        "kernel_package": kernel_package,
        "uses_functional": uses_functional,
        "uses_math": (residual == "manifold-constrained" or bool(spec.options.get("deep_delta"))
                      or (core.name == "step_token" and rule(spec) in ("rwkv-7", "diagonal"))),
        "standalone": standalone,
        "knob": knob.field if knob else "",
        "delimited": delimited(spec),
        "boundary_noise": spec.options.get("boundary_noise", "none"),
        "block_kind": block_kind,
        "takes_mask": core.takes_mask,
        "layerscale": residual == "layerscale",
        "hyper": residual if residual in ("hyper-connections", "manifold-constrained") else "",
        "early_access": residual == "early-access",
        "deep_delta": bool(spec.options.get("deep_delta")),
        "value_residual": bool(spec.options.get("value_residual")),
        "stack_doc": _stack_doc(residual, bool(spec.options.get("deep_delta"))),
        "adaptive": spec.cell.get("halting") == "adaptive",
        "deep_supervision": spec.cell.get("supervision") == "deep-supervision",
        "input_injection": bool(spec.options.get("input_injection")),
        "identity_bias": bool(spec.options.get("identity_bias")),
        "mlp": spec.options.get("mlp", True) is not False,
        "gated_update": bool(spec.options.get("gated_update")),
        "depth_embedding": bool(spec.options.get("depth_embedding")),
        "negative_eigenvalues": bool(spec.options.get("negative_eigenvalues")),
        "rule": rule(spec) if core.name == "step_token" else "",
        "naive_fn": naive_fn,
        "chunk_fn": chunk_fn,
        "chunk_expr": "self.config.chunk_size" if spec.cell.get("step_unit") == "chunk" else "1",
        "passes_expr": "self.config.recurrence_steps" if knob and core.name == "feedback" else "1",
        "test_length": T,
        "stream_pieces": pieces,
        "causal_positions": causal,
        "train_steps": 200,
        "recipe": recipe_source(),
    }


def _stack_doc(residual: str, deep_delta: bool) -> str:
    text = {
        "standard": "The layers in order, each a pre-norm block with the standard residual x + f(norm(x)).",
        "layerscale": "The layers in order; each branch is scaled by LayerScale, initialised small (2103.17239).",
        "hyper-connections": "The layers under dynamic hyper-connections: n residual streams mixed by weights computed "
                             "from the input (2409.19606).",
        "manifold-constrained": "The layers under manifold-constrained hyper-connections: stream mixing computed from "
                                "the input and projected to doubly stochastic matrices by Sinkhorn at every layer "
                                "(2512.24880).",
        "deep-delta": "The layers with deep-delta residuals (2601.00417).",
        "early-access": "The layers; every layer after the first reads the first layer's attention values through a "
                        "gate per token and head (SATFormer, 2605.03953).",
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
