"""`make bench` (regional): `selfeval run-many` against a loop of `selfeval run`, same councils.

Prints, on this machine: councils per minute for a regional run of N sample councils
(`selfeval sample-data --seed 1..N`, one quarter each) on an embedded LocalCluster, and for a
shell-style loop of `selfeval run` over copies of the same councils (each arm on fresh copies:
nothing kept from the other); the peak memory of each worker process and of its largest kernel
(status.csv); and a projection for 153 councils x 4 quarters on 16 cores, scaling the measured
rate per core linearly (an estimate: it assumes the disk and memory keep up).

Usage: python benchmarks/bench_regional.py [--councils 6] [--scale 0.3] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PERIOD = date(2022, 3, 31)


def make_region(folder: Path, councils: int, scale: float) -> Path:
    """N councils, seeds 1..N, one extract each (the period end)."""
    from selfeval import dfe_la
    from selfeval.sample_data import action_ids, write_sample

    codes = [852, *dfe_la.la_profile(852).neighbours]  # each council its own DfE LA code
    entries = []
    for seed in range(1, councils + 1):
        extracts = folder / f"C{seed:02d}" / "data" / "extracts"
        write_sample(
            extracts,
            seed=seed,
            scale=scale,
            extract_dates=(PERIOD,),
            actions=action_ids(ROOT / "params" / "priorities"),
        )
        entries.append(f"  C{seed:02d}: {{la_code: {codes[(seed - 1) % len(codes)]}}}\n")
    (folder / "region.yaml").write_text("councils:\n" + "".join(entries), encoding="utf-8")
    return folder


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT / "lib")}


def run_loop(region: Path) -> float:
    """`selfeval run` once per council, one after another (the way a hub scripts it today)."""
    from selfeval.config import Workspace
    from selfeval.regional.layout import prepare_workspace, read_region

    project = Workspace.find(ROOT)
    started = time.perf_counter()
    for council in read_region(region).councils:
        root = prepare_workspace(council, project.params, project.notebooks)
        done = subprocess.run(
            [str(BIN / "selfeval"), "run", "--data", str(council.folder / "data" / "extracts"),
             "--period-end", PERIOD.isoformat(), "--out", str(council.folder / "rendered")],
            env={**env(), "SELFEVAL_ROOT": str(root)}, capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(f"selfeval run failed for {council.code}:\n{done.stderr}")
    return time.perf_counter() - started


def run_regional(region: Path, workers: int | None) -> tuple[float, pd.DataFrame]:
    cmd = [str(BIN / "selfeval"), "run-many", str(region), "--period-end", PERIOD.isoformat()]
    cmd += ["--workers", str(workers)] if workers else []
    started = time.perf_counter()
    done = subprocess.run(cmd, env={**env(), "SELFEVAL_ROOT": str(ROOT)}, capture_output=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"selfeval run-many failed:\n{done.stdout.decode()[-2000:]}")
    status = pd.read_csv(region / "rendered" / PERIOD.isoformat() / "status.csv")
    return seconds, status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--councils", type=int, default=6)
    parser.add_argument("--scale", type=float, default=0.3)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "lib"))
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="selfeval-bench-regional-") as tmp:
        loop_region = make_region(Path(tmp) / "loop", args.councils, args.scale)
        many_region = make_region(Path(tmp) / "many", args.councils, args.scale)
        loop_s = run_loop(loop_region)
        many_s, status = run_regional(many_region, args.workers)
    n = args.councils
    loop_rate, many_rate = n / loop_s * 60, n / many_s * 60
    workers = status["worker"].str.split(" pid ").str[0].nunique()
    per_core = many_rate / cores
    projected_minutes = 153 * 4 / (per_core * 16)
    print(f"regional benchmark: {n} sample councils at scale {args.scale}, {cores} cores")
    print(f"  loop of selfeval run  {loop_s:7.1f} s  {loop_rate:5.2f} councils/minute")
    print(f"  selfeval run-many     {many_s:7.1f} s  {many_rate:5.2f} councils/minute "
          f"({workers} workers; x{many_rate / loop_rate:.2f} the loop)")  # fmt: skip
    print(f"  peak memory per worker process {status['worker_peak_mb'].max():.0f} MB, "
          f"largest kernel {status['kernel_peak_mb'].max():.0f} MB")  # fmt: skip
    print(f"  projection: 153 councils x 4 quarters on 16 cores = {projected_minutes:.0f} minutes "
          f"({per_core:.2f} councils/minute per core, scaled linearly)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
