"""compute_measures: run every registered measure over the periods and build measures.csv rows."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas._libs import lib

from selfeval.bank_holidays import BankHolidaysNotCovered
from selfeval.config import Settings
from selfeval.measures.catalogue import Catalogue, MeasureDef
from selfeval.measures.context import Context, build_periods, latest_only_reason
from selfeval.measures.registry import REGISTRY, MeasureFn, MeasureUnavailable

log = logging.getLogger(__name__)

MEASURE_COLUMNS = [
    "measure_id",
    "period_type",
    "period_start",
    "period_end",
    "breakdown",
    "numerator",
    "denominator",
    "value",
    "unit",
    "target",
    "rag",
    "polarity",
]
STATUS_COLUMNS = ["measure_id", "status", "source", "rows", "why"]
#: the run's measure status (measure_id, status, why) beside measures.csv
MEASURE_STATUS_FILE = "measure_status.csv"
_PERIOD_ORDER = {"month": 0, "quarter": 1, "snapshot": 2}


def round_half_up(x: Any, digits: int = 1) -> Any:
    """Round half away from zero (as by hand: 12.25 → 12.3), not to even."""
    scale = 10.0**digits
    return np.sign(x) * np.floor(np.abs(x) * scale + 0.5 + 1e-9) / scale


def compute_measures(
    tables: Mapping[str, pd.DataFrame],
    period_end: date,
    *,
    settings: Settings,
    catalogue: Catalogue,
    extract_date: date | None = None,
) -> pd.DataFrame:
    """The measures table (docs/design.md columns) for every computable measure in the catalogue.

    Measures whose tables or columns are missing produce no rows; to learn why, use
    :func:`compute_measures_with_status`. `extract_date` (default: the period end) tells which
    measures the data cannot support at an earlier period end.
    """
    measures, _ = compute_measures_with_status(
        tables, period_end, settings=settings, catalogue=catalogue, extract_date=extract_date
    )
    return measures


def compute_measures_with_status(
    tables: Mapping[str, pd.DataFrame],
    period_end: date,
    *,
    settings: Settings,
    catalogue: Catalogue,
    extract_date: date | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(measures, status): status has one row per catalogue measure: measure_id, status
    (`ok` / `unavailable` / `not computable` / `error`), source (tables used), rows, why."""
    frames, status = _compute(tables, period_end, settings, catalogue, extract_date)
    measures = pd.concat(frames, ignore_index=True) if frames else _empty()
    return measures[MEASURE_COLUMNS], pd.DataFrame(status, columns=STATUS_COLUMNS)


def _compute(
    tables: Mapping[str, pd.DataFrame],
    period_end: date,
    settings: Settings,
    catalogue: Catalogue,
    extract_date: date | None = None,
) -> tuple[list[pd.DataFrame], list[dict]]:
    ctx = Context(tables, period_end, settings, extract_date)
    latest_only = ctx.period_end < ctx.extract_date
    periods_by_kind: dict[str, pd.DataFrame] = {}
    frames: list[pd.DataFrame] = []
    status: list[dict] = []
    last_use = _last_use(catalogue, tables)
    for i, mdef in enumerate(catalogue):
        _release(ctx, tables, [t for t, last in last_use.items() if last == i - 1])
        fn = REGISTRY.get(mdef.id)
        if not mdef.computable:
            status.append(_status(mdef.id, "not computable", (), 0, mdef.why or ""))
            continue
        if fn is None:
            status.append(_status(mdef.id, "error", (), 0, "no function registered"))
            continue
        using = fn.source_tables(ctx.tables)
        if using is None:
            needs = " or ".join(" + ".join(alt) for alt in fn.sources)
            status.append(_status(mdef.id, "unavailable", (), 0, f"needs {needs}"))
            continue
        if fn.kind == "current" and latest_only:
            why = latest_only_reason(period_end, ctx.extract_date)
            status.append(_status(mdef.id, "unavailable", using, 0, why))
            continue
        if fn.kind not in periods_by_kind:
            periods_by_kind[fn.kind] = build_periods(period_end, fn.kind)
        periods, short = _covered(
            periods_by_kind[fn.kind],
            {t: ctx.coverage_start(t) for t in using},
            fn.kind,
            latest_only,
        )
        ctx.using = using
        ctx.reported_pids = None
        try:
            contrib = fn.fn(ctx, periods)
            if ctx.reported_pids is not None:
                periods = periods[periods["pid"].isin(ctx.reported_pids)]
        except (MeasureUnavailable, BankHolidaysNotCovered) as exc:
            status.append(_status(mdef.id, "unavailable", using, 0, str(exc)))
            continue
        except Exception as exc:  # one broken measure must not take the run down
            log.exception("measure %s failed", mdef.id)
            status.append(_status(mdef.id, "error", using, 0, f"{type(exc).__name__}: {exc}"))
            continue
        if short:  # the measure's own reasons (a missing column) come first
            status.append(_status(mdef.id, "unavailable", using, 0, short))
            continue
        rows = aggregate(contrib, periods, fn, mdef, ctx)
        frames.append(rows)
        status.append(_status(mdef.id, "ok", using, len(rows), ""))
    return frames, status


def _last_use(catalogue: Catalogue, tables: Mapping[str, pd.DataFrame]) -> dict[str, int]:
    """Table → position of the last catalogue measure that may read it (any of its sources)."""
    last: dict[str, int] = {}
    for i, mdef in enumerate(catalogue):
        fn = REGISTRY.get(mdef.id)
        if fn is None or not mdef.computable:
            continue
        for name in {t for alternative in fn.sources for t in alternative}:
            if name in tables:
                last[name] = i
    return last


def _release(ctx: Context, tables: Mapping[str, pd.DataFrame], names: list[str]) -> None:
    """Let go of tables no later measure reads (and of values built from them), when they can
    be read again from the store: a large extract is then never held whole. A table read again
    after all is simply read from the store again (same values)."""
    release = getattr(tables, "release", None)
    if not names or release is None:
        return
    ctx.forget(names)
    release(*names)


def _status(measure_id: str, status: str, using: tuple[str, ...], rows: int, why: str) -> dict:
    return dict(measure_id=measure_id, status=status, source=" + ".join(using), rows=rows, why=why)


def _covered(
    periods: pd.DataFrame,
    starts: Mapping[str, pd.Timestamp | None],
    kind: str,
    before_extract: bool = False,
) -> tuple[pd.DataFrame, str]:
    """(the periods the data reaches, ''), keeping rows whose check date is on or after every
    table's coverage start; or (the headline only, why) when the data does not reach back to
    the headline's window start, for a 12-month measure (a 12-month figure from 6 months of
    data would be labelled as what it is not) and, when the period ends before the extract
    date (`before_extract`), for the quarter (at the extract date Ofsted's 6-month lists always
    hold the quarter)."""
    known = {t: s for t, s in starts.items() if s is not None}
    if not known:
        return periods, ""
    table, reach = max(known.items(), key=lambda item: item[1])
    head = periods[periods["headline"]]
    checked = kind == "rolling12" or (kind == "flow" and before_extract)
    if checked and len(head) and (head["check"] < reach).any():
        need = head["check"].min()
        window = "12 months" if kind == "rolling12" else "quarter"
        return head.reset_index(drop=True), (
            f"{table} reaches back only to {reach:%d %B %Y}; the figure for "
            f"the {window} ending {head['at'].max():%d %B %Y} "
            f"needs data from {need:%d %B %Y}"
        )
    return periods[periods["headline"] | (periods["check"] >= reach)].reset_index(drop=True), ""


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in MEASURE_COLUMNS})


def aggregate(
    contrib: pd.DataFrame,
    periods: pd.DataFrame,
    fn: MeasureFn,
    mdef: MeasureDef,
    ctx: Context,
) -> pd.DataFrame:
    """Turn contributions into measure rows: whole service first (every period, zero when there
    is nothing), then each breakdown value present in the data."""
    n = _numbers(contrib, "n", 1.0)
    d = _numbers(contrib, "d", 1.0)
    pid = contrib["pid"].to_numpy(dtype="int64") if len(contrib) else np.zeros(0, dtype="int64")
    unit = contrib["unit"] if fn.distinct and "unit" in contrib.columns else None
    size = int(periods["pid"].max()) + 1 if len(periods) else 0
    parts: list[tuple[np.ndarray, ...]] = []  # (pid, breakdown, n, d)
    # the whole service
    keep = _first_per_unit(pid, None, unit, n)
    tot_n = np.bincount(pid[keep], weights=n[keep], minlength=size)
    tot_d = np.bincount(pid[keep], weights=d[keep], minlength=size)
    p = periods["pid"].to_numpy()
    parts.append((p, np.full(len(p), "", dtype=object), tot_n[p], tot_d[p]))
    # breakdowns: those the catalogue asks for (what a page shows), from the contribution
    # columns the function gives
    wanted = [b for b in (mdef.breakdowns or []) if b in contrib.columns]
    for level in wanted:
        codes, names = _labels(contrib[level])
        ok = codes >= 0
        keep = _first_per_unit(pid, codes, unit, n) & ok
        if not keep.any():
            continue
        key = pid[keep] * len(names) + codes[keep]
        labels = np.asarray(names, dtype=object)
        k_n = np.bincount(key, weights=n[keep], minlength=size * len(names))
        k_d = np.bincount(key, weights=d[keep], minlength=size * len(names))
        present = np.unique(key)
        parts.append(
            (
                present // len(names),
                level + "=" + labels[present % len(names)],
                k_n[present],
                k_d[present],
            )
        )
    return _finish(_with_periods(parts, periods), fn, mdef, ctx)


def _with_periods(parts: list[tuple[np.ndarray, ...]], periods: pd.DataFrame) -> dict:
    """Columns pid, breakdown, n, d of the measure rows, then each period column of their pid
    (a left join on pid, done as one lookup)."""
    pid, breakdown, n, d = (np.concatenate([part[i] for part in parts]) for i in range(4))
    rows = {"pid": pid.astype("int64"), "breakdown": breakdown.astype(object), "n": n, "d": d}
    where = pd.Index(periods["pid"]).get_indexer(rows["pid"]) if periods["pid"].is_unique else None
    if where is None or (where < 0).any():  # rare: the join as pandas does it
        joined = pd.DataFrame(rows).merge(periods, on="pid", how="left")
        return {c: joined[c].to_numpy() for c in joined.columns}
    for col in periods.columns:
        if col != "pid":
            rows[col] = periods[col].to_numpy()[where]
    return rows


def _labels(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Breakdown values as (codes, stripped labels), blanks -1, labels in order of appearance."""
    if lib.infer_dtype(values, skipna=True) == "string":  # text only: strip each value once
        raw, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
        label = pd.Series(uniques, dtype="string").str.strip()
        first, names = pd.factorize(label.where(label != ""), use_na_sentinel=True)
        first = np.append(first, -1)  # raw -1 (blank) stays -1
        return first[raw], names
    label = values.astype("string").str.strip()
    return pd.factorize(label.where(label != ""), use_na_sentinel=True)


def _numbers(frame: pd.DataFrame, column: str, default: float) -> np.ndarray:
    if column not in frame.columns:
        return np.full(len(frame), default)
    values = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return values.fillna(0.0).to_numpy()


def _first_per_unit(
    pid: np.ndarray, codes: np.ndarray | None, unit: pd.Series | None, n: np.ndarray
) -> np.ndarray:
    """Mask keeping one row per (period, breakdown, unit): the one with the largest numerator, so
    a child counts once and counts in the numerator if any of their rows does."""
    keep = np.ones(len(pid), dtype=bool)
    if unit is None or not len(pid):
        return keep
    units, _ = pd.factorize(unit.to_numpy(), use_na_sentinel=True)  # blank units: -1, not kept
    rows = np.flatnonzero(units >= 0)
    key = pid[rows].astype("int64") * (int(units.max()) + 1) + units[rows]
    if codes is not None:  # breakdown codes from -1 (blank)
        key = key * (int(codes.max()) + 2) + (codes[rows] + 1)
    # by key, then largest numerator, then first row (lexsort is stable)
    order = np.lexsort((-n[rows], key))
    sorted_key = key[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = sorted_key[1:] != sorted_key[:-1]
    keep[:] = False
    keep[rows[order[first]]] = True
    return keep


def rag_vector(values: np.ndarray, mdef: MeasureDef) -> np.ndarray:
    """rag_status for many values at once."""
    out = np.full(len(values), "", dtype=object)
    if mdef.polarity == "neutral" or (mdef.rag is None and mdef.target is None):
        return out
    if mdef.rag is not None:
        green, amber = mdef.rag.green, mdef.rag.amber
    else:
        assert mdef.target is not None  # checked above
        green = amber = mdef.target
    sign = 1.0 if mdef.polarity == "up" else -1.0
    known = ~np.isnan(values)
    v = np.where(known, values, 0.0) * sign
    out[known & (v >= green * sign)] = "green"
    out[known & (v < green * sign) & (v >= amber * sign)] = "amber"
    out[known & (v < amber * sign)] = "red"
    return out


def _finish(rows: dict, fn: MeasureFn, mdef: MeasureDef, ctx: Context) -> pd.DataFrame:
    # numerators and denominators are sums (of FTE, days, counts): to 2 decimal places, so
    # float noise (113.19999999999996) never reaches measures.csv; values use these rounded sums
    n = round_half_up(np.asarray(rows["n"], dtype="float64"), 2)
    d = round_half_up(np.asarray(rows["d"], dtype="float64"), 2)
    blank = np.full(len(n), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        if fn.agg == "count":
            numerator, denominator, value = n, blank, n
        elif fn.agg == "sum":
            numerator, denominator, value = n, blank, round_half_up(n, 1)
        elif fn.agg == "rate":
            years = pd.DatetimeIndex(rows["at"]).year
            pop = np.array([float(ctx.settings.population(int(y))) for y in years])
            numerator, denominator, value = n, pop, round_half_up(n / pop * 10_000, 1)
        elif fn.agg == "pct":
            numerator, denominator = n, d
            value = round_half_up(np.where(d > 0, 100.0 * n / d, np.nan), 1)
        else:  # ratio: mean days, caseload per FTE
            numerator, denominator = n, d
            value = round_half_up(np.where(d > 0, n / d, np.nan), 1)
    value = np.asarray(value, dtype="float64")
    out = pd.DataFrame(
        {
            "measure_id": mdef.id,
            "period_type": rows["period_type"],
            "period_start": rows["period_start"],
            "period_end": rows["period_end"],
            "breakdown": rows["breakdown"],
            "numerator": _csv_numbers(numerator),
            "denominator": _csv_numbers(denominator),
            "value": _csv_numbers(value, integers=fn.agg == "count"),
            "unit": mdef.unit,
            "target": mdef.target if mdef.target is not None else np.nan,
            "rag": rag_vector(value, mdef),
            "polarity": mdef.polarity,
        }
    )
    order = np.lexsort(
        (
            out["period_end"].to_numpy(),
            out["period_type"].map(_PERIOD_ORDER).to_numpy(),
            out["breakdown"].to_numpy().astype(str),
            out["breakdown"].to_numpy() != "",
        )
    )
    return out.iloc[order].reset_index(drop=True)


def _csv_numbers(values: np.ndarray, *, integers: bool | None = None) -> np.ndarray:
    """Object array of int (whole numbers) / float / None, so CSV shows 12 not 12.0.

    ``integers=None`` keeps whole numbers as int; False keeps floats (percentages, rates)."""
    out: list[int | float | None] = []
    for v in np.asarray(values, dtype="float64").tolist():
        if v != v:  # NaN
            out.append(None)
            continue
        v = round(v, 9)  # the shortest repr: no binary noise in the CSV (0.1 + 0.2 → 0.3)
        if v == 0:
            v = 0.0  # not -0.0
        if integers is not False and float(v).is_integer():
            out.append(int(v))
        else:
            out.append(float(v))
    return np.array(out, dtype=object)


# ------------------------------------------------------------------------------ reading back


def write_measures(measures: pd.DataFrame, path: Path) -> Path:
    """Write measures.csv (ISO dates, empty cells for blanks)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = measures[MEASURE_COLUMNS].copy()
    for col in ("period_start", "period_end"):
        out[col] = pd.to_datetime(out[col]).dt.strftime("%Y-%m-%d")
    out.to_csv(path, index=False)
    return path


def read_measures(path: Path) -> pd.DataFrame:
    """Read measures.csv: dates parsed, numbers as float, breakdown and rag as '' when blank."""
    frame = pd.read_csv(
        path,
        dtype={
            "measure_id": str,
            "period_type": str,
            "breakdown": str,
            "unit": str,
            "rag": str,
            "polarity": str,
        },
        keep_default_na=False,
        na_values={c: [""] for c in ("numerator", "denominator", "value", "target")},
    )
    for col in ("period_start", "period_end"):
        frame[col] = pd.to_datetime(frame[col])
    for col in ("numerator", "denominator", "value", "target"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    return frame


def latest(measures: pd.DataFrame, measure_id: str, breakdown: str = "") -> pd.Series | None:
    """The headline row of a measure: the quarter row for events, else the snapshot row."""
    rows = measures[(measures["measure_id"] == measure_id) & (measures["breakdown"] == breakdown)]
    head = rows[rows["period_type"].isin(["quarter", "snapshot"])]
    if head.empty:
        return None
    return head.sort_values("period_end").iloc[-1]


def trend(measures: pd.DataFrame, measure_id: str, breakdown: str = "") -> pd.DataFrame:
    """The month rows of a measure, oldest first."""
    rows = measures[
        (measures["measure_id"] == measure_id)
        & (measures["breakdown"] == breakdown)
        & (measures["period_type"] == "month")
    ]
    return rows.sort_values("period_end").reset_index(drop=True)


def blank_reasons(status: pd.DataFrame) -> dict[str, str]:
    """Measure id → why it has no figures, for every measure whose status is not `ok`. An error's
    own message stays in run.log (it may quote a value from the data); pages say only that it
    failed."""
    rows = status[status["status"] != "ok"]
    failed = "the figure could not be computed (see run.log)"
    why = rows["why"].where(rows["status"] != "error", failed)
    return dict(zip(rows["measure_id"], why, strict=True))


def read_measure_status(path: Path) -> dict[str, str]:
    """`blank_reasons` of a run's measure_status.csv ({} when the file is absent)."""
    if not Path(path).is_file():
        return {}
    return blank_reasons(pd.read_csv(path, dtype=str, keep_default_na=False))
