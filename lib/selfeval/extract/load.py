"""`load_extract`: an extract folder's tables, from its parquet store when it is up to date."""

from __future__ import annotations

from pathlib import Path

from selfeval.extract.model import Extract, ExtractError
from selfeval.extract.reader import describe_inputs, read_extract
from selfeval.extract.store import StoreWriter, default_store_root, load_store, store_path


def load_extract(
    folder: Path, *, use_store: bool = True, store_root: Path | None = None
) -> Extract:
    """Read and validate an extract folder, reusing its store while the inputs are unchanged."""
    folder = Path(folder)
    if not folder.exists():
        raise ExtractError(f"The extract folder {folder} does not exist.")
    if not folder.is_dir():
        raise ExtractError(f"{folder} is a file; give the extract folder that contains it.")
    try:
        inputs = describe_inputs(folder)
    except OSError as exc:
        raise ExtractError(f"The extract folder {folder} could not be read: {exc}.") from exc
    root = (store_root or default_store_root()) if use_store else None
    if root is not None:
        stored = load_store(store_path(folder, root), folder, inputs)
        if stored is not None:
            return stored
    if root is None:
        return read_extract(folder, inputs)
    path = store_path(folder, root)
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
