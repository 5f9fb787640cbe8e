"""No hidden global state (issue 18): below the pages, the library is told which workspace,
settings, catalogue and folders to use; it never finds them itself. Only `config` and `cli`
read the environment. Checked on the source (AST), so a new module is checked too."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pandas as pd

PACKAGE = Path(__file__).resolve().parents[1] / "lib" / "selfeval"

#: modules that may find the workspace this process is in (the entry points and the notebooks'
#: `pages.load_context`, which a notebook opened on its own calls without one)
ENTRY = ("cli", "regional", "pipeline", "publish", "pages", "kernels", "config")
#: functions of `config` that look at the current folder or $SELFEVAL_ROOT
FINDERS = {
    "find",  # Workspace.find
    "project_root",
    "params_dir",
    "data_dir",
    "default_store_root",
    "notebooks_dir",
    "rendered_dir",
}


def _modules() -> list[tuple[str, ast.AST]]:
    return [
        (path.relative_to(PACKAGE).as_posix(), ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(PACKAGE.rglob("*.py"))
    ]


def _top(name: str) -> str:
    return name.split("/")[0].removesuffix(".py")


def _called(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def hidden_state(modules: list[tuple[str, ast.AST]]) -> list[str]:
    """Each place a module reads the environment, finds the workspace below the pages, calls
    `load_settings()` without a path, or rebinds a module global at run time."""
    found = []
    for name, tree in modules:
        below_pages = _top(name) not in ENTRY
        aliases = {  # `from selfeval.config import params_dir as default_params_dir`
            alias.asname: alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "selfeval.config"
            for alias in node.names
            if alias.asname
        }
        for node in ast.walk(tree):
            where = f"{name}:{getattr(node, 'lineno', 0)}"
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("environ", "getenv")
                and isinstance(node.value, ast.Name)
                and node.value.id == "os"
                and _top(name) not in ("config", "cli")
            ):
                found.append(f"{where}: os.{node.attr}")
            if isinstance(node, ast.Global):
                found.append(f"{where}: global {', '.join(node.names)}")
            if not isinstance(node, ast.Call) or not below_pages:
                continue
            called = _called(node)
            called = aliases.get(called, called) if called else None
            if called in FINDERS:
                found.append(f"{where}: {called}()")
            if called == "load_settings" and not node.args and not node.keywords:
                found.append(f"{where}: load_settings() without a path")
    return found


def test_below_the_pages_nothing_finds_the_workspace_or_reads_the_environment() -> None:
    assert hidden_state(_modules()) == []


def test_the_check_finds_each_kind_of_hidden_state() -> None:
    source = (
        "import os\n"
        "from selfeval.config import Workspace, load_settings\n"
        "from selfeval.config import data_dir as where\n"
        "CACHE = None\n"
        "def f():\n"
        "    global CACHE\n"
        "    CACHE = os.environ.get('X')\n"
        "    return Workspace.find(), where(), load_settings()\n"
    )
    found = hidden_state([("measures/made_up.py", ast.parse(source))])
    assert sorted(f.split(": ", 1)[1] for f in found) == [
        "data_dir()",
        "find()",
        "global CACHE",
        "load_settings() without a path",
        "os.environ",
    ]
    # the same code in the pipeline may find its workspace, but not read the environment
    found = hidden_state([("pipeline.py", ast.parse(source))])
    assert sorted(f.split(": ", 1)[1] for f in found) == ["global CACHE", "os.environ"]


def test_measures_are_computed_for_the_workspace_given_from_anywhere(tmp_path, monkeypatch) -> None:
    """Outside any workspace (no params/ above the current folder, no $SELFEVAL_ROOT), the
    measures, the definitions page and the history use only what they are given."""
    from hand_built import CATALOGUE_FILE, settings_for_testshire
    from selfeval.measures import (
        Catalogue,
        catalogue_markdown,
        compute_measures_with_status,
        load_catalogue,
    )
    from selfeval.measures.history import read_history, update_history

    catalogue = load_catalogue(CATALOGUE_FILE)
    monkeypatch.delenv("SELFEVAL_ROOT", raising=False)
    monkeypatch.chdir(tmp_path)
    settings = settings_for_testshire({2022: 10_000})
    one = Catalogue(measures={"cin_open": catalogue["cin_open"]})
    a6 = pd.DataFrame(
        {
            "child_id": ["A"],
            "cin_start": pd.to_datetime(["2022-01-10"]),
            "cin_end": pd.to_datetime([None]),
            "allocated_team": ["T"],
        }
    )
    measures, status = compute_measures_with_status(
        {"annex_a_6": a6}, date(2022, 3, 31), settings=settings, catalogue=one
    )
    assert status.set_index("measure_id").loc["cin_open", "status"] == "ok"
    snapshot = measures[(measures["period_type"] == "snapshot") & (measures["breakdown"] == "")]
    assert snapshot["value"].tolist() == [1]
    assert "## Cin" not in catalogue_markdown(one)  # grouped by priority, titled from its id
    update_history(measures, period_end=date(2022, 3, 31), extract_id="x", root=tmp_path / "h")
    assert len(read_history(tmp_path / "h")) == len(measures)
    assert not (tmp_path / "data").exists()


def test_settings_and_page_config_are_read_again_when_their_files_change(tmp_path) -> None:
    """The parsed settings and pages.yaml are cached per file version, so a kernel kept open
    while an analyst edits params/ sees the edit (and a caller's change stays its own)."""
    import os
    import shutil

    from selfeval.config import load_settings
    from selfeval.pages.context import load_page_config

    params = tmp_path / "params"
    shutil.copytree(PACKAGE.parents[1] / "params", params)
    settings_file = params / "settings.yaml"
    before = load_settings(settings_file)
    text = settings_file.read_text(encoding="utf-8")
    settings_file.write_text(
        text.replace(f"service: {before.service}", "service: Edited service")
        if f"service: {before.service}" in text
        else text + "\nservice: Edited service\n",
        encoding="utf-8",
    )
    stat = settings_file.stat()
    os.utime(settings_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert load_settings(settings_file).service == "Edited service"

    pages_file = params / "pages.yaml"
    config = load_page_config(pages_file)
    config["ilacs_judgements"] = {}
    assert load_page_config(pages_file)["ilacs_judgements"]  # the caller's change stays its own
    pages_file.write_text("ilacs_judgements: {leaders: Leaders}\n", encoding="utf-8")
    assert load_page_config(pages_file)["ilacs_judgements"] == {"leaders": "Leaders"}
