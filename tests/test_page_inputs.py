"""The runner parses the pages' shared inputs once; every kernel reads the same thing back."""

from __future__ import annotations

import pandas as pd

from hand_built import CATALOGUE_FILE, PARAMS
from selfeval.measures import load_catalogue, read_measures
from selfeval.pages.context import (
    PAGE_INPUTS_FILE,
    load_page_config,
    normalise_measures,
    read_page_inputs,
    write_page_inputs,
)
from selfeval.plan import load_plan


def _build(tmp_path):
    measures = pd.DataFrame(
        {
            "measure_id": ["referrals_rate", "referrals_rate"],
            "period_type": ["month", "quarter"],
            "period_start": ["2022-03-01", "2022-01-01"],
            "period_end": ["2022-03-31", "2022-03-31"],
            "breakdown": ["", ""],
            "numerator": [40, 120],
            "denominator": [50000, 50000],
            "value": [8.0, 24.0],
            "unit": ["rate_10k", "rate_10k"],
            "target": [None, None],
            "rag": ["", ""],
            "polarity": ["neutral", "neutral"],
        }
    )
    measures.to_csv(tmp_path / "measures.csv", index=False)
    pd.DataFrame({"file": ["a.csv"], "row": ["3"], "message": ["A date is missing"]}).to_csv(
        tmp_path / "data_quality.csv", index=False
    )
    return tmp_path


def test_page_inputs_round_trip_equals_parsing_each_file(tmp_path) -> None:
    build = _build(tmp_path)
    write_page_inputs(build)
    inputs = read_page_inputs(build)
    assert inputs is not None
    expected = normalise_measures(read_measures(build / "measures.csv"))
    pd.testing.assert_frame_equal(inputs.measures, expected)
    assert inputs.quality.to_dict("records") == [
        {"file": "a.csv", "row": "3", "message": "A date is missing"}
    ]
    assert inputs.plan == load_plan(PARAMS)
    assert inputs.page_config == load_page_config()
    assert [m.id for m in inputs.catalogue.measures.values()] == [
        m.id for m in load_catalogue(CATALOGUE_FILE).measures.values()
    ]


def test_unreadable_page_inputs_mean_parse_again(tmp_path) -> None:
    assert read_page_inputs(tmp_path) is None
    (tmp_path / PAGE_INPUTS_FILE).write_bytes(b"not a pickle")
    assert read_page_inputs(tmp_path) is None
    assert read_page_inputs(None) is None
