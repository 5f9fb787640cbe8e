"""The synthetic sample generator (selfeval sample-data)."""

from __future__ import annotations

import csv
import hashlib
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

from selfeval.config import reference_file
from selfeval.sample_data import DEFAULT_EXTRACT_DATES, action_ids, build_sample, write_sample

SMALL = 0.05
LATEST = DEFAULT_EXTRACT_DATES[-1]


def _headings() -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    with reference_file("annex_a_columns.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            heading = row["column_heading_2019_template"]
            out.setdefault(int(row["list_no"]), []).append(
                heading.replace("(NEW/renamed in 2023-24 schema) ", "")
            )
    return out


def _date_columns() -> set[str]:
    with reference_file("annex_a_columns.csv").open(encoding="utf-8") as fh:
        return {r["canonical"] for r in csv.DictReader(fh) if r["liia_type"] == "date"}


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_sample(tmp_path_factory.mktemp("sample"), seed=7, scale=SMALL)


@pytest.fixture(scope="module")
def small() -> dict:
    return build_sample(seed=7, scale=SMALL, actions=["01.01.1", "01.02.1"])


@pytest.fixture(scope="module")
def full_latest():
    """Scale 1, latest extract only (a few seconds)."""
    return build_sample(seed=2021, scale=1.0, extract_dates=[LATEST], actions=[])[LATEST]


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_identical_files(tmp_path: Path) -> None:
    dates = [date(2021, 12, 31), date(2022, 3, 31)]
    a = write_sample(tmp_path / "a", seed=3, scale=0.03, extract_dates=dates)
    b = write_sample(tmp_path / "b", seed=3, scale=0.03, extract_dates=dates)
    c = write_sample(tmp_path / "c", seed=4, scale=0.03, extract_dates=dates)
    assert [_digest(f) for f in a] == [_digest(f) for f in b]
    assert _digest(a[-1]) != _digest(c[-1])


def test_one_folder_per_extract_with_every_file(written: list[Path]) -> None:
    assert [f.name for f in written] == [d.isoformat() for d in DEFAULT_EXTRACT_DATES]
    datasets = yaml.safe_load(reference_file("local_datasets.yaml").read_text(encoding="utf-8"))
    for folder in written:
        assert (folder / "annex_a.xlsx").is_file()
        for table in ("header", "episodes", "reviews", "missing"):
            assert (folder / "ssda903" / f"{table}.csv").is_file()
        for name, spec in datasets.items():
            frame = pd.read_csv(folder / "local" / f"{name}.csv")
            assert list(frame.columns) == list(spec["columns"]), name
        meta = yaml.safe_load((folder / "extract.yaml").read_text(encoding="utf-8"))
        assert meta["extract_date"].isoformat() == folder.name
        assert meta["source_system"] == "Synthetic sample (selfeval sample-data)"


def test_sheet_names_and_headings_follow_the_template(written: list[Path]) -> None:
    expected = _headings()
    for i, folder in enumerate(written):
        wb = load_workbook(folder / "annex_a.xlsx", read_only=True)
        tolerant = i == 1  # the second extract uses List_n names and a title row
        assert wb.sheetnames == [f"List_{n}" if tolerant else f"List {n}" for n in range(1, 12)]
        for n in range(1, 12):
            rows = wb[wb.sheetnames[n - 1]].iter_rows(max_row=2, values_only=True)
            first, second = next(rows), next(rows)
            header = second if tolerant else first
            assert [h for h in header if h is not None] == expected[n], (folder.name, n)
        wb.close()
    assert len(expected[9]) == 17


def test_dates_are_real_excel_dates_and_codes_preferred(written: list[Path]) -> None:
    lists = pd.read_excel(written[-1] / "annex_a.xlsx", sheet_name=None, engine="openpyxl")
    cp = lists["List 7"]
    assert pd.api.types.is_datetime64_any_dtype(cp["Child Protection Plan Start Date"])
    assert set(lists["List 1"]["Gender"]) <= {"a) Male", "b) Female", "c) Not stated/recorded"}
    legal = set(lists["List 8"]["Child's Legal Status"].dropna())
    assert "C2: FCO" in legal
    assert {
        "V3: Short term breaks, episodes recorded",
        "V4: Short term breaks, agreements recorded",
    } & legal
    assert lists["List 3"]["Allocated Worker"].str.fullmatch(r"SW\d{3}").all()
    assert lists["List 1"]["Child Unique ID"].str.fullmatch(r"C\d{7}").all()


def test_children_keep_their_ids_across_lists_and_extracts(small: dict) -> None:
    first, last = small[DEFAULT_EXTRACT_DATES[0]], small[LATEST]
    in_care = set(last.annex_a[8]["child_id"])
    assert in_care <= set(last.ssda903["header"]["CHILD"])
    assert len(set(first.annex_a[3]["child_id"]) & set(last.annex_a[3]["child_id"])) > 50


def _planted(ex) -> set[tuple[str, str]]:
    return {(p["child_id"], p["rule"]) for p in ex.problems}


def test_no_event_after_the_extract_date_except_planted_problems(small: dict) -> None:
    dates = _date_columns()
    for d, ex in small.items():
        on = pd.Timestamp(d)
        for n, df in ex.annex_a.items():
            for col in dates & set(df.columns):
                late = df[pd.to_datetime(df[col]) > on]
                key = "child_id" if "child_id" in df.columns else "adopter_id"
                unexpected = {c for c in late[key] if (c, "date_after_extract") not in _planted(ex)}
                assert not unexpected, (d, n, col, unexpected)
        for name, df in {**ex.ssda903, **ex.local}.items():
            for col in df.columns:
                if pd.api.types.is_datetime64_any_dtype(df[col]):
                    assert not (df[col] > on).any(), (d, name, col)


def test_planted_problems_are_in_the_latest_extracts_and_documented(
    small: dict, written: list[Path]
) -> None:
    latest = small[LATEST]
    rules = {p["rule"] for p in latest.problems}
    assert rules == {"date_after_extract", "end_before_start", "duplicate_row", "unknown_code",
                     "blank_required", "event_before_birth"}  # fmt: skip
    assert latest.annex_a[1].duplicated().sum() == 1
    cp = latest.annex_a[7]
    assert (pd.to_datetime(cp["cp_end"]) < pd.to_datetime(cp["cp_start"])).sum() == 1
    assert latest.annex_a[4]["assessment_start"].isna().sum() == 1
    assert (latest.annex_a[8]["legal_status"] == "X9: Not known").sum() == 1
    assert {p["rule"] for p in small[DEFAULT_EXTRACT_DATES[-2]].problems} == {
        "duplicate_row",
        "unknown_code",
    }
    assert not small[DEFAULT_EXTRACT_DATES[0]].problems
    assert small[DEFAULT_EXTRACT_DATES[0]].annex_a[1].duplicated().sum() == 0
    notes = yaml.safe_load((written[-1] / "extract.yaml").read_text(encoding="utf-8"))["notes"]
    for p in latest.problems:
        assert p["child_id"] in notes


def test_ssda903_episodes_chain(small: dict) -> None:
    ep = small[LATEST].ssda903["episodes"].sort_values(["CHILD", "DECOM"])
    nxt = ep.groupby("CHILD")["DECOM"].shift(-1)
    chained = ep[ep["REC"] == "X1"]
    follow = nxt[chained.index]
    ok = follow.notna()
    assert (chained.loc[ok, "DEC"] == follow[ok]).all()
    assert ep.loc[ep["RNE"] == "S", "DECOM"].notna().all()
    assert (
        ep["HOME_POST"].str.startswith("ZZ99 ").all()
        and ep["PL_POST"].str.startswith("ZZ99 ").all()
    )
    assert {"V3", "V4"} & set(ep["LS"])


def test_action_updates_follow_the_plan_plus_one_unknown(small: dict) -> None:
    actions = small[LATEST].local["actions"]
    assert set(actions["action_id"]) == {"01.01.1", "01.02.1", "99.99.9"}
    assert actions.groupby("action_id").size().eq(4).all()  # quarterly from June 2021
    assert set(actions["status"]) <= {"Complete", "On track", "At risk", "Not started"}


def test_action_ids_read_from_priorities(tmp_path: Path) -> None:
    (tmp_path / "01_x.yaml").write_text(
        "objectives:\n  - actions:\n      - {id: '01.01.2'}\n      - {id: '01.01.1'}\n",
        encoding="utf-8",
    )
    assert action_ids(tmp_path) == ["01.01.1", "01.01.2"]
    assert action_ids(tmp_path / "missing") == []


def test_sample_data_command_writes_updates_for_the_workspaces_plan(tmp_path, monkeypatch) -> None:
    """`selfeval sample-data` takes the action ids from the plan of the workspace it runs in
    (the library is given them; it does not look for a workspace itself)."""
    from selfeval.cli import main

    priorities = tmp_path / "ws" / "params" / "priorities"
    priorities.mkdir(parents=True)
    (priorities / "01_x.yaml").write_text(
        "objectives:\n  - actions:\n      - {id: '07.01.1'}\n", encoding="utf-8"
    )
    monkeypatch.setenv("SELFEVAL_ROOT", str(tmp_path / "ws"))
    assert main(["sample-data", str(tmp_path / "out"), "--scale", "0.01"]) == 0
    latest = max(DEFAULT_EXTRACT_DATES).isoformat()
    actions = pd.read_csv(tmp_path / "out" / latest / "local" / "actions.csv", dtype=str)
    assert set(actions["action_id"]) == {"07.01.1", "99.99.9"}


# ------------------------------------------------------------------ headline volumes (scale 1)


def _year(df: pd.DataFrame, col: str) -> pd.DataFrame:
    d = pd.to_datetime(df[col])
    return df[(d > pd.Timestamp(LATEST) - pd.DateOffset(years=1)) & (d <= pd.Timestamp(LATEST))]


def test_headline_volumes_are_southampton_like(full_latest) -> None:
    a = full_latest.annex_a
    on = pd.Timestamp(LATEST)
    assert 8_500 <= len(_year(a[1], "contact_date")) <= 11_500
    refs = _year(a[3], "referral_date")
    assert 3_000 <= len(refs) <= 4_000
    allrefs = a[3].assign(d=pd.to_datetime(a[3]["referral_date"])).sort_values(["child_id", "d"])
    gap = (allrefs["d"] - allrefs.groupby("child_id")["d"].shift()).dt.days
    recent = allrefs["d"] > on - pd.DateOffset(years=1)
    assert 0.20 <= gap[recent].between(1, 365).mean() <= 0.30
    cp = a[7]
    open_cp = cp[(pd.to_datetime(cp["cp_start"]) <= on) & cp["cp_end"].isna()]
    assert 300 <= open_cp["child_id"].nunique() <= 450
    cla = a[8]
    short_breaks = cla["legal_status"].astype(str).str.startswith(("V3", "V4"))
    open_cla = cla[cla["cla_end"].isna() & ~short_breaks]
    assert 420 <= open_cla["child_id"].nunique() <= 600
    assert 3 <= (cla["cla_end"].isna() & short_breaks).sum() <= 30


def test_assessments_mostly_on_time(full_latest) -> None:
    from selfeval.bank_holidays import holidays_spanning

    a = _year(full_latest.annex_a[4].dropna(subset=["assessment_start"]), "assessment_authorised")
    start = pd.to_datetime(a["assessment_start"]).to_numpy().astype("datetime64[D]")
    end = pd.to_datetime(a["assessment_authorised"]).to_numpy().astype("datetime64[D]")
    days = np.busday_count(start, end, holidays=holidays_spanning(start, end))
    assert 0.80 <= (days <= 45).mean() <= 0.93


def test_workforce_and_audits_trends(full_latest) -> None:
    wf = full_latest.local["workforce"]
    sw = wf[wf["role"].isin(["Social worker", "Senior practitioner", "Advanced practitioner"])]
    by_snapshot = sw.groupby("snapshot_date")
    headcount = by_snapshot.size()
    assert headcount.between(100, 140).all()
    agency = by_snapshot["employment"].apply(lambda e: (e == "Agency").mean())
    assert agency.iloc[:6].mean() > agency.iloc[-6:].mean()
    assert 0.12 <= agency.iloc[-6:].mean() <= 0.24 and agency.iloc[:6].mean() <= 0.35
    caseload = by_snapshot["caseload"].sum() / by_snapshot["fte"].sum()
    assert 14 <= caseload.iloc[-1] <= 20 < caseload.iloc[0] <= 24
    audits = full_latest.local["audits"].dropna(subset=["grade"])
    good = audits["grade"].isin(["Good", "Outstanding"])
    year = pd.to_datetime(audits["audit_date"]).dt.year
    assert good[year == year.min()].mean() < good[year == year.max()].mean()


def test_xlsx_sheet_xml_as_written_cell_by_cell() -> None:
    """The vectorised sheet writer gives the XML the cell-by-cell one gave (byte-identical)."""
    from selfeval.sample_data._xlsx import EXCEL_EPOCH, _sheet_xml, _Strings, column_letter

    def old_cells(values, kind, letter, rows, strings):
        refs = np.char.add(letter, rows.astype(str))
        out = np.full(len(values), "", dtype=object)
        if kind == "date":
            ts = pd.to_datetime(values, cache=False)
            ok = ts.notna().to_numpy()
            serial = (ts[ok] - EXCEL_EPOCH).dt.days.astype(int).astype(str).to_numpy()
            pairs = zip(refs[ok], serial, strict=True)
            out[ok] = [f'<c r="{r}" s="1"><v>{s}</v></c>' for r, s in pairs]
        elif kind == "number":
            num = pd.to_numeric(values, errors="coerce")
            ok = num.notna().to_numpy()
            text = [format(v, "g") if v % 1 else str(int(v)) for v in num[ok]]
            out[ok] = [f'<c r="{r}"><v>{t}</v></c>' for r, t in zip(refs[ok], text, strict=True)]
        else:
            ok = values.notna().to_numpy() & (values.astype(str).to_numpy() != "")
            ids = [strings.index.setdefault(v, len(strings.index)) for v in values[ok].astype(str)]
            pairs = zip(refs[ok], ids, strict=True)
            out[ok] = [f'<c r="{r}" t="s"><v>{i}</v></c>' for r, i in pairs]
        return out

    def old_sheet(df, kinds, title, strings):
        parts = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n']
        parts[0] += '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        parts[0] += "<sheetData>"
        row = 1
        if title is not None:
            i = strings.index.setdefault(title, len(strings.index))
            parts.append(f'<row r="1"><c r="A1" t="s" s="2"><v>{i}</v></c></row>')
            row = 2
        head = "".join(
            f'<c r="{column_letter(i)}{row}" t="s" s="2">'
            f"<v>{strings.index.setdefault(str(c), len(strings.index))}</v></c>"
            for i, c in enumerate(df.columns)
        )
        parts.append(f'<row r="{row}">{head}</row>')
        rows = np.arange(row + 1, row + 1 + len(df))
        cols = [
            old_cells(
                df[c].reset_index(drop=True), kinds.get(c, "text"), column_letter(i), rows, strings
            )  # fmt: skip
            for i, c in enumerate(df.columns)
        ]
        body = ["".join(cells) for cells in zip(*cols, strict=True)] if cols else []
        parts += [f'<row r="{r}">{b}</row>' for r, b in zip(rows, body, strict=True)]
        parts.append("</sheetData></worksheet>")
        return "".join(parts)

    df = pd.DataFrame(
        {
            "Child": ["C1", "C2", None, "C1", "", "a & <b>", "é"],
            "Date": pd.to_datetime(
                ["2021-01-01", None, "2021-02-03", "1999-12-31", None, None, "2021-01-01"]
            ),  # fmt: skip
            "Age": [1, 2.5, None, 0, -3, 1e6, 7],
        }
    )
    kinds = {"Child": "text", "Date": "date", "Age": "number"}
    for title in (None, "List 3: Referrals"):
        new, old = _Strings(), _Strings()
        old.index["C2"] = 0  # strings already numbered by an earlier sheet
        new.index["C2"] = 0
        assert _sheet_xml(df, kinds, title, new) == old_sheet(df, kinds, title, old)
        assert list(new.index) == list(old.index)
        assert _sheet_xml(df.iloc[0:0], kinds, title, new) == old_sheet(
            df.iloc[0:0], kinds, title, old
        )
