"""Reading a whole extract folder: find the files, read each table, collect quality and summary."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import yaml

from selfeval.extract.files import FileProblem, list_number, open_workbook, read_csv_cells
from selfeval.extract.model import Extract, ExtractError
from selfeval.extract.quality import Where, finish_quality, finish_summary, one_problem
from selfeval.extract.rules import ssda903_episode_before_birth
from selfeval.extract.specs import TableSpec, annex_a_specs, local_specs, ssda903_specs
from selfeval.extract.store import StoredTables, StoreWriter
from selfeval.extract.table import TableResult, build_table

log = logging.getLogger(__name__)

META_NAMES = {"extract.yaml", "extract.yml"}
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm"}
# Other file names councils give SSDA903 tables (lower-case, `ssda903_` prefix removed).
SSDA903_ALIASES = {
    "episode": "episodes",
    "review": "reviews",
    "placedadoption": "placed_for_adoption",
    "placed_adoption": "placed_for_adoption",
    "should_be_placed_for_adoption": "placed_for_adoption",
    "prevperm": "previous_permanence",
    "prev_perm": "previous_permanence",
    "missing_episodes": "missing",
}


@dataclass
class Plan:
    """What was found in the extract folder and how each file will be read."""

    workbook: Path | None = None
    annex_csv: dict[int, Path] = field(default_factory=dict)
    ssda903: dict[str, Path] = field(default_factory=dict)
    local: dict[str, Path] = field(default_factory=dict)
    meta: Path | None = None
    notes: list[pd.DataFrame] = field(default_factory=list)

    @property
    def has_data(self) -> bool:
        return bool(self.workbook or self.annex_csv or self.ssda903 or self.local)


def relative(path: Path, folder: Path) -> str:
    return path.relative_to(folder).as_posix()


def input_files(folder: Path) -> list[Path]:
    """Every file in the extract folder except hidden files and Office lock files (`~$…`)."""
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
        and not p.name.startswith("~$")
    )


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def describe_inputs(folder: Path) -> list[dict]:
    """The manifest entry of every input file: relative path, sha256, size in bytes."""
    return [
        {"path": relative(p, folder), "sha256": sha256(p), "bytes": p.stat().st_size}
        for p in input_files(folder)
    ]


def _ssda903_table(stem: str) -> str | None:
    name = re.sub(r"^ssda903[_\- ]*", "", stem.lower()).replace(" ", "_").replace("-", "_")
    name = SSDA903_ALIASES.get(name, name)
    return name if name in ssda903_specs() else None


def _not_recognised(folder: Path, path: Path, hint: str) -> pd.DataFrame:
    return one_problem(
        Where(relative(path, folder)),
        "file_not_recognised",
        "info",
        f"{relative(path, folder)} is not a file selfeval reads; ignored. {hint}".strip(),
    )


def plan_extract(folder: Path) -> Plan:
    """Classify the files of an extract folder (see the input contract in docs/design.md)."""
    plan = Plan()
    for path in input_files(folder):
        parts = path.relative_to(folder).parts
        top = parts[0].lower() if len(parts) > 1 else ""
        suffix = path.suffix.lower()
        if len(parts) == 1 and path.name.lower() in META_NAMES:
            plan.meta = path
        elif (
            len(parts) == 1
            and path.name.lower().startswith("annex")
            and (suffix in WORKBOOK_SUFFIXES or suffix == ".xls")
        ):
            if plan.workbook is None:
                plan.workbook = path
            else:
                plan.notes.append(
                    _not_recognised(folder, path, "Only one Annex A workbook is read.")
                )
        elif top == "annex_a" and len(parts) == 2 and suffix == ".csv" and list_number(path.stem):
            plan.annex_csv[list_number(path.stem)] = path  # type: ignore[index]
        elif (
            top == "ssda903" and len(parts) == 2 and suffix == ".csv" and _ssda903_table(path.stem)
        ):
            plan.ssda903[_ssda903_table(path.stem)] = path  # type: ignore[index]
        elif (
            top == "local"
            and len(parts) == 2
            and suffix == ".csv"
            and (path.stem.lower() in local_specs())
        ):
            plan.local[path.stem.lower()] = path
        else:
            hint = {
                "ssda903": "SSDA903 files are named "
                + ", ".join(f"{t}.csv" for t in ssda903_specs()),
                "local": "Local datasets are named " + ", ".join(f"{t}.csv" for t in local_specs()),
                "annex_a": "Annex A CSVs are named list_1.csv … list_11.csv.",
            }.get(top, "")
            plan.notes.append(_not_recognised(folder, path, hint))
    return plan


def _parse_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(str(value).strip(), fmt).date()
        except ValueError:
            continue
    return None


def resolve_extract_date(folder: Path, meta: Path | None) -> tuple[date, list[pd.DataFrame]]:
    """extract.yaml `extract_date`, else a YYYY-MM-DD folder name, else the newest file's date."""
    notes: list[pd.DataFrame] = []
    if meta is not None:
        where = Where(relative(meta, folder))
        try:
            raw = yaml.safe_load(meta.read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, UnicodeDecodeError, OSError) as exc:
            raw = {}
            notes.append(
                one_problem(
                    where,
                    "file_unreadable",
                    "warning",
                    f"{where.file} could not be read as YAML ({type(exc).__name__}); its "
                    "extract_date is ignored.",
                )  # fmt: skip
            )
        value = raw.get("extract_date") if isinstance(raw, dict) else None
        parsed = _parse_date(value) if value is not None else None
        if parsed:
            return parsed, notes
        if value is not None:
            notes.append(
                one_problem(
                    where,
                    "invalid_date",
                    "warning",
                    f"{where.file}: extract_date '{value}' is not a date (expected YYYY-MM-DD); "
                    "the folder name or file dates are used instead.",
                    column="extract_date",
                    value=value,
                )  # fmt: skip
            )
    from_name = (
        _parse_date(folder.name) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", folder.name) else None
    )
    if from_name:
        return from_name, notes
    files = input_files(folder)
    newest = max((p.stat().st_mtime for p in files), default=folder.stat().st_mtime)
    found = datetime.fromtimestamp(newest).date()
    notes.append(
        one_problem(
            Where("extract.yaml"),
            "extract_date",
            "info",
            f"No extract_date in extract.yaml and the folder name is not a date; the newest "
            f"file's date ({found:%d/%m/%Y}) is used.",
        )  # fmt: skip
    )
    return found, notes


def _unusable(spec: TableSpec, where: Where, problem: FileProblem) -> TableResult:
    quality = one_problem(where, problem.rule, "error", problem.message)
    return TableResult(spec, where, None, finish_quality([quality]), 0, 0)


def _read_csv_table(
    path: Path, where: Where, spec: TableSpec, extract_date: date, keep: Keep
) -> TableResult:
    try:
        sheet = read_csv_cells(path, where)
    except FileProblem as problem:
        return _unusable(spec, where, problem)
    return keep(build_table(sheet, spec, extract_date))


def _read_workbook(
    path: Path, folder: Path, extract_date: date, keep: Keep
) -> tuple[dict[int, TableResult], list[pd.DataFrame]]:
    """Annex A lists from the workbook, keyed by list number, and file-level notes.

    One sheet at a time: its cells are read, its table built and handed to `keep`, and the cells
    let go of before the next sheet is read."""
    file = relative(path, folder)
    specs = annex_a_specs()
    try:
        workbook = open_workbook(path, file)
    except FileProblem as problem:
        return {}, [one_problem(Where(file), problem.rule, "error", problem.message)]
    by_list: dict[int, str] = {}
    notes = []
    for name in workbook.sheet_names:
        number = list_number(name)
        if number not in specs:
            continue
        if number in by_list:
            notes.append(
                one_problem(
                    Where(file, name),
                    "sheet_duplicate",
                    "warning",
                    f"{file}: sheets '{by_list[number]}' and '{name}' are both List {number}; "
                    f"only '{by_list[number]}' is read.",
                )  # fmt: skip
            )
        else:
            by_list[number] = name
    if not by_list:
        sheets = ", ".join(f"'{s}'" for s in workbook.sheet_names)
        notes.append(
            one_problem(
                Where(file),
                "sheet_missing",
                "error",
                f"{file} has no Annex A list sheets (expected sheets named 'List 1' … 'List 11'; "
                f"found {sheets}). Rename the sheets or export the Annex A template again.",
            )  # fmt: skip
        )
        return {}, notes
    results = {}
    numbers = {name: number for number, name in by_list.items()}
    for name, sheet in workbook.iter_sheets([by_list[n] for n in sorted(by_list)]):
        number = numbers[name]
        if isinstance(sheet, FileProblem):
            results[number] = _unusable(specs[number], Where(file, name), sheet)
        else:
            results[number] = keep(build_table(sheet, specs[number], extract_date))
        del sheet
    return results, notes


def _missing_lists_note(found: set[int], file: str) -> list[pd.DataFrame]:
    missing = [n for n in annex_a_specs() if n not in found]
    if not missing or not found:
        return []
    names = ", ".join(f"List {n}" for n in missing)
    return [
        one_problem(
            Where(file),
            "sheet_missing",
            "info",
            f"{file}: no sheet for {names}; measures that need them are left blank.",
        )  # fmt: skip
    ]


Keep = Callable[[TableResult], TableResult]


def read_extract(folder: Path, inputs: list[dict], store: StoreWriter | None = None) -> Extract:
    """Read, normalise and validate every recognised file of an extract folder.

    With a `store`, each table is written to it as soon as it is validated and read back only
    when used (Extract.tables is then a StoredTables); otherwise tables are a dict in memory.
    """
    tables_held: dict[str, pd.DataFrame] | StoredTables
    if store is not None:
        tables_held = store.tables

        def keep(result: TableResult) -> TableResult:
            if result.table is not None:
                store.put(result.spec.name, result.table)
                result.table = None
                result.held = True
            return result

    else:
        tables_held = {}

        def keep(result: TableResult) -> TableResult:
            if result.table is not None:
                tables_held[result.spec.name] = result.table
                result.held = True
            return result

    plan = plan_extract(folder)
    if not plan.has_data:
        raise ExtractError(
            f"No data files found in {folder}. An extract folder holds annex_a.xlsx (or "
            "annex_a/list_<n>.csv), ssda903/<table>.csv and/or local/<dataset>.csv."
        )
    extract_date, notes = resolve_extract_date(folder, plan.meta)
    notes += plan.notes
    results: list[TableResult] = []
    annex: dict[int, TableResult] = {}
    if plan.workbook is not None:
        annex, more = _read_workbook(plan.workbook, folder, extract_date, keep)
        notes += more
        if annex or plan.annex_csv:
            notes += _missing_lists_note(
                set(annex) | set(plan.annex_csv), relative(plan.workbook, folder)
            )
    for number, path in sorted(plan.annex_csv.items()):
        where = Where(relative(path, folder))
        if number in annex:
            notes.append(
                one_problem(
                    where,
                    "file_not_recognised",
                    "info",
                    f"{where.file} is ignored: List {number} is read from the workbook.",
                )  # fmt: skip
            )
            continue
        annex[number] = _read_csv_table(path, where, annex_a_specs()[number], extract_date, keep)
    results += [annex[n] for n in sorted(annex)]
    for table, path in sorted(plan.ssda903.items()):
        where = Where(relative(path, folder))
        results.append(_read_csv_table(path, where, ssda903_specs()[table], extract_date, keep))
    for dataset, path in sorted(plan.local.items()):
        where = Where(relative(path, folder))
        results.append(_read_csv_table(path, where, local_specs()[dataset], extract_date, keep))

    order = [r.spec.name for r in results if r.held]
    if isinstance(tables_held, StoredTables):
        tables_held.reorder(order)
        tables: Mapping[str, pd.DataFrame] = tables_held
    else:
        tables = {name: tables_held[name] for name in order}
    if "episodes" in plan.ssda903:
        episodes_file = relative(plan.ssda903["episodes"], folder)
        notes.append(ssda903_episode_before_birth(tables, episodes_file))
        if isinstance(tables, StoredTables):
            tables.release("ssda903_header", "ssda903_episodes")
    quality = finish_quality([*notes, *(r.quality for r in results)])
    summary = finish_summary([_summary_row(r) for r in results])
    return Extract(tables, quality, extract_date, inputs, summary, folder)


def _summary_row(result: TableResult) -> dict:
    severity = result.quality["severity"]
    return {
        "file": result.where.file,
        "sheet": result.where.sheet,
        "table": result.spec.name,
        "rows_read": result.rows_read,
        "rows_used": result.rows_used,
        "errors": int((severity == "error").sum()),
        "warnings": int((severity == "warning").sum()),
    }
