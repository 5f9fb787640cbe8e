"""Measures from the local datasets: audits, workforce, supervision, early help, missing, EHE,
foster carers (schemas in reference/local_datasets.yaml)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from selfeval.measures.children import cin_open_rows, cp_open
from selfeval.measures.context import (
    DAY,
    SW_ROLES,
    Context,
    add_working_days,
    as_dates,
    is_yes,
    months_before,
    within_days_before,
    working_days,
)
from selfeval.measures.front_door import look_back_supported, only, re_referral_decisions
from selfeval.measures.looked_after import cla_open, latest_on_or_before
from selfeval.measures.registry import MeasureUnavailable, measure

GOOD = ("good", "outstanding")

# ----------------------------------------------------------------------------------- audits


def _audits(ctx: Context, *columns: str) -> pd.DataFrame:
    return ctx.table("local_audits", "audit_date", "team", "theme", *columns)


@measure(
    "audits_completed",
    kind="flow",
    agg="count",
    sources=("local_audits",),
    distinct=False,
)
def audits_completed(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Case audits completed (audit date) in the period."""
    return ctx.in_periods(_audits(ctx), "audit_date", periods)[["pid", "team", "theme"]]


@measure(
    "audits_good_pct",
    kind="flow",
    agg="pct",
    sources=("local_audits",),
    distinct=False,
)
def audits_good_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Audits completed in the period with a grade, graded Good or Outstanding."""
    rows = ctx.in_periods(_audits(ctx, "grade"), "audit_date", periods)
    grade = rows["grade"].astype("string").str.strip().str.lower()
    rows = rows[grade.notna() & (grade != "")].assign(n=grade.isin(GOOD))
    return rows[["pid", "team", "theme", "n"]]


@measure(
    "audit_completion_pct",
    kind="flow",
    agg="pct",
    sources=("local_audits",),
    distinct=False,
)
def audit_completion_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Audits due in the period that had been completed by the period end of the run."""
    rows = ctx.in_periods(_audits(ctx, "due_date"), "due_date", periods)
    done = rows["audit_date"].notna() & (rows["audit_date"] <= ctx.period_end)
    return rows.assign(n=done)[["pid", "team", "n"]]


# -------------------------------------------------------------------------------- workforce


def workforce_at(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Staff in post in the latest workforce snapshot within the month ending at each date
    (periods without a snapshot in that month are not reported)."""
    key = "workforce_at:" + ",".join(map(str, periods["pid"]))
    rows, found = ctx.cached(key, lambda: _workforce_at(ctx, periods))
    ctx.report_only(found)
    return rows


def _workforce_at(ctx: Context, periods: pd.DataFrame) -> tuple[pd.DataFrame, list[int]]:
    wf = ctx.table("local_workforce", "snapshot_date", "staff_id", "team", "role", "fte")
    dates = pd.Series(wf["snapshot_date"].dropna().unique()).sort_values()
    parts = []
    found = []
    for p in periods.itertuples(index=False):
        usable = dates[(dates <= p.at) & (dates >= months_before(p.at, 1))]
        if usable.empty:
            continue
        found.append(p.pid)
        snap = wf[wf["snapshot_date"] == usable.max()]
        if "leave_date" in snap.columns:
            snap = snap[~(snap["leave_date"] <= snap["snapshot_date"]).fillna(False)]
        parts.append(snap.assign(pid=p.pid, at=p.at))
    if not parts:
        return wf.iloc[0:0].assign(
            pid=0, at=pd.NaT, unit=None, fte=0.0, is_sw=False, holding=False
        ), found
    out = pd.concat(parts, ignore_index=True)
    fte = pd.to_numeric(out["fte"], errors="coerce").fillna(0.0)
    is_sw = out["role"].isin(SW_ROLES)
    holding = is_yes(out["case_holding"]) if "case_holding" in out else is_sw
    return out.assign(unit=out["staff_id"], fte=fte, is_sw=is_sw, holding=is_sw & holding), found


@measure("sw_caseload_avg", kind="stock", agg="ratio", sources=("local_workforce",))
def sw_caseload_avg(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Case-holding social workers: total caseload divided by total FTE."""
    ctx.table("local_workforce", "caseload", "case_holding")
    rows = workforce_at(ctx, periods)
    rows = rows[rows["holding"]]
    caseload = pd.to_numeric(rows["caseload"], errors="coerce").fillna(0.0)
    return rows.assign(n=caseload, d=rows["fte"])[["pid", "unit", "team", "n", "d"]]


@measure(
    "sw_over_caseload_target",
    kind="stock",
    agg="count",
    sources=("local_workforce",),
)
def sw_over_caseload_target(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Case-holding social workers whose caseload is above the caseload target (settings)."""
    ctx.table("local_workforce", "caseload", "case_holding")
    rows = workforce_at(ctx, periods)
    caseload = pd.to_numeric(rows["caseload"], errors="coerce")
    over = rows["holding"] & (caseload > ctx.settings.caseload_target).fillna(False)
    return rows[over].assign(n=1)[["pid", "unit", "team", "n"]]


# DfE's "child and family social workers" (Children's social work workforce census): registered
# social workers in children's services at every level, managers included; not family support
# workers or personal advisers.
DFE_SW_ROLES = (*SW_ROLES, "Team manager", "Service manager")


def _employment_is(rows: pd.DataFrame, value: str) -> pd.Series:
    return rows["employment"].astype("string").str.strip().str.lower().eq(value).fillna(False)


@measure("agency_rate_pct", kind="stock", agg="pct", sources=("local_workforce",))
def agency_rate_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """DfE agency worker rate: agency FTE / (agency FTE + employed FTE) of child and family
    social workers (DFE_SW_ROLES) in the workforce snapshot at the date."""
    ctx.table("local_workforce", "employment")
    rows = workforce_at(ctx, periods)
    rows = rows[rows["role"].isin(DFE_SW_ROLES)]
    agency = _employment_is(rows, "agency")
    return rows.assign(n=rows["fte"].where(agency, 0.0), d=rows["fte"])[
        ["pid", "unit", "team", "n", "d"]
    ]


@measure("sw_turnover_pct", kind="stock", agg="pct", sources=("local_workforce",))
def sw_turnover_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """DfE turnover rate: FTE of employed (permanent) child and family social workers who left in
    the 12 months to the date, over the FTE of those in post at the date.

    A leaver is a worker whose latest row on or before the date has a leave date in the 12 months
    to it, or no leave date but who is missing from every later snapshot (taken to have gone by
    the first snapshot without them); the FTE is that row's. Reported only for dates whose 12
    months the snapshots cover (a snapshot on or before the day before the window)."""
    wf = ctx.table("local_workforce", "employment", "leave_date")
    rows = workforce_at(ctx, periods)
    rows = rows[rows["role"].isin(DFE_SW_ROLES) & _employment_is(rows, "permanent")]
    first = wf["snapshot_date"].min()
    periods = periods.assign(year_from=periods["at"].map(lambda d: months_before(d, 12)))
    covered = periods[periods["year_from"] - DAY >= first] if pd.notna(first) else periods[:0]
    if covered.empty:
        starts = f"starts {first:%d/%m/%Y}" if pd.notna(first) else "has no snapshot"
        raise MeasureUnavailable(
            "turnover needs workforce snapshots reaching back 12 months before the date (to see "
            f"the year's leavers); the workforce data {starts}"
        )
    ctx.report_only(covered["pid"])
    gone_by = _gone_by(wf)
    staff = wf[wf["role"].isin(DFE_SW_ROLES) & _employment_is(wf, "permanent")]
    staff = staff.sort_values("snapshot_date", kind="stable")
    parts = []
    for p in covered.itertuples(index=False):
        last = staff[staff["snapshot_date"] <= p.at].drop_duplicates("staff_id", keep="last")
        left_on = as_dates(last["leave_date"]).fillna(last["staff_id"].map(gone_by))
        left = last[(left_on >= p.year_from) & (left_on <= p.at)]
        fte = pd.to_numeric(left["fte"], errors="coerce").fillna(0.0)
        parts.append(
            pd.DataFrame(
                {"pid": p.pid, "unit": "left:" + left["staff_id"].astype(str), "team": left["team"]}
            ).assign(n=fte.to_numpy(), d=0.0)
        )
    in_post = rows.assign(n=0.0, d=rows["fte"])[["pid", "unit", "team", "n", "d"]]
    return pd.concat([in_post, *parts], ignore_index=True)


@measure(
    "sw_vacancy_pct",
    kind="stock",
    agg="pct",
    sources=(("local_workforce", "local_vacancies"),),
)
def sw_vacancy_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """DfE vacancy rate: vacant child and family social worker FTE (posts not filled by an
    employed worker, agency cover included) / (vacant FTE + employed FTE in post), both from the
    snapshots of the same date in the month ending at the date."""
    ctx.table("local_workforce", "employment")
    vac = ctx.table("local_vacancies", "snapshot_date", "team", "vacancy_fte")
    rows = workforce_at(ctx, periods)
    rows = rows[rows["role"].isin(DFE_SW_ROLES) & _employment_is(rows, "permanent")]
    parts = [rows.assign(n=0.0, d=rows["fte"])[["pid", "unit", "team", "n", "d", "snapshot_date"]]]
    for p in periods.itertuples(index=False):
        snap = rows.loc[rows["pid"] == p.pid, "snapshot_date"]
        if snap.empty:
            continue
        v = vac[vac["snapshot_date"] == snap.iloc[0]]
        fte = pd.to_numeric(v["vacancy_fte"], errors="coerce").fillna(0.0).to_numpy()
        units = [f"vacancy:{i}" for i in range(len(v))]
        parts.append(
            pd.DataFrame({"pid": p.pid, "unit": units, "team": v["team"].to_numpy()}).assign(
                n=fte, d=fte, snapshot_date=snap.iloc[0]
            )
        )
    out = pd.concat(parts, ignore_index=True)
    # a month is reported only when both snapshots exist for the same date
    with_vacancies = set(vac["snapshot_date"].dropna())
    ctx.report_only(out.loc[out["snapshot_date"].isin(with_vacancies), "pid"].unique())
    return out[["pid", "unit", "team", "n", "d"]]


def _gone_by(wf: pd.DataFrame) -> pd.Series:
    """Staff id → the first snapshot date after their last appearance (NaT when they are in the
    latest snapshot): by then they had left."""
    dates = np.sort(as_dates(wf["snapshot_date"]).dropna().unique())
    last_seen = wf.groupby("staff_id")["snapshot_date"].max()
    after = np.searchsorted(dates, last_seen.to_numpy(), side="right")
    known = after < len(dates)
    out = np.full(len(last_seen), np.datetime64("NaT"), dtype="datetime64[ns]")
    out[known] = dates[after[known]]
    return pd.Series(out, index=last_seen.index)


@measure("permanent_sw_fte", kind="stock", agg="sum", sources=("local_workforce",))
def permanent_sw_fte(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """FTE of permanent social workers in post."""
    ctx.table("local_workforce", "employment")
    rows = workforce_at(ctx, periods)
    permanent = rows["employment"].astype("string").str.lower().eq("permanent").fillna(False)
    rows = rows[rows["is_sw"] & permanent]
    return rows.assign(n=rows["fte"])[["pid", "unit", "team", "n"]]


@measure("appraisals_pct", kind="stock", agg="pct", sources=("local_workforce",))
def appraisals_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """The plan's cohort: permanent staff, and agency staff in post more than 12 months (start
    date before the 12 months ending at the snapshot), in the snapshot at the date; those with
    an appraisal in the 365 days before the snapshot date. Agency staff without a start date
    cannot be placed and are left out."""
    ctx.table("local_workforce", "appraisal_date", "employment", "start_date")
    rows = workforce_at(ctx, periods)
    year_ago = rows["snapshot_date"].map(lambda d: months_before(d, 12))
    long_agency = _employment_is(rows, "agency") & (as_dates(rows["start_date"]) < year_ago)
    rows = rows[_employment_is(rows, "permanent") | long_agency]
    done = within_days_before(rows["snapshot_date"], rows["appraisal_date"], 365)
    return rows.assign(n=done)[["pid", "unit", "team", "n"]]


@measure(
    "sw_absence_days_avg",
    kind="stock",
    agg="ratio",
    sources=("local_workforce",),
)
def sw_absence_days_avg(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Social workers' sickness absence days in the last 12 months per FTE (where recorded)."""
    ctx.table("local_workforce", "absence_days_12m")
    rows = workforce_at(ctx, periods)
    days = pd.to_numeric(rows["absence_days_12m"], errors="coerce")
    rows = rows[rows["is_sw"] & days.notna()]
    return rows.assign(n=days[rows.index], d=rows["fte"])[["pid", "unit", "team", "n", "d"]]


# ------------------------------------------------------------------------------ supervision


@measure(
    "supervision_timely_pct",
    kind="stock",
    agg="pct",
    sources=(
        ("local_supervision", "annex_a_6"),
        ("local_supervision", "annex_a_7"),
        ("local_supervision", "ssda903_episodes"),
        ("local_supervision", "annex_a_8"),
    ),
)
def supervision_timely_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children open (CIN, CP or looked after) at the date with a case supervision in the 56
    days before it."""
    sup = ctx.table("local_supervision", "child_id", "supervision_date")
    cols = ["pid", "at", "unit", "team"]
    parts = []
    if ctx.has("annex_a_6"):
        parts.append(cin_open_rows(ctx, periods)[cols])
    if ctx.has("annex_a_7"):
        parts.append(cp_open(ctx, periods)[cols])
    if ctx.has("ssda903_episodes") or ctx.has("annex_a_8"):
        parts.append(cla_open(ctx, periods)[cols])
    rows = pd.concat(parts, ignore_index=True)
    last = latest_on_or_before(rows, sup.assign(unit=sup["child_id"]), "supervision_date")
    return rows.assign(n=within_days_before(rows["at"], last, 56))[["pid", "unit", "team", "n"]]


# ------------------------------------------------------------------------------- early help


def _eh(ctx: Context) -> pd.DataFrame:
    def build() -> pd.DataFrame:
        eh = ctx.table("local_early_help", "child_id", "referral_date")
        team = eh["team"] if "team" in eh else pd.Series(pd.NA, index=eh.index)
        used = ("referral_date", "closure_date", "closure_reason", "stepped_down_from_csc")
        re = re_referral_decisions(
            eh["child_id"], eh["referral_date"], ctx.coverage_start("local_early_help")
        )
        return only(eh, *used, "first_seen_date").assign(unit=eh["child_id"], team=team, re=re)

    return ctx.cached("early_help", build)


def _closure_is(frame: pd.DataFrame, reason: str) -> pd.Series:
    value = frame["closure_reason"].astype("string").str.strip().str.lower()
    return value.eq(reason.lower()).fillna(False)


@measure(
    "eh_referrals",
    kind="flow",
    agg="count",
    sources=("local_early_help",),
    distinct=False,
)
def eh_referrals(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Referrals to early help dated in the period (events)."""
    return ctx.in_periods(_eh(ctx), "referral_date", periods)[["pid", "team"]]


@measure("eh_open", kind="stock", agg="count", sources=("local_early_help",))
def eh_open(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children with an early help episode open at the date."""
    ctx.table("local_early_help", "closure_date")
    rows = ctx.open_at(_eh(ctx), "referral_date", "closure_date", periods)
    return rows.assign(n=1)[["pid", "unit", "team", "n"]]


@measure(
    "eh_re_referral_pct",
    kind="flow",
    agg="pct",
    sources=("local_early_help",),
    distinct=False,
)
def eh_re_referral_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Early help referrals in the period where the child had another one 1-365 days earlier,
    of those the data can decide: a previous one visible, or the data reaching 365 days back
    (early help data has no count of earlier referrals; the rest are `eh_re_referral_undecided`).
    Months whose look-back the data does not cover get no trend point."""
    look_back_supported(ctx, periods, "local_early_help")
    rows = ctx.in_periods(_eh(ctx), "referral_date", periods)
    rows = rows[rows["re"].notna()]
    return rows.assign(n=rows["re"].astype(bool))[["pid", "team", "n"]]


@measure(
    "eh_re_referral_undecided",
    kind="flow",
    agg="count",
    sources=("local_early_help",),
    distinct=False,
)
def eh_re_referral_undecided(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Early help referrals in the period left out of `eh_re_referral_pct` (no previous one
    visible within 365 days and the data not reaching 365 days back)."""
    rows = ctx.in_periods(_eh(ctx), "referral_date", periods)
    return rows[rows["re"].isna()][["pid", "team"]]


@measure(
    "eh_closed_disengaged_pct",
    kind="flow",
    agg="pct",
    sources=("local_early_help",),
    distinct=False,
)
def eh_closed_disengaged_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Early help episodes closed in the period because the family disengaged."""
    ctx.table("local_early_help", "closure_date", "closure_reason")
    rows = ctx.in_periods(_eh(ctx), "closure_date", periods)
    return rows.assign(n=_closure_is(rows, "Family disengaged"))[["pid", "team", "n"]]


@measure(
    "eh_step_down",
    kind="flow",
    agg="count",
    sources=("local_early_help",),
    distinct=False,
)
def eh_step_down(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Early help referrals in the period that were a step down from children's social care."""
    ctx.table("local_early_help", "stepped_down_from_csc")
    rows = ctx.in_periods(_eh(ctx), "referral_date", periods)
    return rows[is_yes(rows["stepped_down_from_csc"])][["pid", "team"]]


@measure(
    "eh_step_up",
    kind="flow",
    agg="count",
    sources=("local_early_help",),
    distinct=False,
)
def eh_step_up(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Early help episodes closed in the period because they stepped up to social care."""
    ctx.table("local_early_help", "closure_date", "closure_reason")
    rows = ctx.in_periods(_eh(ctx), "closure_date", periods)
    return rows[_closure_is(rows, "Stepped up to CSC")][["pid", "team"]]


@measure(
    "eh_seen_timely_pct",
    kind="flow",
    agg="pct",
    sources=("local_early_help",),
    distinct=False,
)
def eh_seen_timely_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Early help referrals in the period whose family was first seen within 5 working days.

    Referrals not yet seen at the period end of the run (a first visit after it does not
    count) whose 5 working days had not run out by then are left out (not yet due)."""
    ctx.table("local_early_help", "first_seen_date")

    def build() -> pd.DataFrame:
        eh = _eh(ctx)
        return eh.assign(wd=working_days(eh["referral_date"], eh["first_seen_date"]))

    eh = ctx.cached("early_help_seen", build)
    rows = ctx.in_periods(eh, "referral_date", periods)
    deadline = add_working_days(ctx.period_end, -5)
    # a first visit after the period end had not happened at it (the extract may be later)
    seen = (rows["first_seen_date"] <= ctx.period_end).fillna(False)
    pending = ~seen & (rows["referral_date"] > deadline)
    rows, seen = rows[~pending], seen[~pending]
    return rows.assign(n=seen & (rows["wd"] <= 5))[["pid", "team", "n"]]


# ---------------------------------------------------------------------------------- missing


@measure(
    "missing_risk_assessment_pct",
    kind="flow",
    agg="pct",
    sources=("local_missing",),
    distinct=False,
)
def missing_risk_assessment_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Missing episodes with a return home interview in the period that have a completed missing
    risk assessment."""
    missing = ctx.table("local_missing", "rhi_date", "risk_assessment_date")
    rows = ctx.in_periods(missing, "rhi_date", periods)
    return rows.assign(n=rows["risk_assessment_date"].notna())[["pid", "n"]]


# -------------------------------------------------------------------------------------- EHE


def _ehe_open(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    ehe = ctx.table("local_ehe", "child_id", "start_date", "end_date")
    return ctx.open_at(ehe.assign(unit=ehe["child_id"]), "start_date", "end_date", periods)


@measure("ehe_open", kind="stock", agg="count", sources=("local_ehe",))
def ehe_open(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children registered as electively home educated at the date."""
    return _ehe_open(ctx, periods).assign(n=1)[["pid", "unit", "n"]]


@measure("ehe_vulnerable_allocated_pct", kind="current", agg="pct", sources=("local_ehe",))
def ehe_vulnerable_allocated_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Vulnerable EHE children (known to social care or early help) allocated an EHE officer."""
    ctx.table("local_ehe", "vulnerable", "allocated")
    rows = _ehe_open(ctx, periods)
    rows = rows[is_yes(rows["vulnerable"])]
    return rows.assign(n=is_yes(rows["allocated"]))[["pid", "unit", "n"]]


@measure("ehe_engaged_pct", kind="current", agg="pct", sources=("local_ehe",))
def ehe_engaged_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Vulnerable EHE children whose family is engaging with the EHE service."""
    ctx.table("local_ehe", "vulnerable", "engagement")
    rows = _ehe_open(ctx, periods)
    rows = rows[is_yes(rows["vulnerable"])]
    engaged = rows["engagement"].astype("string").str.strip().str.lower().eq("engaged")
    return rows.assign(n=engaged.fillna(False))[["pid", "unit", "n"]]


# ---------------------------------------------------------------------------- foster carers


def _mainstream(ctx: Context) -> pd.DataFrame:
    fc = ctx.table(
        "local_foster_carers", "household_id", "carer_type", "approval_date", "deregistration_date"
    )
    mainstream = fc["carer_type"].astype("string").str.strip().str.lower().eq("mainstream")
    return fc[mainstream.fillna(False)].assign(unit=lambda f: f["household_id"])


@measure("foster_carers_mainstream", kind="stock", agg="count", sources=("local_foster_carers",))
def foster_carers_mainstream(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Mainstream foster carer households approved and not deregistered at the date."""
    rows = ctx.open_at(_mainstream(ctx), "approval_date", "deregistration_date", periods)
    return rows.assign(n=1)[["pid", "unit", "n"]]


@measure("foster_carer_approvals", kind="flow", agg="count", sources=("local_foster_carers",))
def foster_carer_approvals(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Mainstream foster carer households approved in the period."""
    rows = ctx.in_periods(_mainstream(ctx), "approval_date", periods)
    return rows.assign(n=1)[["pid", "unit", "n"]]


@measure(
    "foster_carer_approvals_12m", kind="rolling12", agg="count", sources=("local_foster_carers",)
)
def foster_carer_approvals_12m(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Mainstream foster carer households approved in the 12 months to the date."""
    rows = ctx.in_periods(_mainstream(ctx), "approval_date", periods)
    return rows.assign(n=1)[["pid", "unit", "n"]]
