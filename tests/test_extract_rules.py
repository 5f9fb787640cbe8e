"""One test (at least) per validation rule, through the public load_extract."""

from __future__ import annotations

from datetime import date

import pandas as pd

from test_extract_support import (
    REFERRAL_HEADINGS,
    load,
    make_extract,
    problems,
    referral,
    write_text,
    write_workbook,
)

SUPERVISION = "child_id,supervision_date,team\n"
EHE = "child_id,dob,start_date,end_date,vulnerable,allocated,engagement\n"


def _local(tmp_path, name, text, extract_date=date(2021, 6, 30)):
    folder = make_extract(tmp_path / "x", extract_date)
    write_text(folder / "local" / f"{name}.csv", text)
    return load(folder)


def _annex(tmp_path, rows):
    folder = make_extract(tmp_path / "x")
    write_workbook(folder / "annex_a.xlsx", {"List 3": [REFERRAL_HEADINGS, *rows]})
    return load(folder)


def test_unparseable_required_date_is_an_error_and_row_dropped(tmp_path):
    extract = _local(tmp_path, "supervision", SUPERVISION + "A,01/02/2021,T\nB,31/02/2021,T\n")
    error = problems(extract, "invalid_date", "error")
    assert error[["row", "column", "value"]].values.tolist() == [
        [3, "supervision_date", "31/02/2021"]
    ]
    assert "Row 3" in error["message"].iloc[0] and "DD/MM/YYYY" in error["message"].iloc[0]
    assert extract.tables["local_supervision"]["child_id"].tolist() == ["A"]
    summary = extract.summary.iloc[0]
    assert (summary.rows_read, summary.rows_used, summary.errors) == (2, 1, 1)


def test_unparseable_optional_date_is_a_warning_and_blanked(tmp_path):
    extract = _local(tmp_path, "ehe", EHE + "A,not known,01/01/2021,,Y,N,Engaged\n")
    assert problems(extract, "invalid_date", "warning")["value"].tolist() == ["not known"]
    table = extract.tables["local_ehe"]
    assert len(table) == 1 and pd.isna(table["dob"].iloc[0])


def test_non_integer_count_is_a_warning(tmp_path):
    extract = _annex(
        tmp_path, [referral("A", c8="two"), referral("B", c8=2.5), referral("C", c8="3")]
    )
    bad = problems(extract, "invalid_integer", "warning")
    assert bad["value"].tolist() == ["two", "2.5"]
    table = extract.tables["annex_a_3"]
    assert (
        table["referrals_last_12m"].tolist()[2] == 3
        and table["referrals_last_12m"].isna().sum() == 2
    )


def test_non_number_is_an_error_where_blank_not_allowed(tmp_path):
    text = "snapshot_date,staff_id,team,role,case_holding,employment,fte,caseload\n"
    text += "30/06/2021,S1,T1,Social worker,Y,Permanent,full,17\n"
    extract = _local(tmp_path, "workforce", text)
    assert problems(extract, "invalid_number", "error")["value"].tolist() == ["full"]
    assert len(extract.tables["local_workforce"]) == 0


def test_unknown_code_is_a_warning_and_row_kept(tmp_path):
    text = "audit_id,child_id,audit_type,theme,team,audit_date,grade\n"
    text += (
        "1,C1,Thematic,neglect,T1,01/06/2021,Good\n2,C2,Thematic,neglect,T1,01/06/2021,Excellent\n"
    )
    extract = _local(tmp_path, "audits", text)
    warn = problems(extract, "unknown_code", "warning")
    assert warn[["row", "value"]].values.tolist() == [[3, "Excellent"]]
    assert "Outstanding" in warn["message"].iloc[0]
    assert extract.tables["local_audits"]["grade"].tolist() == ["Good", "Excellent"]


def test_unknown_annex_code(tmp_path):
    extract = _annex(tmp_path, [referral("A", c6="School")])
    assert problems(extract, "unknown_code")["value"].tolist() == ["School"]
    assert extract.tables["annex_a_3"]["referral_source"].tolist() == ["School"]


def test_missing_required_column_makes_table_unusable(tmp_path):
    extract = _local(tmp_path, "supervision", "child_id,team\nA,T\n")
    assert problems(extract, "missing_column", "error")["column"].tolist() == ["supervision_date"]
    assert "local_supervision" not in extract.tables
    assert extract.summary.iloc[0].rows_read == 1 and extract.summary.iloc[0].rows_used == 0


def test_blank_required_value_is_an_error(tmp_path):
    extract = _local(tmp_path, "supervision", SUPERVISION + ",01/02/2021,T\nB,01/02/2021,T\n")
    assert problems(extract, "blank_value", "error")[["row", "column"]].values.tolist() == [
        [2, "child_id"]
    ]
    assert extract.tables["local_supervision"]["child_id"].tolist() == ["B"]


def test_blank_value_expected_by_template_is_a_warning(tmp_path):
    extract = _annex(tmp_path, [referral("A", c9=None)])
    assert problems(extract, "blank_value", "warning")["column"].tolist() == ["Allocated Team"]
    assert len(extract.tables["annex_a_3"]) == 1


def test_end_before_start_is_an_error(tmp_path):
    text = EHE + "A,,01/03/2021,01/02/2021,Y,N,Engaged\nB,,01/03/2021,01/04/2021,Y,N,Engaged\n"
    extract = _local(tmp_path, "ehe", text)
    error = problems(extract, "end_before_start", "error")
    assert error[["row", "column"]].values.tolist() == [[2, "end_date"]]
    assert extract.tables["local_ehe"]["child_id"].tolist() == ["B"]


def test_event_before_birth_is_a_warning(tmp_path):
    extract = _annex(tmp_path, [referral("A", c3="01/01/2022", when="15/03/2021")])
    warn = problems(extract, "before_birth", "warning")
    assert warn["column"].tolist() == ["Date of referral"]
    assert len(extract.tables["annex_a_3"]) == 1


def test_date_after_extract_date_is_a_warning_but_future_dob_is_not(tmp_path):
    rows = [referral("A", when="01/07/2021"), referral("B", c3="01/09/2021", when="01/05/2021")]
    extract = _annex(tmp_path, rows)  # extract date 30/06/2021
    warn = problems(extract, "after_extract_date", "warning")
    assert warn[["row", "column"]].values.tolist() == [[2, "Date of referral"]]


def test_exact_duplicates_warn_and_keep_one(tmp_path):
    extract = _local(
        tmp_path, "supervision", SUPERVISION + "A,01/02/2021,T\nA,01/02/2021,T\nA,2021-02-01,T\n"
    )
    warn = problems(extract, "duplicate_row", "warning")
    assert warn["row"].tolist() == [3, 4]  # same values once normalised
    assert "row 2" in warn["message"].iloc[0]
    assert extract.tables["local_supervision"]["_row"].tolist() == [2]


def test_every_row_is_used_or_reported(tmp_path):
    text = SUPERVISION + "A,01/02/2021,T\n,01/02/2021,T\nC,bad,T\nA,01/02/2021,T\n\nD,01/03/2021,\n"
    extract = _local(tmp_path, "supervision", text)
    table = extract.tables["local_supervision"]
    dropped_rows = set(
        extract.quality.loc[extract.quality["severity"].isin(["error", "warning"]), "row"]
    )
    all_rows = {2, 3, 4, 5, 7}  # line 6 is blank: not data
    assert set(table["_row"]) | dropped_rows == all_rows
    summary = extract.summary.iloc[0]
    assert summary.rows_read == 5 and summary.rows_used == len(table) == 2


def test_ssda903_episode_before_birth_across_tables(tmp_path):
    folder = make_extract(tmp_path / "x")
    write_text(
        folder / "ssda903" / "header.csv",
        "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n7,1,01/05/2021,WBRI,,,\n",
    )
    episodes = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,"
    episodes += "HOME_POST,PL_POST,URN\n"
    episodes += "7,01/04/2021,S,C2,N1,U4,PR1,,,,,,\n7,01/06/2021,P,C2,N1,U4,PR1,,,,,,\n"
    write_text(folder / "ssda903" / "episodes.csv", episodes)
    extract = load(folder)
    warn = problems(extract, "before_birth", "warning")
    assert warn[["file", "row", "column"]].values.tolist() == [["ssda903/episodes.csv", 2, "DECOM"]]
    assert len(extract.tables["ssda903_episodes"]) == 2


AUDIT_HEADER = "audit_id,child_id,audit_type,theme,team,audit_date,grade\n"


def test_a_table_of_junk_rows_is_unusable(tmp_path):
    junk = "".join(f"{i},C{i},x,nonsense,T1,not a date,Excellent\n" for i in range(25))
    extract = _local(tmp_path, "audits", AUDIT_HEADER + junk)
    error = problems(extract, "mostly_unreadable", "error")
    assert len(error) == 1 and "25 of 25 rows" in error["message"].iloc[0]
    assert "local_audits" not in extract.tables


def test_one_column_in_another_code_set_does_not_sink_the_table(tmp_path):
    rows = "".join(f"{i},C{i},Thematic,neglect,T1,01/06/2021,Very good\n" for i in range(25))
    extract = _local(tmp_path, "audits", AUDIT_HEADER + rows)
    assert problems(extract, "mostly_unreadable").empty
    assert len(extract.tables["local_audits"]) == 25


def test_a_small_table_is_judged_row_by_row(tmp_path):
    junk = "".join(f"{i},C{i},x,nonsense,T1,not a date,Excellent\n" for i in range(5))
    extract = _local(tmp_path, "audits", AUDIT_HEADER + junk)
    assert problems(extract, "mostly_unreadable").empty
