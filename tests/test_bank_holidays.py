"""Working days after 2026: England and Wales bank holidays from the maintained `holidays`
package, and a loud failure on a year it does not cover (issue 16, item 9).

Rule: a working day is Monday to Friday and not a bank holiday in England and Wales; when
Christmas Day or Boxing Day falls at a weekend, the substitute day (the next weekday) is the bank
holiday (GOV.UK "UK bank holidays"). working_days counts [start, end).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from selfeval.bank_holidays import BankHolidaysNotCovered, bank_holiday_years, bank_holidays
from selfeval.config import reference_file
from selfeval.measures.context import add_working_days, working_days

T = pd.Timestamp


def wd(start: str, end: str) -> float:
    return working_days(pd.Series([T(start)]), pd.Series([T(end)])).iloc[0]


def test_matches_the_published_list_2017_2026():
    # The GOV.UK list the project shipped (weekday bank holidays, with the one-off 2020 VE day
    # move, the 2022 jubilee and state funeral and the 2023 coronation) equals the package's
    # weekday holidays for those years.
    published = pd.read_csv(reference_file("bank_holidays_england_wales_2017_2026.csv"))
    ours = [d for d in bank_holidays(2017, 2026) if np.is_busday(d)]
    assert pd.to_datetime(published["date"]).dt.date.tolist() == pd.to_datetime(ours).date.tolist()


def test_christmas_2027_substitute_days():
    # Christmas Day 2027 is a Saturday, Boxing Day a Sunday: Mon 27 and Tue 28 Dec are the
    # substitute bank holidays.
    days = set(pd.to_datetime(bank_holidays(2027, 2027)).date)
    assert {T("2027-12-27").date(), T("2027-12-28").date()} <= days
    # Fri 24 Dec 2027 to Wed 29 Dec: only Fri 24 is a working day (25-26 weekend, 27-28 holidays)
    assert wd("2027-12-24", "2027-12-29") == 1
    # one working day after Fri 24 Dec 2027 is Wed 29 Dec
    assert add_working_days(T("2027-12-24"), 1) == T("2027-12-29")
    # boundary: Thu 23 to Fri 24 Dec is 1 working day (the start is counted, the end is not)
    assert wd("2027-12-23", "2027-12-24") == 1


def test_easter_2027():
    # Easter Sunday 2027 is 28 March: Good Friday 26 March and Easter Monday 29 March.
    # Thu 25 to Wed 31 March: Thu 25 and Tue 30 are working days → 2.
    assert wd("2027-03-25", "2027-03-31") == 2
    # 5 working days after Wed 24 March 2027: Thu 25, Tue 30, Wed 31, Thu 1 Apr, Fri 2 Apr
    assert add_working_days(T("2027-03-24"), 5) == T("2027-04-02")


def test_range_crossing_2026_into_2027():
    # Wed 23 Dec 2026 to Tue 5 Jan 2027: working days Wed 23, Thu 24, Tue 29, Wed 30, Thu 31 Dec,
    # Mon 4 Jan = 6. Not working: Fri 25 (Christmas), Mon 28 (Boxing Day substitute, the 26th
    # being a Saturday), Fri 1 Jan 2027 (New Year's Day), the weekends.
    assert wd("2026-12-23", "2027-01-05") == 6
    # 20 working days from Mon 14 Dec 2026 cross the year end: 14-24 Dec (9), 29-31 Dec (3),
    # 4-8 Jan (5), 11-13 Jan (3) → the 20th working day after the start is Thu 14 Jan 2027.
    assert add_working_days(T("2026-12-14"), 20) == T("2027-01-14")


def test_a_year_the_calendar_does_not_cover_fails_loudly():
    first, last = bank_holiday_years()
    assert first <= 2017 and last >= 2030
    message = rf"in {last + 1}: .* covers {first} to {last}"
    with pytest.raises(BankHolidaysNotCovered, match=message):
        wd("2026-01-05", f"{last + 1}-01-05")
    with pytest.raises(BankHolidaysNotCovered, match=str(first - 1)):
        add_working_days(T(f"{first - 1}-06-01"), 5)
    # blanks are not dates: nothing to look up, no error
    blank = working_days(pd.Series([pd.NaT]), pd.Series([T("2027-01-04")]))
    assert np.isnan(blank.iloc[0])


def test_a_measure_over_an_uncovered_year_is_blank_with_the_reason():
    # an early help family "first seen" in a year past the calendar: the measure is not worked
    # out against a calendar without that year's bank holidays; its status says why
    from selfeval.measures import Catalogue, compute_measures_with_status
    from test_measures import CATALOGUE, PE, SETTINGS

    _, last = bank_holiday_years()
    eh = pd.DataFrame(
        {
            "episode_id": ["e1", "e2"],
            "child_id": ["A", "B"],
            "team": ["EH1", "EH1"],
            "referral_date": pd.to_datetime(["2021-09-01", "2021-09-02"]),
            "first_seen_date": pd.to_datetime(["2021-09-03", f"{last + 1}-09-03"]),
            "stepped_down_from_csc": ["No", "No"],
            "closure_date": pd.NaT,
            "closure_reason": None,
        }
    )
    cat = Catalogue(measures={"eh_seen_timely_pct": CATALOGUE["eh_seen_timely_pct"]})
    rows, status = compute_measures_with_status(
        {"local_early_help": eh}, PE, settings=SETTINGS, catalogue=cat
    )
    assert rows.empty
    row = status.set_index("measure_id").loc["eh_seen_timely_pct"]
    assert row["status"] == "unavailable"
    assert f"covers {bank_holiday_years()[0]} to {last}" in row["why"]
