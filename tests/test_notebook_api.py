"""The public notebook API an analyst's cell uses (docs/architecture.md, "Editing a page"):
``ctx.rows`` and ``ctx.trend`` on the run's measures, and the pages' fixed wording read from
params/pages.yaml ``text:`` instead of Python strings."""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from hand_built import page_context
from selfeval import charts
from selfeval.errors import UserError
from selfeval.pages import sections as sx
from selfeval.pages.context import PageContext, load_page_config, page_text
from selfeval.pages.html import text_html
from selfeval.publish import PackText

PE = date(2022, 3, 31)
ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "lib" / "selfeval" / "pages"


def row(measure_id, end, value, period_type="month", breakdown=""):
    end = pd.Timestamp(end)
    return {
        "measure_id": measure_id,
        "period_type": period_type,
        "period_start": end.replace(day=1),
        "period_end": end,
        "breakdown": breakdown,
        "value": value,
        "unit": "count",
        "polarity": "neutral",
    }


def context(rows: list[dict]) -> PageContext:
    """The direct-contact page on `rows` alone."""
    return page_context(pd.DataFrame(rows))


MONTHS = pd.date_range("2021-04-30", "2022-03-31", freq="ME")
PLANS = [
    *(row("cp_plans", e, 200 + i) for i, e in enumerate(MONTHS)),  # 200..211, one a month
    row("cp_plans", PE, 211, period_type="snapshot"),
    row("cp_plans", PE, 120, period_type="snapshot", breakdown="team=North"),
    row("cp_plans", PE, 91, period_type="snapshot", breakdown="team=South"),
    row("cla", PE, 400),
]


def test_rows_are_one_measures_figures_oldest_first():
    ctx = context(list(reversed(PLANS)))
    months = ctx.rows("cp_plans")
    assert months["value"].tolist() == [200.0 + i for i in range(12)]
    assert set(months["breakdown"]) == {""} and set(months["period_type"]) == {"month"}
    assert ctx.rows("cp_plans", period_type="snapshot")["value"].tolist() == [211.0]


def test_rows_by_a_breakdown_key_name_each_group_in_its_own_column():
    teams = context(PLANS).rows("cp_plans", period_type="snapshot", breakdown="team")
    assert dict(zip(teams["team"], teams["value"], strict=True)) == {"North": 120, "South": 91}
    one = context(PLANS).rows("cp_plans", period_type="snapshot", breakdown="team=South")
    assert one["value"].tolist() == [91.0]


def test_rows_of_a_measure_the_run_lacks_are_empty_but_an_unknown_id_is_an_error():
    assert context(PLANS).rows("cla_starts").empty  # in the catalogue, not in this run
    with pytest.raises(UserError, match="unknown measure id 'cp_plan'.*params/measures.yaml"):
        context(PLANS).rows("cp_plan")


def test_trend_is_the_xmr_frame_the_spc_chart_draws():
    trend = context(PLANS).trend("cp_plans")
    assert trend["value"].tolist() == [200.0 + i for i in range(12)]
    # 12 points rising by 1 each month: mean (200 + 211) / 2 = 205.5; a run of 7 or more rises
    # is a trend (special cause), and cp_plans has no better direction (neutral)
    assert trend["mean"].iloc[0] == pytest.approx(205.5)
    assert trend.attrs["n_points"] == 12 and trend.attrs["variation"] == "special cause"
    chart = charts.spc_chart(trend, title="Children on a child protection plan", unit="count")
    assert chart.alt_text.startswith(
        "Children on a child protection plan: line chart from April 2021 to March 2022"
    )


def test_trend_without_monthly_figures_charts_as_no_data():
    trend = context(PLANS).trend("cla_starts")
    assert trend.empty
    chart = charts.spc_chart(trend, title="Children starting to be looked after", unit="count")
    assert chart.alt_text == "Children starting to be looked after: no data to chart."


# --- the fixed wording, in params/pages.yaml text: -------------------------------------------


def test_every_text_entry_is_used_by_the_pages_and_is_one_paragraph():
    """Each entry is read by the pages (by its key) or is a field of the run's own pages'
    wording (`publish.PackText`), and every field has its entry."""
    text = load_page_config()["text"]
    source = "".join(p.read_text(encoding="utf-8") for p in PAGES.glob("*.py"))
    generated = {f.name for f in fields(PackText)}
    for key, value in text.items():
        assert f'"{key}"' in source or key in generated, f"text.{key} is used by no page"
        assert text_html(value).count("<p>") == 1, key
    assert generated <= set(text)


def test_text_is_markdown_with_relative_links():
    html = text_html("See the [definitions](definitions.html), *once*.", css_class="se-note")
    assert html == (
        '<p class="se-note">See the <a href="definitions.html">definitions</a>, <em>once</em>.</p>'
    )
    assert "javascript" not in text_html("[x](javascript:alert(1))")  # only safe addresses


def test_text_is_escaped_and_raw_html_stripped():
    html = text_html('Read <script>alert("x")</script>this & that.')
    assert "<script" not in html and "&amp;" in html


def test_a_missing_text_entry_is_a_clear_error():
    with pytest.raises(UserError, match=r"params/pages.yaml: text.spc_key is missing or empty"):
        page_text({"text": {"spc_key": "  "}}, "spc_key")
    with pytest.raises(UserError, match=r"text.trends_intro is missing"):
        page_text({}, "trends_intro")


def test_a_page_shows_the_wording_the_analyst_wrote(tmp_path):
    """Edit text: in params/pages.yaml and the page says it (no Python string to change)."""
    ctx = context(PLANS)
    ctx.page_config = {**ctx.page_config, "text": {**ctx.page_config["text"]}}
    ctx.page_config["text"]["spc_key"] = "How to read the trends: *our* words."
    html = sx.spc_key_html(ctx)
    assert html == '<p class="se-note se-spc-key">How to read the trends: <em>our</em> words.</p>'
    assert re.search(r"How to read the trends: each measure", sx.spc_key_html(context(PLANS)))
