"""The pages the front page lists under "About the figures": how each figure is calculated, and
the data quality of the extract."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from selfeval.publish.render import NavItem, PackText, html_page, table_html

if TYPE_CHECKING:  # the measures load when the page is written
    from selfeval.config import Priority
    from selfeval.measures import Catalogue

QUALITY_HEADINGS = {
    "file": "File",
    "sheet": "Sheet",
    "table": "Table",
    "rows_read": "Rows read",
    "rows_used": "Rows used",
    "errors": "Errors",
    "warnings": "Warnings",
    "rule": "Rule",
    "severity": "Severity",
    "rows": "Problems",
}


def write_definitions_page(
    build: Path,
    catalogue: Catalogue,
    nav: Sequence[NavItem],
    pack_info: Mapping[str, str],
    priorities: Iterable[Priority] = (),
) -> Path:
    """'How each figure is calculated', one anchored entry per measure, grouped by the
    workspace's `priorities`."""
    import mistune

    from selfeval.measures import catalogue_markdown

    body = str(mistune.html(catalogue_markdown(catalogue, priorities)))
    return html_page(
        build / "definitions.html",
        title="How each figure is calculated",
        body_html=body,
        nav=nav,
        current_href="definitions.html",
        pack_info=pack_info,
    )


def readable_quality_table(frame: pd.DataFrame) -> pd.DataFrame:
    """A data-quality table for readers: plain headings, blanks not 'None', 1,234 not 1234."""
    out = frame.rename(columns=QUALITY_HEADINGS).astype(object)
    out = out.where(out.notna(), "")
    for column in out:
        numeric = pd.to_numeric(out[column], errors="coerce")
        if out[column].ne("").any() and numeric.notna().all():
            out[column] = [f"{int(n):,}" for n in numeric]
    return out


def write_quality_page(
    build: Path,
    summary: pd.DataFrame | None,
    quality: pd.DataFrame | None,
    nav: Sequence[NavItem],
    pack_info: Mapping[str, str],
    text: PackText,
) -> Path:
    """Data quality: rows read and used per file, problems by rule (no values shown)."""
    parts = [
        text.quality_intro,
        "<h2>Files read</h2>",
        table_html(readable_quality_table(summary))
        if summary is not None and not summary.empty
        else "<p>None.</p>",
        "<h2>Problems by rule</h2>",
    ]
    if quality is None or quality.empty:
        parts.append(text.quality_no_problems)
    else:
        by_rule = (
            quality.groupby(["file", "sheet", "rule", "severity"], dropna=False)
            .size()
            .reset_index(name="rows")
            .sort_values(["severity", "rows"], ascending=[True, False])
        )
        parts.append(table_html(readable_quality_table(by_rule)))
    return html_page(
        build / "data-quality.html",
        title="Data quality",
        body_html="\n".join(parts),
        nav=nav,
        current_href="data-quality.html",
        pack_info=pack_info,
    )
