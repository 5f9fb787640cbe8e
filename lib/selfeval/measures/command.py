"""`selfeval measures`: compute measures.csv from an extract folder without rendering."""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

import pandas as pd

from selfeval.config import Workspace
from selfeval.measures.catalogue import load_catalogue
from selfeval.measures.context import resolve_period_end
from selfeval.measures.engine import compute_measures_with_status, write_measures


def measures_command(
    data: Path | None, period_end: date | None, out: Path, *, workspace: Workspace
) -> int:
    """Read the extract (through `workspace`'s store), compute the measures with its settings and
    catalogue, write `out`. Exit 0, or 2 when the extract folder is missing or the period end is
    after the extract date (PeriodEndError, a UserError)."""
    if data is None or not Path(data).is_dir():
        print(
            f"selfeval measures: the extract folder {data} does not exist "
            "(expected a folder holding annex_a.xlsx, ssda903/ and/or local/)",
            file=sys.stderr,
        )
        return 2
    from selfeval.extract import load_extract

    started = time.monotonic()
    extract = load_extract(Path(data), store_root=workspace.store_root)
    read_s = time.monotonic() - started
    period_end = resolve_period_end(period_end, extract.extract_date)  # later: exit 2
    started = time.monotonic()
    measures, status = compute_measures_with_status(
        extract.tables,
        period_end,
        settings=workspace.settings(),
        catalogue=load_catalogue(workspace.params / "measures.yaml"),
        extract_date=extract.extract_date,
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
    for line in undecided_lines(measures):
        print(line)
    print(f"Written: {path}")
    return 0


def undecided_lines(measures: pd.DataFrame) -> list[str]:
    """One line per `<x>_undecided` measure whose quarter counts any: how many events its
    percentage left out because the data cannot decide them."""
    head = measures[
        measures["measure_id"].str.endswith("_undecided")
        & (measures["period_type"] == "quarter")
        & (measures["breakdown"] == "")
    ]
    return [
        f"{row.measure_id.removesuffix('_undecided')}_pct: {int(row.value)} in the quarter could "
        f"not be decided from the extract and are left out ({row.measure_id})."
        for row in head.itertuples(index=False)
        if row.value and row.value > 0
    ]
