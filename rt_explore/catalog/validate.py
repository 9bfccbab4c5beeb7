"""Read and check catalog entry files; every problem comes back with its file, line and field.

Nothing here raises on bad input: a file either yields an :class:`Entry` or a list of
:class:`Problem` errors. Warnings, which do not stop an entry loading, are in :mod:`.review`.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

from ..taxonomy import Taxonomy
from ..yamlio import YamlProblem, load_with_lines
from .schema import FIELDS, REQUIRED, Entry, Problem

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TAG_RE = ID_RE
NEW_ARXIV_RE = re.compile(r"^(\d{2})(\d{2})\.(\d{4,5})$")
OLD_ARXIV_RE = re.compile(r"^[a-z-]+(?:\.[A-Z]{2})?/(\d{2})(\d{2})\d{3}$")
FIRST_YEAR = 1980


class _Collector:
    def __init__(self, path: Path, lines: dict[str, int]):
        self.path, self.lines, self.problems = path, lines, []

    def add(self, field: str | None, message: str, line: int | None = None) -> None:
        if line is None and field is not None:
            line = self.lines.get(field) or self.lines.get(field.split(".")[0])
        self.problems.append(Problem(str(self.path), message, line, field))


def read_text(path: Path) -> tuple[str | None, Problem | None]:
    """The file as UTF-8 text, or the problem that stops us reading it."""
    try:
        with open(path, "rb") as handle:  # not Path.read_bytes: a cold load of 10,000 files feels pathlib's overhead
            data = handle.read()
    except OSError as exc:
        return None, Problem(str(path), f"cannot read file: {exc.strerror}")
    if b"\x00" in data:
        return None, Problem(str(path), "binary file (contains NUL bytes), expected UTF-8 YAML text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, Problem(str(path), f"not UTF-8 text: invalid byte 0x{data[exc.start]:02x} at offset {exc.start}")
    if not text.strip():
        return None, Problem(str(path), "empty file, expected a mapping of entry fields")
    return text, None


def parse_entry(path: Path, tax: Taxonomy) -> tuple[Entry | None, list[Problem]]:
    """Read one entry file and check everything that can be checked without the other entries."""
    text, problem = read_text(path)
    if problem:
        return None, [problem]
    try:
        data, lines, repeated = load_with_lines(text)
    except YamlProblem as exc:
        return None, [Problem(str(path), exc.message, exc.line)]
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        kind = {"list": "a list", "str": "a string", "int": "a number", "float": "a number"}.get(kind, kind)
        return None, [Problem(str(path), f"the root of the file is {kind}, expected a mapping of entry fields", 1)]
    out = _Collector(path, lines)
    for key, line in repeated:
        out.add(key, "field appears more than once", line)
    _check_fields(data, out)
    _check_identity(data, path, out)
    _check_citation(data, out)
    _check_classification(data, tax, out)
    _check_lists(data, tax, out)
    _check_checked(data, out)
    if out.problems:
        return None, out.problems
    entry = Entry(
        id=data["id"],
        name=data["name"].strip(),
        title=" ".join(data["title"].split()),
        authors=tuple(data["authors"]),
        year=data["year"],
        classification=dict(data["classification"]),
        summary=" ".join(data["summary"].split()),
        arxiv=data.get("arxiv"),
        url=data.get("url"),
        venue=data.get("venue"),
        code=data.get("code"),
        builds_on=tuple(data.get("builds_on") or ()),
        mechanisms=tuple(data.get("mechanisms") or ()),
        notes=" ".join(data["notes"].split()) if data.get("notes") else None,
        tags=tuple(data.get("tags") or ()),
        checked={("on" if k is True else k): str(v) for k, v in data["checked"].items()} if "checked" in data else None,
        path=path,
        lines=lines,
    )
    return entry, []


_DAY: list = [0.0, None]  # [when asked, today]: asking the clock for every entry of 10,000 shows in a cold load


def _today() -> datetime.date:
    import time

    now = time.monotonic()
    if _DAY[1] is None or now - _DAY[0] > 60:
        _DAY[:] = [now, datetime.date.today()]
    return _DAY[1]


KNOWN_FIELDS = frozenset(FIELDS)
URL_RE = re.compile(r"^https?://\S+$")


def _check_fields(data: dict, out: _Collector) -> None:
    if not data.keys() <= KNOWN_FIELDS:
        for key in data:
            if key not in KNOWN_FIELDS:
                out.add(str(key), f"unknown field; allowed fields are {', '.join(FIELDS)}")
    for key in REQUIRED:
        if key not in data:
            out.add(key, "required field is missing", line=1)
    if "arxiv" not in data and "url" not in data:
        out.add("arxiv", "either arxiv or url is required", line=1)
    for key in ("name", "title", "summary", "venue", "notes"):
        if key in data and (not isinstance(data[key], str) or not data[key].strip()):
            out.add(key, "must be a non-empty string")
    for key in ("url", "code"):
        if key in data and not (isinstance(data[key], str) and URL_RE.match(data[key])):
            out.add(key, f"must be an http(s) URL, got {data[key]!r}")


def _check_identity(data: dict, path: Path, out: _Collector) -> None:
    if "id" not in data:
        return
    entry_id = data["id"]
    if not isinstance(entry_id, str) or not ID_RE.match(entry_id):
        out.add("id", f"{entry_id!r} is not a valid id (lowercase letters, digits and '-')")
    elif entry_id != path.stem:
        out.add("id", f"id '{entry_id}' differs from the file name '{path.name}' (expected id '{path.stem}')")


def _check_citation(data: dict, out: _Collector) -> None:
    authors = data.get("authors")
    if "authors" in data and (
        not isinstance(authors, list) or not authors or not all(isinstance(a, str) and a.strip() for a in authors)
    ):
        out.add("authors", "must be a non-empty list of names")
    year = data.get("year")
    next_year = _today().year + 1
    if "year" in data and (not isinstance(year, int) or isinstance(year, bool)):
        out.add("year", f"must be a whole number, got {year!r}")
        year = None
    elif year is not None and not FIRST_YEAR <= year <= next_year:
        out.add("year", f"impossible year {year} (expected {FIRST_YEAR}..{next_year})")
        year = None
    if "arxiv" not in data:
        return
    arxiv = data["arxiv"]
    if isinstance(arxiv, (int, float)) and not isinstance(arxiv, bool):
        out.add("arxiv", f'must be a quoted string such as "2006.16236"; YAML read {arxiv!r} as a number')
        return
    if not isinstance(arxiv, str):
        out.add("arxiv", f"must be a string, got {arxiv!r}")
        return
    match = NEW_ARXIV_RE.match(arxiv) or OLD_ARXIV_RE.match(arxiv)
    if not match:
        out.add("arxiv", f"malformed arXiv id {arxiv!r} (expected YYMM.NNNNN without a version, or archive/YYMMNNN)")
        return
    yy, mm = int(match.group(1)), int(match.group(2))
    arxiv_year = (2000 if yy < 91 else 1900) + yy
    if not 1 <= mm <= 12:
        out.add("arxiv", f"malformed arXiv id {arxiv!r}: month {mm:02d} does not exist")
    elif NEW_ARXIV_RE.match(arxiv) and (yy, mm) < (7, 4):
        out.add("arxiv", f"malformed arXiv id {arxiv!r}: new-style ids start in April 2007")
    elif NEW_ARXIV_RE.match(arxiv) and len(match.group(3)) != (5 if yy >= 15 else 4):
        out.add("arxiv", f"malformed arXiv id {arxiv!r}: ids from {'2015 on' if yy >= 15 else 'before 2015'} have "
                f"{5 if yy >= 15 else 4} digits after the dot")
    elif year is not None and year < arxiv_year and not (mm == 1 and year == arxiv_year - 1):
        # A January id may belong to a paper first posted on 31 December (Titans, 2501.00663: v1 on
        # 31 Dec 2024): arXiv numbers a submission by the month of its announcement.
        allow = f" (a January id allows {arxiv_year - 1})" if mm == 1 else ""
        out.add("year", f"year {year} is before the arXiv id's year {arxiv_year}{allow}")


_CLASSIFICATIONS: dict[tuple, tuple[Taxonomy, list[tuple[str, str]]]] = {}


def _check_classification(data: dict, tax: Taxonomy, out: _Collector) -> None:
    cls = data.get("classification")
    if "classification" not in data:
        return
    if not isinstance(cls, dict):
        out.add("classification", "must be a mapping of dimension: value")
        return
    # Entries share a few dozen classifications: each is checked once (half the time of a cold load).
    try:
        key = (id(tax), *((k, type(k), v, type(v)) for k, v in cls.items()))  # types: 1 == True
        known = _CLASSIFICATIONS.get(key)
    except TypeError:  # a list or mapping as a value: check it afresh
        key, known = None, None
    if known is None or known[0] is not tax:
        found = _Collector(out.path, {})
        _classification_problems(cls, tax, found)
        known = (tax, [(p.field, p.message) for p in found.problems])
        if key is not None and len(_CLASSIFICATIONS) < 10_000:
            _CLASSIFICATIONS[key] = known
    for field, message in known[1]:
        out.add(field, message)


def _classification_problems(cls: dict, tax: Taxonomy, out: _Collector) -> None:
    ok = True
    for dim_id, value in cls.items():
        field = f"classification.{dim_id}"
        if dim_id not in tax.dimension_ids:
            out.add(field, f"unknown dimension; expected one of {', '.join(tax.dimension_ids)}")
            ok = False
            continue
        message = tax.validate_value(dim_id, value)
        if message:
            out.add(field, message)
            ok = False
    if "axis" not in cls:
        out.add("classification.axis", "required: every entry names its recurrence axis")
        return
    if not ok:
        return
    gone = tax.inapplicable(cls)
    for dim in tax.primary():
        if dim.id in gone and dim.id in cls:
            out.add(f"classification.{dim.id}", f"has no meaning when axis is {cls['axis']}; leave it out")
            ok = False
        elif dim.id not in gone and dim.id not in cls:
            out.add(f"classification.{dim.id}", f"required for axis {cls['axis']}")
            ok = False
    for dim_id in cls:
        if dim_id in gone and tax.dimension(dim_id).level != "primary":
            out.add(f"classification.{dim_id}", f"has no meaning when axis is {cls['axis']}; leave it out")
            ok = False
    if ok:
        reason = tax.exclusion(cls)
        if reason:
            field = "classification.step_unit" if "implies" in reason else "classification"
            out.add(field, f"incoherent classification: {reason}")


def _check_lists(data: dict, tax: Taxonomy, out: _Collector) -> None:
    for key, pattern, known in (
        ("builds_on", ID_RE, None),
        ("tags", TAG_RE, None),
        ("mechanisms", None, None),
    ):
        if key not in data:
            continue
        if key == "mechanisms":
            known = set(tax.mechanism_ids())
        items = data[key]
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            out.add(key, "must be a list of strings")
            continue
        for item in items:
            if pattern is not None and not pattern.match(item):
                out.add(key, f"{item!r} is not a valid {key[:-1] if key.endswith('s') else 'id'}")
            if known is not None and item not in known:
                out.add(key, f"unknown mechanism {item!r}; expected one of {', '.join(sorted(known))}")
        if key == "builds_on" and data.get("id") in items:
            out.add(key, "an entry cannot build on itself")


CHECKED_KEYS = ("on", "source", "title")
CHECKED_TITLES = ("first", "current")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _as_date(value: object) -> datetime.date | None:
    """A YAML date, or a YYYY-MM-DD string naming a real day; None for anything else (times included)."""
    if isinstance(value, datetime.datetime):
        return None
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and DATE_RE.match(value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _check_checked(data: dict, out: _Collector) -> None:
    """``checked: {on: YYYY-MM-DD, source: URL, title: first|current}``: where and when the citation was checked."""
    if "checked" not in data:
        return
    checked = data["checked"]
    if not isinstance(checked, dict):
        out.add("checked", "must be a mapping {on: YYYY-MM-DD, source: URL, title: first|current}")
        return
    checked = _checked_mapping(checked)
    for key in checked:
        if key not in CHECKED_KEYS:
            out.add(f"checked.{key}", f"unknown key; allowed keys are {', '.join(CHECKED_KEYS)}")
    if "on" not in checked:
        out.add("checked.on", "required: the day the citation was checked, YYYY-MM-DD")
    else:
        day = _as_date(checked["on"])
        # One day of slack: a contributor east of the machine's time zone may already be on tomorrow.
        latest = _today() + datetime.timedelta(days=1)
        posted = _arxiv_month(data.get("arxiv"))
        if day is None:
            out.add("checked.on", f"must be a date YYYY-MM-DD, got {checked['on']!r}")
        elif day > latest:
            out.add("checked.on", f"{day} is in the future")
        elif posted is not None and day < posted - datetime.timedelta(days=1):
            out.add("checked.on", f"{day} is before the arXiv id's month {posted:%Y-%m}: the paper was not posted yet")
    if "source" not in checked:
        out.add("checked.source", "required: the page the citation was checked against (the arXiv abstract page)")
    elif not (isinstance(checked["source"], str) and URL_RE.match(checked["source"])):
        out.add("checked.source", f"must be an http(s) URL, got {checked['source']!r}")
    if "title" in checked and checked["title"] not in CHECKED_TITLES:
        out.add("checked.title", f"must be first or current (which arXiv version the title is), got "
                f"{checked['title']!r}")


def _checked_mapping(checked: dict) -> dict:
    # YAML 1.1, which PyYAML reads, takes an unquoted `on` for the boolean true: `{on: 2026-11-30}` arrives
    # as {True: ...}. The key is ours, so read it back as "on" rather than make every entry quote it.
    return {("on" if key is True else key): value for key, value in checked.items()}


def _arxiv_month(arxiv: object) -> datetime.date | None:
    match = NEW_ARXIV_RE.match(arxiv) if isinstance(arxiv, str) else None
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    return datetime.date(2000 + int(match.group(1)), int(match.group(2)), 1)
