"""The repository's pre-commit hooks (issue 18): ruff, ruff-format, the notebook check, a secret
scanner and a large-file guard are configured, the configuration is valid, and the local hooks
pass on the repository and fail on a notebook with outputs or one that breaks the notebook
rules."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".pre-commit-config.yaml"
REQUIRED = {"ruff", "ruff-format", "notebooks-without-outputs", "detect-secrets"}


def _hooks(config: dict) -> dict[str, dict]:
    return {h["id"]: h for repo in config["repos"] for h in repo["hooks"]}


def test_the_configuration_is_valid_and_has_every_hook():
    from pre_commit.clientlib import load_config

    load_config(str(CONFIG))  # raises on an invalid configuration
    hooks = _hooks(yaml.safe_load(CONFIG.read_text(encoding="utf-8")))
    assert REQUIRED | {"check-added-large-files"} <= set(hooks)
    assert "--baseline" in hooks["detect-secrets"]["args"]
    baseline = json.loads((ROOT / ".secrets.baseline").read_text(encoding="utf-8"))
    assert baseline["results"] == {}, "unreviewed findings in .secrets.baseline"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pre-commit install" in readme


def _local_only(tmp_path: Path) -> Path:
    """The configuration's local hooks (the others are fetched from GitHub on first use)."""
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    config["repos"] = [r for r in config["repos"] if r["repo"] == "local"]
    path = tmp_path / "local-hooks.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_local_hooks_pass_here_and_catch_a_notebook_with_outputs(tmp_path):
    repo = tmp_path / "repo"
    (repo / "notebooks").mkdir(parents=True)
    (repo / ".ci").mkdir()
    shutil.copy(ROOT / ".ci" / "check_notebooks.py", repo / ".ci")
    (repo / ".venv" / "bin").mkdir(parents=True)
    # the hooks call the project's own tools in .venv/bin: ruff, and this Python with its
    # packages (a script, as a symlink to a virtualenv's python would lose them)
    (repo / ".venv" / "bin" / "ruff").symlink_to(Path(sys.executable).parent / "ruff")
    python = repo / ".venv" / "bin" / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
    python.chmod(0o755)
    cell = {
        "cell_type": "code",
        "metadata": {},
        "source": "1",
        "outputs": [],
        "execution_count": None,
    }
    nb = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (repo / "notebooks" / "01.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    config = _local_only(tmp_path)

    def run() -> subprocess.CompletedProcess:
        git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
        subprocess.run(git + ["init", "-q"], check=True)
        subprocess.run(git + ["add", "-A"], check=True)
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "run", "--config", str(config), "--all-files"],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=300,
        )

    clean = run()
    assert clean.returncode == 0, clean.stdout + clean.stderr
    cell |= {"outputs": [{"output_type": "stream", "name": "stdout", "text": "a child"}]}
    cell["execution_count"] = 1
    (repo / "notebooks" / "01.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    dirty = run()
    assert dirty.returncode == 1
    assert "Notebooks must be committed without outputs" in dirty.stdout
    # without outputs, but a cell that reads a raw file: refused by the notebook rules
    cell |= {"outputs": [], "execution_count": None}
    raw = {**cell, "source": 'import pandas as pd\npd.read_csv("children.csv")'}
    nb["cells"] = [cell, raw]
    (repo / "notebooks" / "01.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    thick = run()
    assert thick.returncode == 1
    assert "Notebooks must be committed without outputs" not in thick.stdout
    assert "01.ipynb: cell 2: reads a file with read_csv()" in thick.stdout
    assert "01.ipynb: cell 2: imports pandas" in thick.stdout
