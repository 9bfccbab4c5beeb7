"""Figures are written whole (a temporary sibling renamed into place) and refused with one line for a bad name."""

from __future__ import annotations

import pytest

from rt_explore.errors import UsageError
from rt_explore.training.plots import pyplot, save_figure

PNG = b"\x89PNG\r\n\x1a\n"


def test_a_figure_is_a_png_written_in_place_with_nothing_left_beside_it(tmp_path):
    fig, ax = pyplot().subplots()
    ax.plot([0, 1], [0, 1])
    path = save_figure(fig, tmp_path / "out" / "line.png")
    assert path.read_bytes().startswith(PNG)
    assert sorted(p.name for p in path.parent.iterdir()) == ["line.png"]


def test_a_plot_file_needs_an_image_suffix(tmp_path):
    fig, _ = pyplot().subplots()
    with pytest.raises(UsageError, match="must end in"):
        save_figure(fig, tmp_path / "acc.txt")
    assert list(tmp_path.iterdir()) == []
