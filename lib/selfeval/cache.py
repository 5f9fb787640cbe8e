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


def keyed(path: Path | None, key: Any, compute: Callable[[], T]) -> T:
    """The result kept at ``path`` if it was computed under ``key``, else ``compute()`` (kept
    at ``path`` for next time). ``path`` None (no store) always computes."""
    if path is not None and path.is_file():
        try:
            with path.open("rb") as handle:
                saved_key, value = pickle.load(handle)
            if saved_key == key:
                return value
        except Exception:  # noqa: BLE001 - a cache: compute it again
            log.debug("Cache %s unreadable; computing again", path, exc_info=True)
    value = compute()
    if path is not None and path.parent.is_dir():
        temp = path.with_name(f".{path.name}.tmp")
        try:
            with temp.open("wb") as handle:
                pickle.dump((key, value), handle, protocol=pickle.HIGHEST_PROTOCOL)
            temp.replace(path)
        except OSError:
            log.debug("Cache %s not written", path, exc_info=True)
    return value
