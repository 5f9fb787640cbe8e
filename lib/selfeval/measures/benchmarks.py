"""DfE published benchmarks (England, region, the LA) matched to measure ids, with their year."""

from __future__ import annotations

import functools
from collections.abc import Iterable

import pandas as pd

from selfeval.config import reference_file

DASHBOARD = "benchmarks_dfe_csc_outcomes_dashboard_england_southeast_southampton.csv"
HEALTH = "benchmarks_england_cla_health_dental.csv"
BENCHMARK_COLUMNS = [
    "measure_id",
    "benchmark_measure",
    "year",
    "year_label",
    "england",
    "region",
    "la",
    "source",
]

# DfE measure name (CSC outcomes dashboard) → our measure id. Only like-for-like figures: annual
# counts ("in year") are not matched to monthly or quarterly counts.
DASHBOARD_MAP: dict[str, str] = {
    "Re-referrals within 12 months of previous referral (%)": "re_referral_pct",
    "CP plans at 31 March (count)": "cp_plans",
    "CP plans starting in year that were second or subsequent (%)": "cp_repeat_pct",
    "CP plans at 31 March open 2+ years (%)": "cp_open_2yrs_pct",
    "Children in need at 31 March (count)": "cin_open",
    "Children in need rate per 10,000 (revised pop)": "cin_rate_10k",
    "CLA at 31 March (count)": "cla",
    "CLA at 31 March rate per 10,000 (revised pop)": "cla_rate_10k",
    "CLA at 31 March with 3+ placements during year (%)": "cla_placements_3plus_pct",
    "CLA <16 looked after 2.5+ yrs living in same placement 2+ yrs (%)": (
        "cla_long_term_stability_pct"
    ),
    "Care leavers 19 to 21 years in suitable accommodation (%)": "care_leavers_suitable_accom_pct",
    "Care leavers 19 to 21 years in EET (%)": "care_leavers_eet_pct",
    "Care leavers 19 to 21 years NEET (%)": "care_leavers_neet_pct",
    "Care leavers 17 to 18 years in suitable accommodation (%)": (
        "care_leavers_suitable_accom_pct_17_18"
    ),
    "Care leavers 17 to 18 years in EET (%)": "care_leavers_eet_pct_17_18",
    "Care leavers 17 to 18 years NEET (%)": "care_leavers_neet_pct_17_18",
    "CLA starting in year rate per 10,000 (revised pop)": "cla_starts_rate_10k",
    "CLA ceasing in year rate per 10,000 (revised pop)": "cla_ceased_rate_10k",
    "Average caseload per case-holding children & family SW (FTE)": "sw_caseload_avg",
    "Agency worker rate (FTE, %)": "agency_rate_pct",
    "Turnover rate (FTE, %)": "sw_turnover_pct",
    "Vacancy rate (FTE, %)": "sw_vacancy_pct",
}
HEALTH_MAP: dict[str, tuple[str, str]] = {
    "england_pct_cla12m_annual_health_assessment": (
        "cla_health_assessment_pct",
        "CLA looked after 12+ months with an annual health assessment (%)",
    ),
    "england_pct_cla12m_teeth_checked": (
        "cla_dental_check_pct",
        "CLA looked after 12+ months with teeth checked by a dentist (%)",
    ),
}


def _label(year: int) -> str:
    return f"{year - 1}-{str(year)[-2:]}"


def all_benchmarks() -> pd.DataFrame:
    """Every matched benchmark: one row per measure id and year ending 31 March."""
    return _read_benchmarks().copy()


@functools.cache
def _read_benchmarks() -> pd.DataFrame:
    """The reference files read once per process (each page asks for its measures' rows)."""
    dash = pd.read_csv(reference_file(DASHBOARD))
    dash = dash[dash["measure"].isin(DASHBOARD_MAP)]
    a = pd.DataFrame(
        {
            "measure_id": dash["measure"].map(DASHBOARD_MAP),
            "benchmark_measure": dash["measure"],
            "year": dash["year_ending_31_march"].astype(int),
            "england": pd.to_numeric(dash["England"], errors="coerce"),
            "region": pd.to_numeric(dash["South East"], errors="coerce"),
            "la": pd.to_numeric(dash["Southampton"], errors="coerce"),
            "source": "DfE children's social care outcomes dashboard",
        }
    )
    health = pd.read_csv(reference_file(HEALTH))
    year = health["period"].str.slice(0, 4).astype(int) + 1  # "2022/23" → year ending 2023
    parts = [a]
    for column, (measure_id, name) in HEALTH_MAP.items():
        parts.append(
            pd.DataFrame(
                {
                    "measure_id": measure_id,
                    "benchmark_measure": name,
                    "year": year,
                    "england": pd.to_numeric(health[column], errors="coerce"),
                    "region": float("nan"),
                    "la": float("nan"),
                    "source": "DfE children looked after in England (SSDA903 OC2)",
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    out["year_label"] = out["year"].map(_label)
    return out[BENCHMARK_COLUMNS].sort_values(["measure_id", "year"]).reset_index(drop=True)


def benchmarks_for(
    measure_ids: Iterable[str] | None = None, *, latest: bool = False
) -> pd.DataFrame:
    """Benchmarks for the given measure ids (all when None): measure_id, benchmark_measure, year
    (ending 31 March), year_label ("2022-23"), england, region, la, source. ``latest=True`` keeps
    each measure's most recent year only."""
    out = all_benchmarks()
    if measure_ids is not None:
        out = out[out["measure_id"].isin(list(measure_ids))]
    if latest:
        out = out.sort_values("year").groupby("measure_id", sort=False).tail(1)
        out = out.sort_values("measure_id")
    return out.reset_index(drop=True)
