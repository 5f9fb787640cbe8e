"""The data-quality table: one row per problem found while reading an extract."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

QUALITY_COLUMNS = ["file", "sheet", "row", "column", "value", "rule", "severity", "message"]
SUMMARY_COLUMNS = ["file", "sheet", "table", "rows_read", "rows_used", "errors", "warnings"]
SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Where:
    """The file (path relative to the extract folder) and sheet a problem is in."""

    file: str
    sheet: str | None = None

    def describe(self) -> str:
        return f"{self.file}, sheet '{self.sheet}'" if self.sheet else self.file


_EMPTY = pd.DataFrame({c: pd.Series(dtype=object) for c in QUALITY_COLUMNS})


def empty_quality() -> pd.DataFrame:
    """A quality table with no rows and the contract's columns."""
    return _EMPTY.copy()


def one_problem(
    where: Where,
    rule: str,
    severity: str,
    message: str,
    *,
    row: int | None = None,
    column: str | None = None,
    value: object = None,
) -> pd.DataFrame:
    """A single problem (file- or table-level) as a one-row quality table."""
    return pd.DataFrame(
        [
            {
                "file": where.file,
                "sheet": where.sheet,
                "row": row,
                "column": column,
                "value": None if value is None else str(value),
                "rule": rule,
                "severity": severity,
                "message": message,
            }
        ],
        columns=QUALITY_COLUMNS,
    )


def row_problems(
    where: Where,
    rows: pd.Series,
    values: pd.Series,
    column: str | None,
    rule: str,
    severity: str,
    message: pd.Series | str,
) -> pd.DataFrame:
    """Problems for many rows at once (rows, values and messages aligned Series)."""
    if len(rows) == 0:
        return empty_quality()
    text = values.map(lambda v: None if v is None or v != v else str(v))
    return pd.DataFrame(
        {
            "file": where.file,
            "sheet": where.sheet,
            "row": rows.to_numpy(),
            "column": column,
            "value": text.to_numpy(),
            "rule": rule,
            "severity": severity,
            "message": message.to_numpy() if isinstance(message, pd.Series) else message,
        },
        columns=QUALITY_COLUMNS,
    )


def finish_quality(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate problem tables with stable dtypes and a readable order."""
    parts = [p.astype(object) for p in parts if p is not None and len(p)]
    frame = pd.concat(parts, ignore_index=True) if parts else empty_quality()
    frame["row"] = pd.array(frame["row"], dtype="Int64")
    for col in ("file", "sheet", "column", "value", "rule", "severity", "message"):
        frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
    return frame.reset_index(drop=True)[QUALITY_COLUMNS]


def finish_summary(rows: list[dict]) -> pd.DataFrame:
    """The per-table summary: rows read, rows used, errors and warnings."""
    frame = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    for col in ("rows_read", "rows_used", "errors", "warnings"):
        frame[col] = pd.array(frame[col], dtype="Int64")
    return frame
