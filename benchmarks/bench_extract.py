"""Time reading an extract: first read (parse, validate, write store) and second (store reused).

    python benchmarks/bench_extract.py [EXTRACT_FOLDER ...]

Without arguments it reads the largest extract under data/sample/. The store goes to a temporary
folder, so the project's data/store/ is left alone.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from selfeval.extract import load_extract
from selfeval.extract.reader import input_files


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in input_files(folder))


def default_folder() -> Path:
    from selfeval.config import data_dir

    candidates = [p for p in (data_dir() / "sample").iterdir() if p.is_dir()]
    if not candidates:
        raise SystemExit("No extract under data/sample/: run `selfeval sample-data data/sample`.")
    return max(candidates, key=folder_bytes)


def bench(folder: Path) -> None:
    with tempfile.TemporaryDirectory() as store_root:
        started = time.perf_counter()
        first = load_extract(folder, store_root=Path(store_root))
        first_s = time.perf_counter() - started
        started = time.perf_counter()
        load_extract(folder, store_root=Path(store_root))
        second_s = time.perf_counter() - started
    rows = sum(len(t) for t in first.tables.values())
    print(
        f"{folder}  ({folder_bytes(folder) / 1e6:.1f} MB, {rows:,} rows used, "
        f"{len(first.quality):,} quality rows)"
    )
    print(f"  first read (parse, validate, write store): {first_s:7.2f} s")
    print(f"  second read (store reused):                {second_s:7.2f} s")


def main(argv: list[str]) -> int:
    folders = [Path(a) for a in argv] or [default_folder()]
    for folder in folders:
        bench(folder)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
