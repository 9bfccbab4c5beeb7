"""Errors the command line turns into one clear line and an exit code (docs/design.md)."""

from __future__ import annotations


class RtExploreError(Exception):
    """An error with a message meant for the user. ``exit_code`` follows the CLI contract."""

    exit_code = 2


class UsageError(RtExploreError):
    """Bad usage or bad input: exit code 2."""

    exit_code = 2


class ProblemsFound(RtExploreError):
    """The command ran and found problems (validation errors, a failed smoke test): exit code 1."""

    exit_code = 1


class MissingDependency(RtExploreError):
    """An optional dependency (torch, matplotlib) is needed for this command."""

    exit_code = 2
