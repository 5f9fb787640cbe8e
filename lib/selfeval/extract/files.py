"""Reading raw cells from CSV files and xlsx workbooks, with plain-English failures."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

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
        """Cells of the given sheets, opening the workbook once; a FileProblem per bad sheet.

        Uses python-calamine (fast) when installed, else openpyxl in read-only mode.
        """
        try:
            from python_calamine import CalamineWorkbook
        except ImportError:
            return self._read_with_openpyxl(sheets)
        out: dict[str, RawSheet | FileProblem] = {}
        wb = CalamineWorkbook.from_path(str(self.path))
        for sheet in sheets:
            try:
                rows = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            except Exception as exc:  # calamine raises its own error types
                out[sheet] = _sheet_problem(Where(self.file, sheet), exc)
                continue
            out[sheet] = _raw_sheet(Where(self.file, sheet), rows)
        return out

    def _read_with_openpyxl(self, sheets: list[str]) -> dict[str, RawSheet | FileProblem]:
        import openpyxl

        out: dict[str, RawSheet | FileProblem] = {}
        wb = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        try:
            for sheet in sheets:
                where = Where(self.file, sheet)
                try:
                    rows = list(wb[sheet].iter_rows(min_row=1, values_only=True))
                except Exception as exc:  # openpyxl raises many types for damaged parts
                    out[sheet] = _sheet_problem(where, exc)
                    continue
                out[sheet] = _raw_sheet(where, rows)
        finally:
            wb.close()
        return out


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
