"""Small, safe HTML building blocks for the pages.

Everything that came from data or params (team names, notes, commentary) is escaped here; only
`Markup` values built by this package are emitted as HTML. A table column that carries `Markup`
is built with `cells` or `html_frame` (object dtype): pandas 3 stores any other all-text column
as its string dtype, which turns `Markup` into plain `str`, and `html_table` would escape it.
Class names (for the publishing template's stylesheet): ``se-table``,
``rag rag-<green|amber|red|none>``, ``num``, ``se-flag``, ``se-caption``, ``se-note``,
``se-findings``, ``se-commentary``, ``se-missing``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import Any

import mistune
import numpy as np
import pandas as pd
from markupsafe import Markup

__all__ = [
    "Markup",
    "esc",
    "link",
    "rag_badge",
    "flag",
    "html_table",
    "cells",
    "html_frame",
    "bullets",
    "paragraph",
    "markdown_to_html",
    "strip_html",
    "text_html",
]

_RAG_WORDS = {"green": "Green", "amber": "Amber", "red": "Red"}
_RAG_COLOURS = {"green": "#00703c", "amber": "#8a4b00", "red": "#b0120a"}


def esc(value: object) -> str:
    """Escape any value for HTML; blanks (None, NaN, NA) become an empty string."""
    if isinstance(value, Markup):
        return str(value)
    if value is None:
        return ""
    try:
        if pd.isna(value):  # type: ignore[arg-type]
            return ""
    except (TypeError, ValueError):
        pass
    return html.escape(str(value), quote=True)


def link(text: object, href: str) -> Markup:
    """An anchor; both the text and the address are escaped."""
    return Markup(f'<a href="{html.escape(href, quote=True)}">{esc(text)}</a>')


def rag_badge(rating: object) -> Markup:
    """A RAG rating as a coloured badge that also says the word (never colour alone)."""
    key = str(rating or "").strip().lower()
    if key == "suppressed":
        return Markup('<span class="rag rag-none">Suppressed (small numbers)</span>')
    if key not in _RAG_WORDS:
        return Markup('<span class="rag rag-none">Not rated</span>')
    return Markup(
        f'<span class="rag rag-{key}" style="color:{_RAG_COLOURS[key]};font-weight:700">'
        f"&#9679; {_RAG_WORDS[key]}</span>"
    )


def flag(text: object) -> Markup:
    """A highlighted warning word, e.g. 'Overdue'."""
    return Markup(f'<strong class="se-flag" style="color:#d4351c">&#9888; {esc(text)}</strong>')


def cells(values: Iterable[object], index: Any = None) -> pd.Series:
    """Table cells as an object-dtype column, so `Markup` values stay `Markup`."""
    return pd.Series(list(values), index=index, dtype=object)


def html_frame(
    data: Iterable[Mapping[str, Any]] | Mapping[str, Iterable[Any]],
) -> pd.DataFrame:
    """A table's cells, given as rows (dicts) or as columns (a dict of lists or Series), as a
    DataFrame for `html_table`: a column holding any `Markup` keeps it (`cells`); the others
    are typed as pandas infers them (numbers stay numeric, so they are right-aligned)."""
    if isinstance(data, Mapping):
        columns = {k: v if isinstance(v, pd.Series) else list(v) for k, v in data.items()}
        frame = pd.DataFrame(columns)
    else:
        rows = list(data)
        frame = pd.DataFrame(rows)
        columns = {k: [row.get(k, np.nan) for row in rows] for k in frame.columns}
    for col, values in columns.items():
        if any(isinstance(v, Markup) for v in values):
            # a Series carrying Markup is object dtype already; a list is positional
            frame[col] = values if isinstance(values, pd.Series) else cells(values, frame.index)
    return frame


def html_table(
    frame: pd.DataFrame,
    *,
    caption: str | None = None,
    index: bool = False,
    numeric_columns: Iterable[str] = (),
    css_class: str = "se-table",
) -> str:
    """Render a DataFrame as an accessible HTML table.

    Cells are escaped unless they are `Markup` (built by this package). Column headings and the
    caption are escaped too. Numeric columns (and those named) are right-aligned.
    """
    frame = frame.reset_index() if index else frame
    right = set(numeric_columns) | {
        c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])
    }
    out = [f'<table class="{esc(css_class)}">']
    if caption:
        out.append(f'<caption class="se-caption">{esc(caption)}</caption>')
    out.append("<thead><tr>")
    for col in frame.columns:
        num = ' class="num"' if col in right else ""
        out.append(f'<th scope="col"{num}>{esc(col)}</th>')
    out.append("</tr></thead><tbody>")
    for row in frame.itertuples(index=False, name=None):
        out.append("<tr>")
        for col, value in zip(frame.columns, row, strict=True):
            align = ' class="num"' if col in right else ""
            out.append(f"<td{align}>{esc(value)}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def bullets(items: Iterable[object], *, css_class: str = "") -> str:
    """An unordered list of escaped (or Markup) items; empty string when there are none."""
    items = list(items)
    if not items:
        return ""
    cls = f' class="{esc(css_class)}"' if css_class else ""
    return f"<ul{cls}>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


def paragraph(text: object, *, css_class: str = "") -> str:
    cls = f' class="{esc(css_class)}"' if css_class else ""
    return f"<p{cls}>{esc(text)}</p>"


_TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.DOTALL)


def strip_html(text: str) -> str:
    """Remove raw HTML tags and comments (the text between tags is kept)."""
    previous = None
    while previous != text:  # nested/obfuscated tags like <scr<b>ipt>
        previous, text = text, _TAG.sub("", text)
    return text


_markdown = mistune.create_markdown(escape=True, plugins=["table", "strikethrough"])


def markdown_to_html(text: str) -> str:
    """Analyst Markdown to HTML: raw HTML is stripped, anything left is escaped, and links
    may only point at http(s), mailto or relative addresses."""
    rendered = str(_markdown(strip_html(text or "")))
    # headings inside commentary sit below the page's own h2/h3 structure
    rendered = re.sub(
        r"<(/?)h([1-6])\b", lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + 3, 6)}", rendered
    )
    return re.sub(
        r'href="(?!https?:|mailto:|#|[^":]*(?:"|$))[^"]*"',
        'href="#"',
        rendered,
    )


def text_html(text: str, *, css_class: str = "") -> str:
    """Fixed page wording written in Markdown (params/pages.yaml ``text:``) as paragraphs,
    each with ``css_class``; rendered as `markdown_to_html` renders commentary, apostrophes
    escaped as `esc` escapes them (so moved wording renders byte for byte as it did)."""
    rendered = markdown_to_html(text).strip().replace("'", "&#x27;")
    if css_class:
        rendered = rendered.replace("<p>", f'<p class="{esc(css_class)}">')
    return rendered


def definition_list(items: Mapping[str, object]) -> str:
    """A <dl> of escaped terms and descriptions (descriptions may be Markup)."""
    out = ["<dl>"]
    for term, desc in items.items():
        out.append(f"<dt>{esc(term)}</dt><dd>{esc(desc)}</dd>")
    out.append("</dl>")
    return "".join(out)
