"""The package's layers (docs/architecture.md): no import runs upward, and no two modules import
each other, directly or round a loop; function-level imports count like any other."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(project: Path) -> subprocess.CompletedProcess:
    """`lint-imports` on the package under `project`/lib with `project`'s pyproject.toml."""
    env = {**os.environ, "PYTHONPATH": str(project / "lib")}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=project, env=env, capture_output=True, text=True
    )


def test_the_layer_contract_is_kept() -> None:
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


def test_an_upward_import_inside_a_function_breaks_the_contract(tmp_path) -> None:
    """The contract sees imports made inside functions: config asking the runner for
    something (as pages.context once did) fails the check."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(ROOT / "lib" / "selfeval", tmp_path / "lib" / "selfeval")
    config = tmp_path / "lib" / "selfeval" / "config.py"
    config.write_text(
        config.read_text(encoding="utf-8")
        + "\n\ndef _upward():\n    from selfeval.pipeline import run_pack\n\n    return run_pack\n",
        encoding="utf-8",
    )
    done = lint_imports(tmp_path)
    assert done.returncode != 0
    assert "selfeval.config -> selfeval.pipeline" in done.stdout


def import_cycles(package: str = "selfeval") -> list[list[str]]:
    """Groups of modules that import each other round a loop (strongly connected components
    of the import graph with more than one module)."""
    graph = grimp.build_graph(package, cache_dir=None)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return cycles


def test_no_module_imports_another_that_imports_it_back() -> None:
    assert import_cycles() == []


def test_a_loop_of_imports_is_found(tmp_path, monkeypatch) -> None:
    package = tmp_path / "loopy"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from loopy import b\n")
    (package / "b.py").write_text("from loopy import c\n")
    (package / "c.py").write_text("import loopy.a\n")
    (package / "d.py").write_text("import loopy.a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_cycles("loopy") == [["loopy.a", "loopy.b", "loopy.c"]]
