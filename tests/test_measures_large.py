"""The engine in bounded memory: tables read from the store when used and let go of after their
last measure, one row per unit picked with numpy, labels stripped once. Same figures as before."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from hand_built import PARAMS
from selfeval.config import load_settings
from selfeval.extract import load_extract, store
from selfeval.measures import compute_measures_with_status, load_catalogue
from selfeval.measures.engine import _first_per_unit, _labels
from selfeval.sample_data import write_sample

LATEST = date(2022, 3, 31)


def _old_first_per_unit(pid, codes, unit, n):
    keep = np.ones(len(pid), dtype=bool)
    if unit is None or not len(pid):
        return keep
    keys = pd.DataFrame({"pid": pid, "unit": unit.to_numpy(), "n": n})
    if codes is not None:
        keys["code"] = codes
    keys = keys[unit.notna().to_numpy()].sort_values("n", ascending=False, kind="stable")
    first = keys.drop_duplicates([c for c in ("pid", "code", "unit") if c in keys.columns])
    keep[:] = False
    keep[first.index.to_numpy()] = True
    return keep


def _old_labels(values):
    label = values.astype("string").str.strip()
    return pd.factorize(label.where(label != ""), use_na_sentinel=True)


@pytest.mark.parametrize("seed", range(5))
def test_first_per_unit_as_before(seed):
    rng = np.random.default_rng(seed)
    size = 400
    pid = rng.integers(0, 5, size)
    units = np.array(["C1", "C2", "C3", None, 7, 7.0, np.nan], dtype=object)
    unit = pd.Series(units[rng.integers(0, len(units), size)], dtype=object)
    n = rng.choice([0.0, 1.0, 2.5, -0.0], size)
    codes = rng.integers(-1, 4, size)
    for c in (None, codes):
        assert (_first_per_unit(pid, c, unit, n) == _old_first_per_unit(pid, c, unit, n)).all()
    assert _first_per_unit(pid, None, None, n).all()


@pytest.mark.parametrize(
    "values",
    [
        ["Team A", " Team A", "Team B ", "", None, "  ", "Team B", np.nan],
        ["Team A", 1, 1.0, True, None, "1"],
        [None, None],
        [],
    ],
)
def test_labels_as_before(values):
    series = pd.Series(values, dtype=object)
    codes, names = _labels(series)
    want_codes, want_names = _old_labels(series)
    assert codes.tolist() == want_codes.tolist()
    assert list(np.asarray(names, dtype=object)) == list(np.asarray(want_names, dtype=object))


def test_tables_from_the_store_are_let_go_of_and_the_figures_do_not_change(tmp_path):
    folder = write_sample(tmp_path / "sample", scale=0.1, extract_dates=[LATEST])[0]
    in_memory = load_extract(folder)
    stored = load_extract(folder, store_root=tmp_path / "store")
    tables = stored.tables
    assert isinstance(tables, store.StoredTables)
    workspace = {
        "settings": load_settings(PARAMS / "settings.yaml"),
        "catalogue": load_catalogue(PARAMS / "measures.yaml"),
    }
    want, want_status = compute_measures_with_status(in_memory.tables, LATEST, **workspace)
    got, got_status = compute_measures_with_status(tables, LATEST, **workspace)
    pd.testing.assert_frame_equal(got, want)
    pd.testing.assert_frame_equal(got_status, want_status)
    # only the tables of the last measures are still held (the rest were let go of)
    assert set(tables._memory) < set(tables)
    assert "annex_a_1" not in tables._memory and "local_workforce" in tables._memory
