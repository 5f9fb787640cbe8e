"""The parquet store: written once, reused while inputs are unchanged, rebuilt otherwise."""

from __future__ import annotations

import pandas as pd

from selfeval.extract import load_extract, store
from test_extract_support import make_extract, write_text

TEXT = "child_id,supervision_date,team\nA,01/02/2021,T\nB,bad,T\n"


def _folder(tmp_path):
    folder = make_extract(tmp_path / "2021-06-30")
    write_text(folder / "local" / "supervision.csv", TEXT)
    return folder


def test_store_written_once_and_reused(tmp_path, monkeypatch):
    folder, root = _folder(tmp_path), tmp_path / "store"
    first = load_extract(folder, store_root=root)
    path = store.store_path(folder, root)
    assert path.name.startswith("2021-06-30-") and len(path.name) == len("2021-06-30-") + 8
    assert (path / "manifest.json").is_file()

    def must_not_parse(*args, **kwargs):
        raise AssertionError("the store should have been reused")

    monkeypatch.setattr("selfeval.extract.load.read_extract", must_not_parse)
    second = load_extract(folder, store_root=root)
    pd.testing.assert_frame_equal(
        first.tables["local_supervision"], second.tables["local_supervision"]
    )
    pd.testing.assert_frame_equal(first.quality, second.quality)
    pd.testing.assert_frame_equal(first.summary, second.summary)
    assert second.extract_date == first.extract_date and second.inputs == first.inputs
    assert [i["path"] for i in second.inputs] == ["extract.yaml", "local/supervision.csv"]
    assert all(len(i["sha256"]) == 64 and i["bytes"] > 0 for i in second.inputs)


def test_store_rebuilt_when_input_changed_added_or_removed(tmp_path):
    folder, root = _folder(tmp_path), tmp_path / "store"
    assert len(load_extract(folder, store_root=root).tables["local_supervision"]) == 1
    write_text(folder / "local" / "supervision.csv", TEXT + "C,02/02/2021,T\n")
    assert len(load_extract(folder, store_root=root).tables["local_supervision"]) == 2
    write_text(
        folder / "local" / "ehe.csv",
        "child_id,start_date,end_date,vulnerable,allocated,engagement\nA,01/01/2021,,Y,N,Engaged\n",
    )
    assert "local_ehe" in load_extract(folder, store_root=root).tables
    (folder / "local" / "ehe.csv").unlink()
    assert "local_ehe" not in load_extract(folder, store_root=root).tables


def test_store_write_leaves_no_temporary_folders(tmp_path):
    folder, root = _folder(tmp_path), tmp_path / "store"
    load_extract(folder, store_root=root)
    write_text(folder / "local" / "supervision.csv", TEXT + "C,02/02/2021,T\n")
    load_extract(folder, store_root=root)
    assert [p.name for p in root.iterdir()] == [store.store_path(folder, root).name]


def test_damaged_store_is_rebuilt(tmp_path):
    folder, root = _folder(tmp_path), tmp_path / "store"
    load_extract(folder, store_root=root)
    path = store.store_path(folder, root)
    (path / "tables" / "local_supervision.parquet").write_bytes(b"garbage")
    assert len(load_extract(folder, store_root=root).tables["local_supervision"]) == 1


def test_without_a_store_root_nothing_is_stored(tmp_path, monkeypatch):
    """No store unless the caller names one: not even in the workspace this process is in."""
    folder = _folder(tmp_path)
    (tmp_path / "params").mkdir()
    (tmp_path / "params" / "settings.yaml").write_text("service: x\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SELFEVAL_ROOT", str(tmp_path))
    assert len(load_extract(folder).tables["local_supervision"]) == 1
    assert not (tmp_path / "data" / "store").exists()
