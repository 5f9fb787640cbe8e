"""Validation rules: one small function per rule.

Each row-level rule takes a `TableInput` (raw cells, row numbers, spec) and/or the typed table and
returns a `Finding`: the problems (quality rows) and which rows must be left out (`drop`).
Severity policy: `error` = the row (or table) cannot be used and is left out; `warning` = the row is
used but a value is doubtful (unknown codes are kept as given; unreadable optional values are
treated as blank); `info` = how the file was read (extra columns, encoding, …).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from selfeval.extract.quality import Where, empty_quality, one_problem, row_problems
from selfeval.extract.specs import ColumnSpec, TableSpec

EXPECTED = {
    "date": "a date, DD/MM/YYYY",
    "integer": "a whole number (0 or more)",
    "number": "a number",
    "yesno": "Yes or No",
}


@dataclass
class TableInput:
    """One input table after its header is recognised: raw cells under output column names."""

    spec: TableSpec
    where: Where
    raw: pd.DataFrame  # output column → raw cell values; RangeIndex
    rows: pd.Series  # row number the user sees, aligned with raw
    headings: dict[str, str]  # output column → heading as written in the file
    extract_date: date


@dataclass
class Finding:
    problems: pd.DataFrame | None = None  # None = nothing found
    drop: pd.Series | None = None  # True = leave the row out


def _no_finding() -> Finding:
    return Finding()


def _label(table: TableInput, column: str) -> str:
    return f"'{table.headings.get(column, column)}'"


def _messages(rows: pd.Series, values: pd.Series, template: str) -> pd.Series:
    """`Row N: …` messages; `{value}` in the template is replaced per row."""
    head, marker, tail = template.partition("{value}")
    prefix = "Row " + rows.astype(str) + ": " + head
    if not marker:
        return prefix
    text = values.map(lambda v: "" if v is None or v != v else str(v))
    return prefix + text + tail


# --- table-level rules ------------------------------------------------------------------------

MOSTLY_BAD_SHARE = 0.9  # a table where this share of rows has doubtful values is not usable
MOSTLY_BAD_MIN_ROWS = 20


def mostly_unreadable(table: TableInput, findings: list[Finding]) -> pd.DataFrame | None:
    """An error when nearly every row is junk: unreadable or unknown in most of its columns.

    A row counts as junk when at least half of the table's checkable columns (dates, numbers,
    yes/no and coded columns present in the file; at least two) are flagged for it, so one column
    written in another code set never sinks a whole table. Tables of fewer than
    MOSTLY_BAD_MIN_ROWS rows are judged row by row instead.
    """
    total = len(table.raw)
    if total < MOSTLY_BAD_MIN_ROWS:
        return None
    flagged = [
        f.problems[["row", "column"]]
        for f in findings
        if f.problems is not None and len(f.problems) and "row" in f.problems
    ]
    if not flagged:
        return None
    per_row = pd.concat(flagged).dropna().drop_duplicates().groupby("row").size()
    checkable = [
        c for c in table.spec.columns if c.name in table.headings and (c.kind != "text" or c.codes)
    ]
    needed = max(2, len(checkable) / 2)
    bad_rows = int((per_row >= needed).sum())
    if bad_rows < MOSTLY_BAD_SHARE * total:
        return None
    return one_problem(
        table.where,
        "mostly_unreadable",
        "error",
        f"{table.where.describe()}: {bad_rows:,} of {total:,} rows have unreadable or unknown "
        f"values; this does not look like a {table.spec.label} file, so the table was not used. "
        "Check the file is the right export and its columns line up with their headings.",
    )


def missing_required_columns(spec: TableSpec, present: set[str], where: Where) -> pd.DataFrame:
    """Required columns absent from the header: the table cannot be used (error)."""
    missing = [c for c in spec.columns if c.required and c.name not in present]
    if not missing:
        return empty_quality()
    names = ", ".join(f"'{c.heading}'" for c in missing)
    return one_problem(
        where,
        "missing_column",
        "error",
        f"{where.describe()}: the {spec.label} header has no {names} column, which the table "
        f"needs; the table was not used. Add the column (headings are in docs/data-dictionary.md "
        "or the Annex A template) and run again.",
        column=", ".join(c.heading for c in missing),
    )


def missing_optional_columns(spec: TableSpec, present: set[str], where: Where) -> pd.DataFrame:
    """Template columns absent but not needed: left blank (info); silent for local datasets."""
    if spec.family == "local":
        return empty_quality()
    parts = [
        one_problem(
            where,
            "missing_column",
            "info",
            f"{where.describe()}: no '{c.heading}' column; it is treated as blank.",
            column=c.heading,
        )
        for c in spec.columns
        if not c.required and c.name not in present
    ]
    return pd.concat(parts, ignore_index=True) if parts else empty_quality()


def extra_columns(headings: list[str], where: Where, spec: TableSpec) -> pd.DataFrame:
    """Columns not in the table's template: ignored (info)."""
    parts = [
        one_problem(
            where,
            "extra_column",
            "info",
            f"{where.describe()}: column '{h}' is not part of the {spec.label} layout; ignored.",
            column=h,
        )
        for h in headings
    ]
    return pd.concat(parts, ignore_index=True) if parts else empty_quality()


# --- row-level rules --------------------------------------------------------------------------


def blank_values(table: TableInput, col: ColumnSpec, blank: pd.Series) -> Finding:
    """A value that must be filled is blank: error (row left out) or warning (row kept)."""
    if col.blank == "ok" or not blank.any():
        return _no_finding()
    severity = col.blank
    outcome = "the row is left out" if severity == "error" else "the row is used"
    message = _messages(
        table.rows[blank],
        table.raw.loc[blank, col.name],
        f"{_label(table, col.name)} is blank but must be filled; {outcome}.",
    )
    problems = row_problems(
        table.where, table.rows[blank], table.raw.loc[blank, col.name], col.heading,
        "blank_value", severity, message,
    )  # fmt: skip
    return Finding(problems, blank if severity == "error" else None)


def invalid_values(table: TableInput, col: ColumnSpec, invalid: pd.Series) -> Finding:
    """A value of the wrong type (bad date, not a whole number, not Yes/No)."""
    if not invalid.any():
        return _no_finding()
    rule = {"date": "invalid_date", "integer": "invalid_integer", "number": "invalid_number"}.get(
        col.kind, "invalid_value"
    )
    severity = "error" if col.blank == "error" else "warning"
    outcome = "the row is left out" if severity == "error" else "it is treated as blank"
    values = table.raw.loc[invalid, col.name]
    message = _messages(
        table.rows[invalid],
        values,
        f"{_label(table, col.name)} is '{{value}}', expected {EXPECTED.get(col.kind, 'a value')}"
        f"; {outcome}.",
    )
    problems = row_problems(
        table.where, table.rows[invalid], values, col.heading, rule, severity, message
    )
    return Finding(problems, invalid if severity == "error" else None)


def unknown_codes(table: TableInput, col: ColumnSpec, unknown: pd.Series) -> Finding:
    """A code outside the reference code set: warning, the row is kept with the value as given."""
    if not unknown.any() or not col.codes:
        return _no_finding()
    allowed = sorted(col.codes)
    shown = ", ".join(allowed[:12]) + (", …" if len(allowed) > 12 else "")
    values = table.raw.loc[unknown, col.name]
    message = _messages(
        table.rows[unknown],
        values,
        f"{_label(table, col.name)} is '{{value}}', which is not in the code list ({shown}); "
        "the row is used with the value as given.",
    )
    problems = row_problems(
        table.where, table.rows[unknown], values, col.heading, "unknown_code", "warning", message
    )
    return Finding(problems)


def end_before_start(table: TableInput, typed: pd.DataFrame, start: str, end: str) -> Finding:
    """An end date before its start date: error, the row is left out."""
    if start not in typed or end not in typed:
        return _no_finding()
    bad = (typed[end] < typed[start]).fillna(False)
    if not bad.any():
        return _no_finding()
    values = typed.loc[bad, end].dt.strftime("%d/%m/%Y")
    starts = typed.loc[bad, start].dt.strftime("%d/%m/%Y")
    message = (
        "Row " + table.rows[bad].astype(str) + f": {_label(table, end)} (" + values
        + f") is before {_label(table, start)} (" + starts + "); the row is left out."
    )  # fmt: skip
    problems = row_problems(
        table.where, table.rows[bad], values, table.headings.get(end, end),
        "end_before_start", "error", message,
    )  # fmt: skip
    return Finding(problems, bad)


def before_birth(table: TableInput, typed: pd.DataFrame, column: str) -> Finding:
    """An event dated before the child's date of birth: warning (DOB or event may be wrong)."""
    dob = table.spec.dob
    if not dob or dob not in typed or column not in typed or column == dob:
        return _no_finding()
    bad = (typed[column] < typed[dob]).fillna(False)
    if not bad.any():
        return _no_finding()
    values = typed.loc[bad, column].dt.strftime("%d/%m/%Y")
    births = typed.loc[bad, dob].dt.strftime("%d/%m/%Y")
    message = (
        "Row " + table.rows[bad].astype(str) + f": {_label(table, column)} (" + values
        + ") is before the date of birth (" + births + "); the row is used."
    )  # fmt: skip
    problems = row_problems(
        table.where, table.rows[bad], values, table.headings.get(column, column),
        "before_birth", "warning", message,
    )  # fmt: skip
    return Finding(problems)


def after_extract_date(table: TableInput, typed: pd.DataFrame, col: ColumnSpec) -> Finding:
    """A date after the extract date (other than a DOB or due date): warning."""
    if col.kind != "date" or col.future_ok or col.name not in typed:
        return _no_finding()
    bad = (typed[col.name] > pd.Timestamp(table.extract_date)).fillna(False)
    if not bad.any():
        return _no_finding()
    values = typed.loc[bad, col.name].dt.strftime("%d/%m/%Y")
    message = (
        "Row " + table.rows[bad].astype(str) + f": {_label(table, col.name)} (" + values
        + f") is after the extract date ({table.extract_date:%d/%m/%Y}); the row is used."
    )  # fmt: skip
    problems = row_problems(
        table.where, table.rows[bad], values, col.heading, "after_extract_date", "warning", message
    )
    return Finding(problems)


def duplicate_rows(table: TableInput, typed: pd.DataFrame) -> Finding:
    """Rows identical to an earlier row: warning, only the first is used."""
    columns = [c.name for c in table.spec.columns if c.name in typed]
    rows = table.rows.loc[typed.index]
    dup = typed.duplicated(subset=columns, keep="first")
    if not dup.any():
        return _no_finding()
    first_rows = (
        typed[columns]
        .assign(_r=rows.to_numpy())
        .groupby(columns, dropna=False, sort=False)["_r"]
        .transform("first")
    )
    message = (
        "Row " + rows[dup].astype(str) + ": exact duplicate of row "
        + first_rows[dup].astype(str) + "; only the first is used."
    )  # fmt: skip
    problems = row_problems(
        table.where, rows[dup], pd.Series([None] * int(dup.sum()), index=dup[dup].index),
        None, "duplicate_row", "warning", message,
    )  # fmt: skip
    return Finding(problems, dup)


# --- cross-table rules ------------------------------------------------------------------------


def ssda903_episode_before_birth(tables: dict[str, pd.DataFrame], file: str) -> pd.DataFrame:
    """SSDA903 episodes starting before the child's DOB in the header table: warning."""
    header, episodes = tables.get("ssda903_header"), tables.get("ssda903_episodes")
    if header is None or episodes is None or header.empty or episodes.empty:
        return empty_quality()
    births = header.dropna(subset=["DOB"]).drop_duplicates("CHILD").set_index("CHILD")["DOB"]
    dob = episodes["CHILD"].map(births)
    bad = (episodes["DECOM"] < dob).fillna(False)
    if not bad.any():
        return empty_quality()
    rows = episodes.loc[bad, "_row"]
    starts = episodes.loc[bad, "DECOM"].dt.strftime("%d/%m/%Y")
    message = (
        "Row " + rows.astype(str) + ": DECOM (" + starts + ") is before the child's DOB in "
        "ssda903/header.csv (" + dob[bad].dt.strftime("%d/%m/%Y") + "); the row is used."
    )
    return row_problems(Where(file), rows, starts, "DECOM", "before_birth", "warning", message)
