"""Reliability: one failing section never takes the others down; Ctrl-C or a crash leaves the last
published pack and the measures history untouched, with no temporary folders behind.

The runner is exercised on small notebooks written here (fast), not the real priority pages.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import nbformat
import pytest

from selfeval import cli, pipeline, publish
from selfeval.pipeline import EXIT_NOTHING_PUBLISHED, EXIT_PARTIAL, RunOptions, run_pack
from selfeval.sample_data import action_ids, write_sample

PARAMETERS = 'period_end = ""\nextract_dir = ""\npriority_id = "x"\noutput_dir = ""\n'
FAILED_TEXT = "This section could not be produced"
TRACEBACK_MARKERS = ("Traceback", "ValueError", "os._exit", "time.sleep", 'File "', "line ")


def write_notebook(path: Path, code: str) -> Path:
    """A parameterised notebook: a papermill parameters cell, then `code`."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(PARAMETERS)
    params.metadata["tags"] = ["parameters"]
    title = nbformat.v4.new_markdown_cell("# Test section")
    nb.cells = [params, title, nbformat.v4.new_code_cell(code)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.write(nb, path)
    return path


def first_child_id(extract: Path) -> str:
    """A real child identifier from the extract (to check it never reaches the log)."""
    header = (extract / "ssda903" / "header.csv").read_text(encoding="utf-8").splitlines()
    return header[1].split(",")[0]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` with its bytes (for 'unchanged' checks)."""
    if not folder.is_dir():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def leftovers(root: Path) -> list[str]:
    return [p.name for p in root.iterdir() if p.name.startswith((".build-", ".old-"))]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Iterator[Path]:
    """A private workspace (SELFEVAL_ROOT): the real params, its own data/ and history."""
    ws = tmp_path_factory.mktemp("ws")
    real_root = Path(__file__).resolve().parents[1]
    (ws / "params").symlink_to(real_root / "params")
    (ws / "notebooks").mkdir()
    (ws / "data").mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SELFEVAL_ROOT", str(ws))
        write_sample(
            ws / "data" / "sample",
            scale=0.05,
            extract_dates=[date(2022, 3, 31)],
            actions=action_ids(ws / "params" / "priorities"),
        )
        yield ws


@pytest.fixture(scope="module")
def extract(workspace) -> Path:
    return workspace / "data" / "sample" / "2022-03-31"


@pytest.fixture(scope="module")
def notebooks(workspace, extract) -> dict[str, Path]:
    nbdir = workspace / "notebooks"
    child = first_child_id(extract)
    return {
        "ok": write_notebook(nbdir / "01_ok.ipynb", "print('All good in this section')"),
        "raises": write_notebook(
            nbdir / "02_raises.ipynb", f"raise ValueError('bad value for child {child}')"
        ),
        "dies": write_notebook(nbdir / "03_dies.ipynb", "import os\nos._exit(1)"),
        "slow": write_notebook(nbdir / "04_slow.ipynb", "import time\ntime.sleep(60)"),
    }


@pytest.fixture(scope="module")
def first_run(workspace, extract, notebooks):
    """One run with a good, a raising, a dying and a too-slow section."""
    root = workspace / "rendered"
    options = RunOptions(
        data=extract,
        rendered_root=root,
        jobs=2,
        cell_timeout=5,
        notebooks=list(notebooks.values()),
    )
    return run_pack(options)


def test_failing_sections_do_not_stop_the_others(first_run):
    assert first_run.exit_code == EXIT_PARTIAL
    status = {s.slug: s.status for s in first_run.sections}
    expected = {"01_ok": "ok", "02_raises": "failed", "03_dies": "failed", "04_slow": "failed"}
    assert status == expected
    ok_page = (first_run.published / "01_ok.html").read_text(encoding="utf-8")
    assert "All good in this section" in ok_page
    assert FAILED_TEXT not in ok_page


def test_failed_sections_get_a_plain_page_without_traceback(first_run, extract):
    child = first_child_id(extract)
    for slug in ("02_raises", "03_dies", "04_slow"):
        page = (first_run.published / f"{slug}.html").read_text(encoding="utf-8")
        assert FAILED_TEXT in page
        assert "What to do" in page
    for page in first_run.published.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert child not in text, page.name
        for marker in ("Traceback", "ValueError(", "os._exit", "time.sleep"):
            assert marker not in text, (page.name, marker)


def test_failure_reasons_are_plain_english(first_run):
    reasons = {s.slug: s.message for s in first_run.sections}
    assert "took longer than the time allowed" in reasons["04_slow"]
    assert "stopped unexpectedly" in reasons["03_dies"]
    assert "ValueError" in reasons["02_raises"]


def test_manifest_records_each_section_and_the_exit_code(first_run):
    manifest = json.loads((first_run.published / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["exit_code"] == EXIT_PARTIAL
    sections = {s["slug"]: s for s in manifest["sections"]}
    assert sections["01_ok"]["status"] == "ok"
    for slug in ("02_raises", "03_dies", "04_slow"):
        assert sections[slug]["status"] == "failed"
        assert sections[slug]["message"]


def test_traceback_goes_to_the_log_without_child_identifiers(first_run, extract):
    log_text = (first_run.published / "run.log").read_text(encoding="utf-8")
    assert "Section 02_raises failed" in log_text
    assert "Traceback" in log_text or "ValueError" in log_text
    assert first_child_id(extract) not in log_text


def test_no_executed_notebooks_or_build_folders_are_left(first_run):
    assert not list(first_run.published.glob("*.ipynb"))
    assert leftovers(first_run.published.parent) == []


def test_history_is_recorded_after_a_published_run(first_run, workspace):
    assert (workspace / "data" / "history" / "measures_2022-03-31.parquet").is_file()


def _only_ok(notebooks, extract, workspace) -> RunOptions:
    return RunOptions(
        data=extract, rendered_root=workspace / "rendered", jobs=1, notebooks=[notebooks["ok"]]
    )


def test_ctrl_c_leaves_the_last_pack_history_and_no_temp_folders(
    first_run, notebooks, extract, workspace, monkeypatch
):
    root = workspace / "rendered"
    pack_before = snapshot(first_run.published)
    history_before = snapshot(workspace / "data" / "history")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    # the interrupt comes after the measures were computed and the notebooks ran
    monkeypatch.setattr(publish, "write_index", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_pack(_only_ok(notebooks, extract, workspace))
    assert snapshot(first_run.published) == pack_before
    assert snapshot(workspace / "data" / "history") == history_before
    assert leftovers(root) == []


def test_ctrl_c_from_the_command_line_exits_130(
    first_run, notebooks, extract, workspace, monkeypatch, capsys
):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "discover_sections", lambda *_: interrupted())
    code = cli.main(["run", "--data", str(extract), "--out", str(workspace / "rendered")])
    assert code == 130
    assert "Traceback" not in capsys.readouterr().err
    assert leftovers(workspace / "rendered") == []


def test_a_crashed_run_publishes_nothing_and_keeps_history(
    first_run, notebooks, extract, workspace, monkeypatch, capsys
):
    root = workspace / "rendered"
    pack_before = snapshot(first_run.published)
    history_before = snapshot(workspace / "data" / "history")

    def bug(*args, **kwargs):
        raise RuntimeError("a bug in the pack builder")

    monkeypatch.setattr(publish, "write_index", bug)
    result = run_pack(_only_ok(notebooks, extract, workspace))
    assert result.exit_code == EXIT_NOTHING_PUBLISHED
    assert result.published is None
    assert snapshot(first_run.published) == pack_before
    assert snapshot(workspace / "data" / "history") == history_before
    assert leftovers(root) == []
    err = capsys.readouterr().err
    assert "nothing was published" in err and "Traceback" not in err
    assert "RuntimeError" in (root / "last-failed-run.log").read_text(encoding="utf-8")


def test_a_missing_extract_publishes_nothing(workspace, capsys):
    result = run_pack(RunOptions(data=workspace / "no-such-folder", rendered_root=workspace / "r2"))
    assert result.exit_code == EXIT_NOTHING_PUBLISHED
    assert "does not exist" in capsys.readouterr().err


def test_a_clean_run_exits_0(notebooks, extract, workspace, tmp_path):
    result = run_pack(RunOptions(data=extract, rendered_root=tmp_path, notebooks=[notebooks["ok"]]))
    # the sample extract is fully usable and the one section renders
    assert result.unusable_tables == []
    assert result.exit_code == 0


def test_a_path_with_quotes_is_injected_as_a_value(workspace, extract, tmp_path):
    """Parameters reach the notebook as values: quotes in a path neither break nor run code."""
    odd = tmp_path / "it's \"odd\" $(touch pwned); ')\nimport os" / "2022-03-31"
    shutil.copytree(extract, odd)
    nb = write_notebook(
        tmp_path / "01_echo.ipynb",
        "from pathlib import Path\n"
        "assert Path(extract_dir).is_dir(), extract_dir\n"
        "print('extract ok:', Path(extract_dir).parent.name.count(\"'\"))",
    )
    result = run_pack(RunOptions(data=odd, rendered_root=tmp_path / "out", notebooks=[nb]))
    assert result.exit_code == 0, [s.message for s in result.sections]
    page = (result.published / "01_echo.html").read_text(encoding="utf-8")
    assert "extract ok: 2" in page
    assert not list(tmp_path.rglob("pwned")) and not Path("pwned").exists()


def test_a_period_end_that_is_not_a_date_is_refused_plainly(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["run", "--period-end", "2022-03-31'); import os; os._exit(3) #"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "is not a date" in err and "Traceback" not in err


def test_describe_failure_never_repeats_the_error_text():
    err = ValueError("child C1234567 born 03/04/2015")
    assert "C1234567" not in pipeline.describe_failure(err)
    assert os.sep not in pipeline.describe_failure(KeyError("/data/extracts/x"))
