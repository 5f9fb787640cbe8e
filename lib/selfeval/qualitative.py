"""Qualitative evidence: what children and families told us, complaints, learning from reviews.

Pure functions over the local datasets ``local_feedback``, ``local_complaints`` and
``local_practice_reviews`` (schemas in reference/local_datasets.yaml), summarised per priority
and per quarter (quarters end in March, June, September and December, like the pack's periods).

Definitions (local measures; no DfE definition exists):
- *positive feedback*: a rating of 4 or 5 out of 5, as a share of the feedback that was rated;
- *responded within timescale*: the complaint's ``within_timescale`` flag, as a share of the
  complaints responded to in the quarter (statutory children's complaints procedure timescales);
- *upheld rate*: complaints upheld or partly upheld, as a share of those with a decision
  (upheld, partly upheld or not upheld; withdrawn and open complaints are left out).

Quotes are published only with consent (``consent_to_publish`` = Yes), with every identifying
value of the extract (``selfeval.protect``), every identifier-like token and every personal
name withheld. The HTML builders escape them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import pandas as pd

from selfeval.narrative import plural
from selfeval.protect import WITHHELD, Withheld, redact_text
from selfeval.rag import is_missing

THEME_LABELS = {
    "listened_to": "being listened to",
    "communication": "communication",
    "timeliness": "timeliness",
    "support": "the support given",
    "stability": "stability",
    "worker_changes": "changes of worker",
    "safety": "feeling safe",
    "family_time": "family time",
    "respect": "respect",
    "information": "information",
    "delay": "delay",
    "decision": "decisions",
    "staff_conduct": "staff conduct",
    "good_practice": "good practice",
}
UPHELD = ("Upheld", "Partly upheld")
DECIDED = ("Upheld", "Partly upheld", "Not upheld")


def theme_label(theme: str) -> str:
    """A theme code in plain words (``worker_changes`` -> ``changes of worker``)."""
    return THEME_LABELS.get(str(theme), str(theme).replace("_", " "))


def quarter_end(when: date | pd.Timestamp) -> pd.Timestamp:
    """The last day of the calendar quarter holding ``when``."""
    return pd.Timestamp(when).to_period("Q").end_time.normalize()


def quarter_label(end: date | pd.Timestamp) -> str:
    """``"Jan-Mar 2022"`` for the quarter ending 31 March 2022."""
    end = pd.Timestamp(end)
    start = end.to_period("Q").start_time
    return f"{start:%b}-{end:%b %Y}"


def quarter_ends(period_end: date, quarters: int = 4) -> list[pd.Timestamp]:
    """The ``quarters`` quarter ends up to the one holding ``period_end``, oldest first."""
    last = pd.Timestamp(period_end).to_period("Q")
    return [(last - k).end_time.normalize() for k in range(quarters - 1, -1, -1)]


def for_priority(frame: pd.DataFrame | None, priority_id: str | None) -> pd.DataFrame:
    """The rows for one priority (every row for the summary, ``None`` or ``"summary"``)."""
    if frame is None or len(frame) == 0:
        return pd.DataFrame()
    if priority_id in (None, "", "summary") or "priority" not in frame.columns:
        return frame
    return frame[frame["priority"].astype("string").fillna("") == priority_id]


def _in_quarters(frame: pd.DataFrame, column: str, ends: list[pd.Timestamp]) -> pd.DataFrame:
    """Rows dated within the quarters ``ends``, with a ``quarter`` column (its end)."""
    if len(frame) == 0 or column not in frame.columns:
        return frame.assign(quarter=pd.Series(dtype="datetime64[ns]"))
    when = pd.to_datetime(frame[column], errors="coerce")
    start = ends[0].to_period("Q").start_time
    keep = frame[(when >= start) & (when <= ends[-1])]
    return keep.assign(
        quarter=pd.to_datetime(keep[column]).dt.to_period("Q").dt.end_time.dt.normalize()
    )


def _pct(numerator: int, denominator: int) -> float | None:
    return round(100.0 * numerator / denominator, 1) if denominator else None


def _top_themes(themes: pd.Series, limit: int = 3) -> str:
    counts = themes.dropna().astype(str).value_counts()
    counts = counts.sort_index().sort_values(ascending=False, kind="stable")
    return ", ".join(f"{theme_label(t)} ({n})" for t, n in counts.head(limit).items())


def _ratings(frame: pd.DataFrame) -> pd.Series:
    """The ratings 1 to 5 (anything else, reported by the extract's checks, is not a rating)."""
    values = pd.to_numeric(frame.get("rating", pd.Series(dtype=float)), errors="coerce")
    return values[values.between(1, 5)]


def feedback_by_quarter(
    feedback: pd.DataFrame, period_end: date, quarters: int = 4
) -> pd.DataFrame:
    """Per quarter: pieces of feedback, rated, average rating, % positive (4-5), main themes."""
    ends = quarter_ends(period_end, quarters)
    rows = _in_quarters(feedback, "feedback_date", ends)
    out = []
    for end in ends:
        q = rows[rows["quarter"] == end]
        ratings = _ratings(q)
        out.append(
            {
                "Quarter": quarter_label(end),
                "Feedback": len(q),
                "Rated": len(ratings),
                "Average rating (of 5)": round(float(ratings.mean()), 1) if len(ratings) else None,
                "Positive (4-5) %": _pct(int((ratings >= 4).sum()), len(ratings)),
                "Main themes": _top_themes(q["theme"]) if "theme" in q else "",
            }
        )
    return pd.DataFrame(out)


def _is_yes(series: pd.Series) -> pd.Series:
    return series.astype("string").fillna("").str.strip().str.lower().isin(("yes", "y"))


def complaints_by_quarter(
    complaints: pd.DataFrame, period_end: date, quarters: int = 4
) -> pd.DataFrame:
    """Per quarter: complaints and compliments received, responded to, % within timescale,
    upheld rate (upheld or partly upheld of those decided) and the main complaint themes.
    Responses and decisions count in the quarter of the response."""
    ends = quarter_ends(period_end, quarters)
    received = _in_quarters(complaints, "received_date", ends)
    responded = _in_quarters(complaints, "responded_date", ends)
    out = []
    for end in ends:
        r = received[received["quarter"] == end]
        kind = r["kind"].astype(str) if len(r) else pd.Series(dtype=str)
        d = responded[responded["quarter"] == end]
        d = d[d["kind"].astype(str) == "Complaint"] if len(d) else d
        timely = _is_yes(d["within_timescale"]) if len(d) else pd.Series(dtype=bool)
        outcome = d["outcome"].astype("string").fillna("") if len(d) else pd.Series(dtype=str)
        decided = int(outcome.isin(DECIDED).sum())
        out.append(
            {
                "Quarter": quarter_label(end),
                "Complaints": int((kind == "Complaint").sum()),
                "Compliments": int((kind == "Compliment").sum()),
                "Responded": len(d),
                "Within timescale %": _pct(int(timely.sum()), len(d)),
                "Upheld %": _pct(int(outcome.isin(UPHELD).sum()), decided),
                "Main themes": _top_themes(r.loc[kind == "Complaint", "theme"]) if len(r) else "",
            }
        )
    return pd.DataFrame(out)


def learning_points(reviews: pd.DataFrame, period_end: date, months: int = 12) -> pd.DataFrame:
    """Distinct learning points from the last ``months`` months, most often found first:
    learning point, how many reviews found it, their types, the latest and the action taken."""
    cols = ["Learning point", "Found in", "Review types", "Latest", "Action taken"]
    if reviews is None or len(reviews) == 0:
        return pd.DataFrame(columns=cols)
    end = pd.Timestamp(period_end)
    start = end - pd.DateOffset(months=months)
    when = pd.to_datetime(reviews["review_date"], errors="coerce")
    rows = reviews[(when > start) & (when <= end)].assign(_when=when)
    out = []
    for point, group in rows.groupby(rows["learning_point"].astype(str), sort=False):
        group = group.sort_values("_when")
        actions = [a for a in group["action_taken"].astype("string").fillna("") if a.strip()]
        out.append(
            {
                "Learning point": point,
                "Found in": len(group),
                "Review types": ", ".join(sorted(set(group["review_type"].astype(str)))),
                "Latest": group["_when"].iloc[-1].strftime("%-d %B %Y"),
                "Action taken": actions[-1] if actions else "No action agreed yet",
            }
        )
    frame = pd.DataFrame(out, columns=cols)
    return frame.sort_values(["Found in", "Learning point"], ascending=[False, True]).reset_index(
        drop=True
    )


# --- quotes ---------------------------------------------------------------------------------

# An identifier-like token: letters and digits mixed (CH012345, A1234567) or a long number.
_ID_TOKEN = re.compile(r"\b(?=[A-Za-z]*\d)[A-Za-z0-9][A-Za-z0-9/-]{4,}\b|\b\d{5,}\b")
# A full date (of birth, say): 3 April 2015, 03/04/2015, 2015-04-03.
_DATE = re.compile(
    r"\b\d{1,2}(?:st|nd|rd|th)? (?:January|February|March|April|May|June|July|August|"
    r"September|October|November|December) \d{4}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b"
    r"|\b\d{4}-\d{2}-\d{2}\b"
)
# Capitalised words a quote may use that are not names.
_NOT_NAMES = frozenset(
    "I I'm I've I'll I'd Mum Dad Nan Grandad Christmas Easter Monday Tuesday Wednesday "
    "Thursday Friday Saturday Sunday January February March April May June July August "
    "September October November December English School Ofsted".split()
)
_CAPITALISED = re.compile(r"(?<![\w'])([A-Z][a-z]+(?:'[a-z]+)?)\b")


def _sentence_starts(text: str) -> set[int]:
    starts = {0}
    for m in re.finditer(r"[.!?]\s+|\(\s*|\"\s*|“\s*", text):
        starts.add(m.end())
    return starts


# Words that commonly start a sentence in feedback; any other capitalised first word may be a
# name ("Jo helped me.") and is withheld.
_STARTERS = frozenset(
    "A All An And As At Because Before After Being But Did Even Every Everyone Everything For He "
    "Her His How If In It Its It's Just Life Me More Most My Never No Nobody Not Nothing Now Of "
    "On Once Our People Please She Since So Social Some Someone Sometimes Still Thank Thanks That "
    "The Their Then There These They Things This Those To Too Us Very Was We Were What When "
    "Where Which While Who Why With Yes You Your".split()
)


def withhold_names(text: str) -> str:
    """Every capitalised word that may be a name replaced by '(withheld)', erring on the safe
    side: inside a sentence, any capitalised word but common non-names (``Mum``, days, months);
    at the start of a sentence, any word but the common sentence starters (``My``, ``They``)."""
    starts = _sentence_starts(text)
    out, last = [], 0
    for m in _CAPITALISED.finditer(text):
        word = m.group(1)
        if word in _NOT_NAMES or (m.start() in starts and word in _STARTERS):
            continue
        out.append(text[last : m.start()] + WITHHELD)
        last = m.end()
    out.append(text[last:])
    return "".join(out)


def withhold_identifiers(text: str, identifiers: Withheld | Iterable[str] = ()) -> str:
    """``text`` with the extract's identifying values, full dates, identifier-like tokens and
    personal names withheld."""
    text = redact_text(text, identifiers) if identifiers else text
    text = _DATE.sub(WITHHELD, text)
    text = _ID_TOKEN.sub(WITHHELD, text)
    return withhold_names(text)


@dataclass(frozen=True)
class Quote:
    text: str
    respondent: str
    when: str


def publishable_quotes(
    feedback: pd.DataFrame,
    period_end: date,
    identifiers: Withheld | Iterable[str] = (),
    *,
    limit: int = 4,
    months: int = 6,
) -> list[Quote]:
    """Up to ``limit`` quotes from the last ``months`` months, newest first, one per theme:
    only those with consent to publish, each with any identifier or name withheld."""
    if feedback is None or len(feedback) == 0 or "quote" not in feedback.columns:
        return []
    consent = feedback.get("consent_to_publish", pd.Series("", index=feedback.index))
    end = pd.Timestamp(period_end)
    when = pd.to_datetime(feedback["feedback_date"], errors="coerce")
    text = feedback["quote"].astype("string").fillna("").str.strip()
    keep = feedback[_is_yes(consent) & (text != "") & (when <= end)]
    keep = keep[when[keep.index] > end - pd.DateOffset(months=months)]
    keep = keep.assign(_when=when[keep.index]).sort_values(
        ["_when", "feedback_id"] if "feedback_id" in keep else ["_when"], ascending=False
    )
    quotes: list[Quote] = []
    seen_themes: set[str] = set()
    for row in keep.to_dict("records"):
        theme = str(row.get("theme", ""))
        if theme in seen_themes:
            continue
        seen_themes.add(theme)
        quotes.append(
            Quote(
                text=withhold_identifiers(str(row["quote"]).strip(), identifiers),
                respondent=str(row.get("respondent", "") or ""),
                when=pd.Timestamp(row["_when"]).strftime("%B %Y"),
            )
        )
        if len(quotes) == limit:
            break
    return quotes


# --- what the findings and the judgement use ------------------------------------------------


@dataclass(frozen=True)
class QualitativeSignal:
    """One statement from the qualitative evidence: ``kind`` is strength, area or ``""``."""

    text: str
    kind: str
    weight: float = 1.0


def _change(now: float | None, before: float | None, unit: str = " points") -> str:
    if now is None or before is None:
        return ""
    diff = round(now - before, 1)
    if diff == 0:
        return ", the same as the quarter before"
    return f", {'up' if diff > 0 else 'down'} {abs(diff):g}{unit} on the quarter before"


def _people(n: int) -> str:
    return "1 person" if n == 1 else f"{n} children, family members and partners"


def qualitative_signals(
    feedback: pd.DataFrame | None,
    complaints: pd.DataFrame | None,
    period_end: date,
    *,
    positive_good: float = 70.0,
    positive_poor: float = 50.0,
    timely_good: float = 80.0,
) -> list[QualitativeSignal]:
    """Plain-English statements the findings and judgement use: the share of positive
    feedback in the latest quarter (a strength at 70% or more, an area below 50%) and the
    share of complaints answered within timescale (a strength at 80% or more, else an area)."""
    out: list[QualitativeSignal] = []
    if feedback is not None and len(feedback):
        fb = feedback_by_quarter(feedback, period_end, 2)
        now, before = fb.iloc[-1], fb.iloc[0]
        pos = now["Positive (4-5) %"]
        if not is_missing(pos):
            prev = before["Positive (4-5) %"]
            prev = None if is_missing(prev) else float(prev)
            kind = "strength" if pos >= positive_good else "area" if pos < positive_poor else ""
            out.append(
                QualitativeSignal(
                    f"{pos:g}% of the {_people(int(now['Rated']))} who rated our help in "
                    f"{now['Quarter']} rated it good or very good"
                    f"{_change(float(pos), prev)}",
                    kind,
                )
            )
    if complaints is not None and len(complaints):
        cp = complaints_by_quarter(complaints, period_end, 2)
        now, before = cp.iloc[-1], cp.iloc[0]
        timely = now["Within timescale %"]
        if not is_missing(timely):
            prev = before["Within timescale %"]
            prev = None if is_missing(prev) else float(prev)
            upheld = now["Upheld %"]
            upheld_text = (
                f"; {upheld:g}% of those decided were upheld in full or in part"
                if not is_missing(upheld)
                else ""
            )
            out.append(
                QualitativeSignal(
                    f"{timely:g}% of the {plural(int(now['Responded']), 'complaint')} answered "
                    f"in {now['Quarter']} {'was' if int(now['Responded']) == 1 else 'were'} "
                    "answered within timescale"
                    f"{_change(float(timely), prev)}{upheld_text}",
                    "strength" if timely >= timely_good else "area",
                )
            )
    return out


__all__ = [
    "QualitativeSignal",
    "Quote",
    "complaints_by_quarter",
    "feedback_by_quarter",
    "for_priority",
    "learning_points",
    "publishable_quotes",
    "qualitative_signals",
    "quarter_ends",
    "quarter_label",
    "theme_label",
    "withhold_identifiers",
    "withhold_names",
]
