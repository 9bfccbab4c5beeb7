"""Figures of rank profiles by layer, four panels: effective rank (uncentred) and centred effective rank
(top), mean pairwise cosine and Dong et al.'s residual ratio ||X - 1 x^T|| / ||X|| (bottom).

One colour per variant; the profile at initialisation dashed, after training solid. Profiles recorded
before the centred rank and the residual ratio existed lack those keys: their panels stay empty for them.
matplotlib (Agg) and the atomic writer come from training.plots, so an interrupted plot leaves no
half-written file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from ..errors import UsageError
from ..training.plots import SUFFIXES, pyplot, save_figure

Profile = Sequence[Mapping[str, float]]


def plot_rank_profiles(series: Mapping[str, Mapping[str, Profile | None]], path: Path, *,
                       title: str | None = None) -> Path:
    """Draw `series[label] = {"init": profile, "trained": profile or None}` to `path` (.png/.svg/.pdf)."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise UsageError(f"a plot file must end in {', '.join(SUFFIXES)}, got '{path.name}'")
    plt = pyplot()
    from matplotlib.lines import Line2D

    fig, axes = plt.subplots(2, 2, figsize=(13, 9.4))
    (rank_ax, centred_ax), (cos_ax, ratio_ax) = axes
    panels = (("effective_rank", rank_ax), ("centred_effective_rank", centred_ax), ("mean_cosine", cos_ax),
              ("residual_ratio", ratio_ax))
    colours, markers = plt.get_cmap("tab10").colors, "osD^vP*X"
    n = len(series)
    key = []
    for i, (label, stages) in enumerate(series.items()):
        # Variants can coincide exactly (hyper-connections start as a standard residual stack): earlier
        # variants are drawn wider and below, and each has its own marker, so a hidden curve still shows.
        style = {"color": colours[i % 10], "marker": markers[i % len(markers)], "markersize": 5,
                 "lw": 1.4 + 1.2 * (n - 1 - i) / max(n - 1, 1), "zorder": 2 + i}
        for stage, dashes in (("init", "--"), ("trained", "-")):
            profile = stages.get(stage)
            if not profile:
                continue
            layers = [p["layer"] for p in profile]
            every = max(1, len(layers) // 8)
            marks = {"markevery": (i * every // max(n, 1), every), "mfc": "white" if stage == "init" else None}
            for field, ax in panels:
                if all(field in p for p in profile):
                    ax.plot(layers, [p[field] for p in profile], dashes, **style, **marks)
        key.append(Line2D([], [], color=style["color"], marker=style["marker"], lw=2, label=label))
    key += [Line2D([], [], color="black", ls="--", mfc="white", label="at initialisation"),
            Line2D([], [], color="black", ls="-", label="after training")]
    rank_ax.set(ylabel="effective rank (mean over sequences)",
                title="effective rank of the token representations (uncentred)")
    centred_ax.set(ylabel="centred effective rank (mean over sequences)",
                   title="effective rank of the tokens around their mean")
    cos_ax.set(xlabel="layer (0 = embedding)", ylabel="mean pairwise cosine of the tokens",
               title="how alike the tokens are (1 = all point one way)", ylim=(-0.02, 1.02))
    ratio_ax.set(xlabel="layer (0 = embedding)", ylabel="||X - 1 x^T|| / ||X|| (mean over sequences)",
                 title="distance from rank one, Dong et al. (0 = all tokens equal)", ylim=(-0.02, 1.02))
    for ax in axes.flat:
        ax.grid(alpha=0.3)
    rank_ax.set_ylim(bottom=0)
    centred_ax.set_ylim(bottom=0)
    # One legend for all panels, below them: inside, it would hide the curves it explains.
    columns = min(len(key), 4)
    rows = -(-len(key) // columns)
    fig.legend(handles=key, loc="lower center", ncol=columns, fontsize=10, frameon=False)
    if title:
        fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.02 * rows + 0.01, 1, 1))
    return save_figure(fig, path)
