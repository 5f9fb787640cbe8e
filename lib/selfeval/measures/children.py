"""Children in need and child protection (Annex A Lists 6 and 7)."""

from __future__ import annotations

import pandas as pd

from selfeval.measures.context import Context, within_days_before
from selfeval.measures.front_door import only, team_of
from selfeval.measures.registry import MeasureUnavailable, measure

CP_OUT = ["pid", "unit", "team", "n"]


def _cp(ctx: Context) -> pd.DataFrame:
    def build() -> pd.DataFrame:
        a7 = ctx.table("annex_a_7", "child_id", "cp_start", "cp_end")
        used = ("cp_start", "cp_end", "previous_cp_plans", "last_visit", "last_review")
        return only(a7, *used).assign(unit=a7["child_id"], team=team_of(a7))

    return ctx.cached("cp", build)


def _cin(ctx: Context) -> pd.DataFrame:
    def build() -> pd.DataFrame:
        a6 = ctx.table("annex_a_6", "child_id", "cin_start", "cin_end")
        status = a6["case_status"] if "case_status" in a6 else pd.Series(pd.NA, index=a6.index)
        on_plan = status.astype("string").str.lower().str.contains("in need plan").fillna(False)
        return only(a6, "cin_start", "cin_end", "last_seen").assign(
            unit=a6["child_id"], team=team_of(a6), on_plan=on_plan.astype(bool)
        )

    return ctx.cached("cin", build)


def cp_open(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """CP plans open at each date (one row per plan; the engine counts each child once)."""
    return ctx.open_at(_cp(ctx), "cp_start", "cp_end", periods)


@measure("cp_plans", kind="stock", agg="count", sources=("annex_a_7",))
def cp_plans(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children on a child protection plan open at the date."""
    return cp_open(ctx, periods).assign(n=1)[CP_OUT]


@measure("cp_rate_10k", kind="stock", agg="rate", sources=("annex_a_7",))
def cp_rate_10k(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children on a CP plan at the date per 10,000 children."""
    return cp_open(ctx, periods).assign(n=1)[CP_OUT]


@measure(
    "cp_starts",
    kind="flow",
    agg="count",
    sources=("annex_a_7",),
    distinct=False,
)
def cp_starts(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """CP plans starting in the period (events)."""
    return ctx.in_periods(_cp(ctx), "cp_start", periods)[["pid", "team"]]


@measure(
    "cp_repeat_pct",
    kind="flow",
    agg="pct",
    sources=("annex_a_7",),
    distinct=False,
)
def cp_repeat_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """CP plans starting in the period with one or more previous CP plans."""
    ctx.table("annex_a_7", "previous_cp_plans")
    rows = ctx.in_periods(_cp(ctx), "cp_start", periods)
    previous = pd.to_numeric(rows["previous_cp_plans"], errors="coerce")
    return rows.assign(n=(previous >= 1).fillna(False))[["pid", "team", "n"]]


@measure("cp_starts_rate_10k", kind="rolling12", agg="rate", sources=("annex_a_7",), distinct=False)
def cp_starts_rate_10k(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """CP plans starting in the 12 months ending at the date per 10,000 children (as DfE's
    annual rate; only when the data covers the 12 months)."""
    return ctx.in_periods(_cp(ctx), "cp_start", periods)[["pid"]]


REPEAT_WITHIN = pd.DateOffset(years=2)


def cp_repeat_within_2yrs(ctx: Context) -> pd.Series:
    """Each List 7 plan: True when it is a second or subsequent plan whose previous plan ended
    within 2 years before it started, False when not, <NA> when the data cannot say.

    - "Number of Previous Child Protection Plans" 0: False (a first plan);
    - another plan of the child in the list ending on or before this start and on or after 2
      years before it: True;
    - 1 or more, the list reaches back 2 years before the start (its coverage start, see
      `Context.coverage_start`) with no such plan, and it holds earlier plans too (some child
      on it twice): False (the previous plan ended earlier);
    - otherwise (List 7 holds each child's latest plan only, so the previous one is rarely in
      it; a blank count): <NA>.
    """

    def build() -> pd.Series:
        cp = ctx.table("annex_a_7", "child_id", "cp_start", "cp_end", "previous_cp_plans")
        start, end = cp["cp_start"], cp["cp_end"]
        previous = pd.to_numeric(cp["previous_cp_plans"], errors="coerce")
        row = range(len(cp))
        plans = pd.DataFrame({"child": cp["child_id"], "end": end, "other": row}).dropna()
        pairs = pd.DataFrame({"child": cp["child_id"], "start": start, "row": row})
        pairs = pairs.merge(plans, on="child")
        recent = (
            (pairs["row"] != pairs["other"])
            & (pairs["end"] <= pairs["start"])
            & (pairs["end"] >= pairs["start"] - REPEAT_WITHIN)
        )
        visible = pd.Series(False, index=cp.index)
        visible.iloc[pairs.loc[recent, "row"].unique()] = True
        out = pd.Series(pd.NA, index=cp.index, dtype="boolean")
        out[(previous == 0).to_numpy()] = False
        out[visible.to_numpy()] = True
        reach = ctx.coverage_start("annex_a_7")
        # only a list holding earlier plans too (some child on it twice) shows every plan
        # that ended in its window; Ofsted's List 7 holds each child's latest plan only
        if reach is not None and cp["child_id"].duplicated().any():
            covered = (start - REPEAT_WITHIN) >= reach
            out[(out.isna() & (previous >= 1) & covered).fillna(False).to_numpy()] = False
        return out

    return ctx.cached("cp_repeat_2yrs", build)


@measure(
    "cp_repeat_2yrs_pct",
    kind="flow",
    agg="pct",
    sources=("annex_a_7",),
    distinct=False,
)
def cp_repeat_2yrs_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """CP plans starting in the period that are a second or subsequent plan whose previous plan
    ended within 2 years. A period with a plan the data cannot decide is not reported (leaving
    it out would understate repeats); the headline then is unavailable, with the count."""
    rows = ctx.in_periods(_cp(ctx).assign(rep=cp_repeat_within_2yrs(ctx)), "cp_start", periods)
    undecided = rows.groupby("pid")["rep"].apply(lambda r: int(r.isna().sum()))
    bad = set(undecided[undecided > 0].index)
    head = int(periods.loc[periods["headline"], "pid"].iloc[0])
    if head in bad:
        raise MeasureUnavailable(
            f"{undecided[head]} of {int((rows['pid'] == head).sum())} CP plans starting in the "
            "quarter had a previous plan whose end date is not in List 7 (it holds each child's "
            "latest plan), so whether it ended within 2 years is unknown"
        )
    ctx.report_only(p for p in periods["pid"] if p not in bad)
    rows = rows[~rows["pid"].isin(bad)]
    return rows.assign(n=rows["rep"].fillna(False).astype(bool))[["pid", "team", "n"]]


@measure(
    "cp_ended_2yrs_plus_pct",
    kind="flow",
    agg="pct",
    sources=("annex_a_7",),
    distinct=False,
)
def cp_ended_2yrs_plus_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """CP plans ending in the period that had lasted 2 years or more (end on or after the
    second anniversary of the start)."""
    rows = ctx.in_periods(_cp(ctx), "cp_end", periods)
    rows = rows[rows["cp_start"].notna()]
    return rows.assign(n=rows["cp_end"] >= rows["cp_start"] + REPEAT_WITHIN)[["pid", "team", "n"]]


@measure("cp_open_2yrs_pct", kind="stock", agg="pct", sources=("annex_a_7",))
def cp_open_2yrs_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children on a CP plan at the date whose plan started two years or more before it."""
    rows = cp_open(ctx, periods)
    return rows.assign(n=rows["cp_start"] <= rows["at"] - pd.DateOffset(years=2))[CP_OUT]


@measure("cp_visits_timely_pct", kind="current", agg="pct", sources=("annex_a_7",))
def cp_visits_timely_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children on a CP plan at the date seen (last statutory visit) within 14 days before it."""
    ctx.table("annex_a_7", "last_visit")
    rows = cp_open(ctx, periods)
    return rows.assign(n=within_days_before(rows["at"], rows["last_visit"], 14))[CP_OUT]


@measure("cp_reviews_timely_pct", kind="current", agg="pct", sources=("annex_a_7",))
def cp_reviews_timely_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children on a CP plan for 3 months or more at the date with a review conference in the
    183 days before it (first review due within 3 months, then at most 6 months apart)."""
    ctx.table("annex_a_7", "last_review")
    rows = cp_open(ctx, periods)
    rows = rows[rows["cp_start"] <= rows["at"] - pd.DateOffset(months=3)]
    reviewed = within_days_before(rows["at"], rows["last_review"], 183) & (
        rows["last_review"] >= rows["cp_start"]
    )
    return rows.assign(n=reviewed)[CP_OUT]


def cin_open_rows(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    return ctx.open_at(_cin(ctx), "cin_start", "cin_end", periods)


@measure("cin_open", kind="stock", agg="count", sources=("annex_a_6",))
def cin_open(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children with a child in need episode open at the date (including CP and CLA)."""
    return cin_open_rows(ctx, periods).assign(n=1)[CP_OUT]


@measure("cin_rate_10k", kind="stock", agg="rate", sources=("annex_a_6",))
def cin_rate_10k(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children in need at the date per 10,000 children."""
    return cin_open_rows(ctx, periods).assign(n=1)[CP_OUT]


@measure("cin_plan_open", kind="current", agg="count", sources=("annex_a_6",))
def cin_plan_open(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children open at the date whose case status is 'Child in need plan'."""
    ctx.table("annex_a_6", "case_status")
    rows = cin_open_rows(ctx, periods)
    return rows[rows["on_plan"]].assign(n=1)[CP_OUT]


@measure("cin_visits_timely_pct", kind="current", agg="pct", sources=("annex_a_6",))
def cin_visits_timely_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children on a child in need plan at the date last seen within 28 days before it."""
    ctx.table("annex_a_6", "case_status", "last_seen")
    rows = cin_open_rows(ctx, periods)
    rows = rows[rows["on_plan"]]
    return rows.assign(n=within_days_before(rows["at"], rows["last_seen"], 28))[CP_OUT]
