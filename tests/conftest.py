"""Shared test setup: a private catalog cache per test session, never the user's; one torch thread."""

from __future__ import annotations

import os
import tempfile

import pytest

os.environ.setdefault("RT_EXPLORE_CACHE", tempfile.mkdtemp(prefix="rt-explore-cache-"))


@pytest.fixture(autouse=True)
def single_thread():
    """One torch thread per test: the tensors are tiny and the machines have two cores shared with other work,
    so extra intra-op threads only add synchronisation (seconds per call on a busy machine)."""
    try:
        import torch
    except ImportError:  # the knowledge-base tests need no torch
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def generated(tmp_path_factory):
    """`generated("step/chunk", chunk_boundary="delimiter")` -> the loaded Project of a generated project.

    Projects are rendered once per session (keyed by cell and options) into a temporary folder; the model
    code under test is what `rt-explore scaffold` writes, the architecture now living in the template.
    """
    from rt_explore.codegen import generate, spec_from_cell
    from rt_explore.taxonomy import load_taxonomy
    from rt_explore.training.project import load_project

    tax, root, made = load_taxonomy(), tmp_path_factory.mktemp("generated"), {}

    def make(cell: str, **options):
        key = (cell, tuple(sorted(options.items())))
        if key not in made:
            spec = spec_from_cell(cell, tax, {k: str(v) for k, v in options.items()}, f"g{len(made)}")
            out = root / spec.name
            generate(spec, out)
            made[key] = load_project(out)
        return made[key]

    return make
