"""Render executed notebooks and generated pages into the reader's HTML pack.

Every page goes through one nbconvert exporter with the ``selfeval`` template, so all pages
share the same house style, navigation and print CSS, and none loads anything from the network.
"""

from __future__ import annotations

import copy
import functools
import html
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
CONTENT_START = "<!--selfeval:content-start-->"
CONTENT_END = "<!--selfeval:content-end-->"
IMAGE_MIMES = ("image/png", "image/jpeg", "image/svg+xml")
REMOVE_TAGS = frozenset(
    {"remove-cell", "remove_cell", "remove-output", "remove_output", "papermill-error-cell-tag"}
)
DEFAULT_ALT = "Chart (no text description was provided)"

escape = html.escape
_render_lock = threading.Lock()


@dataclass(frozen=True)
class NavItem:
    """One link in the pack's navigation bar."""

    title: str
    href: str


@dataclass(frozen=True)
class PackText:
    """The fixed wording of the pages the run writes itself, one paragraph of trusted HTML each
    (params/pages.yaml ``text:``, the key of each field's name; `pipeline.pack_text`)."""

    index_intro: str
    index_ilacs: str
    index_no_summary: str
    failed_section_what_to_do: str
    failed_section_others: str
    ilacs_page_failed: str = field(metadata={"css_class": "notice"})
    quality_intro: str
    quality_no_problems: str


@functools.cache
def _exporter():
    """The one HTML exporter shared by every page of every run in this process."""
    from nbconvert import HTMLExporter, TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class ReaderExporter(HTMLExporter):
        """nbconvert's HTML exporter without its last step, which parses the whole page again
        with BeautifulSoup (a third of a page's export time) to give images without alt text
        a placeholder and make every output area a tab stop: `make_inert` gives such images
        alt text, and a reader page's outputs never scroll, so they need no tab stops."""

        def from_notebook_node(self, nb, resources=None, **kw):
            info = nb.metadata.get("language_info", {})
            lexer = info.get("pygments_lexer", info.get("name", None))
            highlight = self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)
            )
            resources = self._init_resources(resources)
            data_types = WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources
            )
            self.register_filter("highlight_code", highlight)
            self.register_filter("filter_data_type", data_types)
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return ReaderExporter(
        template_name="selfeval",
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        # validate the notebook once, after the preprocessors, not after each of the 12
        optimistic_validation=True,
    )


# --- notebook clean-up -------------------------------------------------------------------------


def _is_hidden_output(output: Mapping[str, Any]) -> bool:
    """Errors and stderr are for the log, never for the reader."""
    kind = output.get("output_type")
    if kind == "error":
        return True
    if kind == "stream" and output.get("name") != "stdout":
        return True
    data = output.get("data") or {}
    return "application/vnd.jupyter.stderr" in data


def _plain_text(output: Mapping[str, Any]) -> str:
    """Readable text of a non-image output, or '' (ignores reprs like '<Figure size …>')."""
    if output.get("output_type") == "stream":
        text = output.get("text", "")
    else:
        data = output.get("data") or {}
        if any(m in data for m in IMAGE_MIMES):
            return ""
        text = data.get("text/markdown") or data.get("text/plain") or ""
    text = " ".join(str(text).split())
    if re.fullmatch(r"<[^>]*>", text):
        return ""
    return text


def _first_sentence(markdown: str) -> str:
    """First sentence of a markdown cell, without markup, headings or link targets."""
    lines = [ln for ln in markdown.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    text = " ".join(" ".join(lines).split())
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[*_`>|]", "", text).strip()
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    return (match.group(1) if match else text)[:400]


def _image_alt(output: Mapping[str, Any]) -> str | None:
    md = output.get("metadata") or {}
    for mime in IMAGE_MIMES:
        if isinstance(md.get(mime), Mapping) and md[mime].get("alt"):
            return str(md[mime]["alt"])
    return str(md["alt"]) if md.get("alt") else None


def _fallback_alt(cell, index: int, cells, position: int) -> str:
    """Alt text for a chart without its own: cell metadata, text after it, or the next markdown."""
    if cell.get("metadata", {}).get("alt"):
        return str(cell["metadata"]["alt"])
    for later in cell.get("outputs", [])[position + 1 :]:
        if not _is_hidden_output(later) and (text := _plain_text(later)):
            return text[:400]
    for nxt in cells[index + 1 :]:
        if nxt.get("cell_type") == "markdown":
            return _first_sentence(nxt.get("source", "")) or DEFAULT_ALT
        if nxt.get("cell_type") == "code" and nxt.get("outputs"):
            break
    return DEFAULT_ALT


def reader_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of an executed notebook fit for readers: no errors, stderr, hidden cells; alt text."""
    nb = copy.deepcopy(nb)
    cells = [c for c in nb.cells if not REMOVE_TAGS & set(c.get("metadata", {}).get("tags", []))]
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        outputs = cell.get("outputs", [])
        for position, output in enumerate(outputs):
            if any(m in (output.get("data") or {}) for m in IMAGE_MIMES) and not _image_alt(output):
                output.setdefault("metadata", {})["alt"] = _fallback_alt(
                    cell, index, cells, position
                )
        cell["outputs"] = [o for o in outputs if not _is_hidden_output(o)]
    nb.cells = cells
    return nb


# --- page furniture ----------------------------------------------------------------------------


def _info(pack_info: Mapping[str, str], key: str, default: str = "") -> str:
    value = pack_info.get(key)
    return default if value is None or str(value) == "" else str(value)


def _banner_html(pack_info: Mapping[str, str]) -> str:
    la = _info(pack_info, "local_authority", "Local authority")
    service = _info(pack_info, "service")
    period = _info(pack_info, "period_label") or _info(pack_info, "period_end")
    extract = _info(pack_info, "extract_date")
    meta = ["Self-evaluation"]
    if period:
        meta.append(period)
    if extract:
        meta.append(f"data extracted {extract}")
    if pack_info:
        meta.append("final" if _info(pack_info, "signoff_status") == "final" else "DRAFT")
    name = f"{la}: {service}" if service else la
    return (
        '<header class="banner">'
        f'<p class="banner-la">{escape(name)}</p>'
        f'<p class="banner-meta">{escape(" · ".join(meta))}</p>'
        "</header>"
    )


def nav_html(nav: Sequence[NavItem], current_href: str) -> str:
    """The navigation bar; the current page is marked with aria-current."""
    if not nav:
        return ""
    items = []
    for item in nav:
        current = ' aria-current="page"' if item.href == current_href else ""
        items.append(f'<li><a href="{escape(item.href)}"{current}>{escape(item.title)}</a></li>')
    return (
        f'<nav class="site-nav" aria-label="Self-evaluation pack"><ul>{"".join(items)}</ul></nav>'
    )


def _footer_html(pack_info: Mapping[str, str]) -> str:
    parts = []
    if when := _info(pack_info, "generated_at"):
        parts.append(f"Produced {escape(when)}")
    if version := _info(pack_info, "selfeval_version"):
        parts.append(f"by selfeval {escape(version)}")
    line = " ".join(parts) or "Produced by selfeval"
    command = _info(pack_info, "command")
    how = f"<p>Command: <code>{escape(command)}</code></p>" if command else ""
    marking = _info(pack_info, "protective_marking")
    mark = f"<p>{escape(marking)}</p>" if marking else ""
    return f'<footer class="site-footer"><p>{line}.</p>{how}{mark}</footer>'


def _furniture(title, nav, current_href, pack_info) -> dict[str, str]:
    la = _info(pack_info, "local_authority")
    period = _info(pack_info, "period_label") or _info(pack_info, "period_end")
    full_title = " – ".join(p for p in (title, la, period) if p)
    return {
        "title": full_title,
        "banner_html": _banner_html(pack_info),
        "nav_html": nav_html(nav, current_href),
        "footer_html": _footer_html(pack_info),
    }


# --- post-processing: headings, contents, alt text, nothing active -----------------------------

_HEADING = re.compile(r"<h([1-6])\b([^>]*)>(.*?)</h\1\s*>", re.IGNORECASE | re.DOTALL)
_ANCHOR_LINK = re.compile(r'<a\b[^>]*class="anchor-link"[^>]*>.*?</a>', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_ID = re.compile(r'\bid\s*=\s*"([^"]*)"')


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def _text_of(fragment: str) -> str:
    return " ".join(html.unescape(_TAG.sub("", fragment)).split())


def fix_headings(content: str, title: str) -> tuple[str, list[tuple[int, str, str]]]:
    """One h1 (inserted from ``title`` if missing), no skipped levels, an id on every heading.

    Returns the new content and the (level, id, text) of each h2/h3 for the contents list.
    """
    has_h1 = bool(re.search(r"<h1\b", content, re.IGNORECASE))
    state = {"h1": False, "prev": 1, "first_h2": True, "ids": set()}
    toc: list[tuple[int, str, str]] = []

    def repl(m: re.Match) -> str:
        level, attrs, inner = int(m.group(1)), m.group(2), _ANCHOR_LINK.sub("", m.group(3))
        if level == 1 and state["h1"]:
            level = 2
        level = 1 if level == 1 else min(level, state["prev"] + 1)
        state["h1"] = state["h1"] or level == 1
        state["prev"] = level
        text = _text_of(inner)
        found = _ID.search(attrs)
        ident = found.group(1) if found else _slug(text)
        base, n = ident, 2
        while ident in state["ids"]:
            ident, n = f"{base}-{n}", n + 1
        state["ids"].add(ident)
        attrs = _ID.sub("", attrs).strip()
        if level == 2 and state["first_h2"]:
            state["first_h2"] = False
            attrs = (
                attrs.replace('class="', 'class="first-section ', 1)
                if 'class="' in attrs
                else f'{attrs} class="first-section"'.strip()
            )
        if level in (2, 3):
            toc.append((level, ident, text))
        attrs = f' id="{escape(ident)}"' + (f" {attrs}" if attrs else "")
        return f"<h{level}{attrs}>{inner}</h{level}>"

    fixed = _HEADING.sub(repl, content)
    if not has_h1:
        fixed = f'<h1 id="page-title">{escape(title)}</h1>\n{fixed}'
    return fixed, toc


def toc_html(toc: Sequence[tuple[int, str, str]]) -> str:
    """A nested 'On this page' list of the page's h2/h3 headings (empty if fewer than 2 h2)."""
    if sum(1 for level, _, _ in toc if level == 2) < 2:
        return ""
    out, open_sub = ["<ol>"], False
    for i, (level, ident, text) in enumerate(toc):
        link = f'<a href="#{escape(ident)}">{escape(text)}</a>'
        if level == 2:
            if open_sub:
                out.append("</ol></li>")
                open_sub = False
            elif i:
                out.append("</li>")
            out.append(f"<li>{link}")
        else:
            if not open_sub:
                out.append("<ol>" if i else "<li><ol>")
                open_sub = True
            out.append(f"<li>{link}</li>")
    out.append("</ol></li></ol>" if open_sub else "</li></ol>")
    return (
        '<nav class="toc" aria-labelledby="toc-title">'
        '<p class="toc-title" id="toc-title"><strong>On this page</strong></p>'
        f"{''.join(out)}</nav>"
    )


_ACTIVE_BLOCKS = re.compile(
    r"<(script|iframe|object|embed|applet)\b.*?(</\1\s*>|/>)", re.IGNORECASE | re.DOTALL
)
_ACTIVE_OPEN = re.compile(
    r"<(script|iframe|object|embed|applet|base|meta\s+http-equiv)\b[^>]*>", re.IGNORECASE
)
_EVENT_ATTR = re.compile(r"""\s+on[a-z]+\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE)
_JS_URL = re.compile(r"""(href|src|action)\s*=\s*(["']?)\s*javascript:[^"'\s>]*\2""", re.I)
_REMOTE_LINK = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
_REMOTE_IMG = re.compile(r"""<img\b[^>]*\bsrc\s*=\s*["']?\s*(https?:)?//[^>]*>""", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"@import\b[^;<]*;?", re.IGNORECASE)
_CSS_REMOTE_URL = re.compile(r"""url\(\s*["']?\s*(https?:)?//[^)]*\)""", re.IGNORECASE)
_IMG_NO_ALT = re.compile(r"<img\b(?![^>]*\balt\s*=)([^>]*?)(/?)>", re.IGNORECASE)


def make_inert(content: str) -> str:
    """Drop scripts, frames, event handlers, javascript: URLs and anything fetched remotely."""
    content = _ACTIVE_BLOCKS.sub("", content)
    content = _ACTIVE_OPEN.sub("", content)
    content = _REMOTE_LINK.sub("", content)
    content = _CSS_REMOTE_URL.sub("none", _CSS_IMPORT.sub("", content))
    content = _REMOTE_IMG.sub('<span class="missing-image">[image not included]</span>', content)
    if _EVENT_ATTR.search(content) or _JS_URL.search(content):  # else no tag needs cleaning
        content = _TAG.sub(
            lambda m: _JS_URL.sub(r'\1="#"', _EVENT_ATTR.sub("", m.group(0))), content
        )
    return _IMG_NO_ALT.sub(lambda m: f'<img alt="{DEFAULT_ALT}"{m.group(1)}{m.group(2)}>', content)


def finish_page(page: str, title: str) -> str:
    """Post-process a rendered page: inert content, fixed headings, contents after the h1."""
    head, sep, rest = page.partition(CONTENT_START)
    content, sep2, tail = rest.partition(CONTENT_END)
    if not sep or not sep2:
        raise ValueError("page was not rendered with the selfeval template")
    content, toc = fix_headings(make_inert(content), title)
    contents = toc_html(toc)
    if contents:
        end = content.lower().find("</h1>") + len("</h1>")
        content = content[:end] + contents + content[end:]
    return f"{head}{CONTENT_START}{content}{CONTENT_END}{tail}"


def main_content(page: str) -> str:
    """The reader content of a rendered page (between the template's markers)."""
    _, _, rest = page.partition(CONTENT_START)
    content, found, _ = rest.partition(CONTENT_END)
    return content if found else ""


# --- public rendering API ----------------------------------------------------------------------


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def render_notebook(nb: nbformat.NotebookNode, *, title: str, nav, current_href, pack_info) -> str:
    """Render a notebook node to a finished HTML page string (no file written)."""
    resources = {"selfeval": _furniture(title, nav, current_href, pack_info)}
    with _render_lock:
        body, _ = _exporter().from_notebook_node(reader_notebook(nb), resources=resources)
    return finish_page(body, title)


def export_html(
    notebook: nbformat.NotebookNode | Path,
    html_path: Path,
    *,
    title: str,
    nav: Sequence[NavItem],
    current_href: str,
    pack_info: Mapping[str, str],
) -> Path:
    """Render an executed notebook to a standalone, offline reader page at ``html_path``."""
    nb = notebook if not isinstance(notebook, str | Path) else nbformat.read(notebook, as_version=4)
    page = render_notebook(nb, title=title, nav=nav, current_href=current_href, pack_info=pack_info)
    return _write(Path(html_path), page)


def html_page(
    html_path: Path,
    *,
    title: str,
    body_html: str,
    nav: Sequence[NavItem],
    current_href: str,
    pack_info: Mapping[str, str],
) -> Path:
    """A generated page (trusted ``body_html``; the caller escapes any text in it)."""
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(source="")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": body_html})]
    nb.cells = [cell]
    return export_html(
        nb, html_path, title=title, nav=nav, current_href=current_href, pack_info=pack_info
    )


def failed_section_html(
    html_path: Path,
    *,
    title: str,
    reason: str,
    text: PackText,
    nav: Sequence[NavItem],
    current_href: str,
    pack_info: Mapping[str, str],
) -> Path:
    """The page shown instead of a section that could not be produced (no traceback)."""
    body = (
        f"<h1>{escape(title)}</h1>"
        '<div class="notice"><p><strong>This section could not be produced:</strong> '
        f"{escape(reason)}</p></div>"
        f"<h2>What to do</h2>{text.failed_section_what_to_do}{text.failed_section_others}"
    )
    return html_page(
        html_path,
        title=title,
        body_html=body,
        nav=nav,
        current_href=current_href,
        pack_info=pack_info,
    )


def table_html(df: pd.DataFrame, *, caption: str | None = None, index: bool = False) -> str:
    """An accessible HTML table; every cell's text is escaped."""
    table = df.to_html(index=index, escape=True, border=0, na_rep="", classes="data-table")
    if caption:
        table = table.replace(">", f"><caption>{escape(caption)}</caption>", 1)
    return table.replace(' style="text-align: right;"', "")
