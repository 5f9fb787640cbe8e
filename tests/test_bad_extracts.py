"""Bad extracts: each gives a clear outcome, and nothing in the data can run code or inject
script into a page or a spreadsheet. The corpus is generated in tmp_path (tests/bad_extracts)."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from bad_extracts import CORPUS, FORMULA, MARKUP_TEAM, SCRIPT, good_extract, junk_rows
from hand_built import CATALOGUE_FILE, PARAMS
from selfeval import measures as measures_pkg
from selfeval.config import load_settings
from selfeval.extract import load_extract, validate_command
from selfeval.pages import html as page_html
from selfeval.pages import measures_view as mv
from selfeval.pipeline import RunOptions, run_pack
from selfeval.protect import neutralise_formula, neutralise_formulas

SETTINGS = load_settings(PARAMS / "settings.yaml")

FORMULA_CHARS = ("=", "+", "-", "@")

# name -> (validate exit code, phrase the report must contain)
EXPECTED = {
    "empty_files": (1, "is empty. Export it again"),
    "missing_sheets": (1, "has no Annex A list sheets"),
    "wrong_types": (1, "invalid_date"),
    "future_dates": (0, "after_extract_date"),
    "duplicated_children": (0, "duplicate_row"),
    "formulas": (1, "invalid_date"),
    "script_in_text": (0, "6 rows read, 6 used"),
    "quotes_and_markup": (0, "6 rows read, 6 used"),
    "not_utf8": (0, "encoding"),
}


def build(name: str, parent: Path) -> Path:
    folder = parent / name
    folder.mkdir()
    CORPUS[name](folder)
    return folder


def test_every_corpus_case_has_an_expected_outcome():
    assert set(EXPECTED) | {"junk_rows"} == set(CORPUS)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_validate_gives_a_clear_outcome(name, tmp_path, capsys):
    folder = build(name, tmp_path)
    report = io.StringIO()
    code = validate_command(folder, tmp_path / "dq.csv", stream=report)
    expected_code, phrase = EXPECTED[name]
    assert code == expected_code, report.getvalue()
    assert phrase in report.getvalue()
    assert "Traceback" not in report.getvalue() + capsys.readouterr().err


def test_a_100000_row_junk_file_is_survived_and_reported(tmp_path):
    folder = tmp_path / "junk"
    folder.mkdir()
    junk_rows(folder, rows=100_000)
    report = io.StringIO()
    code = validate_command(folder, tmp_path / "dq.csv", stream=report)
    assert code == 1, "a junk table is an error, not a table of warnings"
    assert "100,000 rows read, 0 used" in report.getvalue()
    assert "mostly_unreadable" in report.getvalue()
    assert "does not look like a local dataset audits file" in report.getvalue()


def test_validate_csv_neutralises_spreadsheet_formulas(tmp_path):
    folder = build("formulas", tmp_path)
    validate_command(folder, tmp_path / "dq.csv", stream=io.StringIO())
    assert_no_formulas(tmp_path / "dq.csv")
    values = pd.read_csv(tmp_path / "dq.csv", dtype=str)["value"].dropna()
    assert (values == "'" + FORMULA).any()


def test_not_a_folder_is_refused_plainly(tmp_path, capsys):
    (tmp_path / "file.csv").write_text("x", encoding="utf-8")
    assert validate_command(tmp_path / "file.csv", tmp_path / "dq.csv") == 2
    assert "is a file" in capsys.readouterr().err


# ---------------------------------------------------------------- formulas in CSV outputs


def assert_no_formulas(path: Path) -> None:
    """No cell of the CSV would be run by Excel as a formula."""
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle):
            for cell in row:
                if cell.startswith(FORMULA_CHARS):
                    float(cell)  # only negative numbers may start with '-'


@pytest.mark.parametrize(
    "value, expected",
    [
        (FORMULA, "'" + FORMULA),
        ("+44 23 8000", "'+44 23 8000"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("team=Locality 4", "team=Locality 4"),
        (-2.5, -2.5),
        ("-3", "-3"),
        ("=1", "'=1"),
        (None, None),
    ],
)
def test_neutralise_formula(value, expected):
    assert neutralise_formula(value) == expected


def test_neutralise_formulas_keeps_numbers_numeric():
    frame = pd.DataFrame({"breakdown": ["=1+1", "team=A"], "value": [-1.0, 2.0]})
    out = neutralise_formulas(frame)
    assert list(out["breakdown"]) == ["'=1+1", "team=A"]
    assert out["value"].dtype == float


# ---------------------------------------------------------------- runs on bad extracts


@pytest.fixture(scope="module")
def ok_notebook(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("nb") / "01_ok.ipynb"
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('period_end = ""\nextract_dir = ""\noutput_dir = ""\n')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("print('section ok')")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize(
    "name, exit_code",
    [("empty_files", 1), ("wrong_types", 1), ("script_in_text", 0), ("not_utf8", 0)],
)
def test_a_run_on_a_bad_extract_publishes_with_the_documented_exit_code(
    name, exit_code, ok_notebook, tmp_path
):
    folder = build(name, tmp_path)
    result = run_pack(
        RunOptions(data=folder, rendered_root=tmp_path / "out", notebooks=[ok_notebook])
    )
    assert result.exit_code == exit_code
    assert (result.published / "index.html").is_file()
    for page in result.published.glob("*.html"):
        assert "<script" not in page.read_text(encoding="utf-8").lower(), page.name


def test_a_run_writes_csv_outputs_excel_will_not_execute(ok_notebook, tmp_path, monkeypatch):
    folder = build("formulas", tmp_path)
    real = measures_pkg.compute_measures_with_status

    def with_formula_breakdown(*args, **kwargs):
        frame, status = real(*args, **kwargs)
        extra = frame.head(1).assign(breakdown=FORMULA)
        return pd.concat([frame, extra], ignore_index=True), status

    # what the run computes its measures with
    monkeypatch.setattr(measures_pkg, "compute_measures_with_status", with_formula_breakdown)
    result = run_pack(
        RunOptions(data=folder, rendered_root=tmp_path / "out", notebooks=[ok_notebook])
    )
    assert result.exit_code == 1  # the episodes file has no usable row
    for name in ("measures.csv", "data_quality.csv"):
        assert_no_formulas(result.published / name)
    measures = pd.read_csv(result.published / "measures.csv", dtype=str)
    assert ("'" + FORMULA) in set(measures["breakdown"])


# ---------------------------------------------------------------- escaping in page builders


def _team_html(folder: Path, measure_id: str = "audits_good_pct") -> str:
    """The team breakdown table exactly as the page builder makes it (before publishing)."""
    extract = load_extract(folder)
    catalogue = measures_pkg.load_catalogue(CATALOGUE_FILE)
    measures = mv_normalised(
        measures_pkg.compute_measures(
            extract.tables, date(2022, 3, 31), settings=SETTINGS, catalogue=catalogue
        )
    )
    line = mv.line_from_catalogue(catalogue, measure_id)
    frame = mv.team_frame(measures, line, date(2022, 3, 31))
    assert not frame.empty, "the extract should give a team breakdown"
    return page_html.html_table(mv.team_frame_display(frame, line), caption="By team")


def mv_normalised(frame: pd.DataFrame) -> pd.DataFrame:
    from selfeval.pages.context import normalise_measures

    return normalise_measures(frame)


def test_script_in_a_team_name_is_escaped_by_the_page_builder(tmp_path):
    html = _team_html(build("script_in_text", tmp_path))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html.lower()


def test_quotes_and_markup_in_a_team_name_are_escaped(tmp_path):
    html = _team_html(build("quotes_and_markup", tmp_path))
    assert "<b>" not in html
    assert "O&#x27;Brien &amp; &quot;North&quot; &lt;b&gt;Team&lt;/b&gt;" in html
    assert MARKUP_TEAM not in html


@pytest.mark.parametrize(
    "text",
    [
        f"Commentary {SCRIPT} here.",
        'It\'s "fine" <img src=x onerror=alert(2)> [link](javascript:alert(3))',
    ],
)
def test_commentary_markup_cannot_inject_script(text):
    html = page_html.markdown_to_html(text)
    lowered = html.lower()
    assert "<script" not in lowered and "<img" not in lowered
    assert "javascript:" not in lowered


def test_a_good_extract_is_clean(tmp_path):
    folder = tmp_path / "good"
    folder.mkdir()
    good_extract(folder)
    assert validate_command(folder, tmp_path / "dq.csv", stream=io.StringIO()) == 0
