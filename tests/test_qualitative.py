"""Issue 19: the qualitative local datasets (feedback, complaints, practice reviews), read,
validated and summarised, and quotes published only with consent, identifiers withheld."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pandas as pd
import pytest

from selfeval import qualitative as ql
from selfeval.pages import sections as sx
from selfeval.pages.context import load_page_config
from selfeval.protect import SENSITIVE_COLUMNS, Withheld
from test_extract_support import load, make_extract, write_text

END = date(2022, 3, 31)

FEEDBACK_HEAD = (
    "feedback_id,feedback_date,respondent,service_area,priority,rating,theme,quote,"
    "consent_to_publish\n"
)


def fb(rows: list[tuple]) -> pd.DataFrame:
    cols = [
        "feedback_id",
        "feedback_date",
        "respondent",
        "service_area",
        "priority",
        "rating",
        "theme",
        "quote",
        "consent_to_publish",
    ]
    frame = pd.DataFrame(rows, columns=cols)
    frame["feedback_date"] = pd.to_datetime(frame["feedback_date"])
    return frame


# --- reading and validating ------------------------------------------------------------------


def test_the_three_datasets_are_read_and_bad_rows_reported_with_row_numbers(tmp_path):
    folder = make_extract(tmp_path / "x")
    write_text(
        folder / "local" / "feedback.csv",
        FEEDBACK_HEAD
        + "F1,2021-02-01,Child,Children in care,corporate_parenting,5,stability,Great.,Yes\n"
        + "F2,2021-02-02,Child,Children in care,corporate_parenting,7,stability,,\n"  # row 3
        + "F3,31/02/2021,Parent,Front door,right_service,3,support,,\n"  # row 4: no such date
        + "F4,2021-02-03,Robot,Front door,right_service,3,support,,\n",  # row 5: unknown code
    )
    write_text(
        folder / "local" / "complaints.csv",
        "complaint_id,received_date,kind,stage,service_area,priority,theme,outcome,"
        "responded_date,within_timescale\n"
        "C1,2021-01-10,Complaint,Stage 1,Front door,right_service,delay,Upheld,2021-01-20,Yes\n"
        "C2,2021-01-10,Complaint,Stage 9,Front door,right_service,delay,,,\n"  # row 3
        "C3,2021-01-10,Complaint,Stage 1,Front door,right_service,delay,Upheld,2021-01-01,No\n",
    )
    write_text(
        folder / "local" / "practice_reviews.csv",
        "review_id,review_date,review_type,priority,learning_point,action_taken\n"
        "R1,2021-03-01,Rapid review,direct_contact,Voice of the child missing.,Toolkit.\n"
        "R2,2021-03-01,Rapid review,direct_contact,,Toolkit.\n",  # row 3: blank learning point
    )
    extract = load(folder)
    q = extract.quality
    reported = {f: sorted(set(g["row"].astype(int))) for f, g in q.groupby("file")}
    assert reported == {
        "local/feedback.csv": [3, 4, 5],
        "local/complaints.csv": [3, 4],
        "local/practice_reviews.csv": [3],
    }
    # an impossible date or a blank required field: the row is left out (error); an unknown
    # code is reported and the row kept, as for every local dataset
    assert extract.tables["local_feedback"]["feedback_id"].tolist() == ["F1", "F2", "F4"]
    assert extract.tables["local_practice_reviews"]["review_id"].tolist() == ["R1"]
    rating = q[(q["file"] == "local/feedback.csv") & (q["row"] == 3)]
    assert rating["column"].tolist() == ["rating"] and rating["value"].tolist() == ["7"]
    assert "not in the code list" in rating["message"].iloc[0]
    # a response dated before the complaint was received is reported on its row
    order = q[(q["file"] == "local/complaints.csv") & (q["row"] == 4)]
    assert order["message"].str.contains("before 'received_date'").all()
    # and a rating outside 1-5 never counts in the summaries
    summary = ql.feedback_by_quarter(extract.tables["local_feedback"], date(2021, 3, 31), 1)
    assert summary.iloc[0]["Rated"] == 2  # 5 and 3; the 7 is not a rating


def test_record_ids_are_treated_as_identifying():
    assert {"feedback_id", "complaint_id", "review_id"} <= SENSITIVE_COLUMNS


# --- summaries, worked by hand ---------------------------------------------------------------


def test_feedback_by_quarter_counts_ratings_and_themes():
    frame = fb(
        [
            ("1", "2022-01-05", "Child", "x", "p", "5", "safety", "", ""),
            ("2", "2022-02-05", "Parent", "x", "p", "4", "safety", "", ""),
            ("3", "2022-03-31", "Carer", "x", "p", "2", "communication", "", ""),  # last day
            ("4", "2022-03-15", "Carer", "x", "p", "", "respect", "", ""),  # not rated
            ("5", "2021-12-31", "Child", "x", "p", "1", "respect", "", ""),  # previous quarter
            ("6", "2022-04-01", "Child", "x", "p", "1", "respect", "", ""),  # after the period
        ]
    )
    out = ql.feedback_by_quarter(frame, END, quarters=2)
    assert out["Quarter"].tolist() == ["Oct-Dec 2021", "Jan-Mar 2022"]
    now = out.iloc[1]
    assert (now["Feedback"], now["Rated"]) == (4, 3)
    assert now["Average rating (of 5)"] == pytest.approx(3.7)  # (5 + 4 + 2) / 3 = 3.67
    assert now["Positive (4-5) %"] == pytest.approx(66.7)  # 2 of 3 rated 4 or 5
    assert now["Main themes"] == "feeling safe (2), communication (1), respect (1)"
    before = out.iloc[0]
    assert (before["Feedback"], before["Positive (4-5) %"]) == (1, 0.0)


def test_complaints_timeliness_and_upheld_rate_leave_out_withdrawn_and_open():
    rows = [
        # received, kind, outcome, responded, within timescale
        ("2022-01-03", "Complaint", "Upheld", "2022-01-10", "Yes"),
        ("2022-01-04", "Complaint", "Partly upheld", "2022-02-20", "No"),
        ("2022-01-05", "Complaint", "Not upheld", "2022-01-12", "Yes"),
        ("2022-01-06", "Complaint", "Withdrawn", "2022-01-07", "Yes"),
        ("2022-03-30", "Complaint", "", None, ""),  # open: received, not responded
        ("2021-12-20", "Complaint", "Not upheld", "2022-01-04", "No"),  # responded this quarter
        ("2022-02-01", "Compliment", "", None, ""),
    ]
    frame = pd.DataFrame(
        rows, columns=["received_date", "kind", "outcome", "responded_date", "within_timescale"]
    ).assign(theme="delay", priority="p")
    for column in ("received_date", "responded_date"):
        frame[column] = pd.to_datetime(frame[column])
    now = ql.complaints_by_quarter(frame, END, quarters=1).iloc[0]
    assert (now["Complaints"], now["Compliments"]) == (5, 1)
    assert now["Responded"] == 5  # four received this quarter and one from December
    assert now["Within timescale %"] == pytest.approx(60.0)  # 3 of 5
    # decided: upheld, partly upheld, not upheld (x2); withdrawn and open left out: 2 of 4
    assert now["Upheld %"] == pytest.approx(50.0)


def test_learning_points_most_often_found_first_with_latest_action():
    frame = pd.DataFrame(
        {
            "review_date": pd.to_datetime(["2022-01-01", "2022-02-01", "2022-03-01", "2020-01-01"]),
            "review_type": ["Case audit", "Rapid review", "Case audit", "Case audit"],
            "learning_point": ["B point", "A point", "A point", "Too old"],
            "action_taken": ["Done B", "First", "Second", "Old"],
        }
    )
    out = ql.learning_points(frame, END)
    assert out["Learning point"].tolist() == ["A point", "B point"]
    assert out.iloc[0]["Found in"] == 2
    assert out.iloc[0]["Action taken"] == "Second"
    assert out.iloc[0]["Review types"] == "Case audit, Rapid review"


# --- quotes ----------------------------------------------------------------------------------


def quote_rows() -> pd.DataFrame:
    return fb(
        [
            ("1", "2022-03-01", "Child", "x", "p", "5", "safety", "I feel safe now.", "Yes"),
            ("2", "2022-03-02", "Child", "x", "p", "1", "respect", "Never show this.", "No"),
            ("3", "2022-03-03", "Child", "x", "p", "1", "support", "Blank consent.", ""),
            (
                "4",
                "2022-03-04",
                "Parent",
                "x",
                "p",
                "4",
                "listened_to",
                "Jo listened. My worker Priya rang about C1234567 on 3 April 2015 <b>x</b>.",
                "Yes",
            ),
        ]
    )


def test_a_quote_without_consent_is_never_published():
    texts = [q.text for q in ql.publishable_quotes(quote_rows(), END, limit=10)]
    assert "Never show this." not in texts and "Blank consent." not in texts
    assert "I feel safe now." in texts


def test_an_identifier_or_name_inside_a_quote_is_withheld():
    withheld = Withheld(["ZX99"])  # an identifying value of the extract (e.g. an id)
    rows = quote_rows()
    rows.loc[0, "quote"] = "I feel safe now, ZX99 knows."
    quotes = {q.respondent: q.text for q in ql.publishable_quotes(rows, END, withheld, limit=10)}
    assert quotes["Child"] == "I feel safe now, (withheld) knows."
    parent = quotes["Parent"]
    for secret in ("Jo", "Priya", "C1234567", "3 April 2015"):
        assert secret not in parent
    assert parent.startswith("(withheld) listened. My worker (withheld) rang about (withheld)")


def test_ordinary_words_are_not_withheld():
    text = "My social worker came on Monday in March. They listened and I felt safe."
    assert ql.withhold_identifiers(text) == text


def test_quotes_are_escaped_on_the_page():
    rows = quote_rows()
    ctx = SimpleNamespace(period_end=END, run_info={}, tables={}, page_config=load_page_config())
    html = sx.qualitative_html(
        ctx,
        {"feedback": rows, "complaints": pd.DataFrame(), "practice_reviews": pd.DataFrame()},
    )
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert "Never show this." not in html
    assert "What children and families told us" in html


def test_signals_name_positive_feedback_and_timeliness():
    rows = quote_rows()
    signals = ql.qualitative_signals(rows, None, END)
    assert len(signals) == 1
    # rated: 5, 1, 1, 4 -> 2 of 4 positive = 50%: neither a strength (70%) nor an area (<50%)
    assert signals[0].text.startswith("50% of the 4 children, family members and partners")
    assert signals[0].kind == ""
