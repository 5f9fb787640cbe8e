"""Simulate local datasets: workforce, audits, supervision, early help, EHE, fostering, adopters."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import (
    DAY,
    NAT,
    REFERRAL_AGES_EH,
    TEAMS,
    Children,
    Horizon,
    add_working_days,
    child_ages,
    count,
    dob_for_age,
    exp_days,
    jitter_days,
    pick,
    sample_dates,
)

TEAM_SOCIAL_WORKERS = {
    "MASH": 10,
    "Assessment 1": 15,
    "Assessment 2": 15,
    "Protection and Court 1": 18,
    "Protection and Court 2": 18,
    "Looked After Children 1": 15,
    "Looked After Children 2": 15,
    "Pathways (Care Leavers)": 6,
    "Children with Disabilities": 8,
}
OTHER_STAFF = [  # (role, team, count, case_holding, prefix)
    *[("Team manager", t, 2 if n >= 15 else 1, "No", "TM") for t, n in TEAM_SOCIAL_WORKERS.items()],
    ("Service manager", "MASH", 1, "No", "SM"),
    ("Service manager", "Protection and Court 1", 1, "No", "SM"),
    ("Service manager", "Looked After Children 1", 1, "No", "SM"),
    ("Service manager", "Children with Disabilities", 1, "No", "SM"),
    ("Personal adviser", "Pathways (Care Leavers)", 12, "Yes", "PA"),
    ("Family support worker", "Protection and Court 1", 3, "No", "FS"),
    ("Family support worker", "Protection and Court 2", 3, "No", "FS"),
    ("Family support worker", "Children with Disabilities", 3, "No", "FS"),
]
CASELOAD_TEAM_OFFSET = {
    "MASH": 2,
    "Assessment 1": 2,
    "Assessment 2": 2,
    "Children with Disabilities": -3,
}
EARLY_HELP_TEAMS = {"Early Help East": 35, "Early Help West": 35, "Early Help Central": 30}


def month_ends(start: np.datetime64, end: np.datetime64) -> np.ndarray:
    months = np.arange(start.astype("datetime64[M]"), end.astype("datetime64[M]") + 1)
    ends = (months + 1).astype("datetime64[D]") - DAY
    return ends[(ends >= start) & (ends <= end)]


def _posts(scale: float) -> pd.DataFrame:
    """Every funded post: team, role family, case holding, id prefix."""
    rows = []
    for team, n in TEAM_SOCIAL_WORKERS.items():
        rows += [("Social worker", team, "Yes", "SW")] * max(1, round(n * scale))
    for role, team, n, holding, prefix in OTHER_STAFF:
        rows += [(role, team, holding, prefix)] * max(1, round(n * scale))
    return pd.DataFrame(rows, columns=["role", "team", "case_holding", "prefix"])


def workforce(rng: np.random.Generator, h: Horizon, scale: float) -> pd.DataFrame:
    """Monthly snapshots of posts held by permanent or agency staff (agency share falls)."""
    posts = _posts(scale)
    n = len(posts)
    is_sw = (posts["prefix"] == "SW").to_numpy()
    counters: dict[str, int] = {}

    def new_ids(prefixes: np.ndarray) -> np.ndarray:
        out = []
        for p in prefixes:
            counters[p] = counters.get(p, 0) + 1
            out.append(f"{p}{counters[p]:03d}")
        return np.array(out, dtype=object)

    agency = is_sw & (rng.random(n) < 0.30)
    staff = new_ids(posts["prefix"].to_numpy())
    start = h.start - np.where(agency, exp_days(rng, 200, n, 7), exp_days(rng, 1500, n, 30))
    sw_role = pick(
        rng, {"Social worker": 65, "Senior practitioner": 25, "Advanced practitioner": 10}, n
    )
    role = np.where(is_sw, sw_role, posts["role"].to_numpy())
    fte = pick(rng, {1.0: 80, 0.8: 10, 0.6: 7, 0.5: 3}, n).astype(float)
    appraisal_doy = rng.integers(0, 365, n)
    rows = []
    for snap in month_ends(h.start, h.end):
        hazard = np.where(agency, 0.07, np.where(is_sw, 0.013, 0.01))
        leaves = rng.random(n) < hazard
        k = int(leaves.sum())
        if k:
            leave_date = snap - jitter_days(rng, 0, 27, k)
            rows.append(
                pd.DataFrame(
                    {"snapshot_date": snap, "staff_id": staff[leaves], "leaving": leave_date}
                )
            )
            f = float(h.trend(np.array([snap]), 0.66, 0.26)[0])
            new_agency = is_sw[leaves] & (rng.random(k) < f)
            agency[leaves] = new_agency
            staff[leaves] = new_ids(posts["prefix"].to_numpy()[leaves])
            start[leaves] = leave_date + jitter_days(rng, 1, 20, k)
            role[leaves] = np.where(
                is_sw[leaves],
                pick(
                    rng,
                    {"Social worker": 75, "Senior practitioner": 20, "Advanced practitioner": 5},
                    k,
                ),
                posts["role"].to_numpy()[leaves],
            )
            fte[leaves] = pick(rng, {1.0: 80, 0.8: 10, 0.6: 7, 0.5: 3}, k).astype(float)
            appraisal_doy[leaves] = rng.integers(0, 365, k)
        in_post = start <= snap
        mean_cl = float(h.trend(np.array([snap]), 21.0, 16.5)[0])
        offset = posts["team"].map(CASELOAD_TEAM_OFFSET).fillna(0).to_numpy()
        cl = np.rint(np.clip(rng.normal(mean_cl + offset, 3.5), 4, 34) * fte).astype(int)
        cl = np.where(posts["prefix"] == "PA", rng.integers(16, 26, n), cl)
        holding = posts["case_holding"].to_numpy()
        year_start = snap.astype("datetime64[Y]").astype("datetime64[D]")
        anniversary = year_start + appraisal_doy * DAY
        anniversary = np.where(anniversary > snap, anniversary - 365 * DAY, anniversary)
        missed = rng.random(n) < h.trend(np.array([snap]), 0.3, 0.12)[0]
        appraisal = np.where(missed, anniversary - 365 * DAY, anniversary)
        appraisal = np.where(agency | (appraisal < start + 120 * DAY), NAT, appraisal)
        rows.append(
            pd.DataFrame(
                {
                    "snapshot_date": snap,
                    "staff_id": staff,
                    "team": posts["team"].to_numpy(),
                    "role": role,
                    "case_holding": holding,
                    "employment": np.where(agency, "Agency", "Permanent"),
                    "fte": fte,
                    "caseload": np.where(holding == "Yes", cl, -1),
                    "appraisal_date": appraisal,
                    "start_date": start,
                    "absence_days_12m": np.round(rng.gamma(1.2, 7, n), 1),
                }
            )[in_post]
        )
    allrows = pd.concat(rows, ignore_index=True)
    leaving = allrows.loc[allrows["leaving"].notna(), ["staff_id", "leaving"]].drop_duplicates(
        "staff_id"
    )
    snaps = allrows[allrows["leaving"].isna()].drop(columns="leaving")
    snaps = snaps.merge(leaving, on="staff_id", how="left")
    notice = (snaps["leaving"] - snaps["snapshot_date"]).dt.days.between(1, 31)
    snaps["leave_date"] = snaps["leaving"].where(notice)
    return snaps.drop(columns="leaving").reset_index(drop=True)


DFE_SW_ROLES = (
    "Social worker",
    "Senior practitioner",
    "Advanced practitioner",
    "Team manager",
    "Service manager",
)


def vacancies(workforce: pd.DataFrame) -> pd.DataFrame:
    """Vacant child and family social worker FTE per snapshot and team (DfE: posts not filled by
    an employed worker, agency cover included). A team's posts are the most child and family
    social workers it ever had in post at one snapshot, each a full-time post."""
    sw = workforce[workforce["role"].isin(DFE_SW_ROLES)]
    in_post = sw.groupby(["snapshot_date", "team"]).size()
    posts = in_post.groupby("team").max()
    permanent = sw[sw["employment"] == "Permanent"].groupby(["snapshot_date", "team"])["fte"].sum()
    grid = in_post.index.to_frame(index=False)
    held = permanent.reindex(pd.MultiIndex.from_frame(grid), fill_value=0.0).to_numpy()
    vacant = np.clip(grid["team"].map(posts).to_numpy() - held, 0, None)
    return grid.assign(vacancy_fte=np.round(vacant, 1))


AUDIT_TYPES = {
    "Managers monthly": 55,
    "Thematic": 20,
    "This Child": 10,
    "Multi-agency": 8,
    "Early Help": 7,
}
THEMES = {
    "assessment": 14,
    "planning": 12,
    "direct_work": 8,
    "visits": 8,
    "supervision": 8,
    "management_oversight": 10,
    "neglect": 6,
    "domestic_abuse": 5,
    "missing": 3,
    "core_groups": 4,
    "life_story": 3,
    "permanence": 5,
    "care_leavers": 4,
    "threshold": 4,
    "early_help": 4,
    "ehe": 1,
    "fostering": 1,
}
THEME_OFFSET = {
    "supervision": -0.08,
    "management_oversight": -0.07,
    "visits": 0.03,
    "threshold": 0.05,
}
TEAM_WEIGHTS = {t: 1.0 for t in TEAMS} | {"MASH": 0.6, "Pathways (Care Leavers)": 0.6}


def audits(
    rng: np.random.Generator, h: Horizon, child_ids: np.ndarray, scale: float
) -> pd.DataFrame:
    """Case audits allocated through each month; the share graded good or better rises over time."""
    n = count(rng, 45 * 12, h.years, scale)
    allocated = sample_dates(rng, n, h.start, h.end)
    due = allocated + 28 * DAY
    done = allocated + np.where(
        rng.random(n) < 0.8, jitter_days(rng, 3, 28, n), jitter_days(rng, 29, 70, n)
    )
    never = rng.random(n) < 0.03
    theme = pick(rng, THEMES, n)
    audit_type = pick(rng, AUDIT_TYPES, n)
    audit_type = np.where(np.isin(theme, ["early_help", "ehe"]), "Early Help", audit_type)
    good_p = h.trend(done, 0.45, 0.72) + pd.Series(theme).map(THEME_OFFSET).fillna(0).to_numpy()
    u = rng.random(n)
    inadequate_p = h.trend(done, 0.15, 0.05)
    grade = np.where(
        u < good_p * 0.08,
        "Outstanding",
        np.where(
            u < good_p, "Good", np.where(u < 1 - inadequate_p, "Requires improvement", "Inadequate")
        ),
    )
    team = pick(rng, TEAM_WEIGHTS, n)
    team = np.where(audit_type == "Early Help", pick(rng, EARLY_HELP_TEAMS, n), team)
    return pd.DataFrame(
        {
            "audit_id": [f"AU{i:06d}" for i in range(1, n + 1)],
            "child_id": child_ids[rng.integers(0, len(child_ids), n)],
            "audit_type": audit_type,
            "theme": theme,
            "team": team,
            "allocated_date": allocated,
            "due_date": due,
            "audit_date": np.where(never, NAT, done),
            "grade": np.where(never, None, grade),
        }
    )


def supervision(rng: np.random.Generator, h: Horizon, spans: pd.DataFrame) -> pd.DataFrame:
    """Case supervisions through each open episode; gaps over 56 days become rarer over time."""
    child = spans["child"].to_numpy()
    team = spans["team"].to_numpy()
    end = np.minimum(spans["to"].to_numpy().astype("datetime64[D]"), h.end)
    cur = np.maximum(spans["from"].to_numpy().astype("datetime64[D]"), h.start) + jitter_days(
        rng, 5, 40, len(child)
    )
    rows = []
    while len(cur):
        alive = cur <= end
        child, team, end, cur = child[alive], team[alive], end[alive], cur[alive]
        rows.append(pd.DataFrame({"child": child, "supervision_date": cur, "team": team}))
        timely = rng.random(len(cur)) < h.trend(cur, 0.74, 0.9)
        cur = cur + np.where(
            timely, jitter_days(rng, 21, 56, len(cur)), jitter_days(rng, 57, 110, len(cur))
        )
    return pd.concat(rows, ignore_index=True)


def early_help(
    rng: np.random.Generator, h: Horizon, kids: Children, step_downs: pd.DataFrame, scale: float
) -> pd.DataFrame:
    """Early help episodes for families (siblings share a family id), some stepped down from CSC."""
    n_fam = count(rng, 1100, h.years, scale)
    size = pick(rng, {1: 60, 2: 28, 3: 12}, n_fam).astype(int)
    fam_date = sample_dates(rng, n_fam, h.start, h.end)
    fam = np.repeat(np.arange(n_fam), size)
    date = fam_date[fam]
    child = kids.new(rng, dob_for_age(rng, date, child_ages(rng, len(fam), REFERRAL_AGES_EH)), 0.06)
    new = pd.DataFrame(
        {"child": child, "family": fam, "referral_date": date, "stepped_down_from_csc": False}
    )
    sd = step_downs.assign(
        family=np.arange(n_fam, n_fam + len(step_downs)), stepped_down_from_csc=True
    )
    ep = pd.concat([new, sd[new.columns]], ignore_index=True)
    ep = (
        ep[ep["referral_date"] <= h.end]
        .sort_values(["referral_date", "child"], kind="stable")
        .reset_index(drop=True)
    )
    n = len(ep)
    ref = ep["referral_date"].to_numpy().astype("datetime64[D]")
    timely = rng.random(n) < h.trend(ref, 0.70, 0.86)
    seen = add_working_days(ref, np.where(timely, rng.integers(1, 6, n), rng.integers(6, 25, n)))
    never_seen = rng.random(n) < 0.04
    assessed = seen + jitter_days(rng, 5, 30, n)
    closed = seen + jitter_days(rng, 60, 300, n)
    reason = pick(
        rng,
        {
            "Outcomes met": 62,
            "Family disengaged": 13,
            "Stepped up to CSC": 9,
            "Moved out of area": 5,
            "Other": 11,
        },
        n,
    )
    return ep.assign(
        team=pick(rng, EARLY_HELP_TEAMS, n),
        first_seen_date=np.where(never_seen, NAT, seen),
        assessment_date=np.where(never_seen | (rng.random(n) < 0.1), NAT, assessed),
        closure_date=np.where(never_seen, ref + jitter_days(rng, 20, 60, n), closed),
        closure_reason=np.where(never_seen, "Family disengaged", reason),
        organisation=pick(
            rng,
            {
                "Local authority early help team": 70,
                "School": 15,
                "Health visiting service": 8,
                "Voluntary sector": 7,
            },
            n,
        ),
    )


def ehe(rng: np.random.Generator, h: Horizon, kids: Children, scale: float) -> pd.DataFrame:
    """Elective home education registrations (a stock at the start plus new registrations)."""
    n0 = int(rng.poisson(220 * scale))
    n1 = count(rng, 190, h.years, scale)
    start = np.concatenate(
        [h.start - exp_days(rng, 500, n0, 1), sample_dates(rng, n1, h.start, h.end)]
    )
    n = n0 + n1
    child = kids.new(rng, dob_for_age(rng, start, rng.integers(5, 16, n)), 0.1)
    end = start + exp_days(rng, 550, n, 20)
    return pd.DataFrame(
        {
            "child": child,
            "start_date": start,
            "end_date": end,
            "vulnerable": rng.random(n) < 0.2,
            "allocated": rng.random(n) < h.trend(start, 0.82, 0.96),
            "engagement": pick(rng, {"Engaged": 70, "Not engaged": 15, "Unknown": 15}, n),
        }
    )


def foster_carers(rng: np.random.Generator, h: Horizon, scale: float) -> pd.DataFrame:
    """Fostering households: approvals (a recruitment push later on) and deregistrations."""
    n0 = int(rng.poisson(170 * scale))
    n1 = count(rng, 24, h.years, scale)
    approval = np.concatenate(
        [h.start - exp_days(rng, 2000, n0, 30), sample_dates(rng, n1, h.start, h.end)]
    )
    n = n0 + n1
    dereg = approval + exp_days(rng, 3300, n, 90)
    return pd.DataFrame(
        {
            "household_id": [f"FH{i:04d}" for i in range(1, n + 1)],
            "carer_type": pick(
                rng, {"Mainstream": 70, "Connected person": 25, "Short breaks": 5}, n
            ),
            "approval_date": approval,
            "deregistration_date": dereg,
            "places": pick(rng, {1: 35, 2: 45, 3: 20}, n).astype(int),
        }
    )


def adopters(rng: np.random.Generator, h: Horizon, scale: float) -> pd.DataFrame:
    """Prospective adopters through the two-stage process; some leave along the way."""
    nh = count(rng, 40, h.years, scale)
    enquiry = sample_dates(rng, nh, h.start, h.end)
    s1 = enquiry + jitter_days(rng, 7, 60, nh)
    s1_end = s1 + jitter_days(rng, 40, 80, nh)
    submitted = s1_end + jitter_days(rng, 0, 10, nh)
    s2 = s1_end + jitter_days(rng, 0, 30, nh)
    s2_end = s2 + jitter_days(rng, 90, 150, nh)
    approved = s2_end + jitter_days(rng, 0, 30, nh)
    matched = approved + jitter_days(rng, 30, 300, nh)
    placed = matched + jitter_days(rng, 10, 40, nh)
    order = placed + jitter_days(rng, 150, 400, nh)
    stop = pick(rng, {"none": 62, "enquiry": 20, "stage1": 8, "stage2": 6, "approved": 4}, nh)
    stages = ["enquiry", "stage1", "stage2", "approved"]
    reached = {s: np.isin(stop, stages[stages.index(s) :] + ["none"]) for s in stages}
    left = np.select(
        [stop == "enquiry", stop == "stage1", stop == "stage2", stop == "approved"],
        [
            enquiry + jitter_days(rng, 5, 40, nh),
            s1_end,
            s2_end,
            approved + jitter_days(rng, 60, 300, nh),
        ],
        NAT,
    )
    left_reason = np.select(
        [stop == "none", stop == "stage2"],
        [None, "3 - Application refused"],
        pick(rng, {"1 - Adopter withdrew from process": 75, "2 - Process put on hold": 25}, nh),
    )
    done = stop == "none"
    hh = pd.DataFrame(
        {
            "family_id": [f"FAD{i:04d}" for i in range(1, nh + 1)],
            "ffa": rng.random(nh) < 0.1,
            "enquiry_date": enquiry,
            "stage1_start": np.where(reached["stage1"] | (stop == "stage1"), s1, NAT),
            "stage1_end": np.where(reached["stage2"] | (stop == "stage2"), s1_end, NAT),
            "stage2_start": np.where(reached["stage2"] | (stop == "stage2"), s2, NAT),
            "stage2_end": np.where(reached["approved"] | (stop == "stage2"), s2_end, NAT),
            "application_submitted": np.where(
                reached["stage2"] | (stop == "stage2"), submitted, NAT
            ),
            "application_approved": np.where(reached["approved"], approved, NAT),
            "matched": np.where(done, matched, NAT),
            "placed": np.where(done, placed, NAT),
            "children_placed": np.where(done, pick(rng, {1: 75, 2: 22, 3: 3}, nh).astype(int), -1),
            "adoption_order": np.where(done, order, NAT),
            "left_process": left,
            "left_reason": left_reason,
            "couple": rng.random(nh) < 0.65,
        }
    )
    people = hh.loc[hh.index.repeat(np.where(hh["couple"], 2, 1))].reset_index(drop=True)
    m = len(people)
    return people.assign(
        adopter_id=[f"AD{i:05d}" for i in range(1, m + 1)],
        gender=pick(rng, {"a) Male": 45, "b) Female": 55}, m),
        disability=pick(rng, {"b) No": 95, "a) Yes": 5}, m),
    ).drop(columns="couple")
