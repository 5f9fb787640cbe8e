"""Children looked after, care leavers and adoption on DfE's definitions (issue 16, items 4-7),
on small hand-built frames with every figure worked out by hand.

The period end is Thursday 31 March 2022 throughout: 12 months = 1 April 2021 - 31 March 2022.
Bank holidays near it: 27-28 December 2021, 3 January 2022.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from hand_built import CATALOGUE_FILE, settings_for_testshire
from selfeval.measures import (
    Catalogue,
    compute_measures,
    compute_measures_with_status,
    load_catalogue,
)
from selfeval.measures.leavers_adoption import activity_unknown

PE = date(2022, 3, 31)
SETTINGS = settings_for_testshire({2021: 40_000, 2022: 50_000})
CATALOGUE = load_catalogue(CATALOGUE_FILE)


def compute(tables: dict, *measure_ids: str) -> pd.DataFrame:
    cat = Catalogue(measures={m: CATALOGUE[m] for m in measure_ids})
    return compute_measures(tables, PE, settings=SETTINGS, catalogue=cat)


def status(tables: dict, measure_id: str) -> pd.Series:
    cat = Catalogue(measures={measure_id: CATALOGUE[measure_id]})
    _, st = compute_measures_with_status(tables, PE, settings=SETTINGS, catalogue=cat)
    return st.set_index("measure_id").loc[measure_id]


def pick(df: pd.DataFrame, measure_id: str, period_type: str = "snapshot", end: str = "2022-03-31"):
    rows = df[
        (df["measure_id"] == measure_id)
        & (df["period_type"] == period_type)
        & (df["breakdown"] == "")
        & (df["period_end"] == pd.Timestamp(end))
    ]
    assert len(rows) == 1, rows
    r = rows.iloc[0]
    return r["numerator"], r["denominator"], r["value"]


def dates(*values) -> pd.Series:
    return pd.to_datetime(pd.Series(values, dtype="object"))


def episodes(rows: list[tuple]) -> pd.DataFrame:
    """SSDA903 episodes: CHILD, DECOM, RNE, LS, PLACE, DEC, REC."""
    frame = pd.DataFrame(rows, columns=["CHILD", "DECOM", "RNE", "LS", "PLACE", "DEC", "REC"])
    for col in ("DECOM", "DEC"):
        frame[col] = pd.to_datetime(frame[col])
    return frame


# ------------------------------------------------------------------------ item 4: CLA reviews


def review_episodes() -> pd.DataFrame:
    return episodes(
        [
            # R1: a first period of care (reviewed 20 Jun and 20 Oct 2021), then a new one from
            # 1 Feb 2022
            ("R1", "2021-06-01", "S", "C2", "U4", "2021-12-01", "E4A"),
            ("R1", "2022-02-01", "S", "C2", "U4", None, None),
            ("R2", "2022-03-01", "S", "C2", "U4", None, None),
            ("R4", "2021-09-01", "S", "C2", "U4", None, None),
            ("R5", "2021-10-01", "S", "C2", "U4", None, None),
        ]
    )


def test_a_review_from_an_earlier_period_of_care_does_not_count_903():
    """Care Planning regs 2010 reg. 33 (SSDA903 reviews): first review within 20 working days
    of the start of the period of care, second within 3 months of the first, then every 6
    months; a review held in an earlier period of care does not count."""
    reviews = pd.DataFrame(
        {
            "CHILD": ["R1", "R1", "R2", "R4", "R4", "R5"],
            "REVIEW": dates(
                "2021-06-20",
                "2021-10-20",
                "2022-03-29",
                "2021-09-20",
                "2021-12-20",
                "2021-10-20",
            ),
        }
    )
    tables = {"ssda903_episodes": review_episodes(), "ssda903_reviews": reviews}
    df = compute(tables, "cla_reviews_timely_pct")
    # at 31 Mar 2022 (all looked after 20+ working days: R2 from 1 Mar has 22):
    # R1: new period from 1 Feb; the Jun and Oct reviews were in the earlier period → no review
    #     yet; first due 20 working days after 1 Feb = 1 Mar → overdue (counting them, the next
    #     review would be due 20 Apr 2022 and R1 would wrongly be up to date)
    # R2: first review on 29 Mar, the last day allowed (20 working days after 1 Mar) → up to date
    # R4: reviews 20 Sep and 20 Dec (3 months after, the limit) → third due 20 Jun → up to date
    # R5: one review (20 Oct) → second due 20 Jan → overdue
    assert pick(df, "cla_reviews_timely_pct") == (2, 4, 50.0)
    # at 31 Jan 2022: R1 not looked after (gap), R2 not yet; R4 up to date; R5 overdue → 1/2
    assert pick(df, "cla_reviews_timely_pct", "month", "2022-01-31") == (1, 2, 50.0)


def a8_reviews(last_reviews: pd.Series) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "child_id": ["L1", "L2", "L3", "L4"],
            "cla_start": dates("2022-01-04", "2022-01-04", "2020-01-01", "2020-01-01"),
            "cla_end": dates(None, None, None, None),
            "legal_status": ["C2", "C2", "C2", "C2"],
            "last_review": last_reviews,
        }
    )


def test_a_review_from_an_earlier_period_of_care_does_not_count_list_8():
    """Annex A List 8 holds only the latest review: one dated before the start of the current
    period of care is no review; one within 20 working days of the start is the first (next
    due in 3 months), a later one a later review (next due in 6 months)."""
    a8 = a8_reviews(dates("2022-01-01", "2022-01-25", "2021-10-01", "2021-09-30"))
    s = pick(compute({"annex_a_8": a8}, "cla_reviews_timely_pct"), "cla_reviews_timely_pct")
    # L1: latest review 1 Jan 2022 is before care began (4 Jan), from an earlier period → no
    #     review; first due 1 Feb → no (counted, the next would be due 1 Apr: wrongly yes)
    # L2: 25 Jan is within 20 working days of 4 Jan → first review; second due 25 Apr → yes
    # L3: 1 Oct 2021, a later review → next due 1 Apr 2022 → yes
    # L4: 30 Sep 2021 → next due 30 Mar 2022, the day before the period end → no
    assert s == (2, 4, 50.0)


def test_list_8_review_after_the_period_end_gives_no_figure():
    """With only the latest review, a review after the period end hides the position at it."""
    a8 = a8_reviews(dates("2022-01-01", "2022-01-25", "2022-04-05", "2021-09-30"))
    row = status({"annex_a_8": a8}, "cla_reviews_timely_pct")
    assert row["status"] == "unavailable"
    assert "after the period end" in row["why"]


# ------------------------------------------------------------------- item 5: placement moves


def test_placements_in_the_year_count_changes_of_carer_only():
    """DfE: children looked after at 31 March with 3 or more placements during the year. A new
    placement is a change of carer (RNE S, P or B); T and U (new placement type, same carer)
    are not moves. The placement held at the start of the year counts."""
    eps = episodes(
        [
            # P1: placement A (held on 1 Apr 2021), a T move (same carer), a B move to placement
            # B, a U change (same carer) → 2 placements in the year (S, P, T counting gave 3)
            ("P1", "2020-01-01", "S", "C2", "U4", "2021-05-01", "X1"),
            ("P1", "2021-05-01", "T", "C2", "U6", "2021-08-01", "X1"),
            ("P1", "2021-08-01", "B", "C1", "U6", "2021-12-01", "X1"),
            ("P1", "2021-12-01", "U", "E1", "U4", None, None),
            # P2: the first placement ended on 1 Apr 2021, the first day of the year (the child
            # was in the next one that day) → 2 placements in the year
            ("P2", "2020-06-01", "S", "C2", "U4", "2021-04-01", "X1"),
            ("P2", "2021-04-01", "P", "C2", "U6", "2021-10-01", "X1"),
            ("P2", "2021-10-01", "P", "C2", "U4", None, None),
            # P3: S, P, B in the year → 3 placements
            ("P3", "2021-06-01", "S", "C2", "U4", "2021-09-01", "X1"),
            ("P3", "2021-09-01", "P", "C2", "U6", "2022-01-10", "X1"),
            ("P3", "2022-01-10", "B", "C1", "K2", None, None),
        ]
    )
    df = compute({"ssda903_episodes": eps}, "cla_placements_3plus_pct")
    assert pick(df, "cla_placements_3plus_pct") == (1, 3, 33.3)
    # the episodes reach back to 1 Apr 2021 only: February's 12 months (from 1 Mar 2021) are
    # not covered, so no figure for it
    months = df[(df["period_type"] == "month") & (df["breakdown"] == "")]
    assert list(months["period_end"]) == [pd.Timestamp("2022-03-31")]


# ----------------------------------------------------------------------- item 6: care leavers


def care_leavers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "child_id": ["C1", "C2", "C3", "C4", "C5", "C6", "C7"],
            # C1 turns 19 on the period end; C2 is 21 (22 the day after); C5 turns 19 the day
            # after (18); C6 turned 22 on the period end; C7 has no date of birth
            "dob": dates(
                "2003-03-31",
                "2000-04-01",
                "2002-01-01",
                "2001-05-05",
                "2003-04-01",
                "2000-03-31",
                None,
            ),
            "activity": ["F1", "G5", None, "P2", "G6", "F3", "F1"],
            "in_touch": ["Yes", "Refu", "No", None, "Yes", "Yes", "Yes"],
            "accommodation_suitable": [
                "Suitable",
                "Unsuitable",
                None,
                "Suitable",
                "Suitable",
                "Suitable",
                "Suitable",
            ],
        }
    )


def test_care_leavers_cohorts_by_age_at_the_period_end():
    """DfE reports care leavers aged 19-21 and 17-18 separately; a care leaver whose 19th
    birthday is the period end is 19. Blank answers are unknown, not 'no', and stay in the
    total (DfE: percentages of all care leavers of the age)."""
    ids = [
        "care_leavers_eet_pct",
        "care_leavers_neet_pct",
        "care_leavers_in_touch_pct",
        "care_leavers_suitable_accom_pct",
        "care_leavers_eet_pct_17_18",
        "care_leavers_neet_pct_17_18",
        "care_leavers_in_touch_pct_17_18",
        "care_leavers_suitable_accom_pct_17_18",
    ]
    df = compute({"annex_a_9": care_leavers()}, *ids)
    # 19-21: C1 (19 today), C2 (21), C3 (20), C4 (20); not C6 (22), C7 (no birth date), C5 (18)
    assert pick(df, "care_leavers_eet_pct") == (2, 4, 50.0)  # C1 F1, C4 P2
    assert pick(df, "care_leavers_neet_pct") == (1, 4, 25.0)  # C2 G5; C3 blank is not NEET
    assert pick(df, "care_leavers_in_touch_pct") == (1, 4, 25.0)  # C1; Refu, No, blank are not
    assert pick(df, "care_leavers_suitable_accom_pct") == (2, 4, 50.0)  # C3 blank: no info
    # 17-18: C5 only
    assert pick(df, "care_leavers_eet_pct_17_18") == (0, 1, 0.0)
    assert pick(df, "care_leavers_neet_pct_17_18") == (1, 1, 100.0)
    assert pick(df, "care_leavers_in_touch_pct_17_18") == (1, 1, 100.0)
    assert pick(df, "care_leavers_suitable_accom_pct_17_18") == (1, 1, 100.0)


def test_eet_neet_and_not_known_add_up_to_100():
    """EET + NEET + not known (blank activity) = 100% of the same cohort."""
    df = compute({"annex_a_9": care_leavers()}, "care_leavers_eet_pct", "care_leavers_neet_pct")
    eet_n, eet_d, eet_v = pick(df, "care_leavers_eet_pct")
    neet_n, neet_d, neet_v = pick(df, "care_leavers_neet_pct")
    assert eet_d == neet_d == 4
    cohort = care_leavers().iloc[[0, 1, 2, 3]]  # C1-C4, the 19-21 cohort worked out above
    unknown = int(activity_unknown(cohort["activity"]).sum())
    assert unknown == 1  # C3
    assert eet_n + neet_n + unknown == eet_d
    assert eet_v + neet_v + 100 * unknown / eet_d == 100.0


def test_care_leaver_benchmarks_are_on_the_same_cohort():
    """A benchmark is shown only beside a figure on the same cohort."""
    for mid in ("care_leavers_eet_pct", "care_leavers_neet_pct", "care_leavers_suitable_accom_pct"):
        assert "19 to 21" in CATALOGUE[mid].benchmark
        assert "17 to 18" in CATALOGUE[mid + "_17_18"].benchmark
    assert CATALOGUE["care_leavers_in_touch_pct"].benchmark is None  # no published benchmark


# --------------------------------------------------------------------------- item 7: adoption


def list_10() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "child_id": ["F", "G", "H", "I", "J"],
            "entered_care": dates(
                "2019-01-01", "2020-02-01", "2019-06-01", "2019-06-01", "2019-01-01"
            ),
            "ffa_placed": dates(None, "2020-02-15", None, None, None),
            "placement_order": dates(
                "2020-03-01", "2020-05-01", "2020-01-01", "2020-01-01", "2019-09-01"
            ),
            "matched": dates("2020-05-01", "2020-03-01", "2020-04-10", "2020-06-01", "2019-11-01"),
            "placed_for_adoption": dates(
                "2020-06-01", "2020-12-01", "2020-08-01", "2020-07-31", "2020-01-01"
            ),
            "adoption_order": dates(
                "2021-09-01", "2021-12-01", "2022-01-15", "2022-02-01", "2021-03-15"
            ),
        }
    )


def foster_carer_adoption() -> pd.DataFrame:
    # F moved in with foster carers on 1 Apr 2019, who went on to adopt: the adoption
    # placement (A5) began with a U episode (same carer)
    return episodes(
        [
            ("F", "2019-01-01", "S", "C2", "U6", "2019-04-01", "X1"),
            ("F", "2019-04-01", "P", "C2", "U4", "2020-06-01", "X1"),
            ("F", "2020-06-01", "U", "E1", "A5", "2021-09-01", "E11"),
            # G: in SSDA903 the adoption placement starts with a change of carer (P), but List 10
            # says G was fostered for adoption from 15 Feb 2020: the earlier date counts
            ("G", "2020-02-01", "S", "C2", "U6", "2020-12-01", "X1"),
            ("G", "2020-12-01", "P", "E1", "A6", "2021-12-01", "E11"),
        ]
    )


def test_a10_adjusts_for_foster_carer_adoptions():
    """DfE adoption scorecard A10: days from entering care to moving in with the adoptive
    family; where the child was adopted by their foster carers (or fostered for adoption), the
    date they moved in with them as foster carers."""
    tables = {"annex_a_10": list_10(), "ssda903_episodes": foster_carer_adoption()}
    df = compute(tables, "adoption_a1_days", "adoption_a10_days", "adoption_a3_pct")
    # adopted 1 Apr 2021 - 31 Mar 2022: F, G, H, I (J in March 2021 is before the 12 months)
    # A1 (placed for adoption): F 517, G 304, H 427, I 426 → 1674 / 4 = 418.5
    assert pick(df, "adoption_a1_days") == (1674, 4, 418.5)
    # A10: F from 1 Apr 2019 (moved in with the carers who adopted, SSDA903) = 90; G fostered
    # for adoption from 15 Feb 2020 = 14; H 427; I 426 → 957 / 4 = 239.25 → 239.3
    assert pick(df, "adoption_a10_days") == (957, 4, 239.3)
    # A3: less than 14 months (entering care + 14 calendar months): F, G, I yes; H moved in
    # exactly 14 months after (1 Jun 2019 → 1 Aug 2020) → no; I one day less → yes → 3/4
    assert pick(df, "adoption_a3_pct") == (3, 4, 75.0)


def test_a10_without_903_uses_list_10():
    """Without SSDA903 episodes only fostering for adoption can be adjusted for: F's A10 days
    are to the date placed for adoption (517)."""
    df = compute({"annex_a_10": list_10()}, "adoption_a10_days")
    assert pick(df, "adoption_a10_days") == (517 + 14 + 427 + 426, 4, 346.0)


def test_a10_three_year_average():
    """DfE scorecard: the average over every child adopted in the 3 years to the date; no
    figure when List 10 does not reach back 3 years."""
    tables = {"annex_a_10": list_10(), "ssda903_episodes": foster_carer_adoption()}
    row = status(tables, "adoption_a10_days_3yr")
    assert row["status"] == "unavailable"
    assert "36 months" in row["why"] and "15/03/2021" in row["why"]
    # K, adopted on 20 Mar 2019, shows List 10 reaches back past 1 Apr 2019
    k = pd.DataFrame(
        {
            "child_id": ["K"],
            "entered_care": dates("2017-01-01"),
            "placed_for_adoption": dates("2018-01-01"),
            "adoption_order": dates("2019-03-20"),
        }
    )
    tables["annex_a_10"] = pd.concat([list_10(), k], ignore_index=True)
    df = compute(tables, "adoption_a10_days_3yr")
    # adopted 1 Apr 2019 - 31 Mar 2022: F 90, G 14, H 427, I 426, J 365 (K before) → 1322 / 5
    assert pick(df, "adoption_a10_days_3yr") == (1322, 5, 264.4)
    months = df[(df["period_type"] == "month") & (df["breakdown"] == "")]
    assert list(months["period_end"]) == [pd.Timestamp("2022-03-31")]  # Feb's 3 years from Mar


def test_a2_counts_zero_days_when_the_match_precedes_the_placement_order():
    """DfE scorecard A2: a time of zero for children matched before court authority."""
    df = compute({"annex_a_10": list_10()}, "adoption_a2_days")
    # F 1 Mar → 1 May 2020 = 61; G matched 1 Mar, before the 1 May order → 0;
    # H 1 Jan → 10 Apr 2020 = 100; I 1 Jan → 1 Jun 2020 = 152 → 313 / 4 = 78.25 → 78.3
    assert pick(df, "adoption_a2_days") == (313, 4, 78.3)


# ------------------------------------------------------------ UASC, rates, exits, missing


def test_uasc_are_excluded_from_the_rate_903():
    """SSDA903 UASC table: a child is UASC at the date unless their UASC status ceased (DUC) on
    or before it."""
    eps = episodes(
        [(c, "2021-01-01", "S", "C2", "U4", None, None) for c in ("U1", "U2", "U3", "U4")]
    )
    uasc = pd.DataFrame(
        {"CHILD": ["U1", "U2", "U3"], "DUC": dates(None, "2022-03-31", "2022-06-01")}
    )
    tables = {"ssda903_episodes": eps, "ssda903_uasc": uasc}
    df = compute(tables, "cla_uasc", "cla_rate_10k_excl_uasc", "cla_rate_10k")
    # at 31 Mar 2022: U1 (no DUC) and U3 (DUC later) are UASC; U2 ceased that day; U4 never
    assert pick(df, "cla_uasc")[2] == 2
    assert pick(df, "cla_rate_10k") == (4, 50_000, 0.8)
    assert pick(df, "cla_rate_10k_excl_uasc") == (2, 50_000, 0.4)  # U2, U4
    assert pick(df, "cla_uasc", "month", "2022-02-28")[2] == 3  # U2 still UASC in February


def test_uasc_from_list_8():
    a8 = pd.DataFrame(
        {
            "child_id": ["A", "B", "C"],
            "cla_start": dates("2021-01-01", "2021-02-01", "2021-03-01"),
            "cla_end": dates(None, None, "2022-01-01"),
            "legal_status": ["C2", "C2", "C2"],
            "uasc": ["Yes", "No", "Yes"],  # C is no longer looked after at the date
        }
    )
    df = compute({"annex_a_8": a8}, "cla_uasc", "cla_rate_10k_excl_uasc")
    assert pick(df, "cla_uasc")[2] == 1
    assert pick(df, "cla_rate_10k_excl_uasc") == (1, 50_000, 0.2)


def flows() -> pd.DataFrame:
    return episodes(
        [
            ("S1", "2021-04-01", "S", "C2", "U4", None, None),  # starts on the first day
            ("S2", "2021-03-31", "S", "C2", "U4", "2021-04-15", "E11"),  # adopted
            ("S3", "2022-03-31", "S", "C2", "U4", None, None),  # starts on the last day
            ("S4", "2021-05-01", "S", "C2", "U4", "2021-06-01", "E4A"),  # home
            ("S4", "2021-08-01", "S", "C2", "U4", None, None),  # second start, counted once
            ("S5", "2020-01-01", "S", "C2", "U4", "2021-03-01", "E8"),  # before the 12 months
            ("S6", "2019-06-01", "S", "C2", "U4", "2022-01-10", "E45"),  # SGO
            ("S7", "2019-01-01", "S", "C2", "U4", "2022-03-31", "E41"),  # CAO, on the last day
        ]
    )


def test_starts_and_ceased_rates_over_12_months():
    """DfE: children starting / ceasing to be looked after during the year per 10,000."""
    df = compute({"ssda903_episodes": flows()}, "cla_starts_rate_10k", "cla_ceased_rate_10k")
    assert pick(df, "cla_starts_rate_10k") == (3, 50_000, 0.6)  # S1, S3, S4
    assert pick(df, "cla_ceased_rate_10k") == (4, 50_000, 0.8)  # S2, S4, S6, S7


def test_exits_by_reason_ceased():
    """SSDA903 reason episode ceased: E11/E12 adopted; E41 child arrangements order, E43-E48
    special guardianship orders."""
    df = compute({"ssda903_episodes": flows()}, "cla_exits_adoption_pct", "cla_exits_sgo_cao_pct")
    assert pick(df, "cla_exits_adoption_pct") == (1, 4, 25.0)  # S2 of S2, S4, S6, S7
    assert pick(df, "cla_exits_sgo_cao_pct") == (2, 4, 50.0)  # S6 (E45), S7 (E41)


def test_missing_from_care_over_the_year():
    """DfE: children who went missing (SSDA903 MISSING = M; A, away without authorisation, is
    not missing) during the year, of all children looked after during it."""
    eps = episodes(
        [
            ("M1", "2020-01-01", "S", "C2", "U4", None, None),
            ("M2", "2020-01-01", "S", "C2", "U4", None, None),
            ("M3", "2022-01-01", "S", "C2", "U4", None, None),
            ("M4", "2020-01-01", "S", "C2", "U4", "2021-04-01", "E4A"),  # ceased on the 1st day
            ("M5", "2020-01-01", "S", "C2", "U4", "2021-03-31", "E4A"),  # left before the year
        ]
    )
    missing = pd.DataFrame(
        {
            "CHILD": ["M1", "M2", "M4", "M5"],
            "MISSING": ["M", "A", "M", "M"],
            "MIS_START": dates("2021-06-01", "2021-07-01", "2021-03-20", "2021-03-01"),
        }
    )
    df = compute({"ssda903_episodes": eps, "ssda903_missing": missing}, "cla_missing_pct")
    # looked after in the year: M1, M2, M3, M4; missing in it: M1 (M4's was before)
    assert pick(df, "cla_missing_pct") == (1, 4, 25.0)


def test_return_home_interviews_after_the_last_missing_episode():
    """Annex A: offered / accepted a return interview after the last missing episode; a blank
    answer is unknown and left out, not counted as 'no'."""
    m = pd.DataFrame(
        {
            "child_id": ["X1", "X1", "X2", "X3", "X4", "X5", "X6"],
            "looked_after": ["Yes", "Yes", "Yes", "Yes", "No", "Yes", "Yes"],
            "missing_start": dates(
                "2021-05-01",
                "2021-09-01",
                "2021-10-01",
                "2022-01-01",
                "2022-01-01",
                "2021-03-01",
                "2022-02-01",
            ),
            "rhi_offered": ["Yes", "No", None, "Yes", "Yes", "Yes", "Yes"],
            "rhi_date": dates("2021-05-03", None, None, None, "2022-01-02", None, "2022-02-02"),
        }
    )
    df = compute({"local_missing": m}, "rhi_offered_pct", "rhi_accepted_pct")
    # last episode in the year: X1 1 Sep (not offered), X2 (unknown: left out), X3 offered,
    # X6 offered; X4 not looked after; X5 before the year → offered 2/3
    assert pick(df, "rhi_offered_pct") == (2, 3, 66.7)
    # of those offered: X3 no interview, X6 interview held → 1/2
    assert pick(df, "rhi_accepted_pct") == (1, 2, 50.0)


def test_new_measures_are_on_the_corporate_parenting_page():
    new = [
        "cla_uasc",
        "cla_rate_10k_excl_uasc",
        "cla_starts_rate_10k",
        "cla_ceased_rate_10k",
        "cla_missing_pct",
        "rhi_offered_pct",
        "rhi_accepted_pct",
        "cla_exits_adoption_pct",
        "cla_exits_sgo_cao_pct",
        "care_leavers_in_touch_pct",
        "care_leavers_in_touch_pct_17_18",
        "care_leavers_eet_pct_17_18",
        "care_leavers_neet_pct_17_18",
        "care_leavers_suitable_accom_pct_17_18",
        "adoption_a10_days",
        "adoption_a10_days_3yr",
        "adoption_a3_pct",
    ]
    for mid in new:
        m = CATALOGUE[mid]
        assert m.priority == "corporate_parenting", mid
        assert m.official, mid


def test_list_8_latest_values_give_no_figure_for_an_earlier_period_end():
    """List 8 counts (placements, missing episodes in the last 12 months), the UASC flag and
    the return interview answers are as at the extract date: with the period end before it
    they cannot say what was true at the period end."""
    import pytest

    from selfeval.measures.context import Context, build_periods
    from selfeval.measures.registry import REGISTRY, MeasureUnavailable

    a8 = pd.DataFrame(
        {
            "child_id": ["A"],
            "cla_start": dates("2021-01-01"),
            "cla_end": dates(None),
            "legal_status": ["C2"],
            "uasc": ["Yes"],
            "placements_last_12m": [3],
            "missing_episodes_12m": [1],
            "return_interview_offered": ["Yes"],
            "return_interview_accepted": ["Yes"],
        }
    )
    for mid in ("cla_placements_3plus_pct", "cla_uasc", "cla_missing_pct", "rhi_offered_pct"):
        fn = REGISTRY[mid]
        ctx = Context({"annex_a_8": a8}, PE, SETTINGS)
        ctx.using = ("annex_a_8",)
        periods = build_periods(PE, fn.kind)
        assert len(fn.fn(ctx, periods)) == 1  # on the extract date: a figure
        ctx = Context({"annex_a_8": a8}, PE, SETTINGS)
        ctx.using = ("annex_a_8",)
        ctx.extract_date = pd.Timestamp("2022-04-30")  # type: ignore[attr-defined]
        with pytest.raises(MeasureUnavailable, match="as at the extract date"):
            fn.fn(ctx, periods)


def test_list_8_placement_begun_after_the_period_end_gives_no_stability_figure():
    a8 = pd.DataFrame(
        {
            "child_id": ["A", "B"],
            "dob": dates("2012-01-01", "2012-01-01"),
            "cla_start": dates("2018-01-01", "2018-01-01"),
            "cla_end": dates(None, None),
            "legal_status": ["C2", "C2"],
            "placement_start": dates("2019-01-01", "2022-04-02"),
        }
    )
    row = status({"annex_a_8": a8}, "cla_long_term_stability_pct")
    assert row["status"] == "unavailable" and "after the period end" in row["why"]
    df = compute({"annex_a_8": a8.iloc[:1]}, "cla_long_term_stability_pct")
    assert pick(df, "cla_long_term_stability_pct") == (1, 1, 100.0)  # A: placed 3+ years


def test_placements_need_episodes_reaching_the_start_of_the_12_months():
    """No 3+ placements figure from episodes that do not reach back 12 months; an earliest
    episode end within a week of the start (no move in the first days) is taken to reach it."""

    def eps(first_end: str) -> pd.DataFrame:
        return episodes(
            [
                ("A", "2020-01-01", "S", "C2", "U4", first_end, "X1"),
                ("A", first_end, "P", "C2", "U6", None, None),
            ]
        )

    df = compute({"ssda903_episodes": eps("2021-04-08")}, "cla_placements_3plus_pct")
    assert pick(df, "cla_placements_3plus_pct") == (0, 1, 0.0)  # 2 placements in the year
    row = status({"ssda903_episodes": eps("2021-04-09")}, "cla_placements_3plus_pct")
    assert row["status"] == "unavailable" and "09/04/2021" in row["why"]
