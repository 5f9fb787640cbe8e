"""What a reader reads on a published page: its prose, and whether it repeats itself."""

from __future__ import annotations

from selfeval.narrative import repeated_sentences

PROSE_TAGS = ("h1", "h2", "h3", "h4", "p", "li", "blockquote", "figcaption")


def page_prose(page_html: str) -> str:
    """The visible prose of a page's main content (headings, paragraphs, list items, quotes),
    one block a line. Data are left out: tables and label/value lists (``<dl>``: the facts of
    a page, an objective's fields, a measure's definition), as are navigation, scripts and
    attributes (alt text)."""
    from bs4 import BeautifulSoup

    from selfeval.publish.render import main_content

    soup = BeautifulSoup(main_content(page_html), "html.parser")
    for tag in soup(["script", "style", "nav", "table", "dl"]):
        tag.decompose()
    blocks = []
    for tag in soup.find_all(PROSE_TAGS):
        if tag.find(PROSE_TAGS):  # a container: its own children are read instead
            continue
        text = " ".join(tag.get_text(" ").split())
        if text:
            blocks.append(text)
    return "\n".join(blocks)


def page_repetitions(page_html: str, *, min_words: int = 8, limit: int = 3) -> dict[str, int]:
    """Sentences of ``min_words`` or more words repeated more than ``limit`` times on a page."""
    return repeated_sentences(page_prose(page_html), min_words=min_words, limit=limit)


__all__ = ["page_prose", "page_repetitions"]
