"""Small-number suppression for packs shared outside the service (as DfE does)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

SUPPRESSED = "suppressed"


# Columns whose values identify a child or a worker: never copied into published files.
SENSITIVE_COLUMNS = frozenset(
    {
        "child_id",
        "CHILD",
        "dob",
        "DOB",
        "MC_DOB",
        "MOTHER",
        "UPN",
        "HOME_POST",
        "PL_POST",
        "placement_postcode",
        "allocated_worker",
        "personal_adviser",
        "family_id",
        "adopter_id",
        "staff_id",
        "episode_id",
        "audit_id",
        "household_id",
        "feedback_id",
        "complaint_id",
        "review_id",
        "URN",
        "placement_urn",
    }
)


def suppress_small_numbers(measures: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Blank counts and percentages built on fewer than `threshold` children.

    A count row is suppressed when its value is below the threshold; a percentage or rate row when
    its denominator (or, for rates, its numerator) is below it. Suppressed rows keep their
    identity columns but lose numerator, denominator, value and RAG, and say so in `rag`.
    """
    out = measures.copy()
    unit = out["unit"].astype(str)
    value = pd.to_numeric(out["value"], errors="coerce")
    numerator = pd.to_numeric(out["numerator"], errors="coerce")
    denominator = pd.to_numeric(out["denominator"], errors="coerce")
    small = (
        ((unit == "count") & (value < threshold))
        | ((unit == "pct") & (denominator < threshold))
        | ((unit == "rate_10k") & (numerator < threshold))
        | ((unit == "days") & (denominator < threshold))
    )
    for column in ("numerator", "denominator", "value"):
        out[column] = out[column].astype("object").where(~small, None)
    out["rag"] = out["rag"].astype("object").where(~small, SUPPRESSED)
    return out


# ---------------------------------------------------------------- spreadsheet formulas

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: object) -> object:
    """A text value Excel would run as a formula (`=HYPERLINK(...)`, `+1`, `@SUM`), prefixed
    with a single quote so it shows as text; anything else (numbers too, even as text) unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _is_number(value):
        return "'" + value
    return value


def _is_number(text: str) -> bool:
    """'-3' or '+1.5' as text: a plain number, which Excel does not run as a formula."""
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() == text


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` safe to open in a spreadsheet: every text cell neutralised."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise_formula)
    return out


# ---------------------------------------------------------------- identifying values in logs

MIN_REDACTED_LENGTH = 4  # shorter values (codes, small numbers) are too common to withhold
WITHHELD = "(withheld)"


def _date_spellings(dates: pd.DatetimeIndex) -> list[str]:
    """The ways each date could be printed: ISO, DD/MM/YYYY and '3 April 2015'."""
    days = [str(day) for day in dates.day]
    long = [f"{day} {month}" for day, month in zip(days, dates.strftime("%B %Y"), strict=True)]
    return [*dates.strftime("%Y-%m-%d"), *dates.strftime("%d/%m/%Y"), *long]


def identifying_values(tables: dict[str, pd.DataFrame], columns: frozenset[str]) -> Withheld:
    """Every value (and every printed form of every date) in the identifying `columns`."""
    found: set[str] = set()
    for table in tables.values():
        for column in columns.intersection(table.columns):
            values = table[column].dropna().unique()
            if pd.api.types.is_datetime64_any_dtype(table[column]):
                found.update(_date_spellings(pd.DatetimeIndex(values)))
            else:
                found.update(str(value).strip() for value in values)
    return Withheld(v for v in found if len(v) >= MIN_REDACTED_LENGTH)


def stored_identifying_values(
    tables: Mapping[str, pd.DataFrame], columns: frozenset[str], cache: Path | None, key: object
) -> Withheld:
    """`identifying_values`, kept in `cache` (a file in the extract's own store, as sensitive as
    the store itself) and reused while `key` (the extract's inputs and these columns) is the same.
    """
    from selfeval.cache import keyed

    expected = (key, sorted(columns), MIN_REDACTED_LENGTH)
    values = keyed(cache, expected, lambda: identifying_values(tables, columns).values)
    return Withheld(values)


_WORD = re.compile(r"\w+")


class Withheld:
    """Values to withhold from text, indexed by their first word: a text is only searched for
    the values whose first word it contains (a whole-word occurrence of a value always starts
    with that word), not for every one of the extract's tens of thousands of values."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self.values = set(values)
        self._by_word: dict[str, list[str]] = defaultdict(list)
        self._wordless: list[str] = []
        for value in self.values:
            word = _WORD.search(value)
            (self._by_word[word.group()] if word else self._wordless).append(value)

    def __len__(self) -> int:
        return len(self.values)

    def __contains__(self, value: object) -> bool:
        return value in self.values

    def __iter__(self):
        return iter(self.values)

    def candidates(self, text: str) -> list[str]:
        """The values that may occur in `text` as whole words."""
        words = set(_WORD.findall(text))
        found = [v for word in words for v in self._by_word.get(word, ())]
        return found + [v for v in self._wordless if v in text]


def redact_text(text: str, values: Withheld | Iterable[str]) -> str:
    """`text` with every whole-word occurrence of any of `values` replaced by '(withheld)'."""
    withheld = values if isinstance(values, Withheld) else Withheld(values)
    for value in sorted((v for v in withheld.candidates(text) if v in text), key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", WITHHELD, text)
    return text


# ---------------------------------------------------------------- small counts in pages


def hide_small_counts(frame: pd.DataFrame, threshold: int | None) -> pd.DataFrame:
    """Counts of 1 to threshold-1 blanked (NA) in every numeric column, with the row's
    'Percent' when it has one; unchanged when no threshold is set. Zero stays zero."""
    if not threshold or frame is None or frame.empty:
        return frame
    out = frame.copy()
    counts = [c for c in out.columns if c != "Percent" and pd.api.types.is_numeric_dtype(out[c])]
    small = pd.Series(False, index=out.index)
    for column in counts:
        hit = (out[column] > 0) & (out[column] < threshold)
        out[column] = out[column].astype("Float64").mask(hit)
        small |= hit
    if "Percent" in out.columns:
        out["Percent"] = out["Percent"].astype("Float64").mask(small)
    return out


def redact_values(
    quality: pd.DataFrame, identifiers: Withheld | Iterable[str] | None = None
) -> pd.DataFrame:
    """The data-quality table for publishing: values of identifying columns withheld, in the
    value column and in the message that quotes them; any of `identifiers` (e.g. a date of
    birth from another table) withheld from every message."""
    if quality is None or quality.empty or "value" not in quality:
        return quality
    out = quality.copy()
    sensitive = out["column"].astype(str).isin(SENSITIVE_COLUMNS)
    if "message" in out:
        out["message"] = [
            _withhold(str(message), str(value) if is_sensitive and pd.notna(value) else "")
            for message, value, is_sensitive in zip(
                out["message"], out["value"], sensitive, strict=True
            )
        ]
        if identifiers:
            withheld = identifiers if isinstance(identifiers, Withheld) else Withheld(identifiers)
            out["message"] = [redact_text(m, withheld) for m in out["message"]]
    out["value"] = out["value"].astype("object").where(~sensitive, "(withheld)")
    return out


def _withhold(message: str, value: str) -> str:
    return message.replace(value, "(withheld)") if value.strip() else message
