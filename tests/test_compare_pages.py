"""Issue 20 on the pages: the measures table's neighbour and quartile columns, "How we compare"
(table and strip chart), findings resting on the comparison, the summary's quartiles and
neighbours' Ofsted judgements, the definitions page's source and year."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from selfeval.charts import Strip, compare_strips, strip_alt_text
from selfeval.measures.catalogue import catalogue_markdown, load_catalogue
from selfeval.pages import compare_view as cv
from selfeval.pages import measures_view as mv
from selfeval.pages.html import strip_html

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample" / "2022-03-31"


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(ROOT / "params" / "measures.yaml")


def _comp(**rows) -> pd.DataFrame:
    base = {
        "year": 2025,
        "year_label": "2024-25",
        "neighbours_published": 10,
        "region": 28.4,
        "of": 153,
        "tied": 1,
        "source": "s",
    }
    return pd.DataFrame([{**base, "measure_id": mid, **r} for mid, r in rows.items()])


COMP = _comp(
    re_referral_pct={
        "value": 20.2,
        "neighbour_avg": 21.0,
        "england": 22.6,
        "rank": 30,
        "quartile": "A",
        "rank_text": "30th of 153 (1 = lowest)",
    },
    cp_repeat_pct={
        "value": 31.1,
        "neighbour_avg": 23.7,
        "england": 24.5,
        "rank": 139,
        "quartile": "D",
        "rank_text": "139th of 153 (1 = lowest)",
    },
    cin_rate_10k={
        "value": 386.9,
        "neighbour_avg": 352.2,
        "england": 330.3,
        "rank": 101,
        "quartile": None,
        "rank_text": "101st of 153 (1 = lowest)",
    },
    cp_open_2yrs_pct={
        "value": math.nan,
        "neighbour_avg": 4.9,
        "england": 2.3,
        "rank": None,
        "quartile": None,
        "rank_text": "not ranked: no published figure for 2024-25",
    },
)


def test_findings_rest_on_the_comparison_and_name_the_year(catalogue):
    strengths, areas = cv.comparison_findings(COMP, catalogue)
    assert strengths == [
        "Re-referrals within 12 months: 20.2% in 2024-25, below our statistical neighbours' "
        "21.0% and England's 22.6% (30th of 153 (1 = lowest), quartile A; DfE published figures)."
    ]
    assert len(areas) == 1
    assert areas[0].startswith(
        f"{catalogue['cp_repeat_pct'].title}: 31.1% in 2024-25, above our statistical "
        "neighbours' 23.7% and England's 24.5%"
    )
    assert "quartile D" in areas[0]
    # neither-way measures (no band) and unpublished figures give no finding
    assert not any("per 10,000" in s for s in strengths + areas)


def test_measures_table_gains_neighbour_and_quartile_columns(catalogue):
    cells = cv.measure_table_columns(COMP, catalogue)
    assert cells["re_referral_pct"] == {
        "Statistical neighbours": "21.0% (2024-25)",
        "Quartile": "A: 30th of 153 (1 = lowest)",
    }
    assert cells["cin_rate_10k"]["Quartile"] == "101st of 153 (1 = lowest)"  # no band
    line = mv.MeasureLine("re_referral_pct", "Re-referrals", "pct", "down")
    team = mv.MeasureLine("re_referral_pct", "Re-referrals", "pct", "down", breakdown="team=A")
    results = [mv.LineResult(line, value=24.7), mv.LineResult(team, value=20.0)]
    frame = mv.lines_frame(results, comparison=cells)
    assert list(frame.columns[-2:]) == ["Statistical neighbours", "Quartile"]
    assert frame["Statistical neighbours"].tolist() == ["21.0% (2024-25)", ""]  # not per team
    assert "Quartile" not in mv.lines_frame(results).columns  # without a comparison: as before


def test_compare_frame_labels_our_in_year_figure(catalogue):
    frame = cv.compare_frame(
        COMP,
        catalogue,
        {"re_referral_pct": (24.7, "the quarter to March 2022")},
        la_name="Southampton",
        region_name="South East",
    )
    row = frame.iloc[0]
    assert row["Our in-year figure (not yet published)"] == "24.7% (the quarter to March 2022)"
    assert row["Southampton (published)"] == "20.2%" and row["Year"] == "2024-25"
    assert row["Statistical neighbours' average"] == "21.0%" and row["South East"] == "28.4%"
    assert row["Quartile"] == "A"
    assert frame.iloc[3]["Southampton (published)"] == "not published"
    assert frame.iloc[3]["Quartile"] == ""


def test_trend_columns_of_ours_and_the_neighbours(catalogue):
    """Southampton's published re-referral % over the packaged years (DfE C1): 2020-21 28.0,
    2021-22 18.1, 2022-23 22.8 (the DfE dashboard's figures for those years), 2024-25 20.2."""
    from selfeval.measures.comparison import trend

    t = trend(catalogue["re_referral_pct"], 852, (331, 831, 851, 373, 312, 355, 874, 383, 350, 320))
    ours = dict(zip(t["year"], t["ours"], strict=True))
    assert (ours[2021], ours[2022], ours[2023], ours[2025]) == (28.0, 18.1, 22.8, 20.2)
    assert t.set_index("year").loc[2025, "neighbour_avg"] == 21.0
    frame = cv.compare_frame(COMP.head(1), catalogue, trends={"re_referral_pct": t})
    text = frame.iloc[0]["Our trend"]
    assert text.startswith(f"{t['year_label'].iloc[0]} to 2024-25: ")
    assert text.endswith("22.8, " + f"{ours[2024]:.1f}" + ", 20.2")
    assert frame.iloc[0]["Neighbours' trend"].endswith(", 21.0")
    counts = t.head(3).assign(ours=[0.0, 1000.0, 2000.0])  # counts stay whole numbers
    assert cv.trend_text(counts, "ours") == (
        f"{t['year_label'].iloc[0]} to {t['year_label'].iloc[2]}: 0, 1,000, 2,000"
    )
    missing = t.assign(ours=float("nan"))
    assert cv.trend_text(missing, "ours") == ""


def test_chart_alt_text_says_where_we_sit():
    strip = Strip(
        label="Re-referrals within 12 months",
        unit="pct",
        year_label="2024-25",
        values=(10.0, 20.2, 30.0, 25.0),
        ours=20.2,
        neighbours=(25.0,),
        england=22.6,
        neighbour_avg=25.0,
        rank_text="2nd of 4 (1 = lowest)",
        band="B",
    )
    assert strip_alt_text(strip, "Southampton") == (
        "Re-referrals within 12 months (2024-25): Southampton 20.2%, 2nd of 4 (1 = lowest), "
        "quartile B; statistical neighbours' average 25.0%; England 22.6%."
    )
    missing = Strip("X", "pct", "2024-25", (1.0,), None, (), None, None, "", None)
    assert strip_alt_text(missing, "Southampton") == (
        "X (2024-25): no published figure for Southampton."
    )
    chart = compare_strips([strip, missing], title="How we compare", la_name="Southampton")
    assert chart.alt_text.startswith("How we compare. Re-referrals within 12 months (2024-25)")
    assert "<svg" in chart.svg()


def test_neighbours_latest_ofsted_judgements():
    frame = cv.neighbour_judgements(852, (331, 851))
    assert frame["Council"].tolist() == ["Southampton (us)", "Coventry", "Portsmouth"]
    assert frame.iloc[0]["Overall effectiveness"] == "Good"
    assert frame.iloc[0]["Inspected"] == "June 2023"
    assert (frame["Overall effectiveness"] != "").all()


def test_definitions_page_names_the_source_and_year(catalogue):
    md = catalogue_markdown(catalogue)
    start = md.index('<a id="re_referral_pct">')
    entry = md[start : md.index("<a id=", start + 5)]
    assert (
        "**Compared with other councils:** Referrals and re-referrals (DfE Characteristics of "
        "children in need, table C1), latest published year 2024-25 (column rereferral_percent)"
    ) in entry
    start = md.index('<a id="cin_rate_10k">')
    entry = md[start : md.index("<a id=", start + 5)]
    assert "divided by the ONS mid-year population aged 0-17 of the year before" in entry


@pytest.mark.skipif(not SAMPLE.is_dir(), reason="the committed sample extract is missing")
def test_sample_right_service_page_shows_the_published_re_referral_comparison():
    """The sample pack's right-service page: Southampton's 2024-25 re-referral rate with its
    neighbours' average, rank and quartile, the chart, and the in-year figure labelled."""
    from selfeval import pages
    from selfeval.pages import sections as sx

    ctx = pages.load_context("2022-03-31", str(SAMPLE), "right_service", "")
    table = strip_html(sx.measures_table_html(ctx))
    assert "Statistical neighbours" in table and "21.0% (2024-25)" in table
    assert "C: 79th of 153 (1 = lowest)" in table
    compare = cv.how_we_compare_html(ctx, sx.page_data(ctx).results)
    text = strip_html(compare)
    assert "How we compare" in text and "Our in-year figure (not yet published)" in text
    frame = cv.compare_frame(cv.page_comparisons(ctx), ctx.catalogue)
    row = frame[frame["Measure"].astype(str).str.contains("Re-referrals within 12 months")].iloc[0]
    assert (row["Ours (published)"], row["Statistical neighbours' average"]) == ("20.2%", "21.0%")
    assert (row["England"], row["Rank"], row["Quartile"]) == (
        "22.6%",
        "79th of 153 (1 = lowest)",
        "C",
    )
    chart = cv.compare_chart_for(ctx)
    assert chart is not None
    assert (
        "Re-referrals within 12 months (2024-25): Southampton 20.2%, 79th of 153 (1 = lowest), "
        "quartile C; statistical neighbours' average 21.0%; England 22.6%."
    ) in chart.alt_text
