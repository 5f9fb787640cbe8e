import base64
import re
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
    overview_heatmap,
    palette_luminance,
    small_multiples,
    spc_chart,
    to_data_uri,
)
from selfeval.spc import xmr

MONTHS = pd.date_range("2020-10-31", periods=14, freq="ME")


def render(chart: Chart) -> str:
    """The chart's SVG document, failing on any warning raised while rendering."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        svg = chart.svg()
    assert svg.startswith("<?xml") and "<svg" in svg and svg.rstrip().endswith("</svg>")
    return svg


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
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "Nov\n2021"  # the latest month
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


def test_chart_html_carries_alt_text_and_an_embedded_svg():
    chart = build(distribution_bands, pd.DataFrame({"Count": [1]}, index=["a"]), title="T <1>")
    html = chart._repr_html_()
    assert html.startswith('<img class="se-chart" src="data:image/svg+xml;base64,')
    assert 'alt="T &lt;1&gt;: bar chart of 1 case by band: a 1."' in html
    assert to_data_uri("<svg/>") == "data:image/svg+xml;base64,PHN2Zy8+"


def test_svg_is_the_same_on_every_run_keeps_text_as_text_and_loads_nothing():
    frame = xmr(pd.Series([5.0, 7, 6, 8, 9, 15, 17, 16], index=MONTHS[:8]), polarity="up")
    first, second = (render(build(spc_chart, frame, title="Contacts", unit=None)) for _ in "ab")
    assert first == second  # fixed hash salt, no date
    assert ">Contacts</text>" in first  # searchable text, not glyph outlines
    families = set(re.findall(r"font-family: ([^;\"]*)", first))
    # measured in DejaVu Sans; only narrower fonts after it (see figure_to_svg)
    assert families == {
        "'DejaVu Sans', 'Bitstream Vera Sans', 'Arial', 'Helvetica', 'Liberation Sans', sans-serif"
    }
    assert "<image" not in first and 'href="http' not in first
    # shown at the size the 150 dpi PNGs had (8 x 4 inches), drawn in points
    assert 'width="1200px" height="600px" viewBox="0 0 576 288"' in first


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


# --- layout: nothing clipped, nothing overlapping, with realistic and worst-case labels -------

LONG_TEAMS = [
    "North Locality Safeguarding and Family Support Team",
    "Disabled Children's Team",
    "Children in Care 1",
    "Leaving Care and Care Experienced Young People Service",
    "Multi-Agency Safeguarding Hub (MASH) and Emergency Duty Team",
    "Central",
    "Youth Justice",
    "Fostering Assessment and Kinship Care Team",
]
LONG_TITLE = (
    "Percentage of child and family assessments completed within 45 working days of the "
    "contact being accepted as a referral, rolling three months"
)


def _worst_spc() -> Chart:
    months = pd.date_range("2022-04-30", periods=24, freq="ME")
    values = pd.Series(np.r_[np.full(8, 40.0), np.full(8, 60.0), np.full(8, 99.0)], index=months)
    values.iloc[3] = 5.0
    frame = xmr(values, polarity="up", target=85, unit="pct", rebase_at=8)
    chart = build(spc_chart, frame, title=LONG_TITLE, unit="pct")
    legend = [t.get_text() for t in chart.figure.axes[0].get_legend().get_texts()]
    assert len(legend) >= 5, legend
    return chart


def _worst_spc_counts() -> Chart:
    months = pd.date_range("2022-04-30", periods=24, freq="ME")
    values = pd.Series(np.linspace(1_200_000, 2_400_000, 24), index=months)
    return build(spc_chart, xmr(values, polarity="down"), title="Contacts", unit="count")


def _worst_bar() -> Chart:
    frame = pd.DataFrame(
        {
            "team": LONG_TEAMS,
            "value": [99.9, 100.0, 61.5, np.nan, 0.0, 88.8, 45.0, 97.3],
            "rag": ["green", "green", "amber", "", "red", "green", "red", "amber"],
        }
    )
    return build(
        bar_breakdown,
        frame,
        category="team",
        value="value",
        title=LONG_TITLE,
        unit="pct",
        target=85,
        rag="rag",
    )


def _worst_bar_counts() -> Chart:
    frame = pd.DataFrame({"Group": LONG_TEAMS[:5], "Children": [1_234_567, 5, 0, 88_000, 12]})
    return build(
        bar_breakdown, frame, category="Group", value="Children", title="By source", unit="count"
    )


def _worst_back_to_back() -> Chart:
    table = pd.DataFrame(
        {"Female": [14_000, 40, 52_000, 80, 3], "Male": [12, 45_500, 60, 91_000, 40]},
        index=pd.Index(["Under 1", "1-4", "5-9", "10-15", "16 and over (leaving care)"]),
    )
    return build(back_to_back, table, title=LONG_TITLE)


def _worst_small_multiples() -> Chart:
    months = pd.date_range("2023-04-30", periods=12, freq="ME")
    teams = LONG_TEAMS[:5]
    frame = pd.DataFrame(
        {
            "team": np.repeat(teams, 12),
            "month": list(months) * len(teams),
            "value": np.linspace(10_000, 250_000, 12 * len(teams)),
        }
    )
    return build(
        small_multiples,
        frame,
        facet="team",
        x="month",
        y="value",
        title=LONG_TITLE,
        unit=None,
        target=100_000,
    )


def _worst_bands() -> Chart:
    frame = pd.DataFrame(
        {"Count": [12_000, 34_000, 20_000, 6_000, 1_200, 50]},
        index=pd.Index(
            ["0-10", "11-20", "21-45", "46-90 (outside timescale)", "Over 90", "Not recorded"]
        ),
    )
    return build(
        distribution_bands,
        frame,
        title=LONG_TITLE,
        unit_label="working days",
        beyond=["46-90 (outside timescale)", "Over 90"],
    )


def _worst_heatmap() -> Chart:
    columns = ["Green", "Amber", "Red", "Improving", "Getting worse", "Actions overdue"]
    rows = [
        "1. Effective assessment and intervention",
        "9. Workforce academy: recruitment, retention and the academy",
        "10. Systems and support services",
    ]
    frame = pd.DataFrame([[5, 2, 4, 1, 2, 6], [1, 0, 1, 5, 0, 118], [0] * 6], rows, columns)
    return build(overview_heatmap, frame)


WORST = {
    "heatmap": _worst_heatmap,
    "spc": _worst_spc,
    "spc counts": _worst_spc_counts,
    "bar": _worst_bar,
    "bar counts": _worst_bar_counts,
    "back to back": _worst_back_to_back,
    "small multiples": _worst_small_multiples,
    "bands": _worst_bands,
}


def in_view(labels: list, limits: tuple[float, float], coordinate: int) -> list:
    """The tick labels matplotlib draws: those of ticks within the axis limits."""
    low, high = sorted(limits)
    slack = 1e-9 * (high - low)
    return [t for t in labels if low - slack <= t.get_position()[coordinate] <= high + slack]


def drawn_texts(figure: Figure) -> list:
    """Every text the figure draws: tick labels, axis labels, titles, labels, legend entries."""
    texts = [figure._suptitle] if figure._suptitle is not None else []
    for ax in figure.axes:
        if not ax.get_visible():
            continue
        texts += in_view(ax.get_xticklabels(), ax.get_xlim(), 0)
        texts += in_view(ax.get_yticklabels(), ax.get_ylim(), 1)
        texts += [ax.xaxis.label, ax.yaxis.label, ax.title, ax._left_title, ax._right_title]
        texts += ax.texts
        if ax.get_legend() is not None:
            texts += ax.get_legend().get_texts()
    return [t for t in texts if t.get_visible() and t.get_text().strip()]


@pytest.mark.parametrize("fmt", ["svg", "png"])
@pytest.mark.parametrize("kind", list(WORST))
def test_no_text_is_clipped_or_overlaps_with_long_labels(kind, fmt):
    """Every text lies inside the figure and apart from every other text, whether drawn as the
    SVG (72 dpi, unhinted) or rasterised (hinted): the margins come from an estimate, not from
    measuring the drawn figure, so this checks the estimate."""
    import io

    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.backends.backend_svg import RendererSVG

    from selfeval.charts import SVG_RC, house_style

    chart = WORST[kind]()
    figure = chart.figure
    with house_style(), mpl.rc_context(SVG_RC):
        if fmt == "svg":
            figure.set_dpi(72)  # as savefig(format="svg") draws
            width, height = figure.get_size_inches() * 72
            renderer = RendererSVG(width, height, io.StringIO())
        else:
            renderer = FigureCanvasAgg(figure).get_renderer()
        figure.draw(renderer)
        boxes = {t: t.get_window_extent(renderer) for t in drawn_texts(figure)}
    page = figure.bbox
    for text, box in boxes.items():
        inside = (
            box.x0 >= page.x0 - 0.5
            and box.y0 >= page.y0 - 0.5
            and box.x1 <= page.x1 + 0.5
            and box.y1 <= page.y1 + 0.5
        )
        assert inside, f"{text.get_text()!r} is clipped: {box} outside {page}"
    items = list(boxes.items())
    for i, (a, box_a) in enumerate(items):
        for b, box_b in items[i + 1 :]:
            overlap = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0) > 1 and (
                min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0) > 1
            )
            assert not overlap, f"{a.get_text()!r} overlaps {b.get_text()!r}"
    for ax in figure.axes:
        legend = ax.get_legend()
        if legend is not None:  # legends sit outside the plot, inside the figure
            box = legend.get_window_extent(renderer)
            assert box.x0 >= page.x0 - 0.5 and box.x1 <= page.x1 + 0.5
            assert box.y0 >= page.y0 - 0.5 and box.y1 <= page.y1 + 0.5
            assert not box.overlaps(ax.bbox), f"the legend covers the plot of {kind}"


def _img_attributes(page: str) -> list[dict[str, str]]:
    from html.parser import HTMLParser

    found: list[dict[str, str]] = []

    class Images(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "img":
                found.append({k: v or "" for k, v in attrs})

    Images().feed(page)
    return found


def test_show_chart_reaches_the_page_as_an_svg_image_with_its_alt_text(monkeypatch):
    """show_chart -> notebook output -> published page: an <img> of the SVG (not inline <svg>,
    whose ids would clash between charts), carrying the alt text, then the caption."""
    import nbformat

    from selfeval.pages import display as shown
    from selfeval.publish import render

    outputs = []

    def capture(obj, raw=False, metadata=None):
        data = obj if raw else {"text/html": obj._repr_html_()}
        outputs.append(nbformat.v4.new_output("display_data", data=data, metadata=metadata or {}))

    monkeypatch.setattr(shown, "display", capture)
    frame = pd.DataFrame({"Count": [3, 1]}, index=pd.Index(["0-5", "Over 5"]))
    chart = build(distribution_bands, frame, title='Seen "quickly" <5 days>', beyond=["Over 5"])
    svg = chart.svg()
    shown.show_chart(chart, "Children seen, by days taken")
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("show_chart(chart)")
    cell.outputs = outputs
    nb.cells = [cell]
    page = render.render_notebook(nb, title="Seen", nav=[], current_href="", pack_info={})
    content = render.main_content(page)
    images = _img_attributes(content)
    assert len(images) == 1 and "<svg" not in content
    prefix, encoded = images[0]["src"].split(",")
    assert prefix == "data:image/svg+xml;base64"
    assert base64.b64decode(encoded).decode("utf-8") == svg
    assert images[0]["alt"] == (
        'Seen "quickly" <5 days>: bar chart of 4 cases by band: 0-5 3 and Over 5 1. 1 of 4 '
        "(25.0%) were outside timescale."
    )
    assert "Children seen, by days taken" in content.split(encoded)[1]


def test_a_kept_chart_is_reused_only_for_the_same_data(tmp_path):
    """A rerun on the same extract reads its charts back instead of drawing them again."""
    frame = pd.DataFrame({"team": ["Locality 1", "Locality 2"], "value": [72.0, 61.5]})
    options = {"category": "team", "value": "value", "title": "Audits", "unit": "pct"}
    options["keep_in"] = tmp_path
    drawn = bar_breakdown(frame, **options)
    kept = bar_breakdown(frame.copy(), **options)
    changed = bar_breakdown(frame.assign(value=[72.0, 60.0]), **options)
    retitled = bar_breakdown(frame, **{**options, "title": "Audits this quarter"})
    assert drawn.figure is not None and kept.figure is None
    assert kept.svg() == drawn.svg() and kept.alt_text == drawn.alt_text
    assert changed.figure is not None and changed.svg() != drawn.svg()
    assert retitled.figure is not None
    assert len(list(tmp_path.glob("*.pickle"))) == 3
    assert bar_breakdown(frame, **{**options, "keep_in": None}).figure is not None  # drawn


def test_matplotlib_is_imported_when_the_first_chart_is_drawn(tmp_path):
    """A kernel whose charts are all kept (a rerun) never imports matplotlib or seaborn."""
    import subprocess
    import sys

    code = f"""
import sys
import pandas as pd
from selfeval.charts import bar_breakdown
frame = pd.DataFrame({{"team": ["A", "B"], "value": [72.0, 61.5]}})
options = dict(category="team", value="value", title="Audits", unit="pct")
options["keep_in"] = {str(tmp_path)!r}
loaded = lambda: sorted({{"matplotlib", "seaborn"}} & set(sys.modules))
print(loaded())
chart = bar_breakdown(frame, **options)
print(chart.figure is None, loaded())
"""
    run = [sys.executable, "-c", code]
    first = subprocess.run(run, capture_output=True, text=True, check=True).stdout.splitlines()
    assert first == ["[]", "False ['matplotlib', 'seaborn']"]  # drawn: imported then
    again = subprocess.run(run, capture_output=True, text=True, check=True).stdout.splitlines()
    assert again == ["[]", "True []"]  # read back from the kept charts: never imported


def test_each_chart_gets_a_blank_figure_of_its_own_size():
    """Figures are copies of one blank figure: drawing on one leaves the next blank."""
    from selfeval.charts import _new_figure

    first, ax = _new_figure(8, 3)
    ax.plot([1, 2], [3, 4])
    ax.set_title("drawn on")
    second, blank = _new_figure(6, 5)
    assert second is not first and blank is not ax
    assert tuple(second.get_size_inches()) == (6, 5) and tuple(first.get_size_inches()) == (8, 3)
    assert not blank.lines and blank.get_title() == ""
    assert len(second.axes) == 1
