"""Cut one extract from the simulated world: what the systems would have exported on that date."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd
import yaml

from selfeval.config import reference_file

from . import _qualitative as qualitative
from ._common import (
    ETHNICITY_PREFIX,
    GENDER_CODES,
    HISTORY_MONTHS,
    age_years,
    months_before,
    pick,
)
from ._services import vacancies
from ._world import World

SUPERVISION_MONTHS = 26  # 24 monthly snapshots need the 56 days before the first
YES_NO = {True: "a) Yes", False: "b) No"}
CLOSURE_BY_CEASED = {
    "E11": "RC1 - Adopted",
    "E12": "RC1 - Adopted",
    "E41": "RC3 - Child arrangements order",
} | {code: "RC4 - Special guardianship order" for code in ("E45", "E46", "E47", "E48")}
RC7 = "RC7 - Services ceased for any other reason, including child no longer in need"
RC8 = "RC8 - Case closed after assessment, no further action"


@lru_cache(maxsize=1)
def _codes() -> dict[tuple[str, str], str]:
    """(field, bare code) → preferred Annex A code, e.g. (legal status, "C2") → "C2: FCO"."""
    out = {}
    with reference_file("annex_a_codes_used_aug2019.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = row["preferred_code"]
            bare = code.split(") ", 1)[1] if ") " in code[:4] else code
            out[(row["field"], bare.split(":")[0].split(" - ")[0].strip())] = code
    return out


def coded(field_name: str, bare: pd.Series | np.ndarray) -> np.ndarray:
    """Map bare codes (C2, U4, PR1, E11, F2) to the preferred Annex A form of that field."""
    table = _codes()
    return np.array(
        [table.get((field_name, b), b) if isinstance(b, str) else None for b in bare], dtype=object
    )


@lru_cache(maxsize=1)
def annex_a_headings() -> dict[int, list[tuple[str, str]]]:
    """List number → [(canonical, heading)] in template order (List 9 annotation removed)."""
    out: dict[int, list[tuple[str, str]]] = {}
    with reference_file("annex_a_columns.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            heading = row["column_heading_2019_template"].replace(
                "(NEW/renamed in 2023-24 schema) ", ""
            )
            out.setdefault(int(row["list_no"]), []).append((row["canonical"], heading))
    return out


@dataclass
class Extract:
    """One extract's content: Annex A lists by number, SSDA903 and local tables by name."""

    extract_date: pd.Timestamp
    annex_a: dict[int, pd.DataFrame] = field(default_factory=dict)  # canonical column names
    ssda903: dict[str, pd.DataFrame] = field(default_factory=dict)
    local: dict[str, pd.DataFrame] = field(default_factory=dict)
    problems: list[dict[str, str]] = field(default_factory=list)
    list_months: int | None = None  # Annex A cut to Ofsted's window (sample-data --list-months)


def censor(
    df: pd.DataFrame,
    on: pd.Timestamp,
    dates: list[str],
    dependants: dict[str, list[str]] | None = None,
) -> pd.DataFrame:
    """Blank dates after `on` (not yet happened), and fields that only exist once they have."""
    df = df.copy()
    for col in dates:
        df[col] = pd.to_datetime(df[col], cache=False)
        later = df[col] > on
        for dep in (dependants or {}).get(col, []):
            df[dep] = df[dep].astype(object).where(~later, None)
        df[col] = pd.to_datetime(df[col]).where(~later)
    return df


def _in_window(
    start: pd.Series, end: pd.Series, on: pd.Timestamp, window_start: pd.Timestamp
) -> pd.Series:
    """Started by `on` and either still open at `on` or ended within the window."""
    start, end = pd.to_datetime(start), pd.to_datetime(end)
    return (start <= on) & (end.isna() | (end > on) | (end >= window_start))


def _visit_dates(
    rng: np.random.Generator, ref: pd.Series, timely_p: float, within: int, late_max: int
) -> pd.Series:
    """Latest visit before each reference date: within `within` days with probability timely_p."""
    n = len(ref)
    timely = rng.random(n) < timely_p
    lag = np.where(
        timely, rng.integers(0, within + 1, n), rng.integers(within + 1, late_max + 1, n)
    )
    return pd.to_datetime(ref) - pd.to_timedelta(lag, unit="D")


class Cutter:
    """Builds every table of one extract from the world."""

    def __init__(self, world: World, extract_date: pd.Timestamp, seed: int):
        self.w = world
        self.seed = seed
        self.on = pd.Timestamp(extract_date)
        self.window_start = pd.Timestamp(
            months_before(np.datetime64(self.on.date(), "D"), HISTORY_MONTHS)
        )
        self.rng = np.random.default_rng([seed, self.on.toordinal()])
        self.frac = float(world.horizon.frac(np.array([np.datetime64(self.on.date(), "D")]))[0])
        kids = world.children
        self.kids = kids.assign(
            gender=kids["sex"].map(GENDER_CODES),
            ethnicity=[f"{ETHNICITY_PREFIX[e]} {e}" for e in kids["ethnic"]],
            dob=pd.to_datetime(kids["dob"]),
            disability=kids["disabled"].map(YES_NO),
        )

    def trend(self, first: float, last: float) -> float:
        return first + (last - first) * self.frac

    def person(self, df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
        """Add child attributes (child_id, gender, ethnicity, dob, age at the extract date…)."""
        k = self.kids.iloc[df["child"].to_numpy()]
        out = df.reset_index(drop=True).copy()
        for col in cols:
            if col == "age":
                out[col] = age_years(k["dob"].to_numpy(), np.datetime64(self.on.date(), "D"))
            else:
                out[col] = k[col].to_numpy()
        return out

    # ------------------------------------------------------------------ Annex A
    def list_1(self) -> pd.DataFrame:
        c = self.w.contacts
        c = c[pd.to_datetime(c["contact_date"]).between(self.window_start, self.on)]
        c = self.person(c, ["child_id", "gender", "ethnicity", "dob", "age"])
        return c.rename(columns={"source": "contact_source"})

    def list_2(self) -> pd.DataFrame:
        eh = self.w.early_help
        eh = eh[_in_window(eh["referral_date"], eh["closure_date"], self.on, self.window_start)]
        eh = censor(eh, self.on, ["closure_date"])
        eh = self.person(eh, ["child_id", "gender", "ethnicity", "dob", "age"])
        return eh.rename(
            columns={
                "referral_date": "eh_assessment_start",
                "closure_date": "eh_assessment_end",
                "organisation": "eh_organisation",
            }
        )

    def _refs_to_date(self) -> pd.DataFrame:
        r = self.w.referrals
        return r[pd.to_datetime(r["referral_date"]) <= self.on]

    def list_3(self) -> pd.DataFrame:
        r = self._refs_to_date()
        latest = r.groupby("child")["referral_date"].transform("max")
        before = (latest - pd.to_datetime(r["referral_date"])).dt.days.between(1, 365)
        last12 = before.groupby(r["child"]).sum()
        r = r[pd.to_datetime(r["referral_date"]) >= self.window_start]
        r = self.person(r, ["child_id", "gender", "ethnicity", "dob", "age"])
        return r.assign(
            referral_source=r["source"],
            referral_nfa=r["nfa"].map(YES_NO),
            referrals_last_12m=r["child"].map(last12).fillna(0).astype(int),
            allocated_team=r["team"],
            allocated_worker=r["ref_worker"],
        )

    def list_4(self) -> pd.DataFrame:
        r = self._refs_to_date()
        r = r[
            r["assessed"]
            & _in_window(
                r["assessment_start"], r["assessment_authorised"], self.on, self.window_start
            )
        ]
        r = r[pd.to_datetime(r["assessment_start"]) <= self.on]
        r = r.assign(assessed_in_need=r["in_need"].map(YES_NO))
        r = censor(
            r, self.on, ["assessment_authorised"], {"assessment_authorised": ["assessed_in_need"]}
        )
        r = self.person(r, ["child_id", "gender", "ethnicity", "dob", "age", "disability"])
        return r.assign(allocated_team=r["team"], allocated_worker=r["ref_worker"])

    def list_5(self) -> pd.DataFrame:
        r = self._refs_to_date()
        r = r[r["s47"] & (pd.to_datetime(r["strategy_date"]) <= self.on)].copy()
        r["strategy_date"] = pd.to_datetime(r["strategy_date"])
        r = r.reset_index(drop=True)
        pairs = (
            r[["child", "strategy_date"]]
            .reset_index()
            .merge(r[["child", "strategy_date", "icpc_date"]], on="child", suffixes=("", "_other"))
        )
        before = (pairs["strategy_date"] - pairs["strategy_date_other"]).dt.days
        icpc_before = (pairs["strategy_date"] - pd.to_datetime(pairs["icpc_date"])).dt.days
        r["s47_last_12m"] = (
            before.between(1, 365).groupby(pairs["index"]).sum().reindex(r.index, fill_value=0)
        )
        r["icpcs_last_12m"] = (
            icpc_before.between(1, 365).groupby(pairs["index"]).sum().reindex(r.index, fill_value=0)
        )
        r = r[r["strategy_date"] >= self.window_start]
        pending = pd.to_datetime(r["icpc_date"]) > self.on
        r = r.assign(
            icpc_unnecessary=np.where(r["icpc"], np.where(pending, None, "b) No"), "a) Yes"),
            icpc_cp_plan=np.where(r["icpc"], r["icpc_cp_plan"].map(YES_NO), None),
        )
        r = censor(r, self.on, ["icpc_date"], {"icpc_date": ["icpc_cp_plan"]})
        r = r.sort_values(["strategy_date", "child"], kind="stable")
        r = self.person(r, ["child_id", "gender", "ethnicity", "dob", "age", "disability"])
        return r.assign(allocated_team=r["team"], allocated_worker=r["ref_worker"])

    def _cla_open(self) -> pd.DataFrame:
        c = self.w.cla
        return c[(c["cla_start"] <= self.on) & (c["cla_end"] > self.on)]

    def list_6(self) -> pd.DataFrame:
        r = self._refs_to_date()
        r = r[r["cin"] & _in_window(r["referral_date"], r["cin_end"], self.on, self.window_start)]
        # Ofsted: episodes closed after assessment with no further action (RC8) are not needed
        rc8 = ~r["in_need"] & (pd.to_datetime(r["assessment_authorised"]) <= self.on)
        r = r[~rc8].copy()
        cla = self.w.cla.dropna(subset=["referral_row"]).set_index("referral_row")
        ceased = r.index.map(cla["reason_ceased"]).to_series(index=r.index)
        cla_start = pd.to_datetime(r.index.map(cla["cla_start"]).to_series(index=r.index))
        cla_end = pd.to_datetime(r.index.map(cla["cla_end"]).to_series(index=r.index))
        reason = np.where(~r["in_need"], RC8, ceased.map(CLOSURE_BY_CEASED).fillna(RC7))
        reason = np.where(
            (reason == RC7) & (self.rng.random(len(r)) < 0.05),
            "RC5 - Transferred to services of another local authority",
            reason,
        )
        in_care = (cla_start <= self.on) & (cla_end > self.on)
        on_cp = (pd.to_datetime(r["cp_start"]) <= self.on) & (pd.to_datetime(r["cp_end"]) > self.on)
        authorised = pd.to_datetime(r["assessment_authorised"]) <= self.on
        closed = pd.to_datetime(r["cin_end"]) <= self.on
        status = np.select(
            [closed, in_care, on_cp, authorised],
            [
                "e) Closed episode",
                "a) Looked after child",
                "b) Child Protection plan",
                "c) Child in need plan",
            ],
            "d) Open assessment",
        )
        cla_team = pd.Series(r.index.map(cla["team"]), index=r.index)
        cla_worker = pd.Series(r.index.map(cla["worker"]), index=r.index)
        team = np.where(in_care, cla_team, np.where(r["cp"], r["cp_team"], r["team"]))
        worker = np.where(in_care, cla_worker, np.where(r["cp"], r["cp_worker"], r["ref_worker"]))
        ref = pd.to_datetime(r["cin_end"]).where(closed, self.on)
        r = r.assign(
            cin_start=r["referral_date"],
            closure_reason=reason,
            case_status=status,
            last_seen=_visit_dates(self.rng, ref, 0.8, 20, 70),
            allocated_team=team,
            allocated_worker=worker,
        )
        r = censor(r, self.on, ["cin_end"], {"cin_end": ["closure_reason"]})
        r = self.person(r, ["child_id", "gender", "ethnicity", "dob", "age", "disability"])
        return r.assign(last_seen=r["last_seen"].where(r["last_seen"] >= r["dob"], r["dob"]))

    def list_7(self) -> pd.DataFrame:
        r = self._refs_to_date()
        r = r[r["cp"]].copy()
        r["cp_start"] = pd.to_datetime(r["cp_start"])
        r = r.sort_values(["child", "cp_start"])
        r["previous_cp_plans"] = r.groupby("child").cumcount() + r.groupby("child")[
            "previous_cp_background"
        ].transform("first")
        r = r[
            _in_window(r["cp_start"], r["cp_end"], self.on, self.window_start)
            & (r["cp_start"] <= self.on)
        ]
        r = r.sort_values(["cp_start", "child"], kind="stable")
        n = len(r)
        closed = pd.to_datetime(r["cp_end"]) <= self.on
        ref = pd.to_datetime(r["cp_end"]).where(closed, self.on)
        since = (ref - r["cp_start"]).dt.days.to_numpy()
        k = np.floor(np.clip(since - 91, 0, None) / 182)
        review = r["cp_start"] + pd.to_timedelta(
            91 + 182 * k - self.rng.integers(0, 8, n), unit="D"
        )
        review = review.where(since >= 91)
        latest = np.where(
            self.rng.random(n) < 0.9,
            r["initial_category"],
            pick(self.rng, {"a) Neglect": 50, "d) Emotional abuse": 50}, n),
        )
        r = r.assign(
            latest_category=latest,
            last_visit=_visit_dates(self.rng, ref, self.trend(0.78, 0.92), 13, 45).where(since > 2),
            seen_alone=pick(self.rng, {"a) Yes": 76, "b) No": 20, "c) Unknown": 4}, n),
            last_review=review,
            epo_last_6m=r["epo"].map(YES_NO),
            allocated_team=r["cp_team"],
            allocated_worker=r["cp_worker"],
        )
        r = censor(r, self.on, ["cp_end"])
        r = self.person(r, ["child_id", "gender", "ethnicity", "dob", "age", "disability"])
        return r.assign(last_visit=r["last_visit"].where(~(r["last_visit"] < r["dob"]), r["dob"]))

    def _cla_window(self) -> pd.DataFrame:
        c = self.w.cla
        return c[_in_window(c["cla_start"], c["cla_end"], self.on, self.window_start)]

    def list_8(self) -> pd.DataFrame:
        c = self._cla_window()
        period = c.index.to_numpy()
        n = len(c)
        closed = (c["cla_end"] <= self.on).to_numpy()
        ref = c["cla_end"].where(closed, self.on)
        ep = self.w.episodes
        ep = ep[ep["period"].isin(period)].copy()
        ep["DECOM"] = pd.to_datetime(ep["DECOM"])
        ep = ep[ep["DECOM"] <= ep["period"].map(ref)]
        ep["run"] = (ep["LS"] != ep.groupby("period")["LS"].shift()).groupby(ep["period"]).cumsum()
        ep["ls_start"] = ep.groupby(["period", "run"])["DECOM"].transform("min")
        current = ep.groupby("period").tail(1).set_index("period")
        pl = self.w.placements
        pl = pl[pl["period"].isin(period)].copy()
        pl["place_start"] = pd.to_datetime(pl["place_start"])
        pl["place_end"] = (
            pl.groupby("period")["place_start"]
            .shift(-1)
            .fillna(pl["period"].map(self.w.cla["cla_end"]))
        )
        r_pl = pl["period"].map(ref)
        overlapping = (pl["place_start"] <= r_pl) & (
            pl["place_end"] > r_pl - pd.Timedelta(days=365)
        )
        placements_12m = overlapping.groupby(pl["period"]).sum()
        rv = self.w.reviews
        rv = rv[rv["period"].isin(period)]
        rv = rv[pd.to_datetime(rv["review_date"]) <= rv["period"].map(ref)]
        last_review = rv.groupby("period")["review_date"].max()
        ms = self.w.missing
        ms = ms[ms["looked_after"] & (pd.to_datetime(ms["missing_start"]) <= self.on)]
        child = c["child"].to_numpy()
        counts = {}
        for kind in ("M", "A"):
            sub = ms[ms["kind"] == kind].merge(
                pd.DataFrame({"child": child, "period": period, "ref": ref.to_numpy()}), on="child"
            )
            sub = sub[(sub["ref"] - pd.to_datetime(sub["missing_start"])).dt.days.between(0, 365)]
            counts[kind] = sub.groupby("period").size()
        last_missing = (
            ms[ms["kind"] == "M"]
            .sort_values("missing_start")
            .groupby("child")
            .tail(1)
            .set_index("child")
        )
        had_missing = pd.Series(period).map(counts["M"]).fillna(0).to_numpy() > 0
        offered = (
            pd.Series(child).map(last_missing["rhi_offered"]).map(YES_NO).where(had_missing, None)
        )
        accepted = (
            pd.Series(child).map(last_missing["rhi_accepted"]).map(YES_NO).where(had_missing, None)
        )
        days_in = (ref - c["cla_start"]).dt.days.to_numpy()
        sb = np.isin(c["legal_status"].to_numpy(), ["V3", "V4"])
        health_ok = self.rng.random(n) < self.trend(0.86, 0.91)
        dental_ok = self.rng.random(n) < self.trend(
            0.55, 0.78
        )  # dental checks recovering after 2020

        def back(ok: np.ndarray, within: int, late: int) -> pd.Series:
            lag = np.where(ok, self.rng.integers(0, within, n), self.rng.integers(within, late, n))
            d = ref - pd.to_timedelta(lag, unit="D")
            return d.where((d > c["cla_start"]) & (days_in > 28) & ~sb)

        cur = current.reindex(period)
        out = pd.DataFrame(
            {
                "child": child,
                "uasc": c["uasc"].map(YES_NO).to_numpy(),
                "cla_start": c["cla_start"].to_numpy(),
                "category_of_need": coded("Child's Category of Need", c["category_of_need"]),
                "subsequent_period": c["subsequent_period"].map(YES_NO).to_numpy(),
                "legal_status_start": cur["ls_start"].to_numpy(),
                "legal_status": coded("Child's Legal Status", cur["LS"]),
                "last_review": pd.to_datetime(pd.Series(period).map(last_review)).to_numpy(),
                "last_visit": _visit_dates(self.rng, ref, self.trend(0.84, 0.93), 42, 90)
                .where(days_in > 7)
                .to_numpy(),
                "permanence_plan": c["permanence_plan"].to_numpy(),
                "last_iro_contact": back(self.rng.random(n) < 0.9, 120, 240).to_numpy(),
                "last_health_assessment": back(health_ok, 365, 600).to_numpy(),
                "last_dental_check": back(dental_ok, 365, 700).to_numpy(),
                "placements_last_12m": pd.Series(period)
                .map(placements_12m)
                .fillna(1)
                .astype(int)
                .to_numpy(),
                "cla_end": c["cla_end"].where(closed).to_numpy(),
                "reason_ceased": np.where(
                    closed, coded("Reason Ceased to be Looked After", c["reason_ceased"]), None
                ),
                "placement_start": cur["DECOM"].where(cur["RNE"] != "L").to_numpy(),
                "placement_type": coded("Placement Type", cur["PLACE"]),
                "placement_provider": coded("Placement Provider", cur["PLACE_PROVIDER"]),
                "placement_postcode": cur["PL_POST"].to_numpy(),
                "placement_urn": cur["URN"].to_numpy(),
                "placement_location": cur["location"].to_numpy(),
                "placement_la": cur["la"].to_numpy(),
                "missing_episodes_12m": pd.Series(period)
                .map(counts["M"])
                .fillna(0)
                .astype(int)
                .to_numpy(),
                "absent_episodes_12m": pd.Series(period)
                .map(counts["A"])
                .fillna(0)
                .astype(int)
                .to_numpy(),
                "return_interview_offered": offered.to_numpy(),
                "return_interview_accepted": accepted.to_numpy(),
                "allocated_team": c["team"].to_numpy(),
                "allocated_worker": c["worker"].to_numpy(),
            }
        )
        # the placement start is the start of the current placement (legal-only changes keep it)
        first_of_place = ep.groupby(["period", "place_no"])["DECOM"].min()
        out["placement_start"] = [first_of_place.get((p, cur.loc[p, "place_no"])) for p in period]
        return self.person(out, ["child_id", "gender", "ethnicity", "dob", "age", "disability"])

    def list_9(self) -> pd.DataFrame:
        c = self.w.cla
        c = c[c["cla_end"] <= self.on]
        dob = self.kids["dob"].to_numpy()[c["child"].to_numpy()]
        age_now = age_years(dob, np.datetime64(self.on.date(), "D"))
        age_left = age_years(dob, c["cla_end"].to_numpy())
        relevant = (
            (age_left >= 16)
            & ((c["cla_end"] - c["cla_start"]).dt.days >= 91)
            & c["reason_ceased"].isin(["E5", "E6", "E8", "E13", "E4B"])
        )
        c = c[(c["aged_out"] | relevant).to_numpy() & (age_now >= 16) & (age_now < 21)]
        c = c.drop_duplicates("child", keep="last")
        age_now = age_years(
            self.kids["dob"].to_numpy()[c["child"].to_numpy()], np.datetime64(self.on.date(), "D")
        )
        n = len(c)
        rng = self.rng
        accommodation = pick(
            rng,
            {
                "D": 26,
                "U": 22,
                "Z": 10,
                "B": 14,
                "E": 6,
                "T": 6,
                "C": 5,
                "K": 3,
                "X": 2,
                "S": 1,
                "V": 2,
                "W": 1,
                "R": 2,
            },
            n,
        )
        unsuitable = np.isin(accommodation, ["X", "S", "V", "W", "R"]) | (
            rng.random(n) < self.trend(0.12, 0.06)
        )
        activity = pick(
            rng,
            {"F1": 4, "P1": 1, "F2": 18, "P2": 4, "F3": 20, "P3": 7, "G4": 8, "G5": 30, "G6": 8},
            n,
        )
        eet_boost = rng.random(n) < self.trend(0.0, 0.08)
        activity = np.where(
            eet_boost & np.char.startswith(activity.astype(str), "G"), "F3", activity
        )
        in_touch = pick(rng, {"a) Yes": 92, "b) No": 5, "d) Refu": 2, "e) NREQ": 1}, n)
        workers = self.w.workforce
        pas = workers.loc[workers["role"] == "Personal adviser", "staff_id"].unique()
        out = pd.DataFrame(
            {
                "child": c["child"].to_numpy(),
                "allocated_team": "Pathways (Care Leavers)",
                "allocated_worker": c["worker"].to_numpy(),
                "eligibility": np.where(
                    age_now < 18, "a) Relevant child", "b) Former relevant child"
                ),
                "in_touch": in_touch,
                "accommodation_type": coded("Type of Accommodation", accommodation),
                "accommodation_suitable": np.where(unsuitable, "b) Unsuitable", "a) Suitable"),
                "activity": coded("Activity Status", activity),
                "uasc": c["uasc"].map(YES_NO).to_numpy(),
                "personal_adviser": pas[rng.integers(0, len(pas), n)] if len(pas) else "PA001",
                "pathway_plan_review": self.on - pd.to_timedelta(rng.integers(0, 210, n), unit="D"),
                "latest_contact": self.on - pd.to_timedelta(rng.integers(0, 75, n), unit="D"),
            }
        )
        return self.person(out, ["child_id", "gender", "ethnicity", "dob", "age", "disability"])

    def list_10(self) -> pd.DataFrame:
        c = self.w.cla
        c = c[c["placement_decision"].notna() & (c["placement_decision"] <= self.on)]
        c = c[
            _in_window(
                c["placement_decision"],
                c["adoption_order"].fillna(c["no_longer_decision"]),
                self.on,
                self.window_start,
            )
        ]
        dates = [
            "placement_order",
            "matched",
            "placed_for_adoption",
            "adoption_order",
            "no_longer_decision",
        ]
        out = c.assign(
            family_id=[f"FC{p:05d}" for p in c.index],
            entered_care=c["cla_start"],
            ffa_placed=c["cla_start"].where(c["ffa"]) + pd.Timedelta(days=14),
        )
        out = censor(
            out, self.on, [*dates, "ffa_placed"], {"no_longer_decision": ["no_longer_reason"]}
        )
        return self.person(out, ["child_id", "gender", "ethnicity", "dob", "age", "disability"])

    def list_11(self) -> pd.DataFrame:
        a = self.w.adopters
        finished = a["adoption_order"].fillna(a["left_process"])
        a = a[_in_window(a["enquiry_date"], finished, self.on, self.window_start)]
        dates = [
            "stage1_start",
            "stage1_end",
            "stage2_start",
            "stage2_end",
            "application_submitted",
            "application_approved",
            "matched",
            "placed",
            "adoption_order",
            "left_process",
        ]
        a = a.assign(
            children_placed=a["children_placed"]
            .astype(object)
            .where(a["children_placed"] >= 0, None)
        )
        a = censor(
            a, self.on, dates, {"placed": ["children_placed"], "left_process": ["left_reason"]}
        )
        ethnic = pick(
            self.rng,
            {"a) WBRI": 85, "d) WOTH": 5, "h) MWAS": 3, "j) AIND": 3, "o) BAFR": 2, "r) OOTH": 2},
            len(a),
        )
        return a.assign(ethnicity=ethnic, ffa=a["ffa"].map(YES_NO)).reset_index(drop=True)

    def annex_a(self) -> dict[int, pd.DataFrame]:
        lists = {n: getattr(self, f"list_{n}")() for n in range(1, 12)}
        return {
            n: df.reindex(columns=[c for c, _ in annex_a_headings()[n]]) for n, df in lists.items()
        }


# ---------------------------------------------------------------------- SSDA903


def _home_postcode(child: np.ndarray) -> np.ndarray:
    """A stable pseudo-postcode per child (ZZ99 is the NHS pseudo-postcode outward code)."""
    letters = "ABDEFGHJLNPQRSTUWXY"
    return np.array(
        [f"ZZ99 {1 + c % 9}{letters[c // 9 % 19]}{letters[c // 171 % 19]}" for c in child],
        dtype=object,
    )


def ssda903(cut: Cutter) -> dict[str, pd.DataFrame]:
    """SSDA903 header, episodes, reviews, missing and UASC for the children in care in the
    window."""
    on, ws = cut.on, cut.window_start
    c = cut._cla_window()
    ep = cut.w.episodes
    ep = ep[ep["period"].isin(c.index) & (pd.to_datetime(ep["DECOM"]) <= on)].copy()
    ep = censor(ep, on, ["DEC"], {"DEC": ["REC", "REASON_PLACE_CHANGE"]})
    kids = cut.kids.iloc[np.unique(ep["child"].to_numpy())]
    ids = cut.kids["child_id"].to_numpy()
    episodes = pd.DataFrame(
        {
            "CHILD": ids[ep["child"].to_numpy()],
            "DECOM": ep["DECOM"].to_numpy(),
            "RNE": ep["RNE"].to_numpy(),
            "LS": ep["LS"].to_numpy(),
            "CIN": ep["CIN"].to_numpy(),
            "PLACE": ep["PLACE"].to_numpy(),
            "PLACE_PROVIDER": ep["PLACE_PROVIDER"].to_numpy(),
            "DEC": ep["DEC"].to_numpy(),
            "REC": ep["REC"].to_numpy(),
            "REASON_PLACE_CHANGE": ep["REASON_PLACE_CHANGE"].to_numpy(),
            "HOME_POST": _home_postcode(ep["child"].to_numpy()),
            "PL_POST": ep["PL_POST"].to_numpy(),
            "URN": ep["URN"].to_numpy(),
        }
    )
    episodes = episodes.sort_values(["CHILD", "DECOM"], kind="stable").reset_index(drop=True)
    age = age_years(kids["dob"].to_numpy(), np.datetime64(on.date(), "D"))
    header = (
        pd.DataFrame(
            {
                "CHILD": kids["child_id"].to_numpy(),
                "SEX": np.where(kids["sex"] == 2, 2, 1),
                "DOB": kids["dob"].to_numpy(),
                "ETHNIC": kids["ethnic"].to_numpy(),
                "UPN": [f"Z{int(i):012d}" for i in kids["child"]],
                "MOTHER": np.where((kids["sex"] == 2) & (age >= 12), "0", None),
                "MC_DOB": None,
            }
        )
        .sort_values("CHILD")
        .reset_index(drop=True)
    )
    rv = cut.w.reviews
    rv = rv[rv["period"].isin(c.index) & pd.to_datetime(rv["review_date"]).between(ws, on)]
    dob = cut.kids["dob"].to_numpy()
    reviews = pd.DataFrame(
        {
            "CHILD": ids[rv["child"].to_numpy()],
            "DOB": dob[rv["child"].to_numpy()],
            "REVIEW": rv["review_date"].to_numpy(),
            "REVIEW_CODE": pick(
                cut.rng,
                {"PN1": 55, "PN2": 8, "PN3": 5, "PN4": 10, "PN5": 4, "PN6": 6, "PN0": 12},
                len(rv),
            ),
        }
    )
    ms = cut.w.missing
    ms = ms[ms["looked_after"] & pd.to_datetime(ms["missing_start"]).between(ws, on)]
    ms = censor(ms, on, ["missing_end"])
    missing = pd.DataFrame(
        {
            "CHILD": ids[ms["child"].to_numpy()],
            "DOB": dob[ms["child"].to_numpy()],
            "MISSING": ms["kind"].to_numpy(),
            "MIS_START": ms["missing_start"].to_numpy(),
            "MIS_END": ms["missing_end"].to_numpy(),
        }
    )
    # UASC information: children who were unaccompanied asylum seekers in care in the window;
    # their UASC status ceases (DUC) on their 18th birthday (blank while still UASC)
    us = c[c["uasc"].astype(bool)].drop_duplicates("child")
    us_kids = cut.kids.iloc[us["child"].to_numpy()]
    duc = pd.to_datetime(pd.Series(us_kids["dob"].to_numpy())) + pd.DateOffset(years=18)
    uasc = (
        pd.DataFrame(
            {
                "CHILD": us_kids["child_id"].to_numpy(),
                "SEX": np.where(us_kids["sex"] == 2, 2, 1),
                "DOB": us_kids["dob"].to_numpy(),
                "DUC": duc.where(duc <= on).to_numpy(),
            }
        )
        .sort_values("CHILD")
        .reset_index(drop=True)
    )
    return {
        "header": header,
        "episodes": episodes,
        "reviews": reviews,
        "missing": missing,
        "uasc": uasc,
    }


# ---------------------------------------------------------------------- local datasets


def local(cut: Cutter, action_ids: list[str]) -> dict[str, pd.DataFrame]:
    """Every local dataset of reference/local_datasets.yaml, as exported on the extract date."""
    on, ws, w = cut.on, cut.window_start, cut.w
    ids = cut.kids["child_id"].to_numpy()
    out: dict[str, pd.DataFrame] = {}

    au = w.audits[pd.to_datetime(w.audits["allocated_date"]).between(ws, on)]
    au = censor(au, on, ["audit_date", "due_date"], {"audit_date": ["grade"]})
    out["audits"] = au.reset_index(drop=True)

    wf = w.workforce[pd.to_datetime(w.workforce["snapshot_date"]).between(ws, on)]
    wf = censor(wf, on, ["leave_date"])
    wf = wf.assign(caseload=wf["caseload"].astype("Int64").where(wf["caseload"] >= 0))
    out["workforce"] = wf.reset_index(drop=True)
    out["vacancies"] = vacancies(wf)

    sv_from = pd.Timestamp(months_before(np.datetime64(on.date(), "D"), SUPERVISION_MONTHS))
    sv = w.supervision[pd.to_datetime(w.supervision["supervision_date"]).between(sv_from, on)]
    sv = sv.sort_values(["supervision_date", "child"], kind="stable")
    out["supervision"] = pd.DataFrame(
        {
            "child_id": ids[sv["child"].to_numpy()],
            "supervision_date": sv["supervision_date"].to_numpy(),
            "team": sv["team"].to_numpy(),
        }
    )

    eh = w.early_help
    eh = eh[_in_window(eh["referral_date"], eh["closure_date"], on, ws)]
    eh = censor(
        eh,
        on,
        ["first_seen_date", "assessment_date", "closure_date"],
        {"closure_date": ["closure_reason"]},
    )
    out["early_help"] = pd.DataFrame(
        {
            "episode_id": [f"EH{i:06d}" for i in eh.index],
            "child_id": ids[eh["child"].to_numpy()],
            "family_id": [f"FAM{f:05d}" for f in eh["family"]],
            "dob": cut.kids["dob"].to_numpy()[eh["child"].to_numpy()],
            "gender": cut.kids["sex"]
            .map({1: "Male", 2: "Female", 0: "Not stated"})
            .to_numpy()[eh["child"].to_numpy()],
            "team": eh["team"].to_numpy(),
            "referral_date": eh["referral_date"].to_numpy(),
            "stepped_down_from_csc": eh["stepped_down_from_csc"]
            .map({True: "Yes", False: "No"})
            .to_numpy(),
            "first_seen_date": eh["first_seen_date"].to_numpy(),
            "assessment_date": eh["assessment_date"].to_numpy(),
            "closure_date": eh["closure_date"].to_numpy(),
            "closure_reason": eh["closure_reason"].to_numpy(),
        }
    )

    ms = w.missing[
        pd.to_datetime(w.missing["missing_start"]).between(ws, on) & (w.missing["kind"] == "M")
    ]
    ms = censor(ms, on, ["missing_end", "rhi_date", "risk_assessment_date"])
    yn = {True: "Yes", False: "No"}
    out["missing"] = pd.DataFrame(
        {
            "episode_id": [f"MIS{i:06d}" for i in ms.index],
            "child_id": ids[ms["child"].to_numpy()],
            "looked_after": ms["looked_after"].map(yn).to_numpy(),
            "missing_start": ms["missing_start"].to_numpy(),
            "missing_end": ms["missing_end"].to_numpy(),
            "rhi_offered": ms["rhi_offered"].map(yn).to_numpy(),
            "rhi_date": ms["rhi_date"].to_numpy(),
            "risk_assessment_date": ms["risk_assessment_date"].to_numpy(),
        }
    )

    eh_reg = w.ehe[_in_window(w.ehe["start_date"], w.ehe["end_date"], on, ws)]
    eh_reg = censor(eh_reg, on, ["end_date"])
    out["ehe"] = (
        pd.DataFrame(
            {
                "child_id": ids[eh_reg["child"].to_numpy()],
                "dob": cut.kids["dob"].to_numpy()[eh_reg["child"].to_numpy()],
                "start_date": eh_reg["start_date"].to_numpy(),
                "end_date": eh_reg["end_date"].to_numpy(),
                "vulnerable": eh_reg["vulnerable"].map(yn).to_numpy(),
                "allocated": eh_reg["allocated"].map(yn).to_numpy(),
                "engagement": eh_reg["engagement"].to_numpy(),
            }
        )
        .sort_values(["start_date", "child_id"], kind="stable")
        .reset_index(drop=True)
    )

    fc = w.foster_carers[
        _in_window(w.foster_carers["approval_date"], w.foster_carers["deregistration_date"], on, ws)
    ]
    out["foster_carers"] = censor(fc, on, ["deregistration_date"]).reset_index(drop=True)
    out["actions"] = action_updates(cut, action_ids)
    out["feedback"] = qualitative.feedback(on, cut.seed, ids)
    out["complaints"] = qualitative.complaints(on, cut.seed)
    out["practice_reviews"] = qualitative.practice_reviews(on, cut.seed)
    return {name: df.reindex(columns=local_columns()[name]) for name, df in out.items()}


@lru_cache(maxsize=1)
def local_columns() -> dict[str, list[str]]:
    """Dataset → its columns in the order of reference/local_datasets.yaml."""
    spec = yaml.safe_load(reference_file("local_datasets.yaml").read_text(encoding="utf-8"))
    return {name: list(d["columns"]) for name, d in spec.items()}


UNKNOWN_ACTION_ID = "99.99.9"  # not in the plan: exercises the unknown-action report
ACTION_NOTES = {
    "Not started": "Scheduled to start next quarter.",
    "On track": "Progressing as planned; milestones met this quarter.",
    "At risk": "Delayed: capacity pressures; revised timescale agreed with the owner.",
    "Complete": "Completed and signed off at the Improvement Board.",
}


def action_updates(cut: Cutter, action_ids: list[str]) -> pd.DataFrame:
    """Quarterly status updates from the plan start (April 2021) to the extract date."""
    cols = ["action_id", "status", "note", "updated_on"]
    quarters = [q for q in pd.date_range("2021-06-30", cut.on, freq="QE") if q <= cut.on]
    if not action_ids or not quarters:
        return pd.DataFrame(columns=cols)
    rows = []
    for action in [*action_ids, UNKNOWN_ACTION_ID]:
        rng = np.random.default_rng(
            [cut.seed, int(action.replace(".", ""))]
        )  # same story every extract
        done_after = rng.integers(1, 7)  # quarters until complete
        risky = rng.random() < 0.2
        for q_no, q in enumerate(quarters, start=1):
            if q_no >= done_after:
                status = "Complete"
            elif q_no == 1 and rng.random() < 0.25:
                status = "Not started"
            else:
                status = "At risk" if risky and q_no == done_after - 1 else "On track"
            rows.append(
                (
                    action,
                    status,
                    ACTION_NOTES[status],
                    q - pd.Timedelta(days=int(rng.integers(0, 10))),
                )
            )
    return pd.DataFrame(rows, columns=cols)
