"""Static checks of the page notebooks: parameters, the three questions, no outputs, thin."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

from selfeval.config import load_settings, notebooks_dir

QUESTIONS = (
    "## 1. What do we know about the quality and impact of practice?",
    "## 2. How do we know it?",
    "## 3. What are we doing next?",
)
PARAMETERS = ("period_end", "extract_dir", "priority_id", "output_dir")


def expected_notebooks() -> dict[str, str]:
    """{file name: priority id} for the summary and each priority in params/settings.yaml."""
    out = {"00_summary.ipynb": "summary"}
    out.update({f"{p.slug}.ipynb": p.id for p in load_settings().priorities})
    return out


NOTEBOOKS = expected_notebooks()


def read(name: str) -> nbformat.NotebookNode:
    return nbformat.read(notebooks_dir() / name, as_version=4)


def test_one_notebook_per_priority_and_the_summary():
    found = {p.name for p in Path(notebooks_dir()).glob("*.ipynb")}
    assert set(NOTEBOOKS) <= found


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_first_code_cell_is_the_tagged_parameters_cell(name):
    nb = read(name)
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert "parameters" in first.metadata.get("tags", [])
    assigned = {}
    for node in ast.parse(first.source).body:
        assert isinstance(node, ast.Assign), "the parameters cell only assigns defaults"
        assigned[node.targets[0].id] = ast.literal_eval(node.value)
    assert tuple(assigned) == PARAMETERS
    assert assigned["priority_id"] == NOTEBOOKS[name]
    assert assigned["period_end"] == assigned["extract_dir"] == assigned["output_dir"] == ""


@pytest.mark.parametrize("name", sorted(n for n in NOTEBOOKS if not n.startswith("00_")))
def test_priority_notebooks_ask_the_three_questions_in_order(name):
    headings = [
        line.strip()
        for c in read(name).cells
        if c.cell_type == "markdown"
        for line in c.source.splitlines()
        if line.startswith("#")
    ]
    positions = [headings.index(q) for q in QUESTIONS]
    assert positions == sorted(positions)


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_committed_without_outputs(name):
    for cell in read(name).cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_notebooks_are_thin(name):
    """Logic lives in selfeval.pages: code cells only call it (a few lines, no loops)."""
    nb = read(name)
    code_cells = [c for c in nb.cells if c.cell_type == "code"][1:]
    assert code_cells
    assert "pages.load_context(period_end, extract_dir, priority_id, output_dir)" in (
        code_cells[0].source
    )
    for cell in code_cells:
        tree = ast.parse(cell.source)
        assert len(cell.source.splitlines()) <= 5
        assert not any(isinstance(n, ast.For | ast.While | ast.FunctionDef) for n in ast.walk(tree))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                assert isinstance(node.func.value, ast.Name) and node.func.value.id == "pages"


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_every_called_page_function_exists(name):
    from selfeval import pages

    for cell in read(name).cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Attribute) and getattr(node.value, "id", "") == "pages":
                assert callable(getattr(pages, node.attr, None)), node.attr


def test_python3_kernel():
    for name in NOTEBOOKS:
        assert read(name).metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_papermill_infers_the_four_parameters(name):
    """papermill must recognise every parameter (else the runner logs 'unknown parameter')."""
    from papermill import inspect_notebook

    assert list(inspect_notebook(str(notebooks_dir() / name))) == list(PARAMETERS)
