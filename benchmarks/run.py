"""`make bench`: the pack against the naive way and against the floor; measures at scale.

Prints, in one run on this machine:
- the full pack's wall time on the sample extract (`selfeval run`): a first run on the extract
  (nothing kept) and a rerun (which reuses the measures and charts the first run kept);
- the naive baseline: `selfeval measures`, then each notebook as a separate `papermill` CLI
  process followed by a separate `jupyter nbconvert --to html --no-input` process;
- the floor: as many notebooks that only import pandas and seaborn and draw one chart, run and
  rendered by the pack's own runner;
- the ratios pack / baseline and pack / floor, for first runs and reruns (pack / floor as the
  median over rounds of each pack run against the floor run of its round);
- the CPU seconds of pack and floor (all their processes), which vary less than wall time on a
  shared machine;
- `selfeval measures` time and peak memory at --scale 1, 10 and 30 (first read and store reused).

Usage: python benchmarks/run.py [--scales 1,10,30] [--skip-baseline] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# Issue 10 set the rerun targets; issue 18 the first run's (at most 2 x the floor).
TARGETS = {"pack/baseline": 0.25, "pack/floor": 1.5, "first/floor": 2.0, "first/baseline": 0.25}


def cpu_seconds() -> float:
    """CPU seconds (user + system) used so far by this process and every process it waited
    for, kernels included."""
    return sum(
        usage.ru_utime + usage.ru_stime
        for usage in (
            resource.getrusage(resource.RUSAGE_SELF),
            resource.getrusage(resource.RUSAGE_CHILDREN),
        )
    )


@dataclass
class Timing:
    wall: float
    cpu: float


def timed(cmd: list[str], **kwargs) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        print(done.stdout[-2000:], done.stderr[-4000:], sep="\n", file=sys.stderr)
        raise SystemExit(f"benchmark step failed: {' '.join(cmd)}")
    return seconds, done


def sample_extract() -> Path:
    from selfeval.config import resolve_extract_dir

    return resolve_extract_dir(ROOT / "data" / "sample")


def pack_time(extract: Path, out: Path) -> Timing:
    cpu = cpu_seconds()
    seconds, _ = timed([str(BIN / "selfeval"), "run", "--data", str(extract), "--out", str(out)])
    return Timing(seconds, cpu_seconds() - cpu)


def baseline_time(extract: Path, period_end: str, work: Path) -> float:
    """The naive way: one process per notebook execution and one per HTML conversion."""
    start = time.perf_counter()
    measures = work / "measures.csv"
    timed(
        [
            str(BIN / "selfeval"),
            "measures",
            "--data",
            str(extract),
            "--period-end",
            period_end,
            "--out",
            str(measures),
        ]
    )
    for notebook in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        priority = notebook.stem.split("_", 1)[1]
        executed = work / notebook.name
        timed(
            [
                str(BIN / "papermill"),
                str(notebook),
                str(executed),
                "-k",
                "python3",
                "-p",
                "period_end",
                period_end,
                "-p",
                "extract_dir",
                str(extract),
                "-p",
                "priority_id",
                priority,
                "-p",
                "output_dir",
                str(work),
                "--no-progress-bar",
            ],
            cwd=notebook.parent,
        )
        timed([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)])
    return time.perf_counter() - start


# The kernel's own (inline) backend, so the chart is rendered into the notebook as a PNG like
# a real page's chart; with matplotlib.use("Agg") plt.show() would draw nothing.
FLOOR_SOURCE = """\
import pandas as pd
import seaborn as sns
import matplotlib.pyplot as plt
frame = pd.DataFrame({"month": range(24), "value": [v % 7 for v in range(24)]})
sns.lineplot(data=frame, x="month", y="value")
plt.show()
"""

FLOOR_IMPORTS = ("pandas", "seaborn", "matplotlib.pyplot")


def floor_time(count: int, work: Path, jobs: int) -> Timing:
    """Notebooks that only import pandas/seaborn and draw one chart, through the pack's runner."""
    import nbformat

    from selfeval import publish
    from selfeval.kernels import KernelSupply
    from selfeval.pages import load_page_config
    from selfeval.pipeline import RunOptions, Section, _execute_and_render, pack_text

    folder = work / "floor"
    folder.mkdir(parents=True)
    sections = []
    for i in range(count):
        nb = nbformat.v4.new_notebook()
        params = nbformat.v4.new_code_cell(
            'period_end = ""\nextract_dir = ""\npriority_id = ""\noutput_dir = ""'
        )
        params.metadata["tags"] = ["parameters"]
        nb.cells = [params, nbformat.v4.new_code_cell(FLOOR_SOURCE)]
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        path = folder / f"{i:02d}_floor.ipynb"
        nbformat.write(nb, path)
        sections.append(Section(path, path.stem, "floor", f"Floor {i}"))
    build = work / "floor-build"
    build.mkdir()
    nav = [publish.NavItem(s.title, s.href) for s in sections]
    info = {
        "local_authority": "Benchmark",
        "period_end": "",
        "period_label": "",
        "extract_date": "",
        "generated_at": "",
        "selfeval_version": "",
        "command": "bench",
        "service": "",
    }
    start, cpu = time.perf_counter(), cpu_seconds()
    # The pack's kernel supply too, warming what the floor imports (not selfeval).
    with KernelSupply(count, folder, modules=FLOOR_IMPORTS, ahead=jobs) as supply:
        _execute_and_render(
            build,
            sections,
            {"period_end": "", "extract_dir": "", "output_dir": ""},
            nav,
            info,
            pack_text(load_page_config(ROOT / "params" / "pages.yaml")),
            RunOptions(jobs=jobs),
            supply,
        )
    timing = Timing(time.perf_counter() - start, cpu_seconds() - cpu)
    failed = [s.slug for s in sections if s.status != "ok"]
    if failed:
        raise SystemExit(f"floor notebooks failed: {failed}")
    chartless = [s.slug for s in sections if "data:image/png" not in (build / s.href).read_text()]
    if chartless:
        raise SystemExit(f"floor notebooks drew no chart: {chartless}")
    return timing


def measures_at_scale(scale: float, work: Path) -> dict[str, float]:
    """`selfeval measures` wall time and peak memory (first read, then with the store reused)."""
    folder = work / f"scale-{scale:g}"
    gen_seconds, _ = timed(
        [str(BIN / "selfeval"), "sample-data", str(folder), "--scale", str(scale)]
    )
    from selfeval.config import latest_dated_folder

    extract = latest_dated_folder(folder)
    rows = {}
    for label in ("first", "reused"):
        cmd = [
            str(BIN / "python"),
            "-c",
            "import resource, sys, time\n"
            "from selfeval.cli import main\n"
            "t = time.perf_counter()\n"
            f"code = main(['measures', '--data', {str(extract)!r}, "
            f"'--out', {str(folder / 'm.csv')!r}])\n"
            "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
            "print(f'BENCH {time.perf_counter() - t:.2f} {peak:.0f}')\n"
            "sys.exit(code)\n",
        ]
        env = {**os.environ, "SELFEVAL_ROOT": str(ROOT)}
        _, done = timed(cmd, env=env)
        line = next(x for x in done.stdout.splitlines() if x.startswith("BENCH "))
        _, seconds, peak_mb = line.split()
        rows[f"{label}_s"] = float(seconds)
        rows[f"{label}_peak_mb"] = float(peak_mb)
    rows["generate_s"] = gen_seconds
    _remove_store(extract)
    return rows


def _remove_kept_results(extract: Path) -> None:
    """Drop the measures and charts earlier runs kept beside the extract's store."""
    from selfeval.config import Workspace

    workspace = Workspace.find(ROOT)
    shutil.rmtree(workspace.chart_folder(extract), ignore_errors=True)
    for kept in workspace.store(extract).glob("measures-*.pickle"):
        kept.unlink()


def _remove_store(extract: Path) -> None:
    """Drop the benchmark extract's parquet store (it is child-level and can be large)."""
    from selfeval.config import Workspace

    shutil.rmtree(Workspace.find(ROOT).store(extract), ignore_errors=True)


def paired(runs: list[Timing], floors: list[Timing]) -> float:
    """The median of each run's wall time over the floor's in the same round."""
    return statistics.median(r.wall / f.wall for r, f in zip(runs, floors, strict=True))


def spread(timings: list[Timing]) -> str:
    return ", ".join(f"{t.wall:.1f}" for t in timings)


def growth(rows: dict[float, dict[str, float]], key: str) -> str:
    """How `key` grows with the data: time ratio against scale ratio, smallest to largest."""
    scales = sorted(rows)
    if len(scales) < 2:
        return "one scale only"
    low, high = scales[0], scales[-1]
    data_ratio = high / low
    time_ratio = rows[high][key] / rows[low][key]
    verdict = "meets" if time_ratio <= data_ratio else "MISSES"
    return (
        f"x{data_ratio:g} data -> x{time_ratio:.1f} time "
        f"({verdict} target: no faster than the data)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10,30")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument(
        "--repeats",
        type=int,
        default=5,
        help="rounds of floor, first pack run and rerun (medians are reported)",
    )
    args = parser.parse_args()
    jobs = os.cpu_count() or 1
    print(
        f"selfeval benchmark {date.today()} on {platform.node()}: {jobs} cores, "
        f"Python {platform.python_version()}, {platform.machine()}"
    )
    extract = sample_extract()
    # Bytecode for selfeval, as Python writes it by default (a machine that sets
    # PYTHONDONTWRITEBYTECODE would otherwise compile the package in every kernel).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "lib")], check=True)
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    with tempfile.TemporaryDirectory(prefix="selfeval-bench-") as tmp:
        work = Path(tmp)
        # Warm the parquet store so the pack and the baseline both read it, as analysts do.
        timed([str(BIN / "selfeval"), "validate", str(extract), "--out", str(work / "dq.csv")])
        # Each round: the floor, a first run on the extract (nothing kept), then a rerun (the
        # measures and charts the first run kept are reused, as when an analyst reruns
        # the pack while writing commentary). Each pack run is compared with the floor run of
        # its round, so a slow spell on a shared machine slows both sides of a ratio; the
        # medians of those ratios are the verdicts.
        firsts, packs, floors = [], [], []
        for attempt in range(args.repeats):
            floors.append(floor_time(len(notebooks), work / f"floor-{attempt}", jobs))
            _remove_kept_results(extract)
            firsts.append(pack_time(extract, work / "rendered"))
            packs.append(pack_time(extract, work / "rendered"))
        first = statistics.median(t.wall for t in firsts)
        pack = statistics.median(t.wall for t in packs)
        floor = statistics.median(t.wall for t in floors)
        print(
            f"pack      selfeval run ({len(notebooks)} notebooks, --jobs {jobs}), first run on "
            f"the extract: {first:5.1f} s  (median of {spread(firsts)})"
        )
        print(
            f"pack      rerun (measures and charts kept): {pack:5.1f} s  "
            f"(median of {spread(packs)})"
        )
        print(
            f"floor     {len(notebooks)} import-and-one-chart notebooks, same runner: "
            f"{floor:5.1f} s  (median of {spread(floors)})"
        )
        print(
            "cpu       medians, all processes: "
            + ", ".join(
                f"{name} {statistics.median(t.cpu for t in runs):.1f} s"
                for name, runs in (("first run", firsts), ("rerun", packs), ("floor", floors))
            )
        )
        ratios = {
            "pack/floor": paired(packs, floors),
            "first/floor": paired(firsts, floors),
        }
        if not args.skip_baseline:
            period_end = extract.name
            base_dir = work / "baseline"
            base_dir.mkdir()
            _remove_kept_results(extract)  # the naive way draws every chart
            baseline = baseline_time(extract, period_end, base_dir)
            print(
                f"baseline  measures + papermill CLI + nbconvert CLI per notebook: "
                f"{baseline:7.1f} s"
            )
            ratios["pack/baseline"] = pack / baseline
            ratios["first/baseline"] = first / baseline
        for name, ratio in ratios.items():
            verdict = "meets" if ratio <= TARGETS[name] else "MISSES"
            print(f"ratio     {name:<14} {ratio:5.2f}  ({verdict} target <= {TARGETS[name]})")
        print("measures  scale   first read s   peak MB   store reused s   peak MB   sample-data s")
        rows = {}
        for scale in (float(s) for s in args.scales.split(",")):
            row = rows[scale] = measures_at_scale(scale, work)
            print(
                f"measures  {scale:5g}   {row['first_s']:12.2f}   {row['first_peak_mb']:7.0f}"
                f"   {row['reused_s']:14.2f}   {row['reused_peak_mb']:7.0f}"
                f"   {row['generate_s']:13.1f}"
            )
        print(f"growth    first read:   {growth(rows, 'first_s')}")
        print(f"growth    store reused: {growth(rows, 'reused_s')}")
        peak = max(rows[max(rows)]["first_peak_mb"], rows[max(rows)]["reused_peak_mb"])
        verdict = "meets" if peak < 2048 else "MISSES"
        print(f"memory    peak {peak:.0f} MB at --scale {max(rows):g} ({verdict} target < 2048 MB)")
        shutil.rmtree(work / "rendered", ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
