"""The run context: input tables, periods, conventions and derived columns computed once per run."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from selfeval.bank_holidays import holidays_spanning
from selfeval.config import Settings
from selfeval.errors import UserError
from selfeval.measures.registry import Kind, MeasureUnavailable

MONTHS_OF_TREND = 24
DAY = pd.Timedelta(days=1)

# The date columns that show how far back each table reaches (first non-empty one wins). For lists
# of episodes open during a window (Annex A 6-8) the earliest *end* date is close to the window
# start, so a month is only trusted once the table holds a closure on or before it starts.
COVERAGE_COLUMNS: dict[str, tuple[str, ...]] = {
    "annex_a_1": ("contact_date",),
    "annex_a_2": ("eh_assessment_start",),
    "annex_a_3": ("referral_date",),
    "annex_a_4": ("assessment_authorised", "assessment_start"),
    "annex_a_5": ("strategy_date",),
    "annex_a_6": ("cin_end", "cin_start"),
    "annex_a_7": ("cp_end", "cp_start"),
    "annex_a_8": ("cla_end", "cla_start"),
    "annex_a_10": ("adoption_order", "placement_decision"),
    "ssda903_episodes": ("DEC", "DECOM"),
    "ssda903_reviews": ("REVIEW",),
    "ssda903_header": (),
    "local_audits": ("audit_date", "due_date"),
    "local_workforce": (),  # each month uses its own snapshot (none in the month: no row)
    "local_vacancies": (),  # as the workforce
    "local_supervision": ("supervision_date",),
    "local_early_help": ("referral_date",),
    "local_missing": ("missing_start",),
    "local_ehe": ("end_date", "start_date"),
    "local_foster_carers": ("deregistration_date", "approval_date"),
}

# Annex A lists of events or episodes: each covers whole months before the extract date (Ofsted
# asks for 6-12), so an earliest date a few days after such a window start means no event fell
# on those first days, not a shorter list (see `list_window_start`).
ANNEX_A_WINDOW_LISTS = tuple(f"annex_a_{n}" for n in range(1, 9))
WINDOW_SLACK_DAYS = 7

SHORT_BREAKS = ("V3", "V4")
SW_ROLES = ("Social worker", "Senior practitioner", "Advanced practitioner")


def as_dates(series: pd.Series) -> pd.Series:
    """A column as datetime64 (already-typed columns pass through without re-parsing)."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return series
    return pd.to_datetime(series, errors="coerce", cache=False)


def working_days(start: pd.Series, end: pd.Series) -> pd.Series:
    """Weekdays that are not bank holidays in [start, end) (numpy.busday_count).

    NaN where either date is blank; BankHolidaysNotCovered for a year the calendar lacks."""
    start, end = as_dates(start), as_dates(end)
    ok = start.notna() & end.notna()
    out = pd.Series(np.nan, index=start.index, dtype="float64")
    if ok.any():
        s = start[ok].to_numpy().astype("datetime64[D]")
        e = end[ok].to_numpy().astype("datetime64[D]")
        out[ok] = np.busday_count(s, e, holidays=holidays_spanning(s, e))
    return out


def add_working_days(start: pd.Timestamp, days: int) -> pd.Timestamp:
    """The date `days` working days after `start` (rolled forward to a working day first)."""
    day = np.datetime64(start.date())
    # n working days span fewer than 2n + 30 calendar days (weekends and bank holidays)
    span = holidays_spanning(np.array([day]), margin_days=2 * abs(days) + 30)
    return pd.Timestamp(np.busday_offset(day, days, roll="forward", holidays=span))


def code(series: pd.Series) -> pd.Series:
    """The leading code of a value, upper-case: 'F1: Full time…' / 'RC8 - Case…' / 'f1' → 'F1'."""
    s = series.astype("string").str.strip()
    return s.str.extract(r"^([A-Za-z0-9]+)", expand=False).str.upper()


def is_yes(series: pd.Series) -> pd.Series:
    """True where a normalised yes/no value is Yes (blank is not yes)."""
    return series.astype("string").str.strip().str.lower().isin(["yes", "y"]).fillna(False)


def is_no(series: pd.Series) -> pd.Series:
    return series.astype("string").str.strip().str.lower().isin(["no", "n"]).fillna(False)


def within_days_before(at: pd.Series, when: pd.Series, days: int) -> pd.Series:
    """0 ≤ (at − when) ≤ days, in calendar days (False when `when` is blank)."""
    gap = (as_dates(at) - as_dates(when)).dt.days
    return gap.between(0, days).fillna(False).astype(bool)


@functools.lru_cache(maxsize=4096)
def months_before(d: pd.Timestamp, months: int) -> pd.Timestamp:
    """The first day of the window of `months` calendar months ending on d: (d + 1 day) − months.
    Remembered: measures ask for the same few month ends thousands of times."""
    return (d + DAY) - pd.DateOffset(months=months)


def list_window_start(
    earliest: pd.Timestamp, extract_date: date, slack_days: int = WINDOW_SLACK_DAYS
) -> pd.Timestamp:
    """The start of the whole-month window before the extract date that a list whose earliest
    date is `earliest` evidently covers: the latest ``months_before(extract_date, k)`` on or
    before `earliest`, when it is at most `slack_days` earlier; else `earliest` itself."""
    on = pd.Timestamp(extract_date)
    for k in range(1, 241):
        start = months_before(on, k)
        if start <= earliest:
            return start if (earliest - start).days <= slack_days else earliest
    return earliest


class PeriodEndError(UserError):
    """The period end is after the extract date: the data cannot say what happened after it."""


def resolve_period_end(requested: date | None, extract_date: date) -> date:
    """The run's period end: `requested`, else the extract date; a period end after the extract
    date is refused (PeriodEndError, exit 2): nothing after the extract date is in the data."""
    if requested is None:
        return extract_date
    if requested > extract_date:
        raise PeriodEndError(
            f"the period end {requested:%d %B %Y} is after the extract date "
            f"{extract_date:%d %B %Y}: the extract cannot say what happened after it was taken. "
            f"Give --period-end {extract_date.isoformat()} or earlier."
        )
    return requested


def latest_only_reason(period_end: date, extract_date: date) -> str:
    """Why a measure of kind "current" is blank when the period ends before the extract date."""
    return (
        f"the source holds only the latest value as at the extract date ({extract_date:%d %B %Y}), "
        f"which cannot say what was true at the period end ({period_end:%d %B %Y}); "
        "run with the period end on the extract date"
    )


def build_periods(period_end: date, kind: Kind) -> pd.DataFrame:
    """The periods a measure of this kind is reported for.

    Columns: pid, period_type, period_start, period_end (as reported), at (the as-at date or the
    window end), win_start (first day events count from), check (the date the data must reach),
    headline (the quarter / snapshot row at the period end).
    """
    end = pd.Timestamp(period_end)
    rows: list[dict[str, Any]] = []
    if kind != "current":
        first = end.to_period("M")
        for i in range(MONTHS_OF_TREND - 1, -1, -1):
            month = first - i
            m_start = month.start_time.normalize()
            m_end = min(month.end_time.normalize(), end)
            if kind == "flow":
                win, check = m_start, m_start
            elif kind == "stock":
                win, check = m_end, m_start
            else:
                win = months_before(m_end, 12)
                check = win
            rows.append(
                dict(
                    period_type="month",
                    period_start=m_start,
                    period_end=m_end,
                    at=m_end,
                    win_start=win,
                    check=check,
                    headline=False,
                )
            )
    if kind == "flow":
        q_start = months_before(end, 3)
        rows.append(
            dict(
                period_type="quarter",
                period_start=q_start,
                period_end=end,
                at=end,
                win_start=q_start,
                check=q_start,
                headline=True,
            )
        )
    else:
        win = months_before(end, 12) if kind == "rolling12" else end
        start = win if kind == "rolling12" else end
        rows.append(
            dict(
                period_type="snapshot",
                period_start=start,
                period_end=end,
                at=end,
                win_start=win,
                check=win,
                headline=True,
            )
        )
    frame = pd.DataFrame(rows)
    frame.insert(0, "pid", range(len(frame)))
    return frame


class Context:
    """Everything a measure function may read: tables, settings, the run's period end, helpers.

    Derived columns (working days, previous referral gaps, cleaned SSDA903 episodes) are cached
    here so each is computed once per run whatever the number of periods and measures.
    """

    def __init__(
        self,
        tables: Mapping[str, pd.DataFrame],
        period_end: date,
        settings: Settings,
        extract_date: date | None = None,
    ) -> None:
        # the mapping itself, not a copy: tables read from the store are read when first used
        self.tables = _Tracked(tables, self)
        self.period_end = pd.Timestamp(period_end)
        # None (tables given directly, e.g. tests): taken to be the period end
        self.extract_date = pd.Timestamp(extract_date if extract_date is not None else period_end)
        self.settings = settings
        self.using: tuple[str, ...] = ()
        self.reported_pids: set[int] | None = None
        self._cache: dict[str, Any] = {}
        self._depends: dict[str, set[str]] = {}  # cache key → tables read to build it
        self._reading: list[set[str]] = []  # tables read by the cached values being built

    # -- tables ---------------------------------------------------------------------------------
    def has(self, name: str) -> bool:
        return name in self.tables

    def table(self, name: str, *columns: str) -> pd.DataFrame:
        """The table, or MeasureUnavailable naming what is missing."""
        if name not in self.tables:
            raise MeasureUnavailable(f"the extract has no {name} table")
        frame = self.tables[name]
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise MeasureUnavailable(f"{name} has no column {', '.join(missing)}")
        return frame

    def cached(self, key: str, build: Callable[[], Any]) -> Any:
        if key in self._cache:
            self._read(self._depends.get(key, ()))
            return self._cache[key]
        self._reading.append(set())
        try:
            value = build()
        finally:
            read = self._reading.pop()
        self._cache[key] = value
        self._depends[key] = read
        self._read(read)
        return value

    def _read(self, names: Iterable[str]) -> None:
        """Note tables read, for every cached value being built."""
        for reading in self._reading:
            reading.update(names)

    def forget(self, names: Iterable[str]) -> None:
        """Drop cached values built from these tables (they are built again if needed)."""
        names = set(names)
        for key in [k for k, read in self._depends.items() if read & names]:
            self._cache.pop(key, None)
            self._depends.pop(key, None)

    def coverage_start(self, name: str) -> pd.Timestamp | None:
        """The earliest date the table's events reach (see COVERAGE_COLUMNS), else None; for an
        Annex A list of events or episodes, the start of the whole-month window it evidently
        covers (`list_window_start`)."""

        def build() -> pd.Timestamp | None:
            frame = self.tables.get(name)
            if frame is None:
                return None
            for col in COVERAGE_COLUMNS.get(name, ()):
                if col in frame.columns:
                    values = as_dates(frame[col]).dropna()
                    if len(values):
                        earliest = values.min().normalize()
                        if name in ANNEX_A_WINDOW_LISTS:
                            return list_window_start(earliest, self.extract_date)
                        return earliest
            return None

        return self.cached(f"coverage:{name}", build)

    # -- periods ----------------------------------------------------------------------------------
    @staticmethod
    def in_periods(frame: pd.DataFrame, date_col: str, periods: pd.DataFrame) -> pd.DataFrame:
        """Rows whose `date_col` falls in each period's [win_start, at], tagged with pid and at."""
        dates = _day_values(frame[date_col])
        masks = [
            (dates >= np.datetime64(p.win_start)) & (dates <= np.datetime64(p.at))
            for p in periods.itertuples(index=False)
        ]
        return _take(frame, masks, periods)

    @staticmethod
    def open_at(
        frame: pd.DataFrame,
        start_col: str,
        end_col: str,
        periods: pd.DataFrame,
        *,
        blank_start_open: bool = False,
    ) -> pd.DataFrame:
        """Rows open at each period's `at` (start ≤ at and (end blank or end > at)), tagged."""
        start, end = _day_values(frame[start_col]), _day_values(frame[end_col])
        no_start, no_end = np.isnat(start), np.isnat(end)
        masks = []
        for p in periods.itertuples(index=False):
            at = np.datetime64(p.at)
            started = (start <= at) | (no_start if blank_start_open else False)
            masks.append(started & (no_end | (end > at)))
        return _take(frame, masks, periods)

    @staticmethod
    def as_at(frame: pd.DataFrame, periods: pd.DataFrame) -> pd.DataFrame:
        """Every row at every period (for lists that are a snapshot, such as care leavers)."""
        every = np.ones(len(frame), dtype=bool)
        return _take(frame, [every for _ in range(len(periods))], periods)

    def headline_only(self, periods: pd.DataFrame) -> pd.DataFrame:
        """The headline period only; tells the engine this measure reports no month rows this run
        (its source holds only the latest values)."""
        head = periods[periods["headline"]]
        self.report_only(head["pid"])
        return head

    def report_only(self, pids: Iterable[int]) -> None:
        """Tell the engine to report only these periods for the current measure (the others
        have no data: no snapshot in the month, or the source holds only latest values)."""
        chosen = set(int(p) for p in pids)
        self.reported_pids = chosen if self.reported_pids is None else self.reported_pids & chosen

    # -- shared derived tables -------------------------------------------------------------------
    def child_team(self) -> pd.Series:
        """Child id → allocated team from Annex A List 8 (latest row), for SSDA903 breakdowns."""

        def build() -> pd.Series:
            a8 = self.tables.get("annex_a_8")
            if a8 is None or "allocated_team" not in a8.columns:
                return pd.Series(dtype="object")
            rows = a8.dropna(subset=["allocated_team"]).sort_values("cla_start", kind="stable")
            return rows.drop_duplicates("child_id", keep="last").set_index("child_id")[
                "allocated_team"
            ]

        return self.cached("child_team", build)

    def cla_episodes(self) -> pd.DataFrame:
        """Care episodes (child, start, end, legal_status, rne, rec, place, team, poc_start,
        placement, placed_start, prev_placed_start).

        From SSDA903 episodes when present (de-duplicated on CHILD+DECOM, latest YEAR wins), else
        from Annex A List 8 (one row per period of care). Short breaks (V3/V4) are kept, flagged
        ``short_break``; measures drop them. ``poc_start`` is the start of the period of care the
        episode belongs to. A placement is a stay with the same carer (SSDA903 guide: a new
        placement starts with reason for new episode S, P or B, a change of carer; T and U change
        the placement type with the same carer and L the legal status only): ``placement`` numbers
        them, ``placed_start`` is when the child moved in with the carer, ``prev_placed_start``
        when the placement before it (same period of care) began.
        """
        return self.cached("cla_episodes", self._build_cla_episodes)

    def _build_cla_episodes(self) -> pd.DataFrame:
        if "ssda903_episodes" in self.tables:
            ep = self.table("ssda903_episodes", "CHILD", "DECOM", "DEC", "LS")
            if "YEAR" in ep.columns:
                ep = ep.sort_values("YEAR", kind="stable")
            ep = ep.dropna(subset=["DECOM"]).drop_duplicates(["CHILD", "DECOM"], keep="last")
            ep = ep.sort_values(["CHILD", "DECOM"], kind="stable")
            rne = ep["RNE"].astype("string").str.upper() if "RNE" in ep else pd.Series("", ep.index)
            out = pd.DataFrame(
                {
                    "child": ep["CHILD"].astype("string"),
                    "start": ep["DECOM"],
                    "end": ep["DEC"],
                    "legal_status": ep["LS"].astype("string").str.upper(),
                    "rne": rne,
                    "rec": ep["REC"].astype("string").str.upper() if "REC" in ep else pd.NA,
                    "place": code(ep["PLACE"]) if "PLACE" in ep else pd.NA,
                },
                index=ep.index,
            )
            out = out.join(placements(out))
            out["team"] = out["child"].map(self.child_team())
            out["source"] = "ssda903"
        else:
            a8 = self.table("annex_a_8", "child_id", "cla_start", "cla_end", "legal_status")
            out = pd.DataFrame(
                {
                    "child": a8["child_id"].astype("string"),
                    "start": a8["cla_start"],
                    "end": a8["cla_end"],
                    "legal_status": code(a8["legal_status"]),
                    "rne": "S",
                    "rec": code(a8["reason_ceased"]) if "reason_ceased" in a8 else pd.NA,
                    "place": code(a8["placement_type"]) if "placement_type" in a8 else pd.NA,
                    "poc_start": a8["cla_start"],
                    "placement": np.arange(len(a8)),
                    "placed_start": a8["placement_start"] if "placement_start" in a8 else pd.NaT,
                    "prev_placed_start": pd.NaT,
                    "team": a8["allocated_team"] if "allocated_team" in a8 else pd.NA,
                    "source": "annex_a_8",
                },
                index=a8.index,
            )
        out["short_break"] = out["legal_status"].isin(SHORT_BREAKS).fillna(False)
        return out

    def population(self, at: pd.Timestamp) -> int:
        return self.settings.population(pd.Timestamp(at).year)


class _Tracked(Mapping[str, pd.DataFrame]):
    """The run's tables as a read-only mapping that tells the context which tables are read."""

    def __init__(self, tables: Mapping[str, pd.DataFrame], ctx: Context) -> None:
        self._tables = tables
        self._ctx = ctx

    def __getitem__(self, name: str) -> pd.DataFrame:
        table = self._tables[name]
        self._ctx._read((name,))
        return table

    def __contains__(self, name: object) -> bool:
        return name in self._tables

    def __iter__(self) -> Iterator[str]:
        return iter(self._tables)

    def __len__(self) -> int:
        return len(self._tables)


def _day_values(series: pd.Series) -> np.ndarray:
    """A date column as a datetime64[ns] numpy array (NaT for blanks)."""
    return as_dates(series).to_numpy(dtype="datetime64[ns]")


def _take(frame: pd.DataFrame, masks: list[np.ndarray], periods: pd.DataFrame) -> pd.DataFrame:
    """Stack the rows selected by each period's mask (one take), adding pid and at columns."""
    picks = [np.flatnonzero(m) for m in masks]
    idx = np.concatenate(picks) if picks else np.array([], dtype=int)
    which = np.repeat(np.arange(len(picks)), [len(p) for p in picks])
    out = frame.iloc[idx].reset_index(drop=True)
    out["pid"] = periods["pid"].to_numpy()[which]
    out["at"] = periods["at"].to_numpy()[which]
    return out


NEW_CARER = ("S", "P", "B")  # SSDA903 reasons for new episode that change the carer


def _flags(mask: pd.Series) -> pd.Series:
    """A boolean mask as numpy bool (missing = False), whatever the dtype it came in."""
    return pd.Series(mask.fillna(False).to_numpy(dtype=bool), index=mask.index)


def placements(eps: pd.DataFrame) -> pd.DataFrame:
    """Periods of care and placements of SSDA903 episodes sorted by child and start.

    A period of care starts at reason for new episode (RNE) S, where the previous episode ended
    before this one began, or at the child's first episode. A placement (a stay with one carer)
    starts with the period of care or at RNE S, P or B (a change of carer); T and U (new
    placement type, same carer) and L (legal status only) continue it. Columns: poc_start,
    placement (an id), placed_start, prev_placed_start (the previous placement in the same period
    of care; NaT for the first)."""
    prev_end = eps.groupby("child")["end"].shift()
    # plain numpy booleans: comparisons on the string dtype give bool[pyarrow] under pandas 3,
    # which has no cumulative sum
    new_poc = _flags(
        (eps["rne"] == "S").fillna(False) | prev_end.isna() | (prev_end < eps["start"])
    )
    poc_id = new_poc.cumsum()
    new_place = _flags(eps["rne"].isin(NEW_CARER).fillna(False)) | new_poc
    place_id = new_place.cumsum()
    placed_start = eps["start"].groupby(place_id).transform("min")
    firsts = pd.DataFrame({"poc": poc_id, "placed_start": placed_start})[new_place.to_numpy()]
    prev = firsts.groupby("poc")["placed_start"].shift()
    prev_placed = pd.Series(prev.to_numpy(), index=place_id[new_place].to_numpy())
    return pd.DataFrame(
        {
            "poc_start": eps["start"].groupby(poc_id).transform("min"),
            "placement": place_id.to_numpy(),
            "placed_start": placed_start,
            "prev_placed_start": place_id.map(prev_placed),
        },
        index=eps.index,
    )
