"""Results kept beside an extract's store and reused while what they came from is unchanged.

An analyst reruns the pack many times on the same extract while writing commentary; nothing
the measures are computed from changes between those runs. A cached result is stored with the
key it was computed under (the extract's input hashes, the settings, the catalogue, this
package's own files) and reused only when the key is equal, so a changed file, setting or line
of code computes it afresh. A cache file is as sensitive as the store it sits in, and a cache
that cannot be read or written is ignored.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger("selfeval")

T = TypeVar("T")

#: files of the package whose content can change a computed result
_SOURCE_SUFFIXES = (".py", ".yaml", ".yml", ".csv", ".json")


@functools.cache
def package_fingerprint() -> str:
    """sha256 over this package's source and reference files (paths and contents)."""
    root = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in _SOURCE_SUFFIXES and "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def content_digest(*values: Any) -> str:
    """sha256 of ``values`` by content: a DataFrame or Series by its cells, index, names, dtypes
    and attrs (its pickle is not stable: equal strings may or may not be shared objects);
    lists, tuples and dicts item by item; anything else by its pickle."""
    digest = hashlib.sha256()
    for value in values:
        _feed(digest, value)
    return digest.hexdigest()


def _feed(digest: Any, value: Any) -> None:
    import pandas as pd

    if isinstance(value, pd.DataFrame | pd.Series):
        names = list(value.columns) if isinstance(value, pd.DataFrame) else [value.name]
        dtypes = list(value.dtypes) if isinstance(value, pd.DataFrame) else [value.dtype]
        digest.update(repr((type(value).__name__, names, dtypes, value.index.names)).encode())
        try:
            rows = pd.util.hash_pandas_object(value, index=True).to_numpy()
        except TypeError:  # cells pandas cannot hash (lists, dicts): their pickle
            digest.update(pickle.dumps(value, protocol=5))
        else:
            digest.update(rows.tobytes())
        _feed(digest, dict(value.attrs))
    elif isinstance(value, list | tuple):
        digest.update(f"{type(value).__name__}{len(value)}".encode())
        for item in value:
            _feed(digest, item)
    elif isinstance(value, dict):
        digest.update(f"dict{len(value)}".encode())
        for key, item in sorted(value.items(), key=lambda pair: repr(pair[0])):
            _feed(digest, key)
            _feed(digest, item)
    else:
        digest.update(pickle.dumps(value, protocol=5))


_MISSING = object()


def read_kept(path: Path | None, key: Any, default: Any = None) -> Any:
    """The value kept at ``path`` if it was computed under ``key``, else ``default``."""
    if path is None or not path.is_file():
        return default
    try:
        with path.open("rb") as handle:
            saved_key, value = pickle.load(handle)
    except Exception:  # noqa: BLE001 - a cache: compute it again
        log.debug("Cache %s unreadable; computing again", path, exc_info=True)
        return default
    return value if saved_key == key else default


def write_kept(path: Path | None, key: Any, value: Any) -> None:
    """Keep ``value`` at ``path`` under ``key`` (nothing when there is no store folder)."""
    if path is None or not path.parent.is_dir():
        return
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # kernels write side by side
    try:
        with temp.open("wb") as handle:
            pickle.dump((key, value), handle, protocol=pickle.HIGHEST_PROTOCOL)
        temp.replace(path)
    except OSError:
        log.debug("Cache %s not written", path, exc_info=True)


def keyed(path: Path | None, key: Any, compute: Callable[[], T]) -> T:
    """The result kept at ``path`` if it was computed under ``key``, else ``compute()`` (kept
    at ``path`` for next time). ``path`` None (no store) always computes."""
    value = read_kept(path, key, _MISSING)
    if value is _MISSING:
        value = compute()
        write_kept(path, key, value)
    return value
