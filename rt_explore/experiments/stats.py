"""Statistics over seeds: mean, standard deviation, a 95% bootstrap interval, seeds that succeed, verdicts.

Every figure a reader sees is a `Summary` of the seeds of one (variant, task, length): never a best seed.
The interval is the percentile bootstrap of the mean (Efron & Tibshirani, "An Introduction to the
Bootstrap", 1993, ch. 13): resample the seeds with replacement `RESAMPLES` times, take the 2.5th and 97.5th
percentiles of the resampled means. The resampling generator has a fixed seed, so a report made twice
from one store is the same to the last digit. With few seeds the interval is narrow for its n (five seeds
give at most five distinct values); the n beside it says so.

A seed *succeeds* when its scaled accuracy, (accuracy - chance) / (1 - chance), is at least 0.9: 0 is a
guess, 1 is perfect (Grazzi et al., arXiv 2411.12537, report scaled accuracy). Two variants are
**separated** only when their intervals do not overlap; otherwise they are *not separated at n = K*.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import lru_cache
from statistics import fmean, stdev

RESAMPLES = 10_000
BOOTSTRAP_SEED = 20_240_601
CONFIDENCE = 0.95
SUCCESS = 0.9


@dataclass(frozen=True)
class Summary:
    """n values: their mean, sample standard deviation (0 for one value) and 95% bootstrap interval."""

    n: int
    mean: float
    std: float
    low: float
    high: float

    def to_dict(self) -> dict[str, float | int]:
        return {"n": self.n, "mean": self.mean, "std": self.std, "low": self.low, "high": self.high}

    def text(self, digits: int = 2) -> str:
        """`0.98 [0.95, 1.00]`; one value has no interval: `0.98 (n = 1)`."""
        def fmt(x: float) -> str:
            text = f"{x:.{digits}f}"
            return text[1:] if text.startswith("-") and float(text) == 0 else text  # no "-0.00"

        if self.n == 1:
            return f"{fmt(self.mean)} (n = 1)"
        return f"{fmt(self.mean)} [{fmt(self.low)}, {fmt(self.high)}]"


def scaled(accuracy: float, chance: float) -> float:
    """0 at chance, 1 when perfect (negative below chance)."""
    return (accuracy - chance) / (1.0 - chance) if chance < 1.0 else 0.0


def bootstrap_interval(values: list[float], *, resamples: int = RESAMPLES, seed: int = BOOTSTRAP_SEED,
                       confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The percentile bootstrap interval of the mean of `values` (deterministic for a given seed)."""
    if not values:
        raise ValueError("no values")
    if min(values) == max(values):
        return values[0], values[0]
    return _interval(tuple(values), resamples, seed, confidence)


@lru_cache(maxsize=4096)
def _interval(values: tuple[float, ...], resamples: int, seed: int, confidence: float) -> tuple[float, float]:
    # A report asks for the same values often (one run set, several tables): ~20 ms each, so they are kept.
    rng = random.Random(seed)
    n = len(values)
    means = sorted(math.fsum(rng.choices(values, k=n)) / n for _ in range(resamples))
    tail = (1.0 - confidence) / 2
    return _quantile(means, tail), _quantile(means, 1.0 - tail)


def _quantile(ordered: list[float], q: float) -> float:
    """Linear interpolation between order statistics (numpy's default, 'linear')."""
    position = q * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def summarise(values: list[float]) -> Summary | None:
    """The Summary of `values` (None for none). NaN values (a run that produced none) are left out."""
    finite = [float(v) for v in values if v is not None and not math.isnan(v)]
    if not finite:
        return None
    low, high = bootstrap_interval(finite)
    spread = stdev(finite) if len(finite) > 1 else 0.0
    # Equal values: their mean is the value itself (fmean of three 0.95s is 0.9499999999999998).
    mean = finite[0] if low == high else fmean(finite)
    return Summary(len(finite), mean, spread, low, high)


def successes(scaled_values: list[float], threshold: float = SUCCESS) -> int:
    return sum(1 for v in scaled_values if v is not None and v >= threshold)


@dataclass(frozen=True)
class Verdict:
    separated: bool
    text: str  # "separated: a higher" / "not separated at n = 5"
    higher: str | None  # "a", "b" or None
    matches_expectation: bool | None  # None: no expectation, or not separated


def compare(a: Summary | None, b: Summary | None, expect: str | None = None) -> Verdict:
    """Separated only when both sides have an interval (n >= 2) and the intervals are disjoint."""
    if a is None or b is None:
        missing = " and ".join(side for side, s in (("a", a), ("b", b)) if s is None)
        return Verdict(False, f"no runs for {missing}", None, None)
    n = min(a.n, b.n)
    if n < 2 or not (a.low > b.high or b.low > a.high):
        size = f"n = {a.n}" if a.n == b.n else f"n = {a.n} and {b.n}"
        return Verdict(False, f"not separated at {size}", None, None)
    higher = "a" if a.low > b.high else "b"
    matches = None if expect is None else (expect == "a > b") == (higher == "a")
    return Verdict(True, f"separated: {higher} higher", higher, matches)


def compare_level(a: Summary | None, level: float, expect: str | None = None) -> Verdict:
    """a's interval against a fixed value: separated only when a has an interval (n >= 2) that does not contain
    the value. `expect` "a > b" means above the level, "a < b" below it."""
    if a is None:
        return Verdict(False, "no runs for a", None, None)
    if a.n < 2 or a.low <= level <= a.high:
        return Verdict(False, f"not separated from {level:g} at n = {a.n}", None, None)
    higher = "a" if a.low > level else "b"
    matches = None if expect is None else (expect == "a > b") == (higher == "a")
    return Verdict(True, f"separated: a {'above' if higher == 'a' else 'below'} {level:g}", higher, matches)
