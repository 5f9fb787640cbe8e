from datetime import date

import numpy as np
import pandas as pd
import pytest

from selfeval.narrative import (
    classify_finding,
    finding,
    format_value,
    join_words,
    month_name,
    plural,
    strengths_and_areas,
)
from selfeval.spc import xmr

SEPT, JUNE, AUG = date(2021, 9, 30), date(2021, 6, 30), date(2021, 8, 31)
SHIFT_UP = [-1, -3, -1, -3, -1, -3, -1, 1, 3, 1, 3, 1, 3, 1]  # last 7 above the mean
COMMON = [5, 7, 6, 8, 9, 6, 7, 5, 8, 7, 6, 8, 7, 6]  # no rule fires


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (87.24, "pct", "87.2%"),
        (87.25001, "pct", "87.3%"),
        (90, "pct", "90.0%"),
        (1234, "count", "1,234"),
        (1234567.0, "count", "1,234,567"),
        (12.345, "rate_10k", "12.3 per 10,000"),
        (45, "days", "45.0 days"),
        (1, "days", "1.0 day"),
        (1234.56, None, "1,234.6"),
        (np.nan, "pct", "no data"),
        (None, "count", "no data"),
        (pd.NA, "days", "no data"),
        (0, "pct", "0.0%"),
    ],
)
def test_format_value(value, unit, expected):
    assert format_value(value, unit) == expected


def test_format_value_trims_targets_and_rejects_unknown_units():
    assert format_value(90, "pct", trim=True) == "90%"
    assert format_value(92.5, "pct", trim=True) == "92.5%"
    with pytest.raises(ValueError, match="unknown unit"):
        format_value(1, "percent")


def test_month_name_plural_and_join():
    assert month_name(date(2021, 9, 30)) == "September 2021"
    assert month_name("2021-06-30") == "June 2021"
    assert plural(1, "month") == "1 month"
    assert plural(7, "month") == "7 months"
    assert plural(1234, "child", "children") == "1,234 children"
    assert plural(0, "audit") == "0 audits"
    assert join_words(["a", "", "b", "c"]) == "a, b and c"
    assert join_words(["a"]) == "a"


def test_finding_reproduces_the_issue_example():
    spc = xmr(SHIFT_UP, polarity="up")
    text = finding(
        "Children looked after visited within timescale",
        value=87.2,
        period=SEPT,
        unit="pct",
        previous=81.0,
        previous_period=JUNE,
        target=90,
        rag="amber",
        spc=spc,
    )
    assert text == (
        "Children looked after visited within timescale: 87.2% in September 2021, up from "
        "81.0% in June 2021, below the 90% target (amber). 7 months above average: real "
        "improvement."
    )


def test_common_cause_is_not_called_improvement():
    text = finding(
        "Re-referrals within 12 months",
        value=21.4,
        period=SEPT,
        unit="pct",
        previous=23.0,
        previous_period=AUG,
        target=20,
        rag="red",
        spc=xmr(COMMON, polarity="down"),
    )
    assert text == (
        "Re-referrals within 12 months: 21.4% in September 2021, down from 23.0% in August "
        "2021, above the 20% target (red). Steady over 14 months (common cause)."
    )
    assert "improv" not in text


def test_no_data_is_not_zero():
    text = finding(
        "Audits graded good or better", value=np.nan, period=SEPT, unit="pct", previous=60
    )
    assert text == "Audits graded good or better: no data for September 2021."


def test_counts_unchanged_and_no_target_or_trend():
    text = finding("Contacts", value=1234, period=SEPT, unit="count", previous=1234.0)
    assert text == "Contacts: 1,234 in September 2021, the same as before."


def test_counts_with_previous_period_and_missing_previous():
    assert (
        finding(
            "Contacts", value=1234, period=SEPT, unit="count", previous=1100, previous_period=AUG
        )
        == "Contacts: 1,234 in September 2021, up from 1,100 in August 2021."
    )
    assert (
        finding("Contacts", value=1234, period=SEPT, unit="count", previous=np.nan)
        == "Contacts: 1,234 in September 2021."
    )


def test_on_target_provisional_falling_trend_concern():
    spc = xmr([0, 10, 0, 10, 7, 6, 5, 4, 3, 2, 1], polarity="up")  # 11 points: provisional
    assert spc.attrs["signal"]["rule"] == "trend"
    text = finding(
        "Assessments within 45 working days",
        value=90.0,
        period=SEPT,
        unit="pct",
        target=90,
        rag="green",
        spc=spc,
    )
    assert text == (
        "Assessments within 45 working days: 90.0% in September 2021, on the 90% target "
        "(green). Falling for 8 months: real decline (provisional)."
    )


def test_outside_limits_and_too_few_points_sentences():
    spc = xmr([0, 2] * 5 + [6.4], polarity="neutral", baseline=10)
    text = finding("Children looked after", value=6.4, period=SEPT, unit="rate_10k", spc=spc)
    assert text == (
        "Children looked after: 6.4 per 10,000 in September 2021. Above the upper limit: a "
        "real change (provisional)."
    )
    text = finding("Caseload", value=17.5, period=SEPT, unit=None, spc=xmr([17.5], polarity="up"))
    assert text == "Caseload: 17.5 in September 2021. Too few figures to judge a trend."


@pytest.mark.parametrize(
    ("rag", "variation", "expected"),
    [
        ("red", "improvement", "area"),
        ("green", "concern", "area"),
        ("amber", "improvement", "strength"),
        ("green", "common cause", "strength"),
        ("", "improvement", "strength"),
        ("amber", "common cause", "area"),
        ("", "common cause", ""),
        ("", "special cause", ""),
        ("", "", ""),
    ],
)
def test_classify_finding(rag, variation, expected):
    assert classify_finding(rag, variation) == expected


def test_strengths_and_areas_keep_order_and_skip_neutral():
    frame = pd.DataFrame(
        {
            "finding": ["A green", "B red", "C neutral", "D improving", "E amber"],
            "rag": ["green", "red", None, "", "amber"],
            "variation": ["common cause", np.nan, "common cause", "improvement", ""],
        }
    )
    assert strengths_and_areas(frame) == (["A green", "D improving"], ["B red", "E amber"])


def test_strengths_and_areas_with_only_a_rag_column():
    frame = pd.DataFrame({"finding": ["x", "y"], "rag": ["red", "green"]})
    assert strengths_and_areas(frame) == (["y"], ["x"])


def test_an_average_count_such_as_a_caseload_keeps_one_decimal():
    assert format_value(16.7, "count") == "16.7"
    assert format_value(16.0, "count") == "16"
    assert format_value(1234, "count") == "1,234"
