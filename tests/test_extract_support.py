"""Helpers shared by the extract tests: build small extract folders (no tests here)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import openpyxl

from selfeval.extract import Extract, load_extract

FIXTURES = Path(__file__).parent / "fixtures"
ANNEX_TEMPLATE = FIXTURES / "annex-a-template"
SSDA903_SAMPLE = FIXTURES / "ssda903-regional"
REFERRAL_HEADINGS = [
    "Child Unique ID",
    "Gender",
    "Ethnicity",
    "Date of Birth",
    "Age of Child (Years)",
    "Date of referral",
    "Referral Source",
    "Referral NFA?",
    "Number of Referrals in Last 12 Months",
    "Allocated Team",
    "Allocated Worker",
]


def referral(child: str = "C1", when: object = "15/03/2021", **changes: object) -> list:
    """One List 3 row in template order; keyword arguments replace cells by heading index."""
    row = [child, "a) Male", "a) WBRI", "01/01/2015", 6, when, "a) 1A: Individual", "b) No", 0]
    row += ["Team A", "Worker 1"]
    for index, value in changes.items():
        row[int(index.lstrip("c"))] = value
    return row


def write_workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    """An xlsx with the given sheets (rows as lists; None = empty cell)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def make_extract(folder: Path, extract_date: date | None = date(2021, 6, 30)) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if extract_date:
        write_text(folder / "extract.yaml", f"extract_date: {extract_date.isoformat()}\n")
    return folder


def copy_ssda903_sample(folder: Path) -> None:
    (folder / "ssda903").mkdir(parents=True, exist_ok=True)
    for csv in SSDA903_SAMPLE.glob("*.csv"):
        shutil.copyfile(csv, folder / "ssda903" / csv.name)


def load(folder: Path) -> Extract:
    return load_extract(folder)


def problems(extract: Extract, rule: str, severity: str | None = None):
    q = extract.quality
    q = q[q["rule"] == rule]
    return q if severity is None else q[q["severity"] == severity]
