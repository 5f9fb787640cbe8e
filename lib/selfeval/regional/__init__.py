"""`selfeval run-many`: every council of a region, every period, on dask.distributed.

One council x one period is one task (`tasks.run_council_period`, its whole pack); councils run
in parallel, the periods of one council in date order (the next is submitted when the one
before it has ended, so its history holds "as reported last quarter"). With no scheduler an
embedded `LocalCluster` of worker processes is started (half the cores, one thread each, no
dashboard). A worker whose selfeval code differs from the driver's is refused; a task whose
worker dies is submitted once more, then recorded as failed. Regional outputs: `outputs.py`.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from selfeval.config import Workspace
from selfeval.errors import UserError
from selfeval.regional.layout import (
    Region,
    extract_periods,
    periods_wanted,
    prepare_workspace,
    read_region,
)
from selfeval.regional.tasks import PROGRESS_TOPIC, CouncilTask, TaskResult, run_council_period

EXIT_OK, EXIT_PARTIAL, EXIT_NOTHING = 0, 1, 2


@dataclass
class RegionOptions:
    region: Path
    period_end: date | None = None
    periods: tuple[date, date] | None = None
    scheduler: str | None = None
    workers: int | None = None  # default: half the cores
    suppress_below: int = 5
    out: Path | None = None  # default: REGION/rendered
    workspace: Workspace | None = None  # the project whose params are the defaults


def default_workers() -> int:
    return max(1, (os.cpu_count() or 2) // 2)


def _say(message: str) -> None:
    print(message, flush=True)


def plan_tasks(region: Region, options: RegionOptions, fingerprint: str, jobs: int) -> dict:
    """Each council's tasks, oldest period first (workspaces made ready on the way)."""
    workspace = options.workspace or Workspace.find()
    defaults = region.folder / "params"
    defaults = defaults if (defaults / "settings.yaml").is_file() else workspace.params
    out = Path(options.out or region.folder / "rendered").resolve()
    plan: dict[str, list[CouncilTask]] = {}
    for council in region.councils:
        available = extract_periods(council)
        root = prepare_workspace(council, defaults, workspace.notebooks)
        plan[council.code] = [
            CouncilTask(
                council.code, period, available.get(period), root, out, fingerprint, jobs=jobs
            )
            for period in periods_wanted(available, options.period_end, options.periods)
        ]
    return plan


def _client(options: RegionOptions):
    """A client of the given scheduler, else of a new LocalCluster (and the cluster to close)."""
    import dask
    from distributed import Client, LocalCluster

    if options.scheduler:
        try:
            return Client(options.scheduler, timeout="20s"), None
        except (OSError, TimeoutError) as err:
            raise UserError(
                f"Cannot reach the dask scheduler at {options.scheduler} ({type(err).__name__})."
            ) from None
    # worker deaths are counted by this driver (one retry), not by the scheduler
    dask.config.set({"distributed.scheduler.allowed-failures": 0})
    cluster = LocalCluster(
        n_workers=options.workers or default_workers(),
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=40,
    )
    return Client(cluster), cluster


def check_workers(client, fingerprint: str) -> tuple[list[str], int]:
    """The workers running the same selfeval code as the driver (the others are named and
    refused), and how many workers there are."""
    from selfeval.cache import package_fingerprint

    found = client.run(package_fingerprint)
    good = sorted(w for w, fp in found.items() if fp == fingerprint)
    for worker in sorted(set(found) - set(good)):
        _say(f"refused  worker {worker}: its selfeval code differs from this driver's")
    return good, len(found)


def run_many(options: RegionOptions) -> int:
    """Run every council-period of the region; write the regional outputs; 0/1/2."""
    from selfeval.cache import package_fingerprint
    from selfeval.regional.outputs import write_period_outputs

    started = time.monotonic()
    region = read_region(options.region)
    fingerprint = package_fingerprint()
    client, cluster = _client(options)
    try:
        good, total = check_workers(client, fingerprint)
        if not good:
            _say("selfeval run-many: no worker runs the same selfeval code as this driver.")
            return EXIT_NOTHING
        cores = os.cpu_count() or 1
        jobs = max(1, cores // len(good)) if cluster is not None else 2
        plan = plan_tasks(region, options, fingerprint, jobs)
        _say(f"{region.name}: {len(plan)} councils on {len(good)} workers")
        results = _run_plan(client, plan, restrict=good if len(good) < total else None)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    by_period: dict[str, list[TaskResult]] = {}
    for result in results:
        by_period.setdefault(result.period_end, []).append(result)
    out = Path(options.out or region.folder / "rendered").resolve()
    for period, rows in sorted(by_period.items()):
        write_period_outputs(out / period, region, rows, options.suppress_below)
        _say(f"Regional pages: {out / period / 'index.html'}")
    published = [r for r in results if r.exit_code in (0, 1)]
    clean = all(r.exit_code == 0 for r in results) and results
    _say(
        f"Total: {len(published)}/{len(results)} council-periods published in "
        f"{time.monotonic() - started:.1f}s"
    )
    if not published:
        return EXIT_NOTHING
    return EXIT_OK if clean else EXIT_PARTIAL


def _run_plan(client, plan: dict[str, list[CouncilTask]], restrict: list[str] | None) -> list:
    """Submit each council's first task; as each ends, its next period; a task whose worker
    died is submitted once more."""
    from distributed import as_completed

    client.subscribe_topic(PROGRESS_TOPIC, _progress_line)
    queues = {code: list(tasks) for code, tasks in plan.items() if tasks}
    results: list[TaskResult] = []
    retried: set[str] = set()
    futures = as_completed()
    owner: dict = {}

    def submit(task: CouncilTask, attempt: int = 0) -> None:
        future = client.submit(
            run_council_period,
            task,
            key=f"selfeval-{task.council}-{task.period_end.isoformat()}-{attempt}-{time.time_ns()}",
            workers=restrict,
            allow_other_workers=False,
            pure=False,
        )
        owner[future.key] = task
        futures.add(future)

    for tasks in queues.values():
        submit(tasks.pop(0))
    for future in futures:
        task = owner.pop(future.key)
        if future.status == "finished":
            result = future.result()
        elif task.label not in retried:
            retried.add(task.label)
            _say(f"retry    {task.label}: its worker stopped")
            submit(task, attempt=1)
            continue
        else:
            result = TaskResult(
                task.council,
                task.period_end.isoformat(),
                2,
                message="its worker stopped twice (killed or out of memory)",
            )
            _say(f"failed   {task.label}: {result.message}")
        results.append(result)
        future.release()
        if queues.get(task.council):
            submit(queues[task.council].pop(0))
    client.unsubscribe_topic(PROGRESS_TOPIC)
    return results


def _progress_line(event: tuple[float, dict]) -> None:
    """One line as a council-period starts and as it ends (worker, seconds)."""
    msg = event[1]
    label = f"{msg.get('council')} {msg.get('period_end')}"
    if msg.get("event") == "start":
        _say(f"started  {label} on {msg.get('process') or msg.get('worker')}")
    else:
        status = {0: "ok", 1: "partial"}.get(msg.get("exit_code"), "failed")
        where = msg.get("process") or msg.get("worker")
        _say(f"ended    {label} {status} on {where} in {msg.get('seconds')}s")


def main_options(args) -> RegionOptions:
    return RegionOptions(
        region=args.region,
        period_end=args.period_end,
        periods=args.periods,
        scheduler=args.scheduler,
        workers=args.workers,
        suppress_below=args.suppress_below,
        out=args.out,
    )
