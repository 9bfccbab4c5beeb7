"""What each recurrent core means in code: one record per core, and every other part asks this table.

A *core* is one way of realising cells of the design space (the recurrence axis and the step unit of
Mozer, Siddiqui & Liu, "The Topological Trouble With Transformers", arXiv 2604.17121, Sec. 4). Its
record says which cells it realises, the state it carries, whether it streams (a `step(input_ids,
state)` method), whether streaming pieces must align to chunks, the Config field that sets its
recurrence count (the *knob*, read at every forward), whether adaptive halting and the residual variants
that mix layers apply, the kernel primitives its template imports, and a one-line summary per cell.

Who asks: spec validation (`spec.py`), the options table (`options.py`), the render context
(`context.py`), multi-stage training and random depth (`training/stages.py`, `training/random_depth.py`),
the probes and `docs/design.md`. Adding a core is one record here plus one template in
`templates/cores/`.

This module imports nothing heavy (no torch, no jinja): the command line checks a request against it
before any model is built.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

CellKey = tuple[str, str | None]


@dataclass(frozen=True)
class Knob:
    """The Config field that holds a core's recurrence count, its value with the recurrence off, and
    what the model computes at that value (said by multi-stage training)."""

    field: str
    off: int
    feedforward: str


@dataclass(frozen=True)
class Core:
    """One recurrent core: the cells it realises and everything code generation and training need."""

    name: str
    cells: Mapping[CellKey, str]  # (axis, step_unit) -> the summary of that cell as this core builds it
    state: str  # the `state` dimension value the core realises (the default, when it can realise several)
    streams: bool = False  # has `step(input_ids, state) -> (logits, state)`
    other_states: tuple[str, ...] = ()  # further `state` values it realises (chosen by an option)
    chunked: bool = False  # streaming pieces must be aligned to chunk_size (unless chunks end at delimiters)
    knobs: Mapping[CellKey, Knob] = field(default_factory=dict)  # cells whose recurrence count can be set
    no_knob: str = ""  # why the cells without a knob cannot switch their recurrence off
    adaptive: tuple[CellKey, ...] = ()  # cells for which adaptive halting (ACT) is generated
    whole_stack: bool = False  # the layers run as one stack: residual variants that mix layers apply
    deep_supervision: bool = False  # every iteration can be decoded and supervised
    # its attention sees the whole sequence at once, so `forward(input_ids, mask=...)` takes a task's attention
    # mask [B, T, T] in place of the causal one (a graph's adjacency: tasks.graph_reachability)
    takes_mask: bool = False
    primitives: tuple[str, ...] = ()  # kernel primitives (`module.Name`) the template imports
    # probes the model supports, each a contract of the template: "rank" needs `model.embed`, `model.stack(x,
    # trace=list)` appending the stream after every layer; "stability" needs `model.embed` and
    # `model.iterate(x, steps) -> [h_1 .. h_steps]`
    probes: tuple[str, ...] = ()

    @property
    def states(self) -> tuple[str, ...]:
        return (self.state, *self.other_states)

    @property
    def template(self) -> str:
        return f"cores/{self.name}.py.jinja"


_BLOCK = ("norms.RMSNorm", "attention.CausalSelfAttention", "mlp.SwiGLU", "mlp.swiglu_hidden")
_ONE_PASS_PER_CHUNK = Knob("recurrence_steps", 1, "one pass through the shared stack per chunk; chunks still run "
                                                  "in order, each reading the final states of earlier ones")
_STEP_REASON = ("its state carried from position to position is how its layers mix tokens, so it has no "
                "feedforward form with the same parameters")

CORES: tuple[Core, ...] = (
    Core("none", {("none", None): "a feedforward causal transformer: no recurrence on either axis."},
         state="none", whole_stack=True, takes_mask=True, primitives=_BLOCK, probes=("rank",),
         no_knob="a feedforward transformer has no recurrence to switch on"),
    Core("depth_sequence",
         {("depth", "sequence"): "one shared stack looped over all positions in parallel, optionally with the "
                                 "input re-injected at every iteration (looped / Universal Transformer, Huginn)."},
         state="none", whole_stack=True, takes_mask=True, deep_supervision=True, adaptive=(("depth", "sequence"),),
         knobs={("depth", "sequence"): Knob("recurrence_steps", 1, "one pass through the shared stack: a "
                                                                   "feedforward transformer over all positions")},
         primitives=_BLOCK, probes=("stability",)),
    Core("depth_chunkwise",
         {("depth", "chunk"): "blockwise looping: each chunk of positions is looped through the shared stack, "
                              "attending to the final states of earlier chunks.",
          ("depth", "token"): "token-wise looping: each token is looped through the shared stack before the next "
                              "token, which attends to earlier tokens' final states (an empty cell of the paper).",
          ("depth", "ponder"): "several passes per token through the shared stack before the next token (an empty "
                               "cell of the paper)."},
         state="none", adaptive=(("depth", "chunk"), ("depth", "ponder")),
         knobs={("depth", "chunk"): _ONE_PASS_PER_CHUNK, ("depth", "token"): _ONE_PASS_PER_CHUNK,
                ("depth", "ponder"): _ONE_PASS_PER_CHUNK},
         primitives=_BLOCK),
    Core("step_chunk",
         {("step", "chunk"): "attention inside each chunk and a memory carried across chunks at the same layer by "
                             "a gated update (Block-Recurrent Transformer)."},
         state="memory-tokens", streams=True, chunked=True, no_knob=_STEP_REASON, primitives=_BLOCK),
    Core("step_token",
         {("step", "token"): "a per-token recurrence in every layer: a matrix state (linear attention, the delta "
                             "rules, RWKV-7) trained in chunked-parallel form, or a vector state (a diagonal "
                             "selective recurrence, or a GRU / LSTM run step by step).",
          ("step", "ponder"): "several delta-rule updates per token inside each layer (DeltaProduct)."},
         state="matrix", other_states=("vector",), streams=True, no_knob=_STEP_REASON,
         primitives=("norms.RMSNorm", "mlp.SwiGLU", "mlp.swiglu_hidden")),
    Core("memory_chunk",
         {("depth+step", "chunk"): "memory written at the top of chunk c is read at the bottom of chunk c+1 (RMT)."},
         state="memory-tokens", streams=True, chunked=True, primitives=_BLOCK,
         no_knob="the memory carried from chunk to chunk is the only path between chunks; without it the model "
                 "sees less, it does not compute less"),
    Core("feedback",
         {("depth+step", "token"): "the top-of-stack state of token t feeds the bottom of token t+1 (Feedback "
                                   "Transformer).",
          ("depth+step", "ponder"): "several latent passes per token, each fed from the top of the last (TRM-style)."},
         state="latent", streams=True, primitives=_BLOCK,
         knobs={("depth+step", "ponder"): Knob("recurrence_steps", 1, "one feedback pass per token: a Feedback "
                                                                      "Transformer (token t reads the top of t-1)")},
         no_knob="every layer of token t reads the top states of earlier tokens; that feedback is the cell and has "
                 "no setting to switch off (depth+step/ponder has one)"),
    Core("latent",
         {("depth+step", "latent"): "continuous thoughts: after each token the top state is fed back as the next "
                                    "input for a few steps that read no token (Coconut)."},
         state="latent", streams=True, primitives=(*_BLOCK, "attention.KVCache"),
         knobs={("depth+step", "latent"): Knob("latent_steps", 0, "no continuous thoughts: a causal transformer "
                                                                  "over the tokens, all positions in parallel")}),
)

BY_CELL: dict[CellKey, Core] = {cell: core for core in CORES for cell in core.cells}


def cell_key(cell: Mapping[str, str]) -> CellKey:
    return cell.get("axis", "none"), cell.get("step_unit")


def core_for(cell: Mapping[str, str]) -> Core | None:
    """The core that realises a cell (its axis and step_unit), or None when no generator exists."""
    return BY_CELL.get(cell_key(cell))


def knob_for(cell: Mapping[str, str]) -> Knob | None:
    core = core_for(cell)
    return None if core is None else core.knobs.get(cell_key(cell))


def why_no_knob(cell: Mapping[str, str]) -> str:
    core = core_for(cell)
    return core.no_knob if core is not None and core.no_knob else "no rule says how to switch its recurrence off"


def takes_mask(cell: Mapping[str, str]) -> bool:
    """Whether the cell's model takes a task's attention mask (`forward(input_ids, mask=[B, T, T])`)."""
    core = core_for(cell)
    return core is not None and core.takes_mask


def needs_mask(task_name: str) -> str:
    """Why a task that masks attention cannot train a model whose core takes no mask (one line)."""
    cells = ["/".join(v for v in key if v) for core in CORES if core.takes_mask for key in core.cells]
    return f"{task_name} needs a core whose attention sees the whole sequence: {' or '.join(cells)}"


def supports(cell: Mapping[str, str], probe: str) -> bool:
    core = core_for(cell)
    return core is not None and probe in core.probes


def summary(cell: Mapping[str, str]) -> str:
    core = core_for(cell)
    return "" if core is None else core.cells[cell_key(cell)]
