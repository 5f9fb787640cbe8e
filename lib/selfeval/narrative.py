"""Plain-English findings and number formatting for readers.

Everything a leader reads is formatted here: percentages to 1 dp ("87.2%"), counts with
thousands separators ("1,234"), rates ("12.3 per 10,000"), days ("45.0 days"), months by
name ("September 2021") and correct plurals. An empty value reads "no data", never 0.

``finding`` turns a measure's latest figures (and optionally its ``selfeval.spc.xmr`` frame)
into a sentence; it only claims what the figures support: common-cause variation is described
as such, never as improvement.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import pandas as pd

from selfeval.rag import is_missing

NO_DATA = "no data"
UNITS = ("pct", "count", "rate_10k", "days")


def plural(count: float, singular: str, plural_form: str | None = None) -> str:
    """``"1 month"``, ``"3 months"``, ``"1,234 children"`` (give irregular plurals)."""
    word = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{format_number(count, decimals=0 if float(count).is_integer() else 1)} {word}"


def format_number(value: float | None, *, decimals: int = 1, trim: bool = False) -> str:
    """Thousands separators and fixed decimals; ``trim`` drops a trailing ``.0``."""
    if is_missing(value):
        return NO_DATA
    text = f"{float(value):,.{decimals}f}"  # type: ignore[arg-type]
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def format_value(value: float | None, unit: str | None, *, trim: bool = False) -> str:
    """A figure as a reader sees it: ``87.2%``, ``1,234``, ``12.3 per 10,000``, ``45.0 days``.

    ``unit`` is one of ``pct``, ``count``, ``rate_10k``, ``days`` or None/"" for a plain
    number (1 dp). ``trim`` drops a trailing ``.0`` (for targets: "the 90% target").
    """
    if is_missing(value):
        return NO_DATA
    if unit not in (*UNITS, None, ""):
        raise ValueError(f"unknown unit {unit!r}; expected one of {UNITS}")
    if unit == "count":
        whole = float(value) == round(float(value))  # type: ignore[arg-type]
        return format_number(value, decimals=0 if whole else 1)  # averages such as caseloads
    number = format_number(value, decimals=1, trim=trim)
    if unit == "pct":
        return f"{number}%"
    if unit == "rate_10k":
        return f"{number} per 10,000"
    if unit == "days":
        return f"{number} {'day' if float(value) == 1 else 'days'}"  # type: ignore[arg-type]
    return number


def month_name(when: date | datetime | str | pd.Timestamp) -> str:
    """``"September 2021"`` for any date-like value (ISO strings included)."""
    return pd.Timestamp(when).strftime("%B %Y")


def period_label(label: Any) -> str:
    """A period as a reader sees it: month names for dates, the label itself otherwise."""
    if isinstance(label, date | datetime | pd.Timestamp):
        return month_name(label)
    return str(label)


def join_words(parts: Iterable[str]) -> str:
    """``"a, b and c"``; empty parts are skipped."""
    items = [p for p in parts if p]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _change_phrase(value: float, previous: float | None, previous_period: Any, unit: str) -> str:
    if is_missing(previous):
        return ""
    when = f" in {period_label(previous_period)}" if previous_period is not None else ""
    shown, shown_previous = format_value(value, unit), format_value(previous, unit)
    if shown == shown_previous:
        return f"the same as{when or ' before'}"
    direction = "up" if value > float(previous) else "down"  # type: ignore[arg-type]
    return f"{direction} from {shown_previous}{when}"


def _target_phrase(value: float, target: float | None, unit: str) -> str:
    if is_missing(target):
        return ""
    shown_target = format_value(target, unit, trim=True)
    if format_value(value, unit) == format_value(target, unit):
        return f"on the {shown_target} target"
    side = "above" if value > float(target) else "below"  # type: ignore[arg-type]
    return f"{side} the {shown_target} target"


_OUTCOME = {
    "improvement": "a sign of real improvement",
    "concern": "a sign that things have got worse",
    "special cause": "a real change rather than chance variation",
}


def _signal_sentence(attrs: Mapping[str, Any], period_word: str) -> str:
    """What the SPC says about the latest point, in words the figures support."""
    variation = attrs.get("variation", "")
    if not variation:
        return "There are too few figures to judge a trend."
    provisional = (
        " (the limits are provisional: fewer than 12 points)" if attrs.get("provisional") else ""
    )
    if variation == "common cause":
        n = int(attrs.get("n_points", 0))
        return (
            f"The last {plural(n, period_word)} vary within the range expected by chance "
            f"(common cause variation), so there is no sign of real change{provisional}."
        )
    signal = attrs.get("signal") or {}
    rule, direction, length = signal.get("rule"), signal.get("direction", 0), signal.get("length")
    periods = plural(length or 0, period_word)
    if rule == "shift":
        side = "above" if direction > 0 else "below"
        what = f"The last {periods} have all been {side} the average"
    elif rule == "trend":
        what = f"The last {periods} show an unbroken {'rise' if direction > 0 else 'fall'}"
    elif rule == "two in three":
        side = "upper" if direction > 0 else "lower"
        what = f"Two of the last three {period_word}s are close to the {side} process limit"
    else:
        side = "above the upper" if direction > 0 else "below the lower"
        what = f"The latest figure is {side} process limit"
    return f"{what} — {_OUTCOME[variation]}{provisional}."


def finding(
    name: str,
    *,
    value: float | None,
    period: Any,
    unit: str,
    previous: float | None = None,
    previous_period: Any = None,
    target: float | None = None,
    rag: str = "",
    spc: pd.DataFrame | Mapping[str, Any] | None = None,
    period_word: str = "month",
) -> str:
    """One plain-English finding for a measure, e.g.

    "Children looked after visited within timescale: 87.2% in September 2021, up from 81.0% in
    June 2021, below the 90% target (amber). The last 7 months have all been above the
    average — a sign of real improvement."

    ``spc`` is the frame returned by ``selfeval.spc.xmr`` (or its ``attrs``); without it no
    trend is claimed. A missing ``value`` reads "no data for <period>".
    """
    when = period_label(period)
    if is_missing(value):
        return f"{name}: no data for {when}."
    x = float(value)  # type: ignore[arg-type]
    clauses = [
        f"{format_value(x, unit)} in {when}",
        _change_phrase(x, previous, previous_period, unit),
        _target_phrase(x, target, unit),
    ]
    text = f"{name}: " + ", ".join(c for c in clauses if c)
    if rag:
        text += f" ({rag})"
    text += "."
    if spc is not None:
        attrs = spc.attrs if isinstance(spc, pd.DataFrame) else spc
        text += " " + _signal_sentence(attrs, period_word)
    return text


def classify_finding(rag: str = "", variation: str = "") -> str:
    """``"strength"``, ``"area"`` (for development) or ``""`` from RAG and SPC variation.

    Order of precedence: red or an SPC concern is an area for development; otherwise an SPC
    improvement or green is a strength; otherwise amber is an area. Neutral measures with no
    RAG and common-cause variation are neither.
    """
    rag, variation = (rag or "").strip().lower(), (variation or "").strip().lower()
    if rag == "red" or variation == "concern":
        return "area"
    if variation == "improvement" or rag == "green":
        return "strength"
    if rag == "amber":
        return "area"
    return ""


def _text(row: Mapping[str, Any], column: str) -> str:
    value = row.get(column, "")
    return "" if is_missing(value) and not isinstance(value, str) else str(value)


def strengths_and_areas(findings: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Split a page's findings into (strengths, areas for development), keeping their order.

    ``findings`` has a ``finding`` column (the sentence) and optional ``rag`` and ``variation``
    columns; see ``classify_finding`` for the rules.
    """
    strengths: list[str] = []
    areas: list[str] = []
    for row in findings.to_dict("records"):
        kind = classify_finding(_text(row, "rag"), _text(row, "variation"))
        if kind == "strength":
            strengths.append(str(row["finding"]))
        elif kind == "area":
            areas.append(str(row["finding"]))
    return strengths, areas


__all__ = [
    "NO_DATA",
    "classify_finding",
    "finding",
    "format_number",
    "format_value",
    "join_words",
    "month_name",
    "period_label",
    "plural",
    "strengths_and_areas",
]
