"""Value parsers and code normalisation (the contract in docs/architecture.md)."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from selfeval.extract.values import (
    annex_code,
    normalise_heading,
    parse_dates,
    parse_integers,
    parse_yesno,
)


def test_parse_dates_accepts_all_forms():
    raw = pd.Series(
        [
            "15/03/2021",
            "2021-03-15",
            datetime(2021, 3, 15, 13, 5),
            44270,
            "44270",
            "5/3/2021",
            None,
            "  ",
        ],
        dtype=object,
    )
    dates, invalid = parse_dates(raw)
    assert dates[:5].tolist() == [pd.Timestamp("2021-03-15")] * 5
    assert dates[5] == pd.Timestamp("2021-03-05")
    assert dates[6:].isna().all() and not invalid.any()


@pytest.mark.parametrize("bad", ["31/02/2021", "yesterday", "2021-13-01", 5_000_000, "03/15/2021"])
def test_parse_dates_flags_invalid(bad):
    dates, invalid = parse_dates(pd.Series([bad], dtype=object))
    assert invalid.tolist() == [True] and dates.isna().all()


def test_parse_integers():
    values, invalid = parse_integers(pd.Series(["3", 3.0, "2.5", "x", -1, None], dtype=object))
    assert values.tolist()[:2] == [3, 3] and str(values.dtype) == "Int64"
    assert invalid.tolist() == [False, False, True, True, True, False]


def test_parse_yesno():
    values, invalid = parse_yesno(
        pd.Series(["Y", "a) Yes", "no", "N", "maybe", None, "Unknown"]), True
    )
    assert values.tolist()[:4] == ["Yes", "Yes", "No", "No"]
    assert values[6] == "Unknown" and pd.isna(values[5])
    assert invalid.tolist() == [False, False, False, False, True, False, False]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("a) Male", "Male"),
        ("a) WBRI", "WBRI"),
        ("a) E11: Adopted - application unopposed", "E11"),
        ("C1: ICO", "C1"),
        ("a) 1A: Individual", "1A"),
        ("V3: Short term breaks, episodes recorded", "V3"),
        ("aa) Other", "Other"),
        ("d1) Not in education", "Not in education"),
        ("Requires improvement", "Requires improvement"),
    ],
)
def test_annex_code_contract_examples(raw, code):
    assert annex_code(pd.Series([raw])).tolist() == [code]


def test_dash_codes_only_where_the_code_list_uses_them():
    assert annex_code(pd.Series(["N1 - Abuse or neglect"]), dash_codes=True).tolist() == ["N1"]
    assert annex_code(pd.Series(["N1 - Abuse or neglect"])).tolist() == ["N1 - Abuse or neglect"]


def test_normalise_heading():
    assert normalise_heading(" Child’s  Category of Need ") == normalise_heading(
        "child's category of need"
    )
    assert normalise_heading("Referral NFA?") == "referral nfa"
    assert normalise_heading(None) == ""
