"""What a page notebook may do: the public notebook API and the rules that keep notebooks thin.

A notebook narrates. Its markdown cells are free text. Its code cells may only call the public
notebook API (docs/architecture.md, "Editing a page"):

- ``from selfeval import pages``: the names in ``selfeval.pages.__all__`` (``load_context``, the
  ``show_*`` functions, ``show_chart``);
- ``from selfeval import charts``: the chart functions (`chart_functions`: each returns a
  ``Chart``);
- the page context ``ctx``: its attributes (``ctx.measures``, ``ctx.period_end``, ...) and
  public methods (``ctx.rows``, ``ctx.trend``, ``ctx.evaluate``), but not the raw extract
  (`RAW_EXTRACT`).

So a notebook never reads a file, wrangles a frame or imports anything else: that is work for
``lib/selfeval``, where it is typed and tested. Each rule is one function from a cell's parsed
source to the problems it finds (plain sentences); `cell_problems` runs them all.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

PUBLIC_MODULES = ("pages", "charts")
CONTEXT = "ctx"
MAX_LINES = 6
#: the context's raw extract: its tables and where they were read from
RAW_EXTRACT = frozenset({"tables", "action_updates", "extract_dir"})
#: what reads a file or an extract
FILE_READERS = frozenset(
    {
        "open",
        "read_csv",
        "read_excel",
        "read_parquet",
        "read_feather",
        "read_json",
        "read_pickle",
        "read_table",
        "read_sql",
        "read_text",
        "read_bytes",
        "load_extract",
        "read_extract",
        "stored_extract",
    }
)
#: frame methods that reshape, combine, filter or recompute data
WRANGLING = frozenset(
    {
        "agg",
        "aggregate",
        "apply",
        "applymap",
        "assign",
        "concat",
        "crosstab",
        "drop",
        "eval",
        "groupby",
        "iloc",
        "join",
        "loc",
        "map",
        "melt",
        "merge",
        "pivot",
        "pivot_table",
        "query",
        "resample",
        "rolling",
        "stack",
        "transform",
        "unstack",
        "where",
    }
)
LOGIC = (
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.Lambda,
    ast.ClassDef,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
)


@cache
def pages_api() -> frozenset[str]:
    """The names a notebook may call on ``pages``: the functions of ``selfeval.pages.__all__``."""
    from selfeval import pages

    return frozenset(n for n in pages.__all__ if inspect.isfunction(getattr(pages, n)))


@cache
def chart_functions() -> frozenset[str]:
    """The names a notebook may call on ``charts``: its public functions returning a Chart."""
    from selfeval import charts

    return frozenset(
        name
        for name, fn in vars(charts).items()
        if not name.startswith("_")
        and inspect.isfunction(fn)
        and inspect.signature(fn).return_annotation in ("Chart", charts.Chart)
    )


@cache
def context_methods() -> frozenset[str]:
    """The methods a notebook may call on ``ctx``: PageContext's public methods."""
    from selfeval.pages.context import PageContext

    return frozenset(
        name
        for name, member in vars(PageContext).items()
        if not name.startswith("_") and inspect.isfunction(member)
    )


def _name(node: ast.AST) -> str:
    """``a.b.c`` for a name or attribute chain, else ''."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _name(node.value)
        return f"{base}.{node.attr}" if base else ""
    return ""


def _callee(call: ast.Call) -> str:
    """The called function's own name (``read_csv`` for ``pd.read_csv(...)``)."""
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def imports_only_the_public_api(tree: ast.Module) -> list[str]:
    """``from selfeval import pages, charts`` is the only import."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [f"imports {a.name}" for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                public = node.module == "selfeval" and alias.name in PUBLIC_MODULES
                if not public or alias.asname not in (None, alias.name):
                    out.append(f"imports {alias.name} from {node.module or '.'}")
    return [f"{p}: a notebook imports only `from selfeval import pages, charts`" for p in out]


def reads_no_files(tree: ast.Module) -> list[str]:
    """No file or extract is read (``open``, ``pd.read_*``, ``load_extract``), and the
    context's raw extract (``ctx.tables``, ...) is left alone."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _callee(node) in FILE_READERS:
            out.append(f"reads a file with {_callee(node)}()")
        elif isinstance(node, ast.Attribute) and node.attr in RAW_EXTRACT:
            out.append(f"reads the raw extract ({_name(node) or node.attr})")
    return [f"{p}: pages show the run's measures, never raw data" for p in out]


def wrangles_no_data(tree: ast.Module) -> list[str]:
    """No frame is reshaped, filtered or changed: no wrangling method (``groupby``, ``merge``,
    ``pivot``, ``apply``, ``query``, ``loc``, ...), no masks, no assignment into an object."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in WRANGLING:
            out.append(f"uses .{node.attr}")
        elif isinstance(node, ast.Subscript) and any(
            isinstance(n, ast.Compare | ast.BoolOp) for n in ast.walk(node.slice)
        ):
            out.append("filters with a mask")
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Subscript | ast.Attribute) for t in targets):
                out.append("assigns into an object")
        elif isinstance(node, ast.Delete):
            out.append("deletes from an object")
    return [f"{p}: wrangling data belongs in lib/selfeval" for p in out]


def has_no_logic(tree: ast.Module) -> list[str]:
    """No loops, comprehensions, functions, lambdas or classes."""
    found = sorted({type(n).__name__ for n in ast.walk(tree) if isinstance(n, LOGIC)})
    return [f"has a {kind}: logic belongs in lib/selfeval" for kind in found]


def calls_only_the_public_api(tree: ast.Module) -> list[str]:
    """Every call is ``pages.<name>``, ``charts.<chart function>`` or ``ctx.<method>``."""
    allowed = {
        "pages": pages_api(),
        "charts": chart_functions(),
        CONTEXT: context_methods(),
    }
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        owner = (
            func.value.id
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
            else ""
        )
        if not (isinstance(func, ast.Attribute) and func.attr in allowed.get(owner, ())):
            out.append(f"calls {_name(func) or _callee(node) or 'an expression'}()")
    return [
        f"{p}: a notebook calls only selfeval.pages, selfeval.charts and ctx methods" for p in out
    ]


def is_short(source: str) -> list[str]:
    """A code cell is a few lines."""
    lines = len(source.strip().splitlines())
    return [f"has {lines} lines (at most {MAX_LINES})"] if lines > MAX_LINES else []


TREE_RULES: tuple[Callable[[ast.Module], list[str]], ...] = (
    imports_only_the_public_api,
    reads_no_files,
    wrangles_no_data,
    has_no_logic,
    calls_only_the_public_api,
)


def cell_problems(source: str) -> list[str]:
    """Every rule's problems with one code cell (empty when the cell is thin)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        return [f"does not parse: {err.msg} (line {err.lineno})"]
    found = is_short(source)
    for rule in TREE_RULES:
        found += rule(tree)
    return list(dict.fromkeys(found))


def notebook_problems(cells: Iterable[Any]) -> list[str]:
    """The problems of a notebook's code cells after its parameters cell, as "cell N: ..."
    (N counts every cell from 1, as Jupyter shows them)."""
    out = []
    code_seen = 0
    for number, cell in enumerate(cells, start=1):
        if cell["cell_type"] != "code":
            continue
        code_seen += 1
        if code_seen == 1:  # the parameters cell (checked on its own)
            continue
        out += [f"cell {number}: {p}" for p in cell_problems(cell["source"])]
    return out


__all__ = [
    "CONTEXT",
    "FILE_READERS",
    "RAW_EXTRACT",
    "WRANGLING",
    "calls_only_the_public_api",
    "cell_problems",
    "chart_functions",
    "context_methods",
    "has_no_logic",
    "imports_only_the_public_api",
    "is_short",
    "notebook_problems",
    "pages_api",
    "reads_no_files",
    "wrangles_no_data",
]
