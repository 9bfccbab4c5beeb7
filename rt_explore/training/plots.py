"""Figures: matplotlib on the Agg backend (imported only here), and a figure written whole.

A figure is rendered beside its target and renamed into place, so an interrupted plot leaves no half file.
The experiment reports (experiments/figures.py) and the probes (probes/plot.py) draw with these.
"""

from __future__ import annotations

from pathlib import Path

from ..atomic import replace_atomically
from ..errors import MissingDependency, UsageError

SUFFIXES = (".png", ".svg", ".pdf")


def pyplot():
    """matplotlib.pyplot on the Agg backend, or MissingDependency with the install hint."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise MissingDependency("plotting needs matplotlib: pip install 'rt-explore[torch]'") from None
    return plt


def save_figure(fig, path: Path) -> Path:
    """Write `fig` to `path` (.png/.svg/.pdf) atomically (temporary sibling + rename) and close it."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise UsageError(f"a plot file must end in {', '.join(SUFFIXES)}, got '{path.name}'")
    try:
        return replace_atomically(path, lambda tmp: fig.savefig(tmp, dpi=130, bbox_inches="tight"))
    finally:
        pyplot().close(fig)
