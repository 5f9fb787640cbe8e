"""The pack run's second Python process: part of the measures, then every chart drawn.

A first run on an extract has two slow things besides the notebooks themselves:

- the measures, computed before any notebook can start while the kernels wait ready: the
  runner hands part of them to this process (`Worker.submit`) and computes the rest itself;
- the charts: drawing in every kernel would cost each of them matplotlib and seaborn's import
  (about 0.6 s of CPU) and cold font caches, for a handful of charts each. So a kernel started
  with `REQUESTS_ENV` set does not draw a chart that is not kept: it leaves a request in that
  folder (`request`) and shows a placeholder. This process draws requests as they arrive
  (`serve`); when a notebook has run, the runner puts each drawn chart in place of its
  placeholder (`fill_charts`). In JupyterLab nothing is deferred: charts are drawn where asked.

Whatever the worker does not finish (it failed, or stopped) the runner does itself, so a
failure raises its error in the runner as it would have without a worker.
"""

from __future__ import annotations

import html
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from selfeval.cache import read_kept, write_kept
from selfeval.charts import Chart, to_data_uri
from selfeval.kernels import in_background

log = logging.getLogger("selfeval")

#: environment variable naming the folder a kernel leaves its chart requests in
REQUESTS_ENV = "SELFEVAL_CHART_REQUESTS"
#: what a chart not drawn yet shows, to be replaced by its SVG, data URI or alt text
_SVG_MARK = "selfeval-chart-svg-"
_URI_MARK = "selfeval-chart-uri-"
_ALT_MARK = "selfeval-chart-alt-"
_MARKS = re.compile(r"selfeval-chart-(svg|uri|alt)-([0-9a-f]{64})")
_NO_MORE_JOBS = "no-more-jobs"
#: how often the worker looks for new requests and the runner for drawn charts (seconds)
POLL = 0.02


def requests_folder() -> Path | None:
    """The folder this process leaves chart requests in (None: draw charts here)."""
    folder = os.environ.get(REQUESTS_ENV)
    return Path(folder) if folder else None


def request(
    folder: Path, key: str, name: str, args: tuple, kwargs: dict, kept: Path | None
) -> PendingChart | None:
    """Leave chart `name(*args, **kwargs)` to the worker; its placeholder ``Chart``, or None
    when the request cannot be written (the caller then draws it)."""
    path = folder / f"{key}.request"
    try:
        write_kept(path, key, (name, args, kwargs, kept))
    except Exception:  # noqa: BLE001 - arguments that do not pickle: drawn by the caller
        log.debug("Chart request %s not written", key, exc_info=True)
        return None
    if not path.is_file():
        return None
    return PendingChart(None, _ALT_MARK + key, _SVG_MARK + key)


class PendingChart(Chart):
    """A chart left to the worker: shown however a chart is shown (`show_chart`, or as HTML),
    it leaves marks that `fill_charts` replaces."""

    def data_uri(self) -> str:
        return _URI_MARK + self.alt_text.removeprefix(_ALT_MARK)


def draw_request(folder: Path, key: str) -> tuple[str, str]:
    """Draw a requested chart: its (alt text, SVG), also kept for the runner and for reruns."""
    from selfeval import chart_drawing

    name, args, kwargs, kept = read_kept(folder / f"{key}.request", key)
    chart = getattr(chart_drawing, name)(*args, **kwargs)
    drawn = (chart.alt_text, chart.svg())
    write_kept(folder / f"{key}.drawn", key, drawn)
    write_kept(kept, key, drawn)
    return drawn


def serve(folder: Path, parent: int) -> None:
    """Run jobs, then draw chart requests in the order they arrive, until `parent` is gone.

    What the jobs need (the measures) loads first; what drawing needs, once no more jobs are
    coming (`Worker.no_more_jobs`), so a job never waits behind matplotlib's import.
    """
    import selfeval.extract  # noqa: F401
    import selfeval.measures  # noqa: F401

    done: set[str] = set()
    drawing = False
    while os.getppid() == parent:
        jobs = [p for p in folder.glob("*.job") if p.stem not in done]
        waiting = jobs or [p for p in folder.glob("*.request") if p.stem not in done]
        for path in sorted(waiting, key=_modified):
            done.add(path.stem)
            if path.suffix == ".job":
                _run_job(folder, path.stem)
                continue
            try:
                draw_request(folder, path.stem)
            except Exception:  # noqa: BLE001 - the runner draws it and reports the error
                (folder / f"{path.stem}.failed").write_text(traceback.format_exc())
        if not waiting:
            if not drawing and (folder / _NO_MORE_JOBS).is_file():
                import selfeval.chart_drawing  # noqa: F401

                drawing = True
            time.sleep(POLL)


def _run_job(folder: Path, name: str) -> None:
    """Call a submitted function; keep its result (nothing when it fails: the runner calls
    it again itself, and so reports the error)."""
    import importlib

    job = read_kept(folder / f"{name}.job", name)
    if job is None:
        return
    module, function, args = job
    try:
        value = getattr(importlib.import_module(module), function)(*args)
    except Exception:  # noqa: BLE001 - see above
        (folder / f"{name}.failed").write_text(traceback.format_exc())
        return
    write_kept(folder / f"{name}.done", name, value)


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


class Worker:
    """The worker process and the (private, temporary) folder of requests it draws."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="selfeval-worker-"))
        self._jobs = 0
        with (self.folder / "worker.log").open("wb") as errors:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "selfeval.worker", str(self.folder), str(os.getpid())],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=errors,
            )
        in_background(self._process.pid)

    def submit(self, function: Callable[..., Any], *args: Any) -> Job:
        """Start `function(*args)` in the worker (a module-level function; picklable args)."""
        self._jobs += 1
        name = f"job-{self._jobs}"
        path = self.folder / f"{name}.job"
        write_kept(path, name, (function.__module__, function.__name__, args))
        return Job(self if path.is_file() else None, name, function, args)

    def no_more_jobs(self) -> None:
        """Tell the worker to get ready for charts (it loads matplotlib while it waits)."""
        (self.folder / _NO_MORE_JOBS).touch()

    def kernel_env(self) -> dict[str, str]:
        """The environment for a kernel that leaves its charts to this worker."""
        return {**os.environ, REQUESTS_ENV: str(self.folder)}

    def alive(self) -> bool:
        return self._process.poll() is None

    def fill(self, notebook: Any, timeout: float) -> None:
        """`fill_charts` for a notebook run in a kernel with `kernel_env`."""
        fill_charts(notebook, self.folder, self.alive, timeout)

    def close(self) -> None:
        """Stop the worker and remove its requests (every chart drawn is kept already)."""
        if self.alive():
            self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        errors = (self.folder / "worker.log").read_text(errors="replace").strip()
        if errors:
            log.debug("Chart worker said:\n%s", errors)
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class Job:
    """A function call submitted to the worker."""

    worker: Worker | None  # None: the call could not be handed over
    name: str
    function: Callable[..., Any]
    args: tuple

    def result(self, timeout: float = 600) -> Any:
        """Its value, once the worker has it; computed here instead if the worker failed or
        stopped (or took `timeout` seconds)."""
        if self.worker is None:
            return self.function(*self.args)
        folder = self.worker.folder
        done = folder / f"{self.name}.done"
        if _wait_for(done, folder / f"{self.name}.failed", self.worker.alive, timeout):
            value = read_kept(done, self.name, _MISSING)
            if value is not _MISSING:
                return value
        return self.function(*self.args)


_MISSING = object()


def _wait_for(path: Path, failed: Path, alive: Callable[[], bool], timeout: float) -> bool:
    """Whether `path` appeared (False once `failed` appears, the worker stops or time is up)."""
    give_up = time.monotonic() + timeout
    while not path.is_file():
        if failed.is_file() or not alive() or time.monotonic() > give_up:
            return path.is_file()
        time.sleep(POLL)
    return True


def fill_charts(
    notebook: Any, folder: Path, worker_alive: Callable[[], bool], timeout: float
) -> None:
    """Put each drawn chart in place of its placeholder in an executed notebook's outputs.

    Waits for the worker while it is alive (up to `timeout` seconds a chart); a chart it could
    not draw is drawn here, so a chart that fails raises its error here as it would have in
    the kernel.
    """
    drawn = {key: _drawn(folder, key, worker_alive, timeout) for key in _placeholders(notebook)}
    if not drawn:
        return
    for output in _outputs(notebook):
        data = output.get("data", {})
        for mime, value in data.items():
            if isinstance(value, str):
                data[mime] = _substitute(value, drawn, escape=mime == "text/html")
        for meta in output.get("metadata", {}).values():
            if isinstance(meta, dict) and isinstance(meta.get("alt"), str):
                meta["alt"] = _substitute(meta["alt"], drawn, escape=False)


def _outputs(notebook: Any) -> Iterator[dict]:
    for cell in notebook.get("cells", []):
        yield from cell.get("outputs", [])


def _placeholders(notebook: Any) -> list[str]:
    """The keys of the charts still to be put in, in order."""
    keys: dict[str, None] = {}
    for output in _outputs(notebook):
        for value in output.get("data", {}).values():
            if isinstance(value, str):
                keys.update((key, None) for _, key in _MARKS.findall(value))
    return list(keys)


def _drawn(
    folder: Path, key: str, worker_alive: Callable[[], bool], timeout: float
) -> tuple[str, str]:
    path = folder / f"{key}.drawn"
    _wait_for(path, folder / f"{key}.failed", worker_alive, timeout)
    return read_kept(path, key) or draw_request(folder, key)


def _substitute(text: str, drawn: dict[str, tuple[str, str]], *, escape: bool) -> str:
    def put_in(mark: re.Match) -> str:
        kind, key = mark.groups()
        if key not in drawn:
            return mark.group(0)
        alt_text, svg = drawn[key]
        if kind == "svg":
            return svg
        if kind == "uri":
            return to_data_uri(svg)
        return html.escape(alt_text) if escape else alt_text

    return _MARKS.sub(put_in, text)


if __name__ == "__main__":
    serve(Path(sys.argv[1]), int(sys.argv[2]))
