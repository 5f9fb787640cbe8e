"""`selfeval run-many` (issue 17): councils of a region on dask.distributed, really run.

Sample councils at scale 0.3 (`selfeval sample-data --seed 1/2/3`), a LocalCluster of two worker
processes, and a `dask scheduler` with two `dask worker` processes on the loopback interface.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from selfeval.config import Workspace
from selfeval.measures.history import as_reported_before, read_history
from selfeval.regional import RegionOptions, run_many
from selfeval.regional.layout import Council, merged_settings, periods_wanted, read_region
from selfeval.sample_data import action_ids, write_sample

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PERIOD = date(2022, 3, 31)
EARLIER = date(2021, 12, 31)

# ---------------------------------------------------------------- the layout (fast)


def test_settings_layers_defaults_then_region_then_council() -> None:
    """region.yaml names the council; the council's own settings.yaml wins; `population`
    stands for population_0_17 (a single number applies to every year)."""
    defaults = {"local_authority": "Southampton", "service": "S", "population_0_17": {2022: 9}}
    council = Council("E1", Path("/r/E1"), name="Alpha", population=40000)
    merged = merged_settings(defaults, council, {})
    assert merged["local_authority"] == "Alpha"
    assert merged["population_0_17"] == {2000: 40000}
    merged = merged_settings(defaults, council, {"name": "Beta", "population": {2021: 5}})
    assert (merged["local_authority"], merged["population_0_17"]) == ("Beta", {2021: 5})
    unnamed = merged_settings(defaults, Council("E2", Path("/r/E2")), {})
    assert unnamed["local_authority"] == "E2"  # never another council's name


def test_periods_in_date_order_and_a_missing_period_is_kept() -> None:
    available = {date(2022, 3, 31): Path("b"), date(2021, 12, 31): Path("a")}
    assert periods_wanted(available, None, None) == [date(2022, 3, 31)]
    assert periods_wanted(available, None, (date(2021, 1, 1), date(2022, 12, 31))) == [
        date(2021, 12, 31),
        date(2022, 3, 31),
    ]
    assert periods_wanted(available, date(2020, 3, 31), None) == [date(2020, 3, 31)]


def test_a_bad_region_yaml_is_a_clear_error(tmp_path) -> None:
    from selfeval.errors import UserError

    (tmp_path / "region.yaml").write_text("councils: [a, b]\n")
    with pytest.raises(UserError, match="councils"):
        read_region(tmp_path)


def test_selfeval_run_does_not_import_dask() -> None:
    code = "import sys, selfeval.cli, selfeval.pipeline; print('dask' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "lib")}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr


# ---------------------------------------------------------------- real runs


def make_council(region: Path, code: str, seed: int, dates=(PERIOD,)) -> Path:
    write_sample(
        region / code / "data" / "extracts",
        seed=seed,
        scale=0.3,
        extract_dates=dates,
        actions=action_ids(ROOT / "params" / "priorities"),
    )
    return region / code


def mask(html: str) -> str:
    """A page with its timestamps, papermill cell ids and command line masked."""
    html = re.sub(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?(\.\d+)?", "<time>", html)
    html = re.sub(r"cell-id=[0-9a-f-]+", "cell-id=<cell>", html)
    html = re.sub(r'id="[0-9a-f-]{8,}"', 'id="<cell>"', html)
    return re.sub(r"selfeval run[^<\"]*", "selfeval <command>", html)


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    """Councils C1-C3 and BROKEN (no extract for the period) on a LocalCluster of 2 workers."""
    region = tmp_path_factory.mktemp("region")
    for seed in (1, 2, 3):
        make_council(region, f"C{seed}", seed)
    make_council(region, "BROKEN", 4, dates=(EARLIER,))
    (region / "region.yaml").write_text(
        "name: Test region\ncouncils:\n"
        "  C1: {name: Council One, population: 30000, la_code: 852}\n"
        "  C2: {la_code: 851}\n  C3: {la_code: 331}\n  BROKEN: {la_code: 831}\n"
    )
    out = region / "out"
    code = run_many(
        RegionOptions(region, period_end=PERIOD, workers=2, out=out, workspace=Workspace.find())
    )
    return region, out / PERIOD.isoformat(), code


@pytest.mark.regional
def test_a_broken_council_is_reported_and_the_others_publish(local_run) -> None:
    region, folder, code = local_run
    assert code == 1
    status = pd.read_csv(folder / "status.csv", keep_default_na=False)
    by_council = status.set_index("council")
    assert list(by_council.index) == ["BROKEN", "C1", "C2", "C3"]
    assert by_council.loc["BROKEN", "exit_code"] == 2
    assert "no extract" in by_council.loc["BROKEN", "reason"]
    assert (by_council.loc[["C1", "C2", "C3"], "exit_code"] == 0).all()
    for council in ("C1", "C2", "C3"):
        assert (folder / council / "index.html").is_file()
    index = (folder / "index.html").read_text("utf-8")
    assert "Failed" in index and "Council One" in index
    assert "Traceback" not in index + (folder / "status.csv").read_text("utf-8")


@pytest.mark.regional
def test_packs_were_built_in_worker_processes(local_run) -> None:
    _, folder, _ = local_run
    status = pd.read_csv(folder / "status.csv", keep_default_na=False)
    pids = {int(w.rsplit(" ", 1)[1]) for w in status["worker"] if "pid" in w}
    assert pids and os.getpid() not in pids


@pytest.mark.regional
def test_a_regional_pack_equals_selfeval_run_on_the_same_council(local_run, tmp_path) -> None:
    region, folder, _ = local_run
    council = region / "C1"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "lib"),
        "SELFEVAL_ROOT": str(council / ".workspace"),
    }
    done = subprocess.run(
        [str(BIN / "selfeval"), "run", "--data", str(council / "data" / "extracts" / "2022-03-31"),
         "--period-end", "2022-03-31", "--out", str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    single = tmp_path / "2022-03-31"
    pages = sorted(p.name for p in single.glob("*.html"))
    assert pages == sorted(p.name for p in (folder / "C1").glob("*.html"))
    assert len(pages) >= 12
    for page in pages:
        ours = mask((folder / "C1" / page).read_text("utf-8"))
        theirs = mask((single / page).read_text("utf-8"))
        assert ours == theirs, page
    assert "Council One" in (single / "index.html").read_text("utf-8")


@pytest.mark.regional
def test_comparison_is_offline_names_every_council_and_hides_small_numbers(local_run) -> None:
    _, folder, _ = local_run
    page = (folder / "comparison.html").read_text("utf-8")
    assert not re.search(r"(src|href)=[\"']?(https?:)?//", page)
    assert "http://" not in page and "https://" not in page
    for name in ("Council One", "Portsmouth", "Coventry"):  # C2, C3 named by their LA code
        assert name in page
    assert page.count("<svg") >= 3
    # each council's published DfE figures by its own LA code, beside its in-year figure
    assert "Published figures: where each council sits in England" in page
    assert "In-year figure (not yet published)" in page and "Quartile (A best)" in page
    every = pd.read_csv(folder / "measures_all.csv")
    assert set(every["council"]) == {"C1", "C2", "C3"}
    value = pd.to_numeric(every["value"], errors="coerce")
    denominator = pd.to_numeric(every["denominator"], errors="coerce")
    assert not ((every["unit"] == "count") & (value < 5)).any()
    assert not ((every["unit"] == "pct") & (denominator < 5)).any()
    assert (every["rag"] == "suppressed").any()  # small numbers exist at scale 0.3


# ---------------------------------------------------------------- a real cluster


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.regional
def test_a_dask_cluster_with_a_killed_worker_and_two_periods(local_run, tmp_path) -> None:
    """`dask scheduler` + two `dask worker` processes (loopback, no nanny) and a third running
    different selfeval code (refused); one worker is killed while it builds a pack: the council
    is run again on the other. C1 has two periods:
    the later pack's history holds the earlier one "as reported last quarter"."""
    _, local_folder, _ = local_run
    region = tmp_path / "region"
    make_council(region, "C1", 1, dates=(EARLIER, PERIOD))
    make_council(region, "C2", 2)
    (region / "region.yaml").write_text("councils:\n  C1: {la_code: 852}\n  C2: {la_code: 851}\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "lib")}
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [
        subprocess.Popen(
            [str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
             "--no-dashboard"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
    ]  # fmt: skip
    try:
        time.sleep(3)
        workers = {}
        for _ in range(2):
            wport = free_port()
            proc = subprocess.Popen(
                [str(BIN / "dask"), "worker", address, "--nthreads", "1", "--no-nanny",
                 "--host", "127.0.0.1", "--worker-port", str(wport), "--no-dashboard"],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            procs.append(proc)
            workers[f"tcp://127.0.0.1:{wport}"] = proc
        # a third worker runs different selfeval code: refused, never given a council
        other = tmp_path / "otherlib"
        shutil.copytree(ROOT / "lib" / "selfeval", other / "selfeval")
        with (other / "selfeval" / "__init__.py").open("a", encoding="utf-8") as handle:
            handle.write("# a different version\n")
        refused_port = free_port()
        procs.append(
            subprocess.Popen(
                [str(BIN / "dask"), "worker", address, "--nthreads", "1", "--no-nanny",
                 "--host", "127.0.0.1", "--worker-port", str(refused_port), "--no-dashboard"],
                env={**env, "PYTHONPATH": str(other)},
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
        )  # fmt: skip
        time.sleep(8)
        driver = subprocess.Popen(
            [str(BIN / "selfeval"), "run-many", str(region), "--periods",
             "2021-12-31:2022-03-31", "--scheduler", address, "--out", str(tmp_path / "out")],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        lines, killed = [], None
        for line in driver.stdout:
            lines.append(line)
            started = re.match(r"started  C2 \S+ on (tcp://\S+) pid", line)
            if started and killed is None:
                time.sleep(8)  # mid-pack
                killed = started.group(1)
                workers[killed].send_signal(signal.SIGKILL)
        code = driver.wait(timeout=60)
        output = "".join(lines)
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()
    assert killed, output
    assert code == 0, output
    assert f"refused  worker tcp://127.0.0.1:{refused_port}" in output
    assert output.count("started  C2 2022-03-31") == 2  # run again after its worker died
    assert "Total: 3/3" in output
    status = pd.read_csv(tmp_path / "out" / "2022-03-31" / "status.csv", keep_default_na=False)
    c2 = status.set_index("council").loc["C2"]
    assert killed not in c2["worker"] and c2["exit_code"] == 0
    assert not status["worker"].str.contains(f":{refused_port} ").any()
    # the same pack as the LocalCluster's C2
    for page in ("index.html", "01_assessment_intervention.html", "comparison.html"):
        if page == "comparison.html":
            continue
        ours = mask((tmp_path / "out" / "2022-03-31" / "C2" / page).read_text("utf-8"))
        assert ours == mask((local_folder / "C2" / page).read_text("utf-8")), page
    # two periods of C1: the later pack's "as reported last quarter" is the earlier pack
    history = read_history(region / "C1" / "data" / "history")
    before = as_reported_before(history, PERIOD)
    assert set(before["reported_period_end"].dt.date) == {EARLIER}
    earlier = pd.read_csv(tmp_path / "out" / "2021-12-31" / "C1" / "measures.csv")
    earlier = earlier[earlier["period_type"].isin(["quarter", "snapshot"])]
    before = before.assign(breakdown=before["breakdown"].fillna("").astype(str))
    earlier = earlier.assign(breakdown=earlier["breakdown"].fillna("").astype(str))
    merged = before.merge(earlier, on=["measure_id", "period_type", "breakdown"], how="inner")
    assert len(merged) > 10
    assert (merged["value_x"].fillna(-1) == merged["value_y"].fillna(-1)).all()
