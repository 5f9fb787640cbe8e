"""The measures engine on small hand-built frames: every expected figure is worked out by hand.

The period end is 30 September 2021 throughout (quarter: 1 July - 30 September 2021). The summer
bank holiday, Monday 30 August 2021, falls inside several working-day windows.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from hand_built import CATALOGUE_FILE, settings_for_testshire
from selfeval.measures import (
    MEASURE_COLUMNS,
    Catalogue,
    build_periods,
    compute_measures,
    compute_measures_with_status,
    load_catalogue,
    working_days,
)

PE = date(2021, 9, 30)
SETTINGS = settings_for_testshire({2020: 40_000, 2021: 50_000})
CATALOGUE = load_catalogue(CATALOGUE_FILE)
T = pd.Timestamp
NaT = pd.NaT


def compute(tables: dict, measure_id: str, period_end: date = PE) -> pd.DataFrame:
    """Compute one measure (the others in the catalogue are left out)."""
    cat = Catalogue(measures={measure_id: CATALOGUE[measure_id]})
    return compute_measures(tables, period_end, settings=SETTINGS, catalogue=cat)


def pick(df: pd.DataFrame, period_type: str, breakdown: str = "", end: str | None = None):
    rows = df[(df["period_type"] == period_type) & (df["breakdown"] == breakdown)]
    if end is not None:
        rows = rows[rows["period_end"] == T(end)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def dates(*values) -> pd.Series:
    return pd.to_datetime(pd.Series(values, dtype="object"))


# ------------------------------------------------------------------------- conventions


def test_periods_flow_months_and_quarter():
    p = build_periods(PE, "flow")
    months = p[p["period_type"] == "month"]
    assert len(months) == 24
    assert months["period_start"].iloc[0] == T("2019-10-01")
    assert months["period_end"].iloc[-1] == T("2021-09-30")
    q = p[p["period_type"] == "quarter"].iloc[0]
    assert (q["period_start"], q["period_end"]) == (T("2021-07-01"), T("2021-09-30"))


def test_periods_quarter_from_month_end_and_mid_month():
    q = build_periods(date(2022, 2, 28), "flow").iloc[-1]
    assert q["period_start"] == T("2021-12-01")
    p = build_periods(date(2021, 9, 15), "flow")
    assert p["period_start"].iloc[-1] == T("2021-06-16")
    last_month = p[p["period_type"] == "month"].iloc[-1]
    assert (last_month["period_start"], last_month["period_end"]) == (
        T("2021-09-01"),
        T("2021-09-15"),
    )


def test_periods_snapshot_and_rolling():
    s = build_periods(PE, "stock")
    assert s.iloc[-1][["period_type", "period_start", "period_end"]].tolist() == [
        "snapshot",
        T("2021-09-30"),
        T("2021-09-30"),
    ]
    r = build_periods(PE, "rolling12").iloc[-1]
    assert (r["period_start"], r["period_end"]) == (T("2020-10-01"), T("2021-09-30"))
    assert len(build_periods(PE, "current")) == 1


def test_working_days_skip_weekends_and_bank_holiday():
    # Mon 23 Aug to Tue 14 Sep 2021: 16 weekdays in [start, end), less the 30 August bank holiday
    wd = working_days(
        dates("2021-08-23", "2021-08-23", None), dates("2021-09-14", "2021-08-24", "2021-09-01")
    )
    assert wd.iloc[0] == 15
    assert wd.iloc[1] == 1
    assert np.isnan(wd.iloc[2])


def test_output_columns_in_contract_order():
    tables = {"annex_a_1": pd.DataFrame({"child_id": ["A"], "contact_date": dates("2021-08-02")})}
    df = compute(tables, "contacts")
    assert list(df.columns) == MEASURE_COLUMNS


def test_missing_table_gives_no_rows_and_says_why():
    df, status = compute_measures_with_status({}, PE, settings=SETTINGS, catalogue=CATALOGUE)
    assert df.empty and list(df.columns) == MEASURE_COLUMNS
    row = status.set_index("measure_id").loc["cla"]
    assert row["status"] == "unavailable"
    assert "ssda903_episodes or annex_a_8" in row["why"]
    assert status.set_index("measure_id").loc["contacts_nfa_pct", "status"] == "not computable"


def test_missing_column_gives_no_rows_and_says_why():
    tables = {"annex_a_3": pd.DataFrame({"child_id": ["A"], "referral_date": dates("2021-08-02")})}
    cat = Catalogue(measures={"referral_nfa_pct": CATALOGUE["referral_nfa_pct"]})
    df, status = compute_measures_with_status(tables, PE, settings=SETTINGS, catalogue=cat)
    assert df.empty
    assert "referral_nfa" in status.iloc[0]["why"]


# ------------------------------------------------------------------------------ A1 / A3


def test_contacts_counts_events_in_period_and_months():
    a1 = pd.DataFrame(
        {
            "child_id": ["A", "A", "B", "C", "D", "E"],
            "contact_date": dates(
                "2021-08-02", "2021-08-02", "2021-08-31", "2021-09-30", "2021-10-01", "2021-06-30"
            ),
        }
    )
    df = compute({"annex_a_1": a1}, "contacts")
    # in the quarter: A twice (events count twice), B, C on the last day; not D (after), E (before)
    assert pick(df, "quarter")["value"] == 4
    assert pick(df, "month", end="2021-08-31")["value"] == 3
    assert pick(df, "month", end="2021-09-30")["value"] == 1
    assert pick(df, "month", end="2021-07-31")["value"] == 0
    assert pd.isna(pick(df, "quarter")["denominator"])


def test_month_rows_start_where_the_data_reaches():
    a1 = pd.DataFrame({"child_id": ["A", "B"], "contact_date": dates("2021-03-15", "2021-08-01")})
    months = compute({"annex_a_1": a1}, "contacts").query("period_type == 'month'")
    # March 2021 starts before the earliest contact (15 March): April to September only
    assert months["period_start"].min() == T("2021-04-01")
    assert len(months) == 6


def referrals_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "child_id": ["A", "A", "B", "B", "C", "C", "D", "D"],
            "referral_date": dates(
                "2020-08-01",
                "2021-08-01",  # 365 days apart: a re-referral
                "2020-07-31",
                "2021-08-01",  # 366 days apart: not a re-referral
                "2021-08-10",
                "2021-08-10",  # same day: not a re-referral
                "2021-07-05",
                "2021-09-01",  # 58 days apart: the second is a re-referral
            ),
            "referral_nfa": ["No", "Yes", "No", "No", "Yes", "No", None, "No"],
            "allocated_team": ["T1", "T1", "T1", "T2", "T2", "T2", "T1", "T1"],
        }
    )


def test_re_referral_365_and_366_days():
    df = compute({"annex_a_3": referrals_table()}, "re_referral_pct")
    q = pick(df, "quarter")
    # DfE: a re-referral is a referral within 12 months (1-365 days) of a previous one. List 3
    # reaches back to 31 Jul 2020. In the quarter: A(1 Aug) yes (365 days); B no (366 days,
    # and 1 Aug 2021 - 365 days = 31 Jul 2020 is covered); C x2 no (covered, none before);
    # D(5 Jul) undecided (its look-back starts 5 Jul 2020, before the data; no List 3 count);
    # D(1 Sep) yes (58 days) → 2 of 5 decided
    assert (q["numerator"], q["denominator"], q["value"]) == (2, 5, 40.0)
    t1 = pick(df, "quarter", "team=T1")  # A(1 Aug) yes, D(1 Sep) yes → 2/2
    assert t1["value"] == 100.0
    t2 = pick(df, "quarter", "team=T2")  # B, C, C → 0/3
    assert t2["value"] == 0.0


def test_referral_nfa_pct_and_zero_denominator():
    df = compute({"annex_a_3": referrals_table()}, "referral_nfa_pct")
    # A(1 Aug) Yes, C Yes of the 5 answered (D's blank answer is unknown, not No)
    assert pick(df, "quarter")["value"] == 40.0
    empty = pick(df, "month", end="2021-06-30")  # no referrals in June 2021
    assert (empty["numerator"], empty["denominator"]) == (0, 0)
    assert empty["value"] is None or pd.isna(empty["value"])
    assert empty["rag"] == ""


def test_referrals_count_and_team_breakdown():
    df = compute({"annex_a_3": referrals_table()}, "referrals")
    assert pick(df, "quarter")["value"] == 6
    assert pick(df, "quarter", "team=T1")["value"] == 3
    assert pick(df, "quarter", "team=T2")["value"] == 3


def test_breakdowns_are_those_the_catalogue_declares():
    """Breakdowns are declared once, in params/measures.yaml (what a page shows): the same
    contributions (which carry `team`) give team rows only when the catalogue asks for them, and
    a declared level the contributions do not carry gives no rows rather than an error."""
    tables = {"annex_a_3": referrals_table()}
    for declared, teams in (([], set()), (["team"], {"team=T1", "team=T2"}), (["theme"], set())):
        mdef = CATALOGUE["referrals"].model_copy(update={"breakdowns": declared})
        cat = Catalogue(measures={"referrals": mdef})
        df = compute_measures(tables, PE, settings=SETTINGS, catalogue=cat)
        assert set(df["breakdown"]) - {""} == teams, declared
        assert pick(df, "quarter")["value"] == 6


def test_referral_rate_10k_over_12_months():
    df = compute({"annex_a_3": referrals_table()}, "referral_rate_10k")
    s = pick(df, "snapshot")
    # referrals 1 Oct 2020 - 30 Sep 2021: 6 (the two 2020 ones are earlier); 6 / 50,000 x 10,000
    assert (s["numerator"], s["denominator"], s["value"]) == (6, 50_000, 1.2)
    assert s["period_start"] == T("2020-10-01")


# ------------------------------------------------------------------------------ A4 / A5


def assessments_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "child_id": ["A", "B", "C", "D"],
            "assessment_start": dates("2021-07-05", "2021-07-05", "2021-08-01", "2021-05-01"),
            # 5 Jul → 7 Sep: 45 working days (with the bank holiday); → 8 Sep: 46
            "assessment_authorised": dates("2021-09-07", "2021-09-08", "2021-08-20", None),
            "assessed_in_need": ["Yes", "Yes", "No", "No"],
            "allocated_team": ["T1", "T1", "T2", "T2"],
        }
    )


def test_assessment_timely_bank_holiday_inside_window():
    df = compute({"annex_a_4": assessments_table()}, "assessment_timely_pct")
    q = pick(df, "quarter")  # A (45) and C timely, B (46) late; D not authorised
    assert (q["numerator"], q["denominator"], q["value"]) == (2, 3, 66.7)


def test_assessments_completed_and_nfa():
    tables = {"annex_a_4": assessments_table()}
    assert pick(compute(tables, "assessments_completed"), "quarter")["value"] == 3
    nfa = pick(compute(tables, "assessment_nfa_pct"), "quarter")
    assert (nfa["numerator"], nfa["denominator"], nfa["value"]) == (1, 3, 33.3)


def test_s47_and_icpc_timely():
    a5 = pd.DataFrame(
        {
            "child_id": ["A", "B", "C"],
            "strategy_date": dates("2021-08-23", "2021-08-23", "2021-09-20"),
            # 23 Aug → 14 Sep = 15 working days (bank holiday 30 Aug); → 15 Sep = 16
            "icpc_date": dates("2021-09-14", "2021-09-15", None),
            "allocated_team": ["T1", "T1", "T1"],
        }
    )
    assert pick(compute({"annex_a_5": a5}, "s47_enquiries"), "quarter")["value"] == 3
    q = pick(compute({"annex_a_5": a5}, "icpc_timely_pct"), "quarter")
    assert (q["numerator"], q["denominator"], q["value"]) == (1, 2, 50.0)


# ------------------------------------------------------------------------------ A6 / A7


def cp_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "child_id": ["A", "B", "C", "C", "D", "E", "F"],
            "cp_start": dates(
                "2021-01-01",
                "2021-02-01",
                "2021-03-01",
                "2021-03-01",
                "2021-09-30",
                "2019-06-01",
                "2020-01-01",
            ),
            # A ends exactly on the period end: not open at it. F (closed June 2020) shows the
            # list reaches back to June 2020, so month rows from July 2020 are trusted.
            "cp_end": dates("2021-09-30", "2021-10-01", None, None, None, None, "2020-06-01"),
            "last_visit": dates(
                "2021-09-16", "2021-09-15", "2021-10-01", "2021-10-01", None, "2021-09-29", None
            ),
            "last_review": dates(
                None, "2021-05-01", "2021-04-01", "2021-04-01", None, "2021-03-30", None
            ),
            "previous_cp_plans": [0, 1, 0, 0, 2, 0, 0],
            "allocated_team": ["T1", "T1", "T2", "T2", "T1", "T2", "T1"],
        }
    )


def test_cp_plans_episode_ending_on_period_end_and_child_counted_once():
    df = compute({"annex_a_7": cp_table()}, "cp_plans")
    # open at 30 Sep: B, C (two rows, once), D (starts that day), E; not A (ends 30 Sep)
    assert pick(df, "snapshot")["value"] == 4
    assert pick(df, "snapshot", "team=T2")["value"] == 2
    # at 31 Aug: A, B, C, E (D not yet started)
    assert pick(df, "month", end="2021-08-31")["value"] == 4


def test_cp_rate_10k():
    s = pick(compute({"annex_a_7": cp_table()}, "cp_rate_10k"), "snapshot")
    assert (s["numerator"], s["denominator"], s["value"]) == (4, 50_000, 0.8)


def test_cp_repeat_and_open_two_years():
    tables = {"annex_a_7": cp_table()}
    rep = pick(compute(tables, "cp_repeat_pct"), "quarter")  # only D starts in the quarter
    assert (rep["numerator"], rep["denominator"], rep["value"]) == (1, 1, 100.0)
    assert pick(compute(tables, "cp_starts"), "quarter")["value"] == 1
    two = pick(compute(tables, "cp_open_2yrs_pct"), "snapshot")  # E (June 2019) of 4
    assert (two["numerator"], two["denominator"], two["value"]) == (1, 4, 25.0)


def test_cp_visits_within_14_days_snapshot_only():
    df = compute({"annex_a_7": cp_table()}, "cp_visits_timely_pct")
    assert set(df["period_type"]) == {"snapshot"}  # last visit is a latest-value field
    s = pick(df, "snapshot")
    # B 15 days: no; C visit after the date: no; D blank: no; E 1 day: yes → 1/4
    assert (s["numerator"], s["denominator"], s["value"]) == (1, 4, 25.0)


def test_cp_reviews_timely():
    s = pick(compute({"annex_a_7": cp_table()}, "cp_reviews_timely_pct"), "snapshot")
    # open 3+ months: B (review 152 days ago: yes), C (182: yes), E (184: no); D too new → 2/3
    assert (s["numerator"], s["denominator"], s["value"]) == (2, 3, 66.7)


def cin_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "child_id": ["A", "B", "C", "D"],
            "cin_start": dates("2021-01-01", "2021-03-01", "2021-05-01", "2021-02-01"),
            "cin_end": dates(None, None, "2021-09-30", None),
            "case_status": [
                "Child in need plan",
                "Child in need plan",
                "Closed episode",
                "Child Protection plan",
            ],
            "last_seen": dates("2021-09-02", "2021-09-01", None, "2021-09-29"),
            "allocated_team": ["T1", "T1", "T1", "T2"],
        }
    )


def test_cin_open_plan_and_visits():
    tables = {"annex_a_6": cin_table()}
    assert pick(compute(tables, "cin_open"), "snapshot")["value"] == 3  # A, B, D; C ended
    assert pick(compute(tables, "cin_rate_10k"), "snapshot")["value"] == 0.6
    assert pick(compute(tables, "cin_plan_open"), "snapshot")["value"] == 2  # A, B
    v = pick(compute(tables, "cin_visits_timely_pct"), "snapshot")  # A 28 days yes, B 29 no
    assert (v["numerator"], v["denominator"], v["value"]) == (1, 2, 50.0)


# ----------------------------------------------------------------------- looked after


def episodes_903() -> pd.DataFrame:
    rows = [
        # CHILD, DECOM, RNE, LS, DEC, REC
        ("1", "2021-01-01", "S", "C2", "2021-09-30", "E11"),  # ceased on the period end
        ("2", "2021-06-01", "S", "V3", None, None),  # short breaks: excluded
        ("3", "2021-02-01", "S", "C1", "2021-05-01", "X1"),
        ("3", "2021-05-01", "L", "C2", None, None),  # open; child 3 counted once
        ("4", "2021-08-15", "S", "V2", None, None),  # started in the quarter
        ("5", "2021-08-01", "S", "V4", None, None),  # short breaks: not a start
        ("6", "2021-03-01", "S", "C2", "2021-08-01", "X1"),  # X1: a change, not ceasing
        ("6", "2021-08-01", "P", "C2", None, None),
        ("7", "2021-09-10", "S", "C1", None, None),  # 14 working days by 30 Sep
    ]
    frame = pd.DataFrame(rows, columns=["CHILD", "DECOM", "RNE", "LS", "DEC", "REC"])
    for col in ("DECOM", "DEC"):
        frame[col] = pd.to_datetime(frame[col])
    return frame


def test_cla_from_903_excludes_v3_v4_and_counts_children_once():
    tables = {"ssda903_episodes": episodes_903()}
    s = pick(compute(tables, "cla"), "snapshot")
    assert s["value"] == 4  # 3, 4, 6, 7
    assert pick(compute(tables, "cla_rate_10k"), "snapshot")["value"] == 0.8
    assert pick(compute(tables, "cla_starts"), "quarter")["value"] == 2  # 4 and 7, not 5 (V4)
    assert pick(compute(tables, "cla_ceased"), "quarter")["value"] == 1  # 1, not 6 (X1)
    assert pick(compute(tables, "cla"), "month", end="2021-08-31")["value"] == 4  # 1, 3, 4, 6


def test_cla_from_annex_a_8_when_no_903():
    a8 = pd.DataFrame(
        {
            "child_id": ["A", "B", "C", "D"],
            "cla_start": dates("2021-01-01", "2021-02-01", "2021-07-10", "2020-01-01"),
            "cla_end": dates(None, None, None, "2021-09-30"),
            "legal_status": ["C2", "V3", "C1", "C2"],
            "allocated_team": ["T1", "T1", "T2", "T2"],
        }
    )
    tables = {"annex_a_8": a8}
    s = pick(compute(tables, "cla"), "snapshot")
    assert s["value"] == 2  # A and C; B short breaks; D ceased on the period end
    assert pick(compute(tables, "cla"), "snapshot", "team=T2")["value"] == 1
    assert pick(compute(tables, "cla_starts"), "quarter")["value"] == 1  # C
    assert pick(compute(tables, "cla_ceased"), "quarter")["value"] == 1  # D


def test_cla_reviews_from_903_reviews():
    reviews = pd.DataFrame(
        {
            "CHILD": ["3", "4", "6", "7", "4"],
            "REVIEW": dates("2021-04-01", "2021-09-01", "2021-03-30", "2021-09-20", "2021-10-05"),
        }
    )
    tables = {"ssda903_episodes": episodes_903(), "ssda903_reviews": reviews}
    s = pick(compute(tables, "cla_reviews_timely_pct"), "snapshot")
    # Care Planning regs 2010 reg. 33: first review within 20 working days, second within 3
    # months of the first, then every 6 months. Looked after 20+ working days at 30 Sep: 3 (one
    # review, 1 Apr: second due by 1 Jul → overdue), 4 (first review 1 Sep: second due 1 Dec →
    # up to date), 6 (one review, 30 Mar: second due 30 Jun → overdue); 7 only 14 working days →
    # left out. The October review is after the date.
    assert (s["numerator"], s["denominator"], s["value"]) == (1, 3, 33.3)


def a8_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "child_id": ["A", "B", "C", "D", "E"],
            "dob": dates("2010-01-01", "2008-05-01", "2003-01-01", "2015-01-01", "2012-01-01"),
            "cla_start": dates(
                "2018-01-01", "2020-06-01", "2019-01-01", "2021-08-01", "2017-01-01"
            ),
            "cla_end": dates(None, None, None, None, None),
            "legal_status": ["C2", "C2", "C2", "C1", "V4"],
            "last_visit": dates("2021-08-19", "2021-08-20", None, "2021-09-30", "2021-09-30"),
            "last_review": dates("2021-06-01", "2021-01-01", "2021-09-01", None, "2021-09-01"),
            "placements_last_12m": [1, 3, 4, 1, 5],
            "placement_start": dates(
                "2019-01-01", "2021-01-01", "2019-06-01", "2021-08-01", "2017-01-01"
            ),
            "last_health_assessment": dates("2021-01-01", "2020-09-29", None, None, "2021-01-01"),
            "last_dental_check": dates("2020-09-30", "2021-06-01", "2021-06-01", None, None),
            "permanence_plan": [
                "Long-term fostering",
                None,
                "Supported living in the community",
                None,
                None,
            ],
            "allocated_team": ["T1", "T1", "T2", "T2", "T2"],
        }
    )


def test_cla_annex_a_8_snapshot_measures():
    tables = {"annex_a_8": a8_table()}
    # CLA at 30 Sep: A, B, C, D (E is short breaks)
    v = pick(compute(tables, "cla_visits_timely_pct"), "snapshot")
    assert (v["numerator"], v["denominator"], v["value"]) == (3, 4, 75.0)  # A 42 days ok, B 41
    p3 = pick(compute(tables, "cla_placements_3plus_pct"), "snapshot")
    assert (p3["numerator"], p3["denominator"]) == (2, 4)  # B 3, C 4
    r = pick(compute(tables, "cla_reviews_timely_pct"), "snapshot")
    # 20+ working days: A (latest review 1 Jun, not the first: next due 1 Dec → yes), B (1 Jan:
    # due 1 Jul → no), C (1 Sep → yes); D from 1 Aug: 41 wd, no review (due within 20) → no
    assert (r["numerator"], r["denominator"], r["value"]) == (2, 4, 50.0)
    # health and dental: in care 12+ months: A, B, C
    h = pick(compute(tables, "cla_health_assessment_pct"), "snapshot")
    assert (h["numerator"], h["denominator"]) == (1, 3)  # A; B 366 days ago; C blank
    d = pick(compute(tables, "cla_dental_check_pct"), "snapshot")
    assert (d["numerator"], d["denominator"], d["value"], d["rag"]) == (3, 3, 100.0, "green")
    pp = pick(compute(tables, "permanence_plan_2nd_review_pct"), "snapshot")
    assert (pp["numerator"], pp["denominator"]) == (2, 3)  # D in care under 4 months


def test_long_term_stability_from_a8():
    s = pick(compute({"annex_a_8": a8_table()}, "cla_long_term_stability_pct"), "snapshot")
    # under 16 and in care 2.5+ years: A only (B 16 months; C 18; D new; E short breaks);
    # A's placement began 1 Jan 2019: 2+ years → 1/1
    assert (s["numerator"], s["denominator"]) == (1, 1)


def test_long_term_stability_from_903_placement_changes():
    """DfE: under 16, looked after 2.5+ years, same placement (carer) 2+ years, or placed for
    adoption with the adoptive and previous placement together 2+ years. SSDA903 guide: RNE P,
    B and S change the carer; T and U change the placement type with the same carer; L changes
    the legal status only."""
    eps = pd.DataFrame(
        [
            ("1", "2018-01-01", "S", "C2", "U4", "2019-01-01", "X1"),
            ("1", "2019-01-01", "P", "C2", "U4", "2019-06-01", "X1"),  # new carer
            ("1", "2019-06-01", "L", "E1", "U4", None, None),  # legal status only: same placement
            ("2", "2018-06-01", "S", "C2", "U6", "2020-01-01", "X1"),
            ("2", "2020-01-01", "T", "C2", "U4", None, None),  # same carer, new type: no move
            ("3", "2018-01-01", "S", "C2", "U4", None, None),  # 16 or over: left out
            ("4", "2018-03-01", "S", "C1", "U6", "2020-06-01", "X1"),
            ("4", "2020-06-01", "B", "C2", "U6", None, None),  # new carer and legal status: a move
            ("5", "2018-01-01", "S", "C2", "U6", "2019-03-01", "X1"),
            ("5", "2019-03-01", "P", "C2", "U6", "2020-12-01", "X1"),
            ("5", "2020-12-01", "P", "E1", "A6", None, None),  # placed for adoption 10 months
        ],
        columns=["CHILD", "DECOM", "RNE", "LS", "PLACE", "DEC", "REC"],
    )
    for col in ("DECOM", "DEC"):
        eps[col] = pd.to_datetime(eps[col])
    header = pd.DataFrame(
        {
            "CHILD": ["1", "2", "3", "4", "5"],
            "DOB": dates("2010-01-01", "2011-01-01", "2005-01-01", "2009-01-01", "2015-01-01"),
        }
    )
    df = compute({"ssda903_episodes": eps, "ssda903_header": header}, "cla_long_term_stability_pct")
    s = pick(df, "snapshot")
    # at 30 Sep 2021 (2 years before: 30 Sep 2019): 1 with this carer since 1 Jan 2019: yes;
    # 2 since 1 Jun 2018 (the T move kept the carer): yes; 4 moved (B) on 1 Jun 2020: no;
    # 5 placed for adoption 1 Dec 2020, previous placement from 1 Mar 2019: together 2+ years: yes
    assert (s["numerator"], s["denominator"], s["value"]) == (3, 4, 75.0)
    assert (df["period_type"] == "month").any()  # from SSDA903 the trend is at each month end
    # at 31 Mar 2021 (2 years before: 31 Mar 2019): 1 yes, 2 yes, 4 no, 5: previous placement
    # from 1 Mar 2019, together 2 years and 1 month: yes → still 3/4
    m = pick(df, "month", end="2021-03-31")
    assert (m["numerator"], m["denominator"]) == (3, 4)


# -------------------------------------------------------------------- care leavers, adoption


def test_care_leavers():
    """DfE reports care leavers aged 19-21 and 17-18 separately (age at the date)."""
    a9 = pd.DataFrame(
        {
            "child_id": ["A", "B", "C", "C"],
            "dob": dates("2003-01-01", "1999-01-01", "2001-06-01", "2001-06-01"),
            "accommodation_suitable": ["Suitable", "Unsuitable", "Suitable", "Suitable"],
            "activity": ["F1", "G5", "P3", "P3"],
            "pathway_plan_review": dates("2021-04-01", "2021-03-31", None, None),
            "allocated_team": ["T1", "T1", "T2", "T2"],
        }
    )
    tables = {"annex_a_9": a9}
    # at 30 Sep 2021: A is 18 (17-18 cohort), B 22 (neither), C 20 (19-21, counted once)
    s = pick(compute(tables, "care_leavers_suitable_accom_pct"), "snapshot")
    assert (s["numerator"], s["denominator"], s["value"], s["rag"]) == (1, 1, 100.0, "green")
    e = pick(compute(tables, "care_leavers_eet_pct"), "snapshot")
    assert (e["numerator"], e["denominator"], e["rag"]) == (1, 1, "green")
    n = pick(compute(tables, "care_leavers_neet_pct"), "snapshot")
    assert (n["numerator"], n["denominator"]) == (0, 1)
    young = pick(compute(tables, "care_leavers_eet_pct_17_18"), "snapshot")
    assert (young["numerator"], young["denominator"]) == (1, 1)  # A: F1
    pp = pick(compute(tables, "care_leavers_pathway_plan_pct"), "snapshot")
    # A reviewed 182 days before, B 183 days (the limit, included), C never → 2/3
    assert (pp["numerator"], pp["denominator"]) == (2, 3)


def test_adoption_a1_a2_average_days():
    a10 = pd.DataFrame(
        {
            "child_id": ["A", "B", "C"],
            "entered_care": dates("2019-01-01", "2019-06-01", "2018-01-01"),
            "placement_decision": dates("2019-03-01", "2019-08-01", "2018-03-01"),
            "placement_order": dates("2019-05-01", "2019-10-01", "2018-05-01"),
            "matched": dates("2019-11-01", "2020-03-01", "2018-12-01"),
            "placed_for_adoption": dates("2020-01-01", "2020-06-01", "2019-01-01"),
            "adoption_order": dates("2021-01-15", "2021-09-30", "2020-09-30"),
        }
    )
    a1 = pick(compute({"annex_a_10": a10}, "adoption_a1_days"), "snapshot")
    # adopted 1 Oct 2020 - 30 Sep 2021: A (365 days) and B (366, over 29 Feb 2020); not C
    assert (a1["numerator"], a1["denominator"], a1["value"]) == (731, 2, 365.5)
    a2 = pick(compute({"annex_a_10": a10}, "adoption_a2_days"), "snapshot")
    # A 1 May → 1 Nov 2019 = 184; B 1 Oct 2019 → 1 Mar 2020 = 152 → 168
    assert a2["value"] == 168.0
