"""The runner parses the pages' shared inputs once; every kernel reads the same thing back."""

from __future__ import annotations

import pandas as pd

from selfeval.measures import load_catalogue, read_measures
from selfeval.pages.context import (
    LINE_RESULTS_FILE,
    PAGE_INPUTS_FILE,
    load_page_config,
    normalise_measures,
    read_line_results,
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
    assert inputs.plan == load_plan()
    assert inputs.page_config == load_page_config()
    assert [m.id for m in inputs.catalogue.measures.values()] == [
        m.id for m in load_catalogue().measures.values()
    ]


def test_unreadable_page_inputs_mean_parse_again(tmp_path) -> None:
    assert read_page_inputs(tmp_path) is None
    (tmp_path / PAGE_INPUTS_FILE).write_bytes(b"not a pickle")
    assert read_page_inputs(tmp_path) is None
    assert read_page_inputs(None) is None


def test_lines_kept_from_an_earlier_run_are_reused_only_for_the_same_measures(
    tmp_path, monkeypatch
) -> None:
    import json
    from datetime import date

    from selfeval.config import resolve_extract_dir
    from selfeval.pages import measures_view
    from selfeval.pages.precompute import write_line_results

    extract = resolve_extract_dir(None)
    (tmp_path / "build").mkdir()
    build = _build(tmp_path / "build")
    (build / "run.json").write_text(
        json.dumps({"extract_dir": str(extract), "period_end": "2022-03-31"}), encoding="utf-8"
    )
    write_page_inputs(build)
    kept = tmp_path / "lines.pickle"
    evaluated = []
    real = measures_view.evaluate_line

    def counting(*args, **kwargs):
        evaluated.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(measures_view, "evaluate_line", counting)
    write_line_results(date(2022, 3, 31), extract, build, kept)
    first = len(evaluated)
    assert first > 0 and kept.is_file()
    written = set(read_line_results(build))
    (build / LINE_RESULTS_FILE).unlink()
    write_line_results(date(2022, 3, 31), extract, build, kept)
    assert len(evaluated) == first  # every line read back
    assert set(read_line_results(build)) == written  # and handed on to the kernels
    measures = pd.read_csv(build / "measures.csv")
    measures.loc[0, "value"] = 9.0
    measures.to_csv(build / "measures.csv", index=False)
    write_page_inputs(build)
    write_line_results(date(2022, 3, 31), extract, build, kept)
    assert len(evaluated) == 2 * first  # changed measures: every line evaluated again


def test_kept_lines_survive_the_history_recording_this_run_again() -> None:
    """Each run records its period in the history with a new time: the lines stay kept."""
    from datetime import date

    from selfeval.pages.precompute import line_results_key

    measures = pd.DataFrame({"measure_id": ["cla"], "value": [61.0]})
    history = pd.DataFrame(
        {"measure_id": ["cla"], "value": [58.0], "computed_at": [pd.Timestamp("2026-11-27 09:00")]}
    )
    period = date(2022, 3, 31)
    key = line_results_key(measures, history, period)
    rerun = history.assign(computed_at=pd.Timestamp("2026-11-27 09:05"))
    assert line_results_key(measures, rerun, period) == key
    assert line_results_key(measures, history.assign(value=[59.0]), period) != key
    assert line_results_key(measures.assign(value=[62.0]), history, period) != key
