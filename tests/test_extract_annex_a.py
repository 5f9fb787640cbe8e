"""Annex A reader: the Ofsted template samples, every tolerance case and bad workbooks."""

from __future__ import annotations

import shutil
from datetime import datetime

import pandas as pd
import pytest

from selfeval.extract import ExtractError
from test_extract_support import (
    ANNEX_TEMPLATE,
    REFERRAL_HEADINGS,
    load,
    make_extract,
    problems,
    referral,
    write_text,
    write_workbook,
)


def _referrals(tmp_path, rows, headings=REFERRAL_HEADINGS, sheet="List 3", title=True):
    folder = make_extract(tmp_path / "x")
    content = ([["List 3: Referral"]] if title else []) + [headings, *rows]
    write_workbook(folder / "annex_a.xlsx", {sheet: content})
    return load(folder)


@pytest.mark.parametrize("name", ["2015-01-sample.xlsx", "2016-01-sample.xlsx"])
def test_ofsted_template_samples_load(tmp_path, name):
    folder = make_extract(tmp_path / "x")
    shutil.copyfile(ANNEX_TEMPLATE / name, folder / "annex_a.xlsx")
    extract = load(folder)
    assert {f"annex_a_{n}" for n in range(1, 12)} <= set(extract.tables)
    referrals = extract.tables["annex_a_3"]
    if name.startswith("2015"):
        assert len(referrals) == 5
        assert referrals["_row"].tolist() == [3, 4, 5, 6, 7]  # title row 1, header row 2
        assert referrals["referral_nfa"].tolist()[0] == "Yes"
        assert referrals["gender"].iloc[0] == "Female"  # `F` accepted for Female
        assert referrals["referral_date"].iloc[0] == pd.Timestamp("2015-03-15")
    assert extract.errors == 0
    # the 2016 sample names its sheet `List 3`, the others `List_3`
    assert "sheet" in extract.summary and len(extract.summary) == 11


def test_canonical_columns_and_types(tmp_path):
    extract = _referrals(tmp_path, [referral()])
    table = extract.tables["annex_a_3"]
    assert list(table.columns[:3]) == ["child_id", "gender", "ethnicity"]
    assert {"referral_date", "referral_nfa", "allocated_team", "_row", "_source"} <= set(table)
    assert table["referral_date"].dtype == "datetime64[ns]"
    assert str(table["referrals_last_12m"].dtype) == "Int64"
    row = table.iloc[0]
    assert (row.gender, row.ethnicity, row.referral_source, row.referral_nfa) == (
        "Male", "WBRI", "1A", "No",
    )  # fmt: skip
    assert row._source == "annex_a.xlsx, sheet 'List 3'"


@pytest.mark.parametrize("sheet", ["List 3", "List_3", "list3", "LIST 3 - Referrals", "List 03"])
def test_sheet_name_variants(tmp_path, sheet):
    extract = _referrals(tmp_path, [referral()], sheet=sheet)
    assert len(extract.tables["annex_a_3"]) == 1


@pytest.mark.parametrize("title", [True, False])
def test_optional_title_row_and_excel_row_numbers(tmp_path, title):
    extract = _referrals(tmp_path, [referral("A"), referral("B")], title=title)
    first_data_row = 3 if title else 2
    assert extract.tables["annex_a_3"]["_row"].tolist() == [first_data_row, first_data_row + 1]


def test_row_numbers_with_empty_leading_rows_and_columns(tmp_path):
    folder = make_extract(tmp_path / "x")
    rows = [[], [None, "List 3: Referral"], [None, *REFERRAL_HEADINGS], [None, *referral()]]
    write_workbook(folder / "annex_a.xlsx", {"List 3": rows})
    table = load(folder).tables["annex_a_3"]
    assert table["_row"].tolist() == [4] and table["child_id"].tolist() == ["C1"]


def test_header_variants_case_space_apostrophe_and_age(tmp_path):
    headings = [
        "  CHILD UNIQUE ID ",
        "gender",
        "Ethnicity",
        "Date  of Birth",
        "Age",
        "Date of Referral ",
        "Referral source",
        "Referral NFA",
        "Number of referrals in last 12 months",
        "Allocated Team",
        "Allocated Worker",
    ]
    extract = _referrals(tmp_path, [referral()], headings=headings)
    table = extract.tables["annex_a_3"]
    assert table["age"].tolist() == [6]
    assert problems(extract, "extra_column").empty
    assert problems(extract, "missing_column").empty


def test_curly_and_straight_apostrophes(tmp_path):
    folder = make_extract(tmp_path / "x")
    straight = ["Child Unique ID", "Child's Legal Status", "Date Started to be Looked After"]
    curly = ["Child Unique ID", "Child’s Legal Status", "Date Started to be Looked After"]
    for name, headings in (("a", straight), ("b", curly)):
        write_workbook(
            folder / "annex_a.xlsx", {"List 8": [headings, ["C1", "C2: FCO", "01/02/2021"]]}
        )
        table = load(folder).tables["annex_a_8"]
        assert table["legal_status"].tolist() == ["C2"], name


def test_2023_24_list_9_layout(tmp_path):
    headings = [
        "Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age",
        "Unaccompanied Asylum Seeking Child (UASC), or formerly UASC if 18 or over (Y/N)",
        "Does the Child have a Disability", "Allocated Team", "Allocated Worker",
        "Allocated Personal Advisor", "Eligibility Category", "LA In Touch",
        "Latest Pathway Plan Review Date", "Latest Date of Contact", "Type of Accommodation",
        "Suitability of Accommodation", "Activity Status",
    ]  # fmt: skip
    row = ["C9", "a) Female", "a) WBRI", "01/01/2003", 18, "b) No", "b) No", "Leaving care"]
    row += ["W", "PA 1", "a) Relevant child", "a) Yes", "01/05/2021", "03/06/2021"]
    row += ["U: Independent living", "a) Suitable", "F3: Full time in training or employment"]
    folder = make_extract(tmp_path / "x")
    write_workbook(folder / "annex_a.xlsx", {"List 9": [headings, row]})
    extract = load(folder)
    table = extract.tables["annex_a_9"]
    got = table.iloc[0]
    assert (got.uasc, got.personal_adviser, got.accommodation_type, got.activity) == (
        "No", "PA 1", "U", "F3",
    )  # fmt: skip
    assert got.pathway_plan_review == pd.Timestamp("2021-05-01")
    assert problems(extract, "extra_column").empty


def test_2019_list_9_layout_lacks_new_columns_as_info(tmp_path):
    folder = make_extract(tmp_path / "x")
    shutil.copyfile(ANNEX_TEMPLATE / "2015-01-sample.xlsx", folder / "annex_a.xlsx")
    extract = load(folder)
    info = problems(extract, "missing_column", "info")
    assert "Latest Date of Contact" in set(info["column"])
    assert "latest_contact" in extract.tables["annex_a_9"]


def test_codes_with_and_without_prefix(tmp_path):
    rows = [
        referral("A", c1="a) Male", c6="a) 1A: Individual", c7="a) Yes"),
        referral("B", c1="Male", c6="1A: Individual", c7="Yes"),
        referral("C", c1="male", c6="1A", c7="Y"),
    ]
    table = _referrals(tmp_path, rows).tables["annex_a_3"]
    assert table["gender"].tolist() == ["Male"] * 3
    assert table["referral_source"].tolist() == ["1A"] * 3
    assert table["referral_nfa"].tolist() == ["Yes"] * 3


def test_dates_as_text_excel_dates_and_serials(tmp_path):
    rows = [
        referral("A", when="15/03/2021"),
        referral("B", when=datetime(2021, 3, 15)),
        referral("C", when=44270),  # Excel serial for 15/03/2021
        referral("D", when="2021-03-15"),
    ]
    table = _referrals(tmp_path, rows).tables["annex_a_3"]
    assert table["referral_date"].tolist() == [pd.Timestamp("2021-03-15")] * 4


def test_blank_rows_skipped_silently_but_row_numbers_kept(tmp_path):
    rows = [referral("A"), [None] * 11, ["", " ", None], referral("B")]
    extract = _referrals(tmp_path, rows)
    table = extract.tables["annex_a_3"]
    assert table["child_id"].tolist() == ["A", "B"]
    assert table["_row"].tolist() == [3, 6]
    assert extract.summary.set_index("table").loc["annex_a_3", "rows_read"] == 2
    assert extract.quality.empty or (extract.quality["severity"] != "error").all()


def test_extra_columns_ignored_and_reported_as_info(tmp_path):
    headings = [*REFERRAL_HEADINGS, "Notes"]
    extract = _referrals(tmp_path, [[*referral(), "private note"]], headings=headings)
    assert "Notes" not in extract.tables["annex_a_3"]
    info = problems(extract, "extra_column", "info")
    assert info["column"].tolist() == ["Notes"]


def test_list_csv_instead_of_workbook(tmp_path):
    folder = make_extract(tmp_path / "x")
    text = ",".join(REFERRAL_HEADINGS) + "\n" + ",".join(map(str, referral())) + "\n"
    write_text(folder / "annex_a" / "list_3.csv", text)
    extract = load(folder)
    assert extract.tables["annex_a_3"]["referral_source"].tolist() == ["1A"]
    assert extract.tables["annex_a_3"]["_row"].tolist() == [2]


def test_header_missing_required_column_skips_table_only(tmp_path):
    folder = make_extract(tmp_path / "x")
    headings = [h for h in REFERRAL_HEADINGS if h != "Date of referral"]
    row = referral()
    del row[5]
    write_workbook(
        folder / "annex_a.xlsx",
        {
            "List 3": [headings, row],
            "List 1": [["Child Unique ID", "Date of Contact"], ["A", "01/02/2021"]],
        },
    )
    extract = load(folder)
    assert "annex_a_3" not in extract.tables
    assert len(extract.tables["annex_a_1"]) == 1
    error = problems(extract, "missing_column", "error")
    assert error["sheet"].tolist() == ["List 3"]
    assert "'Date of referral'" in error["message"].iloc[0]


def test_workbook_without_list_sheets(tmp_path):
    folder = make_extract(tmp_path / "x")
    write_workbook(folder / "annex_a.xlsx", {"Sheet1": [["a", "b"]]})
    extract = load(folder)
    error = problems(extract, "sheet_missing", "error")
    assert "'Sheet1'" in error["message"].iloc[0]
    assert not extract.tables


def test_sheet_with_wrong_content_has_no_header(tmp_path):
    folder = make_extract(tmp_path / "x")
    write_workbook(folder / "annex_a.xlsx", {"List 3": [["Name", "Score"], ["x", 1]]})
    extract = load(folder)
    assert "annex_a_3" not in extract.tables
    assert problems(extract, "no_header", "error")["sheet"].tolist() == ["List 3"]


@pytest.mark.parametrize(
    ("content", "rule", "words"),
    [
        (b"", "file_empty", "empty"),
        (b"Child Unique ID,Gender\n1,M\n", "not_xlsx", "not an Excel .xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "workbook_protected", "password"),
        (b"PK\x03\x04 this is not a real zip", "workbook_corrupt", "damaged"),
    ],
)
def test_bad_workbooks_give_clear_errors(tmp_path, content, rule, words):
    folder = make_extract(tmp_path / "x")
    (folder / "annex_a.xlsx").write_bytes(content)
    write_text(folder / "local" / "supervision.csv", "child_id,supervision_date\nA,01/02/2021\n")
    extract = load(folder)
    error = problems(extract, rule, "error")
    assert len(error) == 1 and error["file"].iloc[0] == "annex_a.xlsx"
    assert words in error["message"].iloc[0]
    assert "local_supervision" in extract.tables  # the rest of the extract is still read


def test_folder_without_data_files_is_an_extract_error(tmp_path):
    folder = make_extract(tmp_path / "x")
    with pytest.raises(ExtractError, match="No data files"):
        load(folder)
    with pytest.raises(ExtractError, match="does not exist"):
        load(tmp_path / "missing")
