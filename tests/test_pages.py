"""selfeval.pages on small hand-built frames (no extract, no kernel)."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pandas as pd
import pytest

from selfeval.pages import cohorts as co
from selfeval.pages import measures_view as mv
from selfeval.pages import plan_view as pv
from selfeval.pages import quality_view as qv
from selfeval.pages import summary as sm
from selfeval.pages.context import normalise_measures
from selfeval.pages.html import cells, html_frame, html_table, link, markdown_to_html, rag_badge
from selfeval.pages.sections import audit_frame

PE = date(2022, 3, 31)


def mrow(
    mid,
    ptype,
    end,
    value,
    *,
    start=None,
    breakdown="",
    num=None,
    den=None,
    unit="pct",
    polarity="up",
    target=None,
    rag="",
):
    end = pd.Timestamp(end)
    return {
        "measure_id": mid,
        "period_type": ptype,
        "period_start": pd.Timestamp(start) if start else end.replace(day=1),
        "period_end": end,
        "breakdown": breakdown,
        "numerator": num,
        "denominator": den,
        "value": value,
        "unit": unit,
        "target": target,
        "rag": rag,
        "polarity": polarity,
    }


def month_ends(last="2022-03-31", n=12):
    return list(pd.date_range(end=last, periods=n, freq="ME"))


@pytest.fixture
def measures():
    rows = []
    # a flow percentage: months with numerators/denominators, and the quarter row
    for i, end in enumerate(month_ends()):
        num, den = 60 + i, 100
        rows.append(mrow("assessment_timely_pct", "month", end, float(num), num=num, den=den))
    rows.append(
        mrow("assessment_timely_pct", "quarter", PE, 70.0, start="2022-01-01", num=210, den=300)
    )
    # a stock count: months and the snapshot row
    for i, end in enumerate(month_ends()):
        rows.append(mrow("cla", "month", end, 500 + i, unit="count", polarity="neutral"))
    rows.append(mrow("cla", "snapshot", PE, 511, start=PE, unit="count", polarity="neutral"))
    # team breakdown
    rows.append(
        mrow(
            "assessment_timely_pct",
            "quarter",
            PE,
            55.0,
            breakdown="team=<b>Team A</b>",
            num=55,
            den=100,
        )
    )
    rows.append(
        mrow("assessment_timely_pct", "quarter", PE, 85.0, breakdown="team=Team B", num=85, den=100)
    )
    return normalise_measures(pd.DataFrame(rows))


# --- html -----------------------------------------------------------------------------------


def test_html_table_escapes_free_text_but_keeps_markup():
    frame = html_frame({"Team": ["<script>alert(1)</script>"], "RAG": [rag_badge("red")]})
    out = html_table(frame, caption="A & B")
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "A &amp; B" in out
    assert 'class="rag rag-red"' in out and "Red" in out  # the word, not colour alone


@pytest.mark.parametrize("as_rows", [True, False])
def test_html_frame_keeps_markup_cell_by_cell(as_rows):
    """pandas 3 stores an all-text column as its string dtype, which turns Markup into plain
    str; html_frame keeps a column with Markup as objects, so each cell keeps its own kind:
    the badge and the link are HTML, free text in the same column is still escaped."""
    cols = {
        "Measure": [link("Re-referrals", "definitions.html#rr"), "<b>plan text</b>"],
        "RAG": [rag_badge("green"), ""],
        "Children": [3, 12],
    }
    rows = [dict(zip(cols, values, strict=True)) for values in zip(*cols.values(), strict=True)]
    frame = html_frame(rows if as_rows else cols)
    out = html_table(frame)
    assert '<a href="definitions.html#rr">Re-referrals</a>' in out
    assert 'class="rag rag-green"' in out
    assert "&lt;b&gt;plan text&lt;/b&gt;" in out and "<b>" not in out
    assert '<td class="num">12</td>' in out  # numbers stay numeric, right-aligned
    assert list(frame.columns) == ["Measure", "RAG", "Children"]


def test_html_frame_aligns_markup_lists_with_series_columns():
    """Columns given as Series keep their index; a list of Markup lines up by position."""
    team = pd.Series(["A", "B"], index=[7, 3])
    badges = cells([rag_badge("red"), rag_badge("amber")], index=[7, 3])
    frame = html_frame({"Team": team, "RAG": badges, "Note": [link("a", "#a"), link("b", "#b")]})
    out = html_table(frame)
    assert out.index("rag-red") < out.index('href="#a"') < out.index("rag-amber")
    assert out.index("rag-amber") < out.index('href="#b"')


def test_markdown_commentary_strips_raw_html_and_bad_links():
    out = markdown_to_html(
        "# Heading\n\nGood **progress** <img src=x onerror=alert(1)> <script>x()</script>\n\n"
        "[bad](javascript:alert(1)) [ok](https://example.org)"
    )
    assert "<strong>progress</strong>" in out
    assert "<img" not in out and "<script" not in out and "onerror" not in out
    assert "javascript:" not in out and 'href="https://example.org"' in out
    assert "<h4>" in out  # commentary headings sit below the page's own


def test_rag_badge_unrated_and_suppressed():
    assert "Not rated" in rag_badge("")
    assert "Suppressed" in rag_badge("suppressed")


# --- measures -------------------------------------------------------------------------------


def test_headline_prefers_quarter_then_snapshot(measures):
    assert mv.headline_row(measures, "assessment_timely_pct", PE)["period_type"] == "quarter"
    assert mv.headline_row(measures, "cla", PE)["period_type"] == "snapshot"
    assert mv.headline_row(measures, "nothing", PE) is None


def test_previous_quarter_from_month_numerators(measures):
    row = mv.headline_row(measures, "assessment_timely_pct", PE)
    value, when = mv.previous_quarter(measures, row, "pct")
    # Oct-Dec 2021 are months 7, 8, 9 of 12: numerators 66, 67, 68 of 100 each
    assert value == pytest.approx(67.0)
    assert when == pd.Timestamp("2021-12-31")


def test_previous_quarter_of_a_snapshot_is_the_month_three_months_earlier(measures):
    row = mv.headline_row(measures, "cla", PE)
    value, when = mv.previous_quarter(measures, row, "count")
    assert (value, when) == (508.0, pd.Timestamp("2021-12-31"))


def test_line_rows_are_the_rows_a_filter_gives_and_are_found_once(measures):
    raw = measures.assign(breakdown=measures["breakdown"].replace("", None))  # NaN = service
    rows = mv.line_rows(raw)
    for mid, breakdown in [("cla", ""), ("assessment_timely_pct", "team=Team B"), ("x", "")]:
        mask = (raw["measure_id"] == mid) & (raw["breakdown"].fillna("") == breakdown)
        pd.testing.assert_frame_equal(rows.rows(mid, breakdown), raw[mask])
    assert mv.line_rows(raw) is rows
    assert mv.line_rows(raw.copy()) is not rows  # another table is indexed afresh
    shorter = raw.iloc[:-1]
    assert mv.line_rows(shorter).rows("cla").equals(shorter[shorter["measure_id"] == "cla"])


def test_monthly_series_is_a_fresh_series_each_time(measures):
    series = mv.monthly_series(measures, "cla")
    assert series.tolist() == [500 + i for i in range(12)]
    assert list(series.index) == month_ends() and series.name == "cla"
    series.iloc[:] = 0
    assert mv.monthly_series(measures, "cla").tolist() == [500 + i for i in range(12)]


def test_previous_quarter_rebuilt_from_three_months_across_a_year_end(measures):
    row = mv.headline_row(measures, "assessment_timely_pct", PE)
    no_quarter = measures[measures["period_type"] != "quarter"]
    row = row.copy()
    row["period_end"] = pd.Timestamp("2022-04-30")  # the quarter before: Nov 2021 - Jan 2022
    value, when = mv.previous_quarter(no_quarter, row, "count")
    assert (value, when) == (67.0 + 68.0 + 69.0, pd.Timestamp("2022-01-31"))


def test_previous_quarter_missing_months_gives_none(measures):
    short = measures[
        ~(
            (measures["measure_id"] == "assessment_timely_pct")
            & (measures["period_end"] == pd.Timestamp("2021-11-30"))
        )
    ]
    row = mv.headline_row(short, "assessment_timely_pct", PE)
    assert mv.previous_quarter(short, row, "pct") == (None, None)


def test_evaluate_line_rates_against_plan_thresholds_and_runs_spc(measures):
    line = mv.MeasureLine(
        "assessment_timely_pct",
        "Assessments on time",
        "pct",
        "up",
        target=80,
        thresholds={"green": 80, "amber": 65},
    )
    r = mv.evaluate_line(measures, line, PE)
    assert r.value == 70.0 and r.previous == pytest.approx(67.0)
    assert r.rag == "amber"
    assert r.variation == "improvement"  # 12 months rising
    assert "Assessments on time: 70.0% in the quarter to March 2022" in r.finding
    frame = mv.lines_frame([r], region_name="South East")
    assert 'href="definitions.html#assessment_timely_pct"' in str(frame.loc[0, "Measure"])
    assert frame.loc[0, "Change"] == "▲ 3.0 points (better)"
    assert list(frame.columns)[-2:] == ["England", "South East"]


def test_line_with_no_rows_says_no_data(measures):
    r = mv.evaluate_line(measures, mv.MeasureLine("x", "X", "pct", "up"), PE)
    assert not r.has_data and "no data" in r.finding
    assert mv.lines_frame([r]).loc[0, "Latest"] == "no data"


@pytest.mark.parametrize(
    ("value", "previous", "unit", "polarity", "expected"),
    [
        (10, 12, "count", "down", "▼ 2 (better)"),
        (10, 12, "count", "neutral", "▼ 2"),
        (50.0, 50.04, "pct", "up", "No change"),
        (None, 3, "pct", "up", ""),
        (16.6, 17.4, "count", "down", "▼ 0.8 (better)"),  # averages held as counts
    ],
)
def test_format_change(value, previous, unit, polarity, expected):
    assert mv.format_change(value, previous, unit, polarity) == expected


def test_team_frame_sorted_and_rated_and_escaped(measures):
    line = mv.MeasureLine(
        "assessment_timely_pct", "On time", "pct", "up", thresholds={"green": 80, "amber": 60}
    )
    frame = mv.team_frame(measures, line, PE)
    assert list(frame["Team"]) == ["Team B", "<b>Team A</b>"]
    assert list(frame["rag"]) == ["green", "red"]
    out = html_table(mv.team_frame_display(frame, line))
    assert "&lt;b&gt;Team A&lt;/b&gt;" in out and "85 of 100" in out


def test_priority_lines_merge_catalogue_and_plan_targets():
    catalogue = {
        "audits_good_pct": {
            "name": "Audits good",
            "unit": "pct",
            "polarity": "up",
            "priority": "quality_assurance",
        },
        "assessment_timely_pct": {
            "name": "On time",
            "unit": "pct",
            "polarity": "up",
            "priority": "assessment_intervention",
        },
    }
    targets = [
        {
            "measure": "audits_good_pct",
            "breakdown": "theme=assessment",
            "target": 70,
            "thresholds": {"green": 70, "amber": 60},
        },
        {"measure": None, "text": "Core groups in timescale"},
    ]
    lines = mv.priority_lines(catalogue, "assessment_intervention", targets)
    assert [(ln.measure_id, ln.breakdown) for ln in lines] == [
        ("audits_good_pct", "theme=assessment"),
        ("assessment_timely_pct", ""),
    ]
    assert lines[0].label == "Audits good (theme: assessment)" and lines[0].from_plan


# --- cohorts --------------------------------------------------------------------------------


@pytest.fixture
def tables():
    cp = pd.DataFrame(
        {
            "child_id": ["C1", "C2", "C3", "C4", "C4"],
            "gender": ["Male", "Female", "Female", "Not stated/recorded", "Not stated/recorded"],
            "ethnicity": ["WBRI", "BAFR", None, "WBRI", "WBRI"],
            "dob": pd.to_datetime(
                ["2021-06-01", "2010-04-01", "2005-03-31", "2015-01-01", "2015-01-01"]
            ),
            "cp_start": pd.to_datetime(
                ["2022-01-01", "2021-06-01", "2021-01-01", "2020-01-01", "2021-12-01"]
            ),
            "cp_end": pd.to_datetime([None, None, "2022-03-31", "2020-06-01", None]),
            "last_visit": pd.to_datetime(["2022-03-30", "2022-03-01", None, None, "2022-03-20"]),
        }
    )
    assessments = pd.DataFrame(
        {
            "child_id": ["C1", "C2", "C5"],
            "assessment_start": pd.to_datetime(["2022-01-04", "2021-11-01", "2020-01-01"]),
            "assessment_authorised": pd.to_datetime(["2022-01-18", "2022-02-28", "2020-02-01"]),
            "referral_source": ["6", "2A", "a) 3A: Health services"],
        }
    )
    return {"annex_a_7": cp, "annex_a_4": assessments}


def test_open_cohort_counts_children_once_and_respects_end_dates(tables):
    frame = co.cohort_frame(tables, "cp", PE)
    # C3 ended on the period end (not open); C4's 2020 plan ended, its Dec 2021 plan is open
    assert sorted(frame["child_id"]) == ["C1", "C2", "C4"]
    profile = co.age_gender_profile(frame)
    assert profile.loc["Under 1", "Male"] == 1  # born June 2021
    assert profile.loc["10-15", "Female"] == 1  # 11 at 31 March 2022
    assert profile.loc["5-9", "Other or not recorded"] == 1
    assert "child_id" not in profile.columns and "C1" not in profile.to_string()


def test_ethnicity_and_source_groups(tables):
    eth = co.ethnicity_profile(co.cohort_frame(tables, "cp", PE))
    assert eth.loc["White", "Children"] == 2 and eth.loc["Black", "Children"] == 1
    src = co.source_profile(tables["annex_a_4"], "referral_source")
    assert set(src.index) == {"Police", "Schools", "Health services"}


def test_timeliness_bands_use_working_days(tables):
    values = co.timeliness_values(tables, "assessment_duration", PE)
    # 4-18 Jan 2022 = 10 working days; 1 Nov 2021-28 Feb 2022 > 60; 2020 is outside the year
    assert sorted(values) == [10.0, 82.0]
    bands = [["0-10 days", 0, 10], ["11-45 days", 11, 45], ["Over 45 days", 46, None, True]]
    counts = co.band_counts(values, bands)
    assert list(counts["Count"]) == [1, 0, 1]
    assert co.late_bands(bands) == ["Over 45 days"]


def test_weeks_since_last_visit(tables):
    weeks = co.timeliness_values(tables, "cp_visits", PE).round(2).tolist()
    # 1, 30 and 11 days before the period end (C4 counted once, from its open plan)
    assert sorted(weeks) == [0.14, 1.57, 4.29]


def test_missing_table_gives_no_cohort():
    assert co.cohort_frame({}, "cla", PE) is None


# --- audits, quality, actions ---------------------------------------------------------------


def test_audit_frame_by_theme_with_plan_rag():
    audits = pd.DataFrame(
        {
            "theme": ["assessment"] * 4 + ["planning"] * 2 + ["neglect"],
            "grade": [
                "Good",
                "Outstanding",
                "Inadequate",
                None,
                "Good",
                "Requires improvement",
                "Good",
            ],
            "audit_date": pd.to_datetime(
                [
                    "2022-01-10",
                    "2021-06-01",
                    "2022-03-31",
                    None,
                    "2022-02-01",
                    "2022-02-02",
                    "2020-01-01",
                ]
            ),
            "child_id": ["C1"] * 7,
        }
    )
    frame = audit_frame(audits, PE, ["assessment", "planning", "neglect"]).set_index("Theme")
    assert frame.loc["Assessment", "Audits"] == 3
    assert frame.loc["Assessment", "Good or better"] == pytest.approx(66.7)
    assert frame.loc["Assessment", "RAG"] == "amber"
    assert frame.loc["Planning", "RAG"] == "red"
    assert "Neglect" not in frame.index  # 2020 audit is outside the 12 months
    assert frame.loc["All themes", "Audits"] == 5
    assert "C1" not in frame.to_string()


def test_quality_caveats_are_counts_without_values():
    summary = pd.DataFrame(
        {
            "file": ["annex_a.xlsx", "annex_a.xlsx", "local/audits.csv"],
            "sheet": ["List 7", "List 8", None],
            "table": ["annex_a_7", "annex_a_8", "local_audits"],
            "rows_read": [10, 20, 5],
            "rows_used": [8, 20, 5],
            "errors": [2, 0, 0],
            "warnings": [0, 0, 0],
        }
    )
    quality = pd.DataFrame(
        {
            "file": ["annex_a.xlsx"] * 3 + ["annex_a.xlsx"],
            "sheet": ["List 7", "List 7", "List 8", None],
            "row": [5, 6, 7, None],
            "column": ["dob", "dob", "cla_start", None],
            "value": ["SECRET-ID"] * 4,
            "rule": ["invalid_date"] * 3 + ["title_row"],
            "severity": ["error", "error", "error", "info"],
            "message": ["'SECRET-ID' is not a date"] * 4,
        }
    )
    table = qv.caveats(quality, summary, ["annex_a_7"])
    assert table["Rows"].sum() == 3  # 2 List 7 errors + the workbook-level note
    assert "SECRET-ID" not in table.to_string()
    assert set(table.columns) == {"Source", "Column", "Problem", "Severity", "Rows"}
    used = qv.files_for_tables(summary, ["annex_a_7"])
    text = qv.caveat_sentence(table, used)
    assert "10 rows read, 8 rows used" in text and "left out" in text


def test_actions_table_flags_overdue_and_escapes_notes():
    actions = pd.DataFrame(
        {
            "priority_id": ["p"] * 2,
            "objective_id": ["01.01"] * 2,
            "action_id": ["01.01.1", "01.01.2"],
            "text": ["Do a", "Do <b>b</b>"],
            "owner": ["HoS"] * 2,
            "due": pd.to_datetime(["2021-12-31", "2022-06-30"]),
            "status": ["overdue", "on track"],
            "latest_note": ["<script>x</script>", ""],
            "updated_on": pd.to_datetime(["2022-01-05", None]),
        }
    )
    out = pv.actions_table_html(actions)
    assert "Overdue" in out and "&lt;script&gt;" in out and "<script>" not in out
    assert "31 Dec 2021" in out and "&lt;b&gt;b&lt;/b&gt;" in out
    assert pv.status_sentence(actions) == "2 actions: 1 overdue and 1 on track."
    assert len(pv.overdue(actions)) == 1


def test_objectives_frame_reads_plan_objects():
    obj = SimpleNamespace(
        id="01.02",
        do_differently="Better plans",
        outcome="70% good",
        responsible_officers=["HoS"],
        due=date(2022, 3, 31),
        due_dates=[date(2022, 3, 31)],
        ofsted_refs=[SimpleNamespace(kind="core_recommendation", year=2019, text="Plans")],
        partners=["QA Unit"],
        targets=[
            SimpleNamespace(
                measure=None,
                text="Core groups",
                target=None,
                thresholds=None,
                breakdown=None,
                note=None,
            )
        ],
    )
    frame = pv.objectives_frame(SimpleNamespace(objectives=[obj]))
    assert frame.loc[0, "Ofsted reference"] == "Core Ofsted recommendation (2019): Plans"
    assert pv.unmeasured_targets(SimpleNamespace(objectives=[obj]), ["cla"]) == ["Core groups"]


# --- summary --------------------------------------------------------------------------------


def test_baseline_value_at_plan_baseline_or_earliest_month(measures):
    value, when, at_base = sm.baseline_value(measures, "cla", date(2021, 3, 31))
    assert (value, at_base) == (500.0, False)  # data start in April 2021
    assert when == pd.Timestamp("2021-04-30")
    value, when, at_base = sm.baseline_value(measures, "cla", date(2021, 6, 30))
    assert (value, at_base) == (502.0, True)


def test_measures_that_matter_keeps_every_item_and_says_why(measures):
    catalogue = {
        "cla": {
            "name": "Children looked after",
            "unit": "count",
            "polarity": "neutral",
            "priority": "corporate_parenting",
        }
    }
    items = [
        SimpleNamespace(group="CLA", text="Number of CLA at end month", measure="cla", note=None),
        SimpleNamespace(
            group="CLA",
            text="CLA with an up to date care plan",
            measure=None,
            note="care plan dates are not in Annex A",
        ),
    ]
    frame = sm.measures_that_matter_frame(items, catalogue, measures, PE, date(2021, 3, 31))
    assert len(frame) == 2
    assert "earliest month" in frame.loc[0, "Baseline"]
    assert frame.loc[0, "Actual (latest)"] == "511 (March 2022)"
    flow = [SimpleNamespace(group="A", text="On time", measure="assessment_timely_pct", note="")]
    catalogue["assessment_timely_pct"] = {
        "name": "On time",
        "unit": "pct",
        "polarity": "up",
        "priority": "assessment_intervention",
    }
    monthly = sm.measures_that_matter_frame(flow, catalogue, measures, PE, date(2021, 4, 30))
    # monthly like the plan: the March month (71%), not the quarter (70%)
    assert monthly.loc[0, "Baseline"] == "60.0% (April 2021)"
    assert monthly.loc[0, "Actual (latest)"] == "71.0% (March 2022)"
    assert frame.loc[1, "Outcome"] == "Not measured yet: care plan dates are not in Annex A"


def test_changes_and_notable_pick_rag_moves(measures):
    line = mv.MeasureLine(
        "assessment_timely_pct", "On time", "pct", "up", thresholds={"green": 69, "amber": 60}
    )
    r = mv.evaluate_line(measures, line, PE)
    assert sm.previous_rag(r) == "amber" and r.rag == "green"
    frame = sm.changes_frame([r])
    assert len(frame) == 1 and "Amber" in str(frame.loc[0, "RAG then"])
    improving, worse = sm.notable([r])
    assert improving == [r.finding] and worse == []


def test_previous_quarter_from_history_for_period_end_only_figures():
    rows = [mrow("cla_visits_timely_pct", "snapshot", PE, 92.0, start=PE)]
    measures = normalise_measures(pd.DataFrame(rows))
    history = pd.DataFrame(
        [
            {
                **mrow("cla_visits_timely_pct", "snapshot", "2021-12-31", 88.0, start="2021-12-31"),
                "reported_period_end": pd.Timestamp("2021-12-31"),
            },
            {
                **mrow("cla_visits_timely_pct", "snapshot", "2021-09-30", 80.0, start="2021-09-30"),
                "reported_period_end": pd.Timestamp("2021-09-30"),
            },
        ]
    )
    line = mv.MeasureLine("cla_visits_timely_pct", "Visits", "pct", "up")
    assert mv.evaluate_line(measures, line, PE).previous is None
    r = mv.evaluate_line(measures, line, PE, history=history)
    assert (r.previous, r.previous_end) == (88.0, pd.Timestamp("2021-12-31"))


def test_map_distinct_equals_map_and_calls_once_per_distinct_value():
    calls = []

    def group(value):
        calls.append(value)
        return co._gender_group(value)

    values = pd.Series(["Male", "f", None, "Male", float("nan"), "", "f"] * 50, name="gender")
    pd.testing.assert_series_equal(co.map_distinct(values, group), values.map(co._gender_group))
    assert len(calls) == 4  # Male, f, "", and one call for the blanks
