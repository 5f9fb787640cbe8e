"""Contacts, referrals, assessments, section 47 enquiries and ICPCs (Annex A Lists 1, 3, 4, 5)."""

from __future__ import annotations

import pandas as pd

from selfeval.measures.context import Context, as_dates, is_no, is_yes, working_days
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


RE_REFERRAL_DAYS = 365  # "within 12 months of a previous referral" (DfE), read as 1-365 days


def re_referral_decisions(
    child: pd.Series,
    when: pd.Series,
    covered_from: pd.Timestamp | None,
    last_12m: pd.Series | None = None,
    extract_date: pd.Timestamp | None = None,
) -> pd.Series:
    """Each referral decided: True (a re-referral: the child had a referral 1-365 days before
    it), False (a first referral within 12 months), <NA> (the data cannot say).

    The rules, in order:
    1. a visible previous referral of the child 1-365 days earlier: True;
    2. the data covers the 365 days before the referral (`covered_from` on or before that day)
       and none is visible: False;
    3. the Annex A List 3 count `last_12m` ("Number of Referrals in Last 12 Months": referrals
       in the 12 months before the child's LATEST referral, same on every row; Ofsted Annex A
       guidance) minus the child's referrals visible 1-365 days before that latest referral is
       the number of hidden ones, all dated before `covered_from`:
       - the latest referral itself: True when hidden > 0, False when hidden = 0;
       - an earlier referral: True when hidden > 0 (a hidden referral lies within the 365 days
         before the latest referral, so within the 365 days before this one too); when hidden
         = 0 the days before the latest referral's window are still unknown: <NA>;
    4. else <NA> (no count, a blank count, or a count smaller than the visible referrals).
    The child's latest referral is their latest on or before `extract_date` (when given).
    """
    when = as_dates(when)
    frame = pd.DataFrame({"child": child.to_numpy(), "when": when.to_numpy()}, index=child.index)
    gap = days_since_previous(frame, "child", "when")
    out = pd.Series(pd.NA, index=child.index, dtype="boolean")
    out[gap.between(1, RE_REFERRAL_DAYS).to_numpy()] = True
    if covered_from is not None:
        covered = (when - pd.Timedelta(days=RE_REFERRAL_DAYS)) >= covered_from
        out[out.isna() & covered.fillna(False)] = False
    else:  # no dates at all: nothing to decide
        return out
    if last_12m is None:
        return out
    known = when if extract_date is None else when.where(when <= extract_date)
    latest = known.groupby(frame["child"]).transform("max")
    count = pd.to_numeric(last_12m, errors="coerce")
    on_latest = count.where(when == latest).groupby(frame["child"]).transform("max")
    count = on_latest.fillna(count.groupby(frame["child"]).transform("max"))
    before_latest = (latest - when).dt.days.between(1, RE_REFERRAL_DAYS)
    visible = before_latest.groupby(frame["child"]).transform("sum")
    hidden = count - visible
    todo = out.isna() & when.notna() & latest.notna()
    is_latest = when == latest
    out[todo & (hidden > 0).fillna(False)] = True
    out[todo & is_latest & (hidden == 0).fillna(False)] = False
    return out


def _referrals(ctx: Context) -> pd.DataFrame:
    """Annex A List 3 with derived columns: team, days since the child's previous referral,
    `re` (re-referral decided: True / False / <NA> undecided, see `re_referral_decisions`)."""

    def build() -> pd.DataFrame:
        a3 = ctx.table("annex_a_3", "child_id", "referral_date")
        count = a3["referrals_last_12m"] if "referrals_last_12m" in a3 else None
        re = re_referral_decisions(
            a3["child_id"],
            a3["referral_date"],
            ctx.coverage_start("annex_a_3"),
            count,
            ctx.extract_date,
        )
        return only(a3, "referral_date", "referral_nfa").assign(
            team=team_of(a3), gap=days_since_previous(a3, "child_id", "referral_date"), re=re
        )

    return ctx.cached("referrals", build)


def look_back_supported(
    ctx: Context, periods: pd.DataFrame, table: str, days: int = RE_REFERRAL_DAYS
) -> None:
    """Report only the headline and the months whose whole look-back (`days` before the month
    starts) the table covers: a month that leans on a partial look-back gets no trend point."""
    start = ctx.coverage_start(table)
    if start is None:
        return
    ok = periods["headline"] | (periods["win_start"] - pd.Timedelta(days=days) >= start)
    ctx.report_only(periods.loc[ok, "pid"])


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


@measure("contacts_rate_10k", kind="rolling12", agg="rate", sources=("annex_a_1",), distinct=False)
def contacts_rate_10k(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Contacts in the 12 months ending at the date per 10,000 children (only when the data
    covers the 12 months)."""
    a1 = ctx.table("annex_a_1", "contact_date")
    return ctx.in_periods(a1[["contact_date"]], "contact_date", periods)[["pid"]]


@measure(
    "referrals",
    kind="flow",
    agg="count",
    sources=("annex_a_3",),
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
    distinct=False,
)
def re_referral_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Referrals in the period that were within 12 months (1-365 days) of a previous referral,
    of the referrals the data can decide (`re_referral_decisions`; the rest are counted by
    `re_referral_undecided`)."""
    look_back_supported(ctx, periods, "annex_a_3")
    rows = ctx.in_periods(_referrals(ctx), "referral_date", periods)
    rows = rows[rows["re"].notna()]
    return rows.assign(n=rows["re"].astype(bool))[["pid", "team", "n"]]


@measure(
    "re_referral_undecided",
    kind="flow",
    agg="count",
    sources=("annex_a_3",),
    distinct=False,
)
def re_referral_undecided(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Referrals in the period left out of `re_referral_pct`: the extract does not reach 12
    months back from them and List 3's count cannot decide."""
    rows = ctx.in_periods(_referrals(ctx), "referral_date", periods)
    return rows[rows["re"].isna()][["pid", "team"]]


@measure(
    "referral_nfa_pct",
    kind="flow",
    agg="pct",
    sources=("annex_a_3",),
    distinct=False,
)
def referral_nfa_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Referrals in the period with Referral NFA? = Yes, of those answered Yes or No (a blank
    answer is unknown: left out of the numerator and the denominator)."""
    ctx.table("annex_a_3", "referral_nfa")
    rows = ctx.in_periods(_referrals(ctx), "referral_date", periods)
    yes, no = is_yes(rows["referral_nfa"]), is_no(rows["referral_nfa"])
    rows = rows[yes | no]
    return rows.assign(n=yes[yes | no])[["pid", "team", "n"]]


@measure(
    "assessments_completed",
    kind="flow",
    agg="count",
    sources=("annex_a_4",),
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
    distinct=False,
)
def assessment_nfa_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Assessments authorised in the period where the child was assessed as not in need, of
    those whose answer is Yes or No (a blank answer is unknown, not "no": it is left out of the
    numerator and the denominator)."""
    ctx.table("annex_a_4", "assessed_in_need")
    rows = ctx.in_periods(_assessments(ctx), "assessment_authorised", periods)
    yes, no = is_yes(rows["assessed_in_need"]), is_no(rows["assessed_in_need"])
    rows = rows[yes | no]
    return rows.assign(n=no[yes | no])[["pid", "team", "n"]]


@measure(
    "s47_enquiries",
    kind="flow",
    agg="count",
    sources=("annex_a_5",),
    distinct=False,
)
def s47_enquiries(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Strategy discussions initiating a section 47 enquiry dated in the period."""
    return ctx.in_periods(_s47(ctx), "strategy_date", periods)[["pid", "team"]]


@measure("s47_rate_10k", kind="rolling12", agg="rate", sources=("annex_a_5",), distinct=False)
def s47_rate_10k(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Section 47 enquiries (strategy discussions initiating one) in the 12 months ending at the
    date per 10,000 children, as DfE's annual rate (only when the data covers the 12 months)."""
    return ctx.in_periods(_s47(ctx), "strategy_date", periods)[["pid"]]


@measure(
    "icpc_timely_pct",
    kind="flow",
    agg="pct",
    sources=("annex_a_5",),
    distinct=False,
)
def icpc_timely_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """ICPCs in the period held within 15 working days of the strategy discussion."""
    ctx.table("annex_a_5", "icpc_date")
    rows = ctx.in_periods(_s47(ctx), "icpc_date", periods)
    return rows.assign(n=rows["wd"] <= 15)[["pid", "team", "n"]]
