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
