"""Training generated projects on the toy tasks: load a project, train it, evaluate it.

Modules: ``project`` (load a generated project folder), ``loop`` (the smoke-training loop and its
evaluation, including the computational frontier of depth cells), ``stages`` (multi-stage training: the
recurrence off, then on; the per-cell mapping), ``metrics`` (metrics.json, written atomically),
``plots`` (writing figures). Matrices of runs (``rt-explore bench``, experiments) are in
``rt_explore.experiments``.

Importing this package does not import torch; ``require_torch`` says how to install it when it is
missing, so that every command that trains can fail with one clear line.
"""

from __future__ import annotations

from importlib.util import find_spec

from ..errors import MissingDependency

INSTALL_HINT = "pip install 'rt-explore[torch]'"


def require_torch(what: str = "training") -> None:
    """Raise MissingDependency (one line, with the install command) when torch is not installed."""
    if find_spec("torch") is None:
        raise MissingDependency(f"{what} needs PyTorch, which is not installed: {INSTALL_HINT}")


__all__ = ["INSTALL_HINT", "require_torch"]
