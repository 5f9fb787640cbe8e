"""SSDA903 and local CSV readers: the regional sample, encodings, delimiters, bad files."""

from __future__ import annotations

import pandas as pd
import pytest

from test_extract_support import copy_ssda903_sample, load, make_extract, problems, write_text


def test_ssda903_regional_sample_loads_with_iso_dates(tmp_path):
    folder = make_extract(tmp_path / "x")
    copy_ssda903_sample(folder)
    extract = load(folder)
    episodes = extract.tables["ssda903_episodes"]
    assert len(episodes) == 3737  # every data row used
    assert episodes["DECOM"].dtype == "datetime64[ns]"
    assert episodes["DECOM"].iloc[0] == pd.Timestamp("2017-04-09")
    assert episodes["CHILD"].iloc[0] == "398768"
    assert {"LA", "YEAR"}.isdisjoint(episodes.columns)
    extra = problems(extract, "extra_column", "info")
    assert set(extra["column"]) == {"LA", "YEAR"}
    assert {"ssda903_header", "ssda903_uasc"} <= set(extract.tables)
    q = extract.quality
    left_out = q[(q["severity"] == "error") | (q["rule"] == "duplicate_row")]
    for row in extract.summary.itertuples():
        dropped = left_out.loc[left_out["file"] == row.file, "row"].nunique()
        assert row.rows_read - row.rows_used == dropped, row.file


def test_ssda903_dd_mm_yyyy_dates_and_codes_upper_cased(tmp_path):
    folder = make_extract(tmp_path / "x")
    write_text(
        folder / "ssda903" / "episodes.csv",
        "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,"
        "PL_POST,URN\n101,01/04/2021, s ,c2,N1,u4,PR1,,,,,,\n",
    )
    episodes = load(folder).tables["ssda903_episodes"]
    row = episodes.iloc[0]
    assert (row.DECOM, row.RNE, row.LS, row.PLACE) == (pd.Timestamp("2021-04-01"), "S", "C2", "U4")
    assert pd.isna(row.DEC)


def test_semicolon_delimiter(tmp_path):
    folder = make_extract(tmp_path / "x")
    write_text(
        folder / "local" / "supervision.csv", "child_id;supervision_date;team\nA;01/02/2021;T\n"
    )
    extract = load(folder)
    assert extract.tables["local_supervision"]["team"].tolist() == ["T"]
    assert "semicolons" in problems(extract, "delimiter", "info")["message"].iloc[0]


def test_cp1252_encoding(tmp_path):
    folder = make_extract(tmp_path / "x")
    text = "child_id,supervision_date,team\nA,01/02/2021,Équipe Nord – east\n"
    write_text(folder / "local" / "supervision.csv", text, encoding="cp1252")
    extract = load(folder)
    assert extract.tables["local_supervision"]["team"].tolist() == ["Équipe Nord – east"]
    assert len(problems(extract, "encoding", "info")) == 1


def test_utf8_bom_is_fine(tmp_path):
    folder = make_extract(tmp_path / "x")
    write_text(
        folder / "local" / "supervision.csv", "\ufeffchild_id,supervision_date\nA,2021-02-01\n"
    )
    extract = load(folder)
    assert extract.tables["local_supervision"]["child_id"].tolist() == ["A"]
    assert problems(extract, "encoding").empty


@pytest.mark.parametrize("content", [b"", b"\n\n  \n"])
def test_empty_csv_is_reported_not_fatal(tmp_path, content):
    folder = make_extract(tmp_path / "x")
    (folder / "local").mkdir()
    (folder / "local" / "supervision.csv").write_bytes(content)
    write_text(
        folder / "local" / "ehe.csv",
        "child_id,start_date,end_date,vulnerable,allocated,engagement\nA,01/01/2021,,Y,N,Engaged\n",
    )
    extract = load(folder)
    error = problems(extract, "file_empty", "error")
    assert error["file"].tolist() == ["local/supervision.csv"]
    assert "empty" in error["message"].iloc[0]
    assert "local_ehe" in extract.tables and "local_supervision" not in extract.tables


def test_header_missing_required_columns_names_them(tmp_path):
    folder = make_extract(tmp_path / "x")
    write_text(folder / "ssda903" / "episodes.csv", "CHILD,RNE,LS\n1,S,C2\n")
    extract = load(folder)
    error = problems(extract, "missing_column", "error")
    assert error["file"].tolist() == ["ssda903/episodes.csv"]
    assert "'DECOM'" in error["message"].iloc[0]
    assert "ssda903_episodes" not in extract.tables


def test_local_headers_tolerate_case_and_spaces(tmp_path):
    folder = make_extract(tmp_path / "x")
    write_text(
        folder / "local" / "supervision.csv", "Child ID,Supervision Date,TEAM\nA,01/02/2021,T\n"
    )
    extract = load(folder)
    assert extract.tables["local_supervision"]["supervision_date"].tolist() == [
        pd.Timestamp("2021-02-01")
    ]


def test_local_codes_case_insensitive_and_types(tmp_path):
    folder = make_extract(tmp_path / "x")
    write_text(
        folder / "local" / "workforce.csv",
        "snapshot_date,staff_id,team,role,case_holding,employment,fte,caseload\n"
        "30/06/2021,S1,T1,social worker,Y,agency,0.8,17\n",
    )
    table = load(folder).tables["local_workforce"]
    row = table.iloc[0]
    assert (row.role, row.employment, row.case_holding, row.fte) == (
        "Social worker",
        "Agency",
        "Yes",
        0.8,
    )
    assert str(table["caseload"].dtype) == "Int64"


def test_unrecognised_files_are_reported(tmp_path):
    folder = make_extract(tmp_path / "x")
    write_text(folder / "local" / "supervision.csv", "child_id,supervision_date\nA,01/02/2021\n")
    write_text(folder / "local" / "timesheets.csv", "a,b\n1,2\n")
    write_text(folder / "notes.txt", "hello")
    info = problems(load(folder), "file_not_recognised", "info")
    assert set(info["file"]) == {"local/timesheets.csv", "notes.txt"}


def test_workbook_saved_as_csv_name_is_reported(tmp_path):
    folder = make_extract(tmp_path / "x")
    (folder / "local").mkdir()
    (folder / "local" / "supervision.csv").write_bytes(b"PK\x03\x04rest-of-zip")
    extract = load(folder)
    assert "Save As" in problems(extract, "file_not_csv", "error")["message"].iloc[0]
