"""Vectorised parsing of raw cell values (from CSV text or openpyxl cells) into typed columns.

Each parser takes a Series of raw values (str, int, float, datetime or None) and returns the
typed Series and a boolean mask of the non-blank values it could not parse.
"""

from __future__ import annotations

import re
from datetime import date, datetime

import numpy as np
import pandas as pd

EXCEL_EPOCH = pd.Timestamp("1899-12-30")
# Excel serials for 1 Jan 1900 .. 31 Dec 2199: anything outside is not a plausible date.
SERIAL_MIN, SERIAL_MAX = 2, 109_573
DATE_TEXT_FORMATS = (
    "%d/%m/%Y",
    "%Y-%m-%d",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%Y/%m/%d",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
)
YES_WORDS = {"y", "yes", "true", "1"}
NO_WORDS = {"n", "no", "false", "0"}
UNKNOWN_WORDS = {"u", "unknown", "not known", "unk"}
# `a) `, `aa) `, `d1) `: the ordering prefix Ofsted's template puts before codes.
_PREFIX = r"^\s*[a-z]{1,2}\d?\)\s*"
_COLON_CODE = r"^([A-Za-z0-9]{1,6})\s*:\s*\S.*$"
_DASH_CODE = r"^([A-Za-z0-9]{1,6})\s+[-–]\s+\S.*$"


def is_blank(values: pd.Series) -> pd.Series:
    """True where a cell is empty: None/NaN/NaT or text that is only whitespace."""
    if values.dtype != object:
        return values.isna()
    # each distinct cell is looked at once (text equals only text, so nothing is mixed up)
    codes, uniques = pd.factorize(values.to_numpy(), use_na_sentinel=True)
    blank = np.fromiter(
        (type(u) is str and not u.strip() for u in uniques), dtype=bool, count=len(uniques)
    )
    return pd.Series(np.append(blank, True)[codes], index=values.index, name=values.name)


def distinct_cells(values: pd.Series) -> tuple[pd.Series, np.ndarray] | None:
    """(each distinct cell once, then None if any cell is blank; codes back into it), so a
    parser that treats each cell on its own can run once per distinct value.

    None when that could change a result: cells that are equal but not alike (True == 1) or
    cells that are nearly all distinct (nothing to gain).
    """
    cells = values.to_numpy(dtype=object)
    if len(cells) < 2 or _MIXABLE & set(map(type, cells)):
        return None
    codes, uniques = pd.factorize(cells, use_na_sentinel=True)
    if len(uniques) > len(cells) // 2:
        return None
    if (codes < 0).any():
        uniques = np.append(uniques.astype(object), None)
        codes = np.where(codes < 0, len(uniques) - 1, codes)
    return pd.Series(uniques, dtype=object, name=values.name), codes


def spread(distinct: pd.Series, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """The per-distinct-value results of a parser back onto every cell (see distinct_cells)."""
    return distinct.take(codes).set_axis(index)


_MIXABLE = {bool, np.bool_}  # equal to 1/0, yet read differently (TRUE is not the number 1)


def to_text(values: pd.Series) -> pd.Series:
    """Cells as stripped text (object dtype, None when blank); whole floats lose their `.0`."""

    def one(value: object) -> object:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        elif isinstance(value, datetime | date):
            value = value.strftime("%d/%m/%Y")
        text = str(value).replace("\u00a0", " ").strip()
        return text or None

    return values.map(one).astype(object)


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates from datetimes, Excel serials or text (DD/MM/YYYY, YYYY-MM-DD, …); midnight."""
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    blank = is_blank(values)
    kinds = values.map(type)
    is_datetime = kinds.map(lambda k: issubclass(k, datetime | date | np.datetime64))
    if is_datetime.any():
        out[is_datetime] = pd.to_datetime(values[is_datetime], errors="coerce")
    is_number = kinds.isin([int, float, np.int64, np.float64]) & ~blank
    text = to_text(values.where(~(is_datetime | is_number), None))
    serial_text = text.str.fullmatch(r"\d{5}(\.0+)?", na=False)
    serials = pd.to_numeric(values.where(is_number), errors="coerce")
    serials = serials.where(~serial_text, pd.to_numeric(text.where(serial_text), errors="coerce"))
    serial_mask = (is_number | serial_text) & serials.between(SERIAL_MIN, SERIAL_MAX)
    if serial_mask.any():
        days = np.floor(serials[serial_mask].astype(float))
        out[serial_mask] = EXCEL_EPOCH + pd.to_timedelta(days, unit="D")
    todo = text.notna() & ~serial_text
    for fmt in DATE_TEXT_FORMATS:
        if not todo.any():
            break
        parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        ok = parsed.notna()
        out[ok[ok].index] = parsed[ok]
        todo[ok[ok].index] = False
    out = out.dt.normalize()
    invalid = ~blank & out.isna()
    return out, invalid


def parse_integers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Whole non-negative numbers as Int64 (`3`, `3.0`, 3.0); anything else is invalid."""
    blank = is_blank(values)
    numbers = pd.to_numeric(to_text(values), errors="coerce")
    whole = numbers.notna() & (numbers % 1 == 0) & (numbers >= 0)
    out = numbers.where(whole).astype("Float64").astype("Int64")
    return out, ~blank & ~whole


def parse_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Decimal numbers as float64; text that is not a number is invalid."""
    blank = is_blank(values)
    numbers = pd.to_numeric(to_text(values), errors="coerce").astype(float)
    return numbers, ~blank & numbers.isna()


def parse_yesno(values: pd.Series, allow_unknown: bool = False) -> tuple[pd.Series, pd.Series]:
    """`Y`, `yes`, `a) Yes`, `TRUE`, 1 … → "Yes"; the same for "No"; "Unknown" when allowed."""
    text = to_text(values)
    words = text.str.replace(_PREFIX, "", regex=True).str.strip().str.lower()
    out = pd.Series(None, index=values.index, dtype=object)
    out[words.isin(YES_WORDS)] = "Yes"
    out[words.isin(NO_WORDS)] = "No"
    if allow_unknown:
        out[words.isin(UNKNOWN_WORDS)] = "Unknown"
    invalid = text.notna() & out.isna()
    return out, invalid


def strip_annex_prefix(text: pd.Series) -> pd.Series:
    """Remove the template's ordering prefix: `a) Male` → `Male`, `aa) WBRI` → `WBRI`."""
    return text.str.replace(_PREFIX, "", regex=True).str.strip()


def annex_code(text: pd.Series, dash_codes: bool = False) -> pd.Series:
    """Annex A code normalisation: prefix off, then `CODE: description` → `CODE`.

    With `dash_codes` (fields whose code list reads `N1 - Abuse or neglect`) a value of the form
    `CODE - description` also keeps only the code.
    """
    out = strip_annex_prefix(text)
    out = out.str.replace(_COLON_CODE, r"\1", regex=True)
    if dash_codes:
        out = out.str.replace(_DASH_CODE, r"\1", regex=True)
    return _none_when_blank(out.where(out.ne(""), None))


def _none_when_blank(values: pd.Series) -> pd.Series:
    """Object dtype with None for every missing value (pandas 3's string methods give NaN)."""
    return values.astype(object).where(values.notna(), None)


def upper_code(text: pd.Series) -> pd.Series:
    """SSDA903 codes: stripped and upper-case."""
    return _none_when_blank(text.str.strip().str.upper())


def match_codes(
    text: pd.Series, codes: frozenset[str], lookup: dict[str, str] | None = None
) -> tuple[pd.Series, pd.Series]:
    """Map values case-insensitively onto a code set; unknown values are kept and flagged."""
    canonical = {code.lower(): code for code in codes}
    if lookup:
        canonical.update({k.lower(): v for k, v in lookup.items()})
    lowered = text.str.lower()
    mapped = lowered.map(canonical)
    out = _none_when_blank(mapped.where(mapped.notna(), text))
    unknown = text.notna() & mapped.isna()
    return out, unknown


def normalise_heading(heading: object) -> str:
    """Header cell → comparable key: case, spaces, curly quotes, trailing `?`/`:` ignored."""
    if heading is None or (isinstance(heading, float) and np.isnan(heading)):
        return ""
    text = str(heading).replace("\u00a0", " ")
    text = re.sub(r"\(new/renamed in 2023-24 schema\)", "", text, flags=re.IGNORECASE)
    for curly, straight in (("‘", "'"), ("’", "'"), ("“", '"'), ("”", '"'), ("`", "'")):
        text = text.replace(curly, straight)
    text = re.sub(r"\s+", " ", text).strip().lower()
    return text.rstrip("?:. ").strip()
