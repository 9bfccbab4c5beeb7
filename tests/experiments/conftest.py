"""Tiny experiments for the tests: width 16, one layer, 20 steps, scored on 16 sequences per length."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

TINY = """\
name: tiny
question: Does the delta rule track parity where the transformer does not?
claim:
  text: Negative eigenvalues let a linear RNN track parity.
  paper: "Unlocking State-Tracking in Linear RNNs Through Negative Eigenvalues"
  arxiv: "2411.12537"
  figure: "Table 2: 1.000 vs 0.017"
options: {dim: 16, n_layers: 1, n_heads: 2, mlp_ratio: 2.0}
variants:
  - id: transformer
    cell: none
  - id: delta
    label: "DeltaNet [-1,1]"
    cell: step/token
    options: {mixer: delta-rule}
tasks:
  - name: parity
    params: {max_train_length: 8}
    test_lengths: [8, 16]
seeds: 2
budget: {steps: 20, batch_size: 8, lr: 3.0e-3}
evaluation: {batches: 1, batch_size: 16}
comparisons:
  - {a: delta, b: transformer, task: parity, length: 16, expect: a > b}
"""


def write_experiment(folder: Path, text: str = TINY, name: str = "tiny.yaml") -> Path:
    path = Path(folder) / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def tiny(tmp_path) -> Path:
    """The path of the tiny experiment's YAML file (2 variants x parity x 2 seeds)."""
    return write_experiment(tmp_path)


@pytest.fixture
def tiny_text() -> str:
    """The tiny experiment's YAML text, to change in a test."""
    return TINY


@pytest.fixture
def experiment_file():
    """`write_experiment(folder, text, name="tiny.yaml") -> path`."""
    return write_experiment
