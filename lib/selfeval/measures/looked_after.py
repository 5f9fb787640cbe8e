"""Children looked after (SSDA903 episodes and reviews, else Annex A List 8)."""

from __future__ import annotations

import pandas as pd

from selfeval.measures.context import Context, code, within_days_before, working_days
from selfeval.measures.front_door import only, team_of
from selfeval.measures.registry import measure

CLA_SOURCES = ("ssda903_episodes", "annex_a_8")
OUT = ["pid", "unit", "team", "n"]


def cla_open(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Care episodes open at each date, short breaks (V3/V4) excluded; unit = child."""
    eps = ctx.cla_episodes()
    used = ("child", "start", "end", "team", "poc_start", "placed_start")
    eps = only(eps[~eps["short_break"]], *used)
    return ctx.open_at(eps, "start", "end", periods).assign(unit=lambda f: f["child"])


def _a8(ctx: Context, *columns: str) -> pd.DataFrame:
    """Annex A List 8 rows, short breaks excluded, with unit and team."""
    a8 = ctx.table("annex_a_8", "child_id", "cla_start", "cla_end", "legal_status", *columns)
    a8 = a8[~code(a8["legal_status"]).isin(["V3", "V4"]).fillna(False)]
    return a8.assign(unit=a8["child_id"], team=team_of(a8))


def _a8_open(ctx: Context, periods: pd.DataFrame, *columns: str) -> pd.DataFrame:
    return ctx.open_at(_a8(ctx, *columns), "cla_start", "cla_end", ctx.headline_only(periods))


@measure("cla", kind="stock", agg="count", sources=CLA_SOURCES, breakdowns=("team",))
def cla(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children looked after at the date, excluding short breaks (legal status V3/V4)."""
    return cla_open(ctx, periods).assign(n=1)[OUT]


@measure("cla_rate_10k", kind="stock", agg="rate", sources=CLA_SOURCES)
def cla_rate_10k(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children looked after at the date per 10,000 children."""
    return cla_open(ctx, periods).assign(n=1)[OUT]


@measure("cla_starts", kind="flow", agg="count", sources=CLA_SOURCES, breakdowns=("team",))
def cla_starts(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children starting to be looked after in the period (SSDA903 RNE = S), short breaks
    excluded."""
    eps = ctx.cla_episodes()
    eps = eps[~eps["short_break"] & (eps["rne"] == "S").fillna(False)]
    rows = ctx.in_periods(only(eps, "child", "team", "start"), "start", periods)
    return rows.assign(unit=rows["child"], n=1)[OUT]


@measure("cla_ceased", kind="flow", agg="count", sources=CLA_SOURCES, breakdowns=("team",))
def cla_ceased(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children ceasing to be looked after in the period (episode end with reason not X1)."""
    eps = ctx.cla_episodes()
    from_903 = eps["source"] == "ssda903"
    real_end = eps["rec"].notna() & (eps["rec"] != "X1")
    ended = eps["end"].notna() & ~eps["short_break"] & (~from_903 | real_end.fillna(False))
    rows = ctx.in_periods(only(eps[ended], "child", "team", "end"), "end", periods)
    return rows.assign(unit=rows["child"], n=1)[OUT]


@measure(
    "cla_visits_timely_pct", kind="current", agg="pct", sources=("annex_a_8",), breakdowns=("team",)
)
def cla_visits_timely_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children looked after at the date whose last social work visit was within 42 days."""
    rows = _a8_open(ctx, periods, "last_visit")
    return rows.assign(n=within_days_before(rows["at"], rows["last_visit"], 42))[OUT]


@measure(
    "cla_reviews_timely_pct",
    kind="stock",
    agg="pct",
    sources=(
        ("ssda903_episodes", "ssda903_reviews"),
        ("annex_a_8", "ssda903_reviews"),
        ("annex_a_8",),
    ),
    breakdowns=("team",),
)
def cla_reviews_timely_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children looked after at the date for 20 working days or more whose latest review is
    within 183 days before it (SSDA903 reviews, else Annex A List 8 at the period end only)."""
    if "ssda903_reviews" in ctx.using:
        reviews = ctx.table("ssda903_reviews", "CHILD", "REVIEW")
        rows = cla_open(ctx, periods)
        rows = rows[working_days(rows["poc_start"], rows["at"]) >= 20]
        last = latest_on_or_before(rows, reviews.assign(unit=reviews["CHILD"]), "REVIEW")
        return rows.assign(n=within_days_before(rows["at"], last, 183))[OUT]
    rows = _a8_open(ctx, periods, "last_review")
    rows = rows[working_days(rows["cla_start"], rows["at"]) >= 20]
    return rows.assign(n=within_days_before(rows["at"], rows["last_review"], 183))[OUT]


def latest_on_or_before(rows: pd.DataFrame, events: pd.DataFrame, date_col: str) -> pd.Series:
    """For each row (unit, at): the latest `date_col` of the same unit's events on or before at."""
    left = pd.DataFrame(
        {"unit": rows["unit"].astype(str), "at": rows["at"], "_i": range(len(rows))}
    ).sort_values("at")
    right = events[["unit", date_col]].dropna().astype({"unit": str}).sort_values(date_col)
    right = right.rename(columns={date_col: "_when"})
    merged = pd.merge_asof(
        left, right, left_on="at", right_on="_when", by="unit", direction="backward"
    ).sort_values("_i")
    return pd.Series(merged["_when"].to_numpy(), index=rows.index)


@measure(
    "cla_placements_3plus_pct",
    kind="current",
    agg="pct",
    sources=("annex_a_8",),
    breakdowns=("team",),
)
def cla_placements_3plus_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children looked after at the date with 3 or more placements in the last 12 months."""
    rows = _a8_open(ctx, periods, "placements_last_12m")
    placements = pd.to_numeric(rows["placements_last_12m"], errors="coerce")
    return rows.assign(n=(placements >= 3).fillna(False))[OUT]


@measure(
    "cla_long_term_stability_pct",
    kind="stock",
    agg="pct",
    sources=(("ssda903_episodes", "ssda903_header"), ("annex_a_8",)),
    breakdowns=("team",),
)
def cla_long_term_stability_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children under 16 looked after for 2½ years or more at the date who have lived in the same
    placement for 2 years or more."""
    if "ssda903_header" in ctx.using:
        header = ctx.table("ssda903_header", "CHILD", "DOB")
        dob = header.drop_duplicates("CHILD", keep="last").set_index("CHILD")["DOB"]
        rows = cla_open(ctx, periods)
        rows = rows.assign(dob=rows["child"].map(dob))
    else:
        rows = _a8_open(ctx, periods, "dob", "placement_start")
        rows = rows.rename(columns={"cla_start": "poc_start", "placement_start": "placed_start"})
    rows = rows[
        (rows["dob"] > rows["at"] - pd.DateOffset(years=16))
        & (rows["poc_start"] <= rows["at"] - pd.DateOffset(months=30))
    ]
    return rows.assign(n=rows["placed_start"] <= rows["at"] - pd.DateOffset(years=2))[OUT]


def _health(ctx: Context, periods: pd.DataFrame, column: str) -> pd.DataFrame:
    rows = _a8_open(ctx, periods, column)
    rows = rows[rows["cla_start"] <= rows["at"] - pd.DateOffset(years=1)]
    return rows.assign(n=within_days_before(rows["at"], rows[column], 365))[OUT]


@measure(
    "cla_health_assessment_pct",
    kind="current",
    agg="pct",
    sources=("annex_a_8",),
    breakdowns=("team",),
)
def cla_health_assessment_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children looked after for 12 months or more at the date with a health assessment in the
    365 days before it."""
    return _health(ctx, periods, "last_health_assessment")


@measure(
    "cla_dental_check_pct", kind="current", agg="pct", sources=("annex_a_8",), breakdowns=("team",)
)
def cla_dental_check_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children looked after for 12 months or more at the date with a dental check in the 365
    days before it."""
    return _health(ctx, periods, "last_dental_check")


@measure(
    "permanence_plan_2nd_review_pct",
    kind="current",
    agg="pct",
    sources=("annex_a_8",),
    breakdowns=("team",),
)
def permanence_plan_2nd_review_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children looked after for 4 months or more at the date (long enough for a second review)
    with a permanence plan recorded."""
    rows = _a8_open(ctx, periods, "permanence_plan")
    rows = rows[rows["cla_start"] <= rows["at"] - pd.DateOffset(months=4)]
    plan = rows["permanence_plan"].astype("string").str.strip()
    return rows.assign(n=(plan.notna() & (plan != "")).astype(bool))[OUT]
