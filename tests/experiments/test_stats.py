"""Statistics over seeds: bootstrap intervals on hand-made numbers, successes, and comparison verdicts."""

from __future__ import annotations

import random
from statistics import fmean

import pytest

from rt_explore.experiments.stats import (
    Summary,
    bootstrap_interval,
    compare,
    compare_level,
    scaled,
    successes,
    summarise,
)


def test_the_interval_brackets_the_mean_and_is_the_same_every_time():
    values = [0.5, 0.6, 0.9, 1.0, 0.98]
    low, high = bootstrap_interval(values)
    assert low < fmean(values) < high
    assert (low, high) == bootstrap_interval(list(values))
    # Resampled means of five values lie between the smallest and the largest value.
    assert min(values) <= low and high <= max(values)
    # Another resampling seed gives about the same interval: 10,000 resamples are plenty for five values.
    assert bootstrap_interval(values, seed=1) == pytest.approx((low, high), abs=0.02)


def test_the_interval_matches_a_direct_percentile_bootstrap():
    values = [0.2, 0.4, 0.9]
    rng = random.Random(7)
    means = sorted(sum(rng.choices(values, k=3)) / 3 for _ in range(2000))
    # numpy's linear percentile by hand: position q * (n - 1)
    low = means[int(0.025 * 1999)] + (means[int(0.025 * 1999) + 1] - means[int(0.025 * 1999)]) * (0.025 * 1999 % 1)
    assert bootstrap_interval(values, resamples=2000, seed=7)[0] == pytest.approx(low)


def test_identical_values_and_one_value_have_a_point_interval():
    assert bootstrap_interval([1.0, 1.0, 1.0]) == (1.0, 1.0)
    one = summarise([0.7])
    assert (one.n, one.mean, one.std, one.low, one.high) == (1, 0.7, 0.0, 0.7, 0.7)
    assert one.text() == "0.70 (n = 1)"


def test_a_summary_has_mean_sample_std_and_leaves_out_missing_values():
    found = summarise([0.0, 1.0, None, float("nan")])
    assert (found.n, found.mean) == (2, 0.5)
    assert found.std == pytest.approx(0.7071, abs=1e-4)
    assert summarise([None]) is None
    assert Summary(3, -0.001, 0.0, -0.004, 0.002).text() == "0.00 [0.00, 0.00]"


def test_scaled_accuracy_is_zero_at_chance_and_one_when_perfect():
    assert scaled(0.5, 0.5) == 0.0 and scaled(1.0, 0.5) == 1.0 and scaled(0.95, 0.5) == pytest.approx(0.9)
    assert scaled(0.25, 0.5) == -0.5
    assert successes([0.95, 0.9, 0.89, None]) == 2


def test_disjoint_intervals_are_separated_and_overlapping_ones_are_not():
    high = summarise([0.98, 1.0, 0.99, 1.0, 0.97])
    low = summarise([0.01, 0.05, 0.0, 0.02, 0.03])
    verdict = compare(high, low, expect="a > b")
    assert verdict.separated and verdict.text == "separated: a higher" and verdict.matches_expectation is True
    assert compare(low, high, expect="a > b").matches_expectation is False
    near = summarise([0.5, 0.9, 0.7, 0.95, 0.6])
    other = summarise([0.55, 0.8, 0.65, 0.7, 0.75])
    verdict = compare(near, other, expect="a > b")
    assert not verdict.separated and verdict.text == "not separated at n = 5" and verdict.matches_expectation is None


def test_one_seed_is_never_separated_and_missing_runs_are_named():
    assert compare(summarise([1.0]), summarise([0.0])).text == "not separated at n = 1"
    assert compare(summarise([1.0, 0.9]), summarise([0.0])).text == "not separated at n = 2 and 1"
    assert compare(None, summarise([0.0, 0.1])).text == "no runs for a"


def test_a_level_is_passed_only_when_the_whole_interval_is_past_it():
    above = Summary(n=5, mean=0.95, std=0.02, low=0.92, high=0.98)
    astride = Summary(n=5, mean=0.85, std=0.2, low=0.6, high=1.0)
    below = Summary(n=5, mean=0.4, std=0.1, low=0.3, high=0.5)
    verdict = compare_level(above, 0.9, "a > b")
    assert verdict.separated and verdict.text == "separated: a above 0.9" and verdict.matches_expectation is True
    assert compare_level(astride, 0.9, "a > b").text == "not separated from 0.9 at n = 5"
    verdict = compare_level(below, 0.9, "a > b")
    assert verdict.text == "separated: a below 0.9" and verdict.matches_expectation is False
    assert compare_level(Summary(n=1, mean=1.0, std=0.0, low=1.0, high=1.0), 0.9).text == \
        "not separated from 0.9 at n = 1"  # one seed has no interval
    assert compare_level(None, 0.9).text == "no runs for a"
