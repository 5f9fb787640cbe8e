"""Issue 19: the written judgement, findings grouped and ordered, the SPC key once, no sentence of
8+ words repeated more than 3 times on a page, and the sign-off."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from hand_built import PARAMS, page_context
from selfeval.errors import UserError
from selfeval.narrative import (
    Finding,
    by_importance,
    group_findings,
    judgement,
    most_important,
    repeated_sentences,
    sentences_of,
)
from selfeval.pages import sections as sx
from selfeval.pages.context import PageContext
from selfeval.plan import load_plan
from selfeval.publish.prose import page_prose, page_repetitions
from selfeval.signoff import parse_signoff, read_signoff

PE = date(2022, 3, 31)


def f(measure, kind="", rag="", variation="common cause", key=False, theme=""):
    return Finding(
        measure, "50.0% in March 2022", f"{measure}: 50.0%.", kind, rag, variation, key, theme
    )


# --- narrative -------------------------------------------------------------------------------


def test_importance_puts_real_change_and_red_first():
    items = [
        f("Green", "strength", "green"),
        f("Red", "area", "red"),
        f("Improving", "strength", "", "improvement"),
        f("Key amber", "area", "amber", key=True),
    ]
    # improvement 4; red 3; key 2 + amber 1 = 3 (ties keep order); green 1
    assert [x.measure for x in by_importance(items)] == ["Improving", "Red", "Key amber", "Green"]
    assert [x.measure for x in most_important(items, 2)] == ["Improving", "Red"]


def test_group_findings_by_theme_ordered_by_their_most_important():
    items = [f("A", "strength", "green", theme="Visits"), f("B", "area", "red", theme="Audits")]
    items.append(f("C", "strength", "green", "improvement", theme="Visits"))
    groups = group_findings(items)
    assert list(groups) == ["Visits", "Audits"]
    assert [x.measure for x in groups["Visits"]] == ["C", "A"]


def test_judgement_is_three_to_six_sentences_naming_the_measures_that_matter():
    items = [
        f("Re-referrals within 12 months", "area", "red", key=True),
        f("Children looked after visited", "strength", "green", "improvement", key=True),
        f("Contacts"),
        f("Referrals"),
    ]
    text = judgement(
        items,
        qualitative=[("70% of the 10 people rated it good", "strength")],
        evidence={"audit": 12, "piece of feedback/pieces of feedback": 10},
        missing_evidence=1,
        actions={"complete": 2, "at risk": 1, "on track": 3},
    )
    sentences = sentences_of(text)
    assert 3 <= len(sentences) <= 6, sentences
    assert "children looked after visited (50.0% in March 2022)" in sentences[0]
    assert "re-referrals within 12 months" in sentences[1]
    assert "1 shows real improvement" in text
    assert "12 audits and 10 pieces of feedback" in text
    assert "70% of the 10 people rated it good." in text
    assert "contacts" not in text.lower().split("rests on")[0]  # only the measures that matter


def test_judgement_without_measures_still_says_how_sure():
    text = judgement([], actions={"overdue": 2})
    assert 3 <= len(sentences_of(text)) <= 6
    assert "tentative" in text


def test_repeated_sentences_counts_only_long_sentences_over_the_limit():
    long = "The last 24 months vary within the range expected by chance."
    short = "Steady over 24 months (common cause)."  # 6 words
    assert repeated_sentences(" ".join([long] * 3 + [short] * 9)) == {}
    assert repeated_sentences(" ".join([long] * 4)) == {long: 4}


def test_page_prose_leaves_out_tables_lists_of_fields_and_alt_text():
    page = (
        "<main><!-- selfeval:content-start --><h1>T</h1><p>One two three. Four five.</p>"
        "<table><tr><td>cell text</td></tr></table><dl><dt>Label</dt><dd>value</dd></dl>"
        '<img alt="alt text"><ul><li>Item</li></ul><!-- selfeval:content-end --></main>'
    )
    from selfeval.publish.render import CONTENT_END, CONTENT_START

    page = page.replace("<!-- selfeval:content-start -->", CONTENT_START).replace(
        "<!-- selfeval:content-end -->", CONTENT_END
    )
    assert page_prose(page).splitlines() == ["T", "One two three. Four five.", "Item"]
    repeated = "<p>" + "This sentence has exactly eight words in it. " * 4 + "</p>"
    assert page_repetitions(CONTENT_START + repeated + CONTENT_END) == {
        "This sentence has exactly eight words in it.": 4
    }


# --- the judgement on a priority page comes from the page's findings -------------------------


def monthly(mid, values, *, num=None, den=100):
    ends = pd.date_range(end="2022-03-31", periods=len(values), freq="ME")
    return [
        {
            "measure_id": mid,
            "period_type": "month",
            "period_start": e.replace(day=1),
            "period_end": e,
            "breakdown": "",
            "numerator": v,
            "denominator": den,
            "value": float(v),
            "unit": "pct",
            "target": None,
            "rag": "",
            "polarity": "up",
        }
        for e, v in zip(ends, values, strict=True)
    ]


def context(measures: pd.DataFrame) -> PageContext:
    """The direct-contact page on `measures` alone, with the plan."""
    return page_context(measures, plan=load_plan(PARAMS))


STEADY = [95, 96, 94, 95, 96, 95, 94, 95, 96, 95, 94, 95]


def test_the_judgement_is_built_from_the_page_findings_and_follows_the_data():
    good = pd.DataFrame(
        monthly("cla_visits_timely_pct", STEADY) + monthly("cin_visits_timely_pct", STEADY)
    )
    text = sx.judgement_text(context(good))
    assert 3 <= len(sentences_of(text)) <= 6
    assert "No measure shows a clear area for development" in text
    assert "children on a child in need plan visited" in sentences_of(text)[0]

    worse = [95, 96, 94, 95, 96, 95, 94, 70, 65, 60, 55, 50]  # a run below target
    bad = pd.DataFrame(
        monthly("cla_visits_timely_pct", STEADY) + monthly("cin_visits_timely_pct", worse)
    )
    changed = sx.judgement_text(context(bad))
    assert changed != text
    assert "The main area for development is children on a child in need plan visited" in (changed)
    assert "50.0% in March 2022" in changed
    assert "got worse" in changed or "decline" in changed or "1 has" in changed


def test_findings_section_groups_by_theme_with_one_spc_key():
    data = pd.DataFrame(
        monthly("cla_visits_timely_pct", STEADY) + monthly("cin_visits_timely_pct", STEADY)
    )
    html = sx.findings_html(context(data))
    assert html.count("How to read the trends") == 1
    assert "<h4>Children in care</h4>" in html and "<h4>Children in need</h4>" in html
    assert "range expected by chance (common cause variation)" not in html


# --- sign-off -----------------------------------------------------------------------------


def test_a_pack_without_signoff_is_draft(tmp_path):
    signoff = read_signoff(tmp_path, PE)
    assert signoff.status == "draft" and signoff.text() == "Draft: not yet signed off."


def test_final_signoff_names_who_approved_it(tmp_path):
    folder = tmp_path / "commentary" / "2022-03-31"
    folder.mkdir(parents=True)
    (folder / "signoff.yaml").write_text(
        "approved_by: Jane Smith\nrole: Director of Children's Services\ndate: 2022-04-20\n"
        "status: final\n"
    )
    assert read_signoff(tmp_path, PE).text() == (
        "Final: approved by Jane Smith, Director of Children's Services, on 20 April 2022."
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"status": "signed"}, "status is 'signed'; expected draft or final"),
        ({"status": "final", "role": "DCS", "date": "2022-04-20"}, "approved_by is None"),
        ({"status": "draft", "date": "20/04/2022"}, "date is '20/04/2022'"),
        ({"approver": "x"}, "field is 'approver'"),
    ],
)
def test_a_bad_signoff_is_a_clear_error(tmp_path, raw, message):
    with pytest.raises(UserError) as err:
        parse_signoff(raw, tmp_path / "signoff.yaml")
    assert message in str(err.value) and "signoff.yaml" in str(err.value)


def test_feedback_is_a_finding_and_moves_the_judgement():
    data = pd.DataFrame(
        monthly("cla_visits_timely_pct", STEADY) + monthly("cin_visits_timely_pct", STEADY)
    )
    ctx = context(data)
    before = sx.judgement_text(ctx)
    # ten children rated our help in the quarter, nine of them 4 or 5 (90%: a strength)
    feedback = pd.DataFrame(
        {
            "feedback_date": pd.to_datetime(["2022-02-01"] * 10),
            "priority": ["direct_contact"] * 10,
            "rating": ["5"] * 9 + ["1"],
            "theme": ["safety"] * 10,
        }
    )
    ctx = context(data)
    ctx.tables = {"local_feedback": feedback}
    html = sx.findings_html(ctx)
    strengths = html.split("Areas for development")[0]
    assert "<h4>What children, families and partners told us</h4>" in strengths
    assert "90% of the 10 children, family members and partners" in strengths
    after = sx.judgement_text(ctx)
    assert after != before and "90% of the 10" in after
    assert "10 pieces of feedback" in after
