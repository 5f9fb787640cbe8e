"""A measure with no figures says why on its page (issue 16: 'a blank and the reason')."""

from __future__ import annotations

import pandas as pd

from selfeval.measures import blank_reasons, read_measure_status
from selfeval.pages.context import load_context
from selfeval.pages.sections import missing_evidence_html


def test_blank_reasons_keep_the_why_but_not_an_error_message(tmp_path):
    status = pd.DataFrame(
        {
            "measure_id": ["cla", "cla_visits_timely_pct", "broken"],
            "status": ["ok", "unavailable", "error"],
            "why": ["", "the source holds only the latest value", "KeyError: 'C1234567'"],
        }
    )
    reasons = blank_reasons(status)
    assert reasons == {
        "cla_visits_timely_pct": "the source holds only the latest value",
        "broken": "the figure could not be computed (see run.log)",
    }
    status.to_csv(tmp_path / "measure_status.csv", index=False)
    assert read_measure_status(tmp_path / "measure_status.csv") == reasons
    assert read_measure_status(tmp_path / "absent.csv") == {}


def test_a_latest_only_measure_before_the_extract_date_says_why_on_its_page():
    # period end one month before the 31 March 2022 extract: List 8's last-visit dates cannot say
    # what was true at 28 February, so the page gives the reason, not just "no figures"
    ctx = load_context("2022-02-28", "data/sample/2022-03-31", "direct_contact")
    assert "cla_visits_timely_pct" in ctx.measure_status
    html = missing_evidence_html(ctx)
    assert "cannot say what was true at the period end" in html
