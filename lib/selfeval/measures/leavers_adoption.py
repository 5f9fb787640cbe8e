"""Care leavers (Annex A List 9) and adoption (Annex A List 10)."""

from __future__ import annotations

import pandas as pd

from selfeval.measures.context import Context, as_dates, code, within_days_before
from selfeval.measures.front_door import team_of
from selfeval.measures.registry import measure

OUT = ["pid", "unit", "team", "n"]


def _leavers(ctx: Context, periods: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Care leavers on List 9 (the list is as at the extract), at the period end."""
    a9 = ctx.table("annex_a_9", "child_id", *columns)
    a9 = a9.assign(unit=a9["child_id"], team=team_of(a9))
    return ctx.as_at(a9, ctx.headline_only(periods))


@measure(
    "care_leavers_suitable_accom_pct",
    kind="current",
    agg="pct",
    sources=("annex_a_9",),
    breakdowns=("team",),
)
def care_leavers_suitable_accom_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Care leavers on List 9 whose accommodation is recorded as suitable."""
    rows = _leavers(ctx, periods, "accommodation_suitable")
    suitable = rows["accommodation_suitable"].astype("string").str.strip().str.lower()
    return rows.assign(n=suitable.str.startswith("suitable").fillna(False))[OUT]


@measure(
    "care_leavers_eet_pct", kind="current", agg="pct", sources=("annex_a_9",), breakdowns=("team",)
)
def care_leavers_eet_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Care leavers on List 9 in education, employment or training (activity F1-F5 or P1-P5)."""
    rows = _leavers(ctx, periods, "activity")
    eet = code(rows["activity"]).str.fullmatch(r"[FP][1-5]").fillna(False)
    return rows.assign(n=eet)[OUT]


@measure(
    "care_leavers_neet_pct", kind="current", agg="pct", sources=("annex_a_9",), breakdowns=("team",)
)
def care_leavers_neet_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Care leavers aged 17-21 at the date (all when the date of birth is blank) who are not in
    education, employment or training (activity G4-G6)."""
    rows = _leavers(ctx, periods, "activity")
    if "dob" in rows.columns:
        age = _age(rows["dob"], rows["at"])
        rows = rows[age.isna() | age.between(17, 21)]
    neet = code(rows["activity"]).str.startswith("G").fillna(False)
    return rows.assign(n=neet)[OUT]


@measure(
    "care_leavers_pathway_plan_pct",
    kind="current",
    agg="pct",
    sources=("annex_a_9",),
    breakdowns=("team",),
)
def care_leavers_pathway_plan_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Care leavers on List 9 whose pathway plan was reviewed in the 183 days before the date."""
    rows = _leavers(ctx, periods, "pathway_plan_review")
    return rows.assign(n=within_days_before(rows["at"], rows["pathway_plan_review"], 183))[OUT]


def _age(dob: pd.Series, at: pd.Series) -> pd.Series:
    """Age in whole years at the date."""
    dob, at = as_dates(dob), as_dates(at)
    years = at.dt.year - dob.dt.year
    before_birthday = (at.dt.month < dob.dt.month) | (
        (at.dt.month == dob.dt.month) & (at.dt.day < dob.dt.day)
    )
    return (years - before_birthday.astype("Int64")).astype("Float64")


def _adopted(ctx: Context, periods: pd.DataFrame, start: str, end: str) -> pd.DataFrame:
    """Children with an adoption order in the 12 months to the date; n = days start → end."""
    a10 = ctx.table("annex_a_10", "child_id", "adoption_order", start, end)
    a10 = a10.dropna(subset=[start, end])
    rows = ctx.in_periods(a10, "adoption_order", periods)
    return rows.assign(unit=rows["child_id"], n=(rows[end] - rows[start]).dt.days, d=1)[
        ["pid", "unit", "n", "d"]
    ]


@measure("adoption_a1_days", kind="rolling12", agg="ratio", sources=("annex_a_10",))
def adoption_a1_days(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Average days from entering care to being placed for adoption, children adopted in the 12
    months to the date."""
    return _adopted(ctx, periods, "entered_care", "placed_for_adoption")


@measure("adoption_a2_days", kind="rolling12", agg="ratio", sources=("annex_a_10",))
def adoption_a2_days(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Average days from the placement order (court authority to place) to being matched,
    children adopted in the 12 months to the date."""
    return _adopted(ctx, periods, "placement_order", "matched")
