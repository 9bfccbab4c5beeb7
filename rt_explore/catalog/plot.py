"""Draw the grid as a picture (matplotlib, imported only here)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from ..atomic import replace_atomically
from ..errors import MissingDependency, UsageError


def plot_grid(catalog, rows, cols, row_values, col_values, table, path: Path) -> None:
    if path.suffix.lower() not in (".png", ".svg"):
        raise UsageError(f"--plot needs a .png or .svg file name, got '{path.name}'")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise MissingDependency("plotting needs matplotlib: pip install 'rt-explore[torch]' "
                                "(or pip install matplotlib)") from None
    fig, ax = plt.subplots(figsize=(3.4 * len(col_values) + 1.2, 1.9 * len(row_values) + 0.8))
    ax.set_xlim(0, len(col_values))
    ax.set_ylim(0, len(row_values))
    ax.invert_yaxis()
    colours = {"populated": "#e8f1fb", "empty": "#fbe3e3", "excluded": "#eeeeee"}
    for i, r in enumerate(row_values):
        for j, c in enumerate(col_values):
            s = table.get((r.id, c.id))
            status = s.status if s is not None else "excluded"
            ax.add_patch(plt.Rectangle((j, i), 1, 1, facecolor=colours[status], edgecolor="#666666"))
            if status == "populated":
                reps = [e for e in s.entries if "paper-table-1" in catalog.entries[e].tags] or list(s.entries[:4])
                names = ", ".join(catalog.entries[e].name for e in reps)
                extra = len(s.entries) - len(reps)
                text = textwrap.fill(names, 34) + (f"\n(+{extra} more)" if extra else "")
                ax.text(j + 0.5, i + 0.5, text, ha="center", va="center", fontsize=7)
            else:
                label = "GAP" if status == "empty" else "excluded"
                ax.text(j + 0.5, i + 0.5, label, ha="center", va="center", fontsize=11,
                        color="#b00000" if status == "empty" else "#888888", weight="bold")
    ax.set_xticks([j + 0.5 for j in range(len(col_values))], [c.label for c in col_values])
    ax.set_yticks([i + 0.5 for i in range(len(row_values))], [r.label for r in row_values])
    ax.xaxis.tick_top()
    ax.set_xlabel(cols.replace("_", " "))
    ax.xaxis.set_label_position("top")
    ax.set_ylabel(rows.replace("_", " "))
    ax.tick_params(length=0)
    fig.tight_layout()
    try:  # rendered next to the target, then renamed: an interrupted run never leaves half a picture
        replace_atomically(path, lambda tmp: fig.savefig(tmp, dpi=130))
    finally:
        plt.close(fig)
