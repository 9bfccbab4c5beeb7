"""Graph reachability as Chen builds it: one token per node, the edges as an attention mask, a yes or a no.

From "Thinking Deeper, Not Longer: Memory-Efficient Test-Time Reasoning with Depth-Recurrent Transformers",
Hung-Hsuan Chen, 2026, arXiv:2603.21676 (graph reachability), following the author's code
(hhchen1105/Depth-Recurrent-Transformer, graph/graph_experiment.py).

A sequence is a directed graph of n nodes padded to `num_nodes` positions: position i is node i and carries
its fixed id i, so the ids say nothing about the graph. The edges are not tokens. Every batch carries an
attention mask (`Batch.attention_mask`, [B, T, T]) in which node v attends to itself and to every u with an
edge u -> v; padding positions attend only to themselves, and no node attends to them. Nothing else says
where a token is (train it with positions=none, as Chen uses no positional encoding). One attention layer
then moves information along one edge, so h hops need h iterations of a one-layer loop. Only models whose
attention sees the whole sequence take the mask (the cores none and depth/sequence).

The question: is t reachable from s? s carries the token "source" and t the token "target" in place of
their ids: learned embeddings of the two roles, in effect Chen's two learned role vectors (he adds them to
the node embeddings). One role token for all nodes rather than one per node id (id + N): graphs at the test
lengths have up to 18 nodes where training graphs have 16, and a per-id role of nodes 16 and 17 would never
have been trained. The answer, "no" or "yes", is scored at t alone (Chen's classifier reads s and t; the
information that s is connected can only reach t).

Exactly half of every batch (B // 2) is positive, in random order:
- positive: a planted path of exactly `length` hops through `length` + 1 distinct random nodes, then
  n//2 .. 2n distractor edges u -> v (u != v, uniform), each kept only when it leaves the shortest path from
  s to t at `length` hops (dist(s, u) + 1 + dist(v, t) >= length: Chen's rejection of shortcuts);
- negative: a random graph of n//2 .. 2n such edges, and (s, t) the first pair, in a random order of the
  nodes, with no path from s to t (Chen's search over itertools.combinations of the shuffled nodes); when every
  such pair is connected, Chen's fallback: the order is cut in halves, the edges fall inside one half each,
  s is drawn from the first half and t from the second. The negatives do not depend on the hop count.
Chen's negatives are easy by degree: "yes iff t has an in-edge and s an out-edge" scores about 0.86 at every
hop count (t has no in-edge in about half of them), so chance (0.5) is the label balance, not the floor of
every shortcut: a model that follows paths up to its depth says no past it and scores 0.5 there.

Graph sizes, as Chen draws them: at the training lengths (<= max_train_length) positives have
max(max_train_length + 2, min_nodes) .. max_nodes nodes and negatives min_nodes .. max_nodes (his training
set: 8-16); at longer lengths h both have max(h + 2, min_nodes + 2) .. min(max(h + 6, max_nodes), num_nodes)
nodes (his test buckets: 10-16 at 6 and 8 hops, 12-16 at 10, 14-18 at 12). Defaults: Chen's, hops 1-5 in
training and 6, 8, 10, 12 at test, 8-16 nodes, padded to 20.

Two simplifications: one hop count per batch (the task length, as for every task here; Chen mixes hop counts
within a batch), and the hop counts 1-4 of his test grid are scored on training-sized graphs (8-16 nodes
where his test buckets have 10-16).

Tokens: node ids 0..N-1, then source, target, padding, no and yes (vocab_size = N + 5). Chance 0.5.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rt_explore.tasks.base import Batch, Task, depth_lengths

if TYPE_CHECKING:
    import torch


class GraphReachabilityTask(Task):
    name = "graph-reachability"
    summary = ("a directed graph, one token per node, its edges as the attention mask: is the target reachable "
               "from the source? (a path of exactly `length` hops, or none)")
    probes = "multi-hop reasoning by message passing: one attention layer moves information one edge"
    reference = ("Thinking Deeper, Not Longer: Memory-Efficient Test-Time Reasoning with Depth-Recurrent "
                 "Transformers; Chen; 2026; arXiv:2603.21676")
    length_name = "hops"
    masks_attention = True

    def __init__(self, *, num_nodes: int = 20, min_nodes: int = 8, max_nodes: int = 16, min_train_length: int = 0,
                 max_train_length: int = 5, test_lengths: str = "6,8,10,12") -> None:
        self.num_nodes = self._int("num_nodes", num_nodes, 2)
        self.min_nodes = self._int("min_nodes", min_nodes, 2, self.num_nodes)
        self.max_nodes = self._int("max_nodes", max_nodes, self.min_nodes, self.num_nodes)
        self.max_train_length = self._int("max_train_length", max_train_length, 1, self.max_nodes - 2)
        self._set_lengths(depth_lengths(self.max_train_length), min_train_length, test_lengths)
        longest = self.test_lengths[-1]
        if longest + 1 > self.num_nodes:
            raise ValueError(f"{self.name}: num_nodes ({self.num_nodes}) must be at least the longest test "
                             f"length + 1 = {longest + 1}, the nodes of its path")
        N = self.num_nodes
        self.source, self.target, self.pad, self.no, self.yes = N, N + 1, N + 2, N + 3, N + 4
        self.vocab_size = N + 5
        self.chance = 0.5

    def params(self) -> dict[str, Any]:
        return {"num_nodes": self.num_nodes, "min_nodes": self.min_nodes, "max_nodes": self.max_nodes,
                **self._length_params()}

    def sequence_length(self, length: int) -> int:
        return self.num_nodes  # one position per node, padded

    def node_range(self, length: int) -> tuple[int, int, int]:
        """(fewest nodes of a positive graph, fewest of a negative one, most of either) at this hop count."""
        if length <= self.max_train_length:
            return max(self.max_train_length + 2, self.min_nodes), self.min_nodes, self.max_nodes
        most = min(max(length + 6, self.max_nodes), self.num_nodes)
        fewest = min(max(length + 2, self.min_nodes + 2), most)
        return fewest, fewest, most

    def batch(self, batch_size: int, length: int, generator: torch.Generator) -> Batch:
        import torch

        B, h, N = batch_size, length, self.num_nodes
        self._check_batch_args(B, h, maximum=N - 1)
        rows = torch.arange(B)
        positive = torch.randperm(B, generator=generator) % 2 == 1  # exactly B // 2 positives
        fewest_positive, fewest_negative, most = self.node_range(h)
        fewest = torch.where(positive, fewest_positive, fewest_negative)
        n = fewest + (torch.rand(B, generator=generator) * (most - fewest + 1)).long()  # [B] nodes per graph
        valid = torch.arange(N) < n[:, None]  # [B, N]: the real nodes come first, then the padding
        order = (torch.rand(B, N, generator=generator) + (~valid).float()).argsort(dim=1)  # real nodes shuffled, first
        u, v, active = _random_edges(n, generator)  # [B, E] each: n//2 .. 2n edges u -> v per graph

        adjacency = torch.zeros(B, N, N, dtype=torch.bool)  # [b, u, v]: an edge u -> v
        source, target = torch.zeros(B, dtype=torch.long), torch.zeros(B, dtype=torch.long)
        yes, no = positive.nonzero().squeeze(1), (~positive).nonzero().squeeze(1)
        adjacency[yes], source[yes], target[yes] = _planted_path(order[yes], h, u[yes], v[yes], active[yes])
        adjacency[no], source[no], target[no] = _unreachable_pair(order[no], n[no], u[no], v[no], active[no],
                                                                  generator)

        # node v attends to itself and to u for every edge u -> v; padding only to itself
        attention = adjacency.transpose(1, 2) | torch.eye(N, dtype=torch.bool)
        inputs = torch.where(valid, torch.arange(N), self.pad)  # [B, N]: node i carries id i
        inputs[rows, source] = self.source
        inputs[rows, target] = self.target
        targets = torch.zeros_like(inputs)
        targets[rows, target] = torch.where(positive, self.yes, self.no)
        mask = torch.zeros_like(inputs, dtype=torch.bool)
        mask[rows, target] = True
        return Batch(inputs, targets, mask, attention)


def _random_edges(n: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """n//2 .. 2n random edges u -> v (u != v, uniform among nodes 0..n-1) per graph, as [B, E] tensors u, v and
    `active` (whether edge e is one of this graph's), E = 2 * max(n)."""
    import torch

    B, E = n.size(0), 2 * int(n.max())
    count = n // 2 + (torch.rand(B, generator=generator) * (2 * n - n // 2 + 1)).long()  # [B]
    u = (torch.rand(B, E, generator=generator) * n[:, None]).long()
    v = (u + 1 + (torch.rand(B, E, generator=generator) * (n[:, None] - 1)).long()) % n[:, None]
    return u, v, torch.arange(E) < count[:, None]


def _planted_path(order: torch.Tensor, hops: int, u: torch.Tensor, v: torch.Tensor,
                  active: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """-> (adjacency [B, N, N], s [B], t [B]): a path through order[:, 0..hops], then the edges u -> v in turn,
    each kept unless it would shorten the path from s to t. All-pairs distances D are kept up to date: adding
    u -> v gives D'[x, y] = min(D[x, y], D[x, u] + 1 + D[v, y]), and it shortens s -> t iff
    D[s, u] + 1 + D[v, t] < hops."""
    import torch

    B, N = order.shape
    rows = torch.arange(B)
    path = order[:, : hops + 1]  # [B, hops + 1]
    adjacency = torch.zeros(B, N, N, dtype=torch.bool)
    adjacency[rows[:, None], path[:, :-1], path[:, 1:]] = True
    distance = torch.full((B, N, N), float("inf"))
    distance[:, torch.arange(N), torch.arange(N)] = 0.0
    for i in range(hops + 1):
        for j in range(i + 1, hops + 1):
            distance[rows, path[:, i], path[:, j]] = float(j - i)  # along the path, the only way so far
    s, t = path[:, 0], path[:, -1]
    for e in range(u.size(1)):
        a, b = u[:, e], v[:, e]
        keep = active[:, e] & (distance[rows, s, a] + 1 + distance[rows, b, t] >= hops)
        adjacency[rows, a, b] |= keep
        through = distance[rows, :, a][:, :, None] + 1 + distance[rows, b, :][:, None, :]  # [B, N, N]
        distance = torch.where(keep[:, None, None], torch.minimum(distance, through), distance)
    return adjacency, s, t


def _unreachable_pair(order: torch.Tensor, n: torch.Tensor, u: torch.Tensor, v: torch.Tensor, active: torch.Tensor,
                      generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """-> (adjacency [B, N, N], s [B], t [B]): the random graph of edges u -> v and the first pair (order[i],
    order[j]), i < j < n, with no path from s to t; where there is none, Chen's fallback graph (the order cut in
    halves, each edge inside a half chosen at random, s from the first half and t from the second)."""
    import torch

    B, N = order.shape
    rows = torch.arange(B)
    adjacency = torch.zeros(B, N, N, dtype=torch.bool)
    adjacency[rows[:, None].expand_as(u)[active], u[active], v[active]] = True
    reach = adjacency | torch.eye(N, dtype=torch.bool)
    for _ in range(max(1, (N - 1).bit_length())):  # paths of up to 2^k edges after k squarings
        reach = reach | (reach.float() @ reach.float() > 0)
    ordered = reach[rows[:, None, None], order[:, :, None], order[:, None, :]]  # [B, N, N]: order[i] reaches order[j]
    i = torch.arange(N)
    candidates = ~ordered & (i[:, None] < i[None, :]) & (i[None, None, :] < n[:, None, None])
    first = candidates.flatten(1).float().argmax(dim=1)  # the first True, row by row
    found = candidates.flatten(1).any(dim=1)
    s, t = order[rows, first // N], order[rows, first % N]

    # the fallback, drawn for every graph (so the draws do not depend on which graphs need it)
    half = n // 2
    E = u.size(1)
    first_half = torch.rand(B, E, generator=generator) < 0.5
    start = torch.where(first_half, 0, half[:, None])  # [B, E] where the chosen half begins in the order
    size = torch.where(first_half, half[:, None], n[:, None] - half[:, None])
    p = (torch.rand(B, E, generator=generator) * size).long()
    q = (p + 1 + (torch.rand(B, E, generator=generator) * (size - 1)).long()) % size
    inside = active & (size >= 2)
    fallback = torch.zeros(B, N, N, dtype=torch.bool)
    fu, fv = order.gather(1, start + p), order.gather(1, start + q)
    fallback[rows[:, None].expand_as(fu)[inside], fu[inside], fv[inside]] = True
    fs = order[rows, (torch.rand(B, generator=generator) * half).long()]
    ft = order[rows, half + (torch.rand(B, generator=generator) * (n - half)).long()]
    adjacency = torch.where(found[:, None, None], adjacency, fallback)
    return adjacency, torch.where(found, s, fs), torch.where(found, t, ft)
