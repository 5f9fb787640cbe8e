"""The whole pack, end to end: `selfeval run --pdf` on the embedded sample through real papermill,
nbconvert and (where installed) Debian's Chromium, then what a reader would check."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from hand_built import PARAMS
from selfeval import browser, cli
from selfeval.config import load_settings, resolve_extract_dir
from selfeval.pipeline import EXIT_OK
from selfeval.plan import load_plan

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = (
    "What do we know about the quality and impact of practice?",
    "How do we know it?",
    "What are we doing next?",
)
MEASURE_COLUMNS = [
    "measure_id",
    "period_type",
    "period_start",
    "period_end",
    "breakdown",
    "numerator",
    "denominator",
    "value",
    "unit",
    "target",
    "rag",
    "polarity",
]
HAS_CHROMIUM = browser.find_chromium() is not None


@pytest.fixture(scope="module")
def pack(tmp_path_factory) -> Iterator[tuple[int, Path]]:
    """Run the pack once for the module on the latest embedded sample extract.

    It runs in a private workspace (SELFEVAL_ROOT) holding the real params, notebooks and sample,
    so its parquet store and measures history stay out of the project's data/ folder.
    """
    workspace = tmp_path_factory.mktemp("workspace")
    for name in ("params", "notebooks"):
        (workspace / name).symlink_to(ROOT / name)
    (workspace / "data").mkdir()
    (workspace / "data" / "sample").symlink_to(ROOT / "data" / "sample")
    extract = resolve_extract_dir(ROOT / "data" / "sample")
    out = workspace / "rendered"
    argv = ["run", "--data", str(extract), "--out", str(out)]
    if HAS_CHROMIUM:
        argv.append("--pdf")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SELFEVAL_ROOT", str(workspace))
        code = cli.main(argv)
        yield code, out / extract.name
    assert (workspace / "data" / "history").is_dir(), "the run kept its measures history"


@pytest.fixture(scope="module")
def pages(pack) -> dict[str, str]:
    _, folder = pack
    return {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.html")}


def test_the_pack_publishes_every_section(pack):
    code, folder = pack
    manifest = json.loads((folder / "manifest.json").read_text())
    failed = [s for s in manifest["sections"] if s["status"] != "ok"]
    assert failed == []
    assert code == EXIT_OK, manifest.get("unusable_tables")
    assert (folder / "index.html").exists()
    assert not list(folder.parent.glob(".build-*")), "no temporary build folder left behind"


def test_every_priority_has_a_page_with_the_three_questions_and_its_plan(pages):
    plan = load_plan(PARAMS)
    for priority in load_settings().priorities:
        html = pages[f"{priority.slug}.html"]
        for question in QUESTIONS:
            assert question in html, (priority.slug, question)
        for objective in plan.priority(priority.id).objectives:
            assert objective.id in html, (priority.slug, objective.id)


def test_pages_show_measures_tables_and_charts_but_no_code(pages):
    for name, html in pages.items():
        assert "Traceback" not in html and "In&nbsp;[" not in html, name
        assert "import selfeval" not in html and "pages.show_" not in html, name
        assert not re.search(r"<script[^>]+src=|<link[^>]+href=\"https?:|src=\"https?:", html)
    for name in ("01_assessment_intervention.html", "05_corporate_parenting.html"):
        assert "definitions.html#" in pages[name], "each figure links to its definition"
        assert re.search(r"<img[^>]+alt=\"[^\"]+\"", pages[name]), "charts with alt text"
        assert "<table" in pages[name]


def test_badges_and_links_in_tables_are_html_not_escaped_text(pages):
    """The pages' own Markup (RAG badges, links to definitions) stays HTML in every table:
    pandas 3's string dtype would turn a column of it into plain text, shown escaped."""
    for name, html in pages.items():
        assert "&lt;span class=&quot;" not in html and "&lt;a href=&quot;" not in html, name
    for name in ("01_assessment_intervention.html", "00_summary.html"):
        assert re.search(r'<td><a href="definitions\.html#[^"]+">', pages[name]), name
        assert '<td><span class="rag rag-' in pages[name], name


def test_index_links_every_page_and_the_definitions_and_quality_pages(pages):
    index = pages["index.html"]
    for priority in load_settings().priorities:
        assert f'href="{priority.slug}.html"' in index
    for extra in ("00_summary.html", "definitions.html", "data-quality.html"):
        assert f'href="{extra}"' in index
    assert "The priorities at a glance" in index, "the front page carries the summary"
    assert "Most notable concerns" in index


def test_measures_csv_follows_the_output_contract(pack):
    _, folder = pack
    measures = pd.read_csv(folder / "measures.csv")
    assert list(measures.columns) == MEASURE_COLUMNS
    assert {"referrals", "cla", "audits_good_pct", "sw_caseload_avg"} <= set(measures.measure_id)
    months = measures[(measures.measure_id == "referrals") & (measures.period_type == "month")]
    assert months.breakdown.isna().sum() == 24, "24 monthly points for the whole service"


def test_an_analysts_own_paragraph_and_chart_render_on_their_page(pages):
    """notebooks/02_direct_contact carries an analyst's markdown paragraph and a chart drawn with
    selfeval.charts on ctx.trend (docs/architecture.md, "Editing a page")."""
    html = pages["02_direct_contact.html"]
    assert "How many children the visits are for" in html
    assert re.search(
        r'<img[^>]+alt="Children on a child protection plan: line chart from [A-Z][a-z]+ \d{4}',
        html,
    )


@pytest.mark.browser
@pytest.mark.skipif(not HAS_CHROMIUM, reason="Debian's chromium is not installed")
def test_a_reader_opens_the_pack_offline_and_every_chart_renders(pack):
    _, folder = pack
    reports = browser.read_pack(folder / "index.html", timeout=120)
    visited = {r.url.rsplit("/", 1)[-1] for r in reports}
    assert {f"{p.slug}.html" for p in load_settings().priorities} <= visited
    for report in reports:
        assert report.console_errors == [], (report.url, report.console_errors)
        assert report.remote_requests == [], (report.url, report.remote_requests)
        assert all(img["complete"] and img["width"] > 0 and img["alt"] for img in report.images)
    assert sum(len(r.images) for r in reports) >= 10


@pytest.mark.browser
@pytest.mark.skipif(not HAS_CHROMIUM, reason="Debian's chromium is not installed")
def test_board_pack_pdf_holds_every_priority_title(pack):
    _, folder = pack
    pdf = folder / "board-pack.pdf"
    assert pdf.exists()
    text = subprocess.run(
        [shutil.which("pdftotext") or "pdftotext", str(pdf), "-"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    flat = " ".join(text.split())
    for priority in load_settings().priorities:
        assert " ".join(priority.title.split()) in flat, priority.title
