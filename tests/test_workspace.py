"""The workspace (a council's project folder) is passed explicitly, not found as a side effect."""

from __future__ import annotations

import shutil
from pathlib import Path

from selfeval.config import Workspace
from selfeval.pages import load_context

ROOT = Path(__file__).resolve().parents[1]
EXTRACT = ROOT / "data" / "sample" / "2022-03-31"


def test_workspace_paths_follow_its_root(tmp_path) -> None:
    ws = Workspace.find(tmp_path)
    assert ws.params == tmp_path / "params" and ws.history == tmp_path / "data" / "history"
    assert ws.store(EXTRACT).parent == tmp_path / "data" / "store"
    assert ws.store(EXTRACT).name.startswith("2022-03-31-")


def test_a_page_reads_the_workspace_it_is_given(tmp_path, monkeypatch) -> None:
    """Another council's folder, passed in while this process sits elsewhere: its own
    commentary, its own store (charts kept beside it), not the repository's."""
    other = tmp_path / "other-council"
    shutil.copytree(ROOT / "params", other / "params")
    note = other / "params" / "commentary" / "2022-03-31" / "workforce.md"
    note.parent.mkdir(parents=True, exist_ok=True)
    note.write_text("Only in the other council's folder.", encoding="utf-8")
    monkeypatch.delenv("SELFEVAL_ROOT", raising=False)
    monkeypatch.chdir(tmp_path)
    ws = Workspace.find(other)
    ctx = load_context("2022-03-31", str(EXTRACT), "workforce", workspace=ws)
    assert ctx.workspace == ws
    assert ctx.commentary == "Only in the other council's folder."
    assert ctx.commentary_path == note
    assert ctx.chart_folder == ws.store(EXTRACT) / "charts"
    assert (other / "data" / "store").is_dir()  # the extract was stored in this workspace
