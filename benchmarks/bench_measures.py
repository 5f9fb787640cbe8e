"""Time compute_measures on an extract folder and report peak memory.

    python benchmarks/bench_measures.py data/sample/2022-03-31
    python benchmarks/bench_measures.py --scale 10            # write a sample at that scale first
    python benchmarks/bench_measures.py DIR --replicate 10    # stack the tables 10 times (fast)

Prints the time to read the extract, the time to compute the measures, the rows in and out, and
peak memory (tracemalloc during the computation; the process's max RSS).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

import pandas as pd


def replicate(tables: dict[str, pd.DataFrame], times: int) -> dict[str, pd.DataFrame]:
    """Each table stacked `times` times with ids made distinct (a larger authority)."""
    id_columns = {"child_id", "CHILD", "staff_id", "household_id", "audit_id", "episode_id"}
    out = {}
    for name, frame in tables.items():
        copies = []
        for i in range(times):
            copy = frame.copy()
            for col in id_columns & set(frame.columns):
                copy[col] = copy[col].astype("string") + f"-{i}"
            copies.append(copy)
        out[name] = pd.concat(copies, ignore_index=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("extract", nargs="?", type=Path, help="extract folder")
    parser.add_argument("--scale", type=float, help="write a sample extract at this scale first")
    parser.add_argument("--replicate", type=int, default=1, help="stack the tables N times")
    parser.add_argument("--period-end", type=date.fromisoformat, default=None)
    args = parser.parse_args(argv)

    from selfeval.config import Workspace
    from selfeval.extract import load_extract
    from selfeval.measures import compute_measures, load_catalogue

    if args.extract is None and args.scale is None:
        parser.error("give an extract folder or --scale")
    folder = args.extract
    if args.scale is not None:
        from selfeval.sample_data import write_sample

        tmp = Path(tempfile.mkdtemp(prefix="bench_measures_"))
        t0 = time.perf_counter()
        folder = write_sample(tmp, scale=args.scale, extract_dates=[date(2022, 3, 31)])[-1]
        print(
            f"sample at scale {args.scale:g} written in {time.perf_counter() - t0:.1f}s: {folder}"
        )

    t0 = time.perf_counter()
    workspace = Workspace.find()
    extract = load_extract(folder, store_root=workspace.store_root)
    on_workspace = {
        "settings": workspace.settings(),
        "catalogue": load_catalogue(workspace.params / "measures.yaml"),
    }
    read_s = time.perf_counter() - t0
    tables = replicate(extract.tables, args.replicate) if args.replicate > 1 else extract.tables
    rows_in = sum(len(t) for t in tables.values())
    period_end = args.period_end or extract.extract_date

    t0 = time.perf_counter()
    c0 = time.process_time()
    measures = compute_measures(tables, period_end, **on_workspace)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - c0
    # a second run under tracemalloc for peak memory (tracing slows it, so it is not timed)
    tracemalloc.start()
    compute_measures(tables, period_end, **on_workspace)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"extract:  {folder} (read in {read_s:.1f}s)")
    print(f"input:    {rows_in:,} rows in {len(tables)} tables (x{args.replicate})")
    print(f"measures: {len(measures):,} rows for the period ending {period_end}")
    print(f"compute:  {wall:.2f}s wall, {cpu:.2f}s CPU")
    print(f"memory:   peak {peak / 1e6:.0f} MB allocated while computing; max RSS {rss_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
