"""Experiments as data: a YAML file of variants x tasks x seeds, run through the results store, reported
with intervals over seeds.

Modules: ``schema`` (the file, checked field by field with file:line errors), ``plan`` (what the fields name,
resolved: ModelSpecs, tasks, the matrix of runs and their keys; ``RECIPE_VERSION``), ``store`` (SQLite:
one row per finished run, claims, failures), ``execute`` (one run in any process), ``executors`` (this
process, worker processes, Ray), ``runner`` (the one writer: run a matrix, report its status), ``stats``
(mean, standard deviation, bootstrap intervals, verdicts), ``report`` (docs/experiments/NAME.md, .json),
``figures`` (NAME.png), ``index`` (docs/results.md), ``bench`` (the `rt-explore bench` matrix as an
experiment) and ``evidence`` (measured figures for `grid --evidence`).

Built-in experiments are ``builtin/*.yaml``; a user's own is given by path. Importing this package
imports neither torch nor codegen.
"""

from __future__ import annotations
