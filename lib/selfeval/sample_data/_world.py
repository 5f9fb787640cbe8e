"""Simulate one synthetic local authority: every event from the burn-in start to the last extract.

All volumes are per year at scale 1 (a city of about 50,000 children). Extracts are cut from this
single world, so the same child carries the same id, dates and history in every extract.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._common import (
    DAY,
    NAT,
    Children,
    Horizon,
    add_working_days,
    add_years,
    age_years,
    child_ages,
    count,
    dob_for_age,
    exp_days,
    jitter_days,
    pick,
    sample_dates,
)

REFERRALS_PER_YEAR = 3500
CONTACTS_PER_YEAR = 10000
REPEAT_P = 0.42  # chance a referral is followed by another for the same child
REPEAT_GAP_DAYS = 170  # mean gap from the end of the episode to the next referral
SOURCES = {
    "q) 6: Police": 30,
    "e) 2A: Schools": 17,
    "g) 3A: Health services": 4,
    "h) 3B: Health services": 4,
    "j) 3D: Health services": 3,
    "k) 3E: Health services": 3,
    "a) 1A: Individual": 6,
    "b) 1B: Individual": 2,
    "c) 1C: Individual": 1,
    "d) 1D: Individual": 1,
    "f) 2B: Education services": 2,
    "m) 4: Housing": 3,
    "n) 5A: LA services": 4,
    "o) 5B: LA services": 4,
    "p) 5C: LA services": 3,
    "r) 7: Other legal agency": 3,
    "s) 8: Other": 5,
    "t) 9: Anonymous": 2,
    "u) 10: Unknown": 3,
}
REFERRAL_AGES = {(0, 0): 14, (1, 4): 20, (5, 9): 26, (10, 15): 32, (16, 17): 8}
CLA_AGES_STOCK = {(0, 0): 4, (1, 4): 14, (5, 9): 18, (10, 15): 39, (16, 17): 25}
NEED = {"N1": 60, "N2": 5, "N3": 3, "N4": 8, "N5": 12, "N6": 3, "N7": 1, "N8": 8}
CEASED_OTHER = {
    "E4A": 40,
    "E4B": 5,
    "E45": 8,
    "E46": 4,
    "E47": 10,
    "E48": 3,
    "E41": 6,
    "E13": 6,
    "E8": 8,
    "E3": 3,
    "E9": 2,
    "E14": 2,
    "E16": 0.5,
}
CEASED_AT_18 = {"E5": 45, "E6": 8, "E8": 35, "E13": 7, "E4A": 5}
PERMANENCE = {
    "a) Return to family": 25,
    "c) SGO/CAO": 15,
    "f) Long-term fostering": 40,
    "e) Long-term residential placement": 8,
    "d) Supported living in the community": 7,
    "g) other": 5,
}
MISSING_RATE = 5.0  # episodes a year for missing-prone young people


@dataclass
class World:
    """Every synthetic event, in simulation form (child = registry index, dates datetime64[D])."""

    horizon: Horizon
    children: pd.DataFrame
    contacts: pd.DataFrame
    referrals: pd.DataFrame
    cla: pd.DataFrame
    placements: pd.DataFrame
    episodes: pd.DataFrame
    reviews: pd.DataFrame
    missing: pd.DataFrame
    early_help: pd.DataFrame
    adopters: pd.DataFrame
    workforce: pd.DataFrame
    audits: pd.DataFrame
    supervision: pd.DataFrame
    ehe: pd.DataFrame
    foster_carers: pd.DataFrame


def _nat(n: int) -> np.ndarray:
    return np.full(n, NAT)


def _workers(rng: np.random.Generator, workforce: pd.DataFrame, teams: np.ndarray) -> np.ndarray:
    """A case-holding worker of each team, drawn from everyone who ever worked there."""
    holders = workforce[workforce["case_holding"] == "Yes"].drop_duplicates("staff_id")
    pools = {t: g["staff_id"].to_numpy() for t, g in holders.groupby("team")}
    out = np.empty(len(teams), dtype=object)
    for team in np.unique(teams):
        mask = teams == team
        pool = pools.get(team, np.array(["SW000"]))
        out[mask] = pool[rng.integers(0, len(pool), size=int(mask.sum()))]
    return out


# --------------------------------------------------------------------------- referrals


def _referral_outcomes(
    rng: np.random.Generator, h: Horizon, child: np.ndarray, date: np.ndarray, dob: np.ndarray
) -> pd.DataFrame:
    """What happens after each referral: NFA, assessment, s47, ICPC, CP plan, care, CIN episode."""
    n = len(child)
    nfa = rng.random(n) < h.trend(date, 0.10, 0.07)
    assessed = ~nfa & (rng.random(n) < 0.96)
    a_start = date + jitter_days(rng, 0, 3, n)
    timely = rng.random(n) < h.trend(a_start, 0.80, 0.90)
    wd = np.where(timely, rng.integers(8, 46, n), rng.integers(46, 80, n))
    a_auth = add_working_days(a_start, wd)
    in_need = assessed & (rng.random(n) < 0.63)
    s47 = ~nfa & (rng.random(n) < 0.27)
    strategy = date + jitter_days(rng, 0, 5, n)
    icpc = s47 & (rng.random(n) < 0.43)
    icpc_timely = rng.random(n) < h.trend(strategy, 0.76, 0.86)
    icpc_wd = np.where(icpc_timely, rng.integers(5, 16, n), rng.integers(16, 30, n))
    icpc_date = add_working_days(strategy, icpc_wd)
    cp = icpc & (rng.random(n) < 0.89)
    in_need |= cp
    assessed |= cp
    cp_end = icpc_date + (rng.gamma(2.2, 170, n) + 20).astype(int) * DAY
    age = age_years(dob, date)
    cla_from_cp = cp & (rng.random(n) < 0.12)
    cla_direct = in_need & ~cp & (rng.random(n) < np.where(age >= 13, 0.13, 0.062))
    cla_start = np.where(
        cla_from_cp, cp_end, np.where(cla_direct, a_start + jitter_days(rng, 0, 30, n), NAT)
    )
    cin_only_end = a_auth + exp_days(rng, 190, n, 14)
    cin_end = np.where(
        cp, cp_end + exp_days(rng, 110, n, 7), np.where(in_need, cin_only_end, a_auth)
    )
    team = np.where(
        nfa, "MASH", np.where(rng.random(n) < 0.5, "Assessment 1", "Assessment 2")
    ).astype(object)
    team[age_years(dob, date) >= 0] = team[age_years(dob, date) >= 0]
    cp_team = np.where(rng.random(n) < 0.5, "Protection and Court 1", "Protection and Court 2")
    return pd.DataFrame(
        {
            "child": child,
            "referral_date": date,
            "source": pick(rng, SOURCES, n),
            "nfa": nfa,
            "team": team,
            "assessed": assessed,
            "assessment_start": a_start,
            "assessment_authorised": np.where(assessed, a_auth, NAT),
            "in_need": in_need,
            "child_seen": pick(rng, {"a) Yes": 95, "b) No": 4, "c) Unknown": 1}, n),
            "s47": s47,
            "strategy_date": strategy,
            "icpc": icpc,
            "icpc_date": np.where(icpc, icpc_date, NAT),
            "icpc_cp_plan": cp,
            "cp": cp,
            "cp_start": np.where(cp, icpc_date, NAT),
            "cp_end": np.where(cp, cp_end, NAT),
            "cp_team": cp_team,
            "initial_category": pick(
                rng,
                {
                    "a) Neglect": 50,
                    "d) Emotional abuse": 32,
                    "b) Physical abuse": 10,
                    "c) Sexual abuse": 4,
                    "e) Multiple/not recommended": 4,
                },
                n,
            ),
            "epo": rng.random(n) < 0.03,
            "cla_start": cla_start,
            "cla_from_cp": cla_from_cp,
            "cin": assessed,
            "cin_end": cin_end,
            "primary_need": pick(
                rng,
                {
                    "N1 - Abuse or neglect": 55,
                    "N4 - Family in acute stress": 12,
                    "N5 - Family dysfunction": 15,
                    "N2 - Child’s disability": 5,
                    "N3 - Parental disability or illness": 4,
                    "N6 - Socially unacceptable behaviour": 4,
                    "N8 - Absent parenting": 3,
                    "N7 - Low income": 1,
                    "N0 - Not stated": 1,
                },
                n,
            ),
        }
    )


def _referral_chains(
    rng: np.random.Generator, h: Horizon, kids: Children, scale: float
) -> pd.DataFrame:
    """Referral histories: each chain is one child, referred again after their episode ends."""
    n_chains = count(rng, REFERRALS_PER_YEAR * (1 - REPEAT_P * 0.8), h.years, scale)
    date = sample_dates(rng, n_chains, h.start, h.end)
    ages = child_ages(rng, n_chains, REFERRAL_AGES)
    child = kids.new(rng, dob_for_age(rng, date, ages))
    dob = np.concatenate(kids.dob)[child]
    rounds = []
    while len(child):
        out = _referral_outcomes(rng, h, child, date, dob)
        rounds.append(out)
        episode_end = out["cin_end"].to_numpy().astype("datetime64[D]")
        episode_end = np.where(out["cin"], episode_end, out["referral_date"].to_numpy())
        # a child in care is not re-referred until their care ends (set later); keep it simple:
        blocked = out["cla_start"].notna().to_numpy()
        nxt = episode_end + exp_days(rng, REPEAT_GAP_DAYS, len(child), 1)
        go = (rng.random(len(child)) < REPEAT_P) & ~blocked & (nxt <= h.end)
        go &= age_years(dob, nxt) < 18
        child, date, dob = child[go], nxt[go], dob[go]
    refs = pd.concat(rounds, ignore_index=True)
    return refs.sort_values(["referral_date", "child"], kind="stable").reset_index(drop=True)


def _contacts(
    rng: np.random.Generator, h: Horizon, kids: Children, refs: pd.DataFrame, scale: float
) -> pd.DataFrame:
    """One contact per referral (same day, same source) plus contacts that went no further."""
    n_extra = count(rng, CONTACTS_PER_YEAR - REFERRALS_PER_YEAR, h.years, scale)
    date = sample_dates(rng, n_extra, h.start, h.end)
    known = rng.random(n_extra) < 0.35
    child = np.empty(n_extra, dtype=np.int64)
    child[known] = refs["child"].to_numpy()[rng.integers(0, len(refs), int(known.sum()))]
    born = np.concatenate(kids.dob)[np.where(known, child, 0)] <= date
    known &= born  # a known child only has contacts after their birth
    ages = child_ages(rng, int((~known).sum()), REFERRAL_AGES)
    child[~known] = kids.new(rng, dob_for_age(rng, date[~known], ages))
    extra = pd.DataFrame(
        {"child": child, "contact_date": date, "source": pick(rng, SOURCES, n_extra)}
    )
    led = refs[["child", "referral_date", "source"]].rename(
        columns={"referral_date": "contact_date"}
    )
    out = pd.concat([led, extra], ignore_index=True).drop_duplicates()
    return out.sort_values(["contact_date", "child"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- children looked after


def _cla_periods(
    rng: np.random.Generator,
    child: np.ndarray,
    start: np.ndarray,
    dob: np.ndarray,
    route: np.ndarray,
) -> pd.DataFrame:
    """Periods of care: duration, why they ended, legal status, adoption timeline."""
    n = len(child)
    age = age_years(dob, start)
    adoption = (age < 4) & (route != "short_break") & (rng.random(n) < 0.38)
    brief = (route != "stock") & ~adoption & (rng.random(n) < 0.18)
    end = start + np.where(brief, exp_days(rng, 30, n, 2), exp_days(rng, 2300, n, 60))
    at18 = add_years(dob, 18)
    aged_out = end >= at18
    end = np.where(aged_out, at18, end)
    reason = np.where(aged_out, pick(rng, CEASED_AT_18, n), pick(rng, CEASED_OTHER, n))
    decision = start + jitter_days(rng, 80, 240, n)
    order = decision + jitter_days(rng, 60, 200, n)
    matched = order + jitter_days(rng, 50, 300, n)
    placed = matched + jitter_days(rng, 7, 28, n)
    adopted = placed + jitter_days(rng, 120, 380, n)
    no_longer = adoption & (rng.random(n) < 0.1)
    no_longer_date = decision + jitter_days(rng, 60, 250, n)
    goes_ahead = adoption & ~no_longer
    end = np.where(
        goes_ahead, adopted, np.where(no_longer, np.maximum(end, no_longer_date + 60 * DAY), end)
    )
    reason = np.where(goes_ahead, np.where(rng.random(n) < 0.3, "E11", "E12"), reason)
    uasc = (route == "direct") & (age >= 14) & (rng.random(n) < 0.15)
    ls = np.where(
        route == "cp",
        pick(rng, {"C1": 72, "V2": 20, "L2": 8}, n),
        pick(rng, {"V2": 62, "C1": 27, "L1": 5, "J1": 4, "L2": 2}, n),
    )
    ls = np.where(uasc, "V2", np.where(adoption, "C1", ls))
    ls = np.where(route == "stock", pick(rng, {"C2": 70, "V2": 15, "E1": 5, "C1": 10}, n), ls)
    need = np.where(uasc, "N8", pick(rng, NEED, n))
    plan = np.where(adoption, "b) Adoption", pick(rng, PERMANENCE, n))
    plan = np.where(
        age >= 15,
        pick(
            rng,
            {
                "d) Supported living in the community": 50,
                "f) Long-term fostering": 40,
                "a) Return to family": 10,
            },
            n,
        ),
        plan,
    )
    return pd.DataFrame(
        {
            "child": child,
            "cla_start": start,
            "cla_end": end,
            "reason_ceased": reason,
            "aged_out": aged_out & ~goes_ahead,
            "legal_status": ls,
            "category_of_need": need,
            "uasc": uasc,
            "permanence_plan": plan,
            "adoption": adoption,
            "route": route,
            "placement_decision": np.where(adoption, decision, NAT),
            "placement_order": np.where(goes_ahead, order, NAT),
            "matched": np.where(goes_ahead, matched, NAT),
            "placed_for_adoption": np.where(goes_ahead, placed, NAT),
            "adoption_order": np.where(goes_ahead, adopted, NAT),
            "no_longer_decision": np.where(no_longer, no_longer_date, NAT),
            "no_longer_reason": np.where(
                no_longer,
                pick(
                    rng,
                    {
                        "RD1 - The child’s needs changed subsequent to the decision": 3,
                        "RD2 - The Court did not make a placement order": 2,
                        "RD3 - Prospective adopters could not be found": 3,
                        "RD4 - Any other reason": 2,
                    },
                    n,
                ),
                None,
            ),
            "ffa": adoption & (rng.random(n) < 0.15),
        }
    )


def _cla_stock(rng: np.random.Generator, h: Horizon, kids: Children, scale: float) -> pd.DataFrame:
    """Children already in care when the simulation starts."""
    n = int(rng.poisson(640 * scale))
    ages = child_ages(rng, n, CLA_AGES_STOCK)
    on = np.full(n, h.start)
    dob = dob_for_age(rng, on, ages)
    child = kids.new(rng, dob)
    in_care_days = np.minimum(rng.exponential(900, n), (h.start - dob) / DAY - 1).astype(int)
    start = h.start - np.maximum(in_care_days, 1) * DAY
    return _cla_periods(rng, child, start, dob, np.full(n, "stock", dtype=object))


def _short_breaks(
    rng: np.random.Generator, h: Horizon, kids: Children, scale: float
) -> pd.DataFrame:
    """Disabled children on series of short breaks: V4 yearly agreements and V3 recorded stays."""
    n4, n3 = max(1, round(12 * scale)), max(1, round(6 * scale))
    dob4 = dob_for_age(rng, np.full(n4, h.start), rng.integers(3, 12, n4))
    dob3 = dob_for_age(rng, np.full(n3, h.start), rng.integers(3, 12, n3))
    c4, c3 = kids.new(rng, dob4, 1.0), kids.new(rng, dob3, 1.0)
    rows = []
    first = h.start + jitter_days(rng, 0, 300, n4)
    for k in range(8):  # consecutive yearly agreements
        s = first + (365 * k) * DAY
        rows.append(
            pd.DataFrame(
                {"child": c4, "cla_start": s, "cla_end": s + 364 * DAY, "legal_status": "V4"}
            )
        )
    stays = []
    s = h.start + jitter_days(rng, 0, 60, n3)
    while (s <= h.end).any():
        stays.append(
            pd.DataFrame(
                {
                    "child": c3,
                    "cla_start": s,
                    "cla_end": s + jitter_days(rng, 1, 3, n3),
                    "legal_status": "V3",
                }
            )
        )
        s = s + jitter_days(rng, 45, 75, n3)
    sb = pd.concat(rows + stays, ignore_index=True)
    sb = sb[sb["cla_start"] <= h.end].reset_index(drop=True)
    n = len(sb)
    sb = sb.assign(
        reason_ceased="E8",
        aged_out=False,
        category_of_need="N2",
        uasc=False,
        permanence_plan="g) other",
        adoption=False,
        route="short_break",
        ffa=False,
    )
    for col in (
        "placement_decision",
        "placement_order",
        "matched",
        "placed_for_adoption",
        "adoption_order",
        "no_longer_decision",
    ):
        sb[col] = _nat(n)
    sb["no_longer_reason"] = None
    return sb


PLACE_BY_AGE = {
    "young": {"U4": 30, "U6": 28, "U1": 10, "U3": 12, "P1": 8, "K2": 3, "R3": 2},
    "teen": {"U4": 30, "U6": 17, "U1": 5, "U3": 5, "K2": 22, "P1": 6, "S1": 2, "K1": 1},
    "older": {"U4": 20, "U6": 10, "H5": 32, "K2": 15, "U1": 5, "P2": 5, "P1": 3},
}
PROVIDER = {
    "U": {"PR1": 62, "PR4": 38},
    "K": {"PR4": 80, "PR1": 10, "PR5": 10},
    "H": {"PR4": 70, "PR5": 30},
    "P": {"PR0": 100},
    "A": {"PR1": 70, "PR2": 30},
    "R": {"PR4": 100},
    "S": {"PR4": 100},
}
OUT_OF_AREA = {
    "Hampshire": 45,
    "Portsmouth": 10,
    "Isle of Wight": 8,
    "Dorset": 8,
    "Wiltshire": 8,
    "West Sussex": 8,
    "Bournemouth, Christchurch and Poole": 8,
    "WAL - Child placed in Wales": 2,
    "CON - Child placed in confidential placement": 3,
}
MOVE_REASONS = {
    "CARPL": 25,
    "CHILD": 15,
    "LAREQ": 20,
    "PLACE": 10,
    "STAND": 5,
    "CREQB": 5,
    "CREQO": 5,
    "ALLEG": 3,
    "CLOSE": 4,
    "OTHER": 8,
}


def fake_postcodes(rng: np.random.Generator, n: int) -> np.ndarray:
    """NHS pseudo-postcodes (ZZ99 …): clearly not real addresses."""
    letters = np.array(list("ABDEFGHJLNPQRSTUWXY"))
    digit = rng.integers(1, 10, n).astype(str)
    tail = np.char.add(letters[rng.integers(0, 19, n)], letters[rng.integers(0, 19, n)])
    return np.char.add(np.char.add("ZZ99 ", digit), tail).astype(object)


def _placements(
    rng: np.random.Generator, h: Horizon, cla: pd.DataFrame, dob: np.ndarray
) -> pd.DataFrame:
    """Placements within each period: moves (more for a few unstable children), adoptive ones."""
    n = len(cla)
    start = cla["cla_start"].to_numpy().astype("datetime64[D]")
    end = cla["cla_end"].to_numpy().astype("datetime64[D]")
    years = ((np.minimum(end, h.end + 365 * DAY) - start) / DAY).astype(float) / 365.25
    unstable = rng.random(n) < 0.09
    moves = rng.poisson(np.clip(years, 0, None) * np.where(unstable, 2.8, 0.33))
    moves = np.where(cla["route"].to_numpy() == "short_break", 0, moves)
    pid = np.repeat(np.arange(n), moves)
    frac = rng.random(len(pid))
    move_date = start[pid] + (frac * (end[pid] - start[pid]) / DAY).astype(int) * DAY
    adopt = cla["placed_for_adoption"].notna().to_numpy()
    firsts = pd.DataFrame({"period": np.arange(n), "place_start": start, "kind": "start"})
    mv = pd.DataFrame({"period": pid, "place_start": move_date, "kind": "move"})
    ad = pd.DataFrame(
        {
            "period": np.flatnonzero(adopt),
            "place_start": cla["placed_for_adoption"].to_numpy()[adopt].astype("datetime64[D]"),
            "kind": "adoption",
        }
    )
    pl = pd.concat([firsts, mv, ad], ignore_index=True)
    pl = pl[
        (pl["kind"] == "start")
        | ((pl["place_start"] > start[pl["period"]]) & (pl["place_start"] < end[pl["period"]]))
    ]
    pl = pl.sort_values(["period", "place_start", "kind"]).drop_duplicates(
        ["period", "place_start"]
    )
    # after an adoptive placement nothing else moves
    adopt_from = pd.Series(cla["placed_for_adoption"].to_numpy().astype("datetime64[D]"))
    later = adopt_from.reindex(pl["period"]).to_numpy()
    pl = pl[~((pl["kind"] == "move") & ~pd.isna(later) & (pl["place_start"].to_numpy() > later))]
    pl = pl.reset_index(drop=True)
    m = len(pl)
    age = age_years(dob[pl["period"].to_numpy()], pl["place_start"].to_numpy())
    band = np.where(age < 10, "young", np.where(age < 16, "teen", "older"))
    place = np.empty(m, dtype=object)
    for b, opts in PLACE_BY_AGE.items():
        mask = band == b
        place[mask] = pick(rng, opts, int(mask.sum()))
    sb = cla["route"].to_numpy()[pl["period"]] == "short_break"
    place[sb] = np.where(rng.random(int(sb.sum())) < 0.7, "K2", "U6")
    ffa = cla["ffa"].to_numpy()[pl["period"]]
    place = np.where(pl["kind"] == "adoption", np.where(ffa, "A5", "A6"), place)
    provider = np.empty(m, dtype=object)
    for letter, opts in PROVIDER.items():
        mask = np.char.startswith(place.astype(str), letter)
        provider[mask] = pick(rng, opts, int(mask.sum()))
    out = np.where(
        provider == "PR1",
        rng.random(m) < 0.15,
        np.where(provider == "PR0", rng.random(m) < 0.1, rng.random(m) < 0.6),
    )
    la = np.where(out, pick(rng, OUT_OF_AREA, m), "Southampton")
    needs_urn = np.isin(provider, ["PR4", "PR5", "PR2"]) | np.isin(
        place, ["K2", "H5", "K1", "S1", "R3"]
    )
    urn = np.where(
        needs_urn, np.char.add("SC", rng.integers(100000, 999999, m).astype(str)), "XXXXXXX"
    )
    return pl.assign(
        place=place,
        provider=provider,
        location=np.where(out, "b) Out", "a) In"),
        la=la,
        postcode=fake_postcodes(rng, m),
        urn=urn,
        move_reason=pick(rng, MOVE_REASONS, m),
    )


def _legal_changes(rng: np.random.Generator, cla: pd.DataFrame) -> pd.DataFrame:
    """Changes of legal status within a period: ICO to full order, EPO to ICO, placement orders."""
    n = len(cla)
    ls = cla["legal_status"].to_numpy()
    start = cla["cla_start"].to_numpy().astype("datetime64[D]")
    frames = []
    to_fco = (ls == "C1") & ~cla["adoption"].to_numpy() & (rng.random(n) < 0.75)
    frames.append(
        pd.DataFrame(
            {
                "period": np.flatnonzero(to_fco),
                "date": (start + jitter_days(rng, 150, 330, n))[to_fco],
                "ls": "C2",
            }
        )
    )
    emergency = np.isin(ls, ["L1", "L2"])
    frames.append(
        pd.DataFrame(
            {
                "period": np.flatnonzero(emergency),
                "date": (start + jitter_days(rng, 2, 8, n))[emergency],
                "ls": "C1",
            }
        )
    )
    s20 = (ls == "V2") & ~cla["uasc"].to_numpy() & (rng.random(n) < 0.2)
    frames.append(
        pd.DataFrame(
            {
                "period": np.flatnonzero(s20),
                "date": (start + jitter_days(rng, 60, 200, n))[s20],
                "ls": "C1",
            }
        )
    )
    po = cla["placement_order"].notna().to_numpy()
    frames.append(
        pd.DataFrame(
            {
                "period": np.flatnonzero(po),
                "date": cla["placement_order"].to_numpy()[po].astype("datetime64[D]"),
                "ls": "E1",
            }
        )
    )
    out = pd.concat(frames, ignore_index=True)
    end = cla["cla_end"].to_numpy().astype("datetime64[D]")
    keep = (out["date"].to_numpy() > start[out["period"]]) & (
        out["date"].to_numpy() < end[out["period"]]
    )
    return out[keep]


def _episodes(
    rng: np.random.Generator, cla: pd.DataFrame, pl: pd.DataFrame, legal: pd.DataFrame
) -> pd.DataFrame:
    """SSDA903 episodes: a new episode at every change of placement and/or legal status."""
    starts = pd.DataFrame(
        {
            "period": np.arange(len(cla)),
            "date": cla["cla_start"].to_numpy(),
            "ls": cla["legal_status"].to_numpy(),
        }
    )
    pts = pd.concat(
        [
            starts.assign(place_no=0),
            pl[["period", "place_start"]]
            .rename(columns={"place_start": "date"})
            .assign(ls=None, place_change=True),
            legal.assign(legal_change=True),
        ],
        ignore_index=True,
    )
    pts["place_change"] = pts["place_change"].astype("boolean").fillna(False).astype(bool)
    pts["legal_change"] = pts["legal_change"].astype("boolean").fillna(False).astype(bool)
    pts = pts.groupby(["period", "date"], as_index=False, sort=True).agg(
        ls=("ls", "last"),
        place_change=("place_change", "any"),
        legal_change=("legal_change", "any"),
    )
    first = ~pts.duplicated("period")
    pts["ls"] = pts.groupby("period")["ls"].ffill()
    pl = pl.assign(place_no=pl.groupby("period").cumcount())
    pts["place_no"] = (pts["place_change"] & ~first).groupby(pts["period"]).cumsum()
    pts = pts.merge(pl.drop(columns=["place_start", "kind"]), on=["period", "place_no"], how="left")
    nxt = pts.groupby("period")["date"].shift(-1)
    last = nxt.isna()
    period_end = cla["cla_end"].to_numpy()[pts["period"]]
    rne = np.select(
        [first, pts["place_change"] & pts["legal_change"], pts["place_change"]],
        ["S", "U", "P"],
        "L",
    )
    next_rne = pd.Series(rne).groupby(pts["period"]).shift(-1)
    return pd.DataFrame(
        {
            "period": pts["period"],
            "child": cla["child"].to_numpy()[pts["period"]],
            "DECOM": pts["date"],
            "RNE": rne,
            "LS": pts["ls"],
            "CIN": cla["category_of_need"].to_numpy()[pts["period"]],
            "PLACE": pts["place"],
            "PLACE_PROVIDER": pts["provider"],
            "DEC": np.where(last, period_end, nxt),
            "REC": np.where(last, cla["reason_ceased"].to_numpy()[pts["period"]], "X1"),
            "REASON_PLACE_CHANGE": np.where(next_rne.isin(["P", "U"]), pts["move_reason"], None),
            "PL_POST": pts["postcode"],
            "URN": pts["urn"],
            "location": pts["location"],
            "la": pts["la"],
            "place_no": pts["place_no"],
        }
    )


def _reviews(rng: np.random.Generator, h: Horizon, cla: pd.DataFrame) -> pd.DataFrame:
    """Statutory reviews: 20 working days after entry, 3 months later, then every 6 months."""
    ok = cla["route"].to_numpy() != "short_break"
    period = np.flatnonzero(ok)
    start = cla["cla_start"].to_numpy().astype("datetime64[D]")[ok]
    end = cla["cla_end"].to_numpy().astype("datetime64[D]")[ok]
    due = add_working_days(start, np.full(len(start), 20))
    rows = []
    for gap in [91] + [182] * 40:
        on_time = rng.random(len(due)) < h.trend(due, 0.86, 0.95)
        early, late = jitter_days(rng, 0, 10, len(due)), jitter_days(rng, 1, 45, len(due))
        held = np.maximum(np.where(on_time, due - early, due + late), start + DAY)
        alive = (held < end) & (held <= h.end)
        rows.append(pd.DataFrame({"period": period[alive], "review_date": held[alive]}))
        period, start, end = period[alive], start[alive], end[alive]
        if not len(period):
            break
        due = held[alive] + gap * DAY
    out = pd.concat(rows, ignore_index=True)
    out["child"] = cla["child"].to_numpy()[out["period"]]
    return out.sort_values(["period", "review_date"]).reset_index(drop=True)


def _missing(
    rng: np.random.Generator,
    h: Horizon,
    who: pd.DataFrame,
    looked_after: bool,
    prone_p: float,
    rate: float,
) -> pd.DataFrame:
    """Missing (M) and absent (A) episodes of young people aged 11+ during `who` spans."""
    n = len(who)
    start = np.maximum(who["from"].to_numpy().astype("datetime64[D]"), h.start)
    end = np.minimum(who["to"].to_numpy().astype("datetime64[D]"), h.end)
    span = np.clip((end - start) / DAY, 0, None).astype(float)
    prone = (who["age"].to_numpy() >= 11) & (rng.random(n) < prone_p)
    k = rng.poisson(np.where(prone, rate, 0.0) * span / 365.25)
    idx = np.repeat(np.arange(n), k)
    day = start[idx] + (rng.random(len(idx)) * span[idx]).astype(int) * DAY
    m = len(idx)
    kind = np.where(looked_after & (rng.random(m) < 0.25), "A", "M")
    length = pick(rng, {0: 50, 1: 35, 2: 8, 3: 4, 5: 3}, m).astype(int) * DAY
    offered = rng.random(m) < h.trend(day, 0.84, 0.95)
    accepted = offered & (rng.random(m) < 0.75)
    quick = rng.random(m) < h.trend(day, 0.55, 0.8)
    rhi = day + length + np.where(quick, jitter_days(rng, 0, 3, m), jitter_days(rng, 4, 20, m))
    return pd.DataFrame(
        {
            "child": who["child"].to_numpy()[idx],
            "kind": kind,
            "missing_start": day,
            "missing_end": day + length,
            "looked_after": looked_after,
            "rhi_offered": offered,
            "rhi_accepted": accepted,
            "rhi_date": np.where(accepted, rhi, NAT),
            "risk_assessment_date": np.where(
                rng.random(m) < 0.9, day + jitter_days(rng, 0, 1, m), NAT
            ),
        }
    )


# --------------------------------------------------------------------------- the whole world


def _subsequent_period(cla: pd.DataFrame) -> np.ndarray:
    """Whether another period of care ended in the 12 months before this one began."""
    prev_end = cla.groupby("child")["cla_end"].shift(1)
    gap = (cla["cla_start"] - prev_end).dt.days
    return (gap.notna() & (gap <= 365)).to_numpy()


def _cla_team(rng: np.random.Generator, cla: pd.DataFrame) -> np.ndarray:
    lac = np.where(
        cla["child"].to_numpy() % 2 == 0, "Looked After Children 1", "Looked After Children 2"
    )
    cwd = (cla["route"].to_numpy() == "short_break") | (cla["category_of_need"].to_numpy() == "N2")
    return np.where(cwd, "Children with Disabilities", lac).astype(object)


def build_world(seed: int, scale: float, horizon: Horizon) -> World:
    """Simulate everything, deterministically for a seed and scale."""
    from . import _services as svc
    from ._common import _child_id

    rng = np.random.default_rng(seed)
    h = horizon
    kids = Children()
    wf = svc.workforce(rng, h, scale)
    refs = _referral_chains(rng, h, kids, scale)
    contacts = _contacts(rng, h, kids, refs, scale)
    dob = np.concatenate(kids.dob)

    into_care = refs[refs["cla_start"].notna()]
    route = np.where(into_care["cla_from_cp"], "cp", "direct").astype(object)
    start = into_care["cla_start"].to_numpy().astype("datetime64[D]")
    new = _cla_periods(
        rng, into_care["child"].to_numpy(), start, dob[into_care["child"].to_numpy()], route
    )
    new["referral_row"] = into_care.index.to_numpy()
    adult = add_years(dob[new["child"].to_numpy()], 18) <= new["cla_start"].to_numpy()
    new = new[~adult]  # 18 by the time care would start: no period of care
    stock = _cla_stock(rng, h, kids, scale)
    breaks = _short_breaks(rng, h, kids, scale)
    dob = np.concatenate(kids.dob)
    cla = pd.concat([stock, new, breaks], ignore_index=True)
    cla = cla[cla["cla_start"] <= h.end]
    for col in (
        "cla_start",
        "cla_end",
        "placement_decision",
        "placement_order",
        "matched",
        "placed_for_adoption",
        "adoption_order",
        "no_longer_decision",
    ):
        cla[col] = pd.to_datetime(cla[col])
    cla = cla.sort_values(["child", "cla_start"]).reset_index(drop=True)
    cla["subsequent_period"] = _subsequent_period(cla)
    cla = cla.sort_values(["cla_start", "child"], kind="stable").reset_index(drop=True)
    cla["team"] = _cla_team(rng, cla)
    cla["worker"] = _workers(rng, wf, cla["team"].to_numpy())

    # the CIN episode of a child who came into care lasts as long as the care
    refs["cin_end"] = pd.to_datetime(refs["cin_end"])
    linked = cla.dropna(subset=["referral_row"])
    refs.loc[linked["referral_row"].astype(int), "cin_end"] = linked["cla_end"].to_numpy()
    refs["ref_worker"] = _workers(rng, wf, refs["team"].to_numpy())
    refs["cp_worker"] = _workers(rng, wf, refs["cp_team"].to_numpy())
    refs["previous_cp_background"] = rng.choice([0, 1, 2], size=len(refs), p=[0.8, 0.16, 0.04])

    pl = _placements(rng, h, cla, dob[cla["child"].to_numpy()])
    legal = _legal_changes(rng, cla)
    episodes = _episodes(rng, cla, pl, legal)
    reviews = _reviews(rng, h, cla)

    cin = refs[refs["cin"]]
    cin_team = np.where(cin["cp"], cin["cp_team"], cin["team"])
    spans = pd.concat(
        [
            pd.DataFrame(
                {
                    "child": cin["child"],
                    "from": cin["referral_date"],
                    "to": cin["cin_end"],
                    "team": cin_team,
                }
            ),
            pd.DataFrame(
                {
                    "child": stock["child"],
                    "from": stock["cla_start"],
                    "to": stock["cla_end"],
                    "team": "Looked After Children 1",
                }
            ),
        ],
        ignore_index=True,
    )
    from ._common import age_years as _age

    cla_who = pd.DataFrame(
        {
            "child": cla["child"],
            "from": cla["cla_start"],
            "to": cla["cla_end"],
            "age": _age(dob[cla["child"].to_numpy()], cla["cla_start"].to_numpy()),
        }
    )
    not_cla = cin[cin["cla_start"].isna()]
    cin_who = pd.DataFrame(
        {
            "child": not_cla["child"],
            "from": not_cla["referral_date"],
            "to": not_cla["cin_end"],
            "age": _age(dob[not_cla["child"].to_numpy()], not_cla["referral_date"].to_numpy()),
        }
    )
    missing = (
        pd.concat(
            [
                _missing(rng, h, cla_who[cla["route"] != "short_break"], True, 0.2, MISSING_RATE),
                _missing(rng, h, cin_who, False, 0.06, 3.0),
            ],
            ignore_index=True,
        )
        .sort_values(["missing_start", "child"], kind="stable")
        .reset_index(drop=True)
    )

    closed_cin = cin[cin["cla_start"].isna() & ~cin["cp"]]
    step = closed_cin[rng.random(len(closed_cin)) < 0.15]
    step_downs = pd.DataFrame(
        {
            "child": step["child"].to_numpy(),
            "referral_date": step["cin_end"].to_numpy().astype("datetime64[D]")
            + jitter_days(rng, 0, 14, len(step)),
        }
    )
    eh = svc.early_help(rng, h, kids, step_downs, scale)
    ehe = svc.ehe(rng, h, kids, scale)
    known = _child_id(np.unique(refs["child"].to_numpy()))
    return World(
        horizon=h,
        children=kids.frame(),
        contacts=contacts,
        referrals=refs,
        cla=cla,
        placements=pl,
        episodes=episodes,
        reviews=reviews,
        missing=missing,
        early_help=eh,
        adopters=svc.adopters(rng, h, scale),
        workforce=wf,
        audits=svc.audits(rng, h, known, scale),
        supervision=svc.supervision(rng, h, spans),
        ehe=ehe,
        foster_carers=svc.foster_carers(rng, h, scale),
    )
