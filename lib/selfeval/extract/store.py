"""The normalised store: parquet tables + quality + manifest, written once per extract.

`<store_root>/<folder-name>-<8-char hash of the absolute folder path>/` holds `manifest.json`,
`quality.parquet`, `summary.parquet` and `tables/<name>.parquet`. It is reused while the
manifest's inputs (paths, sizes, sha256) and selfeval version match the folder; it is written to a
temporary folder and renamed into place, so a crash never leaves half a store.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from selfeval import __version__
from selfeval.extract.model import Extract

log = logging.getLogger(__name__)
STORE_FORMAT = 1


def default_store_root() -> Path | None:
    """`<project>/data/store`, or None outside a selfeval workspace."""
    from selfeval.config import data_dir

    try:
        return data_dir() / "store"
    except FileNotFoundError:
        return None


def store_path(folder: Path, store_root: Path) -> Path:
    """The store folder of one extract folder."""
    absolute = str(Path(folder).resolve())
    digest = hashlib.sha256(absolute.encode("utf-8")).hexdigest()[:8]
    return Path(store_root) / f"{Path(folder).resolve().name}-{digest}"


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


def load_store(path: Path, folder: Path, inputs: list[dict]) -> Extract | None:
    """The stored extract if it matches these inputs and this selfeval version, else None."""
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
        tables = {
            name: pd.read_parquet(path / "tables" / f"{name}.parquet")
            for name in manifest["tables"]
        }
        quality = pd.read_parquet(path / "quality.parquet")
        summary = pd.read_parquet(path / "summary.parquet")
        extract_date = date.fromisoformat(manifest["extract_date"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("Store %s is unreadable (%s); the extract is read again.", path, exc)
        return None
    quality = quality.astype(object).where(quality.notna(), None)
    quality["row"] = pd.array(quality["row"], dtype="Int64")
    return Extract(tables, quality, extract_date, inputs, summary, Path(folder))


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


def _swap_into_place(temp: Path, path: Path) -> None:
    """Replace `path` by `temp`; if another process got there first, keep theirs."""
    old = None
    if path.exists():
        old = path.parent / f".{path.name}.old-{uuid.uuid4().hex[:8]}"
        try:
            os.rename(path, old)
        except OSError:
            old = None
    try:
        os.rename(temp, path)
    except OSError:
        if not path.exists() and old is not None:
            os.rename(old, path)
            old = None
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
