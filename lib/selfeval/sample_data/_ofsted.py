"""Annex A lists cut to Ofsted's window (`selfeval sample-data --list-months N`): the shape
councils really send, for checking measures against the sample's full 36 months."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import months_before
from ._extract import Extract

# list → (date column, end column for lists of episodes open during the window, else None)
WINDOWS: dict[int, tuple[str, str | None]] = {
    1: ("contact_date", None),
    2: ("eh_assessment_start", "eh_assessment_end"),
    3: ("referral_date", None),
    4: ("assessment_start", "assessment_authorised"),
    5: ("strategy_date", None),
    6: ("cin_start", "cin_end"),
    7: ("cp_start", "cp_end"),
    8: ("cla_start", "cla_end"),
}


def cut_to_ofsted_window(ex: Extract, months: int) -> None:
    """Keep, in Annex A Lists 1-8, the events dated in the `months` before the extract date
    and the episodes open at any time in them (a blank start is kept: a planted problem), and
    in List 7 each child's latest plan only (Ofsted Annex A guidance). Counts over the last 12
    months (List 3, List 5) keep counting referrals and enquiries before the window."""
    start = pd.Timestamp(months_before(np.datetime64(ex.extract_date.date(), "D"), months))
    for n, (date_col, end_col) in WINDOWS.items():
        frame = ex.annex_a.get(n)
        if frame is None:
            continue
        when = pd.to_datetime(frame[date_col])
        if end_col is None:
            keep = when >= start
        else:
            end = pd.to_datetime(frame[end_col])
            keep = when.isna() | ((when <= ex.extract_date) & (end.isna() | (end >= start)))
        frame = frame[keep]
        if n == 7:
            order = pd.to_datetime(frame["cp_start"])
            frame = frame.loc[order.sort_values(kind="stable").index]
            frame = frame.drop_duplicates("child_id", keep="last").sort_index()
        ex.annex_a[n] = frame.reset_index(drop=True)
    ex.list_months = months
