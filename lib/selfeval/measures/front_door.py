"""Contacts, referrals, assessments, section 47 enquiries and ICPCs (Annex A Lists 1, 3, 4, 5)."""

from __future__ import annotations

import pandas as pd

from selfeval.measures.context import Context, is_no, is_yes, working_days
from selfeval.measures.registry import measure


def only(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """The frame with only these columns (those it has): the rows measures stack for every
    period carry no more than the measures read."""
    return frame[[c for c in dict.fromkeys(columns) if c in frame.columns]]


def team_of(frame: pd.DataFrame) -> pd.Series:
    """The allocated team column, or blanks when the list has none."""
    if "allocated_team" in frame.columns:
        return frame["allocated_team"]
    return pd.Series(pd.NA, index=frame.index, dtype="object")


def days_since_previous(frame: pd.DataFrame, child_col: str, date_col: str) -> pd.Series:
    """Days from each row's date back to the same child's latest strictly earlier date."""
    keys = frame[[child_col, date_col]]
    distinct = keys.dropna().drop_duplicates().sort_values([child_col, date_col])
    distinct["_prev"] = distinct.groupby(child_col)[date_col].shift()
    merged = keys.merge(distinct, on=[child_col, date_col], how="left")
    return pd.Series((merged[date_col] - merged["_prev"]).dt.days.to_numpy(), index=frame.index)


def _referrals(ctx: Context) -> pd.DataFrame:
    """Annex A List 3 with derived columns: team, days since the child's previous referral."""

    def build() -> pd.DataFrame:
        a3 = ctx.table("annex_a_3", "child_id", "referral_date")
        return only(a3, "referral_date", "referral_nfa").assign(
            team=team_of(a3), gap=days_since_previous(a3, "child_id", "referral_date")
        )

    return ctx.cached("referrals", build)


def _assessments(ctx: Context) -> pd.DataFrame:
    """Annex A List 4 with team and working days from start to authorisation."""

    def build() -> pd.DataFrame:
        a4 = ctx.table("annex_a_4", "child_id", "assessment_start", "assessment_authorised")
        wd = working_days(a4["assessment_start"], a4["assessment_authorised"])
        return only(a4, "assessment_authorised", "assessed_in_need").assign(team=team_of(a4), wd=wd)

    return ctx.cached("assessments", build)


def _s47(ctx: Context) -> pd.DataFrame:
    def build() -> pd.DataFrame:
        a5 = ctx.table("annex_a_5", "child_id", "strategy_date")
        icpc = a5["icpc_date"] if "icpc_date" in a5 else pd.Series(pd.NaT, index=a5.index)
        return only(a5, "strategy_date", "icpc_date").assign(
            team=team_of(a5), wd=working_days(a5["strategy_date"], icpc)
        )

    return ctx.cached("s47", build)


@measure("contacts", kind="flow", agg="count", sources=("annex_a_1",), distinct=False)
def contacts(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Contacts dated in the period (events)."""
    a1 = ctx.table("annex_a_1", "contact_date")
    return ctx.in_periods(a1[["contact_date"]], "contact_date", periods)[["pid"]]


@measure(
    "referrals",
    kind="flow",
    agg="count",
    sources=("annex_a_3",),
    breakdowns=("team",),
    distinct=False,
)
def referrals(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Referrals dated in the period (events)."""
    return ctx.in_periods(_referrals(ctx), "referral_date", periods)[["pid", "team"]]


@measure("referral_rate_10k", kind="rolling12", agg="rate", sources=("annex_a_3",), distinct=False)
def referral_rate_10k(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Referrals in the 12 months ending at the date, per 10,000 children."""
    return ctx.in_periods(_referrals(ctx), "referral_date", periods)[["pid"]]


@measure(
    "re_referral_pct",
    kind="flow",
    agg="pct",
    sources=("annex_a_3",),
    breakdowns=("team",),
    distinct=False,
)
def re_referral_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Referrals in the period where the child had another referral 1-365 days earlier."""
    rows = ctx.in_periods(_referrals(ctx), "referral_date", periods)
    return rows.assign(n=rows["gap"].between(1, 365))[["pid", "team", "n"]]


@measure(
    "referral_nfa_pct",
    kind="flow",
    agg="pct",
    sources=("annex_a_3",),
    breakdowns=("team",),
    distinct=False,
)
def referral_nfa_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Referrals in the period with Referral NFA? = Yes."""
    ctx.table("annex_a_3", "referral_nfa")
    rows = ctx.in_periods(_referrals(ctx), "referral_date", periods)
    return rows.assign(n=is_yes(rows["referral_nfa"]))[["pid", "team", "n"]]


@measure(
    "assessments_completed",
    kind="flow",
    agg="count",
    sources=("annex_a_4",),
    breakdowns=("team",),
    distinct=False,
)
def assessments_completed(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Assessments authorised in the period."""
    return ctx.in_periods(_assessments(ctx), "assessment_authorised", periods)[["pid", "team"]]


@measure(
    "assessment_timely_pct",
    kind="flow",
    agg="pct",
    sources=("annex_a_4",),
    breakdowns=("team",),
    distinct=False,
)
def assessment_timely_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Assessments authorised in the period within 45 working days of their start."""
    rows = ctx.in_periods(_assessments(ctx), "assessment_authorised", periods)
    return rows.assign(n=rows["wd"] <= 45)[["pid", "team", "n"]]


@measure(
    "assessment_nfa_pct",
    kind="flow",
    agg="pct",
    sources=("annex_a_4",),
    breakdowns=("team",),
    distinct=False,
)
def assessment_nfa_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Assessments authorised in the period where the child was assessed as not in need."""
    ctx.table("annex_a_4", "assessed_in_need")
    rows = ctx.in_periods(_assessments(ctx), "assessment_authorised", periods)
    return rows.assign(n=is_no(rows["assessed_in_need"]))[["pid", "team", "n"]]


@measure(
    "s47_enquiries",
    kind="flow",
    agg="count",
    sources=("annex_a_5",),
    breakdowns=("team",),
    distinct=False,
)
def s47_enquiries(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Strategy discussions initiating a section 47 enquiry dated in the period."""
    return ctx.in_periods(_s47(ctx), "strategy_date", periods)[["pid", "team"]]


@measure(
    "icpc_timely_pct",
    kind="flow",
    agg="pct",
    sources=("annex_a_5",),
    breakdowns=("team",),
    distinct=False,
)
def icpc_timely_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """ICPCs in the period held within 15 working days of the strategy discussion."""
    ctx.table("annex_a_5", "icpc_date")
    rows = ctx.in_periods(_s47(ctx), "icpc_date", periods)
    return rows.assign(n=rows["wd"] <= 15)[["pid", "team", "n"]]
