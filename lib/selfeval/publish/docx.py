"""The editable Word copy: ``self-evaluation-<period_end>.docx`` (python-docx, offline).

Built from the published pages themselves (their main content), so the Word copy says exactly
what the HTML pack says: a title page with the sign-off, a contents page (a Word TOC field,
filled in when Word or LibreOffice updates fields), then each page in order. Page titles are
Heading 1 and the pages' own headings Heading 2 and 3, so the navigation pane and the contents
work. Paragraphs, bullets and tables are copied as text; charts (SVG) become PNG pictures drawn
by Chromium (one headless session for the whole pack). Without Chromium a chart is replaced by
its description (its alt text) and a note saying why.
"""

from __future__ import annotations

import base64
import io
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

log = logging.getLogger("selfeval.publish")

_DATA_URI = re.compile(r"^data:image/(svg\+xml|png)(;base64)?,(.*)$", re.DOTALL)
SKIP_CLASSES = {"page-toc", "site-nav", "skip-link", "visually-hidden", "se-hidden"}
MAX_TABLE_ROWS = 60  # a longer table is cut, with a note pointing to the HTML page


@dataclass
class Block:
    """One piece of a page: ``kind`` heading|para|bullet|table|image."""

    kind: str
    text: str = ""
    level: int = 0
    rows: list[list[str]] = field(default_factory=list)
    image: bytes | None = None
    svg: str = ""


def _classes(tag) -> set[str]:
    return set(tag.get("class") or [])


def _text(tag) -> str:
    return " ".join(tag.get_text(" ").split())


def _image_block(tag) -> Block | None:
    src = str(tag.get("src") or "")
    m = _DATA_URI.match(src)
    if not m:
        return None
    kind, is_b64, payload = m.groups()
    raw = base64.b64decode(payload) if is_b64 else unquote(payload).encode("utf-8")
    alt = str(tag.get("alt") or "")
    if kind == "png":
        return Block("image", text=alt, image=raw)
    return Block("image", text=alt, svg=raw.decode("utf-8"))


def page_blocks(page_html: str) -> list[Block]:
    """The blocks of one published page's main content, in reading order."""
    from bs4 import BeautifulSoup

    from selfeval.publish.render import main_content

    soup = BeautifulSoup(main_content(page_html), "html.parser")
    blocks: list[Block] = []

    def walk(node) -> None:
        for child in node.children:
            name = getattr(child, "name", None)
            if name is None:
                text = " ".join(str(child).split())
                if text and node.name in ("div", "section", "main", "article"):
                    blocks.append(Block("para", text=text))
                continue
            if _classes(child) & SKIP_CLASSES or name in ("script", "style", "nav", "button"):
                continue
            if name in ("h1", "h2", "h3", "h4"):
                text = _text(child)
                if text:
                    blocks.append(Block("heading", text=text, level=int(name[1])))
            elif name in ("p", "figcaption", "caption", "blockquote"):
                images = child.find_all("img")
                for img in images:
                    block = _image_block(img)
                    if block:
                        blocks.append(block)
                text = _text(child)
                if text:
                    blocks.append(Block("para", text=text))
            elif name in ("ul", "ol"):
                for li in child.find_all("li", recursive=False):
                    text = _text(li)
                    if text:
                        blocks.append(Block("bullet", text=text))
            elif name == "dl":
                for dt in child.find_all("dt"):
                    dd = dt.find_next_sibling("dd")
                    blocks.append(Block("para", text=f"{_text(dt)}: {_text(dd) if dd else ''}"))
            elif name == "table":
                caption = child.find("caption")
                if caption is not None and _text(caption):
                    blocks.append(Block("para", text=_text(caption), level=-1))
                rows = [
                    [_text(cell) for cell in tr.find_all(("th", "td"))]
                    for tr in child.find_all("tr")
                ]
                rows = [r for r in rows if r]
                if rows:
                    blocks.append(Block("table", rows=rows))
            elif name == "img":
                block = _image_block(child)
                if block:
                    blocks.append(block)
            elif name == "details":
                summary = child.find("summary")
                if summary is not None:
                    blocks.append(Block("para", text=_text(summary), level=-1))
                walk(child)
            elif name == "summary":
                continue
            else:
                walk(child)

    walk(soup)
    return blocks


# --- charts: SVG to PNG with Chromium -------------------------------------------------------

_SVG_SIZE = re.compile(r'<svg[^>]*?width="([\d.]+)(?:px|pt)?"[^>]*?height="([\d.]+)(?:px|pt)?"')
SCALE = 2  # device pixels per CSS pixel: sharp when printed


def _svg_size(svg: str) -> tuple[int, int]:
    m = _SVG_SIZE.search(svg)
    return (int(float(m.group(1))), int(float(m.group(2)))) if m else (800, 400)


def svgs_to_png(svgs: Sequence[str], timeout: float = 120) -> list[bytes | None]:
    """Each SVG as PNG bytes (white background, twice the display size), drawn in one headless
    Chromium session; every item None (logged) when Chromium is missing or fails."""
    if not svgs:
        return []
    try:
        from selfeval.browser import BrowserFailed, BrowserMissing, devtools
    except ImportError:  # pragma: no cover - browser is part of the package
        return [None] * len(svgs)
    out: list[bytes | None] = []
    try:
        with devtools(timeout) as session:
            for svg in svgs:
                width, height = _svg_size(svg)
                session.call(
                    "Emulation.setDeviceMetricsOverride",
                    width=width,
                    height=height,
                    deviceScaleFactor=SCALE,
                    mobile=False,
                )
                inline = svg[svg.find("<svg") :] if "<svg" in svg else svg
                html = (
                    "<!DOCTYPE html><html><body style='margin:0;background:#fff'>"
                    f"{inline}</body></html>"
                )
                frame = session.call("Page.getFrameTree")["frameTree"]["frame"]["id"]
                session.call("Page.setDocumentContent", frameId=frame, html=html)
                shot = session.call(
                    "Page.captureScreenshot",
                    format="png",
                    clip={"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
                )
                out.append(base64.b64decode(shot["data"]))
    except (BrowserMissing, BrowserFailed, OSError, ImportError) as err:
        log.warning("Charts left out of the Word copy (Chromium: %s)", err)
        return [None] * len(svgs)
    return out


# --- the document ---------------------------------------------------------------------------


def _add_toc(document, titles: Sequence[str] = ()) -> None:
    """A Word TOC field (headings 1-2) that Word/LibreOffice fill in when fields update; until
    then it lists the page titles (``titles``)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph = document.add_paragraph()
    run = paragraph.add_run()
    parts = [
        ("begin", None),
        (None, 'TOC \\o "1-2" \\h \\z \\u'),
        ("separate", None),
        (None, None),
        ("end", None),
    ]
    for kind, instr in parts:
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            run._r.append(el)
        elif instr:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = instr
            run._r.append(el)
        else:
            lines = [*titles, "(Update the field, F9 in Word, for page numbers.)"]
            for i, line in enumerate(lines):
                if i:
                    run._r.append(OxmlElement("w:br"))
                text = OxmlElement("w:t")
                text.set(qn("xml:space"), "preserve")
                text.text = line
                run._r.append(text)
    settings = document.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings.append(update)


def _add_table(document, rows: list[list[str]], note_href: str) -> None:
    width = max(len(r) for r in rows)
    shown = rows[: MAX_TABLE_ROWS + 1]
    table = document.add_table(rows=len(shown), cols=width)
    table.style = "Table Grid"
    for i, row in enumerate(shown):
        for j in range(width):
            cell = table.cell(i, j)
            cell.text = row[j] if j < len(row) else ""
            if i == 0:
                for run in cell.paragraphs[0].runs:
                    run.bold = True
    if len(rows) > len(shown):
        document.add_paragraph(
            f"The table continues ({len(rows) - 1} rows in all): see {note_href} in the HTML pack."
        )


def write_docx(
    out: Path,
    *,
    title: str,
    subtitle: str,
    signoff: str,
    pages: Sequence[tuple[str, str, list[Block]]],
    facts: Sequence[tuple[str, str]] = (),
) -> Path:
    """Write the Word copy: ``pages`` are (title, href, blocks) in pack order; each block's
    charts must already carry PNG bytes (``attach_pngs``) or they are replaced by their text."""
    from docx import Document
    from docx.enum.text import WD_BREAK
    from docx.shared import Cm

    document = Document()
    document.core_properties.title = title
    document.core_properties.subject = subtitle
    document.add_paragraph(title, style="Title")
    document.add_paragraph(subtitle, style="Subtitle")
    for key, value in facts:
        document.add_paragraph(f"{key}: {value}")
    document.add_paragraph(f"Sign-off. {signoff}", style="Intense Quote")
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.add_heading("Contents", level=1)
    _add_toc(document, [page_title for page_title, _href, _blocks in pages])
    section = document.sections[0]
    usable = section.page_width - section.left_margin - section.right_margin
    for page_title, href, blocks in pages:
        document.add_page_break()
        document.add_heading(page_title, level=1)
        first_h1 = True
        for block in blocks:
            if block.kind == "heading":
                if block.level == 1 and first_h1:
                    first_h1 = False
                    continue  # the page title, already written
                document.add_heading(block.text, level=min(max(block.level, 2), 3))
            elif block.kind == "para":
                paragraph = document.add_paragraph(block.text)
                if block.level == -1:
                    for run in paragraph.runs:
                        run.italic = True
            elif block.kind == "bullet":
                document.add_paragraph(block.text, style="List Bullet")
            elif block.kind == "table":
                _add_table(document, block.rows, href)
            elif block.kind == "image":
                if block.image:
                    run = document.add_paragraph().add_run()
                    picture = run.add_picture(io.BytesIO(block.image), width=min(usable, Cm(16)))
                    # the alt text as the picture's description (screen readers); the page's
                    # own visible caption follows as a paragraph
                    picture._inline.docPr.set("descr", block.text or "Chart")
                else:
                    document.add_paragraph(
                        f"[Chart not drawn in this copy: {block.text or 'no description'}]"
                    )
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(out))
    return out


def attach_pngs(pages: Sequence[tuple[str, str, list[Block]]]) -> int:
    """Draw every chart of ``pages`` as PNG (in place); the number drawn."""
    charts = [b for _t, _h, blocks in pages for b in blocks if b.kind == "image" and b.svg]
    pngs = svgs_to_png([b.svg for b in charts])
    for block, png in zip(charts, pngs, strict=True):
        block.image = png
    return sum(1 for png in pngs if png)


def docx_name(period_end: str) -> str:
    return f"self-evaluation-{period_end}.docx"


def write_pack_docx(
    build_dir: Path,
    pages: Sequence[tuple[str, Path]],
    *,
    period_end: str,
    title: str,
    subtitle: str,
    signoff: str,
    facts: Sequence[tuple[str, str]] = (),
) -> Path:
    """The Word copy of the published ``pages`` ((title, file) in pack order) in ``build_dir``."""
    parsed = []
    for page_title, path in pages:
        path = Path(path)
        if not path.is_file():
            log.warning("Word copy: page not found, left out: %s", path)
            continue
        parsed.append((page_title, path.name, page_blocks(path.read_text(encoding="utf-8"))))
    attach_pngs(parsed)
    return write_docx(
        Path(build_dir) / docx_name(period_end),
        title=title,
        subtitle=subtitle,
        signoff=signoff,
        pages=parsed,
        facts=facts,
    )


__all__ = [
    "Block",
    "attach_pngs",
    "docx_name",
    "page_blocks",
    "svgs_to_png",
    "write_docx",
    "write_pack_docx",
]
