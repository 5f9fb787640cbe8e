"""The measures history store: every run's measures, one parquet file per period end.

Files live in the workspace's history folder (``Workspace.history``, ``data/history/``), one
``measures_<period_end>.parquet`` each. Re-running a period replaces that
file atomically (temporary file + ``os.replace``); other periods are never touched.
"""

from __future__ import annotations

import os
import tempfile
from datetime import date, datetime
from pathlib import Path

import pandas as pd

HISTORY_KEYS = ["reported_period_end", "extract_id", "computed_at"]


def _file(root: Path, period_end: date) -> Path:
    return root / f"measures_{pd.Timestamp(period_end):%Y-%m-%d}.parquet"


def update_history(
    measures: pd.DataFrame,
    *,
    period_end: date,
    extract_id: str,
    root: Path,
) -> Path:
    """Store this run's measures in the history folder `root` (the workspace's
    `Workspace.history`) as the record for `period_end` (replacing any earlier run of the same
    period end), keyed by the period end and the extract id. Returns the file."""
    folder = Path(root)
    folder.mkdir(parents=True, exist_ok=True)
    frame = measures.copy()
    frame.attrs = {}
    for col in ("numerator", "denominator", "value", "target"):
        if col in frame.columns:
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    for col in ("period_start", "period_end"):
        frame[col] = pd.to_datetime(frame[col])
    frame.insert(0, "reported_period_end", pd.Timestamp(period_end))
    frame.insert(1, "extract_id", str(extract_id))
    frame.insert(2, "computed_at", pd.Timestamp(datetime.now().replace(microsecond=0)))
    target = _file(folder, period_end)
    fd, tmp = tempfile.mkstemp(prefix=".measures_", suffix=".parquet.tmp", dir=folder)
    os.close(fd)
    try:
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def read_history(root: Path) -> pd.DataFrame:
    """Every run stored in the history folder `root`: the measures columns plus
    reported_period_end, extract_id, computed_at. Empty (with those columns) when nothing is
    stored yet."""
    from selfeval.measures.engine import MEASURE_COLUMNS

    folder = Path(root)
    files = sorted(folder.glob("measures_*.parquet")) if folder.is_dir() else []
    if not files:
        return pd.DataFrame(columns=HISTORY_KEYS + MEASURE_COLUMNS)
    frames = [pd.read_parquet(f) for f in files]
    out = pd.concat(frames, ignore_index=True)
    out["breakdown"] = out["breakdown"].fillna("")
    out["rag"] = out["rag"].fillna("")
    return out.sort_values(["reported_period_end", "measure_id"], kind="stable").reset_index(
        drop=True
    )


def as_reported_before(history: pd.DataFrame, period_end: date) -> pd.DataFrame:
    """The headline rows (quarter / snapshot) of the latest run reported before `period_end`:
    "as reported last quarter". Empty when there is none."""
    earlier = history[history["reported_period_end"] < pd.Timestamp(period_end)]
    if earlier.empty:
        return earlier
    last = earlier[earlier["reported_period_end"] == earlier["reported_period_end"].max()]
    return last[last["period_type"].isin(["quarter", "snapshot"])].reset_index(drop=True)


def headline_history(history: pd.DataFrame, measure_id: str, breakdown: str = "") -> pd.DataFrame:
    """The headline figure of one measure as reported at each period end, oldest first (a trend
    longer than one extract, and the trend of 'as at the period end only' measures)."""
    rows = history[
        (history["measure_id"] == measure_id)
        & (history["breakdown"] == breakdown)
        & history["period_type"].isin(["quarter", "snapshot"])
        & (history["period_end"] == history["reported_period_end"])
    ]
    return rows.sort_values("reported_period_end").reset_index(drop=True)
