"""Write an extract folder: annex_a.xlsx (or annex_a/list_<n>.csv), ssda903/*.csv, local/*.csv."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from selfeval.config import reference_file

from ._extract import Extract, annex_a_headings
from ._xlsx import write_xlsx

LIST_TITLES = {
    1: "Contacts",
    2: "Early Help",
    3: "Referrals",
    4: "Assessments",
    5: "Section 47 enquiries and ICPCs",
    6: "Children in need",
    7: "Child protection",
    8: "Children in care",
    9: "Care leavers",
    10: "Adoption",
    11: "Adopters",
}


@lru_cache(maxsize=1)
def _annex_a_date_columns() -> set[str]:
    with reference_file("annex_a_columns.csv").open(encoding="utf-8") as fh:
        return {r["canonical"] for r in csv.DictReader(fh) if r["liia_type"] == "date"}


@lru_cache(maxsize=1)
def _annex_a_kinds() -> dict[str, str]:
    """canonical column → 'date' | 'number' | 'text' for the xlsx writer."""
    kinds = {}
    with reference_file("annex_a_columns.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            kinds[r["canonical"]] = {"date": "date", "integer": "number"}.get(
                r["liia_type"], "text"
            )
    return kinds


def _headed(n: int, df: pd.DataFrame) -> pd.DataFrame:
    return df.rename(columns=dict(annex_a_headings()[n]))


def write_annex_a_xlsx(
    path: Path, lists: dict[int, pd.DataFrame], *, underscore_names: bool, title_row: bool
) -> None:
    """One sheet per list; optionally `List_1` style names and a title row above the headings."""
    sheets = {}
    for n, df in lists.items():
        headings = dict(annex_a_headings()[n])
        kinds = {headings[c]: _annex_a_kinds().get(c, "text") for c in df.columns}
        title = f"List {n}: {LIST_TITLES[n]}" if title_row else None
        sheets[f"List_{n}" if underscore_names else f"List {n}"] = (_headed(n, df), kinds, title)
    write_xlsx(path, sheets)


def write_annex_a_csv(folder: Path, lists: dict[int, pd.DataFrame]) -> list[Path]:
    """One CSV per list, dates DD/MM/YYYY."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, df in lists.items():
        path = folder / f"list_{n}.csv"
        out = df.copy()
        for col in _annex_a_date_columns() & set(out.columns):
            out[col] = pd.to_datetime(out[col]).dt.strftime("%d/%m/%Y")
        _headed(n, out).to_csv(path, index=False, lineterminator="\n")
        paths.append(path)
    return paths


def write_csv(path: Path, df: pd.DataFrame, date_format: str) -> Path:
    """A CSV with every datetime column in `date_format` (blank when missing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime(date_format)
    out.to_csv(path, index=False, lineterminator="\n")
    return path


def write_extract(folder: Path, ex: Extract, *, annex_a_as: str, tolerances: bool) -> list[Path]:
    """Write one extract folder; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    if annex_a_as == "xlsx":
        path = folder / "annex_a.xlsx"
        write_annex_a_xlsx(path, ex.annex_a, underscore_names=tolerances, title_row=tolerances)
        paths.append(path)
    else:
        paths += write_annex_a_csv(folder / "annex_a", ex.annex_a)
    for name, df in ex.ssda903.items():
        paths.append(write_csv(folder / "ssda903" / f"{name}.csv", df, "%d/%m/%Y"))
    for name, df in ex.local.items():
        paths.append(write_csv(folder / "local" / f"{name}.csv", df, "%Y-%m-%d"))
    meta = {
        "extract_date": ex.extract_date.date(),
        "source_system": "Synthetic sample (selfeval sample-data)",
        "notes": _notes(ex, annex_a_as, tolerances),
    }
    path = folder / "extract.yaml"
    path.write_text(
        yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=100), encoding="utf-8"
    )
    return [*paths, path]


def _notes(ex: Extract, annex_a_as: str, tolerances: bool) -> str:
    lines = [
        "Synthetic data: no real children, staff or addresses. Each Annex A list covers the 36 "
        "months before the extract date (Ofsted asks for 6-12); open cases are included whatever "
        "their start.",
    ]
    if ex.list_months:
        lines[0] = (
            f"Synthetic data: no real children, staff or addresses. Annex A Lists 1-8 cover the "
            f"{ex.list_months} months before the extract date as Ofsted asks (events dated in "
            "them, episodes open in them; List 7 each child's latest plan); List 3's 'Number of "
            "Referrals in Last 12 Months' also counts referrals before the list starts."
        )
    if annex_a_as == "csv":
        lines.append("Annex A is given as annex_a/list_<n>.csv files (dates DD/MM/YYYY).")
    if tolerances:
        lines.append("The workbook uses List_<n> sheet names and a title row above the headings.")
    if ex.problems:
        lines.append("Deliberate data-quality problems:")
        lines += [
            " | ".join(p[k] for k in ("file", "sheet", "column", "rule", "child_id", "description"))
            for p in ex.problems
        ]
    return "\n".join(lines)
