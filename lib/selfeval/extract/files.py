"""Reading raw cells from CSV files and xlsx workbooks, with plain-English failures."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas._libs import lib

from selfeval.extract.quality import Where, one_problem

OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0"
ZIP_SIGNATURE = b"PK\x03\x04"


class FileProblem(Exception):
    """A file (or sheet) that cannot be read at all: `rule` and a plain-English message."""

    def __init__(self, rule: str, message: str):
        super().__init__(message)
        self.rule = rule
        self.message = message


@dataclass
class RawSheet:
    """Cells of one CSV file or worksheet, before any header is recognised.

    `cells` has columns 0..n-1 and one row per line/row of the file; `cells.index` + 1 is the row
    number the user sees in Excel or a text editor.
    """

    where: Where
    cells: pd.DataFrame
    notes: list[pd.DataFrame] = field(default_factory=list)  # info about how it was read


def _decode(data: bytes, where: Where) -> tuple[str, list[pd.DataFrame]]:
    """Text from UTF-8 (with or without BOM), else Windows-1252."""
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    note = one_problem(
        where,
        "encoding",
        "info",
        f"{where.describe()} is not UTF-8; it was read as Windows-1252 (cp1252). "
        "Check accented names look right, or save the file as 'CSV UTF-8'.",
    )
    return data.decode("cp1252", errors="replace"), [note]


def _delimiter(text: str, where: Where) -> tuple[str, list[pd.DataFrame]]:
    """The separator the header line uses: comma, semicolon or tab."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {sep: first.count(sep) for sep in (",", ";", "\t")}
    sep = max(counts, key=lambda s: counts[s])
    if counts[sep] == 0 or sep == ",":
        return ",", []
    name = "semicolons" if sep == ";" else "tabs"
    note = one_problem(
        where,
        "delimiter",
        "info",
        f"{where.describe()} uses {name} between values, not commas; it was read that way.",
    )
    return sep, [note]


def read_csv_cells(path: Path, where: Where) -> RawSheet:
    """All cells of a CSV as text (no header assumed); raises FileProblem if unreadable."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FileProblem("file_unreadable", f"{where.file} could not be opened: {exc}.") from exc
    if not data.strip():
        raise FileProblem(
            "file_empty",
            f"{where.file} is empty. Export it again from the source system, or remove it.",
        )
    if data.startswith(ZIP_SIGNATURE) or data.startswith(OLE2_SIGNATURE):
        raise FileProblem(
            "file_not_csv",
            f"{where.file} is an Excel workbook, not a CSV. Open it in Excel and use "
            "'Save As' → 'CSV UTF-8 (comma delimited)'.",
        )
    text, notes = _decode(data, where)
    sep, more = _delimiter(text, where)
    notes += more
    width = max((line.count(sep) for line in text.splitlines()), default=0) + 1
    try:
        cells = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            header=None,
            names=range(width),
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            engine="c",
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise FileProblem(
            "file_unreadable",
            f"{where.file} could not be read as CSV ({exc}). Check for unbalanced quotes.",
        ) from exc
    cells = cells.replace("", None)
    return RawSheet(where, cells, notes)


@dataclass
class Workbook:
    """Sheet names of an xlsx workbook, and reading a sheet's cells on demand."""

    path: Path
    file: str
    sheet_names: list[str]

    def read_sheets(self, sheets: list[str]) -> dict[str, RawSheet | FileProblem]:
        """Cells of the given sheets, opening the workbook once; a FileProblem per bad sheet."""
        return dict(self.iter_sheets(sheets))

    def iter_sheets(self, sheets: list[str]) -> Iterator[tuple[str, RawSheet | FileProblem]]:
        """(sheet, cells or FileProblem) one sheet at a time, so only one sheet's cells are held
        in memory while the caller builds its table.

        Uses python-calamine (fast) when installed, else openpyxl in read-only mode.
        """
        try:
            from python_calamine import CalamineWorkbook
        except ImportError:
            yield from self._iter_with_openpyxl(sheets)
            return
        wb = CalamineWorkbook.from_path(str(self.path))
        for sheet in sheets:
            where = Where(self.file, sheet)
            try:
                cells = _calamine_cells(wb.get_sheet_by_name(sheet))
            except Exception as exc:  # calamine raises its own error types
                yield sheet, _sheet_problem(where, exc)
                continue
            yield sheet, RawSheet(where, cells)

    def _iter_with_openpyxl(
        self, sheets: list[str]
    ) -> Iterator[tuple[str, RawSheet | FileProblem]]:
        import openpyxl

        wb = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        try:
            for sheet in sheets:
                where = Where(self.file, sheet)
                try:
                    rows = list(wb[sheet].iter_rows(min_row=1, values_only=True))
                except Exception as exc:  # openpyxl raises many types for damaged parts
                    yield sheet, _sheet_problem(where, exc)
                    continue
                yield sheet, _raw_sheet(where, rows)
        finally:
            wb.close()


def _sheet_problem(where: Where, exc: Exception) -> FileProblem:
    return FileProblem(
        "sheet_unreadable",
        f"{where.describe()} could not be read ({type(exc).__name__}: {exc}). "
        "Open the workbook in Excel, check the sheet, save it again.",
    )


def _raw_sheet(where: Where, rows: list) -> RawSheet:
    cells = pd.DataFrame.from_records(rows) if rows else pd.DataFrame()
    if len(cells.columns):
        cells.columns = range(len(cells.columns))
    return RawSheet(where, cells.astype(object).where(cells.notna(), None))


# Cells of these types equal only cells of the same type (unlike 1 == 1.0 == True), so equal
# cells of a column can share one object without changing any value.
_SHAREABLE = frozenset({str, date, datetime, type(None)})
CHUNK_ROWS = 50_000


def share_equal(values: np.ndarray, memo: dict | None = None) -> np.ndarray:
    """An object array whose equal text/date cells are one object (less memory for the many
    repeated codes, ids and dates of a large sheet); unchanged if other types are present.

    `memo` carries the shared objects across chunks of one column."""
    if not len(values) or not set(map(type, values)) <= _SHAREABLE:
        return values
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques) > len(values) // 2:  # mostly distinct (ids): little to share
        return values
    memo = {} if memo is None else memo
    shared = np.empty(len(uniques) + 1, dtype=object)  # the last slot (code -1) is None
    shared[: len(uniques)] = [memo.setdefault(u, u) for u in uniques]
    return shared[codes]


def _infer_columns(columns: list[np.ndarray]) -> list[np.ndarray]:
    """pandas' type inference of DataFrame.from_records, column by column (see _raw_sheet)."""
    try:
        from pandas.core.internals.construction import convert_object_array

        return list(convert_object_array(columns, dtype=None))
    except (ImportError, TypeError):  # another pandas: the public (slower) way
        frame = pd.DataFrame.from_records(np.column_stack(columns)) if columns else None
        return [frame[c].to_numpy() for c in frame.columns] if frame is not None else []


def _as_cells(values: np.ndarray) -> np.ndarray:
    """An inferred column back to objects with None for blanks, as _raw_sheet does; dates and
    numbers that repeat share one object."""
    if values.dtype == object:
        if set(map(type, values)) <= _SHAREABLE:  # no NaN/NaT to turn into None
            return values
        series = pd.Series(values, dtype=object, copy=False)
        return series.where(series.notna(), None).to_numpy()
    if values.dtype.kind == "M":  # datetime64: one Timestamp per distinct date
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        shared = np.empty(len(uniques) + 1, dtype=object)
        shared[: len(uniques)] = list(pd.Index(uniques).astype(object))
        return shared[codes]
    series = pd.Series(values, copy=False).astype(object)
    return series.where(series.notna(), None).to_numpy()


def _calamine_cells(sheet: Any) -> pd.DataFrame:
    """A calamine sheet's cells from A1 (like `to_python(skip_empty_area=False)` through
    DataFrame.from_records and _raw_sheet), read in chunks of rows so the sheet is never held
    as Python lists: equal text and date cells share one object."""
    rows = sheet.iter_rows()
    parts: list[list[np.ndarray]] = []
    memos: list[dict] = []
    count = 0
    while chunk := list(islice(rows, CHUNK_ROWS)):
        block = lib.to_object_array(chunk, min_width=len(parts))
        del chunk
        for _ in range(len(parts), block.shape[1]):  # a wider row: earlier rows padded
            parts.append([np.full(count, None, dtype=object)] if count else [])
            memos.append({})
        for j in range(block.shape[1]):
            parts[j].append(share_equal(block[:, j].copy(), memos[j]))
        count += len(block)
        del block
    end = sheet.end
    full_rows, full_cols = (end[0] + 1, end[1] + 1) if end and count else (count, len(parts))
    lead_rows, lead_cols = max(full_rows - count, 0), max(full_cols - len(parts), 0)
    columns = [np.concatenate(p) if len(p) != 1 else p[0] for p in parts]
    del parts
    if lead_rows:  # rows above the used range are empty cells ('')
        columns = [np.concatenate([np.full(lead_rows, "", dtype=object), c]) for c in columns]
    height = count + lead_rows
    columns = [np.full(height, "", dtype=object) for _ in range(lead_cols)] + columns
    if not height or not columns:
        return pd.DataFrame()
    cells = {j: _as_cells(values) for j, values in enumerate(_infer_columns(columns))}
    return pd.DataFrame(cells, index=pd.RangeIndex(height), dtype=object, copy=False)


def _sheet_names(path: Path) -> list[str]:
    """Sheet names, with python-calamine when installed, else openpyxl."""
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        names = list(wb.sheetnames)
        wb.close()
        return names
    return list(CalamineWorkbook.from_path(str(path)).sheet_names)


def open_workbook(path: Path, file: str) -> Workbook:
    """Check a file is a readable xlsx workbook and list its sheets; else FileProblem."""
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise FileProblem("file_unreadable", f"{file} could not be opened: {exc}.") from exc
    if not head:
        raise FileProblem("file_empty", f"{file} is empty. Save the workbook again from Excel.")
    if head.startswith(OLE2_SIGNATURE):
        raise FileProblem(
            "workbook_protected",
            f"{file} is password-protected (encrypted) or in the old .xls format. Open it in "
            "Excel, remove the password (File → Info → Protect Workbook) and save it as an "
            "Excel Workbook (.xlsx).",
        )
    if not head.startswith(ZIP_SIGNATURE):
        raise FileProblem(
            "not_xlsx",
            f"{file} is not an Excel .xlsx workbook (it may be a CSV or web page renamed to "
            ".xlsx). Open it in Excel and save it as an Excel Workbook (.xlsx).",
        )
    try:
        names = _sheet_names(path)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise FileProblem(
            "workbook_corrupt",
            f"{file} is damaged and could not be opened ({type(exc).__name__}). Save it again "
            "from Excel, or export the Annex A lists again.",
        ) from exc
    except Exception as exc:  # any other openpyxl failure is a damaged workbook too
        raise FileProblem(
            "workbook_corrupt",
            f"{file} is damaged and could not be opened ({type(exc).__name__}: {exc}). Save "
            "it again from Excel, or export the Annex A lists again.",
        ) from exc
    return Workbook(path, file, names)


def list_number(sheet_or_file: str) -> int | None:
    """The Annex A list number in a sheet/file name: `List 3`, `List_3`, `list3`, `List 03 -…`."""
    match = re.match(r"^\s*list[\s_\-]*0?(\d{1,2})(?!\d)", sheet_or_file, flags=re.IGNORECASE)
    return int(match.group(1)) if match else None
