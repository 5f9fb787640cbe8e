"""Data-quality caveats and sources for the tables a page uses (aggregates, never values)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from selfeval.narrative import plural

SEVERITY_WORDS = {"error": "Errors (rows left out)", "warning": "Warnings", "info": "Notes"}


def files_for_tables(summary: pd.DataFrame | None, tables: Iterable[str]) -> pd.DataFrame:
    """The extract summary rows (file, sheet, table, rows_read, rows_used, …) of `tables`."""
    if summary is None or summary.empty or "table" not in summary.columns:
        return pd.DataFrame(columns=["file", "sheet", "table", "rows_read", "rows_used"])
    return summary[summary["table"].isin(set(tables))].reset_index(drop=True)


def _key(file: object, sheet: object) -> tuple[str, str]:
    def clean(v: object) -> str:
        return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)

    return clean(file), clean(sheet)


def caveats(
    quality: pd.DataFrame | None, summary: pd.DataFrame | None, tables: Iterable[str]
) -> pd.DataFrame:
    """Problems in the files behind `tables`, counted by file, column, rule and severity.

    Columns: Source, Column, Problem, Severity, Rows. No values or messages (they may hold
    identifiers)."""
    columns = ["Source", "Column", "Problem", "Severity", "Rows"]
    if quality is None or quality.empty:
        return pd.DataFrame(columns=columns)
    used = files_for_tables(summary, tables)
    wanted = {_key(f, s) for f, s in zip(used["file"], used["sheet"], strict=True)}
    files_only = {f for f, _ in wanted}
    keys = [_key(f, s) for f, s in zip(quality["file"], quality["sheet"], strict=True)]
    # file-level problems (no sheet) about a workbook count for every sheet of it
    mask = [k in wanted or (k[1] == "" and k[0] in files_only) for k in keys]
    rows = quality[pd.Series(mask, index=quality.index)]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(
        {
            "Source": [
                f"{f} ({s})" if s else f
                for f, s in (_key(f, s) for f, s in zip(rows["file"], rows["sheet"], strict=True))
            ],
            "Column": rows["column"].fillna("").astype(str),
            "Problem": rows["rule"].fillna("").astype(str).str.replace("_", " "),
            "Severity": rows["severity"].fillna("").astype(str),
        }
    )
    order = {"error": 0, "warning": 1, "info": 2}
    out = frame.groupby(columns[:-1], dropna=False).size().reset_index(name="Rows")
    out["_o"] = out["Severity"].map(order).fillna(3)
    return (
        out.sort_values(["_o", "Rows"], ascending=[True, False])
        .drop(columns="_o")
        .reset_index(drop=True)
    )


def caveat_sentence(table: pd.DataFrame, used: pd.DataFrame) -> str:
    """A plain-English headline for the caveats of a page."""
    if used is None or used.empty:
        return "None of the data files this page relies on were in the extract."
    read = int(pd.to_numeric(used.get("rows_read"), errors="coerce").fillna(0).sum())
    kept = int(pd.to_numeric(used.get("rows_used"), errors="coerce").fillna(0).sum())
    text = (
        f"This page draws on {plural(len(used), 'data file or sheet', 'data files or sheets')}: "
        f"{plural(read, 'row')} read, {plural(kept, 'row')} used."
    )
    if table is None or table.empty:
        return text + " No data-quality problems were found in them."
    errors = int(table.loc[table["Severity"] == "error", "Rows"].sum())
    warnings = int(table.loc[table["Severity"] == "warning", "Rows"].sum())
    if errors:
        text += (
            f" {plural(errors, 'problem')} meant rows were left out of the figures; "
            "the figures may slightly undercount."
        )
    if warnings:
        text += f" {plural(warnings, 'warning')} did not stop rows being used."
    return text


def quality_headline(quality: pd.DataFrame | None, summary: pd.DataFrame | None) -> str:
    """The data-quality headline for the summary page."""
    if summary is None or summary.empty:
        return "No data files were read."
    read = int(pd.to_numeric(summary["rows_read"], errors="coerce").fillna(0).sum())
    kept = int(pd.to_numeric(summary["rows_used"], errors="coerce").fillna(0).sum())
    files = summary["file"].nunique()
    unusable = summary[
        (pd.to_numeric(summary["rows_used"], errors="coerce").fillna(0) == 0)
        & (pd.to_numeric(summary["errors"], errors="coerce").fillna(0) > 0)
    ]
    text = (
        f"{plural(files, 'file')} read: {plural(read, 'row')}, of which {plural(kept, 'row')} "
        f"({(100 * kept / read if read else 100):.1f}%) were used in the figures."
    )
    if quality is not None and not quality.empty:
        sev = quality["severity"].astype(str)
        n_err, n_warn = int((sev == "error").sum()), int((sev == "warning").sum())
        text += f" {plural(n_err, 'error')} (rows left out) and {plural(n_warn, 'warning')}."
    else:
        text += " No problems were found."
    if len(unusable):
        names = ", ".join(
            f"{f} ({s})" if isinstance(s, str) and s else str(f)
            for f, s in zip(unusable["file"], unusable["sheet"], strict=True)
        )
        text += f" Could not be used at all: {names}."
    return text
