"""Workforce measures on DfE's basis (issue 16, item 8) and the rounding of measures.csv
numbers (item 10), on hand-built frames; period end 30 September 2021 (DfE's census date).

DfE Children's social work workforce statistics, methodology (child and family social workers,
managers included, at 30 September):
- agency worker rate = agency FTE / (agency FTE + FTE in post)
- turnover rate = FTE leavers in the 12 months to 30 September / FTE in post at 30 September
- vacancy rate = FTE vacancies / (FTE vacancies + FTE in post)
"FTE in post" is social workers employed by the council (here: employment Permanent).
The improvement plan's appraisal target: "80% of permanent staff, and agency staff who have been
in SCC for more than 12m will have an annual appraisal".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from selfeval.measures import Catalogue, compute_measures_with_status
from selfeval.measures.engine import _csv_numbers
from test_measures import CATALOGUE, PE, SETTINGS, compute, pick

T = pd.Timestamp
COLUMNS = ["snapshot_date", "staff_id", "team", "role", "employment", "fte", "start", "leave"]


def frame(rows: list[tuple]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=COLUMNS).rename(
        columns={"start": "start_date", "leave": "leave_date"}
    )
    for col in ("snapshot_date", "start_date", "leave_date"):
        df[col] = pd.to_datetime(df[col])
    return df.assign(case_holding="Yes", caseload=10, appraisal_date=pd.NaT)


def staff() -> pd.DataFrame:
    """The 30 September 2021 snapshot, and earlier ones reaching back over the year."""
    at = "2021-09-30"
    return frame(
        [
            # in post at 30 September 2021
            (at, "P1", "T1", "Social worker", "Permanent", 1.0, "2015-01-01", None),
            (at, "P2", "T1", "Senior practitioner", "Permanent", 0.6, "2019-01-01", None),
            (at, "P3", "T2", "Team manager", "Permanent", 1.0, "2010-01-01", None),
            (at, "A1", "T2", "Social worker", "Agency", 1.0, "2021-01-01", None),
            (at, "A2", "T1", "Advanced practitioner", "Agency", 0.8, "2020-01-01", None),
            # not child and family social workers (DfE): left out of every rate
            (at, "F1", "T1", "Family support worker", "Permanent", 1.0, "2018-01-01", None),
            (at, "X1", "T2", "Personal adviser", "Agency", 1.0, "2018-01-01", None),
            # leavers: their last row before leaving carries the leaving date
            (
                "2020-09-30",
                "L0",
                "T1",
                "Social worker",
                "Permanent",
                1.0,
                "2012-01-01",
                "2020-09-30",
            ),  # left on 30/09/2020: before the 12 months (1/10/2020-30/9/2021)
            (
                "2020-09-30",
                "L1",
                "T1",
                "Social worker",
                "Permanent",
                1.0,
                "2012-01-01",
                "2020-10-01",
            ),  # left on the first day of the 12 months: counts
            (
                "2021-08-31",
                "L2",
                "T2",
                "Senior practitioner",
                "Permanent",
                0.5,
                "2016-01-01",
                "2021-09-30",
            ),  # left on the date itself: counts
            (
                "2021-08-31",
                "L3",
                "T2",
                "Social worker",
                "Agency",
                1.0,
                "2021-01-01",
                "2021-09-10",
            ),  # agency leaver: not in DfE's turnover (employed staff only)
            (
                "2021-08-31",
                "L4",
                "T1",
                "Family support worker",
                "Permanent",
                1.0,
                "2016-01-01",
                "2021-09-10",
            ),  # not a social worker
        ]
    )


def test_agency_rate_on_dfe_basis():
    # agency A1 1.0 + A2 0.8 = 1.8; employed P1 1.0 + P2 0.6 + P3 1.0 = 2.6 (the manager counts);
    # 1.8 / (1.8 + 2.6) = 40.9%. F1 and X1 (not social workers) are left out.
    s = pick(compute({"local_workforce": staff()}, "agency_rate_pct"), "snapshot")
    assert (s["numerator"], s["denominator"], s["value"]) == (1.8, 4.4, 40.9)


def test_turnover_leavers_in_the_12_months_over_fte_in_post():
    # leavers 1/10/2020-30/9/2021, employed social workers: L1 1.0 + L2 0.5 = 1.5 (L0 left the
    # day before the window, L3 agency, L4 not a social worker); in post P1+P2+P3 = 2.6;
    # 1.5 / 2.6 = 57.69% → 57.7
    df = compute({"local_workforce": staff()}, "sw_turnover_pct")
    s = pick(df, "snapshot")
    assert (s["numerator"], s["denominator"], s["value"]) == (1.5, 2.6, 57.7)
    # by team: T1 L1 1.0 / (P1 1.0 + P2 0.6) = 62.5%; T2 L2 0.5 / P3 1.0 = 50%
    assert pick(df, "snapshot", "team=T1")["value"] == 62.5
    assert pick(df, "snapshot", "team=T2")["value"] == 50.0


def test_turnover_counts_a_worker_missing_from_later_snapshots_without_a_leaving_date():
    # V1 (employed, 0.8 FTE, T2) is in the 31/08/2021 snapshot with no leaving date and missing
    # from 30/09/2021: gone by 30/09/2021, inside the 12 months, so a leaver. V2 (T2) is in the
    # 30/09/2020 snapshot only, also without a date: gone by the next snapshot, 31/08/2021, also
    # inside. Leavers 1.5 (L1, L2) + 0.8 + 1.0 = 3.3; in post 2.6; 3.3 / 2.6 = 126.9%.
    extra = frame(
        [
            ("2021-08-31", "V1", "T2", "Social worker", "Permanent", 0.8, "2019-01-01", None),
            ("2020-09-30", "V2", "T2", "Social worker", "Permanent", 1.0, "2019-01-01", None),
        ]
    )
    wf = pd.concat([staff(), extra], ignore_index=True)
    s = pick(compute({"local_workforce": wf}, "sw_turnover_pct"), "snapshot")
    assert (s["numerator"], s["denominator"], s["value"]) == (3.3, 2.6, 126.9)


def test_turnover_needs_snapshots_over_the_whole_year():
    # Without the 30/09/2020 snapshot the data starts 31/08/2021: the year's leavers cannot be
    # seen, so no figure, and the status says why.
    short = staff()
    short = short[short["snapshot_date"] > T("2020-09-30")]
    cat = Catalogue(measures={"sw_turnover_pct": CATALOGUE["sw_turnover_pct"]})
    rows, status = compute_measures_with_status(
        {"local_workforce": short}, PE, settings=SETTINGS, catalogue=cat
    )
    assert rows.empty
    why = status.set_index("measure_id").loc["sw_turnover_pct"]
    assert why["status"] == "unavailable"
    assert "12 months" in why["why"] and "31/08/2021" in why["why"]


def test_turnover_boundary_snapshot_the_day_before_the_window():
    # The window for 30/09/2021 starts 1/10/2020; a first snapshot on 30/09/2020 (the day before)
    # is enough. For 31/08/2021 the window starts 1/09/2020: not covered, so no month row.
    df = compute({"local_workforce": staff()}, "sw_turnover_pct")
    months = df[(df["period_type"] == "month") & (df["breakdown"] == "")]
    assert months["period_end"].tolist() == [T("2021-09-30")]


def test_vacancy_rate_on_dfe_basis():
    vac = pd.DataFrame(
        {
            "snapshot_date": pd.to_datetime(["2021-09-30", "2021-09-30", "2021-08-31"]),
            "team": ["T1", "T2", "T1"],
            "vacancy_fte": [1.4, 0.6, 9.0],
        }
    )
    tables = {"local_workforce": staff(), "local_vacancies": vac}
    df = compute(tables, "sw_vacancy_pct")
    # vacancies 1.4 + 0.6 = 2.0; employed in post 2.6; 2.0 / (2.0 + 2.6) = 43.48% → 43.5
    s = pick(df, "snapshot")
    assert (s["numerator"], s["denominator"], s["value"]) == (2.0, 4.6, 43.5)
    # T1: 1.4 / (1.4 + 1.6) = 46.7%; T2: 0.6 / (0.6 + 1.0) = 37.5%
    assert pick(df, "snapshot", "team=T1")["value"] == 46.7
    assert pick(df, "snapshot", "team=T2")["value"] == 37.5
    # 31/08/2021: T1 vacancies 9.0, employed in post L2 0.5 (leaving later) → 9 / 9.5 = 94.7%
    assert pick(df, "month", end="2021-08-31")["value"] == 94.7
    # 30/09/2020 has a workforce snapshot but no vacancy rows: no figure (not 0%)
    assert df[df["period_end"] == T("2020-09-30")].empty


def test_appraisals_exclude_agency_staff_in_post_12_months_or_less():
    at = "2021-09-30"
    wf = frame(
        [
            (at, "P1", "T1", "Social worker", "Permanent", 1.0, "2021-09-01", None),
            (at, "A1", "T1", "Social worker", "Agency", 1.0, "2020-09-30", None),  # > 12 months
            (at, "A2", "T1", "Social worker", "Agency", 1.0, "2020-10-01", None),  # = 12 months
            (at, "A3", "T1", "Social worker", "Agency", 1.0, None, None),  # unknown: left out
            (at, "F1", "T1", "Family support worker", "Permanent", 1.0, "2019-01-01", None),
        ]
    )
    wf["appraisal_date"] = pd.to_datetime(
        ["2020-09-30", "2021-01-01", "2021-06-01", "2021-06-01", None]
    )
    # the 12 months ending 30/09/2021 start 1/10/2020: A1 (started 30/09/2020) has been in post
    # more than 12 months, A2 (1/10/2020) exactly 12, so is left out. Cohort P1, A1, F1 (the
    # plan says "staff": every role). Appraised in the 365 days to 30/09/2021 (from 30/09/2020):
    # P1 yes (365 days before), A1 yes, F1 no → 2 / 3 = 66.7%
    s = pick(compute({"local_workforce": wf}, "appraisals_pct"), "snapshot")
    assert (s["numerator"], s["denominator"], s["value"]) == (2, 3, 66.7)


def test_numerators_and_denominators_rounded_in_the_csv():
    # 0.1 FTE × 3 agency over 1.1 + 0.1 + 0.1... sums in binary floating point are not exact
    at = "2021-09-30"
    rows = [(at, f"A{i}", "T1", "Social worker", "Agency", 0.1, None, None) for i in range(3)]
    rows += [(at, f"P{i}", "T1", "Social worker", "Permanent", 1.1, None, None) for i in range(3)]
    s = pick(compute({"local_workforce": frame(rows)}, "agency_rate_pct"), "snapshot")
    # 0.1 + 0.1 + 0.1 = 0.30000000000000004 in floats; shown 0.3 over 3.6 = 8.3%
    assert (repr(s["numerator"]), repr(s["denominator"]), s["value"]) == ("0.3", "3.6", 8.3)
    out = _csv_numbers(np.array([113.19999999999996, 12.0, np.nan, -0.0, 0.1 + 0.2]))
    assert [repr(v) for v in out] == ["113.2", "12", "None", "0", "0.3"]
