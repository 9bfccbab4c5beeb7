"""Words read as values, shared by layers that may not import each other (no torch, no codegen).

`parse_bool` reads a boolean the same way everywhere: a generator option (`-o deep_delta=on`), a task
parameter (`-p absorbing=no`).
"""

from __future__ import annotations

from .errors import UsageError

TRUE_WORDS, FALSE_WORDS = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


def parse_bool(text: str, what: str) -> bool:
    """`true/false, 1/0, yes/no, on/off` (any case) -> bool; anything else is a one-line UsageError."""
    lowered = text.strip().lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    raise UsageError(f"{what} takes true or false, got '{text}'")
