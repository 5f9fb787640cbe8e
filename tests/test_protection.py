"""Data protection: a whole sample pack is run once (with --suppress-below 5, the PDF when
Chromium is installed, and hostile text planted in the extract and the commentary), then every
output is scanned for every identifying value of the input, for script and for formulas."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from bad_extracts import FORMULA, MARKUP_TEAM, SCRIPT
from selfeval.extract import load_extract
from selfeval.pages import sections as sx
from selfeval.pages.cohorts import Timeliness
from selfeval.pipeline import RunOptions, run_pack
from selfeval.protect import SENSITIVE_COLUMNS, hide_small_counts
from selfeval.sample_data import action_ids, write_sample
from test_bad_extracts import assert_no_formulas

ROOT = Path(__file__).resolve().parents[1]
PERIOD = "2022-03-31"
CHROMIUM = Path("/usr/bin/chromium")
THRESHOLD = 5
COMMENTARY = f'Teams said "it\'s better" & <b>bold</b> {SCRIPT} <img src=x onerror=alert(3)>\n'

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Iterator[Path]:
    """A private workspace: a copy of params/ (to plant commentary), the real notebooks."""
    ws = tmp_path_factory.mktemp("protect")
    shutil.copytree(ROOT / "params", ws / "params")
    (ws / "notebooks").symlink_to(ROOT / "notebooks")
    (ws / "data").mkdir()
    commentary = ws / "params" / "commentary" / PERIOD / "assessment_intervention.md"
    commentary.parent.mkdir(parents=True, exist_ok=True)
    commentary.write_text(COMMENTARY, encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SELFEVAL_ROOT", str(ws))
        yield ws


@pytest.fixture(scope="module")
def extract(workspace) -> Path:
    """The small sample extract with hostile team names planted in the case audits."""
    (folder,) = write_sample(
        workspace / "data" / "sample",
        scale=0.05,
        extract_dates=[date.fromisoformat(PERIOD)],
        actions=action_ids(workspace / "params" / "priorities"),
    )
    audits_csv = folder / "local" / "audits.csv"
    audits = pd.read_csv(audits_csv, dtype=str, keep_default_na=False)
    latest = audits["audit_date"] >= "2022-01-01"  # teams shown in the quarter's breakdown
    teams = sorted(audits.loc[latest, "team"].unique())
    hostile = {teams[0]: SCRIPT, teams[1]: FORMULA, teams[2]: MARKUP_TEAM}
    audits["team"] = audits["team"].replace(hostile)
    audits.to_csv(audits_csv, index=False)
    return folder


@pytest.fixture(scope="module")
def pack(workspace, extract):
    options = RunOptions(
        data=extract,
        rendered_root=workspace / "rendered",
        jobs=2,
        pdf=CHROMIUM.exists(),
        suppress_below=THRESHOLD,
    )
    result = run_pack(options)
    assert result.published is not None, "the sample pack should publish"
    return result


def _spellings(day: pd.Timestamp) -> list[str]:
    """How a date could be printed: ISO, DD/MM/YYYY, '3 April 2015' and '03 April 2015'."""
    return [f"{day:%Y-%m-%d}", f"{day:%d/%m/%Y}", f"{day.day} {day:%B %Y}", f"{day:%d %B %Y}"]


def _is_period_boundary(day: pd.Timestamp) -> bool:
    # Month and quarter boundaries are printed legitimately as period starts and ends (measures.csv,
    # chart axes): a date of birth on the first or last day of a month cannot be told apart there.
    return day.day == 1 or day.is_month_end


def identifying_values(folder: Path) -> dict[str, str]:
    """Every child id, date of birth, postcode, worker name, … in the input -> where it is from."""
    values: dict[str, str] = {}
    for name, table in load_extract(folder).tables.items():
        for column in SENSITIVE_COLUMNS.intersection(table.columns):
            series = table[column].dropna()
            if pd.api.types.is_datetime64_any_dtype(series):
                for day in map(pd.Timestamp, series.unique()):
                    if not _is_period_boundary(day):
                        values.update(dict.fromkeys(_spellings(day), f"{name}.{column}"))
            else:
                for text in series.astype(str).str.strip().unique():
                    if len(text) >= 4:  # shorter codes (e.g. URN 'X1') are not identifying
                        values[text] = f"{name}.{column}"
    return values


def output_texts(published: Path) -> dict[str, str]:
    """The text of every output file (the PDF's through pdftotext)."""
    texts = {}
    for path in sorted(p for p in published.rglob("*") if p.is_file()):
        if path.suffix == ".pdf":
            if shutil.which("pdftotext"):
                texts[path.name] = subprocess.run(
                    ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
                ).stdout
        else:
            texts[path.name] = path.read_text(encoding="utf-8", errors="replace")
    return texts


def test_the_pack_published_every_section(pack):
    assert all(s.status == "ok" for s in pack.sections), [
        (s.slug, s.message) for s in pack.sections if s.status != "ok"
    ]
    expected = {"index.html", "measures.csv", "data_quality.csv", "run.log", "manifest.json"}
    assert expected <= {p.name for p in pack.published.iterdir()}


def test_no_identifying_value_of_the_input_is_in_any_output(pack, extract):
    values = identifying_values(extract)
    assert len(values) > 1000  # the scan really looks for something
    texts = output_texts(pack.published)
    if CHROMIUM.exists():
        assert "board-pack.pdf" in texts
    leaks = []
    for name, text in texts.items():
        for value, source in values.items():
            if value in text and re.search(rf"(?<!\w){re.escape(value)}(?!\w)", text):
                leaks.append(f"{name}: {value!r} from {source}")
    assert not leaks, leaks[:20]


def test_no_page_carries_script_and_hostile_text_is_shown_escaped(pack):
    pages = {p.name: p.read_text(encoding="utf-8") for p in pack.published.glob("*.html")}
    for name, text in pages.items():
        assert "<script" not in text.lower(), name
        assert "onerror=" not in text.lower(), name
    everything = "".join(pages.values())
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in everything  # the team name, as text
    assert "Teams said" in pages["01_assessment_intervention.html"]  # the commentary is shown


def test_csv_outputs_hold_no_live_formula(pack):
    for name in ("measures.csv", "data_quality.csv"):
        assert_no_formulas(pack.published / name)
    breakdowns = pd.read_csv(pack.published / "measures.csv", dtype=str)["breakdown"].dropna()
    assert breakdowns.str.contains("HYPERLINK", regex=False).any()


def test_measures_csv_hides_figures_built_on_fewer_than_5_children(pack):
    m = pd.read_csv(pack.published / "measures.csv")
    counts = m[(m["unit"] == "count") & m["value"].notna()]
    assert not ((counts["value"] > 0) & (counts["value"] < THRESHOLD)).any()
    pct = m[(m["unit"] == "pct") & m["value"].notna()]
    assert (pct["denominator"] >= THRESHOLD).all()
    assert (m["rag"] == "suppressed").any()


def test_cohort_tables_in_the_pages_hide_small_groups(pack):
    html = (pack.published / "01_assessment_intervention.html").read_text(encoding="utf-8")
    tables = re.findall(r"<caption[^>]*>[^<]*by ethnic group</caption>(.*?)</table>", html, re.S)
    assert tables
    cells = [c for t in tables for c in re.findall(r'<td class="num">([\d,]+)</td>', t)]
    numbers = [int(c.replace(",", "")) for c in cells]
    assert numbers and all(n == 0 or n >= THRESHOLD for n in numbers)
    assert "suppressed" in "".join(tables)


# ---------------------------------------------------------------- suppression in page builders


def _profile() -> sx.CohortProfile:
    ethnicity = pd.DataFrame(
        {"Children": [40, 3], "Percent": [93.0, 7.0]}, index=pd.Index(["White", "Mixed"])
    )
    ethnicity.index.name = "Group"
    ages = pd.DataFrame({"Male": [6, 2], "Female": [0, 9]}, index=["1-4", "5-9"])
    bands = pd.DataFrame({"Band": ["0-10", "11-15"], "Count": [12, 1]}).set_index("Band")
    timeliness = Timeliness("t", "title", "table", "unit", "band")
    return sx.CohortProfile(
        "cp", "Children on a plan", 60, ages, ethnicity, None, [(timeliness, bands)], "at x"
    )


def test_hide_small_counts_blanks_1_to_4_keeps_0_and_5():
    frame = pd.DataFrame({"Children": [0, 1, 4, 5], "Percent": [0.0, 10.0, 40.0, 50.0]})
    out = hide_small_counts(frame, 5)
    assert out["Children"].isna().tolist() == [False, True, True, False]
    assert out["Percent"].isna().tolist() == [False, True, True, False]
    assert hide_small_counts(frame, None) is frame


def test_cohort_profile_hides_small_groups_in_tables_and_charts():
    profile = sx.suppress_profile(_profile(), 5)
    assert profile.age_gender.to_numpy().tolist() == [[6, 0], [0, 9]]
    assert profile.timeliness[0][1]["Count"].tolist() == [12, 0]
    html = sx.counts_table_html(profile.ethnicity, "By ethnic group", "Ethnic group")
    assert ">3<" not in html and "7.0%" not in html and "suppressed" in html


def test_cohorts_of_fewer_than_5_children_are_left_out():
    small = _profile()
    small.children = 3
    assert sx._too_few(small, 5) and not sx._too_few(small, None)


# ---------------------------------------------------------------- git


@pytest.mark.parametrize(
    "path",
    [
        "data/extracts/2022-03-31/annex_a.xlsx",
        "data/store/x.parquet",
        "data/history/measures_2022-03-31.parquet",
        "rendered/2022-03-31/index.html",
    ],
)
def test_git_ignores_real_data_and_rendered_packs(path):
    if not (ROOT / ".git").exists() or not shutil.which("git"):
        pytest.skip("not a git checkout")
    result = subprocess.run(
        ["git", "check-ignore", "-q", path], cwd=ROOT, capture_output=True, check=False
    )
    assert result.returncode == 0, f"{path} is not git-ignored"


def test_git_keeps_the_code_and_sample_tracked():
    if not (ROOT / ".git").exists() or not shutil.which("git"):
        pytest.skip("not a git checkout")
    for path in ("lib/selfeval/pipeline.py", "notebooks/00_summary.ipynb"):
        result = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT, check=False)
        assert result.returncode == 1, f"{path} should not be ignored"
