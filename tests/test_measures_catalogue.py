"""The catalogue, the definitions page, benchmarks, measures.csv round trip, history, command."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from hand_built import CATALOGUE_FILE
from selfeval.config import Workspace, load_settings
from selfeval.measures import (
    REGISTRY,
    Catalogue,
    benchmarks_for,
    catalogue_html,
    catalogue_markdown,
    load_catalogue,
    measures_command,
    rag_status,
    read_measures,
    write_measures,
)
from selfeval.measures.benchmarks import benchmark_names, published_benchmarks
from selfeval.measures.history import (
    as_reported_before,
    headline_history,
    read_history,
    update_history,
)
from test_measures import compute, dates, pick

V1_IDS = """contacts referrals referral_rate_10k re_referral_pct referral_nfa_pct
assessments_completed assessment_timely_pct assessment_nfa_pct s47_enquiries icpc_timely_pct
cp_plans cp_rate_10k cp_repeat_pct cp_visits_timely_pct cin_open cla cla_rate_10k cla_starts
cla_ceased cla_visits_timely_pct cla_reviews_timely_pct cla_placements_3plus_pct
care_leavers_suitable_accom_pct care_leavers_eet_pct adoption_a1_days audits_completed
audits_good_pct supervision_timely_pct sw_caseload_avg sw_over_caseload_target agency_rate_pct
eh_seen_timely_pct""".split()
UNIT_AGG = {
    "count": {"count", "sum", "ratio"},
    "pct": {"pct"},
    "rate_10k": {"rate"},
    "days": {"ratio"},
}

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(CATALOGUE_FILE)


def test_every_v1_id_is_in_the_catalogue_and_registered(catalogue):
    for measure_id in V1_IDS:
        assert measure_id in catalogue
        assert measure_id in REGISTRY


def test_catalogue_and_registry_agree(catalogue):
    computable = {m.id for m in catalogue if m.computable}
    assert computable == set(REGISTRY)
    for m in catalogue:
        if m.computable:
            assert REGISTRY[m.id].agg in UNIT_AGG[m.unit], m.id
            assert m.name and m.description and m.definition, m.id
        else:
            assert m.why, m.id
    assert {"contacts_nfa_pct", "cla_care_plan_up_to_date_pct"} <= {
        m.id for m in catalogue if not m.computable
    }


def test_priorities_are_known(catalogue):
    known = {p.id for p in load_settings(ROOT / "params" / "settings.yaml").priorities}
    assert {m.priority for m in catalogue} <= known


def test_benchmark_names_match_the_reference(catalogue):
    """Each `benchmark:` in params/measures.yaml (the one place the match is written) names a
    figure the DfE reference files publish, and brings its rows under the measure's id."""
    published = set(published_benchmarks()["benchmark_measure"])
    names = benchmark_names(catalogue)
    assert names and set(names) <= published
    matched = benchmarks_for(catalogue=catalogue)
    assert set(matched["measure_id"]) == set(names.values())
    assert (matched["benchmark_measure"].map(names) == matched["measure_id"]).all()


def test_a_measure_without_a_benchmark_gets_no_rows(catalogue):
    trimmed = Catalogue(
        {i: m for i, m in catalogue.measures.items() if i != "cla_rate_10k"}, catalogue.path
    )
    assert "cla_rate_10k" not in set(benchmarks_for(catalogue=trimmed)["measure_id"])
    assert "cla_rate_10k" in set(benchmarks_for(catalogue=catalogue)["measure_id"])


def test_rag_thresholds():
    cat = load_catalogue(CATALOGUE_FILE)
    audits = cat["audits_good_pct"]
    assert [rag_status(v, "up", audits.rag, audits.target) for v in (70, 69.9, 60, 59.9)] == [
        "green",
        "amber",
        "amber",
        "red",
    ]
    assert rag_status(None, "up", audits.rag, audits.target) == ""
    caseload = cat["sw_caseload_avg"]  # target only, polarity down
    assert rag_status(18, "down", caseload.rag, caseload.target) == "green"
    assert rag_status(18.1, "down", caseload.rag, caseload.target) == "red"


def test_catalogue_rejects_thresholds_against_polarity(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(
        "measures:\n  x:\n    unit: pct\n    polarity: up\n    source: A1\n    priority: p\n"
        "    rag: {green: 60, amber: 70}\n"
    )
    with pytest.raises(ValueError, match="polarity"):
        load_catalogue(path)


def test_definitions_page(catalogue):
    priorities = load_settings(ROOT / "params" / "settings.yaml").priorities
    md = catalogue_markdown(catalogue, priorities)
    assert md.startswith("# How each figure is calculated")
    for m in catalogue:
        assert f'<a id="{m.id}"></a>' in md
    titles = [line[3:] for line in md.splitlines() if line.startswith("## ")]
    shown = [p.title for p in priorities if catalogue.for_priority(p.id)]
    assert titles[: len(shown)] == shown and shown  # the workspace's titles, in its order
    assert "Not shown in this pack" in md
    # without the workspace's priorities: grouped the same, titled from the ids
    assert "## Corporate parenting" in catalogue_markdown(catalogue)
    html = catalogue_html(catalogue, priorities)
    assert "<h1>How each figure is calculated</h1>" in html and "<script" not in html


def test_benchmarks_for():
    catalogue = load_catalogue(CATALOGUE_FILE)
    b = benchmarks_for(["cla_rate_10k", "cla_dental_check_pct"], catalogue=catalogue)
    cla = b[(b["measure_id"] == "cla_rate_10k") & (b["year"] == 2023)].iloc[0]
    assert (cla["england"], cla["region"], cla["la"], cla["year_label"]) == (70, 57, 108, "2022-23")
    dental = b[(b["measure_id"] == "cla_dental_check_pct") & (b["year"] == 2021)].iloc[0]
    assert dental["england"] == 40 and pd.isna(dental["region"])
    latest = benchmarks_for(["re_referral_pct"], latest=True, catalogue=catalogue)
    assert latest["year"].tolist() == [2023]


def test_measures_csv_round_trip(tmp_path):
    a7 = pd.DataFrame(
        {
            "child_id": ["A", "B"],
            "cp_start": dates("2021-01-01", "2021-08-01"),
            "cp_end": dates(None, None),
            "last_visit": dates("2021-09-29", None),
        }
    )
    df = pd.concat(
        [compute({"annex_a_7": a7}, "cp_plans"), compute({"annex_a_7": a7}, "cp_visits_timely_pct")]
    )
    path = write_measures(df, tmp_path / "measures.csv")
    text = path.read_text().splitlines()
    assert text[0] == (
        "measure_id,period_type,period_start,period_end,breakdown,numerator,denominator,value,"
        "unit,target,rag,polarity"
    )
    assert "cp_plans,snapshot,2021-09-30,2021-09-30,,2,,2,count,,,neutral" in text
    back = read_measures(path)
    assert back["period_end"].dtype.kind == "M"
    row = pick(back[back["measure_id"] == "cp_plans"], "snapshot")
    assert row["breakdown"] == "" and row["value"] == 2.0
    v = back[back["measure_id"] == "cp_visits_timely_pct"].iloc[0]
    assert (v["value"], v["rag"]) == (50.0, "red")


def test_history_replaces_a_period_and_keeps_others(tmp_path):
    a1 = pd.DataFrame({"child_id": ["A", "B"], "contact_date": dates("2021-06-02", "2021-08-02")})
    june = compute({"annex_a_1": a1}, "contacts", period_end=date(2021, 6, 30))
    sept = compute({"annex_a_1": a1}, "contacts")
    update_history(june, period_end=date(2021, 6, 30), extract_id="2021-06-30", root=tmp_path)
    first = update_history(sept, period_end=date(2021, 9, 30), extract_id="old", root=tmp_path)
    again = update_history(sept, period_end=date(2021, 9, 30), extract_id="new", root=tmp_path)
    assert first == again
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "measures_2021-06-30.parquet",
        "measures_2021-09-30.parquet",
    ]
    history = read_history(tmp_path)
    assert set(history["extract_id"]) == {"2021-06-30", "new"}
    assert len(history) == len(june) + len(sept)
    last = as_reported_before(history, date(2021, 9, 30))
    assert last["reported_period_end"].unique().tolist() == [pd.Timestamp("2021-06-30")]
    assert last.iloc[0]["value"] == 1  # contacts in the quarter to June 2021
    trend = headline_history(history, "contacts")
    assert trend["value"].tolist() == [1.0, 1.0]


def test_read_history_when_empty(tmp_path):
    assert read_history(tmp_path / "none").empty


def test_measures_command_missing_folder(tmp_path, capsys):
    workspace = Workspace.find(ROOT)
    assert measures_command(tmp_path / "nope", None, tmp_path / "m.csv", workspace=workspace) == 2
    assert "does not exist" in capsys.readouterr().err
