"""Children looked after (SSDA903 episodes and reviews, else Annex A List 8)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from selfeval.measures.context import (
    Context,
    _day_values,
    _take,
    add_working_days,
    code,
    is_no,
    is_yes,
    months_before,
    within_days_before,
    working_days,
)
from selfeval.measures.front_door import only, team_of
from selfeval.measures.registry import MeasureUnavailable, measure

CLA_SOURCES = ("ssda903_episodes", "annex_a_8")
OUT = ["pid", "unit", "team", "n"]


def cla_open(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Care episodes open at each date, short breaks (V3/V4) excluded; unit = child."""
    eps = ctx.cla_episodes()
    used = (
        "child",
        "start",
        "end",
        "team",
        "poc_start",
        "place",
        "placed_start",
        "prev_placed_start",
    )
    eps = only(eps[~eps["short_break"]], *used)
    return ctx.open_at(eps, "start", "end", periods).assign(unit=lambda f: f["child"])


def _a8(ctx: Context, *columns: str) -> pd.DataFrame:
    """Annex A List 8 rows, short breaks excluded, with unit and team."""
    a8 = ctx.table("annex_a_8", "child_id", "cla_start", "cla_end", "legal_status", *columns)
    a8 = a8[~code(a8["legal_status"]).isin(["V3", "V4"]).fillna(False)]
    return a8.assign(unit=a8["child_id"], team=team_of(a8))


def latest_only(ctx: Context, what: str) -> None:
    """MeasureUnavailable when the period ends before the extract date and the figure rests on
    a List 8 field holding only its value as at the extract date (`what`): it cannot say what
    was true at the period end."""
    extract = getattr(ctx, "extract_date", None)  # the run's extract date, when known
    if extract is not None and ctx.period_end < pd.Timestamp(extract):
        raise MeasureUnavailable(
            f"Annex A List 8 holds only {what} as at the extract date ({extract:%d %B %Y}), "
            f"which cannot say what was true at the period end ({ctx.period_end:%d %B %Y})"
        )


def _a8_open(ctx: Context, periods: pd.DataFrame, *columns: str) -> pd.DataFrame:
    return ctx.open_at(_a8(ctx, *columns), "cla_start", "cla_end", ctx.headline_only(periods))


@measure("cla", kind="stock", agg="count", sources=CLA_SOURCES)
def cla(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children looked after at the date, excluding short breaks (legal status V3/V4)."""
    return cla_open(ctx, periods).assign(n=1)[OUT]


@measure("cla_rate_10k", kind="stock", agg="rate", sources=CLA_SOURCES)
def cla_rate_10k(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children looked after at the date per 10,000 children."""
    return cla_open(ctx, periods).assign(n=1)[OUT]


def starting(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children starting a period of care (SSDA903 RNE = S; List 8 start) in each period,
    short breaks excluded."""
    eps = ctx.cla_episodes()
    eps = eps[~eps["short_break"] & (eps["rne"] == "S").fillna(False)]
    rows = ctx.in_periods(only(eps, "child", "team", "start"), "start", periods)
    return rows.assign(unit=rows["child"], n=1)[OUT]


def ceasing(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children whose period of care ended in each period (SSDA903 episode end with a reason
    other than X1; List 8 end), short breaks excluded; carries `rec` (reason ceased)."""
    eps = ctx.cla_episodes()
    from_903 = eps["source"] == "ssda903"
    real_end = eps["rec"].notna() & (eps["rec"] != "X1")
    ended = eps["end"].notna() & ~eps["short_break"] & (~from_903 | real_end.fillna(False))
    rows = ctx.in_periods(only(eps[ended], "child", "team", "end", "rec"), "end", periods)
    return rows.assign(unit=rows["child"], n=1)


@measure("cla_starts", kind="flow", agg="count", sources=CLA_SOURCES)
def cla_starts(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children starting to be looked after in the period (SSDA903 RNE = S), short breaks
    excluded."""
    return starting(ctx, periods)


@measure("cla_ceased", kind="flow", agg="count", sources=CLA_SOURCES)
def cla_ceased(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children ceasing to be looked after in the period (episode end with reason not X1)."""
    return ceasing(ctx, periods)[OUT]


@measure("cla_starts_rate_10k", kind="rolling12", agg="rate", sources=CLA_SOURCES)
def cla_starts_rate_10k(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children starting to be looked after in the 12 months to the date (each once) per 10,000
    children (DfE's rate of children starting to be looked after during the year)."""
    return starting(ctx, periods)


@measure("cla_ceased_rate_10k", kind="rolling12", agg="rate", sources=CLA_SOURCES)
def cla_ceased_rate_10k(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children ceasing to be looked after in the 12 months to the date (each once) per 10,000
    children (DfE's rate of children ceasing to be looked after during the year)."""
    return ceasing(ctx, periods)[OUT]


# SSDA903 reasons episode ceased (DfE SSDA903 guide, REC): adopted (E11 unopposed, E12 consent
# dispensed with); special guardianship order (E43-E48, by who the guardian is: former foster
# carers or other carers, relatives or friends or not); child arrangements (formerly residence)
# order (E41)
REC_ADOPTED = ("E11", "E12")
REC_SGO_CAO = ("E41", "E43", "E44", "E45", "E46", "E47", "E48")


def _exits(ctx: Context, periods: pd.DataFrame, reasons: tuple[str, ...]) -> pd.DataFrame:
    rows = ceasing(ctx, periods)
    return rows.assign(n=code(rows["rec"]).isin(reasons).fillna(False).astype(bool))[OUT]


@measure("cla_exits_adoption_pct", kind="rolling12", agg="pct", sources=CLA_SOURCES)
def cla_exits_adoption_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Of children ceasing to be looked after in the 12 months to the date, those adopted
    (reason ceased E11 or E12)."""
    return _exits(ctx, periods, REC_ADOPTED)


@measure("cla_exits_sgo_cao_pct", kind="rolling12", agg="pct", sources=CLA_SOURCES)
def cla_exits_sgo_cao_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Of children ceasing to be looked after in the 12 months to the date, those leaving on a
    special guardianship order (E43-E48) or a child arrangements order (E41)."""
    return _exits(ctx, periods, REC_SGO_CAO)


UASC_SOURCES = (("ssda903_episodes", "ssda903_uasc"), ("annex_a_8",))


def _uasc_rows(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children looked after at each date with `uasc` True/False: SSDA903 UASC table (UASC at
    the date when listed with no date UASC ceased, DUC, or a DUC after it), else Annex A List 8
    'UASC within the last 12 months' (period end only)."""
    if "ssda903_uasc" in ctx.using:
        table = ctx.table("ssda903_uasc", "CHILD", "DUC")
        duc = table.drop_duplicates("CHILD", keep="last").set_index("CHILD")["DUC"]
        rows = cla_open(ctx, periods)
        listed = rows["child"].isin(duc.index)
        ceased = pd.to_datetime(rows["child"].map(duc))
        return rows.assign(uasc=listed & (ceased.isna() | (ceased > rows["at"])))
    latest_only(ctx, "the 'UASC within the last 12 months' flag")
    rows = _a8_open(ctx, periods, "uasc")
    return rows.assign(uasc=is_yes(rows["uasc"]))


@measure("cla_uasc", kind="stock", agg="count", sources=UASC_SOURCES)
def cla_uasc(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Unaccompanied asylum-seeking children looked after at the date."""
    rows = _uasc_rows(ctx, periods)
    return rows[rows["uasc"]].assign(n=1)[OUT]


@measure("cla_rate_10k_excl_uasc", kind="stock", agg="rate", sources=UASC_SOURCES)
def cla_rate_10k_excl_uasc(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children looked after at the date who are not unaccompanied asylum-seeking children,
    per 10,000 children."""
    rows = _uasc_rows(ctx, periods)
    return rows[~rows["uasc"]].assign(n=1)[OUT]


def looked_after_during(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Care episodes (short breaks excluded) open at any time in each period's window
    [win_start, at]: start ≤ at and (no end or end ≥ win_start); unit = child."""
    eps = ctx.cla_episodes()
    eps = only(eps[~eps["short_break"]], "child", "start", "end", "team")
    start, end = _day_values(eps["start"]), _day_values(eps["end"])
    masks = [
        (start <= np.datetime64(p.at)) & (np.isnat(end) | (end >= np.datetime64(p.win_start)))
        for p in periods.itertuples(index=False)
    ]
    rows = _take(eps, masks, periods)
    return rows.assign(unit=rows["child"])


MISSING_SOURCES = (
    ("ssda903_episodes", "ssda903_missing"),
    ("annex_a_8", "ssda903_missing"),
    ("ssda903_episodes", "local_missing"),
    ("annex_a_8", "local_missing"),
    ("annex_a_8",),
)


def _went_missing(ctx: Context, periods: pd.DataFrame) -> set[tuple[int, str]]:
    """(pid, child) pairs of looked after children with a missing episode starting in the
    period's window: SSDA903 missing (MISSING = M, not 'away from placement without
    authorisation'), else local missing with looked_after = Yes."""
    if "ssda903_missing" in ctx.using:
        m = ctx.table("ssda903_missing", "CHILD", "MISSING", "MIS_START")
        m = m[code(m["MISSING"]).eq("M").fillna(False)]
        m = pd.DataFrame({"child": m["CHILD"], "start": m["MIS_START"]})
    else:
        m = ctx.table("local_missing", "child_id", "looked_after", "missing_start")
        m = m[is_yes(m["looked_after"])]
        m = pd.DataFrame({"child": m["child_id"], "start": m["missing_start"]})
    hits = ctx.in_periods(m, "start", periods)
    return set(zip(hits["pid"].astype(int), hits["child"].astype(str), strict=True))


@measure("cla_missing_pct", kind="rolling12", agg="pct", sources=MISSING_SOURCES)
def cla_missing_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Of children looked after at any time in the 12 months to the date, those who went
    missing from care in them (DfE: children who had a missing incident during the year).
    SSDA903 or local missing episodes; else Annex A List 8's missing episodes in the last 12
    months (period end only)."""
    if "ssda903_missing" in ctx.using or "local_missing" in ctx.using:
        rows = looked_after_during(ctx, periods)
        missing = _went_missing(ctx, periods)
        keys = zip(rows["pid"].astype(int), rows["child"].astype(str), strict=True)
        return rows.assign(n=[k in missing for k in keys])[OUT]
    latest_only(ctx, "each child's number of missing episodes in the last 12 months")
    a8 = _a8(ctx, "missing_episodes_12m")
    head = ctx.headline_only(periods)
    rows = _take(a8, [_during_mask(a8, p) for p in head.itertuples(index=False)], head)
    episodes = pd.to_numeric(rows["missing_episodes_12m"], errors="coerce")
    return rows.assign(n=(episodes >= 1).fillna(False))[OUT]


def _during_mask(frame: pd.DataFrame, p: object) -> np.ndarray:
    """List 8 rows looked after at any time in the period's window."""
    start, end = _day_values(frame["cla_start"]), _day_values(frame["cla_end"])
    at, win = np.datetime64(p.at), np.datetime64(p.win_start)  # type: ignore[attr-defined]
    return (start <= at) & (np.isnat(end) | (end >= win))


RHI_SOURCES = (("local_missing",), ("annex_a_8",))


def _rhi(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Looked after children who went missing in the 12 months to each date, with `offered` and
    `accepted` (True / False / NA = unknown) for the return home interview after their last
    missing episode: local missing (offered = rhi_offered, accepted = an interview date), else
    Annex A List 8 (period end only; 'Unknown' or blank is unknown)."""
    if "local_missing" in ctx.using:
        m = ctx.table(
            "local_missing", "child_id", "looked_after", "missing_start", "rhi_offered", "rhi_date"
        )
        m = m[is_yes(m["looked_after"])]
        rows = ctx.in_periods(m, "missing_start", periods)
        rows = rows.sort_values(["pid", "child_id", "missing_start"], kind="stable")
        rows = rows.drop_duplicates(["pid", "child_id"], keep="last")
        offered = _yes_no(rows["rhi_offered"])
        accepted = pd.Series(rows["rhi_date"].notna(), index=rows.index, dtype="boolean")
        return rows.assign(
            unit=rows["child_id"],
            team=ctx.child_team().reindex(rows["child_id"]).to_numpy(),
            offered=offered,
            accepted=accepted.where(offered.fillna(False)),
        )
    latest_only(ctx, "the return interview after each child's last missing episode")
    a8 = _a8(ctx, "missing_episodes_12m", "return_interview_offered", "return_interview_accepted")
    head = ctx.headline_only(periods)
    rows = _take(a8, [_during_mask(a8, p) for p in head.itertuples(index=False)], head)
    went = pd.to_numeric(rows["missing_episodes_12m"], errors="coerce") >= 1
    rows = rows[went.fillna(False)]
    return rows.assign(
        offered=_yes_no(rows["return_interview_offered"]),
        accepted=_yes_no(rows["return_interview_accepted"]),
    )


def _yes_no(series: pd.Series) -> pd.Series:
    """True for yes, False for no, NA for blank or anything else (unknown)."""
    out = pd.Series(pd.NA, index=series.index, dtype="boolean")
    out[is_yes(series)] = True
    out[is_no(series)] = False
    return out


@measure("rhi_offered_pct", kind="rolling12", agg="pct", sources=RHI_SOURCES)
def rhi_offered_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Of looked after children who went missing in the 12 months to the date (whose answer is
    known), those offered a return home interview after their last missing episode."""
    rows = _rhi(ctx, periods)
    rows = rows[rows["offered"].notna()]
    return rows.assign(n=rows["offered"].astype(bool))[OUT]


@measure("rhi_accepted_pct", kind="rolling12", agg="pct", sources=RHI_SOURCES)
def rhi_accepted_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Of looked after children offered a return home interview after their last missing
    episode in the 12 months to the date (whose answer is known), those who accepted it."""
    rows = _rhi(ctx, periods)
    rows = rows[rows["offered"].fillna(False).astype(bool) & rows["accepted"].notna()]
    return rows.assign(n=rows["accepted"].astype(bool))[OUT]


@measure("cla_visits_timely_pct", kind="current", agg="pct", sources=("annex_a_8",))
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
)
def cla_reviews_timely_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children looked after at the date for 20 working days or more with no review overdue
    (see :func:`review_due`; only reviews of the current period of care count). SSDA903 reviews
    when present, else the latest review date on Annex A List 8 (period end only)."""
    if "ssda903_reviews" in ctx.using:
        reviews = ctx.table("ssda903_reviews", "CHILD", "REVIEW")
        rows = cla_open(ctx, periods)
        rows = rows[working_days(rows["poc_start"], rows["at"]) >= 20].reset_index(drop=True)
        count, last = reviews_in_care(rows, reviews)
        due = review_due(rows["poc_start"], last, count)
        return rows.assign(n=(rows["at"] <= due).to_numpy())[OUT]
    rows = _a8_open(ctx, periods, "last_review")
    rows = rows[working_days(rows["cla_start"], rows["at"]) >= 20]
    after = rows["last_review"] > rows["at"]
    if after.any():
        raise MeasureUnavailable(
            f"Annex A List 8 holds only each child's latest review date, and {int(after.sum())} "
            "children's latest review is after the period end: whether their review was up to "
            "date at the period end is not known"
        )
    last = rows["last_review"].where(rows["last_review"] >= rows["cla_start"])
    first_window = add_working_days_each(rows["cla_start"], 20)
    count = np.where(last.isna(), 0, np.where(last <= first_window, 1, 2))
    due = review_due(rows["cla_start"], last, pd.Series(count, index=rows.index))
    return rows.assign(n=rows["at"] <= due)[OUT]


def add_working_days_each(start: pd.Series, days: int) -> pd.Series:
    """The date `days` working days after each start (England and Wales bank holidays;
    :func:`~selfeval.measures.context.add_working_days` once per distinct date)."""
    start = pd.to_datetime(start)
    shifted = {d: add_working_days(pd.Timestamp(d), days) for d in start.dropna().unique()}
    return pd.to_datetime(start.map(shifted))


def review_due(poc_start: pd.Series, last: pd.Series, count: pd.Series) -> pd.Series:
    """When the next looked after review is due (Care Planning, Placement and Case Review
    (England) Regulations 2010, reg. 33; SSDA903 guide): the first within 20 working days of the
    start of the period of care, the second within 3 months of the first, then within 6 months
    of the previous one. `count` is the number of reviews held so far in the period of care,
    `last` the latest of them."""
    first = add_working_days_each(poc_start, 20)
    last = pd.to_datetime(last)
    second = last + pd.DateOffset(months=3)
    later = last + pd.DateOffset(months=6)
    count = pd.Series(np.asarray(count), index=poc_start.index)
    return first.where(count == 0, second.where(count == 1, later))


def reviews_in_care(rows: pd.DataFrame, reviews: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """For each row (child, poc_start, at): how many of the child's reviews fall in the current
    period of care up to the date (poc_start ≤ review ≤ at), and the latest of them. A review
    from an earlier period of care does not count."""
    left = pd.DataFrame(
        {"child": rows["child"].astype(str), "poc": rows["poc_start"], "at": rows["at"]}
    ).reset_index(names="_i")
    right = pd.DataFrame(
        {"child": reviews["CHILD"].astype(str), "review": pd.to_datetime(reviews["REVIEW"])}
    ).dropna()
    pairs = left.merge(right.drop_duplicates(), on="child")
    pairs = pairs[(pairs["review"] >= pairs["poc"]) & (pairs["review"] <= pairs["at"])]
    grouped = pairs.groupby("_i")["review"]
    count = grouped.size().reindex(left["_i"], fill_value=0)
    last = grouped.max().reindex(left["_i"])
    return (
        pd.Series(count.to_numpy(), index=rows.index),
        pd.Series(last.to_numpy(), index=rows.index),
    )


def latest_on_or_before(rows: pd.DataFrame, events: pd.DataFrame, date_col: str) -> pd.Series:
    """For each row (unit, at): the latest `date_col` of the same unit's events on or before at."""
    # both keys in nanoseconds: pandas 3 keeps each column's own resolution, and merge_asof
    # refuses keys of different resolutions
    left = pd.DataFrame(
        {
            "unit": rows["unit"].astype(str),
            "at": pd.to_datetime(rows["at"]).astype("datetime64[ns]"),
            "_i": range(len(rows)),
        }
    ).sort_values("at")
    right = events[["unit", date_col]].dropna().astype({"unit": str, date_col: "datetime64[ns]"})
    right = right.sort_values(date_col)
    right = right.rename(columns={date_col: "_when"})
    merged = pd.merge_asof(
        left, right, left_on="at", right_on="_when", by="unit", direction="backward"
    ).sort_values("_i")
    return pd.Series(merged["_when"].to_numpy(), index=rows.index)


@measure(
    "cla_placements_3plus_pct",
    kind="stock",
    agg="pct",
    sources=("ssda903_episodes", "annex_a_8"),
)
def cla_placements_3plus_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children looked after at the date with 3 or more placements in the 12 months to it.

    SSDA903: placements (stays with one carer, see :func:`~selfeval.measures.context.placements`)
    in place at any time in the 12 months, the one held at the start included; months whose 12
    months the episodes do not reach get no figure. Else Annex A List 8's number of placements in
    the last 12 months (period end only)."""
    if "ssda903_episodes" in ctx.using:
        periods = _window_covered(ctx, periods, "ssda903_episodes")
        eps = ctx.cla_episodes()
        eps = eps[~eps["short_break"]]
        rows = cla_open(ctx, periods).reset_index(drop=True)
        held = placements_held(rows, only(eps, "child", "start", "end", "placement"))
        return rows.assign(n=(held >= 3).to_numpy())[OUT]
    latest_only(ctx, "each child's number of placements in the last 12 months")
    rows = _a8_open(ctx, periods, "placements_last_12m")
    placements = pd.to_numeric(rows["placements_last_12m"], errors="coerce")
    return rows.assign(n=(placements >= 3).fillna(False))[OUT]


COVER_SLACK_DAYS = 7  # an earliest episode end this close after a window start: no event yet


def _window_covered(ctx: Context, periods: pd.DataFrame, table: str) -> pd.DataFrame:
    """The periods whose 12 months to the date the table reaches (the rest report nothing);
    MeasureUnavailable when even the period end's 12 months are not covered. A table whose
    earliest date is at most a week after the 12 months' first day (an SSDA903 year from 1 April
    whose first episode ended on 3 April) is taken to cover them."""
    reach = ctx.coverage_start(table)
    if reach is None:
        return periods
    wins = periods["at"].map(lambda at: months_before(at, 12))
    ok = periods[wins + pd.Timedelta(days=COVER_SLACK_DAYS) >= reach]
    if not ok["headline"].any():
        raise MeasureUnavailable(
            f"{table} reaches back only to {reach:%d/%m/%Y}: the 12 months to the period end "
            "are not covered"
        )
    ctx.report_only(ok["pid"])
    return ok


def placements_held(rows: pd.DataFrame, eps: pd.DataFrame) -> pd.Series:
    """For each row (child, at): the number of the child's placements in place at any time in
    the 12 months ending at `at` (an episode counts when it starts on or before `at` and is open
    after the first day of the 12 months)."""
    left = pd.DataFrame(
        {
            "child": rows["child"].astype(str),
            "at": rows["at"],
            "win": rows["at"].map(lambda at: months_before(at, 12)),
        }
    ).reset_index(names="_i")
    right = eps.assign(child=eps["child"].astype(str))
    pairs = left.merge(right, on="child")
    inside = (pairs["start"] <= pairs["at"]) & (pairs["end"].isna() | (pairs["end"] > pairs["win"]))
    counts = pairs[inside].groupby("_i")["placement"].nunique()
    return pd.Series(counts.reindex(left["_i"], fill_value=0).to_numpy(), index=rows.index)


ADOPTION_PLACEMENTS = ("A3", "A4", "A5", "A6")


@measure(
    "cla_long_term_stability_pct",
    kind="stock",
    agg="pct",
    sources=(("ssda903_episodes", "ssda903_header"), ("annex_a_8",)),
)
def cla_long_term_stability_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children under 16 looked after for 2½ years or more at the date who have lived with the
    same carer for 2 years or more, or who are placed for adoption (placement A3-A6) and whose
    adoptive placement and the placement before it together have lasted 2 years (DfE)."""
    if "ssda903_header" in ctx.using:
        header = ctx.table("ssda903_header", "CHILD", "DOB")
        dob = header.drop_duplicates("CHILD", keep="last").set_index("CHILD")["DOB"]
        rows = cla_open(ctx, periods)
        rows = rows.assign(dob=rows["child"].map(dob))
    else:
        rows = _a8_open(ctx, periods, "dob", "placement_start")
        after = rows["placement_start"] > rows["at"]
        if after.any():
            raise MeasureUnavailable(
                f"Annex A List 8 holds only each child's current placement, and {int(after.sum())} "
                "children's began after the period end: their placement at it is not known"
            )
        place = code(rows["placement_type"]) if "placement_type" in rows else pd.NA
        rows = rows.rename(columns={"cla_start": "poc_start", "placement_start": "placed_start"})
        rows = rows.assign(place=place, prev_placed_start=pd.NaT)
    rows = rows[
        (rows["dob"] > rows["at"] - pd.DateOffset(years=16))
        & (rows["poc_start"] <= rows["at"] - pd.DateOffset(months=30))
    ]
    two_years = rows["at"] - pd.DateOffset(years=2)
    same_carer = rows["placed_start"] <= two_years
    adoptive = rows["place"].isin(ADOPTION_PLACEMENTS).fillna(False) & (
        pd.to_datetime(rows["prev_placed_start"]) <= two_years
    )
    return rows.assign(n=(same_carer | adoptive).fillna(False).astype(bool))[OUT]


def _health(ctx: Context, periods: pd.DataFrame, column: str) -> pd.DataFrame:
    rows = _a8_open(ctx, periods, column)
    rows = rows[rows["cla_start"] <= rows["at"] - pd.DateOffset(years=1)]
    return rows.assign(n=within_days_before(rows["at"], rows[column], 365))[OUT]


@measure(
    "cla_health_assessment_pct",
    kind="current",
    agg="pct",
    sources=("annex_a_8",),
)
def cla_health_assessment_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children looked after for 12 months or more at the date with a health assessment in the
    365 days before it."""
    return _health(ctx, periods, "last_health_assessment")


@measure("cla_dental_check_pct", kind="current", agg="pct", sources=("annex_a_8",))
def cla_dental_check_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children looked after for 12 months or more at the date with a dental check in the 365
    days before it."""
    return _health(ctx, periods, "last_dental_check")


@measure(
    "permanence_plan_2nd_review_pct",
    kind="current",
    agg="pct",
    sources=("annex_a_8",),
)
def permanence_plan_2nd_review_pct(ctx: Context, periods: pd.DataFrame) -> pd.DataFrame:
    """Children looked after for 4 months or more at the date (long enough for a second review)
    with a permanence plan recorded."""
    rows = _a8_open(ctx, periods, "permanence_plan")
    rows = rows[rows["cla_start"] <= rows["at"] - pd.DateOffset(months=4)]
    plan = rows["permanence_plan"].astype("string").str.strip()
    return rows.assign(n=(plan.notna() & (plan != "")).astype(bool))[OUT]
