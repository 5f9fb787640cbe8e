"""From raw cells to a normalised, validated table: header, columns, types, rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from selfeval.extract import rules
from selfeval.extract.files import RawSheet
from selfeval.extract.quality import Where, empty_quality, finish_quality, one_problem
from selfeval.extract.specs import ColumnSpec, TableSpec
from selfeval.extract.values import (
    annex_code,
    distinct_cells,
    is_blank,
    match_codes,
    normalise_heading,
    parse_dates,
    parse_integers,
    parse_numbers,
    parse_yesno,
    spread,
    to_text,
    upper_code,
)

HEADER_SEARCH_ROWS = 10


@dataclass
class TableResult:
    """A table read from one file/sheet: the table (None if unusable), problems and counts."""

    spec: TableSpec
    where: Where
    table: pd.DataFrame | None
    quality: pd.DataFrame
    rows_read: int
    rows_used: int
    held: bool = False  # the table was handed on (to the store or the tables dict)


def find_header(cells: pd.DataFrame, spec: TableSpec) -> int | None:
    """Index of the header row among the first rows: the one matching most known headings."""
    known = spec.heading_map()
    best, best_hits = None, 0
    for position in range(min(HEADER_SEARCH_ROWS, len(cells))):
        values = cells.iloc[position].tolist()
        hits = len({known[k] for k in map(normalise_heading, values) if k in known})
        if hits > best_hits:
            best, best_hits = position, hits
    needed = min(2, len(spec.columns))
    return best if best_hits >= needed else None


def map_columns(
    header: list[object], spec: TableSpec
) -> tuple[dict[int, str], dict[str, str], list[str], list[int]]:
    """Header cells → (position → output column, output column → heading, extras, unnamed)."""
    known = spec.heading_map()
    positions: dict[int, str] = {}
    headings: dict[str, str] = {}
    extras: list[str] = []
    unnamed: list[int] = []
    for position, cell in enumerate(header):
        key = normalise_heading(cell)
        if not key:
            unnamed.append(position)
        elif key in known and known[key] not in headings:
            positions[position] = known[key]
            headings[known[key]] = str(cell).strip()
        else:
            extras.append(str(cell).strip())
    return positions, headings, extras, unnamed


def convert(col: ColumnSpec, family: str, raw: pd.Series) -> tuple[pd.Series, pd.Series, str]:
    """Typed values, the mask of problem values, and which rule they break.

    Each distinct cell is parsed once (columns repeat the same codes, dates and ids)."""
    split = distinct_cells(raw)
    if split is None:
        return _convert(col, family, raw)
    distinct, codes = split
    typed, bad, rule = _convert(col, family, distinct)
    return spread(typed, codes, raw.index), spread(bad, codes, raw.index), rule


def _convert(col: ColumnSpec, family: str, raw: pd.Series) -> tuple[pd.Series, pd.Series, str]:
    if col.kind == "date":
        typed, bad = parse_dates(raw)
        return typed, bad, "invalid"
    if col.kind == "integer":
        typed, bad = parse_integers(raw)
        return typed, bad, "invalid"
    if col.kind == "number":
        typed, bad = parse_numbers(raw)
        return typed, bad, "invalid"
    if col.kind == "yesno":
        typed, bad = parse_yesno(raw, allow_unknown=bool(col.codes and "Unknown" in col.codes))
        return typed, bad, "invalid"
    text = to_text(raw)
    if col.kind != "code":
        return text, pd.Series(False, index=raw.index), "none"
    if family == "annex_a":
        text = annex_code(text, dash_codes=col.dash_codes)
    elif family == "ssda903":
        text = upper_code(text)
    if not col.codes:
        return text, pd.Series(False, index=raw.index), "none"
    typed, unknown = match_codes(text, col.codes, dict(col.lookup))
    return typed, unknown, "unknown"


def _drop_blank_rows(cells: pd.DataFrame) -> pd.DataFrame:
    """Rows with no value in any cell are not data: skipped without a message."""
    if cells.empty:
        return cells
    filled = ~cells.apply(is_blank)
    return cells[filled.any(axis=1)]


def build_table(sheet: RawSheet, spec: TableSpec, extract_date: date) -> TableResult:
    """Recognise the header, normalise and validate every row of one input table."""
    where = sheet.where
    notes = list(sheet.notes)
    cells = sheet.cells
    header_at = find_header(cells, spec) if len(cells) else None
    if header_at is None:
        data_rows = len(_drop_blank_rows(cells))
        expected = ", ".join(f"'{c.heading}'" for c in spec.columns[:4])
        problem = one_problem(
            where,
            "no_header",
            "error",
            f"{where.describe()}: no {spec.label} header row found in the first "
            f"{HEADER_SEARCH_ROWS} rows (expected headings such as {expected}); the table was "
            "not used. Check this is the right file or sheet and that the headings are intact.",
        )
        return TableResult(spec, where, None, finish_quality([*notes, problem]), data_rows, 0)

    positions, headings, extras, unnamed = map_columns(cells.iloc[header_at].tolist(), spec)
    body = _drop_blank_rows(cells.iloc[header_at + 1 :])
    rows_read = len(body)
    present = set(positions.values())
    quality = [*notes, rules.extra_columns(extras, where, spec)]
    unnamed_with_data = [p for p in unnamed if not is_blank(body[p]).all()] if rows_read else []
    if unnamed_with_data:
        quality.append(
            one_problem(
                where,
                "extra_column",
                "info",
                f"{where.describe()}: {len(unnamed_with_data)} column(s) have values but no "
                "heading; ignored.",
            )
        )
    missing = rules.missing_required_columns(spec, present, where)
    if len(missing):
        return TableResult(spec, where, None, finish_quality([*quality, missing]), rows_read, 0)
    quality.append(rules.missing_optional_columns(spec, present, where))

    raw = pd.DataFrame(
        {name: body[pos].to_numpy() for pos, name in positions.items()}, dtype=object
    )
    for col in spec.columns:
        if col.name not in raw:
            raw[col.name] = None
    raw = raw[[c.name for c in spec.columns]]
    rows = pd.Series(body.index.to_numpy() + 1, dtype="int64")
    table_in = rules.TableInput(spec, where, raw, rows, headings, extract_date)

    typed, findings = _typed_columns(table_in)
    junk = rules.mostly_unreadable(table_in, findings)
    if junk is not None:
        problems = [*quality, *(f.problems for f in findings), junk]
        return TableResult(spec, where, None, finish_quality(problems), rows_read, 0)
    for start, end in spec.date_pairs:
        findings.append(rules.end_before_start(table_in, typed, start, end))
    for col in spec.columns:
        if col.kind == "date":
            findings.append(rules.before_birth(table_in, typed, col.name))
            findings.append(rules.after_extract_date(table_in, typed, col))
    drop = pd.Series(False, index=typed.index)
    for finding in findings:
        if finding.drop is not None:
            drop |= finding.drop
    duplicates = rules.duplicate_rows(table_in, typed[~drop])
    findings.append(duplicates)
    if duplicates.drop is not None:
        drop = drop | duplicates.drop.reindex(drop.index, fill_value=False)

    quality += [f.problems for f in findings]
    table = typed[~drop].copy()
    table["_row"] = rows[~drop].to_numpy()
    table["_source"] = where.describe()
    table = table.reset_index(drop=True)
    return TableResult(spec, where, table, finish_quality(quality), rows_read, len(table))


def _typed_columns(table_in: rules.TableInput) -> tuple[pd.DataFrame, list[rules.Finding]]:
    """Convert every column to its type, with the blank/invalid/unknown-code findings."""
    spec = table_in.spec
    typed: dict[str, pd.Series] = {}
    findings: list[rules.Finding] = []
    for col in spec.columns:
        raw = table_in.raw[col.name]
        values, bad, kind = convert(col, spec.family, raw)
        typed[col.name] = values
        if col.name in table_in.headings:  # absent columns were reported once already
            findings.append(rules.blank_values(table_in, col, is_blank(raw)))
        if kind == "invalid":
            findings.append(rules.invalid_values(table_in, col, bad))
        elif kind == "unknown":
            findings.append(rules.unknown_codes(table_in, col, bad))
    return pd.DataFrame(typed, index=table_in.raw.index), findings


__all__ = ["TableResult", "build_table", "convert", "find_header", "map_columns", "empty_quality"]
