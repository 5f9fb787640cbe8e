"""Plant the data-quality problems real extracts have, so validation has something to find."""

from __future__ import annotations

import pandas as pd

from ._extract import Extract, annex_a_headings


def _heading(n: int, canonical: str) -> str:
    return dict(annex_a_headings()[n])[canonical]


def _record(
    ex: Extract, n: int | None, file: str, column: str, rule: str, child_id: str, description: str
) -> None:
    ex.problems.append(
        {
            "file": file,
            "sheet": f"List {n}" if n else "",
            "column": column,
            "rule": rule,
            "child_id": child_id,
            "description": description,
        }
    )


def plant_latest(ex: Extract) -> None:
    """The latest extract: a future date, an end before its start, a duplicated row, unknown codes,
    a blank required date and a date of birth after the child came into care."""
    on = ex.extract_date
    refs = ex.annex_a[3]
    i = refs.index[-1]
    refs.loc[i, "referral_date"] = on + pd.Timedelta(days=12)
    _record(
        ex,
        3,
        "annex_a.xlsx",
        _heading(3, "referral_date"),
        "date_after_extract",
        refs.loc[i, "child_id"],
        "referral dated 12 days after the extract date (keyed in with the wrong year)",
    )

    cp = ex.annex_a[7]
    closed = cp.index[cp["cp_end"].notna()]
    i = closed[len(closed) // 2]
    cp.loc[i, "cp_end"] = pd.to_datetime(cp.loc[i, "cp_start"]) - pd.Timedelta(days=10)
    _record(
        ex,
        7,
        "annex_a.xlsx",
        _heading(7, "cp_end"),
        "end_before_start",
        cp.loc[i, "child_id"],
        "child protection plan ends 10 days before it started",
    )

    contacts = ex.annex_a[1]
    i = contacts.index[len(contacts) // 3]
    ex.annex_a[1] = pd.concat(
        [contacts.loc[:i], contacts.loc[[i]], contacts.loc[i + 1 :]], ignore_index=True
    )
    _record(
        ex,
        1,
        "annex_a.xlsx",
        "",
        "duplicate_row",
        contacts.loc[i, "child_id"],
        "the same contact row appears twice",
    )

    cla = ex.annex_a[8]
    i = cla.index[len(cla) // 2]
    cla.loc[i, "legal_status"] = "X9: Not known"
    _record(
        ex,
        8,
        "annex_a.xlsx",
        _heading(8, "legal_status"),
        "unknown_code",
        cla.loc[i, "child_id"],
        "legal status code X9 is not in the Annex A code set",
    )

    asmt = ex.annex_a[4]
    i = asmt.index[len(asmt) // 2]
    asmt.loc[i, "assessment_start"] = pd.NaT
    _record(
        ex,
        4,
        "annex_a.xlsx",
        _heading(4, "assessment_start"),
        "blank_required",
        asmt.loc[i, "child_id"],
        "Continuous Assessment Start Date is blank",
    )

    header, episodes = ex.ssda903["header"], ex.ssda903["episodes"]
    child = episodes["CHILD"].iloc[len(episodes) // 2]
    first = pd.to_datetime(episodes.loc[episodes["CHILD"] == child, "DECOM"]).min()
    header.loc[header["CHILD"] == child, "DOB"] = first + pd.Timedelta(days=30)
    _record(
        ex,
        None,
        "ssda903/header.csv",
        "DOB",
        "event_before_birth",
        child,
        "date of birth is 30 days after the child's first episode began",
    )

    audits = ex.local["audits"]
    graded = audits.index[audits["grade"].notna()]
    i = graded[len(graded) // 2]
    audits.loc[i, "grade"] = "Satisfactory"
    _record(
        ex,
        None,
        "local/audits.csv",
        "grade",
        "unknown_code",
        str(audits.loc[i, "child_id"]),
        "audit grade 'Satisfactory' (old Ofsted scale) is not an allowed grade",
    )


def plant_previous(ex: Extract) -> None:
    """The extract before the latest: a duplicated referral and an unknown contact source."""
    refs = ex.annex_a[3]
    i = refs.index[len(refs) // 2]
    ex.annex_a[3] = pd.concat([refs.loc[:i], refs.loc[[i]], refs.loc[i + 1 :]], ignore_index=True)
    _record(
        ex,
        3,
        "annex_a.xlsx",
        "",
        "duplicate_row",
        refs.loc[i, "child_id"],
        "the same referral row appears twice",
    )
    contacts = ex.annex_a[1]
    i = contacts.index[len(contacts) // 4]
    contacts.loc[i, "contact_source"] = "v) 11: Helpline"
    _record(
        ex,
        1,
        "annex_a.xlsx",
        _heading(1, "contact_source"),
        "unknown_code",
        contacts.loc[i, "child_id"],
        "contact source 11 is not in the Annex A code set",
    )
