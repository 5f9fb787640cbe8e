"""Issue 20 on the regional comparison page (fast: no dask cluster, no papermill).

Each council's latest DfE-published figure, rank among all councils and quartile band come from
`measures.comparison` (the functions the single pack's "How we compare" uses) by the council's
own LA code from region.yaml, beside its in-year figure from its run; checked against the real
packaged reference (lib/selfeval/reference/dfe_la/) and, for re-referrals, against a
computation from the packaged CSV done here.
"""

from __future__ import annotations

import csv
import html
import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from selfeval import dfe_la
from selfeval.config import read_yaml, settings_from
from selfeval.errors import UserError
from selfeval.measures import MEASURE_COLUMNS
from selfeval.measures.catalogue import load_catalogue
from selfeval.measures.comparison import comparisons
from selfeval.regional.layout import Council, merged_settings, prepare_workspace, read_region
from selfeval.regional.outputs import (
    CouncilRef,
    headline_rows,
    published_body,
    published_rows,
    published_table,
    write_period_outputs,
)
from selfeval.regional.tasks import TaskResult

ROOT = Path(__file__).resolve().parents[1]
REF = dfe_la.reference_dir()
PERIOD = "2022-03-31"


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(ROOT / "params" / "measures.yaml")


def measures_frame(council: str, rows: list[tuple]) -> pd.DataFrame:
    """A council's measures.csv by hand: (measure_id, period_type, value, unit, rag), all at
    PERIOD, plus a breakdown row and a month row the page must ignore."""
    out = []
    for measure_id, period_type, value, unit, rag in rows:
        out.append([measure_id, period_type, "2022-01-01", PERIOD, "", None, None, value, unit,
                    None, rag, "down"])  # fmt: skip
        out.append([measure_id, "month", "2022-03-01", PERIOD, "", None, None, 999.0, unit,
                    None, "", "down"])  # fmt: skip
        out.append([measure_id, period_type, "2022-01-01", PERIOD, "gender=Male", None, None,
                    888.0, unit, None, "", "down"])  # fmt: skip
    return pd.DataFrame(out, columns=MEASURE_COLUMNS).assign(council=council)


@pytest.fixture(scope="module")
def headlines() -> pd.DataFrame:
    both = pd.concat(
        [
            measures_frame(
                "SOTON",
                [
                    ("re_referral_pct", "quarter", 24.7, "pct", "red"),
                    ("cla_long_term_stability_pct", "snapshot", 54.3, "pct", "red"),
                    ("referral_rate_10k", "snapshot", 757.9, "rate_10k", ""),
                ],
            ),
            measures_frame(
                "PORTS",
                [
                    ("re_referral_pct", "quarter", None, "pct", "suppressed"),
                    ("cla_long_term_stability_pct", "snapshot", 61.0, "pct", "amber"),
                ],
            ),
        ],
        ignore_index=True,
    )
    return headline_rows(both, PERIOD)


COUNCILS = (
    CouncilRef("SOTON", "Southampton", 852),
    CouncilRef("PORTS", "Portsmouth", 851),
    CouncilRef("T896", "Tied A", 896),  # re-referrals 2024-25: 23.0%, tied with 866
    CouncilRef("T866", "Tied B", 866),
    CouncilRef("T350", "Stable", 350),  # long-term stability 2024-25: 68%, rank 75 of 150
    CouncilRef("NOCODE", "No code", None),
    CouncilRef("FAILED", "Failed", 831, published=False),
)


@pytest.fixture(scope="module")
def rows(headlines, catalogue) -> pd.DataFrame:
    return published_rows(headlines, COUNCILS, catalogue, suppress_below=5)


def row(rows: pd.DataFrame, council: str, measure_id: str) -> pd.Series:
    hit = rows[(rows["council"] == council) & (rows["measure_id"] == measure_id)]
    assert len(hit) == 1, (council, measure_id)
    return hit.iloc[0]


def _same(a, b) -> bool:
    return (pd.isna(a) and pd.isna(b)) or a == b


# ------------------------------------------------------------------ the same as the single pack
def test_every_dfe_measure_is_shown_for_every_council(rows, catalogue) -> None:
    ids = [m.id for m in catalogue if m.dfe_la is not None]
    assert len(ids) >= 20
    for ref in COUNCILS:
        assert list(rows[rows["council"] == ref.council]["measure_id"]) == ids


def test_published_figure_rank_and_quartile_equal_the_single_packs(rows, catalogue) -> None:
    """For every council with an LA code and every `dfe_la:` measure, the page's figure, year,
    rank, tie count and quartile are those `comparisons` gives the single pack."""
    for ref in COUNCILS:
        if ref.la_code is None:
            continue
        single = comparisons(catalogue, ref.la_code, dfe_la.la_profile(ref.la_code).neighbours)
        for c in single.itertuples():
            ours = row(rows, ref.council, c.measure_id)
            assert _same(ours["published"], c.value), (ref, c.measure_id)
            assert _same(ours["rank"], c.rank), (ref, c.measure_id)
            assert (ours["of"], ours["tied"], ours["year_label"]) == (c.of, c.tied, c.year_label)
            assert _same(ours["quartile"], c.quartile if isinstance(c.quartile, str) else None)
            assert _same(ours["england"], c.england)
            assert ours["rank_text"] == c.rank_text


def _raw_rereferrals_2025() -> dict[int, float]:
    with open(REF / "referrals.csv", encoding="utf-8-sig", newline="") as f:
        out = {}
        for r in csv.DictReader(f):
            if r["time_period"] == "2025" and r["geographic_level"] == "Local authority":
                try:
                    out[int(r["old_la_code"])] = float(r["rereferral_percent"])
                except ValueError:  # suppressed
                    pass
    return out


def test_rereferrals_rank_and_quartile_match_the_raw_file(rows) -> None:
    """Computed here from referrals.csv (DfE CIN table C1, 2024-25): rank = 1 + councils with a
    lower re-referral rate (lower is better; ties share the best rank), quartile A when rank
    <= n/4, B <= n/2, C <= 3n/4, else D."""
    raw = _raw_rereferrals_2025()
    n = len(raw)
    for ref in COUNCILS[:5]:
        ours = raw[ref.la_code]
        rank = 1 + sum(1 for v in raw.values() if v < ours)
        band = "A" if rank <= n / 4 else "B" if rank <= n / 2 else "C" if rank <= 3 * n / 4 else "D"
        got = row(rows, ref.council, "re_referral_pct")
        assert (got["published"], got["rank"], got["of"], got["quartile"]) == (ours, rank, n, band)
    # Southampton, worked by hand from the file: 20.2%, 79th of 153, band C (79 > 76.5)
    soton = row(rows, "SOTON", "re_referral_pct")
    assert (soton["published"], soton["rank"], soton["of"], soton["quartile"]) == (
        20.2,
        79,
        153,
        "C",
    )
    assert soton["year_label"] == "2024-25" and soton["england"] == 22.6


def test_a_tie_across_a_quartile_boundary_shares_the_better_band(rows) -> None:
    """Re-referrals 2024-25 (lower is better), 153 councils: 896 and 866 share 23.0%, joint
    114th (the tie spans 114th-115th); 114 <= 3 x 153 / 4 = 114.75, so both are C, not D."""
    raw = _raw_rereferrals_2025()
    assert raw[896] == raw[866] == 23.0
    for council in ("T896", "T866"):
        got = row(rows, council, "re_referral_pct")
        assert (got["rank"], got["tied"], got["quartile"]) == (114, 2, "C")
        assert got["rank_text"] == "joint 114th of 153 (1 = lowest)"
    # the next council down (a higher rate) is 116th and in D
    worse = min(v for v in raw.values() if v > 23.0)
    assert 1 + sum(1 for v in raw.values() if v < worse) == 116


def test_higher_is_better_at_the_half_way_boundary(rows) -> None:
    """Long-term placement stability 2024-25 (higher is better), 150 councils: 350 with 68%
    ranks 75th (councils with a higher figure + 1, ties share it) = 150 / 2, so band B."""
    got = row(rows, "T350", "cla_long_term_stability_pct")
    assert (got["published"], got["rank"], got["of"], got["quartile"]) == (68.0, 75, 150, "B")
    assert got["rank_text"].endswith("of 150 (1 = highest)")
    # Southampton 63%: joint 112th (the tie runs to 124th) and 112 <= 3 x 150 / 4 = 112.5: C
    soton = row(rows, "SOTON", "cla_long_term_stability_pct")
    assert (soton["published"], soton["rank"], soton["quartile"]) == (63.0, 112, "C")
    assert soton["tied"] > 1
    ports = row(rows, "PORTS", "cla_long_term_stability_pct")  # 80%: 6th, A
    assert (ports["published"], ports["rank"], ports["quartile"]) == (80.0, 6, "A")


def test_neither_way_measures_are_ranked_without_a_band(rows) -> None:
    got = row(rows, "SOTON", "referral_rate_10k")
    assert got["rank"] > 0 and pd.isna(got["quartile"])
    assert got["rank_text"].endswith("(1 = lowest)")


# ------------------------------------------------------------------ blanks and their reasons
def test_a_council_without_an_la_code_is_blank_with_the_reason(rows) -> None:
    got = row(rows, "NOCODE", "re_referral_pct")
    assert pd.isna(got["published"]) and pd.isna(got["rank"]) and pd.isna(got["quartile"])
    assert got["reason"] == "no LA code for this council in region.yaml"


def test_an_la_code_not_in_the_reference_is_blank_with_the_reason(headlines, catalogue) -> None:
    ref = CouncilRef("X", "Nowhere", 999)
    got = published_rows(headlines, [ref], catalogue).iloc[0]
    assert pd.isna(got["published"]) and got["reason"] == "LA code 999 is not in the DfE reference"


def test_a_figure_dfe_did_not_publish_says_so(rows) -> None:
    """CP plans of 2 years or more, 2024-25: Portsmouth's figure is suppressed in the file."""
    got = row(rows, "PORTS", "cp_open_2yrs_pct")
    assert pd.isna(got["published"]) and pd.isna(got["rank"])
    assert got["reason"] == "not ranked: no published figure for 2024-25"


def test_in_year_figures_and_their_blanks(rows) -> None:
    soton = row(rows, "SOTON", "re_referral_pct")
    assert (soton["in_year"], soton["in_year_period"]) == (24.7, "quarter to 31 March 2022")
    stab = row(rows, "SOTON", "cla_long_term_stability_pct")
    assert (stab["in_year"], stab["in_year_period"]) == (54.3, "at 31 March 2022")
    ports = row(rows, "PORTS", "re_referral_pct")
    assert pd.isna(ports["in_year"]) and ports["in_year_note"] == (
        "suppressed (fewer than 5 children)"
    )
    assert row(rows, "PORTS", "cla_long_term_stability_pct")["in_year"] == 61.0
    assert row(rows, "PORTS", "sw_caseload_avg")["in_year_note"] == (
        "not in the council's measures this period"
    )
    failed = row(rows, "FAILED", "re_referral_pct")
    assert failed["in_year_note"] == "no pack published this period"
    assert failed["published"] == 23.1  # Derby's published figure still shows


# ------------------------------------------------------------------ the page
def test_table_ranks_best_first_then_blanks_then_england(rows) -> None:
    table = published_table(rows[rows["measure_id"] == "re_referral_pct"], "pct")
    assert list(table.columns) == [
        "Council",
        "LA code",
        "In-year figure (not yet published)",
        "Published figure",
        "Year",
        "Rank among councils",
        "Quartile (A best)",
        "Why blank",
    ]
    assert list(table["Council"]) == [
        "Southampton",  # 20.2%: 79th
        "Stable",  # Barnsley 20.5%: joint 82nd
        "Tied A",  # 23.0%: joint 114th, by name
        "Tied B",
        "Failed",  # Derby 23.1%: joint 116th
        "Portsmouth",  # 23.9%: joint 125th
        "No code",
        "England (for reference)",
    ]
    assert list(table["Quartile (A best)"]) == ["C", "C", "C", "C", "D", "D", "", ""]
    first = table.iloc[0]
    assert first["In-year figure (not yet published)"] == "24.7% (quarter to 31 March 2022)"
    assert (first["Published figure"], first["Year"], first["Quartile (A best)"]) == (
        "20.2%",
        "2024-25",
        "C",
    )
    england = table.iloc[-1]
    assert (england["Council"], england["Published figure"]) == ("England (for reference)", "22.6%")
    nocode = table[table["Council"] == "No code"].iloc[0]
    assert nocode["Published figure"] == "" and "no LA code" in nocode["Why blank"]


def test_page_names_the_columns_source_file_and_year(rows, catalogue) -> None:
    page = html.unescape(published_body(rows, catalogue))
    for column in (
        "Council",
        "LA code",
        "In-year figure (not yet published)",
        "Published figure",
        "Rank among councils",
        "Quartile (A best)",
        "England (for reference)",
    ):
        assert f"<th>{column}</th>" in page or column in page, column
    source = dfe_la.provenance()["files"]["referrals.csv"]["source_file"]
    assert source == "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv"
    assert f"<li>referrals.csv: figures for 2024-25, from {source} (Referrals and" in page
    assert "year ending 31 March 2025" in page
    assert page.count("<table") == len([m for m in catalogue if m.dfe_la is not None])


# ------------------------------------------------------------------ councils by LA code
def write_region(folder: Path, text: str, councils=("A", "B")) -> Path:
    for code in councils:
        (folder / code / "data" / "extracts").mkdir(parents=True)
    (folder / "region.yaml").write_text(text)
    return folder


def test_each_council_takes_its_name_region_and_neighbours_from_its_own_code(tmp_path) -> None:
    """Defaults are Southampton's (la_code 852); B is Portsmouth (851) and must not inherit
    Southampton's name, service, region, neighbours or population."""
    region = read_region(
        write_region(tmp_path, "councils:\n  A: {la_code: 852}\n  B: {la_code: 851}\n")
    )
    assert [(c.code, c.la_code) for c in region.councils] == [("A", 852), ("B", 851)]
    root = prepare_workspace(region.councils[1], ROOT / "params", ROOT / "notebooks")
    raw = read_yaml(root / "params" / "settings.yaml")
    settings = settings_from(raw, root / "params" / "settings.yaml")
    portsmouth = dfe_la.la_profile(851)
    assert (settings.la_code, settings.local_authority, settings.region) == (
        851,
        "Portsmouth",
        "South East",
    )
    assert settings.statistical_neighbours == portsmouth.neighbours
    assert settings.population_0_17 == portsmouth.population_0_17
    assert settings.service == "Portsmouth children's services"


def test_identity_keys_of_the_defaults_are_never_inherited() -> None:
    defaults = yaml.safe_load((ROOT / "params" / "settings.yaml").read_text())
    defaults.update(statistical_neighbours=[331], region="South East", population_0_17={2021: 9})
    merged = merged_settings(defaults, Council("B", Path("/r/B"), la_code=851), {})
    assert merged["la_code"] == 851
    for key in ("local_authority", "region", "statistical_neighbours", "population_0_17"):
        assert key not in merged  # from the reference by 851, not the defaults' council
    own = merged_settings(
        defaults, Council("B", Path("/r/B"), la_code=851), {"statistical_neighbours": [852]}
    )
    assert own["statistical_neighbours"] == [852]  # the council's own override is kept


def test_an_unknown_la_code_names_the_council_entry(tmp_path) -> None:
    write_region(tmp_path, "councils:\n  A: {la_code: 852}\n  B: {la_code: 999}\n")
    with pytest.raises(UserError) as err:
        read_region(tmp_path)
    message = str(err.value)
    assert "region.yaml: council B: la_code: 999 is not a council in the DfE" in message
    assert "e.g. 852 Southampton" in message


def test_an_la_code_that_is_not_a_number_names_the_council_entry(tmp_path) -> None:
    write_region(tmp_path, "councils:\n  A: {la_code: Southampton}\n")
    with pytest.raises(UserError, match="council A: la_code: 'Southampton' is not a DfE LA code"):
        read_region(tmp_path)


def test_a_council_without_an_la_code_needs_population_and_region(tmp_path) -> None:
    write_region(tmp_path, "councils:\n  A: {la_code: 852}\n  B: {name: Bee}\n")
    with pytest.raises(UserError, match="council B: no la_code: .* or give its population and"):
        read_region(tmp_path)
    (tmp_path / "region.yaml").write_text(
        "councils:\n  A: {la_code: 852}\n  B: {name: Bee, population: 40000, region: London}\n"
    )
    b = read_region(tmp_path).councils[1]
    assert (b.la_code, b.region) == (None, "London")
    root = prepare_workspace(b, ROOT / "params", ROOT / "notebooks")
    settings = settings_from(read_yaml(root / "params" / "settings.yaml"), "s.yaml")
    assert (settings.la_code, settings.local_authority, settings.region) == (None, "Bee", "London")
    assert settings.statistical_neighbours == () and settings.population(2022) == 40000


def test_la_code_from_own_settings_or_a_numbered_folder(tmp_path) -> None:
    write_region(tmp_path, "councils:\n  A: {la_code: 852}\n", councils=("A", "B", "851"))
    (tmp_path / "B" / "params").mkdir()
    (tmp_path / "B" / "params" / "settings.yaml").write_text("la_code: 331\n")
    codes = {c.code: c.la_code for c in read_region(tmp_path).councils}
    assert codes == {"851": 851, "A": 852, "B": 331}
    (tmp_path / "region.yaml").write_text("councils:\n  A: {la_code: 852}\n  B: {la_code: 850}\n")
    with pytest.raises(UserError, match="council B: la_code 850 differs from la_code 331"):
        read_region(tmp_path)


# ------------------------------------------------------------------ the whole page, no dask
def test_comparison_html_from_fake_packs(tmp_path) -> None:
    """write_period_outputs on two published packs (measures.csv and manifest by hand) and a
    failed council: the page shows each council's published figures by its own LA code."""
    write_region(
        tmp_path,
        "name: Solent\ncouncils:\n  A: {la_code: 852}\n  B: {la_code: 851}\n  C: {la_code: 331}\n",
        councils=("A", "B", "C"),
    )
    region = read_region(tmp_path)
    out = tmp_path / "out" / PERIOD
    for code, name, value in (("A", "Southampton", 24.7), ("B", "Portsmouth", 30.0)):
        pack = out / code
        pack.mkdir(parents=True)
        frame = measures_frame(code, [("re_referral_pct", "quarter", value, "pct", "green")])
        frame.drop(columns="council").assign(numerator=value, denominator=100, target=20.0).to_csv(
            pack / "measures.csv", index=False
        )
        (pack / "manifest.json").write_text(
            json.dumps({"pack_info": {"local_authority": name}}), encoding="utf-8"
        )
    results = [
        TaskResult("A", PERIOD, 0),
        TaskResult("B", PERIOD, 0),
        TaskResult("C", PERIOD, 2, message="no extract folder"),
    ]
    write_period_outputs(out, region, results, suppress_below=5)
    page = html.unescape((out / "comparison.html").read_text("utf-8"))
    assert "Published figures: where each council sits in England" in page
    assert "Coventry" in page  # C failed: named from the reference by its LA code
    part = page[page.index('id="published-re_referral_pct"') :]
    part = part[: part.index("</table>")]
    assert "24.7% (quarter to 31 March 2022)" in part and "30.0% (quarter" in part
    assert "no pack published this period" in part
    assert "20.2%" in part and "79th of 153 (1 = lowest)" in part and "22.6%" in part
    assert "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv" in page
