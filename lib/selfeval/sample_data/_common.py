"""Shared helpers for the synthetic sample: time horizon, date sampling, codes, children."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from selfeval.bank_holidays import holidays_spanning

DAY = np.timedelta64(1, "D")
NAT = np.datetime64("NaT", "D")
HISTORY_MONTHS = 36  # each extract's lists cover the 36 months before its date
BURN_IN_MONTHS = 30  # simulated history before the earliest window, so stocks are settled

TEAMS = (
    "MASH",
    "Assessment 1",
    "Assessment 2",
    "Protection and Court 1",
    "Protection and Court 2",
    "Looked After Children 1",
    "Looked After Children 2",
    "Pathways (Care Leavers)",
    "Children with Disabilities",
)


@dataclass(frozen=True)
class Horizon:
    """The simulated period: burn-in start, start of the earliest list window, last extract date."""

    start: np.datetime64
    trend_start: np.datetime64
    end: np.datetime64

    @property
    def years(self) -> float:
        return float((self.end - self.start) / DAY) / 365.25

    def frac(self, dates: np.ndarray) -> np.ndarray:
        """Position of each date between trend_start (0) and end (1), clipped."""
        span = float((self.end - self.trend_start) / DAY)
        pos = (dates.astype("datetime64[D]") - self.trend_start) / DAY
        return np.clip(np.asarray(pos, dtype=float) / span, 0.0, 1.0)

    def trend(self, dates: np.ndarray, first: float, last: float) -> np.ndarray:
        """A linear trend from `first` (at trend_start) to `last` (at end)."""
        return first + (last - first) * self.frac(dates)


def months_before(day: np.datetime64, months: int) -> np.datetime64:
    """The day after the same date `months` months earlier (the window start)."""
    ts = pd.Timestamp(day) - pd.DateOffset(months=months) + pd.Timedelta(days=1)
    return np.datetime64(ts.date(), "D")


def make_horizon(extract_dates: list[np.datetime64]) -> Horizon:
    first = min(extract_dates)
    trend_start = months_before(first, HISTORY_MONTHS)
    start = months_before(trend_start, BURN_IN_MONTHS)
    return Horizon(start=start, trend_start=trend_start, end=max(extract_dates))


def day_weights(days: np.ndarray) -> np.ndarray:
    """Relative activity by day: quieter at weekends, in August and over Christmas."""
    weekday = (days.astype("datetime64[D]").view("int64") + 3) % 7  # 0 = Monday
    month = days.astype("datetime64[M]").astype(int) % 12 + 1
    w = np.where(weekday >= 5, 0.25, 1.0)
    w = w * np.where(month == 8, 0.85, 1.0) * np.where(month == 12, 0.85, 1.0)
    return w


def sample_dates(
    rng: np.random.Generator, n: int, start: np.datetime64, end: np.datetime64
) -> np.ndarray:
    """n dates in [start, end], weighted by `day_weights`, sorted."""
    days = np.arange(start, end + DAY, dtype="datetime64[D]")
    w = day_weights(days)
    return np.sort(days[rng.choice(len(days), size=n, p=w / w.sum())])


def count(rng: np.random.Generator, per_year: float, years: float, scale: float) -> int:
    return int(rng.poisson(per_year * years * scale))


def pick(rng: np.random.Generator, options: dict[str, float], n: int) -> np.ndarray:
    """n values drawn from {value: weight}."""
    values = np.array(list(options), dtype=object)
    w = np.array(list(options.values()), dtype=float)
    return values[rng.choice(len(values), size=n, p=w / w.sum())]


def jitter_days(rng: np.random.Generator, low: int, high: int, n: int) -> np.ndarray:
    """Whole-day offsets in [low, high] as timedelta64[D]."""
    return rng.integers(low, high + 1, size=n).astype("timedelta64[D]")


def exp_days(rng: np.random.Generator, mean: float, n: int, minimum: int = 0) -> np.ndarray:
    return (minimum + rng.exponential(mean, size=n)).astype(int).astype("timedelta64[D]")


def add_working_days(start: np.ndarray, working_days: np.ndarray) -> np.ndarray:
    """The date `working_days` working days after start (start rolled forward to a working day)."""
    start = start.astype("datetime64[D]")
    span = int(np.max(np.abs(working_days), initial=0)) * 2 + 30
    holidays = holidays_spanning(start, margin_days=span)
    return np.busday_offset(start, working_days, roll="forward", holidays=holidays)


def age_years(dob: np.ndarray, on: np.ndarray | np.datetime64) -> np.ndarray:
    """Age in whole years at `on` (per element)."""
    dob_ts = pd.DatetimeIndex(dob)
    on_ts = pd.DatetimeIndex(np.broadcast_to(on, dob.shape))
    years = on_ts.year - dob_ts.year
    before_birthday = (on_ts.month < dob_ts.month) | (
        (on_ts.month == dob_ts.month) & (on_ts.day < dob_ts.day)
    )
    return np.asarray(years - before_birthday.astype(int))


def add_years(dates: np.ndarray, years: int) -> np.ndarray:
    """Same day `years` later (29 Feb → 28 Feb)."""
    ts = pd.DatetimeIndex(dates) + pd.DateOffset(years=years)
    return ts.values.astype("datetime64[D]")


ETHNICITY = {
    "WBRI": 70,
    "WIRI": 0.5,
    "WIRT": 0.2,
    "WOTH": 8,
    "WROM": 0.5,
    "MWBC": 2,
    "MWBA": 1.5,
    "MWAS": 2,
    "MOTH": 3,
    "AIND": 2,
    "APKN": 1.5,
    "ABAN": 1,
    "AOTH": 1.5,
    "BCRB": 0.5,
    "BAFR": 2.5,
    "BOTH": 0.5,
    "CHNE": 0.5,
    "OOTH": 2,
    "REFU": 0.3,
    "NOBT": 1.5,
}
ETHNICITY_PREFIX = {code: f"{chr(97 + i)})" for i, code in enumerate(list(ETHNICITY)[:19])}
ETHNICITY_PREFIX["NOBT"] = "s)"  # Ofsted's template gives REFU and NOBT both "s)"
REFERRAL_AGES_EH = {(0, 0): 10, (1, 4): 25, (5, 9): 30, (10, 15): 30, (16, 17): 5}
GENDER_CODES = {1: "a) Male", 2: "b) Female", 0: "c) Not stated/recorded"}


def _child_id(index: np.ndarray) -> np.ndarray:
    """A stable, scrambled 7-digit id per index (a bijection on 0..8,999,999)."""
    scrambled = (index.astype(np.int64) * 2654435761 + 1234567) % 9_000_000 + 1_000_000
    return np.char.add("C", scrambled.astype(str))


@dataclass
class Children:
    """Registry of synthetic children; ids are stable for a given seed."""

    dob: list[np.ndarray] = field(default_factory=list)
    sex: list[np.ndarray] = field(default_factory=list)
    ethnic: list[np.ndarray] = field(default_factory=list)
    disabled: list[np.ndarray] = field(default_factory=list)
    size: int = 0

    def new(
        self, rng: np.random.Generator, dob: np.ndarray, disabled_p: float = 0.08
    ) -> np.ndarray:
        """Register children with the given dates of birth; returns their indices."""
        n = len(dob)
        idx = np.arange(self.size, self.size + n)
        self.size += n
        self.dob.append(dob.astype("datetime64[D]"))
        self.sex.append(rng.choice([1, 2, 0], size=n, p=[0.51, 0.485, 0.005]))
        self.ethnic.append(pick(rng, ETHNICITY, n))
        self.disabled.append(rng.random(n) < disabled_p)
        return idx

    def frame(self) -> pd.DataFrame:
        n = self.size
        return pd.DataFrame(
            {
                "child": np.arange(n),
                "child_id": _child_id(np.arange(n)),
                "dob": np.concatenate(self.dob) if n else np.array([], "datetime64[D]"),
                "sex": np.concatenate(self.sex) if n else np.array([], int),
                "ethnic": np.concatenate(self.ethnic) if n else np.array([], object),
                "disabled": np.concatenate(self.disabled) if n else np.array([], bool),
            }
        )


def dob_for_age(rng: np.random.Generator, on: np.ndarray, ages: np.ndarray) -> np.ndarray:
    """Dates of birth giving each child `ages` whole years (random day within the year) at `on`."""
    offset = (ages * 365.25 + rng.uniform(0, 364, size=len(on))).astype(int)
    return on.astype("datetime64[D]") - offset.astype("timedelta64[D]")


def child_ages(
    rng: np.random.Generator, n: int, weights: dict[tuple[int, int], float]
) -> np.ndarray:
    """Whole-year ages drawn from {(low, high): weight} bands (inclusive)."""
    bands = list(weights)
    w = np.array(list(weights.values()), dtype=float)
    which = rng.choice(len(bands), size=n, p=w / w.sum())
    low = np.array([b[0] for b in bands])[which]
    high = np.array([b[1] for b in bands])[which]
    return rng.integers(low, high + 1)
