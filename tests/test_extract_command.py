"""`selfeval validate`: summary, data_quality.csv, exit codes."""

from __future__ import annotations

import io

import pandas as pd

from selfeval.extract import validate_command
from selfeval.extract.quality import QUALITY_COLUMNS
from test_extract_support import make_extract, write_text


def test_exit_0_and_csv_written_when_clean(tmp_path, monkeypatch):
    folder = make_extract(tmp_path / "x")
    write_text(folder / "local" / "supervision.csv", "child_id,supervision_date\nA,01/02/2021\n")
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    assert validate_command(folder, stream=out) == 0
    csv = pd.read_csv(tmp_path / "data_quality.csv")
    assert list(csv.columns) == QUALITY_COLUMNS
    assert "local/supervision.csv → local_supervision: 1 rows read, 1 used" in out.getvalue()


def test_exit_1_when_errors_and_summary_lists_rules(tmp_path):
    folder = make_extract(tmp_path / "x")
    write_text(
        folder / "local" / "supervision.csv",
        "child_id,supervision_date\nA,31/02/2021\nB,01/02/2021\n",
    )
    out_csv = tmp_path / "reports" / "dq.csv"
    out = io.StringIO()
    assert validate_command(folder, out_csv, stream=out) == 1
    text = out.getvalue()
    assert "2 rows read, 1 used" in text and "error   invalid_date: 1" in text
    csv = pd.read_csv(out_csv)
    assert csv.loc[0, "row"] == 2 and csv.loc[0, "value"] == "31/02/2021"


def test_exit_2_for_missing_folder_without_traceback(tmp_path, capsys):
    assert validate_command(tmp_path / "nope", tmp_path / "dq.csv") == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "Traceback" not in err
    assert not (tmp_path / "dq.csv").exists()
