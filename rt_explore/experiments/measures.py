"""What an experiment's runs can measure, and which of those figures a comparison can decide on.

The schema checks a file's `measures` and `comparisons` against these names; the runner takes the extra
measures after training; the report pools them over seeds.
"""

from __future__ import annotations

# What a run can record. The first group comes with every run (train() measures them); the second asks for
# more evaluation after training, so it is part of a run's key (stores of runs without it cannot answer).
PLAIN_MEASURES = ("train_accuracy", "accuracy", "accuracy_new", "scaled", "error_rate", "loss", "seconds",
                  "tokens_per_second")
EXTRA_MEASURES = {
    # accuracy against test-time iterations (depth cells): iterations and lengths to score
    "frontier": {"iterations": "ints", "lengths": "ints"},
    # the task's other test distributions (flip-flop's FFL(0.98) and FFL(0.1)), at its test lengths
    "test_variants": {},
    # the rank-collapse probe on the trained model (rt_explore.probes.rank), none-axis cells
    "rank": {"batch": "int", "length": "int"},
    # the stability probe on the trained model (rt_explore.probes.stability), depth/sequence cells
    "stability": {"iterations": "int", "batch": "int"},
    # training-batch accuracy and loss every `every` steps, with the seconds so far (time to quality)
    "learning_curve": {"every": "int"},
    # when a step's training-batch accuracy first reaches `target` (0.99 unless given): the step, the
    # training seconds and the accuracy at the test lengths then (training.loop.train's time_to)
    "time_to": {"target": "probability"},
}
TIME_TO_TARGET = 0.99
DEFAULT_MEASURES = ("train_accuracy", "accuracy", "accuracy_new", "scaled", "seconds", "tokens_per_second")
# accuracy_at_target: the accuracy at the length when training first reached time_to's target (over the seeds
# that reached it); centred_effective_rank, residual_ratio: the rank probe's figures after the last layer
# (measured once per run, so the same at every length)
RANK_COMPARABLE = ("centred_effective_rank", "residual_ratio")
COMPARABLE = ("accuracy", "accuracy_new", "scaled", "error_rate", "accuracy_at_target", *RANK_COMPARABLE)
EXPECT = ("a > b", "a < b")
# The rank probe's figures per layer (rt_explore.probes.rank): the uncentred effective rank, the centred one
# (after removing the mean token, so the common-mode direction does not count), Dong et al.'s residual ratio
# (the distance of the token matrix from rank one, relative to its norm) and the mean pairwise cosine.
RANK_FIELDS = ("effective_rank", *RANK_COMPARABLE, "mean_cosine")
