"""Deterministic synthetic extracts for a Southampton-sized authority (`selfeval sample-data`).

One world is simulated (numpy Generator from the seed) and each extract is cut from it as the
systems would have exported it on its date: events up to that date only, later dates blank.
The same child keeps the same synthetic id (``C`` + 7 digits) in every list and extract.

Local variant of Annex A: Ofsted asks for the last 6-12 months; so that trends have at least
24 monthly points, each list here covers the **36 months before the extract date**, plus every
case still open at the extract date (Lists 2, 4, 6, 7, 8, 10, 11), whatever its start.
``--list-months N`` cuts Lists 1-8 to the N months Ofsted asks for (`_ofsted.py`).
List 9 holds care leavers aged 16-20 at the extract date (relevant and former relevant).

Volumes at ``scale=1`` (``--scale 10`` gives about ten times the rows): about 10,000 contacts and
3,500 referrals a year, re-referrals within 12 months 20-30%, about 85% of assessments within 45
working days (80% rising to 90%), 300-450 children on child protection plans and about 500
looked after, 120 social workers (agency share 30% falling to 15%, caseloads 21 falling to 16.5),
audits graded good or better 45% rising to 72%, and visit, review and supervision timeliness
improving through 2021-22. A few disabled children have V4 short-break agreements or V3 stays.

Files per extract folder (the input contract in docs/design.md): ``annex_a.xlsx`` (sheets
``List 1`` to ``List 11``, headings as reference/annex_a_columns.csv, List 9 with the four
2023-24 columns, codes in Ofsted's preferred form, dates as Excel dates),
``ssda903/{header,episodes,reviews,missing,uasc}.csv`` (dates DD/MM/YYYY),
``local/<dataset>.csv`` for every dataset of reference/local_datasets.yaml (dates YYYY-MM-DD)
and ``extract.yaml``.

Variations that exercise the readers' tolerances:
- the second extract (2021-09-30 by default) uses ``List_1`` sheet names and a title row;
- the extracts before the latest two write Annex A as ``annex_a/list_<n>.csv`` (keeps the
  committed sample small); the latest two are workbooks.

Deliberate data-quality problems (also listed in each extract.yaml's notes, with child ids):
- latest extract: a referral dated after the extract date (List 3), a CP plan ending before it
  started (List 7), a duplicated contact row (List 1), legal status ``X9`` (List 8), a blank
  Continuous Assessment Start Date (List 4), a date of birth after the child's first SSDA903
  episode (ssda903/header.csv), an audit graded ``Satisfactory`` (local/audits.csv);
- the extract before it: a duplicated referral row (List 3) and contact source ``11`` (List 1).

Action updates (local/actions.csv) are quarterly from the plan start for every action id given
(``actions=``: `action_ids` of a workspace's params/priorities, as `selfeval sample-data` gives
them), plus the unknown id ``99.99.9``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ._common import make_horizon
from ._extract import Cutter, Extract, local, ssda903
from ._ofsted import cut_to_ofsted_window
from ._quality import plant_latest, plant_previous
from ._world import World, build_world
from ._write import write_extract

__all__ = [
    "DEFAULT_EXTRACT_DATES",
    "action_ids",
    "build_sample",
    "iter_sample",
    "sample_command",
    "write_sample",
]

DEFAULT_EXTRACT_DATES: tuple[date, ...] = (
    date(2021, 6, 30),
    date(2021, 9, 30),
    date(2021, 12, 31),
    date(2022, 3, 31),
)
XLSX_EXTRACTS = 4  # the latest N extracts get a workbook; older ones annex_a/list_<n>.csv


def action_ids(priorities_dir: Path) -> list[str]:
    """Sorted action ids (``objectives[].actions[].id``) in `priorities_dir`/*.yaml (a
    workspace's params/priorities); [] if none."""
    ids: set[str] = set()
    for path in sorted(Path(priorities_dir).glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for objective in doc.get("objectives") or []:
            for action in (objective or {}).get("actions") or []:
                if isinstance(action, dict) and action.get("id"):
                    ids.add(str(action["id"]))
    return sorted(ids)


def build_world_for(seed: int, scale: float, extract_dates: Sequence[date]) -> World:
    dates = [np.datetime64(d, "D") for d in extract_dates]
    return build_world(seed, scale, make_horizon(dates))


def iter_sample(
    *,
    seed: int = 2021,
    scale: float = 1.0,
    extract_dates: Sequence[date] = DEFAULT_EXTRACT_DATES,
    actions: Sequence[str] = (),
    list_months: int | None = None,
) -> Iterator[tuple[date, Extract]]:
    """Each extract's tables (canonical Annex A column names, problems planted), oldest first,
    cut from the world one at a time so a caller that writes and drops each holds only one.
    `actions`: the plan's action ids (`action_ids`) given quarterly updates (none by default).
    `list_months`: Annex A Lists 1-8 cut to the months before the extract date as Ofsted asks
    (`cut_to_ofsted_window`); default the 36 months of history."""
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    dates = sorted(set(extract_dates))
    world = build_world_for(seed, scale, dates)
    ids = list(actions)
    for i, d in enumerate(dates):
        cut = Cutter(world, pd.Timestamp(d), seed)
        ex = Extract(
            pd.Timestamp(d), annex_a=cut.annex_a(), ssda903=ssda903(cut), local=local(cut, ids)
        )
        del cut
        if list_months:
            cut_to_ofsted_window(ex, list_months)
        if i == len(dates) - 1:
            plant_latest(ex)
        elif i == len(dates) - 2:
            plant_previous(ex)
        yield d, ex


def build_sample(
    *,
    seed: int = 2021,
    scale: float = 1.0,
    extract_dates: Sequence[date] = DEFAULT_EXTRACT_DATES,
    actions: Sequence[str] = (),
) -> dict[date, Extract]:
    """Every extract's tables in memory (canonical Annex A column names), problems planted."""
    return dict(iter_sample(seed=seed, scale=scale, extract_dates=extract_dates, actions=actions))


def _layout(dates: list[date]) -> dict[date, tuple[str, bool]]:
    """(annex_a_as, tolerances) per extract date."""
    out = {}
    for i, d in enumerate(dates):
        as_xlsx = i >= len(dates) - XLSX_EXTRACTS
        out[d] = ("xlsx" if as_xlsx else "csv", i == 1 and as_xlsx or (i == 1 and len(dates) <= 2))
    if len(dates) >= 2 and out[dates[1]][0] != "xlsx":
        # the tolerance extract must be a workbook: make the second extract one too
        out[dates[1]] = ("xlsx", True)
    return out


def write_sample(
    out_dir: Path,
    *,
    seed: int = 2021,
    scale: float = 1.0,
    extract_dates: Sequence[date] = DEFAULT_EXTRACT_DATES,
    actions: Sequence[str] = (),
) -> list[Path]:
    """Write one extract folder per date, ``out_dir/<YYYY-MM-DD>/``; returns the folders."""
    layout = _layout(sorted(set(extract_dates)))
    folders = []
    for d, ex in iter_sample(seed=seed, scale=scale, extract_dates=extract_dates, actions=actions):
        folders.append(_write_one(Path(out_dir), d, ex, layout))
        del ex
    return folders


def _write_one(out_dir: Path, d: date, ex: Extract, layout: dict[date, tuple[str, bool]]) -> Path:
    """Write one extract to ``out_dir/<YYYY-MM-DD>/`` in its layout (`_layout`); its planted
    problems name the CSV file of a list when Annex A is given as CSV files."""
    annex_a_as, tolerances = layout[d]
    if annex_a_as == "csv":
        for p in ex.problems:
            if p["file"] == "annex_a.xlsx":
                p["file"] = f"annex_a/list_{p['sheet'].split()[-1]}.csv"
    folder = out_dir / d.isoformat()
    write_extract(folder, ex, annex_a_as=annex_a_as, tolerances=tolerances)
    return folder


def _row_counts(ex: Extract) -> list[tuple[str, int]]:
    rows = [(f"Annex A List {n}", len(df)) for n, df in ex.annex_a.items()]
    rows += [(f"ssda903/{k}", len(v)) for k, v in ex.ssda903.items()]
    rows += [(f"local/{k}", len(v)) for k, v in ex.local.items()]
    return rows


def sample_command(
    out_dir: Path,
    seed: int,
    scale: float,
    list_months: int | None = None,
    actions: Sequence[str] = (),
) -> int:
    """CLI: write the sample and print what was written (folders, row counts)."""
    started = time.perf_counter()
    layout = _layout(sorted(set(DEFAULT_EXTRACT_DATES)))
    out_dir = Path(out_dir)
    count = 0
    # one extract in memory at a time
    for d, ex in iter_sample(seed=seed, scale=scale, list_months=list_months, actions=actions):
        count += 1
        annex_a_as, tolerances = layout[d]
        folder = _write_one(out_dir, d, ex, layout)
        size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
        print(
            f"{folder}  ({size / 1e6:.1f} MB, Annex A as {annex_a_as}"
            f"{', List_n sheets + title row' if tolerances else ''})"
        )
        for name, n in _row_counts(ex):
            print(f"  {name:<28} {n:>8,} rows")
        for p in ex.problems:
            print(f"  planted problem: {p['rule']} in {p['file']} {p['sheet']} ({p['child_id']})")
    print(f"seed {seed}, scale {scale}: {count} extracts in {time.perf_counter() - started:.1f}s")
    return 0
