"""`selfeval measures`: compute measures.csv from an extract folder without rendering."""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

from selfeval.measures.context import resolve_period_end
from selfeval.measures.engine import compute_measures_with_status, write_measures


def measures_command(data: Path | None, period_end: date | None, out: Path) -> int:
    """Read the extract, compute the measures, write `out`. Exit 0, or 2 when the extract folder
    is missing or the period end is after the extract date (PeriodEndError, a UserError)."""
    if data is None or not Path(data).is_dir():
        print(
            f"selfeval measures: the extract folder {data} does not exist "
            "(expected a folder holding annex_a.xlsx, ssda903/ and/or local/)",
            file=sys.stderr,
        )
        return 2
    from selfeval.extract import load_extract

    started = time.monotonic()
    extract = load_extract(Path(data))
    read_s = time.monotonic() - started
    period_end = resolve_period_end(period_end, extract.extract_date)  # later: exit 2
    started = time.monotonic()
    measures, status = compute_measures_with_status(
        extract.tables, period_end, extract_date=extract.extract_date
    )
    path = write_measures(measures, Path(out))
    seconds = time.monotonic() - started
    ok = status[status["status"] == "ok"]
    missing = status[status["status"].isin(["unavailable", "error"])]
    print(
        f"Measures for the period ending {period_end:%d %B %Y}: {len(ok)} measures, "
        f"{len(measures)} rows (extract read in {read_s:.1f}s, measures in {seconds:.1f}s)."
    )
    if len(missing):
        print(f"Not available from this extract ({len(missing)}):")
        for row in missing.itertuples(index=False):
            print(f"  {row.measure_id}: {row.why}")
    print(f"Written: {path}")
    return 0
