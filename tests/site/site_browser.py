"""Headless Chromium for the site tests, offline: the distribution's Chromium driven by Playwright.

Playwright's Python package normally downloads its own browsers; here it is pointed at the system
Chromium (``executable_path``) and nothing is ever downloaded. The network is cut three ways: a proxy
on a dead port, Playwright's offline emulation, and the background-networking switches (without them
Chromium tries Google's hosts at every start). Every request the page makes is recorded, so a test can
assert that nothing but file:// was asked for.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
OFFLINE_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--proxy-server=http://127.0.0.1:9",  # the discard port: any request that escapes goes nowhere
    "--proxy-bypass-list=<-loopback>",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",
    "--allow-file-access-from-files",
]


def chromium_path() -> str | None:
    """The system Chromium: $RT_EXPLORE_CHROMIUM, else the first of the usual names on PATH."""
    env = os.environ.get("RT_EXPLORE_CHROMIUM")
    if env:
        return env if Path(env).exists() else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    if chromium_path() is None:
        return "no system Chromium (apt-get install -y chromium)"
    return None


@contextmanager
def offline_browser():
    """A Chromium browser with no network; yields a function that opens a recorded page."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=OFFLINE_ARGS, headless=True)
        try:
            context = browser.new_context(offline=True, viewport={"width": 1280, "height": 900})
            yield context
        finally:
            browser.close()


class Recorder:
    """Console errors, uncaught exceptions, dialogs and non-file requests of one page."""

    def __init__(self, page):
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda m: self.errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        page.on("request", lambda r: None if r.url.startswith("file://") else self.requests.append(r.url))
        page.on("dialog", self._dialog)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


def url(site: Path, path: str, fragment: str = "") -> str:
    """The file:// address of a page of the site."""
    return (site / path).as_uri() + (f"#{fragment}" if fragment else "")


def shoot(site: Path, out_dir: Path, entry_id: str = "universal-transformer", context=None) -> list[Path]:
    """Screenshots of the index and one entry page, for a person to look at."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if context is None:
        with offline_browser() as own:
            return shoot(site, out_dir, entry_id, own)
    shots = []
    page = context.new_page()
    try:
        for name, path in (("site-index.png", "index.html"), ("site-entry.png", f"entry/{entry_id}.html")):
            page.goto(url(site, path))
            target = out_dir / name
            page.screenshot(path=str(target), full_page=True)
            shots.append(target)
    finally:
        page.close()
    return shots


def main() -> None:
    """Rebuild the site from the built-in catalog and the checkout's docs/, and refresh the screenshots in docs/."""
    import sys
    import tempfile

    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root))
    from rt_explore.catalog import load_catalog
    from rt_explore.site import build_site

    reason = missing()
    if reason:
        raise SystemExit(f"cannot take screenshots: {reason}")
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        built = build_site(load_catalog(), site, docs=root / "docs")
        for shot in shoot(site, root / "docs"):
            print(f"wrote {shot.relative_to(root)} ({built.entries} entries)")


if __name__ == "__main__":
    main()
