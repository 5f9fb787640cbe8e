"""DfE published benchmarks (England, region, the LA) matched to measure ids, with their year."""

from __future__ import annotations

import functools
from collections.abc import Iterable

import pandas as pd

from selfeval.config import reference_file
from selfeval.measures.catalogue import Catalogue

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

#: the DfE health file's columns: the published measure each one is (its name as
#: params/measures.yaml's `benchmark:` gives it)
HEALTH_COLUMNS: dict[str, str] = {
    "england_pct_cla12m_annual_health_assessment": (
        "CLA looked after 12+ months with an annual health assessment (%)"
    ),
    "england_pct_cla12m_teeth_checked": (
        "CLA looked after 12+ months with teeth checked by a dentist (%)"
    ),
}


def _label(year: int) -> str:
    return f"{year - 1}-{str(year)[-2:]}"


def benchmark_names(catalogue: Catalogue) -> dict[str, str]:
    """DfE published measure name -> our measure id, from the catalogue's ``benchmark:`` (the
    one place the match is written; only like-for-like figures are matched there)."""
    return {m.benchmark: m.id for m in catalogue if m.benchmark}


def all_benchmarks(catalogue: Catalogue) -> pd.DataFrame:
    """Every matched benchmark: one row per measure id and year ending 31 March."""
    names = benchmark_names(catalogue)
    published = published_benchmarks()
    out = published[published["benchmark_measure"].isin(names)].copy()
    out.insert(0, "measure_id", out["benchmark_measure"].map(names))
    out["year_label"] = out["year"].map(_label)
    return out[BENCHMARK_COLUMNS].sort_values(["measure_id", "year"]).reset_index(drop=True)


@functools.cache
def _published() -> pd.DataFrame:
    """The reference files read once per process (each page asks for its measures' rows)."""
    dash = pd.read_csv(reference_file(DASHBOARD))
    parts = [
        pd.DataFrame(
            {
                "benchmark_measure": dash["measure"],
                "year": dash["year_ending_31_march"].astype(int),
                "england": pd.to_numeric(dash["England"], errors="coerce"),
                "region": pd.to_numeric(dash["South East"], errors="coerce"),
                "la": pd.to_numeric(dash["Southampton"], errors="coerce"),
                "source": "DfE children's social care outcomes dashboard",
            }
        )
    ]
    health = pd.read_csv(reference_file(HEALTH))
    year = health["period"].str.slice(0, 4).astype(int) + 1  # "2022/23" → year ending 2023
    for column, name in HEALTH_COLUMNS.items():
        parts.append(
            pd.DataFrame(
                {
                    "benchmark_measure": name,
                    "year": year,
                    "england": pd.to_numeric(health[column], errors="coerce"),
                    "region": float("nan"),
                    "la": float("nan"),
                    "source": "DfE children looked after in England (SSDA903 OC2)",
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def published_benchmarks() -> pd.DataFrame:
    """Every published figure in the reference files: benchmark_measure, year, england,
    region, la, source."""
    return _published().copy()


def benchmarks_for(
    measure_ids: Iterable[str] | None = None,
    *,
    latest: bool = False,
    catalogue: Catalogue,
) -> pd.DataFrame:
    """Benchmarks for the given measure ids (all when None), matched by `catalogue` (the
    workspace's): measure_id, benchmark_measure, year
    (ending 31 March), year_label ("2022-23"), england, region, la, source. ``latest=True`` keeps
    each measure's most recent year only."""
    out = all_benchmarks(catalogue)
    if measure_ids is not None:
        out = out[out["measure_id"].isin(list(measure_ids))]
    if latest:
        out = out.sort_values("year").groupby("measure_id", sort=False).tail(1)
        out = out.sort_values("measure_id")
    return out.reset_index(drop=True)
