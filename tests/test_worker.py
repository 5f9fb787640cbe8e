"""A pack run's charts are drawn by one worker process and put in place in each page."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from selfeval import charts
from selfeval.pages import display as shown
from selfeval.worker import REQUESTS_ENV, Worker, fill_charts

FRAME = pd.DataFrame({"team": ["Locality 1", "Locality 2"], "value": [72.0, 61.5]})
OPTIONS = {"category": "team", "value": "value", "title": 'Audits "rated" <good>', "unit": "pct"}


def _shown_notebook(monkeypatch, chart_options: dict) -> nbformat.NotebookNode:
    """A notebook whose one cell showed a bar chart with `show_chart` (its caption the alt)."""
    outputs = []

    def capture(obj, raw=False, metadata=None):
        data = obj if raw else {"text/html": obj.data}
        outputs.append(nbformat.v4.new_output("display_data", data=data, metadata=metadata or {}))

    monkeypatch.setattr(shown, "display", capture)
    shown.show_chart(charts.bar_breakdown(FRAME, **chart_options))
    cell = nbformat.v4.new_code_cell("show_chart(chart)")
    cell.outputs = outputs
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [cell]
    return notebook


def _outputs(notebook: nbformat.NotebookNode) -> list:
    return [cell.outputs for cell in notebook.cells]


def test_the_worker_draws_what_the_kernel_asked_for_and_the_page_is_as_if_drawn_there(
    monkeypatch, tmp_path
) -> None:
    drawn_here = _shown_notebook(monkeypatch, OPTIONS)
    kept = tmp_path / "kept"
    kept.mkdir()
    charts.keep_charts_in(kept)
    with Worker() as worker:
        monkeypatch.setenv(REQUESTS_ENV, str(worker.folder))
        deferred = _shown_notebook(monkeypatch, OPTIONS)
        svg = deferred.cells[0].outputs[0].data["image/svg+xml"]
        assert "<svg" not in svg and "Audits" not in str(deferred)  # a placeholder only
        worker.fill(deferred, timeout=60)
    assert _outputs(deferred) == _outputs(drawn_here)
    assert len(list(kept.glob("*.pickle"))) == 1  # kept for the next run too


def test_a_chart_shown_as_html_is_put_in_too(monkeypatch, tmp_path) -> None:
    """A notebook may show a chart by leaving it as a cell's value (its HTML ``<img>``)."""

    def as_html_output() -> nbformat.NotebookNode:
        chart = charts.bar_breakdown(FRAME, **OPTIONS)
        cell = nbformat.v4.new_code_cell("chart")
        data = {"text/html": chart._repr_html_(), "text/plain": repr(chart.alt_text)}
        cell.outputs = [nbformat.v4.new_output("execute_result", data=data, execution_count=1)]
        notebook = nbformat.v4.new_notebook()
        notebook.cells = [cell]
        return notebook

    drawn_here = as_html_output()
    monkeypatch.setenv(REQUESTS_ENV, str(tmp_path))
    deferred = as_html_output()
    assert "data:image/svg+xml" not in str(deferred)
    fill_charts(deferred, tmp_path, worker_alive=lambda: False, timeout=60)
    assert _outputs(deferred) == _outputs(drawn_here)


def test_a_kernel_with_a_chart_worker_never_imports_matplotlib(tmp_path) -> None:
    code = (
        "import sys\n"
        "import pandas as pd\n"
        "from selfeval import charts\n"
        "frame = pd.DataFrame({'team': ['North', 'South'], 'value': [70.0, 80.0]})\n"
        "chart = charts.bar_breakdown(frame, category='team', value='value', title='A', unit='pct')"
        "\nprint(chart.figure is None, 'matplotlib' in sys.modules)\n"
    )
    env = {**subprocess.os.environ, REQUESTS_ENV: str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert done.stdout.split() == ["True", "False"]
    assert len(list(tmp_path.glob("*.request"))) == 1


def test_charts_the_worker_did_not_draw_are_drawn_by_the_runner(monkeypatch, tmp_path) -> None:
    drawn_here = _shown_notebook(monkeypatch, OPTIONS)
    monkeypatch.setenv(REQUESTS_ENV, str(tmp_path))
    deferred = _shown_notebook(monkeypatch, OPTIONS)
    fill_charts(deferred, tmp_path, worker_alive=lambda: False, timeout=60)
    assert _outputs(deferred) == _outputs(drawn_here)


def test_a_chart_that_cannot_be_drawn_raises_its_error_in_the_runner(monkeypatch) -> None:
    with Worker() as worker:
        monkeypatch.setenv(REQUESTS_ENV, str(worker.folder))
        deferred = _shown_notebook(monkeypatch, {**OPTIONS, "category": "no such column"})
        with pytest.raises(KeyError, match="no such column"):
            worker.fill(deferred, timeout=60)
        assert list(worker.folder.glob("*.failed"))  # the worker tried first


def test_a_job_runs_in_the_worker_process() -> None:
    with Worker() as worker:
        job = worker.submit(os.getpid)
        assert job.result(timeout=60) == worker._process.pid


def test_a_failing_job_raises_its_error_here() -> None:
    with Worker() as worker:
        job = worker.submit(int, "not a number")
        with pytest.raises(ValueError, match="not a number"):
            job.result(timeout=60)
        assert list(worker.folder.glob("*.failed"))  # the worker tried first


def test_a_job_the_worker_cannot_run_is_run_here() -> None:
    worker = Worker()
    worker.close()  # stopped: nothing more is done there
    assert worker.submit(os.getpid).result(timeout=60) == os.getpid()


def test_measures_computed_in_two_parts_are_the_whole() -> None:
    """The worker computes the first part of the catalogue, the runner the rest."""
    from selfeval.config import load_settings
    from selfeval.extract import load_extract
    from selfeval.measures import compute_measures, load_catalogue
    from selfeval.measures.engine import (
        combine_measures,
        measure_frames,
        measure_frames_from_store,
    )
    from selfeval.runner import resolve_extract_dir

    folder = resolve_extract_dir(Path(__file__).resolve().parents[1] / "data" / "sample")
    extract = load_extract(folder)
    period, settings, catalogue = extract.extract_date, load_settings(), load_catalogue()
    whole = compute_measures(extract.tables, period, settings=settings, catalogue=catalogue)
    first, rest = catalogue.split(0.4)
    assert len(first) == round(len(catalogue) * 0.4) and len(first) + len(rest) == len(catalogue)
    parts = [
        *measure_frames_from_store(folder, period, settings, first),
        *measure_frames(extract.tables, period, settings, rest),
    ]
    pd.testing.assert_frame_equal(combine_measures(parts), whole)


def test_a_run_goes_on_without_a_worker_that_cannot_start(monkeypatch) -> None:
    from contextlib import ExitStack

    from selfeval import runner

    def cannot_start() -> None:
        raise OSError("no temporary folder")

    monkeypatch.setattr(runner, "Worker", cannot_start)
    with ExitStack() as stack:
        assert runner._start_worker(stack) is None
