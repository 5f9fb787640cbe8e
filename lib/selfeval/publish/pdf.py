"""The board pack: every page of the pack in one printable document, printed by Chromium."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path

from selfeval.browser import BrowserFailed, BrowserMissing, print_to_pdf, require_chromium
from selfeval.publish.render import CONTENT_END, CONTENT_START, _write, escape, main_content

log = logging.getLogger("selfeval.publish")

BOARD_PACK_HTML = "board-pack.html"
PDF_TIMEOUT_SECONDS = 300
_HEAD = re.compile(r"<head>.*?</head>", re.DOTALL | re.IGNORECASE)
_BANNER = re.compile(r'<header class="banner">.*?</header>', re.DOTALL)
_TITLE = re.compile(r"<title>.*?</title>", re.DOTALL)


def board_pack_html(pages: Sequence[Path]) -> str:
    """One HTML document with each page's content in order, each starting a printed page."""
    texts = [Path(p).read_text(encoding="utf-8") for p in pages if Path(p).is_file()]
    if not texts:
        raise ValueError("no pages to print")
    head_match = _HEAD.search(texts[0])
    head = head_match.group(0) if head_match else "<head><meta charset='utf-8'></head>"
    head = _TITLE.sub(f"<title>{escape('Board pack')}</title>", head, count=1)
    banner = _BANNER.search(texts[0])
    sections = "\n".join(
        f'<section class="pack-page">{CONTENT_START}{main_content(t)}{CONTENT_END}</section>'
        for t in texts
    )
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n{head}\n<body class="selfeval board-pack">\n'
        f"{banner.group(0) if banner else ''}\n<main>\n{sections}\n</main>\n</body>\n</html>\n"
    )


def print_pdf(build_dir: Path, pages: Sequence[Path], out_pdf: Path) -> Path | None:
    """Print the pages (cover first) as one board-pack PDF with Debian's Chromium.

    Raises BrowserMissing (with how to install Chromium) when it is not installed; returns
    None, after logging why, when Chromium fails or times out, so the HTML pack still publishes.
    """
    require_chromium()
    missing = [p for p in pages if not Path(p).is_file()]
    if missing:
        log.warning("Board pack: pages not found, left out: %s", ", ".join(map(str, missing)))
    html = _write(Path(build_dir) / BOARD_PACK_HTML, board_pack_html(pages))
    try:
        return print_to_pdf(html, Path(out_pdf), timeout=PDF_TIMEOUT_SECONDS)
    except BrowserFailed as err:
        log.warning("The board pack PDF could not be printed: %s", err)
        return None


__all__ = ["BrowserMissing", "print_pdf", "board_pack_html"]
