"""Front door, child protection and the engine's windows against the DfE/Ofsted definitions, on
hand-built frames (every figure worked out by hand in the comments), plus one end-to-end check on
the sample extract.

Rules cited:
- DfE "Characteristics of children in need" methodology: a re-referral is a referral within 12
  months of a previous referral (read here as 1 to 365 days after it).
- Ofsted Annex A guidance (August 2019), List 3 "Number of Referrals in Last 12 Months": the
  referrals in the 12 months before the child's LATEST referral, the same on every row of the
  child; lists cover the six months before the inspection (the extract date).
- DfE CIN census: rates per 10,000 children are annual (12 months of events).
- Annex A fields holding only the latest date (last visit, latest review) say nothing about an
  earlier date; nothing after the extract date is in the data.

Period end and extract date are 30 September 2021 unless a test says otherwise (quarter: 1 July -
30 September 2021; population 0-17 in 2021: 50,000).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import yaml

from hand_built import CATALOGUE_FILE, settings_for_testshire
from selfeval import cli
from selfeval.measures import Catalogue, compute_measures_with_status, load_catalogue
from selfeval.measures.context import (
    PeriodEndError,
    list_window_start,
    months_before,
    resolve_period_end,
)
from selfeval.measures.front_door import re_referral_decisions

PE = date(2021, 9, 30)
SETTINGS = settings_for_testshire({2020: 40_000, 2021: 50_000})
CATALOGUE = load_catalogue(CATALOGUE_FILE)
T = pd.Timestamp


def run(
    tables: dict, measure_id: str, period_end: date = PE, extract_date: date | None = PE
) -> tuple[pd.DataFrame, pd.Series]:
    """(rows, status row) of one measure."""
    cat = Catalogue(measures={measure_id: CATALOGUE[measure_id]})
    rows, status = compute_measures_with_status(
        tables, period_end, settings=SETTINGS, catalogue=cat, extract_date=extract_date
    )
    return rows, status.iloc[0]


def pick(df: pd.DataFrame, period_type: str, breakdown: str = "") -> pd.Series:
    rows = df[(df["period_type"] == period_type) & (df["breakdown"] == breakdown)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def dates(*values) -> pd.Series:
    return pd.to_datetime(pd.Series(values, dtype="object"))


# ------------------------------------------------------------------ re-referrals: the rule


def test_referrals_exactly_365_and_366_days_apart():
    # A: 1 Aug 2020 → 1 Aug 2021 is 365 days: within 12 months, a re-referral.
    # B: 31 Jul 2020 → 1 Aug 2021 is 366 days: not; the data reaches back to 1 Jul 2020, so the
    # 365 days before 1 Aug 2021 (from 31 Jul 2020) are all in it: a first referral.
    child = pd.Series(["A", "A", "B", "B"])
    when = dates("2020-08-01", "2021-08-01", "2020-07-31", "2021-08-01")
    got = re_referral_decisions(child, when, T("2020-07-01"))
    assert got.tolist()[1] is True and got.tolist()[3] is False
    # the first rows look back before 1 Jul 2020 and there is no count: undecided
    assert got.isna().tolist() == [True, False, True, False]


def test_a_look_back_one_day_short_of_the_data_is_undecided():
    # 1 Aug 2021 looks back to 1 Aug 2020 (365 days); data from 2 Aug 2020 misses that day
    got = re_referral_decisions(pd.Series(["A"]), dates("2021-08-01"), T("2020-08-02"))
    assert got.isna().all()
    got = re_referral_decisions(pd.Series(["A"]), dates("2021-08-01"), T("2020-08-01"))
    assert got.tolist() == [False]


def six_month_list_3(with_count: bool = True) -> pd.DataFrame:
    """List 3 for an extract of 30 Sep 2021 covering 6 months (from 1 Apr 2021).

    Hidden history (before 1 Apr 2021, not in the list): P had a referral on 1 Dec 2020; R on
    1 Oct 2020. Each child's count is the referrals in the 365 days before their latest one:
    P 1 (Dec 2020); Q 0; R 2 (1 Oct 2020 and 5 Jul 2021 before 1 Sep 2021); S 1 (10 Jul 2021
    before 20 Sep 2021); U blank (not recorded); V 0.
    """
    frame = pd.DataFrame(
        {
            "child_id": ["V", "P", "Q", "R", "R", "S", "S", "U"],
            "referral_date": dates(
                "2021-04-03",  # V: the list's earliest row (its window starts 1 Apr 2021)
                "2021-08-15",
                "2021-07-20",
                "2021-07-05",
                "2021-09-01",
                "2021-07-10",
                "2021-09-20",
                "2021-08-01",
            ),
            "referrals_last_12m": [0, 1, 0, 2, 2, 1, 1, None],
            "allocated_team": ["T1"] * 8,
        }
    )
    return frame if with_count else frame.drop(columns="referrals_last_12m")


def test_six_month_list_3_with_the_count_gives_the_true_rate_and_the_undecided():
    rows, status = run({"annex_a_3": six_month_list_3()}, "re_referral_pct")
    assert status["status"] == "ok"
    q = pick(rows, "quarter")
    # P (latest, count 1, none visible → 1 hidden): yes. Q (latest, count 0): no.
    # R 5 Jul: count 2 − 1 visible in the 365 days before 1 Sep (5 Jul) = 1 hidden, dated
    # before 1 Apr and within 365 days before 1 Sep, so within 365 days before 5 Jul: yes.
    # R 1 Sep: 5 Jul visible 58 days earlier: yes. S 20 Sep: 10 Jul visible: yes.
    # S 10 Jul: count 1 − 1 visible = 0 hidden in 20 Sep 2020-31 Mar 2021, but 10 Jul 2020 -
    # 19 Sep 2020 is unknown: undecided. U: no count: undecided. → 4 of 5 decided = 80.0%
    assert (q["numerator"], q["denominator"], q["value"]) == (4, 5, 80.0)
    undecided, _ = run({"annex_a_3": six_month_list_3()}, "re_referral_undecided")
    assert pick(undecided, "quarter")["value"] == 2  # S 10 Jul, U
    # no month's 365-day look-back is in the list (it starts 1 Apr 2021): no trend points
    assert (rows["period_type"] == "month").sum() == 0


def test_without_the_count_only_visible_referrals_decide():
    rows, _ = run({"annex_a_3": six_month_list_3(with_count=False)}, "re_referral_pct")
    # R 1 Sep and S 20 Sep have a visible referral within 365 days: 2 of 2 decided; the other
    # five in the quarter (P, Q, R 5 Jul, S 10 Jul, U) are undecided, never silently "first"
    q = pick(rows, "quarter")
    assert (q["numerator"], q["denominator"]) == (2, 2)
    undecided, _ = run({"annex_a_3": six_month_list_3(with_count=False)}, "re_referral_undecided")
    assert pick(undecided, "quarter")["value"] == 5


def test_months_get_a_trend_point_only_with_their_whole_look_back():
    # referrals from 1 Jan 2020 (a list of 21 months): every month from January 2021 has its
    # 365-day look-back in the data (1 Jan 2021 − 365 days = 2 Jan 2020, 2020 being a leap
    # year); December 2020 has not (1 Dec 2020 − 365 days = 2 Dec 2019)
    a3 = pd.DataFrame(
        {
            "child_id": ["A", "B", "A"],
            "referral_date": dates("2020-01-01", "2021-07-01", "2021-08-01"),
            "referrals_last_12m": [0, 0, 0],
        }
    )
    rows, _ = run({"annex_a_3": a3}, "re_referral_pct")
    months = rows[(rows["period_type"] == "month") & (rows["breakdown"] == "")]
    assert months["period_end"].min() == T("2020-12-31") + pd.offsets.MonthEnd(1)  # Jan 2021
    q = pick(rows, "quarter")  # B first (covered, none), A 1 Aug 2021: 2020-01-01 is 578 days
    assert (q["numerator"], q["denominator"]) == (0, 2)


def test_window_start_of_a_list_whose_first_event_is_a_few_days_in():
    # a 6-month list to 30 Sep 2021 starts 1 Apr 2021; a first referral on 3 Apr means no
    # referral fell on 1-2 April, not a shorter list
    assert list_window_start(T("2021-04-03"), PE) == T("2021-04-01")
    assert list_window_start(T("2021-04-01"), PE) == T("2021-04-01")
    # 12 days in: not evidently a whole-month window, the earliest date stands
    assert list_window_start(T("2021-04-13"), PE) == T("2021-04-13")
    assert months_before(T("2021-09-30"), 12) == T("2020-10-01")


# ------------------------------------------------------------------ 12-month rates


def test_a_rolling_rate_on_six_months_of_data_is_blank_with_the_reason():
    rows, status = run({"annex_a_3": six_month_list_3()}, "referral_rate_10k")
    assert rows.empty
    assert status["status"] == "unavailable"
    # the 12 months ending 30 Sep 2021 start on 1 Oct 2020; the list starts 1 Apr 2021
    assert "01 April 2021" in status["why"] and "01 October 2020" in status["why"]


def test_a_rolling_rate_on_twelve_months_of_data():
    # a referral on 1 Oct 2020 makes the list reach the 12-month window's first day
    a3 = pd.concat(
        [
            six_month_list_3(),
            pd.DataFrame({"child_id": ["W"], "referral_date": dates("2020-10-01")}),
        ],
        ignore_index=True,
    )
    rows, _ = run({"annex_a_3": a3}, "referral_rate_10k")
    snap = pick(rows, "snapshot")
    # 9 referrals in 1 Oct 2020 - 30 Sep 2021 / 50,000 × 10,000 = 1.8
    assert (snap["numerator"], snap["denominator"], snap["value"]) == (9, 50_000, 1.8)
    months = rows[rows["period_type"] == "month"]
    # only September 2021's 12 months (from 1 Oct 2020) are in the data
    assert months["period_end"].tolist() == [T("2021-09-30")]


def test_cp_starts_s47_and_contacts_rates():
    a7 = pd.DataFrame(
        {
            "child_id": ["A", "B", "C", "D"],
            "cp_start": dates("2019-01-01", "2020-10-01", "2021-03-01", "2021-09-30"),
            "cp_end": dates("2020-09-15", None, None, None),
        }
    )
    rows, _ = run({"annex_a_7": a7}, "cp_starts_rate_10k")
    # List 7 reaches back to 15 Sep 2020 (A's end); starts 1 Oct 2020 - 30 Sep 2021: B, C, D
    # → 3 / 50,000 × 10,000 = 0.6
    assert pick(rows, "snapshot")["value"] == 0.6
    a5 = pd.DataFrame({"child_id": ["A", "B"], "strategy_date": dates("2021-07-01", "2021-08-01")})
    _, status = run({"annex_a_5": a5}, "s47_rate_10k")
    assert status["status"] == "unavailable" and "12 months" in status["why"]
    a1 = pd.DataFrame(
        {
            "child_id": ["A"] * 4,
            "contact_date": dates("2020-10-01", "2021-01-01", "2021-09-30", "2021-10-01"),
        }
    )
    rows, _ = run({"annex_a_1": a1}, "contacts_rate_10k", extract_date=date(2021, 10, 1))
    # 1 Oct 2021 is after the period end: 3 contacts → 0.6
    assert pick(rows, "snapshot")["value"] == 0.6


# ------------------------------------------------------------------ latest-only fields


def cp_list() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "child_id": ["A"],
            "cp_start": dates("2021-01-04"),
            "cp_end": dates(None),
            "last_visit": dates("2021-09-30"),
            "last_review": dates("2021-07-01"),
        }
    )


def test_a_period_end_one_day_before_the_visit_leaves_the_visit_measure_blank():
    # the extract (30 Sep) holds only the LAST visit, on 30 Sep; at 29 Sep the latest visit
    # is unknown (the one before 30 Sep is not in the data)
    rows, status = run({"annex_a_7": cp_list()}, "cp_visits_timely_pct", date(2021, 9, 29))
    assert rows.empty
    assert status["status"] == "unavailable"
    assert "latest value" in status["why"] and "29 September 2021" in status["why"]
    # at the extract date itself it is known: visited within 14 days → 1 of 1
    rows, status = run({"annex_a_7": cp_list()}, "cp_visits_timely_pct")
    assert pick(rows, "snapshot")["value"] == 100.0


def test_flow_and_stock_measures_still_report_at_an_earlier_period_end():
    rows, status = run({"annex_a_7": cp_list()}, "cp_plans", date(2021, 9, 29))
    assert status["status"] == "ok" and pick(rows, "snapshot")["value"] == 1


def test_a_quarter_before_the_list_starts_is_blank_with_the_reason():
    # the 6-month list to 30 Sep 2021 starts 1 Apr 2021: the quarter to 30 Jun 2021 is in it
    # (one referral in it: V, 3 Apr); the quarter to 31 May 2021 starts 1 Mar, before it
    rows, status = run({"annex_a_3": six_month_list_3()}, "referrals", date(2021, 6, 30))
    assert status["status"] == "ok" and pick(rows, "quarter")["value"] == 1
    rows, status = run({"annex_a_3": six_month_list_3()}, "referrals", date(2021, 5, 31))
    assert rows.empty and status["status"] == "unavailable"
    assert "quarter ending 31 May 2021 needs data from 01 March 2021" in status["why"]


def test_a_period_end_after_the_extract_date_is_refused():
    assert resolve_period_end(None, PE) == PE
    assert resolve_period_end(date(2021, 9, 29), PE) == date(2021, 9, 29)
    with pytest.raises(PeriodEndError, match="after the extract date"):
        resolve_period_end(date(2021, 10, 1), PE)


def write_extract(folder: Path, lists: dict[int, pd.DataFrame], extract_date: date) -> Path:
    from selfeval.sample_data._write import write_annex_a_csv

    write_annex_a_csv(folder / "annex_a", lists)
    (folder / "extract.yaml").write_text(yaml.safe_dump({"extract_date": extract_date}))
    return folder


@pytest.mark.parametrize("command", ["measures", "run"])
def test_cli_refuses_a_period_end_after_the_extract_date_with_exit_2(tmp_path, capsys, command):
    a3 = six_month_list_3().drop(columns="allocated_team")
    folder = write_extract(tmp_path / "2021-09-30", {3: a3}, PE)
    out = tmp_path / ("m.csv" if command == "measures" else "rendered")
    argv = [command, "--data", str(folder), "--period-end", "2021-10-01", "--out", str(out)]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "after the extract date 30 September 2021" in err and "Traceback" not in err
    assert not out.exists() or not any(p.is_file() for p in out.rglob("*"))


# ------------------------------------------------------------------ blanks, CP plans


def test_a_blank_assessed_in_need_answer_is_unknown_not_no():
    a4 = pd.DataFrame(
        {
            "child_id": ["A", "B", "C", "D"],
            "assessment_start": dates("2021-07-01", "2021-07-01", "2021-07-01", "2021-07-01"),
            "assessment_authorised": dates("2021-08-01", "2021-08-02", "2021-08-03", "2021-08-04"),
            "assessed_in_need": ["No", "Yes", None, "No"],
        }
    )
    rows, _ = run({"annex_a_4": a4}, "assessment_nfa_pct")
    q = pick(rows, "quarter")  # A, D No of A, B, D (C's blank leaves the denominator) → 2/3
    assert (q["numerator"], q["denominator"], q["value"]) == (2, 3, 66.7)


def cp_history() -> pd.DataFrame:
    """List 7 holding earlier plans too (a 36-month list): the previous plan's end is visible."""
    return pd.DataFrame(
        {
            "child_id": ["A", "A", "B", "B", "C", "C", "D", "E"],
            "cp_start": dates(
                "2018-01-01",
                "2021-07-15",  # A: previous ended 1 Aug 2019, within 2 years (from 15 Jul 2019)
                "2017-01-01",
                "2021-07-15",  # B: previous ended 14 Jul 2019, 2 years and 1 day: not within
                "2018-01-01",
                "2021-08-10",  # C: previous ended 10 Aug 2019, exactly 2 years: within
                "2021-08-20",  # D: a first plan
                "2021-09-01",  # E: 2 previous plans, none in the list since 14 Jul 2019
            ),
            "cp_end": dates("2019-08-01", None, "2019-07-14", None, "2019-08-10", None, None, None),
            "previous_cp_plans": [0, 1, 0, 1, 0, 1, 0, 2],
            "allocated_team": ["T1"] * 8,
        }
    )


def test_repeat_plan_within_2_years():
    rows, status = run({"annex_a_7": cp_history()}, "cp_repeat_2yrs_pct")
    assert status["status"] == "ok"
    # plans starting in the quarter: A yes, B no, C yes, D no (first plan), E no (the list
    # reaches back to 14 Jul 2019, so E's previous plans ended before 1 Sep 2019) → 2/5
    q = pick(rows, "quarter")
    assert (q["numerator"], q["denominator"], q["value"]) == (2, 5, 40.0)
    # DfE's "second or subsequent plan" (any time): A, B, C, E → 4/5
    rows, _ = run({"annex_a_7": cp_history()}, "cp_repeat_pct")
    assert pick(rows, "quarter")["value"] == 80.0


def test_repeat_plan_within_2_years_with_latest_plans_only_is_blank():
    # Ofsted's List 7: each child's latest plan only; E's previous plans' end dates are unknown
    latest_only = cp_history().drop_duplicates("child_id", keep="last")
    rows, status = run({"annex_a_7": latest_only}, "cp_repeat_2yrs_pct")
    assert rows.empty and status["status"] == "unavailable"
    assert "4 of 5 CP plans" in status["why"]  # A, B, C, E have previous plans; D's is first


def test_plans_ending_after_2_years_or_more():
    a7 = pd.DataFrame(
        {
            "child_id": ["G", "H", "I", "J", "K"],
            "cp_start": dates("2019-08-01", "2019-08-02", "2021-01-01", "2019-01-01", "2019-01-01"),
            # G exactly 2 years: yes; H one day short: no; I no; J ends after the period end;
            # K ended before the quarter (the list reaches back past its start)
            "cp_end": dates("2021-08-01", "2021-08-01", "2021-09-30", "2021-10-05", "2021-05-03"),
        }
    )
    rows, _ = run({"annex_a_7": a7}, "cp_ended_2yrs_plus_pct", extract_date=date(2021, 10, 5))
    q = pick(rows, "quarter")  # G of G, H, I → 1/3
    assert (q["numerator"], q["denominator"], q["value"]) == (1, 3, 33.3)


# ------------------------------------------------------------------ end to end on the sample


def test_sample_extract_with_a_six_month_list_3_gives_the_true_re_referral_rate(tmp_path, capsys):
    from selfeval.sample_data import iter_sample

    on = date(2022, 3, 31)
    ((_, ex),) = iter_sample(extract_dates=(on,))
    full = ex.annex_a[3]
    when = pd.to_datetime(full["referral_date"])
    # the generator follows Ofsted's definition of the count: referrals 1-365 days before the
    # child's latest (on or before the extract date), checked where the 36-month list shows it
    latest = when.where(when <= T(on)).groupby(full["child_id"]).transform("max")
    visible = (latest - when).dt.days.between(1, 365).groupby(full["child_id"]).transform("sum")
    shown = latest - pd.Timedelta(days=365) >= when.min()
    assert (full.loc[shown, "referrals_last_12m"] == visible[shown]).all()

    cut = full[when >= months_before(T(on), 6)]
    figures = {}
    for name, lst in (("full", full), ("cut", cut)):
        folder = write_extract(tmp_path / name / on.isoformat(), {3: lst}, on)
        out = tmp_path / f"{name}.csv"
        assert cli.main(["measures", "--data", str(folder), "--out", str(out)]) == 0
        said = capsys.readouterr().out
        m = pd.read_csv(out, keep_default_na=False)
        head = m[(m["period_type"] == "quarter") & (m["breakdown"] == "")].set_index("measure_id")
        figures[name] = head
        if name == "cut":  # the command says how many it left out
            n = int(head.loc["re_referral_undecided", "value"])
            assert f"re_referral_pct: {n} in the quarter could not be decided" in said
    true, cut6 = figures["full"], figures["cut"]
    # on 36 months every referral in the quarter is decided from the data: the true rate
    assert int(true.loc["re_referral_undecided", "value"]) == 0
    true_rate = float(true.loc["re_referral_pct", "value"])
    assert 15 < true_rate < 35
    # on 6 months with the count: the same rate within rounding, and it says how many it left out
    undecided = int(cut6.loc["re_referral_undecided", "value"])
    assert 0 < undecided < 0.05 * float(true.loc["re_referral_pct", "denominator"])
    assert abs(float(cut6.loc["re_referral_pct", "value"]) - true_rate) <= 1.0
    assert float(cut6.loc["re_referral_pct", "denominator"]) + undecided == float(
        true.loc["re_referral_pct", "denominator"]
    )


# ------------------------------------------------------------------ the conversion chain


def test_conversion_chain_counts_rates_and_share_of_the_step_before():
    from selfeval.pages.chain import conversion_chain, conversion_chain_html

    def row(measure_id, value, denominator=None, period_type="quarter", breakdown=""):
        return dict(
            measure_id=measure_id,
            period_type=period_type,
            breakdown=breakdown,
            value=value,
            denominator=denominator,
        )

    measures = pd.DataFrame(
        [
            row("contacts", 1000),
            row("contacts", 300, period_type="month"),  # not the quarter: ignored
            row("referrals", 250),
            row("referrals", 100, breakdown="team=T1"),  # a team: ignored
            row("assessments_completed", 200),
            row("s47_enquiries", 40),
            row("icpc_timely_pct", 75.0, denominator=20),  # 15 of 20 ICPCs on time
            row("cp_starts", 0),
        ]
    )
    chain = conversion_chain(measures, 50_000)
    assert chain["count"].tolist() == [1000, 250, 200, 40, 20, 0]
    # per 10,000 children: 1000 / 50,000 × 10,000 = 200.0; 250 → 50.0; 20 → 4.0
    assert chain["per_10k"].tolist() == [200.0, 50.0, 40.0, 8.0, 4.0, 0.0]
    # share of the step before: 250/1000 = 25%, 200/250 = 80%, 40/200 = 20%, 20/40 = 50%, 0/20
    assert chain["pct_of_previous"].tolist()[1:] == [25.0, 80.0, 20.0, 50.0, 0.0]
    assert pd.isna(chain["pct_of_previous"].iloc[0])
    # a step the extract lacks is "no data", and the step after it has no share
    without_s47 = measures[measures["measure_id"] != "s47_enquiries"]
    gap = conversion_chain(without_s47, 50_000)
    assert pd.isna(gap["count"].iloc[3]) and pd.isna(gap["pct_of_previous"].iloc[4])
    html = conversion_chain_html(without_s47, 50_000, "quarter ending 30 September 2021")
    assert "no data" in html and "25.0%" in html  # what it means: notebooks/04_right_service


def test_early_help_first_visit_after_the_period_end_does_not_count():
    eh = pd.DataFrame(
        {
            "child_id": ["A", "B", "Z"],
            # A referred Mon 20 Sep 2021, seen Fri 1 Oct (9 working days: late, and after the
            # period end); B referred Wed 29 Sep, seen Fri 1 Oct (2 working days, but after the
            # period end: at 30 Sep B was not yet seen and not yet due, so left out); Z before
            # the quarter (the data reaches back past its start)
            "referral_date": dates("2021-09-20", "2021-09-29", "2021-05-04"),
            "first_seen_date": dates("2021-10-01", "2021-10-01", "2021-05-05"),
        }
    )
    rows, _ = run({"local_early_help": eh}, "eh_seen_timely_pct", extract_date=date(2021, 10, 1))
    q = pick(rows, "quarter")  # A not seen by 30 Sep and past due → 0 of 1
    assert (q["numerator"], q["denominator"]) == (0, 1)


def test_sample_lists_cut_to_ofsted_window():
    from selfeval.sample_data._extract import Extract
    from selfeval.sample_data._ofsted import cut_to_ofsted_window

    on = T("2022-03-31")  # a 6-month window starts 1 Oct 2021
    ex = Extract(
        on,
        annex_a={
            3: pd.DataFrame(
                {
                    "child_id": ["A", "B", "C"],
                    "referral_date": dates("2021-09-30", "2021-10-01", "2022-04-12"),
                    "referrals_last_12m": [0, 1, 0],
                }
            ),
            7: pd.DataFrame(
                {
                    "child_id": ["A", "A", "B", "C"],
                    # A: an earlier plan ending in the window and the latest; B ended the day
                    # before the window; C open
                    "cp_start": dates("2020-01-01", "2022-01-10", "2020-05-01", "2021-03-01"),
                    "cp_end": dates("2021-11-01", None, "2021-09-30", None),
                }
            ),
        },
    )
    cut_to_ofsted_window(ex, 6)
    # events dated on or after 1 Oct 2021 (the one after the extract date stays: a problem
    # validation reports); the count column is kept as it was
    assert ex.annex_a[3]["child_id"].tolist() == ["B", "C"]
    assert ex.annex_a[3]["referrals_last_12m"].tolist() == [1, 0]
    # plans open in the window, each child's latest only (Ofsted: a single entry per child)
    assert ex.annex_a[7]["child_id"].tolist() == ["A", "C"]
    assert ex.annex_a[7]["cp_start"].tolist() == [T("2022-01-10"), T("2021-03-01")]
    assert ex.list_months == 6
    assert (
        cli.build_parser().parse_args(["sample-data", "x", "--list-months", "6"]).list_months == 6
    )
