"""Plain-English findings and number formatting for readers.

Everything a leader reads is formatted here: percentages to 1 dp ("87.2%"), counts with
thousands separators ("1,234"), rates ("12.3 per 10,000"), days ("45.0 days"), months by
name ("September 2021") and correct plurals. An empty value reads "no data", never 0.

``finding`` turns a measure's latest figures (and optionally its ``selfeval.spc.xmr`` frame)
into a sentence; it only claims what the figures support: common-cause variation is described
as such, never as improvement.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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
    "improvement": "real improvement",
    "concern": "real decline",
    "special cause": "a real change",
}


def _signal_sentence(attrs: Mapping[str, Any], period_word: str) -> str:
    """What the SPC says about the latest point, in words the figures support, in 7 words or
    fewer (the page's SPC key, params/pages.yaml ``text: spc_key``, explains the terms once)."""
    variation = attrs.get("variation", "")
    if not variation:
        return "Too few figures to judge a trend."
    provisional = " (provisional)" if attrs.get("provisional") else ""
    if variation == "common cause":
        n = int(attrs.get("n_points", 0))
        extra = ", provisional" if provisional else ""
        return f"Steady over {plural(n, period_word)} (common cause{extra})."
    signal = attrs.get("signal") or {}
    rule, direction, length = signal.get("rule"), signal.get("direction", 0), signal.get("length")
    periods = plural(length or 0, period_word)
    if rule == "shift":
        what = f"{periods[0].upper()}{periods[1:]} {'above' if direction > 0 else 'below'} average"
    elif rule == "trend":
        what = f"{'Rising' if direction > 0 else 'Falling'} for {periods}"
    elif rule == "two in three":
        what = f"Twice near {'upper' if direction > 0 else 'lower'} limit"
    else:
        what = f"{'Above the upper' if direction > 0 else 'Below the lower'} limit"
    return f"{what}: {_OUTCOME[variation]}{provisional}."


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
    June 2021, below the 90% target (amber). 7 months above average: real improvement."

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


# --- a page's written judgement ------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One finding as the judgement and the grouped bullets use it.

    ``measure`` is the measure's name, ``figure`` its latest value as read ("87.2% in March
    2022"), ``text`` the full finding sentence, ``kind`` strength/area/"" (``classify_finding``),
    ``key`` whether the page charts it (a key measure), ``theme`` what it is about.
    """

    measure: str
    figure: str
    text: str
    kind: str = ""
    rag: str = ""
    variation: str = ""
    key: bool = False
    theme: str = ""
    provisional: bool = False


def importance(f: Finding) -> int:
    """How much a finding matters to a reader: a real change (SPC signal) 4, red 3, a key
    measure 2, amber 1, green 1; higher first."""
    score = 0
    if f.variation in ("improvement", "concern", "special cause"):
        score += 4
    score += {"red": 3, "amber": 1, "green": 1}.get(f.rag, 0)
    if f.key:
        score += 2
    return score


def by_importance(findings: Iterable[Finding]) -> list[Finding]:
    """Findings most important first (``importance``); ties keep their order."""
    return sorted(findings, key=importance, reverse=True)


def group_findings(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    """Findings grouped by theme, each group most important first, the groups ordered by
    their most important finding (a finding without a theme goes under "Other")."""
    groups: dict[str, list[Finding]] = {}
    for f in by_importance(findings):
        groups.setdefault(f.theme or "Other", []).append(f)
    return groups


def most_important(findings: Iterable[Finding], limit: int = 3) -> list[Finding]:
    """The ``limit`` measures that matter most: those with a strength or an area first, by
    importance, then the rest."""
    ranked = by_importance(findings)
    judged = [f for f in ranked if f.kind]
    return (judged + [f for f in ranked if not f.kind])[:limit]


def _named(f: Finding) -> str:
    return f"{f.measure.lower() if f.measure[:2].istitle() else f.measure} ({f.figure})"


def _direction_sentence(findings: list[Finding]) -> str:
    trended = [f for f in findings if f.variation]
    if not trended:
        return "There are too few months of figures to say which way things are going."
    better = [f for f in trended if f.variation == "improvement"]
    worse = [f for f in trended if f.variation == "concern"]
    n = plural(len(trended), "measure")
    if not better and not worse:
        return (
            f"Performance is steady: none of the {n} with a trend shows a real change, "
            "better or worse."
        )
    parts = []
    if better:
        parts.append(f"{len(better)} {'shows' if len(better) == 1 else 'show'} real improvement")
    if worse:
        parts.append(f"{len(worse)} {'has' if len(worse) == 1 else 'have'} got worse")
    return f"Of the {n} with a trend, {join_words(parts)}; the rest are steady."


def _confidence_sentence(findings: list[Finding], evidence: Mapping[str, int], missing: int) -> str:
    n = len(findings)
    firm = [f for f in findings if f.variation and not f.provisional]
    sources = [plural(n, "measure")] + [
        plural(count, *word.split("/", 1)) for word, count in evidence.items() if count
    ]
    if n >= 5 and len(firm) >= 3 and missing <= 2:
        level = "We are confident in this view"
    elif n >= 2:
        level = "We are fairly confident in this view"
    else:
        level = "This view is tentative"
    gaps = f", though {plural(missing, 'gap')} in the evidence remain" if missing else ""
    return f"{level}: it rests on {join_words(sources)}{gaps}."


def judgement(
    findings: Iterable[Finding],
    *,
    qualitative: Iterable[tuple[str, str]] = (),
    evidence: Mapping[str, int] | None = None,
    missing_evidence: int = 0,
    actions: Mapping[str, int] | None = None,
) -> str:
    """The page's written judgement: 3 to 6 plain-English sentences saying what is strong,
    what is weak, which way things are going and how sure we are, naming the two or three
    measures that matter most (``most_important``).

    ``findings`` are the page's measures with data; ``qualitative`` (text, kind) statements
    from feedback and complaints (``selfeval.qualitative.qualitative_signals``); ``evidence``
    counts of other evidence ({"audit": 40, "piece of feedback/pieces of feedback": 120}: an
    irregular plural after a slash); ``missing_evidence``
    how many things the plan asks for that the data cannot show; ``actions`` counts of the
    plan's actions by status (``complete``, ``on track``, ``at risk``, ``overdue``, …).
    """
    items = list(findings)
    quals = [(text, kind) for text, kind in qualitative if text]
    sentences: list[str] = []
    if not items:
        sentences.append(
            "No measure in the extract shows this area's outcomes yet, so this judgement rests "
            "on the plan's progress and what people told us."
        )
    else:
        top = most_important(items)
        strong = [f for f in top if f.kind == "strength"]
        weak = [f for f in top if f.kind == "area"]
        steady = [f for f in top if not f.kind]
        if strong:
            verb = "strength is" if len(strong) == 1 else "strengths are"
            sentences.append(f"Our clearest {verb} {join_words(_named(f) for f in strong)}.")
        else:
            sentences.append("No measure shows a clear strength this quarter.")
        if weak:
            verb = "area for development is" if len(weak) == 1 else "areas for development are"
            sentences.append(f"The main {verb} {join_words(_named(f) for f in weak)}.")
        else:
            sentences.append("No measure shows a clear area for development this quarter.")
        if steady and len(strong) + len(weak) < 2:
            sentences.append(f"We also watch {join_words(_named(f) for f in steady)}.")
        sentences.append(_direction_sentence(items))
    for text, _kind in quals[:2]:
        sentences.append(text[0].upper() + text[1:] + ("" if text.endswith(".") else "."))
    counts = {str(k).lower(): int(v) for k, v in (actions or {}).items()}
    total = sum(counts.values())
    if total and len(sentences) < 5:
        parts = [
            f"{counts[status]} {status}"
            for status in ("complete", "at risk", "overdue")
            if counts.get(status)
        ]
        if parts:
            first = int(parts[0].split()[0])
            parts[0] = parts[0].replace(" ", " is " if first == 1 else " are ", 1)
        sentences.append(
            f"Of the plan's {plural(total, 'action')}, "
            + (join_words(parts) if parts else "none is complete, at risk or overdue")
            + "."
        )
    sentences.append(_confidence_sentence(items, evidence or {}, missing_evidence))
    return " ".join(sentences[:6])


# --- repetition on a page -------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"(])")


def sentences_of(text: str) -> list[str]:
    """``text`` split into sentences (after ., ! or ? and a space before a capital)."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def repeated_sentences(text: str, *, min_words: int = 8, limit: int = 3) -> dict[str, int]:
    """Sentences of ``min_words`` words or more that occur more than ``limit`` times in
    ``text`` (the page's visible text), with their counts; {} when the page reads well."""
    counts: dict[str, int] = {}
    sentences = [s for line in text.splitlines() for s in sentences_of(" ".join(line.split()))]
    for sentence in sentences:
        if len(sentence.split()) >= min_words:
            counts[sentence] = counts.get(sentence, 0) + 1
    return {s: n for s, n in counts.items() if n > limit}


__all__ = [
    "NO_DATA",
    "Finding",
    "by_importance",
    "group_findings",
    "importance",
    "judgement",
    "most_important",
    "repeated_sentences",
    "sentences_of",
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
