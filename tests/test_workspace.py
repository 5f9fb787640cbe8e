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


def _runner_build(tmp_path: Path) -> tuple[Workspace, Path, Path]:
    """A workspace with a one-file extract and a build folder as the runner leaves it while
    the notebooks run (run.json, measures.csv, data_quality.csv)."""
    import json

    from selfeval.measures import MEASURE_COLUMNS

    ws = Workspace.find(tmp_path / "council")
    shutil.copytree(ROOT / "params", ws.params)
    folder = ws.data / "extracts" / "2022-03-31"
    (folder / "local").mkdir(parents=True)
    (folder / "extract.yaml").write_text("extract_date: 2022-03-31\n", encoding="utf-8")
    (folder / "local" / "actions.csv").write_text(
        "action_id,status,note,updated_on\n01.01.1,On track,Milestones met.,2022-03-20\n",
        encoding="utf-8",
    )
    build = tmp_path / "build"
    build.mkdir()
    (build / "run.json").write_text(
        json.dumps(
            {"workspace": str(ws.root), "extract_dir": str(folder), "period_end": "2022-03-31"}
        ),
        encoding="utf-8",
    )
    (build / "measures.csv").write_text(",".join(MEASURE_COLUMNS) + "\n", encoding="utf-8")
    (build / "data_quality.csv").write_text("file,sheet,row,rule\n", encoding="utf-8")
    return ws, folder, build


def test_a_page_of_a_run_never_uses_a_store_older_than_its_extract(tmp_path) -> None:
    """The page reads the extract through the one store reader (selfeval.extract.load_extract):
    an input file changed after the run, even to the same size, is read again, not taken from
    the store the run left."""
    ws, folder, build = _runner_build(tmp_path)
    first = load_context("", "", "summary", str(build), workspace=ws)
    assert first.action_updates["note"].tolist() == ["Milestones met."]
    assert ws.store(folder).is_dir()

    actions = folder / "local" / "actions.csv"
    before = actions.stat().st_size
    actions.write_text(actions.read_text(encoding="utf-8").replace("met.", "late"), "utf-8")
    assert actions.stat().st_size == before  # same size: a size check alone would miss it

    again = load_context("", "", "summary", str(build), workspace=ws)
    assert again.action_updates["note"].tolist() == ["Milestones late"]
    assert again.tables["local_actions"]["note"].tolist() == ["Milestones late"]


def test_a_page_reads_its_tables_from_the_store_when_first_used(tmp_path) -> None:
    """The store's tables reach the page unread: each parquet file is read when a section
    first asks for its table, and a table the extract lacks is simply absent."""
    from selfeval.extract.store import StoredTables

    ws, _, build = _runner_build(tmp_path)
    load_context("", "", "summary", str(build), workspace=ws)  # the run stored the extract
    ctx = load_context("", "", "summary", str(build), workspace=ws)
    assert isinstance(ctx.tables, StoredTables) and list(ctx.tables) == ["local_actions"]
    assert ctx.tables.is_stored("local_actions")
    assert ctx.tables.get("local_audits") is None and "annex_a_1" not in ctx.tables
