"""Safe YAML reading with line numbers: the C loader where present, never a Python-object constructor."""

from __future__ import annotations

import datetime

import yaml

from .errors import UsageError

try:
    _BaseLoader = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader  # type: ignore[misc]

_TAGS: dict[str, str] = {}  # plain scalar -> its resolved tag; only short scalars, which repeat across entries
_STR, _INT = "tag:yaml.org,2002:str", "tag:yaml.org,2002:int"
_BOOL, _NULL, _TIMESTAMP = "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp"
_BOOLS = yaml.constructor.SafeConstructor.bool_values  # yes/no/true/false/on/off, lowercased
_SEQ, _MAP, _MERGE = "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map", "tag:yaml.org,2002:merge"


class SafeLoader(_BaseLoader):
    """The safe loader, with the tag of each short plain scalar resolved once per process.

    The composer asks the resolver for every scalar and the resolver tries its regular expressions each
    time; catalog files repeat the same short values (dimension values, field names, years), so the
    answer is cached. A tag depends on the scalar's text alone: the safe loader has no path resolvers.
    """

    def resolve(self, kind, value, implicit):
        if kind is not yaml.ScalarNode:
            return self.DEFAULT_MAPPING_TAG if kind is yaml.MappingNode else self.DEFAULT_SEQUENCE_TAG
        if not implicit[0]:  # quoted: always a string
            return self.DEFAULT_SCALAR_TAG
        if len(value) > 32:
            return super().resolve(kind, value, implicit)
        tag = _TAGS.get(value)
        if tag is None:
            if len(_TAGS) > 50_000:
                _TAGS.clear()
            tag = _TAGS[value] = super().resolve(kind, value, implicit)
        return tag

    # Path resolvers are the only use of these hooks, and the safe loader has none.
    def descend_resolver(self, current_node, current_index):
        pass

    def ascend_resolver(self):
        pass


class YamlProblem(Exception):
    """YAML that cannot be read safely: a syntax error or a refused tag, with its line (1-based).

    A plain class, not a dataclass: importing dataclasses costs every command a millisecond.
    """

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message, line)
        self.message, self.line = message, line


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
            data = _construct(loader, node)
        except ValueError as exc:
            # PyYAML's date constructor raises ValueError, not a YAMLError, on `2025-13-02`
            raise YamlProblem(f"malformed YAML: not a date: {exc}", _bad_date_line(node)) from None
    except yaml.YAMLError as exc:
        raise _describe(exc) from None
    finally:
        loader.dispose()
    return data, lines, repeated


class _Slow(Exception):
    """Raised by the fast path for what it leaves to PyYAML: merge keys, cycles, unhashable keys."""


def _construct(loader, node: yaml.Node) -> object:
    """The document's data, as ``loader.construct_document`` gives it, about three times faster.

    Strings, whole numbers, booleans, nulls, dates, lists and mappings (all of a catalog file) are built
    here; every other scalar (floats, times, other number forms, refused tags) goes to PyYAML's safe
    constructor, and a document with merge keys, recursive aliases or unhashable keys is built by PyYAML whole.
    """
    active: set[int] = set()

    def build(n: yaml.Node) -> object:
        kind, tag = type(n), n.tag
        if kind is yaml.ScalarNode:
            if tag == _STR:
                return n.value
            if tag == _INT and n.value.isdigit() and (n.value[0] != "0" or n.value == "0"):
                return int(n.value)
            if tag == _BOOL and n.value.lower() in _BOOLS:
                return _BOOLS[n.value.lower()]
            if tag == _NULL:
                return None
            if tag == _TIMESTAMP and len(n.value) == 10:  # a plain date, YYYY-MM-DD
                try:
                    return datetime.date.fromisoformat(n.value)
                except ValueError:
                    pass  # PyYAML's own error, below
            return loader.construct_object(n, deep=True)
        if id(n) in active:
            raise _Slow
        active.add(id(n))
        try:
            if kind is yaml.SequenceNode and tag == _SEQ:
                return [build(item) for item in n.value]
            if kind is yaml.MappingNode and tag == _MAP:
                out = {}
                for key_node, value_node in n.value:
                    if key_node.tag == _MERGE:
                        raise _Slow
                    key = build(key_node)
                    try:
                        out[key] = build(value_node)
                    except TypeError:  # an unhashable key
                        raise _Slow from None
                return out
            return loader.construct_object(n, deep=True)
        finally:
            active.discard(id(n))

    try:
        return build(node)
    except _Slow:
        return loader.construct_document(node)


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


def load_with_paths(text: str) -> tuple[object, dict[tuple, int], list[tuple[tuple, int]]]:
    """Parse one YAML document safely, with the 1-based line of every key and list item at any depth.

    Paths are tuples of keys and list indices: ``("variants", 2, "options", "mixer")``. Also returns the
    keys that appear more than once in one mapping (YAML would silently keep the last), with their lines.
    Raises :class:`YamlProblem`.
    """
    loader = SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}, []
        lines: dict[tuple, int] = {}
        repeated: list[tuple[tuple, int]] = []
        stack: list[tuple[yaml.Node, tuple]] = [(node, ())]
        while stack:
            current, path = stack.pop()
            if isinstance(current, yaml.MappingNode):
                for key_node, value_node in current.value:
                    child = (*path, str(key_node.value))
                    if child in lines:
                        repeated.append((child, key_node.start_mark.line + 1))
                    else:
                        lines[child] = key_node.start_mark.line + 1
                    stack.append((value_node, child))
            elif isinstance(current, yaml.SequenceNode):
                for index, item in enumerate(current.value):
                    lines[(*path, index)] = item.start_mark.line + 1
                    stack.append((item, (*path, index)))
        data = _construct(loader, node)
    except yaml.YAMLError as exc:
        raise _describe(exc) from None
    except ValueError as exc:
        raise YamlProblem(f"malformed YAML: {exc}") from None
    finally:
        loader.dispose()
    return data, lines, sorted(repeated, key=lambda item: item[1])
