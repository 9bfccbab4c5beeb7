"""graph-reachability: one token per node, the edges as the attention mask, Chen's planted paths and negatives."""

import pytest
import torch

from rt_explore.tasks import get_task
from rt_explore.tasks.graph_reachability import GraphReachabilityTask, _planted_path, _unreachable_pair

TASK = GraphReachabilityTask()


def edges_of(attention: torch.Tensor) -> set[tuple[int, int]]:
    """The edges u -> v read back from one graph's mask: v attends to u."""
    return {(u, v) for v, u in attention.nonzero().tolist() if u != v}


def distance(edges: set[tuple[int, int]], s: int, t: int) -> float:
    """Breadth-first search: the number of hops from s to t, inf without a path."""
    frontier, seen, hops = {s}, {s}, 0
    while frontier:
        if t in frontier:
            return hops
        frontier = {v for u, v in edges if u in frontier} - seen
        seen |= frontier
        hops += 1
    return float("inf")


def graphs(length: int, batch_size: int = 64, seed: int = 0):
    """(batch, [(n, s, t, yes, edges)] per graph) for one batch of a hop count."""
    b = TASK.batch(batch_size, length, torch.Generator().manual_seed(seed))
    out = []
    for i in range(batch_size):
        ids = b.inputs[i].tolist()
        n = sum(1 for x in ids if x != TASK.pad)
        s, t = ids.index(TASK.source), ids.index(TASK.target)
        out.append((n, s, t, int(b.targets[i, t]) == TASK.yes, edges_of(b.attention_mask[i])))
    return b, out


def test_chens_defaults_are_the_parameters():
    assert TASK.params() == {"num_nodes": 20, "min_nodes": 8, "max_nodes": 16, "min_train_length": 1,
                             "max_train_length": 5, "test_lengths": "6,8,10,12"}
    assert TASK.train_lengths == (1, 2, 3, 4, 5) and TASK.test_lengths == (6, 8, 10, 12)
    assert TASK.vocab_size == 25 and TASK.chance == 0.5 and TASK.masks_attention
    assert TASK.sequence_length(1) == TASK.sequence_length(12) == 20


def test_graph_sizes_follow_chens_training_set_and_test_buckets():
    assert TASK.node_range(1) == TASK.node_range(5) == (8, 8, 16)
    assert TASK.node_range(6) == TASK.node_range(8) == (10, 10, 16)
    assert TASK.node_range(10) == (12, 12, 16)
    assert TASK.node_range(12) == (14, 14, 18)
    for length in (2, 12):
        fewest, _, most = TASK.node_range(length)
        assert all(fewest <= n <= most for n, *_ in graphs(length)[1])


@pytest.mark.parametrize("length", [1, 3, 5, 8, 12])
def test_exactly_half_are_positive_with_a_path_of_exactly_length_hops_and_the_rest_unreachable(length):
    _, items = graphs(length)
    assert sum(yes for *_, yes, _ in items) == 32
    for n, s, t, yes, edges in items:
        assert s != t and s < n and t < n
        assert all(u < n and v < n for u, v in edges)  # no edge touches the padding
        assert distance(edges, s, t) == (length if yes else float("inf"))  # no shortcut; negatives unreachable


def test_positives_carry_distractors_as_chen_adds_n_over_2_to_2n_edges():
    _, items = graphs(4)
    extra = [len(edges) - 4 for n, s, t, yes, edges in items if yes]
    assert sum(extra) > 0 and max(extra) <= 32


def test_tokens_are_node_ids_with_the_roles_in_place_and_only_the_target_is_scored():
    b, items = graphs(3, batch_size=8)
    for i, (n, s, t, yes, _) in enumerate(items):
        ids = b.inputs[i].tolist()
        expected = [TASK.source if j == s else TASK.target if j == t else j if j < n else TASK.pad for j in range(20)]
        assert ids == expected
        assert b.mask[i].nonzero().flatten().tolist() == [t]
        assert int(b.targets[i, t]) == (TASK.yes if yes else TASK.no)


def test_the_mask_is_the_adjacency_with_self_loops_and_padding_sees_only_itself():
    b, items = graphs(2, batch_size=8)
    for i, (n, *_rest) in enumerate(items):
        mask = b.attention_mask[i]
        assert mask.diagonal().all()
        padding = mask[n:].clone()
        assert torch.equal(padding, torch.eye(20, dtype=torch.bool)[n:])  # padding rows: themselves only
        assert not mask[:n, n:].any()  # no node attends to padding


def test_a_distractor_that_would_shorten_the_path_is_rejected_also_through_an_earlier_distractor():
    # path 0 -> 1 -> 2 -> 3 over nodes 0..5; distractors in turn
    order = torch.arange(6)[None]
    u = torch.tensor([[0, 4, 0, 5, 0, 3]])
    v = torch.tensor([[3, 3, 4, 0, 1, 0]])
    adjacency, s, t = _planted_path(order, 3, u, v, torch.ones(1, 6, dtype=torch.bool))
    assert (int(s), int(t)) == (0, 3)
    kept = {(a, b) for a, b in adjacency[0].nonzero().tolist()}
    # 0 -> 3 is direct (1 hop); 4 -> 3 is harmless, then 0 -> 4 would make 0 -> 4 -> 3 (2 hops); 5 -> 0, 0 -> 1
    # (already there) and 3 -> 0 leave the shortest path at 3
    assert kept == {(0, 1), (1, 2), (2, 3), (4, 3), (5, 0), (3, 0)}


def test_negatives_take_the_first_unreachable_pair_in_the_order():
    order = torch.tensor([[2, 0, 1, 3]])
    # edges 2 -> 0 -> 1: in the order 2, 0, 1, 3 the pairs are tried as (2, 0), (2, 1), (2, 3), ...
    u, v = torch.tensor([[2, 0]]), torch.tensor([[0, 1]])
    adjacency, s, t = _unreachable_pair(order, torch.tensor([4]), u, v, torch.ones(1, 2, dtype=torch.bool),
                                        torch.Generator().manual_seed(0))
    assert (int(s), int(t)) == (2, 3)  # (2, 0) and (2, 1) are reachable; (2, 3) is the first that is not
    assert {(a, b) for a, b in adjacency[0].nonzero().tolist()} == {(2, 0), (0, 1)}


def test_a_graph_where_every_pair_in_order_is_connected_falls_back_to_two_halves():
    order = torch.tensor([[0, 1, 2, 3]])
    u, v = torch.tensor([[0, 1, 2, 3]]), torch.tensor([[1, 2, 3, 0]])  # a cycle: everything reaches everything
    adjacency, s, t = _unreachable_pair(order, torch.tensor([4]), u, v, torch.ones(1, 4, dtype=torch.bool),
                                        torch.Generator().manual_seed(0))
    edges = {(a, b) for a, b in adjacency[0].nonzero().tolist()}
    assert all({a, b} <= {0, 1} or {a, b} <= {2, 3} for a, b in edges)
    assert int(s) in (0, 1) and int(t) in (2, 3)
    assert distance(edges, int(s), int(t)) == float("inf")


def test_parameters_are_checked():
    with pytest.raises(ValueError, match="num_nodes .12. must be at least the longest test length"):
        get_task("graph-reachability", num_nodes=12, max_nodes=10)
    with pytest.raises(ValueError, match="max_nodes must be an integer in"):
        get_task("graph-reachability", max_nodes=30)
    with pytest.raises(ValueError, match="max_train_length must be an integer in"):
        get_task("graph-reachability", max_train_length=15)
    small = get_task("graph-reachability", num_nodes=8, min_nodes=4, max_nodes=6, max_train_length=2,
                     test_lengths="3,5")
    b = small.batch(4, 5, torch.Generator().manual_seed(0))
    assert b.inputs.shape == (4, 8) and b.attention_mask.shape == (4, 8, 8)
