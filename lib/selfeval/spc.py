"""Statistical process control in the NHS "Making Data Count" style (XmR charts).

- Centre line: the mean of the (baseline) points. Moving range: |x[i] - x[i-1]| between
  consecutive points with data. Process limits: mean +/- 2.66 x mean moving range, so one
  sigma is 2.66 / 3 x mean moving range.
- Special cause rules (lengths configurable through ``xmr(..., shift=7, trend=7)``, each can be
  switched off with ``False``/``0``):
  ``outside limits``: a point strictly above the upper or below the lower limit;
  ``shift``: 7 or more points in a row above the mean, or below it (a point on the mean breaks
  the run); ``trend``: 7 or more points in a row each higher (or each lower) than the one
  before (a tie breaks it); ``two in three``: 2 of 3 consecutive points beyond 2 sigma on the
  same side of the mean (the points beyond 2 sigma are flagged).
- Polarity (``up``/``down``/``neutral``) says which way is better, so special cause is an
  ``improvement`` or a ``concern`` (or just ``special cause`` for neutral measures). Where a
  point is flagged by a trend one way and a side rule the other, the side rule decides.
- Assurance compares the target with the latest limits: ``consistently pass`` when every value
  within the limits meets it, ``consistently fail`` when none does, else ``hit and miss``.
- Missing values are skipped (not zero): they get no moving range and do not break runs.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from selfeval.narrative import format_value, period_label, plural
from selfeval.rag import POLARITIES

LIMIT_FACTOR = 2.66
MIN_POINTS_FOR_LIMITS = 2
MIN_POINTS_FOR_FIRM_LIMITS = 12
DEFAULT_RULES: dict[str, int | bool] = {
    "outside_limits": True,
    "shift": 7,
    "trend": 7,
    "two_in_three": True,
}
RULE_NAMES = {
    "outside_limits": "outside limits",
    "shift": "shift",
    "trend": "trend",
    "two_in_three": "two in three",
}
_SIDE_RULES = ("outside_limits", "shift", "two_in_three")


def _as_series(values: Sequence[float] | pd.Series) -> pd.Series:
    series = values.copy() if isinstance(values, pd.Series) else pd.Series(list(values))
    return pd.to_numeric(series, errors="coerce").astype(float)


def _resolve_rules(overrides: dict[str, Any]) -> dict[str, int]:
    unknown = set(overrides) - set(DEFAULT_RULES)
    if unknown:
        raise TypeError(f"unknown SPC rule(s) {sorted(unknown)}; known: {sorted(DEFAULT_RULES)}")
    rules = {**DEFAULT_RULES, **overrides}
    return {name: int(setting or 0) for name, setting in rules.items()}


def _segment_ids(index: pd.Index, rebase_at: Any) -> np.ndarray:
    """0 for points before the first re-base date, 1 after it, and so on."""
    if rebase_at is None:
        return np.zeros(len(index), dtype=int)
    dates = _as_labels(index, rebase_at)
    return sum((np.asarray(index >= d) for d in dates), np.zeros(len(index), dtype=int))


def _baseline_mask(index: pd.Index, has_value: np.ndarray, baseline: Any) -> np.ndarray:
    """Which points of one segment set its limits: all, the first n with data, or up to a label."""
    if baseline is None:
        return has_value
    if isinstance(baseline, int | np.integer):
        return has_value & (np.cumsum(has_value) <= int(baseline))
    label = pd.Timestamp(baseline) if isinstance(index, pd.DatetimeIndex) else baseline
    mask = has_value & np.asarray(index <= label)
    return mask if mask.sum() >= MIN_POINTS_FOR_LIMITS else has_value


def limits(points: np.ndarray) -> tuple[float, float]:
    """(mean, mean moving range) of consecutive points; NaN when fewer than 2 points."""
    if len(points) < MIN_POINTS_FOR_LIMITS:
        return float("nan"), float("nan")
    return float(np.mean(points)), float(np.mean(np.abs(np.diff(points))))


def _runs(signs: np.ndarray) -> list[tuple[int, int, int]]:
    """(start, stop, sign) of maximal runs of equal non-zero signs."""
    runs, start = [], 0
    for i in range(1, len(signs) + 1):
        if i == len(signs) or signs[i] != signs[start]:
            if signs[start] != 0:
                runs.append((start, i, int(signs[start])))
            start = i
    return runs


def outside_limits_rule(x: np.ndarray, lcl: np.ndarray, ucl: np.ndarray) -> np.ndarray:
    """+1 above the upper limit, -1 below the lower one, else 0."""
    return np.where(x > ucl, 1, np.where(x < lcl, -1, 0))


def shift_rule(x: np.ndarray, mean: np.ndarray, length: int) -> np.ndarray:
    """+1/-1 for points in a run of ``length`` or more above/below the mean."""
    flags = np.zeros(len(x), dtype=int)
    for start, stop, sign in _runs(np.sign(x - mean).astype(int)):
        if stop - start >= length:
            flags[start:stop] = sign
    return flags


def trend_rule(x: np.ndarray, length: int) -> np.ndarray:
    """+1/-1 for points in a run of ``length`` or more points each above/below the last."""
    flags = np.zeros(len(x), dtype=int)
    if len(x) < 2:
        return flags
    for start, stop, sign in _runs(np.sign(np.diff(x)).astype(int)):
        if stop - start + 1 >= length:  # k rises span k + 1 points
            flags[start : stop + 1] = sign
    return flags


def two_in_three_rule(x: np.ndarray, lower_2: np.ndarray, upper_2: np.ndarray) -> np.ndarray:
    """+1/-1 for points beyond 2 sigma when 2 of 3 consecutive points are beyond it, same side."""
    flags = np.zeros(len(x), dtype=int)
    for side, beyond in ((1, x > upper_2), (-1, x < lower_2)):
        for i in range(len(x) - 2):
            window = beyond[i : i + 3]
            if window.sum() >= 2:
                flags[i : i + 3][window] = side
    return flags


def _classify(direction: int, polarity: str) -> str:
    if direction == 0:
        return "common cause"
    if polarity == "neutral":
        return "special cause"
    better = 1 if polarity == "up" else -1
    return "improvement" if direction == better else "concern"


def assurance(target: float | None, lcl: float, ucl: float, polarity: str) -> str:
    """Where the target lies against the limits; ``""`` without a target, limits or direction."""
    if target is None or pd.isna(target) or pd.isna(lcl) or polarity == "neutral":
        return ""
    if polarity == "up":
        if lcl >= target:
            return "consistently pass"
        return "consistently fail" if ucl < target else "hit and miss"
    if ucl <= target:
        return "consistently pass"
    return "consistently fail" if lcl > target else "hit and miss"


def _moving_ranges(x: np.ndarray) -> np.ndarray:
    """|x - previous point with data| for each point with data after the first; else NaN."""
    has_value = ~np.isnan(x)
    moving_range = np.full(len(x), np.nan)
    moving_range[np.flatnonzero(has_value)[1:]] = np.abs(np.diff(x[has_value]))
    return moving_range


def _segment_columns(
    x: np.ndarray, index: pd.Index, baseline: Any, rules: dict[str, int]
) -> dict[str, np.ndarray]:
    """Limits, sigma lines and rule flags (``_<rule>``) of one segment, rows with and without
    data, as arrays keyed by column name."""
    has_value = ~np.isnan(x)
    base = _baseline_mask(index, has_value, baseline)
    mean, mr_bar = limits(x[base])
    sigma = LIMIT_FACTOR * mr_bar / 3
    lines = {"mean": mean, "sigma": sigma}
    for k, name in ((1, "1sigma"), (2, "2sigma")):
        lines[f"lower_{name}"] = mean - k * sigma
        lines[f"upper_{name}"] = mean + k * sigma
    lines["lcl"] = mean - 3 * sigma
    lines["ucl"] = mean + 3 * sigma
    columns = {"value": x, "moving_range": _moving_ranges(x)}
    columns.update({name: np.full(len(x), level) for name, level in lines.items()})
    columns["baseline"] = base
    flags = _rule_flags(x[has_value], lines, rules) if not np.isnan(mean) else {}
    for name in RULE_NAMES:
        column = np.zeros(len(x), dtype=int)
        if name in flags:
            column[has_value] = flags[name]
        columns[f"_{name}"] = column
    return columns


def _rule_flags(
    x: np.ndarray, lines: dict[str, float], rules: dict[str, int]
) -> dict[str, np.ndarray]:
    """Direction flags (+1/-1/0) of each switched-on rule for one segment's points with data,
    given its centre line and limits (``lines``)."""
    checks = {
        "outside_limits": lambda: outside_limits_rule(x, lines["lcl"], lines["ucl"]),
        "shift": lambda: shift_rule(x, lines["mean"], rules["shift"]),
        "trend": lambda: trend_rule(x, rules["trend"]),
        "two_in_three": lambda: two_in_three_rule(x, lines["lower_2sigma"], lines["upper_2sigma"]),
    }
    return {name: check() for name, check in checks.items() if rules[name]}


def _point_directions(flags: dict[str, np.ndarray]) -> np.ndarray:
    """The side rules decide a point's direction; a trend only when no side rule fired."""
    direction = np.zeros(len(flags["outside_limits"]), dtype=int)
    for name in reversed((*_SIDE_RULES, "trend")):
        direction = np.where(flags[name] != 0, flags[name], direction)
    return direction


def _rule_text(flags: dict[str, np.ndarray]) -> np.ndarray:
    """The rules that fired at each point, ``"; "``-joined in ``RULE_NAMES`` order."""
    code = np.zeros(len(flags["outside_limits"]), dtype=int)
    for bit, name in enumerate(RULE_NAMES):
        code |= (flags[name] != 0).astype(int) << bit
    texts = [
        "; ".join(text for bit, text in enumerate(RULE_NAMES.values()) if combo >> bit & 1)
        for combo in range(2 ** len(RULE_NAMES))
    ]
    return np.array(texts, dtype=object)[code]


def _run_length_at_end(signs: np.ndarray) -> int:
    """How many of the last entries share the last entry's sign."""
    if len(signs) == 0 or signs[-1] == 0:
        return 0
    different = np.flatnonzero(signs != signs[-1])
    return int(len(signs) - (different[-1] + 1 if len(different) else 0))


def _latest_signal(columns: dict[str, np.ndarray], index: pd.Index) -> dict[str, Any]:
    """Which rule explains the latest point's special cause, its direction and run length."""
    rows = np.flatnonzero(~np.isnan(columns["value"]))
    if not len(rows) or not columns["special_cause"][rows[-1]]:
        return {}
    last = rows[-1]
    fired = columns["rule"][last].split("; ")
    rule = next(name for name in (*_SIDE_RULES, "trend") if RULE_NAMES[name] in fired)
    x = columns["value"][rows[columns["segment"][rows] == columns["segment"][last]]]
    length = None
    if rule == "shift":
        length = _run_length_at_end(np.sign(x - columns["mean"][last]))
    elif rule == "trend":
        length = _run_length_at_end(np.sign(np.diff(x))) + 1
    return {
        "rule": RULE_NAMES[rule],
        "direction": int(columns["direction"][last]),
        "length": length,
        "period": index[rows][-1],
    }


def _describe_signal(signal: dict[str, Any]) -> str:
    direction, length = signal["direction"], signal["length"]
    if signal["rule"] == "shift":
        return f"{length} points in a row {'above' if direction > 0 else 'below'} the average"
    if signal["rule"] == "trend":
        return f"{length} points in a row {'rising' if direction > 0 else 'falling'}"
    if signal["rule"] == "two in three":
        side = "upper" if direction > 0 else "lower"
        return f"2 of 3 points close to the {side} limit"
    return "above the upper limit" if direction > 0 else "below the lower limit"


_ASSURANCE_TEXT = {
    "consistently pass": "is outside the process limits: if nothing changes it will be met "
    "every period",
    "consistently fail": "is outside the process limits: if nothing changes it will be missed "
    "every period",
    "hit and miss": "is within the process limits: it will be met in some periods and missed "
    "in others",
}


def summarise(frame: pd.DataFrame, unit: str | None = None) -> str:
    """A plain-English summary of an ``xmr`` frame's limits, variation and assurance."""
    last = frame.iloc[-1] if frame.attrs["variation"] else None
    return _summary_text(frame.attrs, last, unit)


def _summary_text(attrs: dict[str, Any], last: Any, unit: str | None) -> str:
    """``summarise`` given the attrs and the last row (its ``mean``, ``lcl`` and ``ucl``)."""
    n = attrs["n_points"]
    line_unit = None if unit == "count" else unit  # averages and limits of counts keep 1 dp
    if not attrs["variation"]:
        text = f"Not enough data for SPC: {plural(n, 'point')} (at least 2 are needed)."
    else:
        text = (
            f"{plural(n, 'point')}; average {format_value(last['mean'], line_unit)}, process "
            f"limits {format_value(last['lcl'], line_unit)} to "
            f"{format_value(last['ucl'], line_unit)}"
        )
        if attrs["rebased_at"]:
            text += f" (re-based from {period_label(attrs['rebased_at'][-1])})"
        text += "."
        if attrs["provisional"]:
            text += " The limits are provisional (fewer than 12 points)."
        latest = period_label(attrs["latest"])
        if attrs["variation"] == "common cause":
            text += f" Latest point ({latest}): common cause variation, no sign of real change."
        else:
            reason = _describe_signal(attrs["signal"])
            text += f" Latest point ({latest}): special cause variation"
            if attrs["variation"] != "special cause":
                text += f", {attrs['variation']}"
            text += f" ({reason})."
        if attrs["assurance"]:
            target = format_value(attrs["target"], unit, trim=True)
            text += f" The target of {target} {_ASSURANCE_TEXT[attrs['assurance']]}."
    missing = attrs["missing"]
    if missing:
        periods = ", ".join(period_label(p) for p in missing)
        text += f" {plural(len(missing), 'period')} with no data skipped ({periods})."
    return text


UNIT_BOUNDS: dict[str, tuple[float | None, float | None]] = {
    "pct": (0.0, 100.0),
    "count": (0.0, None),
    "rate_10k": (0.0, None),
    "days": (0.0, None),
}
LIMIT_COLUMNS = ("lower_1sigma", "upper_1sigma", "lower_2sigma", "upper_2sigma", "lcl", "ucl")


def clip_to_unit(frame: pd.DataFrame, unit: str | None) -> pd.DataFrame:
    """Limits and sigma lines bounded by what the unit allows: a percentage cannot go below 0%
    or above 100%, a count, rate or number of days below 0. Values cannot pass these bounds, so
    no rule changes; only the limits shown and the assurance judged against them do."""
    lower, upper = UNIT_BOUNDS.get(unit or "", (None, None))
    if lower is None and upper is None:
        return frame
    out = frame.copy()
    cols = list(LIMIT_COLUMNS)
    out[cols] = out[cols].clip(lower=lower, upper=upper)
    return out


XMR_COLUMNS = (
    "value",
    "moving_range",
    "mean",
    "sigma",
    *LIMIT_COLUMNS,
    "baseline",
    "segment",
    "direction",
    "special_cause",
    "rule",
    "variation",
)


def xmr(
    values: Sequence[float] | pd.Series,
    *,
    polarity: str,
    target: float | None = None,
    baseline: int | Hashable | None = None,
    rebase_at: Hashable | Iterable[Hashable] | None = None,
    unit: str | None = None,
    **rules: int | bool,
) -> pd.DataFrame:
    """An XmR chart of ``values`` (a sequence or a Series, e.g. indexed by period end dates).

    Returns one row per point, keeping the index, with columns ``value, moving_range, mean,
    sigma, lower_1sigma, upper_1sigma, lower_2sigma, upper_2sigma, lcl, ucl, baseline,
    segment``, ``direction`` (+1 high/rising, -1 low/falling, 0), ``special_cause``, ``rule``
    (the rules that fired, ``"; "``-joined) and ``variation`` (per point): ``XMR_COLUMNS``.

    ``attrs``: ``variation`` of the latest point with data (``improvement``, ``concern``,
    ``special cause``, ``common cause``, or ``""`` with fewer than 2 points), ``assurance``,
    ``provisional`` (limits from fewer than 12 points), ``signal`` (rule, direction, length of
    the latest special cause), ``n_points``, ``missing`` (labels with no data), ``latest``,
    ``target``, ``polarity``, ``rebased_at``, ``rules`` and a plain-English ``summary``.

    ``baseline``: the limits of each segment come from its first ``baseline`` points (int), or
    from its points up to and including a period label, and are extended over the rest.
    ``rebase_at``: one or more period labels where the process changed; limits are recomputed
    from each. ``unit`` formats the summary and bounds the limits to what the unit allows
    (see ``clip_to_unit``). ``rules``: ``outside_limits``, ``shift``,
    ``trend``, ``two_in_three`` (lengths for shift/trend; falsy switches a rule off).
    """
    if polarity not in POLARITIES:
        raise ValueError(f"polarity must be one of {POLARITIES}, not {polarity!r}")
    settings = _resolve_rules(rules)
    series = _as_series(values)
    index, columns = _chart_columns(series, baseline, rebase_at, settings)
    columns.update(_point_columns(columns, polarity))
    lower, upper = UNIT_BOUNDS.get(unit or "", (None, None))
    for name in LIMIT_COLUMNS:
        columns[name] = _clip(columns[name], lower, upper)
    attrs = _attributes(columns, index, series, target, polarity, rebase_at, settings)
    last = {name: columns[name][-1] for name in ("mean", "lcl", "ucl")} if len(index) else None
    attrs["summary"] = _summary_text(attrs, last, unit)
    result = pd.DataFrame({name: columns[name] for name in XMR_COLUMNS}, index=index)
    result.attrs = attrs
    return result


def _chart_columns(
    series: pd.Series, baseline: Any, rebase_at: Any, rules: dict[str, int]
) -> tuple[pd.Index, dict[str, np.ndarray]]:
    """The index and per-segment columns (``_segment_columns`` plus ``segment``) of the whole
    chart, segment after segment."""
    segments = _segment_ids(series.index, rebase_at)
    x = series.to_numpy()
    if not len(x):
        return series.index, {
            **_segment_columns(x, series.index, baseline, rules),
            "segment": np.zeros(0, dtype=int),
        }
    indexes, parts = [], []
    for seg in np.unique(segments):
        mask = segments == seg
        indexes.append(series.index[mask])
        parts.append(_segment_columns(x[mask], indexes[-1], baseline, rules))
        parts[-1]["segment"] = np.full(int(mask.sum()), seg)
    columns = {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
    return indexes[0].append(indexes[1:]), columns


def _point_columns(columns: dict[str, np.ndarray], polarity: str) -> dict[str, np.ndarray]:
    """``direction``, ``special_cause``, ``rule`` and ``variation`` of each point from its rule
    flags (an empty chart gets empty float columns, as pandas makes of empty lists)."""
    flags = {name: columns[f"_{name}"] for name in RULE_NAMES}
    if not len(columns["value"]):
        empty = np.array([], dtype=float)
        return {
            "direction": empty,
            "special_cause": empty.astype(bool),
            "rule": empty,
            "variation": empty,
        }
    direction = _point_directions(flags)
    words = np.array([_classify(d, polarity) for d in (-1, 0, 1)], dtype=object)
    variation = words[direction + 1]
    variation[np.isnan(columns["value"]) | np.isnan(columns["mean"])] = ""
    special = np.zeros(len(direction), dtype=bool)
    for flag in flags.values():
        special |= flag != 0
    return {
        "direction": direction,
        "special_cause": special,
        "rule": _rule_text(flags),
        "variation": variation,
    }


def _clip(values: np.ndarray, lower: float | None, upper: float | None) -> np.ndarray:
    """``values`` bounded as ``DataFrame.clip`` bounds them (NaN stays NaN)."""
    if lower is not None:
        values = np.where(values < lower, lower, values)
    if upper is not None:
        values = np.where(values > upper, upper, values)
    return values


def _as_labels(index: pd.Index, labels: Any) -> list[Any]:
    """Re-base labels as a list, as Timestamps for a date index."""
    items = list(labels) if isinstance(labels, list | tuple) else [labels]
    return [pd.Timestamp(x) for x in items] if isinstance(index, pd.DatetimeIndex) else items


def _attributes(
    columns: dict[str, np.ndarray],
    index: pd.Index,
    series: pd.Series,
    target: float | None,
    polarity: str,
    rebase_at: Any,
    rules: dict[str, int],
) -> dict[str, Any]:
    """The per-series verdicts stored in the chart's ``attrs`` (summary added by the caller)."""
    with_data = ~np.isnan(columns["value"])
    n = len(index)
    last_segment = columns["segment"] == columns["segment"][-1] if n else np.zeros(0, dtype=bool)
    latest = index[with_data]
    return {
        "variation": columns["variation"][with_data][-1] if with_data.any() else "",
        "assurance": assurance(
            target,
            columns["lcl"][-1] if n else np.nan,
            columns["ucl"][-1] if n else np.nan,
            polarity,
        ),
        "provisional": int(columns["baseline"][last_segment].sum()) < MIN_POINTS_FOR_FIRM_LIMITS,
        "signal": _latest_signal(columns, index),
        "n_points": int(with_data.sum()),
        "missing": list(series.index[series.isna()]),
        "latest": latest[-1] if len(latest) else None,
        "target": target,
        "polarity": polarity,
        "rebased_at": [] if rebase_at is None else _as_labels(index, rebase_at),
        "rules": rules,
    }
