"""A small, safe Markdown reader for the reports in ``docs/``: the subset they use, escaped throughout.

Headings, paragraphs, pipe tables, fenced code, bullet and numbered lists, images and links; inline code,
bold and emphasis. Every piece of text is HTML-escaped before any markup is added, links keep only
http(s) and relative targets, and raw HTML in the source is shown as text: a report cannot inject
markup into the site. Relative links and images are handed to ``resolve``, which returns the target to
use (or None to drop the link and keep its text).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

Resolve = Callable[[str, bool], str | None]  # (target, is_image) -> href/src or None

_FENCE = re.compile(r"^(```|~~~)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_IMAGE_LINE = re.compile(r"^\s*!\[([^\]]*)\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)\s*$")
_INLINE = re.compile(
    r"(`+)(.+?)\1"  # code
    r"|!\[([^\]]*)\]\(([^)\s]+)\)"  # image
    r"|\[([^\]]+)\]\(([^)\s]+)\)"  # link
    r"|\*\*(.+?)\*\*"  # strong
    r"|(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"  # emphasis
)


def safe_href(target: str, resolve: Resolve | None, image: bool = False) -> str | None:
    """The href for a link target: http(s) as is, relative ones through ``resolve``; anything else None."""
    target = target.strip()
    if re.match(r"^https?://", target, flags=re.I):
        return None if image else target  # the site works offline: no remote images
    if re.match(r"^[a-z][a-z0-9+.-]*:", target, flags=re.I) or target.startswith("//"):
        return None  # javascript:, data:, mailto: and other schemes
    return resolve(target, image) if resolve else None


def inline(text: str, resolve: Resolve | None = None) -> str:
    """One line of Markdown as escaped HTML."""
    out = []
    pos = 0
    for m in _INLINE.finditer(text):
        out.append(html.escape(text[pos:m.start()]))
        pos = m.end()
        code, image_alt, image_src, link_text, link_target, strong, em = (
            m.group(2), m.group(3), m.group(4), m.group(5), m.group(6), m.group(7), m.group(8))
        if code is not None:
            out.append(f"<code>{html.escape(code)}</code>")
        elif image_src is not None:
            src = safe_href(image_src, resolve, image=True)
            out.append(f'<img src="{html.escape(src)}" alt="{html.escape(image_alt)}" loading="lazy">' if src
                       else html.escape(image_alt))
        elif link_target is not None:
            href = safe_href(link_target, resolve)
            label = inline(link_text, resolve)
            out.append(f'<a href="{html.escape(href)}">{label}</a>' if href else label)
        elif strong is not None:
            out.append(f"<strong>{inline(strong, resolve)}</strong>")
        else:
            out.append(f"<em>{inline(em, resolve)}</em>")
    out.append(html.escape(text[pos:]))
    return "".join(out)


def _cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)]


def render(text: str, resolve: Resolve | None = None, *, shift: int = 1) -> str:
    """Markdown to HTML. ``shift`` lowers heading levels (a report's '#' becomes <h2> under the page's <h1>)."""
    lines = text.splitlines()
    out: list[str] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            out.append(f"<p>{inline(' '.join(s.strip() for s in para), resolve)}</p>")
            para.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        if _FENCE.match(line):
            flush()
            fence = _FENCE.match(line).group(1)
            body = []
            i += 1
            while i < len(lines) and not lines[i].startswith(fence):
                body.append(lines[i])
                i += 1
            out.append(f"<pre><code>{html.escape(chr(10).join(body))}</code></pre>")
            i += 1
            continue
        if not line.strip():
            flush()
            i += 1
            continue
        heading = _HEADING.match(line)
        if heading:
            flush()
            level = min(6, len(heading.group(1)) + shift)
            out.append(f"<h{level}>{inline(heading.group(2), resolve)}</h{level}>")
            i += 1
            continue
        if "|" in line and i + 1 < len(lines) and _TABLE_RULE.match(lines[i + 1]):
            flush()
            head = _cells(line)
            i += 2
            rows = []
            while i < len(lines) and "|" in lines[i] and lines[i].strip():
                rows.append(_cells(lines[i]))
                i += 1
            th = "".join(f'<th scope="col">{inline(c, resolve)}</th>' for c in head)
            body = "".join("<tr>" + "".join(f"<td>{inline(c, resolve)}</td>" for c in row) + "</tr>" for row in rows)
            out.append(f'<div class="scroll"><table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table></div>')
            continue
        image = _IMAGE_LINE.match(line)
        if image:
            flush()
            src = safe_href(image.group(2), resolve, image=True)
            alt = html.escape(image.group(1))
            out.append(f'<figure><img src="{html.escape(src)}" alt="{alt}" loading="lazy">'
                       f"<figcaption>{alt}</figcaption></figure>" if src else f"<p>{alt}</p>")
            i += 1
            continue
        for pattern, tag in ((_BULLET, "ul"), (_NUMBERED, "ol")):
            if pattern.match(line):
                flush()
                items: list[str] = []
                while i < len(lines) and lines[i].strip():
                    m = pattern.match(lines[i])
                    if m:
                        items.append(m.group(1))
                    elif items and lines[i].startswith((" ", "\t")):
                        items[-1] += " " + lines[i].strip()  # a continuation line of the item
                    else:
                        break
                    i += 1
                out.append(f"<{tag}>" + "".join(f"<li>{inline(item, resolve)}</li>" for item in items) + f"</{tag}>")
                break
        else:
            para.append(line)
            i += 1
    flush()
    return "\n".join(out)


def title_of(text: str) -> str | None:
    """The first heading of a Markdown text."""
    for line in text.splitlines():
        m = _HEADING.match(line)
        if m:
            return m.group(2)
    return None
