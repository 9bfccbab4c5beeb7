"""The typer application: global options, and the registration of every command module."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .. import __version__

app = typer.Typer(
    name="rt-explore",
    help="A knowledge base and design-space explorer for recurrent transformer architectures.",
    context_settings={"help_option_names": ["-h", "--help"]},
    # --install-completion / --show-completion: building the two options costs ~0.3 ms a start; a shell
    # asks for completions through _RT_EXPLORE_COMPLETE with no command on argv, so every command is loaded.
    add_completion=True,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


class Settings:
    """Global options, set by the callback and read by commands."""

    catalog_dirs: tuple[Path, ...] = ()


def _version(value: bool) -> None:
    if value:
        print(f"rt-explore {__version__}")
        raise typer.Exit(0)


@app.callback()
def _global(
    catalog: Annotated[
        list[Path] | None,
        typer.Option("--catalog", help="Extra catalog folder merged over the built-in entries "
                     "(repeatable; also RT_EXPLORE_CATALOG).", show_default=False),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    Settings.catalog_dirs = tuple(catalog or ())


def load():
    """The catalog for this invocation; refuses to go on when the catalog itself has problems."""
    from ..catalog import load_catalog
    from ..errors import UsageError

    catalog = load_catalog(Settings.catalog_dirs)
    if catalog.problems:
        first = catalog.problems[0]
        more = f" (and {len(catalog.problems) - 1} more)" if len(catalog.problems) > 1 else ""
        raise UsageError(f"the catalog has problems{more}; run 'rt-explore validate': {first}")
    return catalog


# Which module defines each command. Only the invoked command's module is imported and only that
# command is built: typer inspects every registered signature at start-up (~3 ms each), which would
# otherwise dominate `rt-explore list`.
COMMAND_MODULES = {
    "list": "knowledge", "show": "knowledge", "grid": "knowledge", "cells": "knowledge", "gaps": "knowledge",
    "export": "knowledge", "scaffold": "scaffold", "train": "build", "bench": "build",
    "tasks": "build", "probe": "probe", "experiment": "experiment", "validate": "contribute",
    "new": "contribute", "import": "contribute",
}
GLOBAL_OPTIONS_WITH_VALUE = ("--catalog",)


def invoked_command(argv: list[str]) -> str | None:
    """The command named on the command line, or None (no command, or help asked before one)."""
    skip = False
    for token in argv:
        if skip:
            skip = False
            continue
        if token in GLOBAL_OPTIONS_WITH_VALUE:
            skip = True
        elif token in ("-h", "--help"):
            return None
        elif not token.startswith("-"):
            return token
    return None


# Options that take several values, as the contract writes them: `bench --cells none step/token --tasks parity`.
# Click options take one value each, so the values are spread into repeated options before parsing.
VARIADIC = {"bench": ("--cells", "--tasks")}


def spread_variadic(argv: list[str]) -> list[str]:
    """`--cells a b --tasks t` -> `--cells a --cells b --tasks t` for the commands in VARIADIC."""
    names = VARIADIC.get(invoked_command(argv) or "", ())
    out: list[str] = []
    current = None
    for token in argv:
        if token in names:
            current = token
            continue
        if current is not None and not token.startswith("-"):
            out += [current, token]
            continue
        if current is not None and token.startswith("-") and out[-2:-1] != [current]:
            out.append(current)  # a flag with no value: let click report it
        current = None
        out.append(token)
    if current is not None and out[-2:-1] != [current]:
        out.append(current)
    return out


_ALL_COMMANDS: list = []  # every command registered so far (prepare narrows app's own lists per call)
_ALL_GROUPS: list = []


def prepare(argv: list[str]) -> typer.Typer:
    """Import the command modules the invocation needs and keep only the invoked command."""
    import importlib

    name = invoked_command(argv)
    wanted = [COMMAND_MODULES[name]] if name in COMMAND_MODULES else list(dict.fromkeys(COMMAND_MODULES.values()))
    for module in wanted:
        importlib.import_module(f".{module}", __package__)
    _ALL_COMMANDS.extend(c for c in app.registered_commands if c not in _ALL_COMMANDS)
    _ALL_GROUPS.extend(g for g in app.registered_groups if g not in _ALL_GROUPS)
    if name not in COMMAND_MODULES:
        app.registered_commands, app.registered_groups = list(_ALL_COMMANDS), list(_ALL_GROUPS)
        return app

    def own_name(info) -> str | None:
        callback = getattr(info, "callback", None)
        return info.name or (callback.__name__.replace("_", "-") if callback else None)

    app.registered_commands = [c for c in _ALL_COMMANDS if own_name(c) == name]
    app.registered_groups = [g for g in _ALL_GROUPS if g.name == name]
    return app
