"""Coverage against Awesome-Loop-Models: which of its papers the catalog lacks, and skeletons for them.

Awesome-Loop-Models (github.com/huskydoge/Awesome-Loop-Models) keeps one YAML file per paper in
``papers/``, named by arXiv id (``papers/1807.03819.yaml``) or by a slug when there is none
(``papers/openreview-modr.yaml``). The fields read here: ``title``, ``authors``, ``year`` (often the
venue's), ``published_date`` (the first release, YYYY-MM-DD), ``venue``, ``category`` (analysis,
designs, applications), ``mechanism_tags`` (flat-loop, hierarchical-loop, parallel-loop,
implicit-layer), ``domain_tags``, ``focus_tags``, ``tags`` (aliases) and ``links`` (``links.arxiv`` the
abstract URL; ``openreview``, ``paper``, ``project`` otherwise). Their one-line descriptions are never
copied: a skeleton's summary is the contributor's to write.

Papers are matched to catalog entries by arXiv id, and by title when a paper has no arXiv id.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from ..errors import UsageError
from ..taxonomy import Taxonomy
from .new import ARXIV_PREFIX, ARXIV_SUFFIX, default_id, skeleton_text
from .schema import Entry
from .validate import ID_RE, NEW_ARXIV_RE, OLD_ARXIV_RE, read_text

SOURCE_TAG = "awesome-loop-models"
LINK_KEYS = ("openreview", "paper", "project")  # where to point a paper that has no arXiv id
# Hints for the contributor, written as comments (the classification stays theirs to choose).
LOOP_HINTS = {"flat-loop": None, "hierarchical-loop": "nested", "parallel-loop": "parallel",
              "implicit-layer": "fixed-point"}
CATEGORY_HINTS = {"analysis": "analysis", "designs": "architecture", "applications": "application"}


class AlmPaper(NamedTuple):
    file: Path
    title: str
    authors: tuple[str, ...]
    year: int | None
    arxiv: str | None
    url: str | None
    venue: str | None
    category: str | None
    loop_tags: tuple[str, ...]
    aliases: tuple[str, ...]
    tags: tuple[str, ...]  # all their tags, normalised to our syntax, plus awesome-loop-models

    def to_dict(self) -> dict:
        return {"file": str(self.file), "arxiv": self.arxiv, "url": self.url, "title": self.title,
                "year": self.year, "tags": list(self.tags)}


class Coverage(NamedTuple):
    papers: list[AlmPaper]
    present: list[tuple[AlmPaper, str]]  # (paper, catalog id)
    missing: list[AlmPaper]
    problems: list[str]  # one line each: a file that is not a readable Awesome-Loop-Models paper


def papers_folder(path: Path) -> Path:
    """``PATH/papers`` for a checkout, or PATH itself when it is the papers folder; a UsageError otherwise."""
    if not path.exists():
        raise UsageError(f"no such folder: {path}")
    for folder in (path / "papers", path):
        if folder.is_dir() and any(p.suffix in (".yaml", ".yml") for p in folder.iterdir()):
            return folder
    raise UsageError(f"{path} is not an Awesome-Loop-Models checkout: it has no papers/*.yaml")


def read_checkout(path: Path) -> tuple[list[AlmPaper], list[str]]:
    """Every readable paper of a checkout, and one line for each file that is not one."""
    papers, problems = [], []
    for file in sorted(p for p in papers_folder(path).iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()):
        paper, problem = read_paper(file)
        if problem:
            problems.append(f"{file}: {problem}")
        else:
            papers.append(paper)
    return papers, problems


def read_paper(file: Path) -> tuple[AlmPaper | None, str | None]:
    """One paper file, or why it is not an Awesome-Loop-Models paper (malformed or foreign)."""
    from ..yamlio import YamlProblem, load_with_lines

    text, problem = read_text(file)
    if problem:
        return None, problem.message
    try:
        data = load_with_lines(text)[0]
    except YamlProblem as exc:
        return None, f"{exc.message}" + (f" (line {exc.line})" if exc.line else "")
    if not isinstance(data, dict):
        return None, f"not an Awesome-Loop-Models paper: the root is {type(data).__name__}, not a mapping"
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        return None, "not an Awesome-Loop-Models paper: no title"
    authors = data.get("authors") or []
    if not isinstance(authors, list) or not all(isinstance(a, str) and a.strip() for a in authors):
        return None, "authors must be a list of names"
    links = data.get("links") if isinstance(data.get("links"), dict) else {}
    arxiv, bad = _arxiv_of(links.get("arxiv"), file.stem)
    if bad:
        return None, bad
    url = next((links[k] for k in LINK_KEYS if isinstance(links.get(k), str) and links[k].startswith("http")), None)
    if arxiv is None and url is None:
        return None, "no arXiv id and no link to the paper"
    aliases = tuple(str(a) for a in _strings(data.get("tags")))
    loop_tags = tuple(_strings(data.get("mechanism_tags")))
    raw_tags = [*loop_tags, *_strings(data.get("domain_tags")), *aliases, *_strings(data.get("focus_tags"))]
    tags = tuple(dict.fromkeys(t for t in (*map(normalise_tag, raw_tags), SOURCE_TAG) if t))
    return AlmPaper(
        file=file, title=" ".join(title.split()), authors=tuple(a.strip() for a in authors),
        year=_first_year(data, arxiv), arxiv=arxiv, url=url,
        venue=str(data["venue"]).strip() if data.get("venue") not in (None, "", "arXiv") else None,
        category=str(data["category"]) if data.get("category") else None,
        loop_tags=loop_tags, aliases=aliases, tags=tags,
    ), None


def coverage(papers: list[AlmPaper], problems: list[str], catalog: Mapping[str, Entry]) -> Coverage:
    """Split the papers into those the catalog has (by arXiv id, else by title) and those it lacks."""
    by_arxiv = {e.arxiv: e.id for e in catalog.values() if e.arxiv}
    by_title = {_title_key(e.title): e.id for e in catalog.values()}
    present, missing = [], []
    for paper in papers:
        found = by_arxiv.get(paper.arxiv) if paper.arxiv else by_title.get(_title_key(paper.title))
        if found:
            present.append((paper, found))
        else:
            missing.append(paper)
    return Coverage(papers, present, missing, problems)


def skeleton_for(paper: AlmPaper, tax: Taxonomy) -> tuple[str, str]:
    """The id and YAML text of a skeleton entry for a paper (classification left to the contributor)."""
    entry_id = default_id(paper.arxiv) if paper.arxiv else _slug(paper.file.stem)
    hints = [f"Awesome-Loop-Models: category {paper.category or '-'}, loop mechanism "
             f"{', '.join(paper.loop_tags) or '-'}"]
    suggested = [f"loop_topology: {LOOP_HINTS[t]}" for t in paper.loop_tags if LOOP_HINTS.get(t)]
    if paper.category in CATEGORY_HINTS:
        suggested.append(f"contribution: {CATEGORY_HINTS[paper.category]}")
    if suggested:
        hints.append(f"which suggests {', '.join(suggested)}")
    text = skeleton_text(
        tax, entry_id=entry_id, origin=f"`rt-explore import alm` from {paper.file.name}", arxiv=paper.arxiv,
        url=None if paper.arxiv else paper.url, title=paper.title, authors=paper.authors, year=paper.year,
        venue=paper.venue, name_hint=f"Awesome-Loop-Models calls it {paper.aliases[0]}" if paper.aliases else None,
        tags=paper.tags, hints=hints,
    )
    return entry_id, text


def normalise_tag(raw: str) -> str | None:
    """A tag in our syntax: ``Neural GPU`` -> ``neural-gpu``; None when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", str(raw)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug if slug and ID_RE.match(slug) else None


def _arxiv_of(link: object, stem: str) -> tuple[str | None, str | None]:
    """The arXiv id from links.arxiv, else from the file name; (None, why) when links.arxiv is malformed."""
    if isinstance(link, str) and link.strip():
        text = ARXIV_SUFFIX.sub("", ARXIV_PREFIX.sub("", link.strip()))
        if NEW_ARXIV_RE.match(text) or OLD_ARXIV_RE.match(text):
            return text, None
        return None, f"links.arxiv is not an arXiv link: {link!r}"
    if NEW_ARXIV_RE.match(stem):
        return stem, None
    return None, None


def _first_year(data: dict, arxiv: str | None) -> int | None:
    published = data.get("published_date")
    if isinstance(published, datetime.date):
        return published.year
    if isinstance(published, str) and re.match(r"^\d{4}-\d{2}-\d{2}$", published):
        return int(published[:4])
    if arxiv:
        return None  # the skeleton takes it from the id
    year = data.get("year")
    return year if isinstance(year, int) and not isinstance(year, bool) else None


def _strings(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _title_key(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", title.lower())


def _slug(stem: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")
    return slug if slug and ID_RE.match(slug) else "alm-paper"
