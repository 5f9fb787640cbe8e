"""The workspace itself: install files in step, README matches the Makefile, CLI behaviour."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from selfeval import cli
from selfeval.config import latest_dated_folder, resolve_extract_dir
from selfeval.errors import UserError

ROOT = Path(__file__).resolve().parents[1]


def test_environment_yml_installs_the_same_project_as_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = env["dependencies"]
    python = next(d for d in deps if isinstance(d, str) and d.startswith("python"))
    assert python.split("=")[-1] == project["requires-python"].lstrip(">=")
    assert "pip" in deps
    pip_items = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    editable = [p for p in pip_items if p.startswith("-e .")]
    assert editable, "environment.yml must pip-install this project (-e .)"
    extras = re.findall(r"\[(.*)\]", editable[0])
    assert set(extras[0].split(",")) == set(project["optional-dependencies"]), extras


def test_readme_quick_start_is_make_report_and_make_test():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Quick start", 1)[1].split("```", 2)[1]
    commands = [line.strip() for line in block.strip().splitlines() if line.strip()]
    assert commands == ["make report", "make test"]
    makefile = (ROOT / "Makefile").read_text()
    for command in commands:
        target = command.split()[1]
        assert re.search(rf"^{target}:", makefile, re.M), f"Makefile has no target {target}"


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_gitignore_keeps_data_and_outputs_out_but_not_lib():
    ignore = (ROOT / ".gitignore").read_text().splitlines()
    for needed in ("data/extracts/", "rendered/", ".venv/"):
        assert needed in ignore
    assert not any(line.strip().rstrip("/") == "lib" for line in ignore)


def test_committed_notebooks_carry_no_outputs_and_keep_the_notebook_rules():
    result = subprocess.run(
        [sys.executable, str(ROOT / ".ci" / "check_notebooks.py"), str(ROOT / "notebooks")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "every code cell within the notebook rules" in result.stdout


def test_notebook_check_refuses_a_notebook_that_reads_raw_data_or_wrangles(tmp_path):
    """The check pre-commit runs names the notebook, the cell and the rule broken."""
    import nbformat

    nb = nbformat.read(ROOT / "notebooks" / "02_direct_contact.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell('ctx.tables["annex_a_1"].groupby("team").size()'))
    path = tmp_path / "02_direct_contact.ipynb"
    nbformat.write(nb, path)
    result = subprocess.run(
        [sys.executable, str(ROOT / ".ci" / "check_notebooks.py"), str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    cell = f"{path}: cell {len(nb.cells)}:"
    assert f"{cell} reads the raw extract (ctx.tables): pages show the run's measures" in (
        result.stdout
    )
    assert f"{cell} uses .groupby: wrangling data belongs in lib/selfeval" in result.stdout
    assert "without outputs" not in result.stdout


def test_notebook_output_check_fails_on_a_notebook_with_outputs(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print(1)")
    cell.outputs = [nbformat.v4.new_output("stream", text="1\n")]
    nb.cells = [cell]
    nbformat.write(nb, tmp_path / "x.ipynb")
    result = subprocess.run(
        [sys.executable, str(ROOT / ".ci" / "check_notebooks.py"), str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "x.ipynb" in result.stdout


def test_latest_dated_folder_picks_the_latest_date(tmp_path):
    for name in ("2021-06-30", "2022-03-31", "2021-12-31", "notes"):
        (tmp_path / name).mkdir()
    assert latest_dated_folder(tmp_path).name == "2022-03-31"
    assert latest_dated_folder(tmp_path / "missing") is None


def test_resolve_extract_dir_accepts_a_parent_of_dated_extracts(tmp_path):
    (tmp_path / "2021-06-30").mkdir()
    (tmp_path / "2021-09-30").mkdir()
    assert resolve_extract_dir(tmp_path).name == "2021-09-30"


def test_resolve_extract_dir_missing_folder_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        resolve_extract_dir(tmp_path / "nope")


def test_cli_rejects_a_bad_period_end_without_traceback(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["run", "--period-end", "31/03/2022"])
    assert exit_info.value.code == 2
    assert "expected YYYY-MM-DD" in capsys.readouterr().err


def test_cli_run_with_a_missing_extract_publishes_nothing(tmp_path, capsys):
    code = cli.main(["run", "--data", str(tmp_path / "nope"), "--out", str(tmp_path / "out")])
    assert code == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
