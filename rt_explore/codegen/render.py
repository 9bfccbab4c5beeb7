"""Render a ModelSpec into a project folder: template (source), context (answers), render (the run).

Only ``*.jinja`` files are rendered (StrictUndefined: a missing answer is an error, not an empty
string); everything is written into a temporary sibling folder and moved into place only when
complete, so a failed render leaves nothing behind and an existing project is replaced only with
``force``.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import yaml

from .. import __version__
from ..atomic import replace_folder
from ..errors import UsageError
from .context import build_context, kernel_pieces, one_line
from .spec import ModelSpec

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "project"
KERNELS = Path(__file__).resolve().parent.parent / "kernels"
RELATIVE_IMPORT = re.compile(r"^from \.(\w+) import", re.MULTILINE)


def pyrepr(value: object) -> str:
    """A Python literal for a plain value: strings are escaped by repr, never pasted as code."""
    if isinstance(value, (bool, int, float, str)) or value is None:
        return repr(value)
    raise TypeError(f"cannot render {type(value).__name__} as a literal")


def tomlstr(value: object) -> str:
    """A TOML basic string: quotes and backslashes escaped, control characters dropped."""
    text = "".join(ch for ch in str(value) if ch.isprintable())
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def environment():
    import jinja2

    env = jinja2.Environment(
        # project files by their path in templates/project; a core by "cores/NAME.py.jinja" (templates/cores)
        loader=jinja2.FileSystemLoader([str(TEMPLATES), str(TEMPLATES.parent)]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters.update(pyrepr=pyrepr, tomlstr=tomlstr, comment=one_line)
    return env


def kernel_files(pieces: list[str]) -> list[str]:
    """The kernel modules the pieces need, with every module they import relatively (the closure)."""
    todo = sorted({p.split(".")[0] for p in pieces})
    seen: set[str] = set()
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        text = (KERNELS / f"{module}.py").read_text(encoding="utf-8")
        todo.extend(m for m in RELATIVE_IMPORT.findall(text) if m not in seen)
    return sorted(seen)


def provenance(spec: ModelSpec, standalone: bool, kernels: list[str]) -> str:
    data = {
        "name": spec.name,
        "package": spec.package,
        "rt_explore_version": __version__,
        "origin": spec.origin,
        "cell": dict(spec.cell),
        "options": dict(spec.options),
        "neighbors": list(spec.neighbors),
        "notes": list(spec.notes),
        "standalone": standalone,
        "kernels": kernels,
    }
    header = "# Written by rt-explore scaffold: how this project was made. rt-explore train reads it.\n"
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def render_into(spec: ModelSpec, folder: Path, *, standalone: bool,
                before_write: Callable[[Path], None] | None = None) -> list[Path]:
    """Render every template into ``folder`` (which must exist and be empty); return the files written."""
    env = environment()
    context = build_context(spec, standalone=standalone)
    written = []
    for source in sorted(TEMPLATES.rglob("*")):
        if source.is_dir() or "__pycache__" in source.parts:
            continue
        relative = source.relative_to(TEMPLATES)
        parts = [spec.package if p == "package" else p for p in relative.parts]
        target = folder.joinpath(*parts)
        if target.suffix == ".jinja":
            target = target.with_suffix("")
        target.parent.mkdir(parents=True, exist_ok=True)
        if before_write is not None:
            before_write(target)
        if source.suffix == ".jinja":
            text = env.get_template(relative.as_posix()).render(**context)
            target.write_text(text, encoding="utf-8")
        else:
            shutil.copyfile(source, target)
        written.append(target)
    kernels: list[str] = []
    if standalone:
        kernels = kernel_files(kernel_pieces(spec))
        target_dir = folder / spec.package / "kernels"
        target_dir.mkdir(parents=True, exist_ok=True)
        (target_dir / "__init__.py").write_text(
            f'"""Kernels copied from rt-explore {__version__} so that this project runs without it."""\n',
            encoding="utf-8")
        for module in kernels:
            shutil.copyfile(KERNELS / f"{module}.py", target_dir / f"{module}.py")
            written.append(target_dir / f"{module}.py")
    (folder / ".rt-explore.yml").write_text(provenance(spec, standalone, kernels), encoding="utf-8")
    written.append(folder / ".rt-explore.yml")
    return written


def generate(spec: ModelSpec, out: Path, *, standalone: bool = False, force: bool = False,
             before_write: Callable[[Path], None] | None = None) -> list[Path]:
    """Write the project for ``spec`` at ``out``, atomically.

    Refuses a non-empty existing ``out`` without ``force``. The project is rendered into a temporary
    folder beside ``out`` and renamed into place; on any failure the temporary folder is removed and
    ``out`` is left as it was.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise UsageError(f"{out} exists and is not empty; use --force to replace it")

    def fill(tmp: Path) -> list[Path]:
        return [p.relative_to(tmp) for p in render_into(spec, tmp, standalone=standalone, before_write=before_write)]

    return [out / p for p in replace_folder(out, fill)]
