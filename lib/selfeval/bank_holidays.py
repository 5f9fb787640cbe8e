"""England and Wales bank holidays, for counting working days (from the `holidays` package)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from selfeval.errors import UserError

# England and Wales share their bank holidays; the `holidays` package files them under England.
BANK_HOLIDAY_REGION = ("GB", "ENG")


class BankHolidaysNotCovered(UserError):
    """A date falls in a year the bank holiday calendar does not cover (a measure that meets one
    is shown blank with this message; elsewhere the CLI prints it without a traceback)."""


def bank_holiday_years() -> tuple[int, int]:
    """The first and last year the installed `holidays` package covers for England and Wales."""
    import holidays

    country, subdiv = BANK_HOLIDAY_REGION
    calendar = holidays.country_holidays(country, subdiv=subdiv)
    return int(calendar.start_year), int(calendar.end_year)


@lru_cache(maxsize=32)
def bank_holidays(first_year: int, last_year: int) -> np.ndarray:
    """England and Wales bank holidays (including substitute days) in the years first_year to
    last_year, as sorted datetime64[D], from the maintained `holidays` package.

    Raises BankHolidaysNotCovered for a year outside the package's range: working days are
    never counted against a calendar that does not know the year. (A one-off bank holiday
    announced after the installed package was released is only known once it is updated.)"""
    import holidays

    first, last = bank_holiday_years()
    if first_year < first or last_year > last:
        outside = first_year if first_year < first else last_year
        raise BankHolidaysNotCovered(
            f"working days cannot be counted for a date in {outside}: the bank holiday calendar "
            f"(Python package 'holidays' {holidays.__version__}, England and Wales) covers "
            f"{first} to {last}. Check the date, or update the package if the date is right."
        )
    country, subdiv = BANK_HOLIDAY_REGION
    days = holidays.country_holidays(country, subdiv=subdiv, years=range(first_year, last_year + 1))
    return np.array(sorted(days), dtype="datetime64[D]")


def holidays_spanning(*dates: np.ndarray, margin_days: int = 0) -> np.ndarray:
    """The bank holidays of every year from the earliest to the latest of `dates` (NaT ignored),
    widened by `margin_days` either side; empty when there is no date."""
    known = [d[~np.isnat(d)] for d in (np.asarray(x, dtype="datetime64[D]").ravel() for x in dates)]
    known = [d for d in known if d.size]
    if not known:
        return np.array([], dtype="datetime64[D]")
    margin = np.timedelta64(margin_days, "D")
    low = min(d.min() for d in known) - margin
    high = max(d.max() for d in known) + margin
    return bank_holidays(int(str(low)[:4]), int(str(high)[:4]))
