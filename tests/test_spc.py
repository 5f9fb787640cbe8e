import math

import numpy as np
import pandas as pd
import pytest

from selfeval.spc import (
    LIMIT_COLUMNS,
    assurance,
    clip_to_unit,
    outside_limits_rule,
    summarise,
    trend_rule,
    two_in_three_rule,
    xmr,
)


def months(n: int, start: str = "2021-01-31") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq="ME")


# Alternating around 0: mean 0, every moving range 2, so sigma = 2.66 * 2 / 3 = 1.7733,
# 2 sigma = 3.547 and the limits are +/- 5.32: no point is near a limit.
BELOW_7 = [-1, -3, -1, -3, -1, -3, -1]
ABOVE_7 = [1, 3, 1, 3, 1, 3, 1]


def test_worked_example_by_hand():
    # mean = 35 / 5 = 7; moving ranges 2, 1, 2, 1 -> mean 1.5; limits 7 +/- 2.66 * 1.5 = 3.99
    df = xmr(pd.Series([5, 7, 6, 8, 9], index=months(5)), polarity="up", target=8, unit="pct")
    assert list(df.index) == list(months(5))
    assert df["moving_range"].tolist()[1:] == [2, 1, 2, 1]
    assert math.isnan(df["moving_range"].iloc[0])
    assert df["mean"].tolist() == [7.0] * 5
    assert df["ucl"].iloc[0] == pytest.approx(10.99)
    assert df["lcl"].iloc[0] == pytest.approx(3.01)
    assert df["sigma"].iloc[0] == pytest.approx(1.33)
    assert df["upper_2sigma"].iloc[0] == pytest.approx(9.66)
    assert df["lower_2sigma"].iloc[0] == pytest.approx(4.34)
    assert df["upper_1sigma"].iloc[0] == pytest.approx(8.33)
    assert df["lower_1sigma"].iloc[0] == pytest.approx(5.67)
    assert not df["special_cause"].any()
    assert df["rule"].tolist() == [""] * 5
    assert df.attrs["variation"] == "common cause"
    assert df.attrs["assurance"] == "hit and miss"
    assert df.attrs["provisional"] is True
    assert df.attrs["summary"] == (
        "5 points; average 7.0%, process limits 3.0% to 11.0%. The limits are provisional "
        "(fewer than 12 points). Latest point (May 2021): common cause variation, no sign of "
        "real change. The target of 8% is within the process limits: it will be met in some "
        "periods and missed in others."
    )


@pytest.mark.parametrize(
    ("target", "polarity", "expected"),
    [
        (3, "up", "consistently pass"),  # target below the lower limit 3.01
        (8, "up", "hit and miss"),
        (11, "up", "consistently fail"),  # target above the upper limit 10.99
        (11, "down", "consistently pass"),
        (8, "down", "hit and miss"),
        (3, "down", "consistently fail"),
        (8, "neutral", ""),
        (None, "up", ""),
    ],
)
def test_assurance_from_where_the_target_lies(target, polarity, expected):
    df = xmr([5, 7, 6, 8, 9], polarity=polarity, target=target)
    assert df.attrs["assurance"] == expected


def test_assurance_boundaries_count_a_target_on_the_limit_as_met():
    assert assurance(10, lcl=10, ucl=20, polarity="up") == "consistently pass"
    assert assurance(20, lcl=10, ucl=20, polarity="up") == "hit and miss"
    assert assurance(20, lcl=10, ucl=20, polarity="down") == "consistently pass"
    assert assurance(10, lcl=10, ucl=20, polarity="down") == "hit and miss"


def test_shift_of_seven_fires_on_both_sides_with_polarity():
    df = xmr(BELOW_7 + ABOVE_7, polarity="up")
    assert df["mean"].iloc[0] == 0
    assert df["rule"].tolist() == ["shift"] * 14
    assert df["variation"].tolist() == ["concern"] * 7 + ["improvement"] * 7
    assert df.attrs["variation"] == "improvement"
    assert df.attrs["signal"] == {"rule": "shift", "direction": 1, "length": 7, "period": 13}


def test_shift_with_polarity_down_is_a_concern_above_the_mean():
    df = xmr(BELOW_7 + ABOVE_7, polarity="down")
    assert df["variation"].tolist() == ["improvement"] * 7 + ["concern"] * 7
    assert df.attrs["variation"] == "concern"


def test_neutral_special_cause_has_no_direction_word():
    df = xmr(BELOW_7 + ABOVE_7, polarity="neutral")
    assert df.attrs["variation"] == "special cause"


def test_six_in_a_row_is_not_a_shift_unless_configured():
    values = BELOW_7[:6] + [3, 1, 3, 1, 3, 1]
    assert not xmr(values, polarity="up")["special_cause"].any()
    assert xmr(values, polarity="up", shift=6)["special_cause"].all()


def test_a_point_on_the_mean_breaks_a_run():
    # the 0 sits exactly on the mean (sum is 0): the run below becomes 3 + 4 points
    values = [-1, -3, -1, 0, -3, -1, -3, -1] + ABOVE_7
    df = xmr(values, polarity="up")
    assert df["mean"].iloc[0] == 0
    assert df["special_cause"].tolist() == [False] * 8 + [True] * 7


def test_rules_can_be_switched_off_and_unknown_rules_are_errors():
    assert not xmr(BELOW_7 + ABOVE_7, polarity="up", shift=False)["special_cause"].any()
    with pytest.raises(TypeError, match="unknown SPC rule"):
        xmr([1, 2, 3], polarity="up", runs=7)
    with pytest.raises(ValueError, match="polarity"):
        xmr([1, 2, 3], polarity="better")


def test_trend_rule_boundaries():
    assert trend_rule(np.array([1, 2, 3, 4, 5, 6, 7.0]), 7).tolist() == [1] * 7
    assert trend_rule(np.array([7, 6, 5, 4, 3, 2, 1.0]), 7).tolist() == [-1] * 7
    assert trend_rule(np.array([1, 2, 3, 4, 5, 6.0]), 7).tolist() == [0] * 6
    assert trend_rule(np.array([1, 2, 3, 3, 4, 5, 6, 7.0]), 7).tolist() == [0] * 8  # tie
    assert trend_rule(np.array([1, 2, 3, 4, 5, 6.0]), 6).tolist() == [1] * 6


def test_trend_of_seven_rising_in_a_series():
    # mean = 58 / 13 = 4.46, mean moving range = 65 / 12 = 5.42: limits -9.95 to 18.9,
    # 2 sigma -5.14 to 14.07, so only the trend rule fires, on the last 7 points.
    df = xmr([0, 10, 0, 10, 0, 10, 1, 2, 3, 4, 5, 6, 7], polarity="up")
    assert df["rule"].tolist() == [""] * 6 + ["trend"] * 7
    assert df["direction"].tolist() == [0] * 6 + [1] * 7
    assert df.attrs["variation"] == "improvement"
    assert df.attrs["signal"] == {"rule": "trend", "direction": 1, "length": 7, "period": 12}
    assert (
        xmr([0, 10, 0, 10, 0, 10, 1, 2, 3, 4, 5, 6, 7], polarity="down").attrs["variation"]
        == "concern"
    )


def test_a_tie_or_six_points_is_no_trend_in_a_series():
    assert not xmr([0, 10, 0, 10, 0, 10, 1, 2, 3, 3, 4, 5, 6, 7], polarity="up")[
        "special_cause"
    ].any()
    assert not xmr([0, 10, 0, 10, 0, 10, 2, 3, 4, 5, 6, 7], polarity="up")["special_cause"].any()


BASE = [0, 2] * 5  # baseline: mean 1, moving range 2: 2 sigma 4.547, limits -4.32 to 6.32


def test_two_in_three_beyond_two_sigma_flags_those_points():
    df = xmr(BASE + [5, 2, 5], polarity="up", baseline=10)
    assert df["upper_2sigma"].iloc[0] == pytest.approx(4.5467, abs=1e-4)
    assert df["rule"].tolist()[10:] == ["two in three", "", "two in three"]
    assert df.attrs["variation"] == "improvement"
    assert df.attrs["signal"]["rule"] == "two in three"


def test_two_in_three_needs_the_same_side():
    df = xmr(BASE + [5, 1, -3], polarity="up", baseline=10)
    assert not df["special_cause"].any()
    flags = two_in_three_rule(np.array([0, 4, 0, 4, 0.0]), np.full(5, -3.5), np.full(5, 3.5))
    assert flags.tolist() == [0, 1, 0, 1, 0]
    flags = two_in_three_rule(np.array([4, 0, 0, 4.0]), np.full(4, -3.5), np.full(4, 3.5))
    assert flags.tolist() == [0, 0, 0, 0]


def test_outside_limits_is_strict():
    ucl, lcl = np.full(3, 6.32), np.full(3, -4.32)
    assert outside_limits_rule(np.array([6.32, 6.33, -4.33]), lcl, ucl).tolist() == [0, 1, -1]
    assert not xmr(BASE + [6.3], polarity="down", baseline=10)["special_cause"].any()
    df = xmr(BASE + [6.4], polarity="down", baseline=10)
    assert df["rule"].tolist()[9:] == ["", "outside limits"]
    assert df.attrs["variation"] == "concern"
    assert df.attrs["signal"] == {
        "rule": "outside limits",
        "direction": 1,
        "length": None,
        "period": 10,
    }


def test_baseline_label_fixes_limits_from_the_points_up_to_it():
    index = months(6)
    df = xmr(pd.Series([1, 3, 1, 3, 10, 10], index=index), polarity="up", baseline=index[3])
    assert df["mean"].tolist() == [2.0] * 6  # mean of 1, 3, 1, 3
    assert df["baseline"].tolist() == [True] * 4 + [False] * 2
    assert df["special_cause"].tolist() == [False] * 4 + [True] * 2  # 10 > 2 + 5.32


def test_rebase_recomputes_limits_from_the_change_date():
    index = months(24, "2020-01-31")
    values = pd.Series([1, 3] * 6 + [11, 13] * 6, index=index)
    plain = xmr(values, polarity="up")
    assert plain["special_cause"].all()  # 12 below then 12 above a mean of 7
    df = xmr(values, polarity="up", rebase_at="2021-01-31")
    assert df["mean"].tolist() == [2.0] * 12 + [12.0] * 12
    assert df["segment"].tolist() == [0] * 12 + [1] * 12
    assert df["ucl"].iloc[-1] == pytest.approx(17.32)
    assert not df["special_cause"].any()
    assert df.attrs["rebased_at"] == [pd.Timestamp("2021-01-31")]
    assert "(re-based from January 2021)" in df.attrs["summary"]


def test_missing_values_are_skipped_and_reported():
    index = months(6)
    df = xmr(pd.Series([5, 7, np.nan, 6, 8, 9], index=index), polarity="up")
    assert df["mean"].iloc[0] == 7  # as the worked example
    assert df["moving_range"].fillna(-1).tolist() == [-1, 2, -1, 1, 2, 1]
    assert df["variation"].iloc[2] == ""
    assert not df["special_cause"].iloc[2]
    assert df.attrs["n_points"] == 5
    assert df.attrs["missing"] == [index[2]]
    assert df.attrs["summary"].endswith("1 period with no data skipped (March 2021).")


def test_latest_missing_value_uses_the_latest_point_with_data():
    df = xmr([5, 7, 6, 8, 9, None], polarity="up")
    assert df.attrs["latest"] == 4
    assert df.attrs["variation"] == "common cause"


def test_limits_are_provisional_below_twelve_points():
    assert xmr([1, 3] * 5 + [1], polarity="up").attrs["provisional"] is True
    assert xmr([1, 3] * 6, polarity="up").attrs["provisional"] is False


@pytest.mark.parametrize("values", [[], [5], [np.nan, 5]])
def test_fewer_than_two_points_gives_no_spc(values):
    df = xmr(values, polarity="up", target=3)
    assert df["mean"].isna().all()
    assert not df["special_cause"].any()
    assert df.attrs["variation"] == ""
    assert df.attrs["assurance"] == ""
    n = sum(1 for v in values if not pd.isna(v))
    assert df.attrs["summary"].startswith(
        f"Not enough data for SPC: {n} point{'s' if n != 1 else ''} (at least 2 are needed)."
    )


def test_side_rules_decide_direction_over_a_trend_the_other_way():
    # mean 104 / 14 = 7.43; the last 7 points rise (trend up) but all sit below the mean
    # (shift down); 1 is below the lower limit 1.9 and 1, 2, 3 are beyond 2 sigma (3.74).
    df = xmr([10, 12, 10, 12, 10, 12, 10, 1, 2, 3, 4, 5, 6, 7], polarity="up")
    assert df["lcl"].iloc[0] == pytest.approx(104 / 14 - 2.66 * 27 / 13)
    assert df["rule"].iloc[7] == "outside limits; shift; trend; two in three"
    assert df["rule"].iloc[13] == "shift; trend"
    assert df["direction"].tolist() == [1] * 7 + [-1] * 7
    assert df.attrs["variation"] == "concern"
    assert df.attrs["signal"] == {"rule": "shift", "direction": -1, "length": 7, "period": 13}
    assert df.attrs["summary"] == (
        "14 points; average 7.4, process limits 1.9 to 13.0. Latest point (13): special cause "
        "variation, concern (7 points in a row below the average)."
    )


def test_nullable_integers_with_missing_values():
    df = xmr(pd.Series([5, 7, pd.NA, 6, 8, 9], dtype="Int64"), polarity="up")
    assert df.attrs["n_points"] == 5
    assert df["mean"].iloc[0] == 7


def test_percentage_limits_stay_within_0_and_100():
    values = [0, 100, 0, 100, 50, 50, 0, 100, 50, 0, 100, 50]  # wide swings: raw limits pass 0/100
    raw = xmr(values, polarity="up")
    assert raw["lcl"].iloc[0] < 0 and raw["ucl"].iloc[0] > 100
    bounded = xmr(values, polarity="up", unit="pct")
    assert bounded["lcl"].iloc[0] == 0 and bounded["ucl"].iloc[0] == 100
    assert bounded["lower_2sigma"].min() >= 0 and bounded["upper_2sigma"].max() <= 100
    assert list(bounded["special_cause"]) == list(raw["special_cause"])
    assert "process limits 0.0% to 100.0%" in bounded.attrs["summary"]


def test_count_limits_do_not_go_below_zero():
    frame = xmr([0, 9, 0, 9, 1, 8, 0, 9, 2, 7, 0, 9], polarity="down", unit="count")
    assert frame["lcl"].min() == 0
    assert frame["ucl"].iloc[0] > 9


def test_frame_columns_and_dtypes_are_the_contract():
    df = xmr(pd.Series([5, 7, np.nan, 6, 8, 9], index=months(6)), polarity="up", unit="pct")
    assert list(df.columns) == [
        "value",
        "moving_range",
        "mean",
        "sigma",
        "lower_1sigma",
        "upper_1sigma",
        "lower_2sigma",
        "upper_2sigma",
        "lcl",
        "ucl",
        "baseline",
        "segment",
        "direction",
        "special_cause",
        "rule",
        "variation",
    ]
    kinds = {name: dtype.kind for name, dtype in df.dtypes.items()}
    assert kinds["baseline"] == kinds["special_cause"] == "b"
    assert kinds["segment"] == kinds["direction"] == "i"
    assert kinds["rule"] == kinds["variation"] == "O"
    assert df.index.equals(months(6))
    empty = xmr([], polarity="up")
    assert list(empty.columns) == list(df.columns) and empty.empty


def test_unit_bounds_match_clip_to_unit_and_summarise_matches_the_summary():
    values = pd.Series([0, 100, 0, 100, 50, 50, 0, 100, 50, 0, 100, 50], index=months(12))
    bounded = xmr(values, polarity="up", unit="pct")
    clipped = clip_to_unit(xmr(values, polarity="up"), "pct")
    pd.testing.assert_frame_equal(bounded[list(LIMIT_COLUMNS)], clipped[list(LIMIT_COLUMNS)])
    assert summarise(bounded, "pct") == bounded.attrs["summary"]


def test_moving_ranges_restart_at_a_rebase_and_rows_keep_segment_order():
    index = pd.DatetimeIndex(["2021-03-31", "2021-01-31", "2021-04-30", "2021-02-28"])
    df = xmr(pd.Series([10, 1, 14, 3], index=index), polarity="up", rebase_at="2021-03-31")
    assert list(df.index) == [index[1], index[3], index[0], index[2]]  # segment 0, then 1
    assert df["segment"].tolist() == [0, 0, 1, 1]
    assert df["moving_range"].fillna(-1).tolist() == [-1, 2, -1, 4]
    assert df["mean"].tolist() == [2.0, 2.0, 12.0, 12.0]
