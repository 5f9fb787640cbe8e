"""One council x one period: the task a dask worker runs (its whole pack, as `selfeval run`).

What goes back to the scheduler is a `TaskResult` of codes, counts and seconds: never a
traceback, a path's data or a child's identifier. A failure inside the pack is the pack's own
business (its run.log, redacted, or the council's rendered/last-failed-run.log).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

#: one pack at a time per worker process: the pack's log goes through the process's
#: `selfeval` logger, which two packs side by side would share
_PACK_LOCK = threading.Lock()
PROGRESS_TOPIC = "selfeval-progress"


@dataclass(frozen=True)
class CouncilTask:
    council: str
    period_end: date
    extract_dir: Path | None  # None: the council has no extract for this period
    workspace_root: Path
    out: Path  # OUT: the pack goes to OUT/<period_end>/<council>/
    fingerprint: str  # the driver's package_fingerprint()
    jobs: int = 1

    @property
    def label(self) -> str:
        return f"{self.council} {self.period_end.isoformat()}"


@dataclass
class TaskResult:
    council: str
    period_end: str
    exit_code: int
    sections_failed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    worker: str = ""
    message: str = ""
    pid: int = 0
    peak_mb: float = 0.0  # the worker process's peak resident memory (kernels not included)
    kernel_peak_mb: float = 0.0  # the largest kernel (or other child) this worker has waited for


def worker_name() -> str:
    """This worker's address (host and process when not inside a dask worker)."""
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return socket.gethostname()


def peak_memory_mb() -> tuple[float, float]:
    """Peak resident memory (MB) of this process and of its largest waited-for child (Linux)."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return round(own, 1), round(children, 1)


def _progress(event: str, task: CouncilTask, **extra: object) -> None:
    """A progress event to the driver (council code, period, worker process, seconds: nothing
    else; dask adds the worker's address as `worker`)."""
    try:
        from distributed import get_worker

        get_worker().log_event(
            PROGRESS_TOPIC,
            {"event": event, "council": task.council, "period_end": str(task.period_end), **extra},
        )
    except (ImportError, ValueError):
        pass


def run_council_period(task: CouncilTask) -> TaskResult:
    """Build one council's pack for one period and publish it to OUT/<period>/<council>/.

    Never raises: any failure is a `TaskResult` with exit code 2 and a plain reason."""
    from selfeval.cache import package_fingerprint

    worker = f"{worker_name()} pid {os.getpid()}"
    result = TaskResult(task.council, task.period_end.isoformat(), 2, worker=worker)
    result.pid = os.getpid()
    started = time.monotonic()
    with _PACK_LOCK:
        _progress("start", task, process=worker)
        try:
            if package_fingerprint() != task.fingerprint:
                result.message = (
                    "refused: this worker's selfeval code differs from the driver's "
                    "(install the same version on every worker)"
                )
            elif task.extract_dir is None:
                result.message = f"no extract folder data/extracts/{task.period_end.isoformat()}/"
            else:
                _run(task, result)
        except Exception as err:  # noqa: BLE001 - reported by kind only, never with a traceback
            result.exit_code = 2
            result.message = f"the pack could not be built ({type(err).__name__})"
        result.seconds = round(time.monotonic() - started, 1)
        result.peak_mb, result.kernel_peak_mb = peak_memory_mb()
        _progress("end", task, process=worker, seconds=result.seconds, exit_code=result.exit_code)
    return result


def _run(task: CouncilTask, result: TaskResult) -> None:
    import contextlib
    import io

    from selfeval.config import Workspace
    from selfeval.pipeline import RunOptions, run_pack

    staging = task.out / ".packs" / task.council
    options = RunOptions(
        data=task.extract_dir,
        period_end=task.period_end,
        rendered_root=staging,
        jobs=task.jobs,
        workspace=Workspace.find(task.workspace_root),
        command_line=f"selfeval run-many (council {task.council})",
    )
    said = io.StringIO()  # the pack's own progress lines stay on this worker
    with contextlib.redirect_stdout(said), contextlib.redirect_stderr(said):
        run = run_pack(options)
    result.exit_code = run.exit_code
    result.sections_failed = [s.slug for s in run.sections if s.status != "ok"]
    if run.published is None:
        result.message = "nothing was published: " + _reason(said.getvalue())
        return
    target = task.out / task.period_end.isoformat() / task.council
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        shutil.rmtree(target)
    os.replace(run.published, target)
    if run.unusable_tables:
        result.message = f"{len(run.unusable_tables)} input table(s) unusable"
    elif result.sections_failed:
        result.message = f"{len(result.sections_failed)} section(s) failed"


def _reason(output: str) -> str:
    """The kind of problem `selfeval run` reported, without paths or values."""
    text = output.lower()
    if "no extract" in text or "does not exist" in text:
        return "the extract folder is missing"
    if "run failed" in text:
        return "the pack failed (see OUT/.packs/<council>/last-failed-run.log)"
    return "the extract could not be read (run `selfeval validate` on it)"
