"""Every coherent cell smoke-trains on parity with a small budget: the loss stays finite and falls."""

from __future__ import annotations

import math

import pytest

from rt_explore.cli import main
from rt_explore.tasks import get_task
from rt_explore.taxonomy import FINE_DIMS, load_taxonomy
from rt_explore.training.loop import train
from rt_explore.training.project import load_project

TAX = load_taxonomy()
COHERENT = ["/".join(c.values()) for c in TAX.enumerate_cells(FINE_DIMS) if TAX.exclusion(c) is None]


@pytest.mark.parametrize("cell", COHERENT)
def test_every_coherent_cell_smoke_trains_on_parity(cell, tmp_path):
    out = tmp_path / "p"
    assert main(["scaffold", "--cell", cell, "--out", str(out), "-o", "dim=32", "-o", "n_layers=1"]) == 0
    task = get_task("parity", max_train_length=8)
    result = train(load_project(out), task, steps=50, seed=0, batch_size=16, lr=3e-3, eval_batch_size=16)
    curve = result.loss_curve
    assert len(curve) == 50 and all(math.isfinite(x) for x in curve)
    start, end = sum(curve[:10]) / 10, sum(curve[-10:]) / 10
    assert end < start, (cell, start, end)
