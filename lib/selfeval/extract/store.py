"""The normalised store: parquet tables + quality + manifest, written once per extract.

`<store_root>/<folder-name>-<8-char hash of the absolute folder path>/` holds `manifest.json`,
`quality.parquet`, `summary.parquet` and `tables/<name>.parquet`. It is reused while the
manifest's inputs (paths, sizes, sha256) and selfeval version match the folder; it is written to a
temporary folder and renamed into place, so a crash never leaves half a store.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
import weakref
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from selfeval import __version__
from selfeval.config import store_path as store_path  # re-exported
from selfeval.extract.model import Extract

log = logging.getLogger(__name__)
STORE_FORMAT = 1


def _manifest(extract: Extract) -> dict:
    return {
        "format": STORE_FORMAT,
        "selfeval_version": __version__,
        "folder": str(Path(extract.folder).resolve()),
        "extract_date": extract.extract_date.isoformat(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "inputs": extract.inputs,
        "tables": sorted(extract.tables),
    }


def _read_parquet(source: Any) -> pd.DataFrame:
    """A stored table with the dtypes it was written with: pandas 3 reads every parquet text
    column as its ``str`` dtype, so a column written as object (as the readers give text) is
    made object again, from the pandas metadata in the file."""
    if hasattr(source, "seek"):
        source.seek(0)
    written = {
        c["name"]: c["numpy_type"]
        for c in (pq.read_schema(source).pandas_metadata or {}).get("columns", [])
    }
    if hasattr(source, "seek"):
        source.seek(0)
    table = pd.read_parquet(source)
    text = [
        c
        for c, dtype in table.dtypes.items()
        if isinstance(dtype, pd.StringDtype) and written.get(str(c)) == "object"
    ]
    for column in text:  # missing as None, as pyarrow gives it for an object column
        values = table[column]
        table[column] = values.astype(object).where(values.notna(), None)
    return table


class StoredTables(Mapping[str, pd.DataFrame]):
    """An extract's tables: each held in memory, or in a parquet file read when first used.

    Reading an extract writes each table to the store as soon as it is validated and lets go of
    it, so a large extract is never held whole; a table read back from the store equals the one
    written (the store is reused on every later run anyway). `release` forgets the copy read
    from a file (it is read again if used again), which the measures engine does once no later
    measure needs the table. Each file is kept open, so another process replacing the store
    meanwhile (it reads the same extract) does not take the tables away from this one.
    """

    def __init__(self) -> None:
        self._order: list[str] = []
        self._files: dict[str, tuple[Path, BinaryIO]] = {}
        self._memory: dict[str, pd.DataFrame] = {}
        weakref.finalize(self, _close_files, self._files)

    def keep(self, name: str, table: pd.DataFrame) -> None:
        """Hold a table in memory."""
        self._add(name)
        self._forget_file(name)
        self._memory[name] = table

    def stored(self, name: str, file: Path) -> None:
        """A table written to `file`, read from there when used."""
        handle = open(file, "rb")  # noqa: SIM115 (closed by load_all or when collected)
        self._add(name)
        self._memory.pop(name, None)
        self._forget_file(name)
        self._files[name] = (Path(file), handle)

    def _forget_file(self, name: str) -> None:
        if name in self._files:
            self._files.pop(name)[1].close()

    def _add(self, name: str) -> None:
        if name not in self._files and name not in self._memory:
            self._order.append(name)

    def reorder(self, names: list[str]) -> None:
        """Iterate in this order (names not held are ignored)."""
        self._order = [n for n in names if n in self] + [n for n in self._order if n not in names]

    def move(self, folder: Path) -> None:
        """The stored files now live in `folder` (the store was renamed into place)."""
        for name, (file, handle) in list(self._files.items()):
            self._files[name] = (Path(folder) / file.name, handle)

    def load_all(self) -> None:
        """Read every stored table into memory (before its files are removed)."""
        for name in list(self._files):
            self._memory[name] = self[name]
            self._forget_file(name)

    def release(self, *names: str) -> None:
        """Forget the in-memory copy of these tables if they can be read again from a file."""
        for name in names:
            if name in self._files:
                self._memory.pop(name, None)

    def is_stored(self, name: str) -> bool:
        return name in self._files

    def file(self, name: str) -> Path | None:
        """Where a stored table is (None when held in memory only)."""
        return self._files[name][0] if name in self._files else None

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name in self._memory:
            return self._memory[name]
        if name not in self._files:
            raise KeyError(name)
        handle = self._files[name][1]
        handle.seek(0)
        table = _read_parquet(handle)
        self._memory[name] = table
        return table

    def __contains__(self, name: object) -> bool:
        return name in self._memory or name in self._files

    def __iter__(self) -> Iterator[str]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)

    def __repr__(self) -> str:
        return f"StoredTables({self._order!r})"


def _close_files(files: dict[str, tuple[Path, BinaryIO]]) -> None:
    for _, handle in files.values():
        handle.close()


def load_store(path: Path, folder: Path, inputs: list[dict]) -> Extract | None:
    """The stored extract if it matches these inputs and this selfeval version, else None.

    Tables are read when first used (their parquet footers are checked here)."""
    manifest_file = path / "manifest.json"
    if not manifest_file.is_file():
        return None
    try:
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
        if (
            manifest.get("format") != STORE_FORMAT
            or manifest.get("selfeval_version") != __version__
            or manifest.get("inputs") != inputs
        ):
            return None
        tables = StoredTables()
        for name in manifest["tables"]:
            tables.stored(name, path / "tables" / f"{name}.parquet")
            pq.read_schema(tables._files[name][1])  # a damaged file fails here, not in a measure
        quality = _read_parquet(path / "quality.parquet")
        summary = _read_parquet(path / "summary.parquet")
        extract_date = date.fromisoformat(manifest["extract_date"])
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as exc:
        log.warning("Store %s is unreadable (%s); the extract is read again.", path, exc)
        return None
    quality = quality.astype(object).where(quality.notna(), None)
    quality["row"] = pd.array(quality["row"], dtype="Int64")
    return Extract(tables, quality, extract_date, inputs, summary, Path(folder))


class StoreWriter:
    """Writes the store of one extract while it is read: each table as soon as it is validated
    (then the table is read back only when used), and the rest at the end, atomically.

    If a table cannot be written, that table and the later ones are kept in memory and no store
    is left behind (as if the store could not be written at all).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.temp = path.parent / f".{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.tables = StoredTables()
        try:
            (self.temp / "tables").mkdir(parents=True)
            self.ok = True
        except OSError as exc:
            self._failed(exc)

    def _failed(self, exc: Exception) -> None:
        log.warning("Could not write the store %s (%s); continuing without it.", self.path, exc)
        self.ok = False

    def put(self, name: str, table: pd.DataFrame) -> None:
        """Add a validated table: written to the store and let go of, else kept in memory."""
        if self.ok:
            file = self.temp / "tables" / f"{name}.parquet"
            try:
                table.to_parquet(file, index=False)
                self.tables.stored(name, file)
                return
            except OSError as exc:
                self._failed(exc)
        self.tables.keep(name, table)

    def finish(self, extract: Extract) -> bool:
        """Write quality, summary and manifest and rename the store into place."""
        try:
            if not self.ok:
                return False
            extract.quality.to_parquet(self.temp / "quality.parquet", index=False)
            extract.summary.to_parquet(self.temp / "summary.parquet", index=False)
            (self.temp / "manifest.json").write_text(
                json.dumps(_manifest(extract), indent=2), encoding="utf-8"
            )
            if _swap_into_place(self.temp, self.path):
                self.tables.move(self.path / "tables")
                return True
            return False  # another process stored this extract first: keep our own tables
        except OSError as exc:
            self._failed(exc)
            return False
        finally:
            if self.temp.exists():
                self.tables.load_all()
                shutil.rmtree(self.temp, ignore_errors=True)

    def discard(self) -> None:
        """Give up (reading failed): remove the temporary folder."""
        shutil.rmtree(self.temp, ignore_errors=True)


def save_store(path: Path, extract: Extract) -> bool:
    """Write the store atomically (temp folder, then rename). False if it could not be written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.parent / f".{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        (temp / "tables").mkdir(parents=True)
        for name, table in extract.tables.items():
            table.to_parquet(temp / "tables" / f"{name}.parquet", index=False)
        extract.quality.to_parquet(temp / "quality.parquet", index=False)
        extract.summary.to_parquet(temp / "summary.parquet", index=False)
        (temp / "manifest.json").write_text(
            json.dumps(_manifest(extract), indent=2), encoding="utf-8"
        )
        _swap_into_place(temp, path)
        return True
    except OSError as exc:
        log.warning("Could not write the store %s (%s); continuing without it.", path, exc)
        return False
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def _swap_into_place(temp: Path, path: Path) -> bool:
    """Replace `path` by `temp`; if another process got there first, keep theirs (False)."""
    old = None
    if path.exists():
        old = path.parent / f".{path.name}.old-{uuid.uuid4().hex[:8]}"
        try:
            os.rename(path, old)
        except OSError:
            old = None
    placed = True
    try:
        os.rename(temp, path)
    except OSError:
        placed = False
        if not path.exists() and old is not None:
            os.rename(old, path)
            old = None
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return placed
