"""A pack run's charts drawn in one process of their own while the notebooks run.

Drawing in every kernel would cost each of them matplotlib and seaborn's import (about 0.6 s
of CPU) and cold font and text-size caches, for a handful of charts each. So in `selfeval run`
a kernel started with `REQUESTS_ENV` set does not draw a chart that is not kept: it leaves a
request in that folder (`request`) and shows a placeholder. One `ChartWorker` process imports
matplotlib once and draws requests as they arrive (`serve`); when a notebook has run, the
runner puts each drawn chart in place of its placeholder (`fill_charts`), drawing any the
worker could not itself. In JupyterLab nothing is deferred: charts are drawn where asked for.
"""

from __future__ import annotations

import html
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from selfeval.cache import read_kept, write_kept
from selfeval.charts import Chart
from selfeval.kernels import in_background

log = logging.getLogger("selfeval")

#: environment variable naming the folder a kernel leaves its chart requests in
REQUESTS_ENV = "SELFEVAL_CHART_REQUESTS"
_SVG_MARK = "selfeval-chart-to-draw-"
_ALT_MARK = "selfeval-chart-alt-"
#: how often the worker looks for new requests and the runner for drawn charts (seconds)
POLL = 0.02


def requests_folder() -> Path | None:
    """The folder this process leaves chart requests in (None: draw charts here)."""
    folder = os.environ.get(REQUESTS_ENV)
    return Path(folder) if folder else None


def request(folder: Path, key: str, name: str, args: tuple, kwargs: dict, kept: Path | None):
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
    return Chart(None, _ALT_MARK + key, _SVG_MARK + key)


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
    """Draw requests in the order they arrive until the process `parent` is gone."""
    import selfeval.chart_drawing  # noqa: F401 - imported once, before the first request

    done: set[str] = set()
    while os.getppid() == parent:
        waiting = [p for p in folder.glob("*.request") if p.stem not in done]
        for path in sorted(waiting, key=_modified):
            done.add(path.stem)
            try:
                draw_request(folder, path.stem)
            except Exception:  # noqa: BLE001 - the runner draws it and reports the error
                (folder / f"{path.stem}.failed").write_text(traceback.format_exc())
        if not waiting:
            time.sleep(POLL)


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


class ChartWorker:
    """The worker process and the (private, temporary) folder of requests it draws."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="selfeval-charts-"))
        with (self.folder / "worker.log").open("wb") as errors:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "selfeval.chart_worker", str(self.folder), str(os.getpid())],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=errors,
            )
        in_background(self._process.pid)

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

    def __enter__(self) -> ChartWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
            if isinstance(value, str) and (_SVG_MARK in value or _ALT_MARK in value):
                data[mime] = _substitute(value, drawn, escape=mime != "image/svg+xml")
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
        value = output.get("data", {}).get("image/svg+xml")
        if isinstance(value, str) and value.startswith(_SVG_MARK):
            keys[value.removeprefix(_SVG_MARK)] = None
    return list(keys)


def _drawn(
    folder: Path, key: str, worker_alive: Callable[[], bool], timeout: float
) -> tuple[str, str]:
    give_up = time.monotonic() + timeout
    path = folder / f"{key}.drawn"
    while not path.is_file() and not (folder / f"{key}.failed").is_file():
        if not worker_alive() or time.monotonic() > give_up:
            break
        time.sleep(POLL)
    return read_kept(path, key) or draw_request(folder, key)


def _substitute(text: str, drawn: dict[str, tuple[str, str]], *, escape: bool) -> str:
    for key, (alt_text, svg) in drawn.items():
        text = text.replace(_SVG_MARK + key, svg)
        text = text.replace(_ALT_MARK + key, html.escape(alt_text) if escape else alt_text)
    return text


if __name__ == "__main__":
    serve(Path(sys.argv[1]), int(sys.argv[2]))
