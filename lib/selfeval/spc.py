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


def _segment_frame(values: pd.Series, baseline: Any, rules: dict[str, int]) -> pd.DataFrame:
    """Limits, sigma lines and rule flags for one segment (rows with and without data)."""
    x_all = values.to_numpy()
    has_value = ~np.isnan(x_all)
    base = _baseline_mask(values.index, has_value, baseline)
    mean, mr_bar = limits(x_all[base])
    sigma = LIMIT_FACTOR * mr_bar / 3
    frame = pd.DataFrame({"value": x_all}, index=values.index)
    moving_range = np.full(len(x_all), np.nan)
    moving_range[np.flatnonzero(has_value)[1:]] = np.abs(np.diff(x_all[has_value]))
    frame["moving_range"] = moving_range
    frame["mean"] = mean
    frame["sigma"] = sigma
    for k, name in ((1, "1sigma"), (2, "2sigma")):
        frame[f"lower_{name}"] = mean - k * sigma
        frame[f"upper_{name}"] = mean + k * sigma
    frame["lcl"] = mean - 3 * sigma
    frame["ucl"] = mean + 3 * sigma
    frame["baseline"] = base
    flags = _rule_flags(frame[has_value], rules) if not np.isnan(mean) else {}
    for name in RULE_NAMES:
        frame[f"_{name}"] = 0
        if name in flags:
            frame.loc[has_value, f"_{name}"] = flags[name]
    return frame


def _rule_flags(points: pd.DataFrame, rules: dict[str, int]) -> dict[str, np.ndarray]:
    """Direction flags (+1/-1/0) of each switched-on rule for one segment's points with data."""
    x, mean = points["value"].to_numpy(), points["mean"].to_numpy()
    checks = {
        "outside_limits": lambda: outside_limits_rule(
            x, points["lcl"].to_numpy(), points["ucl"].to_numpy()
        ),
        "shift": lambda: shift_rule(x, mean, rules["shift"]),
        "trend": lambda: trend_rule(x, rules["trend"]),
        "two_in_three": lambda: two_in_three_rule(
            x, points["lower_2sigma"].to_numpy(), points["upper_2sigma"].to_numpy()
        ),
    }
    return {name: check() for name, check in checks.items() if rules[name]}


def _point_direction(flags: dict[str, int]) -> int:
    """The side rules decide a point's direction; a trend only when no side rule fired."""
    for name in (*_SIDE_RULES, "trend"):
        if flags[f"_{name}"]:
            return int(flags[f"_{name}"])
    return 0


def _run_length_at_end(signs: np.ndarray) -> int:
    """How many of the last entries share the last entry's sign."""
    if len(signs) == 0 or signs[-1] == 0:
        return 0
    different = np.flatnonzero(signs != signs[-1])
    return int(len(signs) - (different[-1] + 1 if len(different) else 0))


def _latest_signal(frame: pd.DataFrame) -> dict[str, Any]:
    """Which rule explains the latest point's special cause, its direction and run length."""
    with_data = frame[frame["value"].notna()]
    if with_data.empty or not with_data["special_cause"].iloc[-1]:
        return {}
    row = with_data.iloc[-1]
    fired = row["rule"].split("; ")
    rule = next(name for name in (*_SIDE_RULES, "trend") if RULE_NAMES[name] in fired)
    x = with_data.loc[with_data["segment"] == row["segment"], "value"].to_numpy()
    length = None
    if rule == "shift":
        length = _run_length_at_end(np.sign(x - row["mean"]))
    elif rule == "trend":
        length = _run_length_at_end(np.sign(np.diff(x))) + 1
    return {
        "rule": RULE_NAMES[rule],
        "direction": int(row["direction"]),
        "length": length,
        "period": row.name,
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
    attrs = frame.attrs
    n = attrs["n_points"]
    line_unit = None if unit == "count" else unit  # averages and limits of counts keep 1 dp
    if not attrs["variation"]:
        text = f"Not enough data for SPC: {plural(n, 'point')} (at least 2 are needed)."
    else:
        last = frame[frame["segment"] == frame["segment"].iloc[-1]].iloc[-1]
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
    sigma, lower_1sigma, upper_1sigma, lower_2sigma, upper_2sigma, lcl, ucl, segment,
    baseline, special_cause, rule`` (the rules that fired, ``"; "``-joined), ``direction``
    (+1 high/rising, -1 low/falling, 0) and ``variation`` (per point).

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
    segments = _segment_ids(series.index, rebase_at)
    parts = [
        _segment_frame(series[segments == seg], baseline, settings).assign(segment=seg)
        for seg in np.unique(segments)
    ]
    frame = pd.concat(parts) if parts else _segment_frame(series, baseline, settings)
    frame["segment"] = frame.get("segment", 0)
    flags = frame[[f"_{name}" for name in RULE_NAMES]]
    frame["direction"] = [_point_direction(row) for row in flags.to_dict("records")]
    frame["special_cause"] = flags.ne(0).any(axis=1).astype(bool)
    frame["rule"] = [
        "; ".join(RULE_NAMES[name[1:]] for name, flag in row.items() if flag)
        for row in flags.to_dict("records")
    ]
    has_limits = frame["value"].notna() & frame["mean"].notna()
    pairs = zip(frame["direction"], has_limits, strict=True)
    frame["variation"] = [_classify(d, polarity) if ok else "" for d, ok in pairs]
    result = clip_to_unit(frame.drop(columns=list(flags.columns)), unit)
    result.attrs = _attributes(result, series, target, polarity, rebase_at, settings)
    result.attrs["summary"] = summarise(result, unit)
    return result


def _as_labels(index: pd.Index, labels: Any) -> list[Any]:
    """Re-base labels as a list, as Timestamps for a date index."""
    items = list(labels) if isinstance(labels, list | tuple) else [labels]
    return [pd.Timestamp(x) for x in items] if isinstance(index, pd.DatetimeIndex) else items


def _attributes(
    frame: pd.DataFrame,
    series: pd.Series,
    target: float | None,
    polarity: str,
    rebase_at: Any,
    rules: dict[str, int],
) -> dict[str, Any]:
    """The per-series verdicts stored in ``frame.attrs`` (summary added by the caller)."""
    with_data = frame[frame["value"].notna()]
    last = frame[frame["segment"] == frame["segment"].iloc[-1]] if len(frame) else frame
    lcl = last["lcl"].iloc[-1] if len(last) else np.nan
    ucl = last["ucl"].iloc[-1] if len(last) else np.nan
    return {
        "variation": with_data["variation"].iloc[-1] if len(with_data) else "",
        "assurance": assurance(target, lcl, ucl, polarity),
        "provisional": int(last["baseline"].sum()) < MIN_POINTS_FOR_FIRM_LIMITS,
        "signal": _latest_signal(frame),
        "n_points": len(with_data),
        "missing": list(series.index[series.isna()]),
        "latest": with_data.index[-1] if len(with_data) else None,
        "target": target,
        "polarity": polarity,
        "rebased_at": [] if rebase_at is None else _as_labels(frame.index, rebase_at),
        "rules": rules,
    }
