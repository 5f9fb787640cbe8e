"""Kernels started ahead of need: each notebook still runs in a fresh kernel of its own."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import papermill
import pytest
from jupyter_core.utils import run_sync

from selfeval.kernels import KernelSupply, stop_kernel, warmup_code


def test_warmup_imports_bind_no_name() -> None:
    code = warmup_code(["pandas", "selfeval.pages"])
    tree = ast.parse(code)
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
    namespace: dict = {}
    exec(code, namespace)  # noqa: S102 - the module's own code, importing two modules
    assert set(namespace) == {"__builtins__"}


def _notebook(path, source: str) -> None:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('value = ""')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(source)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python", "language": "python"}
    nbformat.write(nb, path)


def _run(path, out, kernel):
    return papermill.execute_notebook(
        str(path),
        str(out),
        parameters={"value": "set by the runner"},
        kernel_name="python3",
        progress_bar=False,
        km=kernel,
    )


def test_supply_hands_out_fresh_kernels_each_used_once(tmp_path) -> None:
    """Behaviour, not internals: each notebook gets a kernel of its own (a name one notebook
    binds is not seen by the next), the warm-up binds no name, the parameters and the
    notebook's folder are the notebook's, and the supply hands out one kernel per notebook."""
    probe = tmp_path / "probe.ipynb"
    _notebook(
        probe, "import os\nprint('json' in dir(), 'leak' in dir(), value, os.getcwd())\nleak = 1"
    )
    with KernelSupply(2, tmp_path, modules=["json"], ahead=1) as supply:
        first = supply.take(tmp_path)
        second = supply.take(tmp_path)
        assert supply.take(tmp_path) is None  # only as many kernels as notebooks
        outputs = []
        for kernel, name in ((first, "a"), (second, "b")):
            assert kernel is not None
            executed = _run(probe, tmp_path / f"{name}.ipynb", kernel)
            clients = list(kernel.handed_out)  # papermill's client, left open by papermill
            assert any(c.channels_running for c in clients)
            stop_kernel(kernel)
            assert not run_sync(kernel.is_alive)()
            assert not any(c.channels_running for c in clients)  # closed with the kernel
            code = [c for c in executed.cells if c.cell_type == "code"][-1]
            outputs.append(code.outputs[0]["text"].split())
    for json_bound, leaked, *_ in outputs:
        assert (json_bound, leaked) == ("False", "False")  # the second kernel is not the first
    assert all(" ".join(o[2:6]) == "set by the runner" for o in outputs)
    assert {o[6] for o in outputs} == {str(tmp_path.resolve())}


def test_notebook_that_forgets_an_import_still_fails(tmp_path) -> None:
    forgetful = tmp_path / "forgetful.ipynb"
    _notebook(forgetful, "json.dumps({})")
    with KernelSupply(1, tmp_path, modules=["json"]) as supply:
        kernel = supply.take(tmp_path)
        try:
            with pytest.raises(papermill.PapermillExecutionError, match="NameError"):
                _run(forgetful, tmp_path / "out.ipynb", kernel)
        finally:
            stop_kernel(kernel)


def _kernel_processes() -> set[int]:
    """Live child processes of this process running an IPython kernel (Linux /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, ppid = stat.read_text().rsplit(")", 1)[1].split()[:2]
            command = (stat.parent / "cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        if int(ppid) == os.getpid() and state != "Z" and b"ipykernel" in command:
            found.add(int(stat.parent.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads Linux /proc")
def test_other_folder_or_closed_supply_gets_no_kernel_and_leaves_none_running(tmp_path) -> None:
    before = _kernel_processes()
    supply = KernelSupply(3, tmp_path, modules=[], ahead=2)
    assert supply.take(tmp_path / "elsewhere") is None
    deadline = time.monotonic() + 60
    while not _kernel_processes() - before and time.monotonic() < deadline:
        time.sleep(0.2)  # kernels started ahead of need
    assert _kernel_processes() - before, "no kernel was started ahead"
    supply.close()
    assert supply.take(tmp_path) is None
    deadline = time.monotonic() + 30
    while _kernel_processes() - before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _kernel_processes() - before == set(), "kernels left running after close()"


def test_notebooks_run_side_by_side_in_their_folder_without_moving_the_runner(tmp_path) -> None:
    """Kernels start in the notebook's folder; the runner process's own folder never changes
    (papermill's cwd= would chdir the whole process, which threads race on)."""
    from concurrent.futures import ThreadPoolExecutor

    from selfeval.pipeline import Section, _execute_notebook

    folder = tmp_path / "notebooks"
    folder.mkdir()
    sections = []
    for name in ("a", "b", "c"):
        path = folder / f"{name}.ipynb"
        _notebook(path, "import os\nprint(os.getcwd())")
        sections.append(Section(path, name, name, name))
    before = os.getcwd()
    with ThreadPoolExecutor(3) as pool:
        runs = [pool.submit(_execute_notebook, s, tmp_path, {"value": "x"}, 60) for s in sections]
        done = [run.result() for run in runs]
    assert os.getcwd() == before
    assert {nb.cells[-1].outputs[0]["text"].strip() for nb in done} == {str(folder)}


def test_kernels_import_the_chart_modules_only_when_no_chart_is_kept(tmp_path) -> None:
    """A first run on an extract draws every chart, so its kernels import matplotlib and
    seaborn while they wait; once charts are kept (a rerun) they do not load them at all."""
    from selfeval.config import Workspace
    from selfeval.pipeline import CHART_IMPORTS, kernel_imports

    workspace = Workspace(tmp_path)
    extract = tmp_path / "data" / "sample" / "2022-03-31"
    extract.mkdir(parents=True)
    assert set(CHART_IMPORTS) <= set(kernel_imports(workspace, extract))  # no store yet
    charts = workspace.chart_folder(extract)
    charts.mkdir(parents=True)
    assert set(CHART_IMPORTS) <= set(kernel_imports(workspace, extract))  # none kept
    (charts / "0123abcd.pickle").write_bytes(b"kept")
    assert not set(CHART_IMPORTS) & set(kernel_imports(workspace, extract))


RUN_IMPORTING_PAGES_WHILE_KERNELS_START = """
import sys, threading, time
from pathlib import Path


class SlowIPythonOffTheMainThread:
    # widens the window in which a starter thread would be importing IPython (50 ms a module)
    def find_spec(self, name, path=None, target=None):
        if name.startswith("IPython") and threading.current_thread() is not threading.main_thread():
            time.sleep(0.05)
        return None


sys.meta_path.insert(0, SlowIPythonOffTheMainThread())
from selfeval import pipeline, publish  # a process that imported the pipeline before its run
from selfeval.kernels import KernelSupply

with KernelSupply(4, Path("."), modules=(), ahead=4, starters=2):
    time.sleep(0.3)
    import selfeval.pages  # what the run imports while the kernels start
print("ok")
"""


def test_a_run_importing_the_pages_while_kernels_start_does_not_fail(tmp_path) -> None:
    """IPython imported by the run and by a kernel starter thread at once was seen half
    initialised (KeyError: 'IPython'): a first run in a process that had already imported the
    pipeline failed, as `selfeval run` could on a busy machine."""
    done = subprocess.run(
        [sys.executable, "-c", RUN_IMPORTING_PAGES_WHILE_KERNELS_START],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "ok"
