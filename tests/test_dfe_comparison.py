"""Issue 20: the packaged DfE LA-level reference, settings by LA code, and how we compare
(statistical-neighbour average, rank and quartile), checked against the real reference files."""

from __future__ import annotations

import csv
import math
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from hand_built import CATALOGUE_FILE
from selfeval import cli, dfe_la
from selfeval.config import Settings, reference_file, settings_from
from selfeval.errors import UserError
from selfeval.measures.catalogue import load_catalogue
from selfeval.measures.comparison import compare, comparisons, rank_of, trend

ROOT = Path(__file__).resolve().parents[1]
REF = dfe_la.reference_dir()
# the DfE files as downloaded, when a maintainer points SELFEVAL_DFE_RAW at them (not in the repo)
RAW = Path(os.environ.get("SELFEVAL_DFE_RAW", "/nonexistent"))
SOUTHAMPTON = 852
# DfE children's services statistical neighbour model 2025, row 852 (SN_1 .. SN_10)
SOUTHAMPTON_SN = (331, 831, 851, 373, 312, 355, 874, 383, 350, 320)


def _rows(name: str) -> list[dict[str, str]]:
    with open(REF / name, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(ROOT / "params" / "measures.yaml")


def _from(raw: dict):
    return settings_from(raw, ROOT / "params" / "settings.yaml")


def _raw_settings(**extra) -> dict:
    raw = yaml.safe_load((ROOT / "params" / "settings.yaml").read_text())
    raw.update(extra)
    return raw


# ------------------------------------------------------------------ the council's profile
def test_southampton_neighbours_are_the_dfe_model_2025():
    profile = dfe_la.la_profile(SOUTHAMPTON)
    assert profile.name == "Southampton"
    assert profile.region == "South East"
    assert profile.new_code == "E06000045"
    assert profile.neighbours == SOUTHAMPTON_SN
    names = dfe_la.la_names()
    assert [names[c] for c in profile.neighbours[:3]] == ["Coventry", "Derby", "Portsmouth"]


def test_settings_come_from_the_la_code():
    s = _from(_raw_settings())
    assert (s.local_authority, s.region, s.la_code) == ("Southampton", "South East", 852)
    assert s.statistical_neighbours == SOUTHAMPTON_SN


def test_a_council_may_override_its_neighbours():
    s = _from(_raw_settings(statistical_neighbours=[851, 331]))
    assert s.statistical_neighbours == (851, 331)
    with pytest.raises(UserError, match="999 not a council"):
        _from(_raw_settings(statistical_neighbours=[851, 999]))


@pytest.mark.parametrize("code", [999, 0])
def test_unknown_la_code_is_a_clear_error(code):
    with pytest.raises(UserError, match=f"la_code: {code} is not a council in the DfE"):
        _from(_raw_settings(la_code=code))


def test_la_code_that_is_not_a_number_is_a_clear_error():
    with pytest.raises(UserError, match="la_code: 'Southampton' is not a DfE LA code"):
        _from(_raw_settings(la_code="Southampton"))


def test_settings_without_la_code_still_need_the_typed_keys():
    raw = _raw_settings()
    del raw["la_code"]
    with pytest.raises(UserError, match="local_authority, region, population_0_17"):
        _from(raw)
    s = _from({**raw, "local_authority": "T", "region": "R", "population_0_17": {2021: 100}})
    assert (s.local_authority, s.population(2030), s.la_code) == ("T", 100, None)


# ------------------------------------------------------------------ population and rates
def test_population_is_the_ons_mid_year_estimate_dfe_uses():
    """DfE divides a year ending 31 March Y by the ONS mid-year estimate of Y-1."""
    s = _from(_raw_settings())
    ons = {
        int(r["time_period"]): int(r["population_estimate"])
        for r in _rows("population.csv")
        if r["old_la_code"] == "852"
    }
    assert s.population(2025) == ons[2024] == 50941
    assert s.population(2022) == ons[2021] == 49388
    # the CLA file states the population it divided by: the same figure
    cla = [
        r
        for r in _rows("cla.csv")
        if r["old_la_code"] == "852"
        and r["time_period"] == "2025"
        and r["population_type"] == "Children looked after on 31 March each year"
    ]
    assert int(cla[0]["population_estimate"]) == s.population(2025)
    assert round(int(cla[0]["children_count"]) / s.population(2025) * 10_000) == int(
        cla[0]["rate_per_10000"]
    )


def test_per_10k_rate_uses_the_population_of_the_year_before(catalogue):
    """CIN at 31 March 2023 (2588) / ONS mid-2022 (49978) = 517.8; the DfE dashboard: 518."""
    t = trend(catalogue["cin_rate_10k"], SOUTHAMPTON, SOUTHAMPTON_SN).set_index("year")
    assert t.loc[2023, "ours"] == 517.8
    dash = pd.read_csv(
        reference_file("benchmarks_dfe_csc_outcomes_dashboard_england_southeast_southampton.csv")
    )
    row = dash[
        (dash["measure"] == "Children in need rate per 10,000 (revised pop)")
        & (dash["year_ending_31_march"] == 2023)
    ]
    assert round(t.loc[2023, "ours"]) == float(row["Southampton"].iloc[0]) == 518
    assert round(t.loc[2023, "england"]) == float(row["England"].iloc[0])


# ------------------------------------------------------------------ neighbour average, rank
def test_neighbour_average_equals_the_raw_file(catalogue):
    """Simple mean of the ten neighbours' 2024-25 re-referral % read straight from the file."""
    rows = [r for r in _rows("referrals.csv") if r["time_period"] == "2025"]
    by_code = {r["old_la_code"]: r for r in rows if r["geographic_level"] == "Local authority"}
    values = [float(by_code[str(c)]["rereferral_percent"]) for c in SOUTHAMPTON_SN]
    expected = round(sum(values) / len(values), 1)
    c = compare(catalogue["re_referral_pct"], SOUTHAMPTON, SOUTHAMPTON_SN)
    assert c.year == 2025 and c.year_label == "2024-25"
    assert c.neighbour_avg == expected == 21.0  # 209.9 / 10, worked by hand
    assert c.neighbours_published == 10
    assert c.value == float(by_code["852"]["rereferral_percent"]) == 20.2
    assert c.england == 22.6
    assert c.region_name == "South East" and c.region == 28.4
    # rank: 1 + councils with a lower (better) figure, counted from the file
    la_values = [float(r["rereferral_percent"]) for r in by_code.values()]
    assert c.ranking.rank == 1 + sum(v < 20.2 for v in la_values) == 79
    assert c.ranking.of == len(la_values) == 153
    assert c.ranking.band == "C"  # 79 > 153/2 = 76.5 and <= 3*153/4
    assert c.rank_text == "79th of 153 (1 = lowest)"


def test_rank_with_ties_in_the_real_file(catalogue):
    """3+ placements 2024-25: ten councils share Southampton's 14%: joint 133rd, band D."""
    c = compare(catalogue["cla_placements_3plus_pct"], SOUTHAMPTON, SOUTHAMPTON_SN)
    rows = [
        r
        for r in _rows("placement_stability.csv")
        if r["time_period"] == "2025"
        and r["geographic_level"] == "Local authority"
        and r["cla_group"] == "CLA on 31 March"
        and r["placement_stability"] == "With 3 or more placements during the year"
    ]
    values = [float(r["children_percent"]) for r in rows if r["children_percent"][:1].isdigit()]
    assert c.ranking.rank == 1 + sum(v < 14 for v in values)
    assert c.ranking.tied == sum(v == 14 for v in values) > 1
    assert c.ranking.of == len(values)
    assert c.ranking.band == "D" and c.rank_text.startswith("joint ")


def test_rank_and_quartile_boundaries():
    """Rank 1 = best; ties share the best rank of the tie; band A when rank <= n/4 ..."""
    values = pd.Series([10, 20, 20, 30, 40, 50, 60, 70], index=range(1, 9), dtype=float)
    # lower is better: 8 councils, A = ranks 1-2, B = 3-4, C = 5-6, D = 7-8
    assert rank_of(values, 1, "down").band == "A"
    tie = rank_of(values, 3, "down")  # 20 shared by codes 2 and 3: both 2nd, band A
    assert (tie.rank, tie.tied, tie.band) == (2, 2, "A")
    assert rank_of(values, 4, "down") == rank_of(values, 4, "down")
    assert (rank_of(values, 4, "down").rank, rank_of(values, 4, "down").band) == (4, "B")
    assert (rank_of(values, 5, "down").rank, rank_of(values, 5, "down").band) == (5, "C")
    assert (rank_of(values, 7, "down").rank, rank_of(values, 7, "down").band) == (7, "D")
    # higher is better: the order turns round
    assert (rank_of(values, 8, "up").rank, rank_of(values, 8, "up").band) == (1, "A")
    assert (rank_of(values, 1, "up").rank, rank_of(values, 1, "up").band) == (8, "D")
    up_tie = rank_of(values, 2, "up")
    assert (up_tie.rank, up_tie.tied, up_tie.band) == (6, 2, "C")
    # neither way: ranked from the lowest, no band
    assert (rank_of(values, 8, "neutral").rank, rank_of(values, 8, "neutral").band) == (8, None)
    # not published (NaN) is left out of n; a council without a figure gets no rank
    gap = pd.concat([values, pd.Series([math.nan], index=[9])])
    assert rank_of(gap, 1, "down").of == 8
    assert rank_of(gap, 9, "down") == rank_of(gap, 9, "down")
    assert rank_of(gap, 9, "down").rank is None and rank_of(gap, 9, "down").band is None


def test_band_boundary_with_n_not_divisible_by_four():
    """n = 5: A = rank 1 (<= 1.25), B = 2 (<= 2.5), C = 3 (<= 3.75), D = 4-5."""
    values = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0], index=[1, 2, 3, 4, 5])
    assert [rank_of(values, c, "down").band for c in range(1, 6)] == ["A", "B", "C", "D", "D"]


def test_every_mapping_is_published_for_england(catalogue):
    table = comparisons(catalogue, SOUTHAMPTON, SOUTHAMPTON_SN)
    assert len(table) == sum(1 for m in catalogue if m.dfe_la is not None) >= 20
    assert table["england"].notna().all()
    assert table["value"].notna().all()  # Southampton publishes every one of them for 2024-25
    for m in catalogue:
        if m.dfe_la is not None:
            assert m.official, m.id


def test_inspections_give_each_council_its_latest_judgement():
    insp = dfe_la.inspections().set_index("old_la_code")
    assert insp.loc["852", "overall_effectiveness"] == "Good"
    assert str(insp.loc["852", "inspection_date"].date()) == "2023-06-05"
    assert insp.index.notna().all() and len(insp) >= 150


# ------------------------------------------------------------------ selfeval reference update
def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def test_update_refuses_a_file_whose_columns_do_not_match(tmp_path, capsys):
    """The file is named with its missing columns; exit 2; nothing is written."""
    src = tmp_path / "dfe"
    src.mkdir()
    header = next(csv.reader(open(REF / "cin.csv", encoding="utf-8")))
    header.remove("At31_episodes")
    _write(src / "b1_children_in_need_2013_to_2026.csv", header, [])
    out = tmp_path / "out"
    code = cli.main(["reference", "update", str(src), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert "b1_children_in_need_2013_to_2026.csv: missing columns At31_episodes" in err
    assert not out.exists()


def test_update_names_a_missing_file(tmp_path, capsys):
    assert cli.main(["reference", "update", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "no file matching b1_children_in_need_*.csv" in capsys.readouterr().err


@pytest.mark.skipif(
    not RAW.is_dir(), reason="set SELFEVAL_DFE_RAW to a folder of the downloaded DfE files"
)
def test_update_rebuilds_the_packaged_files_from_the_dfe_folder(tmp_path):
    src = tmp_path / "dfe"
    shutil.copytree(RAW, src)
    out = tmp_path / "out"
    assert cli.main(["reference", "update", str(src), "--out", str(out)]) == 0
    for key in dfe_la.DATASETS:
        assert (out / f"{key}.csv").read_bytes() == (REF / f"{key}.csv").read_bytes(), key
    info = dfe_la.provenance(out)
    assert info["licence"] == "Open Government Licence v3.0"
    assert info["files"]["referrals.csv"]["source_file"].startswith("c1_children_in_need")
    # a newer file with a renamed column is refused, naming it
    bad = src / "csww_indicators_2017_to_2025.csv"
    text = bad.read_text(encoding="utf-8-sig").replace("turnover_rate_fte", "turnover_fte", 1)
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match="csww_indicators_2017_to_2025.csv: missing columns "):
        dfe_la.update_reference(
            src, [m.dfe_la.model_dump() for m in load_catalogue(CATALOGUE_FILE) if m.dfe_la], out
        )


def test_settings_model_keeps_typed_construction():
    """Tests and callers that build Settings by hand keep working (la_code optional)."""
    s = Settings(
        local_authority="T",
        service="S",
        region="R",
        plan_title="P",
        plan_start=pd.Timestamp("2021-04-01").date(),
        population_0_17={2021: 1},
        caseload_target=18,
        priorities=(),
    )
    assert s.la_code is None and s.statistical_neighbours == ()
