"""Kernels started ahead of need: each notebook still runs in a fresh kernel of its own."""

from __future__ import annotations

import ast
import os

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


def test_supply_hands_out_warm_kernels_each_used_once(tmp_path) -> None:
    """A warmed kernel has the module loaded but no name bound; one kernel per notebook."""
    probe = tmp_path / "probe.ipynb"
    _notebook(
        probe,
        "import sys, os\n"
        "print('json' in sys.modules, 'json' in dir(), value, os.getcwd(), os.getpid())",
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
            outputs.append(executed.cells[-1].outputs[0]["text"].split())
    for loaded, bound, *_ in outputs:
        assert (loaded, bound) == ("True", "False")
    assert all(" ".join(o[2:6]) == "set by the runner" for o in outputs)
    assert {o[6] for o in outputs} == {str(tmp_path.resolve())}
    assert outputs[0][7] != outputs[1][7]  # two processes


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


def test_other_folder_or_closed_supply_gets_no_kernel(tmp_path) -> None:
    supply = KernelSupply(3, tmp_path, modules=[], ahead=2)
    assert supply.take(tmp_path / "elsewhere") is None
    started = list(supply._pending)
    supply.close()
    assert supply.take(tmp_path) is None
    for future in started:
        if not future.cancelled():
            assert not run_sync(future.result().is_alive)()


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
