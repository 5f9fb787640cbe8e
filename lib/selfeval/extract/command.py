"""`selfeval validate <extract>`: a readable summary and data_quality.csv."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

import pandas as pd

from selfeval.extract.model import Extract, ExtractError
from selfeval.protect import neutralise_formulas


def format_report(extract: Extract) -> str:
    """Per file: rows read and used, then problems counted by rule and severity."""
    lines = [f"Extract {extract.folder} (extract date {extract.extract_date:%d/%m/%Y})", ""]
    quality = extract.quality
    for row in extract.summary.itertuples(index=False):
        place = f"{row.file} [{row.sheet}]" if row.sheet else row.file
        read = "?" if pd.isna(row.rows_read) else f"{row.rows_read:,}"
        lines.append(f"{place} → {row.table}: {read} rows read, {row.rows_used:,} used")
        mine = quality[
            (quality["file"] == row.file) & (quality["sheet"].fillna("") == (row.sheet or ""))
        ]
        lines += _rule_lines(mine)
    others = quality[
        ~quality.set_index(["file", "sheet"]).index.isin(
            extract.summary.set_index(["file", "sheet"]).index
        )
    ]
    if len(others):
        lines += ["", "Other files and notes:"]
        lines += [f"  {m}" for m in others["message"]]
    counts = quality["severity"].value_counts()
    lines += [
        "",
        f"{_count(counts.get('error', 0), 'error')} (rows or tables left out), "
        f"{_count(counts.get('warning', 0), 'warning')}, {_count(counts.get('info', 0), 'note')}.",
    ]
    return "\n".join(lines)


def _rule_lines(problems: pd.DataFrame) -> list[str]:
    if problems.empty:
        return []
    grouped = problems.groupby(["severity", "rule"], sort=False).size()
    order = {"error": 0, "warning": 1, "info": 2}
    items = sorted(grouped.items(), key=lambda kv: (order.get(kv[0][0], 3), kv[0][1]))
    out = [f"    {severity:<7} {rule}: {count:,}" for (severity, rule), count in items]
    tables = problems[problems["row"].isna() & (problems["severity"] == "error")]
    out += [f"    → {message}" for message in tables["message"]]
    return out


def validate_command(
    extract_dir: Path,
    out_csv: Path | None = None,
    *,
    stream: TextIO | None = None,
    store_root: Path | None = None,
) -> int:
    """Validate an extract: print the summary, write data_quality.csv (default ./); with
    `store_root`, the extract's parquet store is written (or reused) there.

    Returns 0 when there are no errors, 1 when there are, 2 when the folder cannot be used.
    """
    from selfeval.extract.load import load_extract

    out = stream or sys.stdout
    try:
        extract = load_extract(Path(extract_dir), store_root=store_root)
    except ExtractError as exc:
        print(f"selfeval validate: {exc}", file=sys.stderr)
        return 2
    target = Path(out_csv) if out_csv else Path.cwd() / "data_quality.csv"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        neutralise_formulas(extract.quality).to_csv(target, index=False)
    except OSError as exc:
        print(f"selfeval validate: could not write {target}: {exc}", file=sys.stderr)
        return 2
    print(format_report(extract), file=out)
    print(f"Data-quality report: {target}", file=out)
    return 1 if extract.errors else 0


def _count(n: int, noun: str) -> str:
    """``1 error``, ``2,500 warnings``."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
