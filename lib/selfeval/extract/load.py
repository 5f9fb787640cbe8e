"""`load_extract`: an extract folder's tables, from its parquet store when it is up to date."""

from __future__ import annotations

from pathlib import Path

from selfeval.extract.model import Extract, ExtractError
from selfeval.extract.reader import describe_inputs, read_extract
from selfeval.extract.store import StoreWriter, load_store, store_path


def load_extract(folder: Path, *, store_root: Path | None = None) -> Extract:
    """Read and validate an extract folder. With `store_root` (the workspace's
    `Workspace.store_root`) the tables are kept in, and reused from, the extract's parquet store
    while every input file is unchanged (path, size, sha256); without it nothing is stored."""
    folder = Path(folder)
    if not folder.exists():
        raise ExtractError(f"The extract folder {folder} does not exist.")
    if not folder.is_dir():
        raise ExtractError(f"{folder} is a file; give the extract folder that contains it.")
    try:
        inputs = describe_inputs(folder)
    except OSError as exc:
        raise ExtractError(f"The extract folder {folder} could not be read: {exc}.") from exc
    if store_root is None:
        return read_extract(folder, inputs)
    path = store_path(folder, store_root)
    stored = load_store(path, folder, inputs)
    if stored is not None:
        return stored
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass  # StoreWriter reports it and keeps the tables in memory
    writer = StoreWriter(path)
    try:
        extract = read_extract(folder, inputs, writer)
    except BaseException:
        writer.discard()
        raise
    writer.finish(extract)
    return extract
