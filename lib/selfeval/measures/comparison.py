"""How we compare: a council's DfE-published figures beside its statistical neighbours, region,
England, and its rank and quartile among every council (what the DfE's LAIT showed).

Rules (stated on the pages):
- the figure is the one the DfE publishes at LA level on the measure's basis (`dfe_la:` in
  params/measures.yaml); rates per 10,000 DfE publishes only as counts are divided by the ONS
  mid-year population aged 0-17 of the year before the 31 March, as DfE does;
- statistical-neighbour average: the simple mean of the neighbours with a published figure;
- rank: 1 = best among the councils with a published figure that year (lowest when lower is
  better, highest when higher is better); tied councils share the best rank of the tie
  ("joint 5th"); neither-way measures are ranked from the lowest and get no quartile band;
- quartile band from the rank: A when rank <= n/4, B <= n/2, C <= 3n/4, else D (A best), so tied
  councils always share a band.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from selfeval import dfe_la

# measures are catalogue entries (selfeval.measures.catalogue.MeasureDef, which imports this
# module for the definitions page): typed Any here so the two do not import each other

BANDS = "ABCD"
SERIES_COLUMNS = ["year", "level", "old_la_code", "la_name", "region_name", "value"]


def year_label(year: int) -> str:
    """The DfE reporting year ending 31 March `year`: 2025 -> "2024-25"."""
    return f"{year - 1}-{str(year)[-2:]}"


def published(mdef: Any, folder: Path | None = None) -> pd.DataFrame:
    """Every published figure of a measure: year (ending 31 March), level (Local authority,
    Regional, National), old_la_code (int, LAs only), la_name, region_name and value."""
    spec = mdef.dfe_la
    if spec is None:
        raise ValueError(f"{mdef.id}: no dfe_la: mapping in params/measures.yaml")
    raw = dfe_la.table(spec.file, folder)
    for col, value in spec.filter.items():
        raw = raw[raw[col] == value]
    out = pd.DataFrame(
        {
            "year": raw["time_period"].astype(int),
            "level": raw["geographic_level"],
            "old_la_code": pd.to_numeric(raw["old_la_code"], errors="coerce").astype("Int64"),
            "la_name": raw["la_name"],
            "region_name": raw["region_name"],
            "value": dfe_la.numbers(raw[spec.column]),
        }
    )
    out = out[out["level"].isin([dfe_la.LA, dfe_la.REGION, dfe_la.NATIONAL])]
    if spec.per_10k:
        pop = population_frame(folder).rename(columns={"year": "pop_year"})
        out = out.assign(geo=_geo(out), pop_year=out["year"] - 1).merge(
            pop, on=["geo", "pop_year"], how="left"
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            out["value"] = (out["value"] / out["population"] * 10_000).round(1)
    return out[SERIES_COLUMNS].reset_index(drop=True)


def _geo(frame: pd.DataFrame) -> pd.Series:
    """A join key per row: the LA code, the region's name, or England."""
    code = frame["old_la_code"].astype("string").fillna("")
    return pd.Series(
        np.select(
            [frame["level"] == dfe_la.LA, frame["level"] == dfe_la.REGION],
            ["la:" + code, "region:" + frame["region_name"].astype(str)],
            default="england",
        ),
        index=frame.index,
    )


def population_frame(folder: Path | None = None) -> pd.DataFrame:
    """ONS mid-year population aged 0-17: geo (see _geo), year of the estimate, population."""
    raw = dfe_la.table("population", folder)
    frame = pd.DataFrame(
        {
            "level": raw["geographic_level"],
            "old_la_code": pd.to_numeric(raw["old_la_code"], errors="coerce").astype("Int64"),
            "region_name": raw["region_name"],
        }
    )
    return pd.DataFrame(
        {
            "geo": _geo(frame),
            "year": raw["time_period"].astype(int),
            "population": dfe_la.numbers(raw["population_estimate"]),
        }
    ).drop_duplicates(["geo", "year"])


@dataclass(frozen=True)
class Ranking:
    rank: int | None
    of: int
    tied: int
    band: str | None


def rank_of(values: pd.Series, code: int, polarity: str) -> Ranking:
    """`code`'s rank among `values` (indexed by LA code; NaN = not published): 1 best, ties
    share the best rank of the tie; band A-D from the rank (none for neither-way measures)."""
    known = values.dropna()
    n = len(known)
    if code not in known.index:
        return Ranking(None, n, 0, None)
    ascending = polarity != "up"
    ranks = known.rank(method="min", ascending=ascending)
    rank = int(ranks.loc[code])
    tied = int((known == known.loc[code]).sum())
    band = None if polarity == "neutral" else BANDS[min(3, math.ceil(4 * rank / n) - 1)]
    return Ranking(rank, n, tied, band)


@dataclass(frozen=True)
class Comparison:
    """One measure's latest published comparison for a council."""

    measure_id: str
    year: int
    value: float | None
    neighbour_avg: float | None
    neighbours_published: int
    neighbours: int
    region: float | None
    region_name: str
    england: float | None
    ranking: Ranking
    polarity: str
    source: str

    @property
    def year_label(self) -> str:
        return year_label(self.year)

    @property
    def rank_text(self) -> str:
        """ "joint 5th of 151 (1 = lowest)" style, or why there is no rank."""
        r = self.ranking
        if r.rank is None:
            return f"not ranked: no published figure for {self.year_label}"
        joint = "joint " if r.tied > 1 else ""
        best = {"up": "highest", "down": "lowest", "neutral": "lowest"}[self.polarity]
        return f"{joint}{ordinal(r.rank)} of {r.of} (1 = {best})"


def ordinal(n: int) -> str:
    """1 -> "1st", 22 -> "22nd", 113 -> "113th"."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _nan_none(x: float) -> float | None:
    return None if x is None or pd.isna(x) else float(x)


def compare(
    mdef: Any,
    code: int,
    neighbours: Iterable[int],
    *,
    year: int | None = None,
    folder: Path | None = None,
) -> Comparison:
    """The council's published figure for `year` (default the latest published), its
    neighbours' simple mean, its region, England, and its rank and quartile band."""
    return compare_series(mdef, published(mdef, folder), code, neighbours, year=year)


def compare_series(
    mdef: Any,
    series: pd.DataFrame,
    code: int,
    neighbours: Iterable[int],
    *,
    year: int | None = None,
) -> Comparison:
    """`compare` on the measure's figures already read (`published(mdef)`), so that many
    councils are compared with one read (the regional comparison page)."""
    year = int(series["year"].max()) if year is None else year
    rows = series[series["year"] == year]
    las = rows[rows["level"] == dfe_la.LA].dropna(subset=["old_la_code"])
    values = las.drop_duplicates("old_la_code").set_index("old_la_code")["value"]
    values.index = values.index.astype(int)
    neighbours = [int(c) for c in neighbours]
    near = values.reindex(neighbours).dropna()
    ours = las[las["old_la_code"] == int(code)]
    region_name = ours["region_name"].iloc[0] if len(ours) else ""
    region = rows[(rows["level"] == dfe_la.REGION) & (rows["region_name"] == region_name)]
    england = rows[rows["level"] == dfe_la.NATIONAL]
    return Comparison(
        measure_id=mdef.id,
        year=year,
        value=_nan_none(values.get(int(code), np.nan)),
        neighbour_avg=round(float(near.mean()), 1) if len(near) else None,
        neighbours_published=len(near),
        neighbours=len(neighbours),
        region=_nan_none(region["value"].iloc[0]) if len(region) else None,
        region_name=region_name,
        england=_nan_none(england["value"].iloc[0]) if len(england) else None,
        ranking=rank_of(values, int(code), mdef.polarity),
        polarity=mdef.polarity,
        source=dfe_la.DATASETS[mdef.dfe_la.file].title,  # type: ignore[union-attr]
    )


def trend(
    mdef: Any, code: int, neighbours: Iterable[int], folder: Path | None = None
) -> pd.DataFrame:
    """Per published year: ours, the neighbours' simple mean (and how many published) and
    England."""
    series = published(mdef, folder)
    las = series[series["level"] == dfe_la.LA].dropna(subset=["old_la_code"])
    las = las.assign(old_la_code=las["old_la_code"].astype(int))
    neighbours = [int(c) for c in neighbours]
    rows = []
    for year, group in las.groupby("year"):
        values = group.drop_duplicates("old_la_code").set_index("old_la_code")["value"]
        near = values.reindex(neighbours).dropna()
        eng = series[(series["year"] == year) & (series["level"] == dfe_la.NATIONAL)]["value"]
        rows.append(
            {
                "year": int(year),
                "year_label": year_label(int(year)),
                "ours": _nan_none(values.get(int(code), np.nan)),
                "neighbour_avg": round(float(near.mean()), 1) if len(near) else None,
                "neighbours_published": len(near),
                "england": _nan_none(eng.iloc[0]) if len(eng) else None,
            }
        )
    return pd.DataFrame(rows)


def all_values(mdef: Any, year: int, folder: Path | None = None) -> pd.Series:
    """Every council's published figure for `year`, indexed by old LA code (for the strip)."""
    series = published(mdef, folder)
    las = series[(series["year"] == year) & (series["level"] == dfe_la.LA)]
    las = las.dropna(subset=["old_la_code"]).drop_duplicates("old_la_code")
    out = las.set_index("old_la_code")["value"]
    out.index = out.index.astype(int)
    return out


COMPARISON_COLUMNS = [
    "measure_id",
    "year",
    "year_label",
    "value",
    "neighbour_avg",
    "neighbours_published",
    "region",
    "england",
    "rank",
    "of",
    "tied",
    "quartile",
    "rank_text",
    "source",
]


def comparisons(
    catalogue: Any,
    code: int,
    neighbours: Iterable[int],
    measure_ids: Iterable[str] | None = None,
    folder: Path | None = None,
) -> pd.DataFrame:
    """One row per catalogue measure with a `dfe_la:` mapping (in file order)."""
    return comparisons_many(catalogue, {code: neighbours}, measure_ids, folder)[code]


def comparisons_many(
    catalogue: Any,
    councils: dict[int, Iterable[int]],
    measure_ids: Iterable[str] | None = None,
    folder: Path | None = None,
) -> dict[int, pd.DataFrame]:
    """`comparisons` for several councils ({LA code: its neighbours}), each measure's published
    figures read once: {LA code: one row per `dfe_la:` measure (in file order)}."""
    wanted = set(measure_ids) if measure_ids is not None else None
    near = {code: list(neighbours) for code, neighbours in councils.items()}
    rows: dict[int, list[dict]] = {code: [] for code in near}
    for m in catalogue:
        if m.dfe_la is None or (wanted is not None and m.id not in wanted):
            continue
        series = published(m, folder)
        for code, neighbours in near.items():
            rows[code].append(_row(compare_series(m, series, code, neighbours)))
    return {code: pd.DataFrame(r, columns=COMPARISON_COLUMNS) for code, r in rows.items()}


def _row(c: Comparison) -> dict:
    return {
        "measure_id": c.measure_id,
        "year": c.year,
        "year_label": c.year_label,
        "value": c.value,
        "neighbour_avg": c.neighbour_avg,
        "neighbours_published": c.neighbours_published,
        "region": c.region,
        "england": c.england,
        "rank": c.ranking.rank,
        "of": c.ranking.of,
        "tied": c.ranking.tied,
        "quartile": c.ranking.band,
        "rank_text": c.rank_text,
        "source": c.source,
    }
