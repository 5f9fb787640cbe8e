"""Care leavers (Annex A List 9) and adoption (Annex A List 10)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from selfeval.measures.context import Context, as_dates, code, months_before, within_days_before
from selfeval.measures.front_door import team_of
from selfeval.measures.registry import MeasureUnavailable, measure

OUT = ["pid", "unit", "team", "n"]


def _leavers(ctx: Context, periods: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Care leavers on List 9 (the list is as at the extract), at the period end."""
    a9 = ctx.table("annex_a_9", "child_id", *columns)
    a9 = a9.assign(unit=a9["child_id"], team=team_of(a9))
    return ctx.as_at(a9, ctx.headline_only(periods))


# DfE reports care leavers' activity, accommodation and contact for two cohorts by age
COHORTS = {"19_21": (19, 21), "17_18": (17, 18)}


def cohort(ctx: Context, periods: pd.DataFrame, ages: str, column: str) -> pd.DataFrame:
    """Care leavers on List 9 aged `ages` (19-21 or 17-18, as DfE) at the period end, by date
    of birth (a care leaver whose birthday is on the period end has that age). Those with no
    date of birth are in neither cohort."""
    rows = _leavers(ctx, periods, "dob", column)
    low, high = COHORTS[ages]
    return rows[_age(rows["dob"], rows["at"]).between(low, high).fillna(False).astype(bool)]


def eet(activity: pd.Series) -> pd.Series:
    """Activity F1-F3 / P1-P3 (full or part time in higher or other education, training or
    employment; F4-F5/P4-P5 kept for older code lists)."""
    return code(activity).str.fullmatch(r"[FP][1-5]").fillna(False).astype(bool)


def neet(activity: pd.Series) -> pd.Series:
    """Activity G4-G6 (not in education, employment or training: illness or disability, other,
    pregnancy or parenting)."""
    return code(activity).str.fullmatch(r"G[4-6]").fillna(False).astype(bool)


def activity_unknown(activity: pd.Series) -> pd.Series:
    """Neither EET nor NEET: activity blank (the LA not in touch) or not a known code."""
    return ~eet(activity) & ~neet(activity)


def suitable(answer: pd.Series) -> pd.Series:
    """Accommodation recorded as suitable (blank is 'no information', not unsuitable)."""
    text = answer.astype("string").str.strip().str.lower()
    return text.str.startswith("suitable").fillna(False).astype(bool)


def in_touch(answer: pd.Series) -> pd.Series:
    """LA In Touch = Yes (No, Died, Refu, NREQ, RHom and blank are not 'in touch')."""
    return code(answer).isin(["YES", "Y"]).fillna(False).astype(bool)


def _share(
    ctx: Context, periods: pd.DataFrame, ages: str, column: str, test: Callable
) -> pd.DataFrame:
    rows = cohort(ctx, periods, ages, column)
    return rows.assign(n=test(rows[column]))[OUT]


CL: dict[str, Any] = dict(kind="current", agg="pct", sources=("annex_a_9",))


@measure("care_leavers_suitable_accom_pct", **CL)
def care_leavers_suitable_accom_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Care leavers aged 19-21 at the date whose accommodation is recorded as suitable."""
    return _share(ctx, periods, "19_21", "accommodation_suitable", suitable)


@measure("care_leavers_suitable_accom_pct_17_18", **CL)
def care_leavers_suitable_accom_pct_17_18(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Care leavers aged 17-18 at the date whose accommodation is recorded as suitable."""
    return _share(ctx, periods, "17_18", "accommodation_suitable", suitable)


@measure("care_leavers_eet_pct", **CL)
def care_leavers_eet_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Care leavers aged 19-21 at the date in education, employment or training."""
    return _share(ctx, periods, "19_21", "activity", eet)


@measure("care_leavers_eet_pct_17_18", **CL)
def care_leavers_eet_pct_17_18(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Care leavers aged 17-18 at the date in education, employment or training."""
    return _share(ctx, periods, "17_18", "activity", eet)


@measure("care_leavers_neet_pct", **CL)
def care_leavers_neet_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Care leavers aged 19-21 at the date not in education, employment or training."""
    return _share(ctx, periods, "19_21", "activity", neet)


@measure("care_leavers_neet_pct_17_18", **CL)
def care_leavers_neet_pct_17_18(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Care leavers aged 17-18 at the date not in education, employment or training."""
    return _share(ctx, periods, "17_18", "activity", neet)


@measure("care_leavers_in_touch_pct", **CL)
def care_leavers_in_touch_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Care leavers aged 19-21 at the date with whom the LA is in touch (LA In Touch = Yes)."""
    return _share(ctx, periods, "19_21", "in_touch", in_touch)


@measure("care_leavers_in_touch_pct_17_18", **CL)
def care_leavers_in_touch_pct_17_18(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Care leavers aged 17-18 at the date with whom the LA is in touch (LA In Touch = Yes)."""
    return _share(ctx, periods, "17_18", "in_touch", in_touch)


@measure(
    "care_leavers_pathway_plan_pct",
    kind="current",
    agg="pct",
    sources=("annex_a_9",),
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
    children adopted in the 12 months to the date; 0 days where the match came before the
    placement order (DfE adoption scorecard A2)."""
    rows = _adopted(ctx, periods, "placement_order", "matched")
    return rows.assign(n=rows["n"].clip(lower=0))


A10_SOURCES = (("annex_a_10", "ssda903_episodes"), ("annex_a_10",))


def moved_in(ctx: Context) -> pd.DataFrame:
    """Children on List 10 with an adoption order: entered_care, adoption_order and `moved_in`,
    the date they moved in with their adoptive family as DfE's A10 counts it: where they were
    adopted by their foster carers (or fostered for adoption), the date they moved in with them
    as foster carers. The earliest of: the date placed for adoption; List 10's date placed in a
    fostering for adoption / concurrent planning placement (when not after it); and, from
    SSDA903 episodes when present, the start of the stay with the carer of the child's adoption
    placement (A3-A6) in that period of care (a move from foster care to adoption with the same
    carer, RNE T or U, keeps the foster start)."""
    a10 = ctx.table(
        "annex_a_10", "child_id", "entered_care", "placed_for_adoption", "adoption_order"
    )
    a10 = a10.dropna(subset=["entered_care", "adoption_order"])
    placed = as_dates(a10["placed_for_adoption"])
    ffa = as_dates(a10["ffa_placed"]) if "ffa_placed" in a10 else pd.Series(pd.NaT, a10.index)
    candidates = [placed, ffa.where(ffa <= placed)]
    if "ssda903_episodes" in ctx.using:
        eps = ctx.cla_episodes()
        adoptive = eps[eps["place"].isin(["A3", "A4", "A5", "A6"]).fillna(False)]
        adoptive = adoptive.sort_values("start").drop_duplicates(
            ["child", "poc_start"], keep="last"
        )
        key = pd.MultiIndex.from_arrays([adoptive["child"].astype(str), adoptive["poc_start"]])
        carer_start = pd.Series(adoptive["placed_start"].to_numpy(), index=key)
        idx = pd.MultiIndex.from_arrays(
            [a10["child_id"].astype(str), as_dates(a10["entered_care"])]
        )
        candidates.append(pd.Series(carer_start.reindex(idx).to_numpy(), index=a10.index))
    when = pd.concat(candidates, axis=1).min(axis=1)
    return pd.DataFrame(
        {
            "child_id": a10["child_id"],
            "entered_care": as_dates(a10["entered_care"]),
            "adoption_order": as_dates(a10["adoption_order"]),
            "moved_in": when,
        }
    ).dropna(subset=["moved_in"])


@measure("adoption_a10_days", kind="rolling12", agg="ratio", sources=A10_SOURCES)
def adoption_a10_days(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Average days from entering care to moving in with the adoptive family, adjusted for
    foster-carer adoptions (see :func:`moved_in`), children adopted in the 12 months to the
    date (DfE adoption scorecard A10)."""
    rows = ctx.in_periods(moved_in(ctx), "adoption_order", periods)
    days = (rows["moved_in"] - rows["entered_care"]).dt.days
    return rows.assign(unit=rows["child_id"], n=days, d=1)[["pid", "unit", "n", "d"]]


@measure("adoption_a10_days_3yr", kind="rolling12", agg="ratio", sources=A10_SOURCES)
def adoption_a10_days_3yr(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """A10 over the 3 years (36 months) to the date, as DfE's scorecard: the average over every
    child adopted in the 3 years (not the average of 3 yearly figures). Dates whose 3 years
    List 10 does not reach get no figure; MeasureUnavailable when the period end's do not."""
    frame = moved_in(ctx)
    reach = ctx.coverage_start("annex_a_10")
    wins = periods["at"].map(lambda at: months_before(at, 36))
    ok = periods[wins >= reach] if reach is not None else periods
    if not ok["headline"].any():
        raise MeasureUnavailable(
            "the 3-year average needs the adoptions of the 36 months to the period end; Annex A "
            f"List 10 reaches back only to {reach:%d/%m/%Y} (it usually holds 12 months)"
        )
    ctx.report_only(ok["pid"])
    ok = ok.assign(win_start=wins[ok.index])
    rows = ctx.in_periods(frame, "adoption_order", ok)
    days = (rows["moved_in"] - rows["entered_care"]).dt.days
    return rows.assign(unit=rows["child_id"], n=days, d=1)[["pid", "unit", "n", "d"]]


@measure("adoption_a3_pct", kind="rolling12", agg="pct", sources=A10_SOURCES)
def adoption_a3_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Of children adopted in the 12 months to the date, those who moved in with their adoptive
    family (as A10 counts it) less than 14 months after entering care (DfE scorecard A3)."""
    rows = ctx.in_periods(moved_in(ctx), "adoption_order", periods)
    quick = rows["moved_in"] < rows["entered_care"] + pd.DateOffset(months=14)
    return rows.assign(unit=rows["child_id"], n=quick.astype(bool))[["pid", "unit", "n"]]
