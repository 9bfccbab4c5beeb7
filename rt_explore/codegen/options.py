"""Scaffold options: one table says each option's type, default, allowed values and the cells it applies to.

Every option a user passes with ``--option K=V`` (or a catalog entry's mechanisms set) is checked here,
once, against this table and the cell; generated code then contains only what was chosen.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..errors import UsageError
from ..taxonomy import Cell
from ..values import parse_bool
from .cores import core_for, knob_for

Applies = Callable[[Cell], bool]


def _always(cell: Cell) -> bool:
    return True


def _axis(*axes: str) -> Applies:
    return lambda cell: cell.get("axis") in axes


def _unit(*units: str, axis: str | None = None) -> Applies:
    return lambda cell: cell.get("step_unit") in units and (axis is None or cell.get("axis") == axis)


def _stack_whole(cell: Cell) -> bool:
    # Residual variants that mix layers need the stack run as one piece (cores.Core.whole_stack).
    core = core_for(cell)
    return core is not None and core.whole_stack


def _attention_core(cell: Cell) -> bool:
    core = core_for(cell)
    return core is not None and "attention.CausalSelfAttention" in core.primitives


def _knob(name: str) -> Applies:
    # Options that set a core's recurrence count exist where the core's knob is that field (cores.Core.knobs).
    return lambda cell: (knob := knob_for(cell)) is not None and knob.field == name


@dataclass(frozen=True)
class Option:
    name: str
    kind: type
    default: object
    help: str
    applies: Applies = _always
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    cell_default: Callable[[Cell], object] | None = None
    why_not: str = ""  # said when the option does not apply to a cell, after "does not apply to cell X"
    # A build-time choice selects the code that is generated (and is recorded in .rt-explore.yml); a run-time
    # option is a field of the generated Config, read when the model is built or called.
    build_time: bool = False
    # values other options must take for this one to matter, e.g. {"mixer": ("diagonal",)} (checked where the
    # other option exists): otherwise it is dropped, or refused when the user gave it
    when: dict[str, tuple[str, ...]] | None = None
    # Left out of the resolved options at its default, as if it did not exist: for an option added after
    # runs were stored, whose keys hash the resolved options (experiments/plan.py), and whose default
    # generates exactly the code of before (so the default model and its .rt-explore.yml do not change).
    omit_default: bool = False

    def default_for(self, cell: Cell) -> object:
        return self.cell_default(cell) if self.cell_default else self.default

    def parse(self, raw: object) -> object:
        """Convert a command-line string (or a YAML value) to this option's type and check its range."""
        value = raw
        if isinstance(raw, str):
            text = raw.strip()
            if self.kind is bool:
                value = parse_bool(text, f"option {self.name}")
            elif self.kind is int:
                try:
                    value = int(text)
                except ValueError:
                    raise UsageError(f"option {self.name} takes a whole number, got '{raw}'") from None
            elif self.kind is float:
                try:
                    value = float(text)
                except ValueError:
                    raise UsageError(f"option {self.name} takes a number, got '{raw}'") from None
            else:
                value = text
        if self.kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if value is not None and not isinstance(value, self.kind) or (self.kind is int and isinstance(value, bool)):
            raise UsageError(f"option {self.name} takes a {self.kind.__name__}, got {value!r}")
        if self.choices and value not in self.choices:
            raise UsageError(f"option {self.name}: '{value}' is not one of {', '.join(self.choices)}")
        if self.minimum is not None and value < self.minimum:
            raise UsageError(f"option {self.name} must be at least {self.minimum:g}, got {value}")
        if self.maximum is not None and value > self.maximum:
            raise UsageError(f"option {self.name} must be at most {self.maximum:g}, got {value}")
        return value


def _steps_default(cell: Cell) -> int:
    return {"token": 2, "ponder": 3}.get(cell.get("step_unit", ""), 4)


OPTIONS: tuple[Option, ...] = (
    Option("dim", int, 64, "model width", minimum=8, maximum=4096),
    Option("n_layers", int, 2, "layers (for depth cells: layers in the shared block)", minimum=1, maximum=512),
    Option("n_heads", int, 4, "attention / recurrence heads", minimum=1, maximum=64,
           when={"mixer": ("linear-attention", "gated-linear-attention", "delta-rule", "gated-delta-rule", "rwkv-7")}),
    # Off only where a layer is one recurrence per token (step/token, step/ponder): the recurrent baselines of
    # Deletang et al. (2207.02098) are embedding, recurrence, linear readout. With a SwiGLU after it, an LSTM
    # fits modular counting on the training lengths but fails past them (docs/experiments/state-tracking.md).
    Option("mlp", bool, True, "a position-wise MLP after each layer's mixer; off: the mixer alone, read out "
           "linearly (the shape of Deletang et al.'s RNN and LSTM baselines)",
           applies=_unit("token", "ponder", axis="step"), build_time=True, omit_default=True,
           why_not="only a step/token or step/ponder layer (a recurrence per token) can drop its MLP"),
    Option("mlp_ratio", float, 4.0, "MLP hidden width as a multiple of dim", minimum=0.5, maximum=16,
           when={"mlp": (True,)}),
    Option("vocab_size", int, 64, "vocabulary (train sets it to the task's)", minimum=2, maximum=1_000_000),
    Option("recurrence_steps", int, 4, "depth iterations (depth cells) or feedback passes per token "
           "(depth+step/ponder); changeable at inference", applies=_knob("recurrence_steps"),
           minimum=1, maximum=256, cell_default=_steps_default),
    Option("input_injection", bool, True, "add the embedded input back at every depth iteration",
           applies=_axis("depth"), build_time=True),
    Option("identity_bias", bool, False, "identity-biased recurrence: h + a*(f(h) - h), a initialised small",
           applies=_unit("sequence", axis="depth"), build_time=True),
    # Thinking Deeper, Not Longer (Chen 2026, arXiv 2603.21676): an input-dependent gated update and a learned
    # per-step depth embedding; with --random-depth (T drawn per batch) and a final-only loss, the paper's recipe.
    Option("gated_update", bool, False, "input-dependent gated update h <- z * f(h) + (1 - z) * h, "
           "z = sigmoid(W [h; f(h)] + b), b initialised at -2 (Thinking Deeper, Not Longer)",
           applies=_unit("sequence", axis="depth"), build_time=True),
    Option("depth_embedding", bool, False, "add a learned embedding of the iteration index to the state before "
           "each iteration (Thinking Deeper, Not Longer)", applies=_unit("sequence", axis="depth"), build_time=True),
    Option("max_depth", int, 64, "iterations the depth embedding has entries for (later ones reuse the last)",
           applies=_unit("sequence", axis="depth"), minimum=1, maximum=1024, when={"depth_embedding": (True,)}),
    Option("positions", str, "rotary", "how attention sees positions: rotary (RoPE) or none (NoPE: no position "
           "signal, causal attention infers order; Kazemnejad et al., 2305.19466), so that positions past the "
           "training length are not unseen rotations", applies=_attention_core, choices=("rotary", "none"),
           build_time=True, why_not="a step/token layer has no attention"),
    Option("truncate_steps", int, 0, "backpropagate through only the last N depth iterations (0: all)",
           applies=_unit("sequence", axis="depth"), minimum=0, maximum=256),
    Option("context_window", int, 0, "how many earlier positions' final states a chunk reads (0: all of them, "
           "as the Feedback Transformer; 1 with depth/token: only the previous token's, a purely recurrent path)",
           applies=lambda c: (core := core_for(c)) is not None and core.name == "depth_chunkwise",
           minimum=0, maximum=1_000_000),
    Option("chunk_size", int, 8, "positions per recurrence step", applies=_unit("chunk"), minimum=1, maximum=4096,
           cell_default=lambda c: 4 if c.get("axis") == "depth" else 8),
    Option("memory_tokens", int, 4, "memory vectors carried from chunk to chunk",
           applies=lambda c: c.get("step_unit") == "chunk" and c.get("axis") in ("step", "depth+step"),
           minimum=1, maximum=256),
    # Coarse-grained recurrence (2604.17121, Sec. 5.3): a step per sentence-like unit. The delimiter's id comes
    # from the task at train time (config.delimiter_token); depth/chunk reads earlier chunks at absolute
    # positions, which would differ from sequence to sequence of a batch.
    Option("chunk_boundary", str, "fixed", "where a chunk ends: after chunk_size positions (fixed), or also at "
           "each delimiter token, so that a chunk is one unit of at most chunk_size positions (delimiter)",
           applies=lambda c: c.get("step_unit") == "chunk" and c.get("axis") in ("step", "depth+step"),
           choices=("fixed", "delimiter"), build_time=True,
           why_not="chunk boundaries are chosen for step/chunk and depth+step/chunk, whose memory carries "
                   "from chunk to chunk (depth/chunk reads earlier chunks at absolute positions)"),
    # The control for delimiter chunks (issue 12): the task's delimiters stay where they are (so the task is
    # unchanged), only the model's chunk schedule is perturbed: shifted one token late, or some delimiters ignored.
    Option("boundary_noise", str, "none", "perturb where delimiter chunks end (a control): none, shift (each "
           "chunk ends one token after its delimiter), or drop (a fraction boundary_drop of the delimiters, drawn "
           "at random per sequence and call, do not end a chunk)",
           applies=lambda c: c.get("step_unit") == "chunk" and c.get("axis") in ("step", "depth+step"),
           choices=("none", "shift", "drop"), build_time=True, when={"chunk_boundary": ("delimiter",)},
           omit_default=True, why_not="it perturbs delimiter chunks, which step/chunk and depth+step/chunk have"),
    Option("boundary_drop", float, 0.2, "the fraction of delimiters that end no chunk, with boundary_noise=drop",
           applies=lambda c: c.get("step_unit") == "chunk" and c.get("axis") in ("step", "depth+step"),
           minimum=0.0, maximum=1.0, when={"boundary_noise": ("drop",)},
           why_not="it perturbs delimiter chunks, which step/chunk and depth+step/chunk have"),
    Option("mixer", str, "delta-rule", "the per-token recurrence of a step/token layer: linear attention, the "
           "(gated) delta rule, RWKV-7, a diagonal selective recurrence (Mamba-like), or a GRU / LSTM (nonlinear, "
           "run step by step and honestly slower: the positive control for state tracking, with mlp=false)",
           applies=_unit("token", axis="step"),
           choices=("linear-attention", "gated-linear-attention", "delta-rule", "gated-delta-rule", "rwkv-7",
                    "diagonal", "gru", "lstm"), build_time=True,
           cell_default=lambda c: "diagonal" if c.get("state") == "vector" else "delta-rule"),
    # On by default: with beta in (0, 1) a delta rule cannot track parity at any length (Grazzi et al., Thm. 1);
    # measured with 5 seeds in docs/experiments/state-tracking.md (DeltaNet [-1,1] against [0,1] on parity).
    Option("negative_eigenvalues", bool, True, "transition eigenvalues in (-1, 1): delta-rule step size or RWKV-7 "
           "learning rate in (0, 2), diagonal decay 2 exp(dA) - 1 (Grazzi et al., 2411.12537)",
           applies=lambda c: c.get("axis") == "step" and c.get("step_unit") in ("token", "ponder"), build_time=True),
    Option("state_size", int, 16, "state size N per channel of the diagonal recurrence",
           applies=_unit("token", axis="step"), minimum=1, maximum=256, when={"mixer": ("diagonal",)}),
    Option("n_householder", int, 2, "delta-rule updates per token (DeltaProduct)", applies=_unit("ponder", axis="step"),
           minimum=1, maximum=16),
    Option("latent_steps", int, 2, "latent steps after each token (continuous thoughts); changeable at inference",
           applies=_knob("latent_steps"), minimum=1, maximum=64),
    Option("layerscale_init", float, 1e-4, "initial LayerScale value",
           applies=lambda c: c.get("residual") == "layerscale", minimum=0.0, maximum=1.0),
    Option("hyper_streams", int, 4, "residual streams of (manifold-constrained) hyper-connections",
           applies=lambda c: c.get("residual") in ("hyper-connections", "manifold-constrained"), minimum=2, maximum=16),
    Option("deep_delta", bool, False, "add a deep-delta erase-and-write residual on every layer (with another "
           "residual scheme; residual=deep-delta alone sets it)", applies=_stack_whole, build_time=True),
    Option("value_residual", bool, False, "mix the first layer's attention values into every layer (ResFormer)",
           applies=lambda c: c.get("axis") == "none" and c.get("residual", "standard") != "early-access",
           build_time=True, why_not="value residual is generated for the none cell, without early access "
                                    "(which is gated value residual)"),
)

BY_NAME = {o.name: o for o in OPTIONS}


def resolve_options(cell: Cell, given: Mapping[str, object], *, strict: bool = True) -> dict[str, object]:
    """Every option that applies to ``cell``, with the given values checked and defaults filled in.

    With ``strict`` (the command line), an option that does not apply to the cell is an error; without it
    (options derived from a catalog entry's mechanisms) it is dropped.
    """
    resolved: dict[str, object] = {}
    for name, raw in given.items():
        key = name.replace("-", "_")
        option = BY_NAME.get(key)
        if option is None:
            raise UsageError(f"unknown option '{name}'; options are {', '.join(BY_NAME)}")
        if not option.applies(cell):
            if strict:
                why = f": {option.why_not}" if option.why_not else ""
                raise UsageError(f"option {key} does not apply to cell {'/'.join(cell.values())}{why}")
            continue
        resolved[key] = option.parse(raw)
    out = {}
    for option in OPTIONS:
        if option.applies(cell):
            out[option.name] = resolved.get(option.name, option.default_for(cell))
    def unmet(other: str, values: tuple[str, ...]) -> bool:
        # An option that applies to the cell but was dropped (its own `when` unmet) takes its dependants along.
        return out[other] not in values if other in out else BY_NAME[other].applies(cell)

    for option in OPTIONS:
        if option.name in out and option.when and any(unmet(k, v) for k, v in option.when.items()):
            if strict and option.name in resolved:
                need = "; ".join(f"{k} {' or '.join(_text(x) for x in v)}" for k, v in option.when.items())
                raise UsageError(f"option {option.name} needs {need}")
            del out[option.name]
    for option in OPTIONS:
        if option.omit_default and option.name in out and out[option.name] == option.default_for(cell):
            del out[option.name]
    return out


def _text(value: object) -> str:
    """A value as the command line writes it: true / false for booleans."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def parse_assignments(items: list[str]) -> dict[str, str]:
    """``["dim=128", "mixer=delta-rule"]`` -> a dict; malformed items are a usage error."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"malformed --option '{item}'; expected KEY=VALUE")
        out[key.strip()] = value.strip()
    return out
