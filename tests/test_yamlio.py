"""The YAML reader's fast path builds exactly what PyYAML's safe loader builds, and refuses what it refuses."""

from __future__ import annotations

import pytest
import yaml

from rt_explore.yamlio import YamlProblem, load_with_lines

DOCUMENTS = [
    "a: 1\nb: [x, 'y', \"z\"]\nc: {d: e}\n",
    "year: 2024\nzero: 0\noctal: 010\nhex: 0x1F\nsep: 1_000\nsigned: -3\nplus: +4\nfloat: 1.5e3\ninf: .inf\n",
    "on: yes\noff: no\nt: true\nn: null\ntilde: ~\nempty:\n",
    "day: 2025-01-02\nwhen: 2025-01-02 10:00:00\nquoted: '2025-01-02'\n",
    "base: &b {x: 1, y: 2}\nchild:\n  <<: *b\n  y: 3\n",
    "anchor: &a [1, 2]\nalias: *a\n",
    "? [1, 2]\n: unhashable key\n",
    "- a\n- [b, c]\n- {d: [e, {f: g}]}\n",
    "long: " + "word " * 40 + "\n",
    "text: >-\n  folded\n  text\nraw: |\n  kept\n  lines\n",
    "set: !!set {a, b}\nstr: !!str 12\nint: !!int '7'\n",
    "a: 1\na: 2\n",
]


@pytest.mark.parametrize("text", DOCUMENTS)
def test_the_fast_path_builds_what_pyyaml_builds(text):
    try:
        expected = yaml.load(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError as exc:
        with pytest.raises(YamlProblem):
            load_with_lines(text)
        assert "unhashable" in str(exc)
        return
    data = load_with_lines(text)[0]
    assert data == expected and type(data) is type(expected)
    if isinstance(data, dict):
        assert [type(v) for v in data.values()] == [type(v) for v in expected.values()]


def test_a_recursive_alias_is_left_to_pyyaml():
    data = load_with_lines("a: &x [1, *x]\n")[0]
    assert data["a"][1] is data["a"]


def test_python_tags_are_refused_with_their_line():
    with pytest.raises(YamlProblem, match="refused") as caught:
        load_with_lines("a: 1\nb: !!python/object/apply:os.system ['true']\n")
    assert caught.value.line == 2


def test_lines_and_repeated_keys_are_reported():
    data, lines, repeated = load_with_lines("a: 1\nb:\n  c: 2\na: 3\n")
    assert data == {"a": 3, "b": {"c": 2}}
    assert lines == {"a": 1, "b": 2, "b.c": 3} and repeated == [("a", 4)]
