"""Reading large extracts in bounded memory: one sheet at a time, tables written to the store as
they are validated and read back when used, each distinct cell parsed once. Every result must be
what the straightforward way gives."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from selfeval.extract import files, load_extract, store
from selfeval.extract.files import _calamine_cells, _raw_sheet, share_equal
from selfeval.extract.quality import Where
from selfeval.extract.specs import annex_a_specs, local_specs
from selfeval.extract.table import _convert, convert
from selfeval.extract.values import distinct_cells, is_blank
from test_extract_support import (
    REFERRAL_HEADINGS,
    make_extract,
    referral,
    write_text,
    write_workbook,
)

SUPERVISION = "child_id,supervision_date,team\nA,01/02/2021,T\nB,bad,T\nA,01/02/2021,T\n"


def _old_is_blank(values: pd.Series) -> pd.Series:
    blank = values.isna()
    text = values.map(type).eq(str)
    if text.any():
        blank = blank | (text & values.where(text, "x").str.strip().eq(""))
    return blank


@pytest.mark.parametrize("chunk", [1, 2, 3, 50_000])
def test_chunked_sheet_cells_equal_to_python(tmp_path, monkeypatch, chunk):
    """Same cells, types and positions as to_python(skip_empty_area=False), whatever the chunk
    size, with leading empty rows and columns, blanks, numbers, dates and booleans."""
    monkeypatch.setattr(files, "CHUNK_ROWS", chunk)
    rows = [
        [],
        [None, None, "List 3: Referral"],
        [None, None, *REFERRAL_HEADINGS],
        [None, None, *referral("C1", datetime(2021, 3, 15))],
        [None, None, *referral("C2", " ", c4=None)],
        [None, None, *referral("C1", 44200, c4=True, c8=1.5)],
        [None, None, *referral("C3", datetime(2021, 3, 15), c9="")],
    ]
    path = write_workbook(tmp_path / "annex_a.xlsx", {"List 3": rows, "Empty": []})
    wb = CalamineWorkbook.from_path(str(path))
    for name in ("List 3", "Empty"):
        sheet = wb.get_sheet_by_name(name)
        new = _calamine_cells(sheet)
        old = _raw_sheet(Where("x"), sheet.to_python(skip_empty_area=False)).cells
        pd.testing.assert_frame_equal(new, old)
        for col in old.columns:
            assert [type(v) for v in new[col]] == [type(v) for v in old[col]]


def test_share_equal_only_when_nothing_can_change():
    text = np.array(["a", "b", "a", None, date(2021, 1, 1), date(2021, 1, 1)], dtype=object)
    shared = share_equal(text)
    assert shared.tolist() == text.tolist() and shared[0] is shared[2]
    assert shared[4] is shared[5]
    mixed = np.array([1.0, True, 1, "a", "a"], dtype=object)  # 1.0 == True == 1
    assert share_equal(mixed) is mixed


def test_is_blank_as_before():
    values = pd.Series(["", " ", "x", None, np.nan, 0, 0.0, False, date(2021, 1, 1), "\t"])
    pd.testing.assert_series_equal(is_blank(values), _old_is_blank(values), check_names=False)
    typed = pd.Series([1.0, np.nan])
    assert is_blank(typed).tolist() == [False, True]


def test_distinct_cells_refuses_true_beside_numbers():
    assert distinct_cells(pd.Series([True, 1, 1.0, 1, "x"] * 3, dtype=object)) is None
    values, codes = distinct_cells(pd.Series(["a", None, "a", "b"] * 3, dtype=object))
    assert values.tolist() == ["a", "b", None] and codes.tolist()[:4] == [0, 2, 0, 1]


@pytest.mark.parametrize(
    ("table", "column", "cells"),
    [
        ("annex_a_3", "referral_date", ["15/03/2021", 44200, 44200.0, datetime(2021, 3, 1), "x"]),
        ("annex_a_3", "gender", ["a) Male", "M", "f", "Other", None, " "]),
        ("annex_a_3", "referral_nfa", ["Y", "b) No", "maybe", 1, 0.0, None]),
        ("annex_a_3", "age", ["3", 3, 3.0, -1, "3.5", None, "x"]),
        ("annex_a_3", "child_id", ["C1", 12, 12.0, " C2 ", None, ""]),
        ("local_supervision", "supervision_date", ["2021-02-01", "01/02/2021", "bad", None]),
    ],
)
def test_convert_by_distinct_value_equals_cell_by_cell(table, column, cells):
    specs = [*annex_a_specs().values(), *local_specs().values()]
    spec = next(s for s in specs if s.name == table)
    col = spec.column(column)
    raw = pd.Series(cells * 4, dtype=object, name=column, index=range(10, 10 + 4 * len(cells)))
    typed, bad, rule = convert(col, spec.family, raw)
    want_typed, want_bad, want_rule = _convert(col, spec.family, raw)
    pd.testing.assert_series_equal(typed, want_typed, check_names=False)
    pd.testing.assert_series_equal(bad, want_bad, check_names=False)
    assert rule == want_rule


def _folder(tmp_path):
    folder = make_extract(tmp_path / "2021-06-30")
    write_text(folder / "local" / "supervision.csv", SUPERVISION)
    rows = [REFERRAL_HEADINGS, referral("C1"), referral("C2", "bad")]
    write_workbook(folder / "annex_a.xlsx", {"List 3": rows})
    write_text(folder / "ssda903" / "header.csv", "CHILD,SEX,DOB\n1,1,01/01/2015\n")
    write_text(folder / "ssda903" / "episodes.csv", "CHILD,DECOM,RNE,LS\n1,01/01/2014,S,C2\n")
    return folder


def _same_extract(a, b):
    assert sorted(a.tables) == sorted(b.tables)  # a reused store lists them sorted
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name])
    pd.testing.assert_frame_equal(a.quality, b.quality)
    pd.testing.assert_frame_equal(a.summary, b.summary)


def test_tables_are_written_to_the_store_as_read_and_read_back_when_used(tmp_path):
    folder, root = _folder(tmp_path), tmp_path / "store"
    in_memory = load_extract(folder)
    assert isinstance(in_memory.tables, dict)
    first = load_extract(folder, store_root=root)
    tables = first.tables
    assert list(tables) == list(in_memory.tables)
    assert isinstance(tables, store.StoredTables)
    assert all(tables.is_stored(name) for name in tables)
    assert list(tables) == ["annex_a_3", "ssda903_episodes", "ssda903_header", "local_supervision"]
    path = store.store_path(folder, root)
    assert tables.file("annex_a_3") == path / "tables" / "annex_a_3.parquet"
    assert not tables._memory  # nothing held until used
    _same_extract(first, in_memory)
    tables.release("annex_a_3")
    assert "annex_a_3" not in tables._memory and "annex_a_3" in tables
    pd.testing.assert_frame_equal(tables["annex_a_3"], in_memory.tables["annex_a_3"])
    _same_extract(load_extract(folder, store_root=root), in_memory)  # the store reused
    assert [p.name for p in root.iterdir()] == [path.name]


def test_a_table_that_cannot_be_stored_is_kept_in_memory(tmp_path, monkeypatch):
    folder, root = _folder(tmp_path), tmp_path / "store"
    in_memory = load_extract(folder)
    real = pd.DataFrame.to_parquet
    written = []

    def failing(self, path, *args, **kwargs):
        if written:
            raise OSError("disk full")
        written.append(path)
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", failing)
    extract = load_extract(folder, store_root=root)
    assert not any(extract.tables.is_stored(name) for name in extract.tables)
    _same_extract(extract, in_memory)
    assert not root.exists() or not any(root.iterdir())  # no store, no temporary folder


def test_another_process_storing_first_keeps_our_tables(tmp_path, monkeypatch):
    folder, root = _folder(tmp_path), tmp_path / "store"
    in_memory = load_extract(folder)
    monkeypatch.setattr(store, "_swap_into_place", lambda temp, path: False)
    extract = load_extract(folder, store_root=root)
    assert not any(extract.tables.is_stored(name) for name in extract.tables)
    _same_extract(extract, in_memory)


def test_store_with_a_missing_table_file_is_rebuilt(tmp_path):
    folder, root = _folder(tmp_path), tmp_path / "store"
    load_extract(folder, store_root=root)
    (store.store_path(folder, root) / "tables" / "annex_a_3.parquet").unlink()
    assert len(load_extract(folder, store_root=root).tables["annex_a_3"]) == 1


def test_stored_tables_survive_another_process_replacing_the_store(tmp_path):
    folder, root = _folder(tmp_path), tmp_path / "store"
    in_memory = load_extract(folder)
    first = load_extract(folder, store_root=root)  # written now, read when used
    write_text(folder / "local" / "supervision.csv", SUPERVISION + "C,02/02/2021,T\n")
    load_extract(folder, store_root=root)  # inputs changed: the store is replaced
    for name in ("annex_a_3", "local_supervision"):
        pd.testing.assert_frame_equal(first.tables[name], in_memory.tables[name])
    reused = load_extract(folder, store_root=root)
    assert len(reused.tables["local_supervision"]) == 2
    write_text(folder / "local" / "supervision.csv", SUPERVISION)
    load_extract(folder, store_root=root)
    reused.tables.release("local_supervision")  # read again: still the store it was loaded from
    assert len(reused.tables["local_supervision"]) == 2
