"""Safe YAML reading with line numbers: the C loader where present, never a Python-object constructor."""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from .errors import UsageError

try:
    SafeLoader = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    SafeLoader = yaml.SafeLoader  # type: ignore[misc]


@dataclass
class YamlProblem(Exception):
    """YAML that cannot be read safely: a syntax error or a refused tag, with its line (1-based)."""

    message: str
    line: int | None = None


def _describe(exc: yaml.YAMLError) -> YamlProblem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else None
    problem = getattr(exc, "problem", None) or str(exc)
    if isinstance(exc, yaml.constructor.ConstructorError) and "tag" in str(problem):
        tag = str(problem).split("tag", 1)[1].strip().strip("'")
        return YamlProblem(f"YAML tag {tag} is refused: the safe loader constructs no Python objects", line)
    return YamlProblem(f"malformed YAML: {problem}", line)


def load_with_lines(text: str) -> tuple[object, dict[str, int], list[tuple[str, int]]]:
    """Parse one YAML document safely.

    Returns the data, the 1-based line of each top-level key (and of ``key.subkey`` one level
    down), and the top-level keys that appear
    more than once (YAML would silently keep the last one). Raises :class:`YamlProblem`.
    """
    loader = SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}, []
        lines: dict[str, int] = {}
        repeated: list[tuple[str, int]] = []
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = str(key_node.value)
                if key in lines:
                    repeated.append((key, key_node.start_mark.line + 1))
                else:
                    lines[key] = key_node.start_mark.line + 1
                # one level down too, so that `classification.axis` errors can name their line
                if isinstance(value_node, yaml.MappingNode):
                    for sub_key, _ in value_node.value:
                        lines.setdefault(f"{key}.{sub_key.value}", sub_key.start_mark.line + 1)
        try:
            data = loader.construct_document(node)
        except ValueError as exc:
            # PyYAML's date constructor raises ValueError, not a YAMLError, on `2025-13-02`
            raise YamlProblem(f"malformed YAML: not a date: {exc}", _bad_date_line(node)) from None
    except yaml.YAMLError as exc:
        raise _describe(exc) from None
    finally:
        loader.dispose()
    return data, lines, repeated


def _bad_date_line(node: yaml.Node) -> int | None:
    """The 1-based line of the first scalar that YAML reads as a date but that names no real day."""
    stack = [node]
    while stack:
        current = stack.pop(0)
        if isinstance(current, yaml.ScalarNode):
            if current.tag.endswith(":timestamp"):
                try:
                    yaml.constructor.SafeConstructor().construct_yaml_timestamp(current)
                except ValueError:
                    return current.start_mark.line + 1
        elif isinstance(current, yaml.MappingNode):
            stack.extend(n for pair in current.value for n in pair)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return None


def load_yaml_text(text: str, origin: str) -> object:
    """Parse trusted-but-checked YAML (our own data files); raise a one-line UsageError on failure."""
    try:
        return load_with_lines(text)[0]
    except YamlProblem as problem:
        where = f"{origin}:{problem.line}" if problem.line else origin
        raise UsageError(f"{where}: {problem.message}") from None
