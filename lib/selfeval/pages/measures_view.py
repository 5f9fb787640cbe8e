"""Section 2, "How do we know it?": the measures table, SPC series, findings, team breakdowns.

Pure functions on the measures table (docs/design.md "Measures (output contract)"), so they are
tested on small hand-built frames.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from selfeval.narrative import finding, format_value, month_name
from selfeval.pages.html import Markup, cells, esc, html_frame, link, rag_badge
from selfeval.rag import is_missing
from selfeval.rag import rag as rate

DEFINITIONS_PAGE = "definitions.html"
HEADLINE_TYPES = ("quarter", "snapshot", "month")


@dataclass(frozen=True)
class MeasureLine:
    """One line of a priority's measures table: a measure, optionally for one breakdown."""

    measure_id: str
    name: str
    unit: str
    polarity: str
    breakdown: str = ""
    target: float | None = None
    thresholds: Mapping[str, float] | None = None
    source: str = ""
    from_plan: bool = False
    note: str = ""

    @property
    def label(self) -> str:
        if not self.breakdown:
            return self.name
        key, _, value = self.breakdown.partition("=")
        return f"{self.name} ({key.replace('_', ' ')}: {value.replace('_', ' ')})"

    @property
    def href(self) -> str:
        return f"{DEFINITIONS_PAGE}#{self.measure_id}"


@dataclass
class LineResult:
    """The figures behind one line of the table (raw numbers; formatting is separate)."""

    line: MeasureLine
    period_type: str = ""
    period_end: pd.Timestamp | None = None
    value: float | None = None
    previous: float | None = None
    previous_end: pd.Timestamp | None = None
    target: float | None = None
    rag: str = ""
    variation: str = ""
    assurance: str = ""
    spc: pd.DataFrame | None = None
    england: float | None = None
    region: float | None = None
    benchmark_year: Any = None
    finding: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def has_data(self) -> bool:
        return not is_missing(self.value)


# --- selecting rows -------------------------------------------------------------------------


class LineRows:
    """The rows of each (measure_id, breakdown) line of one measures or history table, found
    once (breakdown ``""`` for the whole service): what a boolean filter on the two columns
    gives, in table order, from a consolidated copy of the table so that later selections
    are cheap. The tables must not be changed in place once loaded: ``line_rows`` keeps
    this per table object (a new or resized table is indexed afresh)."""

    def __init__(self, table: pd.DataFrame) -> None:
        self.table = weakref.ref(table)
        self.length = len(table)
        self._copy = table.copy()
        keys = [table["measure_id"], table["breakdown"].fillna("")]
        self._positions = table.groupby(keys, sort=False).indices if len(table) else {}
        self._rows: dict[tuple[str, str], pd.DataFrame] = {}
        self._months: dict[tuple[str, str], pd.DataFrame] = {}

    def rows(self, measure_id: str, breakdown: str = "") -> pd.DataFrame:
        key = (measure_id, breakdown)
        if key not in self._rows:
            positions = self._positions.get(key, np.array([], dtype=np.intp))
            self._rows[key] = self._copy.iloc[positions]
        return self._rows[key]

    def months(self, measure_id: str, breakdown: str = "") -> pd.DataFrame:
        """The line's month rows oldest first, the last row of each period end kept."""
        key = (measure_id, breakdown)
        if key not in self._months:
            rows = self.rows(measure_id, breakdown)
            rows = rows[rows["period_type"] == "month"].sort_values("period_end")
            self._months[key] = rows.drop_duplicates("period_end", keep="last")
        return self._months[key]


_LINE_ROWS: dict[int, LineRows] = {}
_CACHED_TABLES = 8


def line_rows(table: pd.DataFrame) -> LineRows:
    """``table``'s LineRows, kept for the last few tables (a table whose length changed is
    indexed again)."""
    cached = _LINE_ROWS.get(id(table))
    if cached is not None and cached.length == len(table) and cached.table() is table:
        return cached
    while len(_LINE_ROWS) >= _CACHED_TABLES:
        del _LINE_ROWS[next(iter(_LINE_ROWS))]
    _LINE_ROWS[id(table)] = LineRows(table)
    return _LINE_ROWS[id(table)]


def _rows(measures: pd.DataFrame, measure_id: str, breakdown: str = "") -> pd.DataFrame:
    return line_rows(measures).rows(measure_id, breakdown)


def headline_row(
    measures: pd.DataFrame, measure_id: str, period_end: date, breakdown: str = ""
) -> pd.Series | None:
    """The figure a reader sees first: the quarter ending at period_end, else the snapshot at
    it, else the month ending at it (else the latest row of any type up to period_end)."""
    rows = _rows(measures, measure_id, breakdown)
    if rows.empty:
        return None
    end = pd.Timestamp(period_end)
    types, at_end = rows["period_type"].to_numpy(), (rows["period_end"] == end).to_numpy()
    for kind in HEADLINE_TYPES:
        hits = np.flatnonzero((types == kind) & at_end)
        if len(hits):
            return rows.iloc[hits[-1]]
    earlier = rows[rows["period_end"] <= end].sort_values("period_end")
    return earlier.iloc[-1] if not earlier.empty else None


def monthly_series(measures: pd.DataFrame, measure_id: str, breakdown: str = "") -> pd.Series:
    """Month values indexed by month-end Timestamp, oldest first (empty when none)."""
    rows = line_rows(measures).months(measure_id, breakdown)
    return pd.Series(
        pd.to_numeric(rows["value"], errors="coerce").to_numpy(copy=True),
        index=pd.DatetimeIndex(rows["period_end"]),
        name=measure_id,
    )


def _month_numbers(dates: np.ndarray) -> np.ndarray:
    """year * 12 + month of each date (NaN where there is none), to match calendar months."""
    if dates.dtype.kind == "M":  # datetime64: numpy's month unit floors to the calendar month
        months = dates.astype("datetime64[M]")
        return np.where(np.isnat(months), np.nan, months.astype(np.int64) + 1970 * 12 + 1)
    parsed = pd.DatetimeIndex(pd.to_datetime(dates, cache=False))
    return np.asarray(parsed.year * 12 + parsed.month, dtype=float)


def _month_number(when: pd.Timestamp) -> int:
    return when.year * 12 + when.month


def _months_at(rows: pd.DataFrame, wanted: list[int]) -> np.ndarray:
    """Positions of the month rows of ``rows`` in any of the ``wanted`` calendar months
    (``_month_number``), in row order."""
    month = rows["period_type"].to_numpy() == "month"
    numbers = _month_numbers(rows["period_end"].to_numpy()[month])
    return np.flatnonzero(month)[np.isin(numbers, wanted)]


def previous_quarter(
    measures: pd.DataFrame, row: pd.Series, unit: str
) -> tuple[float | None, pd.Timestamp | None]:
    """The same figure one quarter earlier, and the date it describes.

    Snapshots and month figures: the month row three months before. Quarter figures: a quarter
    row ending three months before if there is one, else built from that quarter's three month
    rows (counts summed; percentages and averages from summed numerators and denominators;
    rates are not rebuilt)."""
    end = pd.Timestamp(row["period_end"])
    prev_end = (end - pd.DateOffset(months=3)) + pd.offsets.MonthEnd(0)
    rows = _rows(measures, row["measure_id"], row["breakdown"] or "")
    types, values = rows["period_type"].to_numpy(), rows["value"]
    at_prev_end = (rows["period_end"] == prev_end).to_numpy()
    if row["period_type"] in ("snapshot", "month"):
        hit = _months_at(rows, [_month_number(prev_end)])
        if not len(hit):
            hit = np.flatnonzero((types == row["period_type"]) & at_prev_end)
        if not len(hit) or is_missing(values.iloc[hit[-1]]):
            return None, None
        return float(values.iloc[hit[-1]]), prev_end
    quarter = np.flatnonzero((types == "quarter") & at_prev_end)
    if len(quarter) and not is_missing(values.iloc[quarter[-1]]):
        return float(values.iloc[quarter[-1]]), prev_end
    wanted = [_month_number(prev_end) - k for k in range(3)]  # the quarter's three months
    three = rows.iloc[_months_at(rows, wanted)]
    if len(three) < 3:
        return None, None
    if unit == "count":
        values = pd.to_numeric(three["value"], errors="coerce")
        return (None, None) if values.isna().any() else (float(values.sum()), prev_end)
    if unit in ("pct", "days"):
        num = pd.to_numeric(three["numerator"], errors="coerce")
        den = pd.to_numeric(three["denominator"], errors="coerce")
        if num.isna().any() or den.isna().any() or den.sum() == 0:
            return None, None
        value = num.sum() / den.sum() * (100 if unit == "pct" else 1)
        return round(float(value), 1), prev_end
    return None, None


def previous_from_history(
    history: pd.DataFrame, measure_id: str, breakdown: str, end: pd.Timestamp
) -> tuple[float | None, pd.Timestamp | None]:
    """The headline figure as reported for the quarter before `end` (selfeval.measures.history),
    for figures the extract holds only at the period end."""
    prev_end = (pd.Timestamp(end) - pd.DateOffset(months=3)) + pd.offsets.MonthEnd(0)
    h = _rows(history, measure_id, breakdown)
    rows = h[
        h["period_type"].isin(["quarter", "snapshot"])
        & (pd.to_datetime(h["period_end"], cache=False) == prev_end)
        & (pd.to_datetime(h["reported_period_end"], cache=False) == prev_end)
    ]
    if rows.empty or is_missing(rows["value"].iloc[-1]):
        return None, None
    return float(rows["value"].iloc[-1]), prev_end


# --- the lines of a priority ----------------------------------------------------------------


def catalogue_entry(catalogue: Any, measure_id: str) -> dict[str, Any]:
    """A catalogue entry as a plain dict (name, unit, polarity, priority, target, thresholds,
    source, description); {} when the catalogue does not know the id."""
    entry = None
    for getter in (
        lambda: catalogue[measure_id],
        lambda: catalogue.measures[measure_id],
        lambda: catalogue.get(measure_id),
    ):
        try:
            entry = getter()
        except (KeyError, TypeError, AttributeError):
            continue
        if entry is not None:
            break
    if entry is None:
        return {}
    if isinstance(entry, Mapping):
        data = dict(entry)
    elif hasattr(entry, "model_dump"):
        data = entry.model_dump()
    else:
        data = {
            k: getattr(entry, k)
            for k in dir(entry)
            if not k.startswith("_") and not callable(getattr(entry, k))
        }
    data.setdefault("id", measure_id)
    data.setdefault("name", measure_id.replace("_", " ").capitalize())
    return data


def catalogue_ids(catalogue: Any) -> list[str]:
    for getter in (
        lambda: list(catalogue.measures),
        lambda: list(catalogue.keys()),
        lambda: list(catalogue),
    ):
        try:
            ids = getter()
        except (AttributeError, TypeError):
            continue
        return [i if isinstance(i, str) else getattr(i, "id", str(i)) for i in ids]
    return []


def line_from_catalogue(catalogue: Any, measure_id: str, **overrides: Any) -> MeasureLine:
    e = catalogue_entry(catalogue, measure_id)
    thresholds = overrides.pop("thresholds", None) or e.get("thresholds") or e.get("rag")
    target = overrides.pop("target", None)
    if target is None:
        target = e.get("target")
    return MeasureLine(
        measure_id=measure_id,
        name=str(e.get("name") or measure_id),
        unit=str(e.get("unit") or ""),
        polarity=str(e.get("polarity") or "neutral"),
        target=None if is_missing(target) else float(target),
        thresholds=thresholds if isinstance(thresholds, Mapping) else None,
        source=str(e.get("source") or ""),
        **overrides,
    )


def priority_lines(
    catalogue: Any,
    priority_id: str,
    plan_targets: Sequence[Mapping[str, Any]] = (),
    extra_ids: Iterable[str] = (),
) -> list[MeasureLine]:
    """The catalogue's measures for a priority, the plan's targets (with their breakdowns and
    thresholds) and any extra ids, without duplicates; plan targets first."""
    known = set(catalogue_ids(catalogue))
    lines: dict[tuple[str, str], MeasureLine] = {}
    for t in plan_targets:
        mid = t.get("measure")
        if not mid or mid not in known:
            continue
        key = (mid, t.get("breakdown") or "")
        if key in lines:
            continue
        lines[key] = line_from_catalogue(
            catalogue,
            mid,
            breakdown=key[1],
            target=t.get("target"),
            thresholds=t.get("thresholds"),
            from_plan=True,
            note=t.get("note") or "",
        )
    for mid in [*catalogue_ids(catalogue), *extra_ids]:
        if mid not in known:
            continue
        e = catalogue_entry(catalogue, mid)
        if e.get("priority") != priority_id and mid not in set(extra_ids):
            continue
        lines.setdefault((mid, ""), line_from_catalogue(catalogue, mid))
    return list(lines.values())


# --- computing a line -----------------------------------------------------------------------


def period_words(period_type: str, end: pd.Timestamp | None) -> str:
    """How a figure's period reads: 'the quarter to March 2022', 'March 2022'."""
    if end is None:
        return ""
    if period_type == "quarter":
        return f"the quarter to {month_name(end)}"
    return month_name(end)


def evaluate_line(
    measures: pd.DataFrame,
    line: MeasureLine,
    period_end: date,
    *,
    benchmarks: Mapping[str, Mapping[str, Any]] | None = None,
    history: pd.DataFrame | None = None,
) -> LineResult:
    """Latest value, previous quarter, target, RAG, SPC verdicts, benchmark and a finding."""
    from selfeval.spc import xmr

    result = LineResult(line)
    row = headline_row(measures, line.measure_id, period_end, line.breakdown)
    bench = (benchmarks or {}).get(line.measure_id) if not line.breakdown else None
    if bench:
        result.england = bench.get("england")
        result.region = bench.get("region")
        result.benchmark_year = bench.get("year")
    if row is None:
        result.target = line.target
        result.finding = f"{line.label}: no data for this period."
        return result
    unit = line.unit or str(row.get("unit") or "")
    result.period_type = str(row["period_type"])
    result.period_end = pd.Timestamp(row["period_end"])
    result.value = None if is_missing(row["value"]) else float(row["value"])
    result.previous, result.previous_end = previous_quarter(measures, row, unit)
    if result.previous is None and history is not None and len(history):
        result.previous, result.previous_end = previous_from_history(
            history, line.measure_id, line.breakdown, result.period_end
        )
    target = line.target if line.target is not None else row.get("target")
    result.target = None if is_missing(target) else float(target)
    if str(row.get("rag") or "") == "suppressed":
        result.rag = "suppressed"
    elif line.thresholds:
        result.rag = rate(result.value, polarity=line.polarity, thresholds=line.thresholds)
    elif line.target is not None:
        result.rag = rate(result.value, polarity=line.polarity, thresholds={"green": line.target})
    else:
        result.rag = str(row.get("rag") or "")
    series = monthly_series(measures, line.measure_id, line.breakdown)
    if series.notna().sum() >= 2:
        result.spc = xmr(series, polarity=line.polarity, target=result.target, unit=unit)
        result.variation = result.spc.attrs.get("variation", "")
        result.assurance = result.spc.attrs.get("assurance", "")
    result.finding = finding(
        line.label,
        value=result.value,
        period=period_words(result.period_type, result.period_end),
        unit=unit,
        previous=result.previous,
        previous_period=period_words(result.period_type, result.previous_end),
        target=result.target,
        rag=result.rag if result.rag in ("green", "amber", "red") else "",
        spc=result.spc,
    )
    return result


def evaluate_lines(
    measures: pd.DataFrame,
    lines: Sequence[MeasureLine],
    period_end: date,
    *,
    benchmarks: Mapping[str, Mapping[str, Any]] | None = None,
    history: pd.DataFrame | None = None,
) -> list[LineResult]:
    return [
        evaluate_line(measures, ln, period_end, benchmarks=benchmarks, history=history)
        for ln in lines
    ]


# --- presenting -----------------------------------------------------------------------------


def format_change(value: float | None, previous: float | None, unit: str, polarity: str) -> str:
    """'▲ 2.3 points (better)', '▼ 12 (worse)', 'No change', '' when not comparable."""
    if is_missing(value) or is_missing(previous):
        return ""
    diff = float(value) - float(previous)  # type: ignore[arg-type]
    whole = float(value).is_integer() and float(previous).is_integer()  # type: ignore[arg-type]
    decimals = 0 if unit == "count" and whole else 1
    if round(diff, decimals) == 0:
        return "No change"
    arrow = "▲" if diff > 0 else "▼"
    size = f"{abs(diff):,.{decimals}f}"
    size += {"pct": " points", "days": " days", "rate_10k": " per 10,000"}.get(unit, "")
    verdict = ""
    if polarity in ("up", "down"):
        better = (diff > 0) == (polarity == "up")
        verdict = " (better)" if better else " (worse)"
    return f"{arrow} {size}{verdict}"


VARIATION_TEXT = {
    "improvement": "Improving (special cause)",
    "concern": "Concern (special cause)",
    "special cause": "Special cause (neither better nor worse)",
    "common cause": "No significant change",
    "": "Too few points",
}
ASSURANCE_TEXT = {
    "consistently pass": "Consistently meets target",
    "consistently fail": "Consistently misses target",
    "hit and miss": "Hit and miss",
    "": "",
}


def lines_frame(
    results: Sequence[LineResult],
    region_name: str = "Region",
    comparison: Mapping[str, Mapping[str, str]] | None = None,
) -> pd.DataFrame:
    """The measures table as text/Markup cells ready for `html_table`. ``comparison``
    ({measure_id: {"Statistical neighbours": ..., "Quartile": ...}}, see
    ``pages.compare_view.measure_table_columns``) adds those two columns."""
    rows = []
    for r in results:
        unit = r.line.unit
        rows.append(
            {
                "Measure": link(r.line.label, r.line.href),
                "Period": _period_cell(r),
                "Latest": format_value(r.value, unit) if r.period_end is not None else "no data",
                "Previous quarter": format_value(r.previous, unit)
                if r.previous is not None
                else "",
                "Change": format_change(r.value, r.previous, unit, r.line.polarity),
                "Target": format_value(r.target, unit, trim=True) if r.target is not None else "",
                "RAG": rag_badge(r.rag),
                "Trend (SPC)": VARIATION_TEXT.get(r.variation, r.variation),
                "Assurance": ASSURANCE_TEXT.get(r.assurance, r.assurance),
                "England": _bench(r.england, unit, r.benchmark_year),
                region_name: _bench(r.region, unit, r.benchmark_year),
            }
        )
        if comparison is not None:
            extra = {} if r.line.breakdown else comparison.get(r.line.measure_id, {})
            rows[-1]["Statistical neighbours"] = extra.get("Statistical neighbours", "")
            rows[-1]["Quartile"] = extra.get("Quartile", "")
    return html_frame(rows)


def _period_cell(r: LineResult) -> str:
    if r.period_end is None:
        return ""
    end = r.period_end.strftime("%-d %b %Y")
    words = {"quarter": f"Quarter to {end}", "snapshot": f"At {end}", "month": f"Month to {end}"}
    return words.get(r.period_type, end)


def _bench(value: Any, unit: str, year: Any) -> str:
    if value is None or is_missing(value):
        return ""
    text = format_value(value, unit) if unit else str(value)
    return f"{text} ({year})" if year else text


def team_frame(
    measures: pd.DataFrame, line: MeasureLine, period_end: date, *, key: str = "team"
) -> pd.DataFrame:
    """The headline figure by `key` (e.g. team) for one measure: value, numerator, denominator,
    RAG against the line's thresholds. Empty when the measure has no such breakdown."""
    m = measures[
        (measures["measure_id"] == line.measure_id)
        & measures["breakdown"].str.startswith(f"{key}=")
    ]
    if m.empty:
        return pd.DataFrame()
    end = pd.Timestamp(period_end)
    for kind in HEADLINE_TYPES:
        hit = m[(m["period_type"] == kind) & (m["period_end"] == end)]
        if not hit.empty:
            break
    else:
        return pd.DataFrame()
    out = pd.DataFrame(
        {
            key.replace("_", " ").capitalize(): hit["breakdown"].str.split("=", n=1).str[1],
            "value": pd.to_numeric(hit["value"], errors="coerce"),
            "numerator": pd.to_numeric(hit["numerator"], errors="coerce"),
            "denominator": pd.to_numeric(hit["denominator"], errors="coerce"),
        }
    )
    thresholds = line.thresholds or ({"green": line.target} if line.target is not None else None)
    out["rag"] = [
        rate(v, polarity=line.polarity, thresholds=thresholds) if thresholds else ""
        for v in out["value"]
    ]
    ascending = line.polarity == "down"
    return out.sort_values("value", ascending=ascending, na_position="last").reset_index(drop=True)


def team_frame_display(frame: pd.DataFrame, line: MeasureLine) -> pd.DataFrame:
    if frame.empty:
        return frame
    key = frame.columns[0]
    show = pd.DataFrame({key: frame[key]})
    show[line.name] = [format_value(v, line.unit) for v in frame["value"]]
    if frame["denominator"].notna().any():
        show["Of"] = [
            "" if is_missing(d) else f"{int(n) if not is_missing(n) else 0:,} of {int(d):,}"
            for n, d in zip(frame["numerator"], frame["denominator"], strict=True)
        ]
    if (frame["rag"] != "").any():
        show["RAG"] = cells(map(rag_badge, frame["rag"]), frame.index)
    return show


def findings_lists(results: Sequence[LineResult]) -> tuple[list[str], list[str], list[str]]:
    """(strengths, areas for development, other findings) from the lines' findings."""
    from selfeval.narrative import strengths_and_areas

    with_data = [r for r in results if r.has_data]
    frame = pd.DataFrame(
        {
            "finding": [r.finding for r in with_data],
            "rag": [r.rag if r.rag in ("green", "amber", "red") else "" for r in with_data],
            "variation": [r.variation for r in with_data],
        }
    )
    strengths, areas = strengths_and_areas(frame) if len(frame) else ([], [])
    other = [r.finding for r in with_data if r.finding not in strengths and r.finding not in areas]
    return strengths, areas, other


def esc_list(items: Iterable[str]) -> list[str]:
    return [esc(i) for i in items]


__all__ = [
    "MeasureLine",
    "LineResult",
    "Markup",
    "headline_row",
    "monthly_series",
    "previous_quarter",
    "priority_lines",
    "evaluate_line",
    "evaluate_lines",
    "lines_frame",
    "format_change",
    "team_frame",
    "team_frame_display",
    "findings_lists",
    "catalogue_entry",
    "catalogue_ids",
]
