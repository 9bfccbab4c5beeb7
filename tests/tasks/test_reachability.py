"""Graph reachability over shuffled chain edges (Chen 2026, arXiv:2603.21676)."""

from collections import deque

import pytest
import torch

from rt_explore.tasks.reachability import ReachabilityTask


def distances(edges, source):
    """Breadth-first search: hops from source to every node it reaches."""
    successors = {}
    for u, v in edges:
        successors.setdefault(u, []).append(v)
    distance, frontier = {source: 0}, deque([source])
    while frontier:
        u = frontier.popleft()
        for v in successors.get(u, []):
            if v not in distance:
                distance[v] = distance[u] + 1
                frontier.append(v)
    return distance


def parse(task, row):
    """Edges and query nodes of one sequence, checking the layout `u v , ... ? s [t] =` on the way."""
    width = 2 if task.answer == "node" else 3
    tokens = row.tolist()
    edge_tokens, (question, *nodes, equals) = tokens[: -width - 1], tokens[-width - 1 :]
    assert (question, equals) == (task.query, task.equals)
    triples = [edge_tokens[i : i + 3] for i in range(0, len(edge_tokens), 3)]
    assert all(sep == task.sep for _, _, sep in triples)
    return [(u, v) for u, v, _ in triples], nodes


def check_chains(task, edges, source, length):
    assert len(edges) == len(set(edges)) == task.num_chains * length
    heads, tails = {u for u, _ in edges}, {v for _, v in edges}
    assert source in heads - tails  # s starts a chain


def test_breadth_first_search_on_a_hand_written_graph():
    edges = [(5, 9), (1, 2), (9, 4), (2, 3)]
    assert distances(edges, 5) == {5: 0, 9: 1, 4: 2}
    assert distances(edges, 1) == {1: 0, 2: 1, 3: 2}


def test_one_hop_questions_ask_for_the_successor_or_whether_the_query_is_an_edge():
    node, yes_no = ReachabilityTask(num_chains=2), ReachabilityTask(answer="yes-no", num_chains=2)
    g = torch.Generator().manual_seed(0)
    b = node.batch(16, 1, g)
    for row in range(16):
        edges, (s,) = parse(node, b.inputs[row])
        assert len(edges) == 2  # two chains of one edge: u v , x y , ? s =
        assert (s, int(b.targets[row, -1])) in edges
    b = yes_no.batch(16, 1, g)
    for row in range(16):
        edges, (s, t) = parse(yes_no, b.inputs[row])
        assert b.targets[row, -1] == (yes_no.yes if (s, t) in edges else yes_no.no)


@pytest.mark.parametrize("length", [1, 2, 4, 8, 16])
def test_node_answers_are_the_one_node_length_hops_away_by_breadth_first_search(length):
    task = ReachabilityTask()
    b = task.batch(32, length, torch.Generator().manual_seed(length))
    for row in range(32):
        edges, (s,) = parse(task, b.inputs[row])
        check_chains(task, edges, s, length)
        distance = distances(edges, s)
        assert max(distance.values()) == length
        assert [v for v, d in distance.items() if d == length] == [int(b.targets[row, -1])]
    assert b.mask[:, -1].all() and not b.mask[:, :-1].any()


@pytest.mark.parametrize("length", [1, 2, 4, 8, 16])
def test_yes_no_labels_agree_with_breadth_first_search_and_yes_needs_exactly_length_hops(length):
    task = ReachabilityTask(answer="yes-no")
    b = task.batch(32, length, torch.Generator().manual_seed(length))
    for row in range(32):
        edges, (s, t) = parse(task, b.inputs[row])
        check_chains(task, edges, s, length)
        distance = distances(edges, s).get(t)
        assert b.targets[row, -1] == (task.yes if distance is not None else task.no)
        assert distance in (None, length)
        # t ends a chain either way, so its degrees give nothing away
        assert t not in {u for u, _ in edges}
    assert b.mask[:, -1].all() and not b.mask[:, :-1].any()


def test_yes_no_labels_are_balanced_within_a_batch():
    task = ReachabilityTask(answer="yes-no")
    b = task.batch(64, 3, torch.Generator().manual_seed(0))
    assert int((b.targets[:, -1] == task.yes).sum()) == 32


def test_defaults_ask_for_a_node_train_on_one_to_four_hops_and_test_up_to_sixteen():
    task = ReachabilityTask()
    assert task.answer == "node" and task.chance == pytest.approx(1 / 3)
    assert task.train_lengths == (1, 2, 3, 4) and task.test_lengths == (6, 8, 12, 16)
    assert task.vocab_size == 69
    assert task.sequence_length(4) == 3 * 3 * 4 + 3
    yes_no = ReachabilityTask(answer="yes-no")
    assert yes_no.chance == 0.5 and yes_no.sequence_length(4) == 3 * 3 * 4 + 4


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError, match=r"reachability: num_nodes \(40\) must be at least .* = 51"):
        ReachabilityTask(num_nodes=40)
    with pytest.raises(ValueError, match="reachability: num_chains must be an integer >= 2, got 1"):
        ReachabilityTask(num_chains=1)
    with pytest.raises(ValueError, match="reachability: answer must be one of node, yes-no; got 'yes'"):
        ReachabilityTask(answer="yes")
    with pytest.raises(ValueError, match=r"length \(hops\) must be an integer in \[1, 20\], got 21"):
        ReachabilityTask().batch(2, 21, torch.Generator())


def decode_edge_tokens(task, row):
    """(edges, s) of one `e(u,v) ... Q(s)` sequence, checking every token's range on the way."""
    N, tokens = task.num_nodes, row.tolist()
    assert all(task.edge_base <= t < task.query_base for t in tokens[:-1])
    assert task.query_base <= tokens[-1] < task.vocab_size
    return [divmod(t - task.edge_base, N) for t in tokens[:-1]], tokens[-1] - task.query_base


@pytest.mark.parametrize("hops", [1, 2, 5])
def test_edge_tokens_list_the_chains_with_a_self_loop_on_each_tail_and_end_with_the_query(hops):
    task = ReachabilityTask(num_chains=3, num_nodes=64, max_train_length=4, edges="tokens")
    b = task.batch(8, hops, torch.Generator().manual_seed(hops))
    assert b.inputs.shape == (8, task.sequence_length(hops)) == (8, 3 * (hops + 1) + 1)
    assert b.mask.sum() == 8 and b.mask[:, -1].all()
    for row in range(8):
        edges, s = decode_edge_tokens(task, b.inputs[row])
        loops = [u for u, v in edges if u == v]
        chain_edges = [(u, v) for u, v in edges if u != v]
        check_chains(task, chain_edges, s, hops)
        target = int(b.targets[row, -1])
        assert distances(chain_edges, s)[target] == hops  # the tail of s's chain ...
        assert sorted(loops) == sorted(set(v for _, v in chain_edges) - set(u for u, _ in chain_edges))
        assert target in loops  # ... which carries a self-loop, so the walk stays there


def test_a_hand_decoded_edge_token_sequence():
    task = ReachabilityTask(num_chains=2, num_nodes=10, max_train_length=1, edges="tokens")
    assert task.vocab_size == 10 + 100 + 10
    b = task.batch(1, 2, torch.Generator().manual_seed(0))
    edges, s = decode_edge_tokens(task, b.inputs[0])
    # Read off the printed batch: chains 8 -> 6 -> 0 and 2 -> 3 -> 4, tails looped, the query from 2.
    assert sorted(edges) == sorted([(0, 0), (4, 4), (6, 0), (3, 4), (8, 6), (2, 3)])
    assert s == 2 and int(b.targets[0, -1]) == 4


def test_edge_tokens_ask_for_the_node_not_yes_no():
    with pytest.raises(ValueError, match="answer=node"):
        ReachabilityTask(answer="yes-no", edges="tokens")


def test_chens_protocol_trains_on_one_to_five_hops_and_tests_at_six_eight_and_twelve():
    task = ReachabilityTask(max_train_length=5, test_lengths="6,8,12")
    assert task.train_lengths == (1, 2, 3, 4, 5) and task.test_lengths == (6, 8, 12)
    b = task.batch(16, 12, torch.Generator().manual_seed(0))
    for row in range(16):
        edges, (s,) = parse(task, b.inputs[row])
        check_chains(task, edges, s, 12)
        # follow the chain by hand: 12 successors from s, and nothing beyond
        successor, node = dict(edges), s
        for _ in range(12):
            node = successor[node]
        assert node not in successor and b.targets[row, -1] == node
    with pytest.raises(ValueError, match=r"num_nodes \(64\) must be at least num_chains"):
        ReachabilityTask(test_lengths="6,8,24")
