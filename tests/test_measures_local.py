"""Measures from the local datasets, on hand-built frames (period end 30 September 2021)."""

from __future__ import annotations

import pandas as pd

from test_measures import compute, dates, pick

T = pd.Timestamp


def audits() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "audit_id": ["a1", "a2", "a3", "a4", "a5", "a6"],
            "audit_type": "Managers monthly",
            "team": ["T1", "T1", "T2", "T2", "T2", "T1"],
            "theme": [
                "assessment",
                "planning",
                "assessment",
                "assessment",
                "planning",
                "assessment",
            ],
            "due_date": dates(
                "2021-08-05", "2021-08-31", "2021-09-30", "2021-09-01", "2021-09-10", "2021-06-01"
            ),
            "audit_date": dates(
                "2021-08-10", "2021-09-01", "2021-09-15", "2021-09-20", None, "2021-06-30"
            ),
            "grade": ["Good", "Inadequate", "Outstanding", None, None, "Good"],
        }
    )


def test_audits_completed_by_theme_and_team():
    df = compute({"local_audits": audits()}, "audits_completed")
    assert pick(df, "quarter")["value"] == 4  # a1-a4; a5 outstanding, a6 in June
    assert pick(df, "quarter", "theme=assessment")["value"] == 3
    assert pick(df, "quarter", "team=T2")["value"] == 2


def test_audits_good_pct_rag_and_breakdowns():
    df = compute({"local_audits": audits()}, "audits_good_pct")
    q = pick(df, "quarter")  # graded in the quarter: a1 Good, a2 Inadequate, a3 Outstanding
    assert (q["numerator"], q["denominator"], q["value"], q["rag"]) == (2, 3, 66.7, "amber")
    assert pick(df, "quarter", "theme=assessment")[["value", "rag"]].tolist() == [100.0, "green"]
    assert pick(df, "quarter", "team=T1")[["value", "rag"]].tolist() == [50.0, "red"]


def test_audit_completion_pct():
    q = pick(compute({"local_audits": audits()}, "audit_completion_pct"), "quarter")
    assert (q["numerator"], q["denominator"], q["value"], q["rag"]) == (4, 5, 80.0, "amber")


def workforce() -> pd.DataFrame:
    rows = [
        # snapshot, staff, team, role, holding, employment, fte, caseload, appraisal, leave, absence
        (
            "2021-09-30",
            "S1",
            "T1",
            "Social worker",
            "Yes",
            "Permanent",
            1.0,
            20,
            "2021-01-01",
            None,
            4,
        ),
        ("2021-09-30", "S2", "T1", "Social worker", "Yes", "Agency", 0.5, 9, None, None, 1),
        (
            "2021-09-30",
            "S3",
            "T2",
            "Senior practitioner",
            "Yes",
            "Permanent",
            1.0,
            18,
            "2020-09-30",
            None,
            None,
        ),
        (
            "2021-09-30",
            "M1",
            "T2",
            "Team manager",
            "Yes",
            "Permanent",
            1.0,
            2,
            "2021-09-01",
            None,
            0,
        ),
        (
            "2021-09-30",
            "S4",
            "T2",
            "Social worker",
            "Yes",
            "Permanent",
            1.0,
            30,
            None,
            "2021-09-01",
            0,
        ),  # left before the snapshot
        ("2021-09-15", "S1", "T1", "Social worker", "Yes", "Permanent", 1.0, 99, None, None, 0),
        ("2021-08-31", "S1", "T1", "Social worker", "Yes", "Permanent", 1.0, 22, None, None, 0),
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "snapshot_date",
            "staff_id",
            "team",
            "role",
            "case_holding",
            "employment",
            "fte",
            "caseload",
            "appraisal_date",
            "leave_date",
            "absence_days_12m",
        ],
    ).assign(start_date=pd.NaT)
    for col in ("snapshot_date", "appraisal_date", "leave_date"):
        frame[col] = pd.to_datetime(frame[col])
    return frame


def test_caseload_average_uses_latest_snapshot_in_month():
    df = compute({"local_workforce": workforce()}, "sw_caseload_avg")
    s = pick(df, "snapshot")  # S1 20 + S2 9 + S3 18 over 2.5 FTE (manager, leaver left out)
    assert (s["numerator"], s["denominator"], s["value"], s["rag"]) == (47, 2.5, 18.8, "red")
    assert pick(df, "month", end="2021-08-31")["value"] == 22.0
    assert pick(df, "snapshot", "team=T2")["value"] == 18.0


def test_workforce_counts_and_rates():
    tables = {"local_workforce": workforce()}
    assert pick(compute(tables, "sw_over_caseload_target"), "snapshot")["value"] == 1  # S1 only
    a = pick(compute(tables, "agency_rate_pct"), "snapshot")
    # DfE basis: agency FTE / all child and family social worker FTE, the team manager included:
    # S2 0.5 / (S1 1 + S2 0.5 + S3 1 + M1 1) = 0.5 / 3.5 = 14.3%
    assert (a["numerator"], a["denominator"], a["value"]) == (0.5, 3.5, 14.3)
    assert pick(compute(tables, "permanent_sw_fte"), "snapshot")["value"] == 2.0
    ap = pick(compute(tables, "appraisals_pct"), "snapshot")
    # the plan's cohort: permanent S1 (yes), S3 (365 days: yes), M1 (yes); agency S2 has no
    # start date, so cannot be shown to have been in post 12 months: left out → 3/3
    assert (ap["numerator"], ap["denominator"], ap["value"]) == (3, 3, 100.0)
    ab = pick(compute(tables, "sw_absence_days_avg"), "snapshot")  # (4 + 1) / 1.5 (S3 blank)
    assert ab["value"] == 3.3


def test_supervision_timely_children_open_once():
    a6 = pd.DataFrame(
        {
            "child_id": ["X", "Y", "Z", "W"],
            "cin_start": dates("2021-01-01", "2021-01-01", "2021-01-01", "2020-01-01"),
            "cin_end": dates(None, None, None, "2020-06-01"),
            "allocated_team": ["T1", "T1", "T2", "T2"],
        }
    )
    a7 = pd.DataFrame(
        {
            "child_id": ["Z"],
            "cp_start": dates("2021-02-01"),
            "cp_end": dates(None),
            "allocated_team": ["T2"],
        }
    )
    sup = pd.DataFrame(
        {
            "child_id": ["X", "Y", "Z", "X"],
            # X 56 days before (yes), Y 57 (no), Z on the day (yes); X's later one is after it
            "supervision_date": dates("2021-08-05", "2021-08-04", "2021-09-30", "2021-10-02"),
        }
    )
    df = compute(
        {"annex_a_6": a6, "annex_a_7": a7, "local_supervision": sup}, "supervision_timely_pct"
    )
    s = pick(df, "snapshot")
    assert (s["numerator"], s["denominator"], s["value"], s["rag"]) == (2, 3, 66.7, "red")
    assert pick(df, "snapshot", "team=T2")["value"] == 100.0


def early_help() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "episode_id": ["e1", "e2", "e3", "e4", "e5", "e6"],
            "child_id": ["A", "B", "C", "D", "A", "E"],
            "team": ["EH1", "EH1", "EH2", "EH2", "EH1", "EH2"],
            # e1 Fri 27 Aug, seen Fri 3 Sep: 4 working days (bank holiday 30 Aug)
            "referral_date": dates(
                "2021-08-27", "2021-08-20", "2021-09-29", "2021-09-01", "2020-09-01", "2021-07-01"
            ),
            "stepped_down_from_csc": ["Yes", "No", "No", "Yes", "No", None],
            "first_seen_date": dates(
                "2021-09-03", "2021-08-31", None, None, "2020-09-02", "2021-07-02"
            ),
            "closure_date": dates(None, None, None, None, "2021-09-30", "2021-09-15"),
            "closure_reason": [None, None, None, None, "Family disengaged", "Stepped up to CSC"],
        }
    )


def test_eh_seen_within_5_working_days():
    q = pick(compute({"local_early_help": early_help()}, "eh_seen_timely_pct"), "quarter")
    # e1 4 wd yes; e2 20 Aug → 31 Aug: 6 wd no; e3 not yet due (left out); e4 never seen: no;
    # e6 1 wd yes → 2/4
    assert (q["numerator"], q["denominator"], q["value"], q["rag"]) == (2, 4, 50.0, "red")


def test_eh_counts_and_rates():
    tables = {"local_early_help": early_help()}
    assert pick(compute(tables, "eh_referrals"), "quarter")["value"] == 5
    assert pick(compute(tables, "eh_open"), "snapshot")["value"] == 4  # A(e1), B, C, D
    assert pick(compute(tables, "eh_step_down"), "quarter")["value"] == 2  # e1, e4
    assert pick(compute(tables, "eh_step_up"), "quarter")["value"] == 1  # e6
    dis = pick(compute(tables, "eh_closed_disengaged_pct"), "quarter")
    assert (dis["numerator"], dis["denominator"]) == (1, 2)  # e5 of e5, e6
    rr = pick(compute(tables, "eh_re_referral_pct"), "quarter")
    # the data reaches back to 1 Sep 2020 (e5). e1: A referred 1 Sep 2020 and 27 Aug 2021 (360
    # days) → re-referral; e3 (29 Sep 2021) and e4 (1 Sep 2021: exactly 365 days after 1 Sep
    # 2020) have their whole 365-day look-back in the data and none → first referrals; e2
    # (20 Aug 2021) and e6 (1 Jul 2021) look back before 1 Sep 2020 → undecided → 1 of 3
    assert (rr["numerator"], rr["denominator"], rr["value"]) == (1, 3, 33.3)
    undecided = pick(compute(tables, "eh_re_referral_undecided"), "quarter")
    assert undecided["value"] == 2  # e2, e6


def test_missing_risk_assessment_after_rhi():
    missing = pd.DataFrame(
        {
            "episode_id": ["m1", "m2", "m3", "m4"],
            "child_id": ["A", "A", "B", "C"],
            "missing_start": dates("2021-07-01", "2021-08-01", "2021-09-01", "2021-05-01"),
            "rhi_date": dates("2021-07-03", "2021-08-03", None, "2021-05-04"),
            "risk_assessment_date": dates("2021-07-05", None, None, "2021-05-05"),
        }
    )
    q = pick(compute({"local_missing": missing}, "missing_risk_assessment_pct"), "quarter")
    assert (q["numerator"], q["denominator"], q["value"], q["rag"]) == (1, 2, 50.0, "red")


def test_ehe_measures():
    ehe = pd.DataFrame(
        {
            "child_id": ["A", "B", "C", "D", "D"],
            "start_date": dates(
                "2021-01-01", "2021-02-01", "2021-03-01", "2020-01-01", "2021-09-01"
            ),
            "end_date": dates(None, None, "2021-09-30", "2020-06-01", None),
            "vulnerable": ["Yes", "Yes", "Yes", "No", "No"],
            "allocated": ["Yes", "No", "Yes", "No", "No"],
            "engagement": ["Engaged", "Not engaged", "Engaged", None, None],
        }
    )
    tables = {"local_ehe": ehe}
    assert pick(compute(tables, "ehe_open"), "snapshot")["value"] == 3  # A, B, D (C left 30 Sep)
    al = pick(compute(tables, "ehe_vulnerable_allocated_pct"), "snapshot")
    assert (al["numerator"], al["denominator"], al["rag"]) == (1, 2, "red")
    en = pick(compute(tables, "ehe_engaged_pct"), "snapshot")
    assert en["value"] == 50.0


def test_foster_carers():
    fc = pd.DataFrame(
        {
            "household_id": ["h1", "h2", "h3", "h4", "h5", "h6"],
            "carer_type": [
                "Mainstream",
                "Mainstream",
                "Connected person",
                "Mainstream",
                "Mainstream",
                "Mainstream",
            ],
            "approval_date": dates(
                "2015-01-01", "2021-08-01", "2021-08-01", "2020-10-01", "2020-09-30", "2010-01-01"
            ),
            # h6 (deregistered 2019) shows the register reaches back before the 12 months
            "deregistration_date": dates(
                None, None, None, "2021-09-30", "2020-12-01", "2019-05-01"
            ),
        }
    )
    tables = {"local_foster_carers": fc}
    assert pick(compute(tables, "foster_carers_mainstream"), "snapshot")["value"] == 2  # h1, h2
    assert pick(compute(tables, "foster_carer_approvals"), "quarter")["value"] == 1  # h2
    twelve = pick(compute(tables, "foster_carer_approvals_12m"), "snapshot")  # h2, h4
    assert (twelve["value"], twelve["target"], twelve["rag"]) == (2, 15.0, "red")


def test_months_without_a_workforce_snapshot_have_no_row():
    df = compute({"local_workforce": workforce()}, "sw_over_caseload_target")
    months = df[(df["period_type"] == "month") & (df["breakdown"] == "")]
    assert months["period_end"].tolist() == [T("2021-08-31"), T("2021-09-30")]


def test_no_workforce_snapshot_in_range_gives_no_rows():
    old = workforce().assign(snapshot_date=T("2018-01-31"))
    assert compute({"local_workforce": old}, "sw_caseload_avg").empty
