import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from selfeval.charts import (
    RAG_STYLE,
    VARIATION_STYLE,
    Chart,
    back_to_back,
    bar_breakdown,
    distribution_bands,
    palette_luminance,
    small_multiples,
    spc_chart,
    to_data_uri,
)
from selfeval.spc import xmr

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MONTHS = pd.date_range("2020-10-31", periods=14, freq="ME")


def render(chart: Chart) -> bytes:
    """PNG bytes, failing on any warning raised while rendering."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = chart.png_bytes(dpi=60)
    assert png.startswith(PNG_SIGNATURE)
    return png


def build(function, *args, **kwargs) -> Chart:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chart = function(*args, **kwargs)
    assert isinstance(chart.figure, Figure)
    return chart


def texts(chart: Chart) -> list[str]:
    return [t.get_text() for ax in chart.figure.axes for t in ax.texts]


def test_spc_chart_marks_special_cause_and_target_and_describes_itself():
    values = pd.Series([-1, -3, -1, -3, -1, -3, -1, 1, 3, 1, 3, 1, 3, 1], index=MONTHS) + 80
    frame = xmr(values, polarity="up", target=85, unit="pct")
    chart = build(spc_chart, frame, title="Visits within timescale", unit="pct")
    render(chart)
    ax = chart.figure.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [
        "Value",
        "Average",
        "Process limits",
        "Special cause: improvement",
        "Special cause: concern",
        "Target 85%",
    ]
    assert ax.get_ylim() == (0, 100)
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == "100%"
    assert "Oct\n2020" in [t.get_text() for t in ax.get_xticklabels()]
    assert chart.alt_text.startswith(
        "Visits within timescale: line chart from October 2020 to November 2021 with its "
        "average and process limits and the target. Latest value 81.0% in November 2021. "
        "14 points flagged as special cause. 14 points; average 80.0%"
    )
    assert plt.get_fignums() == []  # nothing left open in pyplot


def test_spc_chart_with_rebase_missing_values_and_plain_index():
    values = [5, 7, np.nan, 6, 8, 9, 15, 17, 16, 18]
    frame = xmr(values, polarity="down", rebase_at=6, unit="count")
    chart = build(spc_chart, frame, title="Contacts", unit="count")
    render(chart)
    assert "Latest value 18 in 9." in chart.alt_text
    assert [t.get_text() for t in chart.figure.axes[0].get_xticklabels()][:2] == ["0", "1"]


def test_spc_chart_with_too_few_points():
    chart = build(spc_chart, xmr([5], polarity="up"), title="Caseload", unit=None)
    render(chart)
    assert chart.alt_text.startswith("Caseload: line chart from 0 to 0 with no limits.")


def test_spc_chart_with_no_data_at_all():
    chart = build(spc_chart, xmr([np.nan, np.nan], polarity="up"), title="Audits", unit="pct")
    render(chart)
    assert chart.alt_text == "Audits: no data to chart."


def test_bar_breakdown_labels_values_and_rag_in_text():
    frame = pd.DataFrame(
        {
            "team": ["Locality 1", "Locality 2", "Locality 3"],
            "value": [72.0, 61.5, np.nan],
            "rag": ["green", "amber", ""],
        }
    )
    chart = build(
        bar_breakdown,
        frame,
        category="team",
        value="value",
        title="Audits good or better",
        unit="pct",
        target=70,
        rag="rag",
    )
    render(chart)
    assert texts(chart) == ["72.0% (green)", "61.5% (amber)", "no data"]
    bars = chart.figure.axes[0].patches
    assert [b.get_hatch() or "" for b in bars] == ["", "//", ""]
    assert chart.alt_text == (
        "Audits good or better: bar chart of 3 groups: Locality 1 72.0% (green), Locality 2 "
        "61.5% (amber) and Locality 3 no data. The target of 70% is marked."
    )


def test_back_to_back_age_gender():
    table = pd.DataFrame(
        {"Male": [3, 10, 12, 20, 5], "Female": [4, 8, 15, 18, 6], "Other or not recorded": 0},
        index=pd.Index(["Under 1", "1-4", "5-9", "10-15", "16-17"], name="Age band"),
    )
    table.loc["16-17", "Other or not recorded"] = 2
    chart = build(back_to_back, table, title="Children looked after by age and gender")
    render(chart)
    assert texts(chart)[:2] == ["4", "3"]  # Under 1: 4 girls left, 3 boys right
    assert chart.alt_text == (
        "Children looked after by age and gender: back-to-back bar chart by age band, female on "
        "the left (51), male on the right (50). The largest age band is 10-15. Not shown: 2 "
        "other or not recorded."
    )


def test_small_multiples_one_panel_per_team():
    frame = pd.DataFrame(
        {
            "team": ["A"] * 3 + ["B"] * 3 + ["C"] * 3 + ["D"] * 3,
            "month": list(MONTHS[:3]) * 4,
            "value": [10, 12, 14, 20, 18, np.nan, 5, 6, 7, np.nan, np.nan, np.nan],
        }
    )
    chart = build(
        small_multiples,
        frame,
        facet="team",
        x="month",
        y="value",
        title="Caseloads",
        unit=None,
        target=18,
    )
    render(chart)
    visible = [ax for ax in chart.figure.axes if ax.get_visible()]
    assert [ax.get_title(loc="left") for ax in visible] == ["A", "B", "C", "D"]
    assert chart.alt_text == (
        "Caseloads: 4 small charts, one for each team, with the 18 target. Latest: A 14.0 "
        "(December 2020), B 18.0 (November 2020), C 7.0 (December 2020) and D no data."
    )


def test_distribution_bands_highlights_bands_outside_timescale():
    frame = pd.DataFrame(
        {"Count": [30, 50, 15, 5]},
        index=pd.Index(["0-10", "11-20", "21-45", "Over 45"], name="Band"),
    )
    chart = build(
        distribution_bands,
        frame,
        title="Assessments by working days taken",
        unit_label="working days",
        beyond=["Over 45"],
    )
    render(chart)
    assert [p.get_hatch() or "" for p in chart.figure.axes[0].patches] == ["", "", "", "//"]
    assert texts(chart) == ["30\n30%", "50\n50%", "15\n15%", "5\n5%"]
    assert chart.alt_text == (
        "Assessments by working days taken: bar chart of 100 cases by band (working days): "
        "0-10 30, 11-20 50, 21-45 15 and Over 45 5. 5 of 100 (5.0%) were outside timescale."
    )


def test_distribution_bands_marks_unrecorded_band_apart():
    frame = pd.DataFrame({"Band": ["0-5", "6+", "Not recorded"], "Count": [8, 1, 1]})
    chart = build(
        distribution_bands, frame, band="Band", title="Seen", beyond=["6+"], unit_label="days"
    )
    render(chart)
    assert [p.get_hatch() or "" for p in chart.figure.axes[0].patches] == ["", "//", ".."]
    legend = [t.get_text() for t in chart.figure.axes[0].get_legend().get_texts()]
    assert legend == ["Within timescale", "Outside timescale", "Not recorded"]
    assert chart.alt_text.endswith("1 of 10 (10.0%) were outside timescale.")


def test_chart_html_carries_alt_text_and_an_embedded_png():
    chart = build(distribution_bands, pd.DataFrame({"Count": [1]}, index=["a"]), title="T <1>")
    html = chart._repr_html_()
    assert html.startswith('<img class="se-chart" src="data:image/png;base64,')
    assert 'alt="T &lt;1&gt;: bar chart of 1 case by band: a 1."' in html
    assert to_data_uri(b"\x00") == "data:image/png;base64,AA=="


@pytest.mark.parametrize(
    "colours",
    [
        [VARIATION_STYLE["improvement"][0], VARIATION_STYLE["concern"][0]],
        [RAG_STYLE["green"][0], RAG_STYLE["amber"][0], RAG_STYLE["red"][0]],
    ],
)
def test_meaningful_colours_stay_apart_in_greyscale(colours):
    shades = sorted(palette_luminance(colours))
    assert min(np.diff(shades)) >= 20


def test_special_cause_and_rag_are_not_told_by_colour_alone():
    markers = [marker for _, marker, _ in VARIATION_STYLE.values()]
    assert len(set(markers)) == len(markers)
    hatches = [RAG_STYLE[r][1] for r in ("green", "amber", "red")]
    assert len(set(hatches)) == 3
