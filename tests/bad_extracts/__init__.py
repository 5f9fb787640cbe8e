# ruff: noqa: E501  (test data rows are clearer on one line)
"""A corpus of bad extracts, generated at test time (nothing large is committed).

Each builder takes an empty folder and writes one kind of bad extract into it, starting from a
tiny hand-made extract that is otherwise valid.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from pathlib import Path

import pandas as pd

EXTRACT_DATE = "2022-03-31"
SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://example.invalid/x","click me")'
MARKUP_TEAM = 'O\'Brien & "North" <b>Team</b>'

HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
AUDITS = "audit_id,child_id,audit_type,theme,team,allocated_date,due_date,audit_date,grade\n"
ACTIONS = "action_id,status,note,updated_on\n"


def _write(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


def good_extract(folder: Path, team: str = "Assessment 1", note: str = "On track") -> Path:
    """A tiny valid extract: two looked-after children, six audits, one action update."""
    _write(folder / "extract.yaml", f"extract_date: {EXTRACT_DATE}\n")
    _write(
        folder / "ssda903" / "header.csv",
        HEADER + "C100001,1,03/04/2015,WBRI,A123456789012,,\nC100002,2,14/07/2010,WBRI,,,\n",
    )
    _write(
        folder / "ssda903" / "episodes.csv",
        EPISODES
        + "C100001,01/05/2021,S,C2,N1,U1,PR1,,,,SO14 7LY,SO15 2AA,SC123456\n"
        + "C100002,10/06/2020,S,C2,N1,U1,PR1,,,,SO16 3BB,SO17 4CC,SC654321\n",
    )
    rows = [
        f"AU{i:04d},C1000{i:02d},Managers monthly,assessment,{_csv(team)},"
        f"2022-01-0{i},2022-02-0{i},2022-02-1{i},{'Good' if i % 2 else 'Inadequate'}\n"
        for i in range(1, 7)
    ]
    _write(folder / "local" / "audits.csv", AUDITS + "".join(rows))
    _write(
        folder / "local" / "actions.csv", ACTIONS + f"01.01.1,On track,{_csv(note)},2022-03-01\n"
    )
    return folder


def _csv(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def empty_files(folder: Path) -> None:
    good_extract(folder)
    _write(folder / "ssda903" / "header.csv", "")
    _write(folder / "ssda903" / "episodes.csv", "")
    _write(folder / "local" / "audits.csv", AUDITS)  # headings only


def missing_sheets(folder: Path) -> None:
    """An Annex A workbook holding only an unrelated sheet."""
    good_extract(folder)
    with pd.ExcelWriter(folder / "annex_a.xlsx", engine="openpyxl") as xl:
        pd.DataFrame({"Notes": ["nothing here"]}).to_excel(xl, sheet_name="Cover", index=False)


def wrong_types(folder: Path) -> None:
    good_extract(folder)
    _write(
        folder / "ssda903" / "header.csv",
        HEADER + "C100001,banana,yesterday,42,?,x,soon\nC100002,,31/02/2010,,,,\n",
    )
    _write(
        folder / "ssda903" / "episodes.csv",
        EPISODES + "C100001,not a date,ZZ,??,N9,U1,PR1,32/13/2021,ZZZ,,,,\n",
    )
    _write(
        folder / "local" / "audits.csv",
        AUDITS + "AU1,C1,type,theme,team,tomorrow,never,13/13/13,Excellent\n",
    )


def future_dates(folder: Path) -> None:
    good_extract(folder)
    _write(
        folder / "ssda903" / "episodes.csv",
        EPISODES
        + "C100001,01/05/2031,S,C2,N1,U1,PR1,,,,,,\nC100002,10/06/2040,S,C2,N1,U1,PR1,,,,,,\n",
    )
    _write(
        folder / "local" / "audits.csv",
        AUDITS
        + "AU1,C100001,Managers monthly,assessment,T,2031-01-01,2031-02-01,2031-02-10,Good\n",
    )


def duplicated_children(folder: Path) -> None:
    good_extract(folder)
    _write(
        folder / "ssda903" / "header.csv",
        HEADER + "C100001,1,03/04/2015,WBRI,,,\n" * 3 + "C100001,2,14/07/2010,WBRI,,,\n",
    )


def junk_rows(folder: Path, rows: int = 100_000) -> None:
    """A 100,000-row file of random junk where the case audits should be."""
    good_extract(folder)
    rng = random.Random(9)
    alphabet = string.ascii_letters + string.digits + " ;:'<>=&"
    lines = [",".join("".join(rng.choices(alphabet, k=8)) for _ in range(9)) for _ in range(rows)]
    _write(folder / "local" / "audits.csv", AUDITS + "\n".join(lines) + "\n")


def formulas(folder: Path) -> None:
    good_extract(folder, team=FORMULA, note=FORMULA)
    _write(
        folder / "ssda903" / "episodes.csv",
        EPISODES + f"C100001,{_csv(FORMULA)},S,C2,N1,U1,PR1,,,,,,\n",
    )


def script_in_text(folder: Path) -> None:
    good_extract(folder, team=SCRIPT, note=f"{SCRIPT} <img src=x onerror=alert(2)>")


def quotes_and_markup(folder: Path) -> None:
    good_extract(folder, team=MARKUP_TEAM, note='It\'s "done" & <i>signed off</i>')


def not_utf8(folder: Path) -> None:
    good_extract(folder)
    text = (
        AUDITS
        + "AU1,C100001,Managers monthly,assessment,Équipe Sud £,2022-01-01,2022-02-01,2022-02-10,Good\n"
    )
    _write(folder / "local" / "audits.csv", text.encode("cp1252"))
    _write(
        folder / "local" / "actions.csv",
        (ACTIONS + "01.01.1,On track,\xff\xfe bad bytes,2022-03-01\n").encode("latin-1"),
    )


CORPUS: dict[str, Callable[[Path], None]] = {
    "empty_files": empty_files,
    "missing_sheets": missing_sheets,
    "wrong_types": wrong_types,
    "future_dates": future_dates,
    "duplicated_children": duplicated_children,
    "junk_rows": junk_rows,
    "formulas": formulas,
    "script_in_text": script_in_text,
    "quotes_and_markup": quotes_and_markup,
    "not_utf8": not_utf8,
}
