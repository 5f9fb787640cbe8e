"""Results kept beside the store are reused only under the same key."""

from __future__ import annotations

from selfeval.cache import keyed, package_fingerprint


def test_kept_result_is_reused_only_under_the_same_key(tmp_path):
    path = tmp_path / "result.pickle"
    calls = []

    def compute(value):
        def run():
            calls.append(value)
            return value

        return run

    assert keyed(path, ("inputs v1", "2022-03-31"), compute("first")) == "first"
    assert keyed(path, ("inputs v1", "2022-03-31"), compute("second")) == "first"
    assert keyed(path, ("inputs v2", "2022-03-31"), compute("third")) == "third"
    assert calls == ["first", "third"]


def test_unreadable_or_missing_store_computes(tmp_path):
    path = tmp_path / "result.pickle"
    path.write_bytes(b"not a pickle")
    assert keyed(path, "k", lambda: 1) == 1
    assert keyed(path, "k", lambda: 2) == 1  # rewritten after the unreadable file
    assert keyed(None, "k", lambda: 3) == 3
    assert keyed(tmp_path / "no-such-folder" / "r.pickle", "k", lambda: 4) == 4


def test_package_fingerprint_is_a_stable_digest():
    assert len(package_fingerprint()) == 64
    assert package_fingerprint() == package_fingerprint()


def test_content_digest_follows_the_cells_not_the_objects(tmp_path):
    import pandas as pd

    from selfeval.cache import content_digest

    frame = pd.DataFrame({"team": ["North", "South", "North"], "value": [1.0, 2.0, 3.0]})
    frame.to_parquet(tmp_path / "f.parquet")
    first, second = (pd.read_parquet(tmp_path / "f.parquet") for _ in range(2))
    assert content_digest(first, "2022-03-31") == content_digest(second, "2022-03-31")
    assert content_digest(frame.assign(value=[1.0, 2.0, 4.0])) != content_digest(frame)
    assert content_digest(frame.rename(columns={"value": "n"})) != content_digest(frame)
    with_target = frame.copy()
    with_target.attrs["target"] = 80.0
    assert content_digest(with_target) != content_digest(frame)
    assert content_digest({"a": 1, "b": [frame]}) == content_digest({"b": [second], "a": 1})
