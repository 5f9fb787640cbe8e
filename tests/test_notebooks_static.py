"""Static checks of the page notebooks: parameters, the three questions, no outputs, thin (only
the public notebook API: selfeval.pages.notebook_rules, docs/architecture.md "Editing a page")."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

from selfeval.config import load_settings, notebooks_dir
from selfeval.pages import notebook_rules as nr
from selfeval.pages.notebook_rules import notebook_problems

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
    """Code cells call only the public notebook API (selfeval.pages.notebook_rules)."""
    nb = read(name)
    code_cells = [c for c in nb.cells if c.cell_type == "code"][1:]
    assert "pages.load_context(period_end, extract_dir, priority_id, output_dir)" in (
        code_cells[0].source
    )
    assert notebook_problems(nb.cells) == []


def test_the_public_api_is_what_the_rules_allow():
    """Every name the rules allow exists, and the chart functions are the charts a page draws."""
    from selfeval import charts, pages

    assert all(callable(getattr(pages, n)) for n in nr.pages_api())
    assert {"load_context", "show_chart", "show_html"} <= nr.pages_api()
    assert {"spc_chart", "bar_breakdown", "small_multiples"} <= nr.chart_functions()
    assert all(callable(getattr(charts, n)) for n in nr.chart_functions())
    assert not any(n.startswith("_") for n in nr.chart_functions() | nr.context_methods())
    assert {"rows", "trend"} <= nr.context_methods()


# --- the rules, each shown to catch what it forbids (a notebook written in tmp_path) ---------

ANALYST_CHART = """from selfeval import charts

plans = ctx.trend("cp_plans")
chart = charts.spc_chart(plans, title="Children on a child protection plan", unit="count")
pages.show_chart(chart)"""


def analyst_notebook(tmp_path: Path, source: str) -> list[str]:
    """The problems of a priority notebook (written to tmp_path and read back) that carries an
    analyst's markdown paragraph and one code cell of ``source``."""
    nb = read("02_direct_contact.ipynb")
    nb.cells.append(nbformat.v4.new_markdown_cell("### An analyst's note\n\nA paragraph."))
    nb.cells.append(nbformat.v4.new_code_cell(source))
    path = tmp_path / "02_direct_contact.ipynb"
    nbformat.write(nb, path)
    return notebook_problems(nbformat.read(path, as_version=4).cells)


def test_an_analysts_paragraph_and_chart_pass(tmp_path):
    assert analyst_notebook(tmp_path, ANALYST_CHART) == []
    assert analyst_notebook(tmp_path, 'pages.show_html("<p>A fixed remark.</p>")') == []
    frame = 'teams = ctx.rows("cp_plans", period_type="snapshot", breakdown="team")'
    assert analyst_notebook(tmp_path, frame) == []


FORBIDDEN = {
    # reading raw files or the extract
    "read_csv": ('frame = pd.read_csv("data/extracts/2022-03-31/cla.csv")', "read_csv()"),
    "read_excel": ('frame = pages.read_excel("annex_a.xlsx")', "read_excel()"),
    "read_parquet": ('frame = ctx.read_parquet("store/cla.parquet")', "read_parquet()"),
    "open": ('text = open("params/settings.yaml").read()', "reads a file with open()"),
    "load_extract": ('extract = load_extract("data/sample/2022-03-31")', "load_extract()"),
    "extract module": ("from selfeval.extract import load_extract", "selfeval.extract"),
    "store module": ("from selfeval.extract import store", "imports store"),
    "raw tables": ('pages.show_html(ctx.tables["local_audits"].to_html())', "raw extract"),
    # wrangling
    "groupby": ('teams = ctx.measures.groupby("breakdown").mean()', "uses .groupby"),
    "merge": ('both = ctx.rows("cla").merge(ctx.rows("cp_plans"), on="period_end")', ".merge"),
    "pivot": ('wide = ctx.rows("cla").pivot(columns="breakdown")', "uses .pivot"),
    "apply": ('shown = ctx.rows("cla").apply(len)', "uses .apply"),
    "query": ('recent = ctx.measures.query("value > 10")', "uses .query"),
    "loc assignment": ('ctx.measures.loc[0, "value"] = 99', "assigns into an object"),
    "column assignment": ('plans = ctx.rows("cp_plans")\nplans["value"] = 0', "assigns into"),
    "mask": ('late = ctx.measures[ctx.measures["rag"] == "red"]', "filters with a mask"),
    "pandas import": ("import pandas as pd", "imports pandas"),
    "loop": ('for m in ["cla", "cp_plans"]:\n    pages.show_html(m)', "For"),
    "comprehension": ("pages.show_html(str([m for m in ctx.measures]))", "ListComp"),
    # modules outside the public API
    "private page module": ("from selfeval.pages import sections", "imports sections"),
    "selfeval submodule": ("import selfeval.measures", "imports selfeval.measures"),
    "aliased module": ("from selfeval import pages as p", "imports pages"),
    "unknown page function": ("pages.draw_everything(ctx)", "calls pages.draw_everything()"),
    "private chart helper": ("charts._new_figure()", "calls charts._new_figure()"),
    "private context method": ('ctx._known("cla")', "calls ctx._known()"),
    "too long": ("\n".join(["pages.show_header(ctx)"] * 7), "has 7 lines"),
}


@pytest.mark.parametrize("rule", sorted(FORBIDDEN))
def test_a_forbidden_cell_is_caught(tmp_path, rule):
    source, expected = FORBIDDEN[rule]
    problems = analyst_notebook(tmp_path, source)
    assert problems, rule
    assert any(expected in p for p in problems), problems
    assert all(
        p.startswith(f"cell {len(read('02_direct_contact.ipynb').cells) + 2}: ") for p in problems
    )


def test_each_rule_is_one_function():
    """Each rule on its own (the house style): the allowed example passes every one."""
    tree = ast.parse(ANALYST_CHART)
    assert all(rule(tree) == [] for rule in nr.TREE_RULES)
    assert nr.imports_only_the_public_api(ast.parse("import os"))
    assert nr.reads_no_files(ast.parse('open("x")'))
    assert nr.wrangles_no_data(ast.parse('ctx.measures.groupby("m")'))
    assert nr.has_no_logic(ast.parse("f = lambda x: x"))
    assert nr.calls_only_the_public_api(ast.parse("print(ctx)"))
    assert nr.is_short("\n".join(["x = 1"] * 7)) and not nr.is_short("x = 1")


def test_python3_kernel():
    for name in NOTEBOOKS:
        assert read(name).metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_papermill_infers_the_four_parameters(name):
    """papermill must recognise every parameter (else the runner logs 'unknown parameter')."""
    from papermill import inspect_notebook

    assert list(inspect_notebook(str(notebooks_dir() / name))) == list(PARAMETERS)
