"""The rank-profile figure: four panels, and profiles recorded before the centred measures still draw."""

from __future__ import annotations

from rt_explore.probes.plot import plot_rank_profiles


def test_profiles_with_and_without_the_centred_measures_draw_one_figure(tmp_path):
    new = [{"layer": i, "effective_rank": 4.0 - i, "mean_cosine": 0.2 * i, "centred_effective_rank": 5.0 - i,
            "residual_ratio": 1.0 - 0.2 * i} for i in range(4)]
    old = [{"layer": i, "effective_rank": 3.0, "mean_cosine": 0.1} for i in range(4)]  # a stored early profile
    path = plot_rank_profiles({"new": {"init": new, "trained": new}, "old": {"init": old, "trained": None}},
                              tmp_path / "rank.png", title="t")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
