"""Graph reachability: follow `length` edges through a shuffled edge list of a directed graph.

From "Thinking Deeper, Not Longer: Depth-Recurrent Transformers for Compositional Generalization",
Hung-Hsuan Chen, 2026, arXiv:2603.21676 (graph reachability, with hops as the difficulty knob).

Construction: `num_chains` disjoint directed chains of `length` + 1 nodes each, with distinct random node
labels, so every chain has `length` edges. All edges are listed in random order, then a query from s,
the head of one chain. The tail of s's chain is exactly `length` hops away and every other node on it
is closer, so the query cannot be answered without following the chain to its end.

Two ways to ask (`answer`):
- "node" (default): `... ? s =`, the target is the node `length` hops from s (its chain's tail).
  Chance is 1 / num_chains, the accuracy of guessing among the tails.
- "yes-no": `... ? s t =`, the target is yes if t is reachable from s. t is the tail of s's chain or
  of another chain, so neither degrees nor depths give the answer away; labels are balanced within
  every batch (half yes, half no, up to one for an odd batch), chance 0.5. This is harder to learn
  than it looks: no single token is correlated with the answer (it hinges on an equality of labels),
  and in our measurements a 2-layer width-64 transformer or LSTM stays at chance for 12k steps, even
  at 1 hop. "node" gives a gradient from the start (the answer is a token to copy).

Lengths are parameters: `min_train_length` (0: 1), `max_train_length`, `test_lengths` ("6,8,12"; "":
1.5L, 2L, 3L, 4L). Chen's protocol, hops 1..5 in training and 6, 8, 12 at test: `max_train_length=5,
test_lengths=6,8,12` (or `max_train_length=4` for 1..4).

Tokens: node labels 0..N-1, then "," ends an edge, "?" starts the query, "=" asks for the answer, and
the answers no and yes. A sequence reads `u v , u v , ... ? s =` and only "=" is scored.

Two ways to write the edges (`edges`, for answer "node"):
- "triples" (default): `u v ,` as above. A causal model must first copy each edge's source onto its
  target token and s onto "=" before it can follow an edge, so k hops take k + 1 iterations of a
  one-layer loop.
- "tokens": one token per edge (u, v), N * N of them, and one query token "from s?" per node, last;
  each chain's tail also carries a self-loop (t, t), so a walk that reaches the end of its chain stays
  there and the answer is the walk's fixed point. A sequence reads `e(u,v) ... e(t,t) ... Q(s)` and only
  Q(s) is scored. One lookup per iteration then moves the walk one edge: k hops take k iterations,
  the closest a sequence model gets to the adjacency-masked graphs of Chen 2026 (where every iteration
  propagates along one edge) without a task-specific attention mask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rt_explore.tasks.base import Batch, Task, depth_lengths

if TYPE_CHECKING:
    import torch

ANSWERS = ("node", "yes-no")
EDGES = ("triples", "tokens")


class ReachabilityTask(Task):
    name = "reachability"
    summary = ("shuffled edges of disjoint chains, then a query from s: the node `length` hops away "
               "(or: is t reachable?)")
    probes = "multi-hop reasoning: following a path of `length` edges through an unordered edge list"
    reference = ("Thinking Deeper, Not Longer: Depth-Recurrent Transformers for Compositional "
                 "Generalization; Chen; 2026; arXiv:2603.21676")
    length_name = "hops"

    def __init__(self, *, answer: str = "node", num_chains: int = 3, num_nodes: int = 64, min_train_length: int = 0,
                 max_train_length: int = 4, test_lengths: str = "", edges: str = "triples") -> None:
        self.answer = self._choice("answer", answer, ANSWERS)
        self.edges = self._choice("edges", edges, EDGES)
        if self.edges == "tokens" and self.answer != "node":
            raise ValueError(f"{self.name}: edges=tokens asks for the node reached (answer=node), not yes-no")
        # Two chains at least, so that an unreachable target exists.
        self.num_chains = self._int("num_chains", num_chains, 2)
        self.num_nodes = self._int("num_nodes", num_nodes, 2)
        self.max_train_length = self._int("max_train_length", max_train_length, 1)
        self._set_lengths(depth_lengths(self.max_train_length), min_train_length, test_lengths)
        longest = self.test_lengths[-1]
        if self.num_chains * (longest + 1) > self.num_nodes:
            raise ValueError(
                f"{self.name}: num_nodes ({self.num_nodes}) must be at least num_chains * (longest test "
                f"hops + 1) = {self.num_chains} * {longest + 1} = {self.num_chains * (longest + 1)}, "
                "since every chain needs distinct node labels")
        self.sep, self.query, self.equals = self.num_nodes, self.num_nodes + 1, self.num_nodes + 2
        self.no, self.yes = self.num_nodes + 3, self.num_nodes + 4
        self.vocab_size = self.num_nodes + 5
        if self.edges == "tokens":
            # nodes 0..N-1 (the answers), then edge (u, v) at N + u*N + v, then "from s?" at N + N*N + s
            self.edge_base, self.query_base = self.num_nodes, self.num_nodes * (1 + self.num_nodes)
            self.vocab_size = self.num_nodes * (2 + self.num_nodes)
        self.chance = 1.0 / self.num_chains if self.answer == "node" else 0.5

    def params(self) -> dict[str, Any]:
        return {"answer": self.answer, "num_chains": self.num_chains, "num_nodes": self.num_nodes,
                **self._length_params(), "edges": self.edges}

    def sequence_length(self, length: int) -> int:
        if self.edges == "tokens":
            return self.num_chains * (length + 1) + 1  # length edges and a self-loop per chain, then Q(s)
        # Three tokens per edge, num_chains * length edges, then "? s =" or "? s t =".
        return 3 * self.num_chains * length + (3 if self.answer == "node" else 4)

    def batch(self, batch_size: int, length: int, generator: torch.Generator) -> Batch:
        import torch

        B, C, k = batch_size, self.num_chains, length
        self._check_batch_args(B, k, maximum=self.num_nodes // C - 1)
        rows = torch.arange(B)
        # Distinct random labels for every node of every chain: [B, C, k + 1].
        chains = torch.rand(B, self.num_nodes, generator=generator).argsort(dim=1)[:, : C * (k + 1)]
        chains = chains.view(B, C, k + 1)
        src = chains[:, :, :-1].reshape(B, C * k)  # edge i is src[i] -> dst[i]
        dst = chains[:, :, 1:].reshape(B, C * k)
        order = torch.rand(B, C * k, generator=generator).argsort(dim=1)  # shuffle the edge list
        src, dst = src.gather(1, order), dst.gather(1, order)
        source_chain = torch.randint(C, (B,), generator=generator)
        if self.edges == "tokens":
            return self._edge_token_batch(chains, src, dst, source_chain, generator)
        edges = torch.stack([src, dst, torch.full_like(src, self.sep)], dim=2).view(B, 3 * C * k)

        source = chains[rows, source_chain, 0]
        question, mark = torch.full_like(source, self.query), torch.full_like(source, self.equals)
        if self.answer == "node":
            query = torch.stack([question, source, mark], dim=1)  # [B, 3]
            answer = chains[rows, source_chain, k]
        else:
            reachable = torch.randperm(B, generator=generator) % 2 == 1  # exactly balanced labels
            other_chain = (source_chain + torch.randint(1, C, (B,), generator=generator)) % C
            target = chains[rows, torch.where(reachable, source_chain, other_chain), k]
            query = torch.stack([question, source, target, mark], dim=1)  # [B, 4]
            answer = torch.where(reachable, self.yes, self.no)

        inputs = torch.cat([edges, query], dim=1)  # [B, 3Ck + 3 or 4]
        targets = torch.zeros_like(inputs)
        targets[:, -1] = answer
        mask = torch.zeros_like(inputs, dtype=torch.bool)
        mask[:, -1] = True
        return Batch(inputs, targets, mask)

    def _edge_token_batch(self, chains: torch.Tensor, src: torch.Tensor, dst: torch.Tensor,
                          source_chain: torch.Tensor, generator: torch.Generator) -> Batch:
        """`e(u,v) ... Q(s)`: the chain edges and a self-loop on every tail, shuffled, then the query token."""
        import torch

        B, N = chains.size(0), self.num_nodes
        rows = torch.arange(B)
        tails = chains[:, :, -1]  # [B, C]
        src, dst = torch.cat([src, tails], dim=1), torch.cat([dst, tails], dim=1)  # [B, C * (k + 1)]
        order = torch.rand(B, src.size(1), generator=generator).argsort(dim=1)  # the self-loops join the shuffle
        edges = self.edge_base + src.gather(1, order) * N + dst.gather(1, order)
        query = self.query_base + chains[rows, source_chain, 0]
        inputs = torch.cat([edges, query[:, None]], dim=1)  # [B, C * (k + 1) + 1]
        targets = torch.zeros_like(inputs)
        targets[:, -1] = tails[rows, source_chain]
        mask = torch.zeros_like(inputs, dtype=torch.bool)
        mask[:, -1] = True
        return Batch(inputs, targets, mask)
