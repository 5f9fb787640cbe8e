"""A CIN episode with a blank start is a validation error, not an open episode (issue 16,
item 10). Annex A guidance, List 6: "CIN Start Date" is the date the child in need episode
started; a row without it cannot be placed in time, so it is reported and left out."""

from __future__ import annotations

from datetime import date

import pandas as pd

from hand_built import CATALOGUE_FILE
from selfeval.config import Settings
from selfeval.measures import Catalogue, compute_measures, load_catalogue
from test_extract_support import load, make_extract, problems, write_workbook

CIN_HEADINGS = [
    "Child Unique ID",
    "Gender",
    "Ethnicity",
    "Date of Birth",
    "Age of Child (Years)",
    "Does the Child have a Disability",
    "CIN Start Date",
    "Primary Need Code",
    "Date Child Was Last Seen",
    "CIN Closure Date",
    "Reason for Closure",
    "Case status",
    "Allocated Team",
    "Allocated Worker",
]


def cin(child: str, start: object) -> list:
    return [child, "a) Male", "a) WBRI", "01/01/2015", 6, "b) No", start, "N1", "01/06/2021"] + [
        None,
        None,
        "b) Child in Need",
        "Team A",
        "Worker 1",
    ]


def test_blank_cin_start_is_an_error_naming_the_row(tmp_path):
    folder = make_extract(tmp_path / "x", date(2021, 6, 30))
    write_workbook(
        folder / "annex_a.xlsx", {"List 6": [CIN_HEADINGS, cin("A", "01/03/2021"), cin("B", None)]}
    )
    extract = load(folder)
    error = problems(extract, "blank_value", "error")
    # the header is row 1: child A is row 2, child B (blank start) row 3
    assert error[["row", "column"]].values.tolist() == [[3, "CIN Start Date"]]
    message = error["message"].iloc[0]
    assert "Row 3" in message and "CIN Start Date" in message and "left out" in message
    assert extract.tables["annex_a_6"]["child_id"].tolist() == ["A"]


def test_cin_open_does_not_count_a_blank_start_as_open():
    # Had the row got past validation: open at a date means started on or before it; a blank
    # start is not "started", so child B is not open at 30/06/2021 (A is).
    a6 = pd.DataFrame(
        {
            "child_id": ["A", "B"],
            "cin_start": pd.to_datetime(["2021-03-01", None]),
            "cin_end": pd.to_datetime([None, None]),
            "allocated_team": ["T", "T"],
        }
    )
    settings = Settings(
        local_authority="T",
        service="T",
        region="South East",
        plan_title="Plan",
        plan_start=date(2021, 4, 1),
        population_0_17={2021: 50_000},
        caseload_target=18,
        priorities=(),
    )
    cat = Catalogue(measures={"cin_open": load_catalogue(CATALOGUE_FILE)["cin_open"]})
    df = compute_measures({"annex_a_6": a6}, date(2021, 6, 30), settings=settings, catalogue=cat)
    row = df[(df["period_type"] == "snapshot") & (df["breakdown"] == "")].iloc[0]
    assert row["value"] == 1
