"""Publishing: reader pages are code-free, offline, navigable, accessible, printable; publishing
is atomic and never touches other periods."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from selfeval import browser, publish
from selfeval.errors import UserError
from selfeval.pages import load_page_config
from selfeval.pipeline import pack_text
from selfeval.publish import atomic, render

PAGES_YAML = Path(__file__).resolve().parents[1] / "params" / "pages.yaml"
#: the generated pages' wording, from the project's params/pages.yaml
TEXT = pack_text(load_page_config(PAGES_YAML))

PACK_INFO = {
    "local_authority": "Southampton",
    "service": "Children and Learning",
    "period_end": "2021-06-30",
    "period_label": "Quarter ending 30 June 2021",
    "extract_date": "2021-07-05",
    "generated_at": "2021-07-06T10:00:00",
    "selfeval_version": "0.1.0",
    "command": "selfeval run --pdf",
}
SECTIONS = [
    publish.SectionResult("Summary", "00-summary.html", "ok", 1.0),
    publish.SectionResult("Early help", "01-early-help.html", "ok", 2.0),
    publish.SectionResult("Workforce", "02-workforce.html", "failed", 0.5, "a step took too long"),
]
EXTRA = [
    publish.NavItem("How each figure is calculated", "definitions.html"),
    publish.NavItem("Data quality", "data-quality.html"),
]
NAV = publish.pack_nav(SECTIONS, EXTRA)

CHART = """
import matplotlib.pyplot as plt
fig, ax = plt.subplots(figsize=(3, 2))
ax.plot([1, 2, 3])
"""
CELLS = [
    ("markdown", "# Early help\n\nHow quickly families are seen."),
    ("markdown", "## What do we know?\n\nMost families are seen on time."),
    ("code", "print('Families seen within 5 working days: 81%')"),
    (
        "code",
        "import sys, warnings\nprint('secret stderr', file=sys.stderr)\n"
        "warnings.warn('a noisy warning')",
    ),
    ("code", CHART + "plt.show()"),
    ("markdown", "Referrals rose in March. They fell again in April."),
    ("markdown", "### Referrals by month"),
    (
        "code",
        CHART + "import io\nfrom IPython.display import Image, display\n"
        "buf = io.BytesIO(); fig.savefig(buf, format='png'); plt.close(fig)\n"
        "display(Image(buf.getvalue(), metadata={'alt': 'Line chart of contacts by month'}))",
    ),
    ("code", CHART + "plt.show()\nprint('Chart: caseloads fell from 22 to 18.')"),
    ("markdown", "##### How do we know?\n\nAudits."),
    (
        "code",
        "from IPython.display import HTML\n"
        'HTML(\'<p>Inline</p><script>alert(1)</script><img src="https://cdn.example/x.png" alt="x">'
        '<a href="javascript:alert(2)" onclick="alert(3)">link</a>'
        '<link rel="stylesheet" href="https://fonts.example/css">'
        "<style>@import url(https://fonts.example/f.css); .a { background: url(//x.example/a.png) }"
        "</style>')",
    ),
    ("code", "raise ValueError('boom in a cell')"),
    ("markdown", "## What are we doing next?\n\nActions."),
]


def build_executed_notebook() -> nbformat.NotebookNode:
    """A tiny notebook executed in a real kernel, errors allowed (as papermill leaves them)."""
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(src) if kind == "markdown" else nbformat.v4.new_code_cell(src)
        for kind, src in CELLS
    ]
    NotebookClient(nb, kernel_name="python3", allow_errors=True, timeout=120).execute()
    return nb


@pytest.fixture(scope="module")
def executed() -> nbformat.NotebookNode:
    return build_executed_notebook()


@pytest.fixture(scope="module")
def page(executed, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("page") / "01-early-help.html"
    publish.export_html(
        executed,
        path,
        title="Early help",
        nav=NAV,
        current_href="01-early-help.html",
        pack_info=PACK_INFO,
    )
    return path.read_text(encoding="utf-8")


class Outline(HTMLParser):
    """Headings, images, links and ids of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.imgs: list[dict] = []
        self.links: list[dict] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        elif tag == "img":
            self.imgs.append(a)
        elif tag == "a":
            self.links.append(a)


def outline(html: str) -> Outline:
    parser = Outline()
    parser.feed(html)
    return parser


REMOTE = re.compile(
    r"<(script|link|img|iframe|source|video|audio|embed|object|image)\b[^>]*"
    r"\b(src|href|srcset|data)\s*=\s*[\"']?\s*(https?:)?//",
    re.IGNORECASE,
)


def assert_offline(html: str) -> None:
    assert not REMOTE.search(html), REMOTE.search(html).group(0)[:200]
    assert "<script" not in html.lower()
    assert not re.search(r"@import|@font-face|url\(\s*[\"']?\s*(https?:)?//", html, re.I)
    assert "require.js" not in html and "mathjax" not in html.lower()


# --- the reader page --------------------------------------------------------------------------


def test_page_shows_no_code_prompts_errors_or_stderr(page):
    for leaked in (
        "print(",
        "import matplotlib",
        "plt.show",
        "In&nbsp;[",
        "Out[",
        "Traceback",
        "ValueError",
        "boom in a cell",
        "secret stderr",
        "noisy warning",
        "jp-InputArea-editor",
        "<Figure size",
    ):
        assert leaked not in page, leaked
    assert "Families seen within 5 working days: 81%" in page


def test_page_loads_nothing_from_the_network_and_runs_no_script(page):
    assert_offline(page)
    assert "javascript:" not in page and "onclick" not in page
    assert "Inline" in page  # the rest of the HTML output is kept


def test_offline_check_would_catch_a_remote_reference():
    with pytest.raises(AssertionError):
        assert_offline('<img alt="x" src="https://cdn.example/x.png">')
    with pytest.raises(AssertionError):
        assert_offline('<link rel="stylesheet" href="//fonts.example/a.css">')


def test_page_is_accessible_one_h1_no_skipped_levels_lang_en(page):
    assert '<html lang="en">' in page
    levels = outline(page).headings
    assert levels.count(1) == 1 and levels[0] == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), levels


def test_every_chart_has_alt_text_from_metadata_text_or_next_sentence(page):
    imgs = outline(page).imgs
    assert len(imgs) == 3
    assert all(i.get("src", "").startswith("data:image/png;base64,") for i in imgs)
    alts = [i.get("alt", "") for i in imgs]
    assert alts == [
        "Referrals rose in March.",
        "Line chart of contacts by month",
        "Chart: caseloads fell from 22 to 18.",
    ]


def test_navigation_marks_the_current_page_and_links_every_page(page):
    nav = re.search(r'<nav[^>]*class="site-nav".*?</nav>', page, re.S).group(0)
    for item in NAV:
        assert f'href="{item.href}"' in nav
    assert nav.count('aria-current="page"') == 1
    assert re.search(
        r'<a aria-current="page" href="01-early-help.html"|'
        r'<a href="01-early-help.html" aria-current="page"',
        nav,
    )


def test_contents_list_links_to_the_pages_sections(page):
    toc = re.search(r'<nav[^>]*class="toc".*?</nav>', page, re.S).group(0)
    targets = re.findall(r'href="#([^"]+)"', toc)
    ids = outline(page).ids
    assert len(targets) >= 3 and all(t in ids for t in targets)
    assert "What do we know?" in toc and "What are we doing next?" in toc


def test_print_css_hides_navigation_and_keeps_charts_whole(page):
    css = page[page.index("@media print") :]
    assert re.search(r"\.site-nav[^{]*\.toc[^{]*\{\s*display:\s*none", css) or re.search(
        r"\.site-nav, \.toc[^{]*\{ display: none", css
    )
    assert "break-before: page" in css
    assert re.search(r"figure\.chart[^{]*\{[^}]*break-inside: avoid", css)


def test_one_exporter_is_reused_across_pages(executed, tmp_path):
    render._exporter.cache_clear()
    for name in ("a.html", "b.html"):
        publish.export_html(
            executed, tmp_path / name, title=name, nav=NAV, current_href=name, pack_info=PACK_INFO
        )
    assert render._exporter.cache_info().misses == 1
    assert render._exporter.cache_info().hits >= 1


def test_export_accepts_a_notebook_path(executed, tmp_path):
    nbformat.write(executed, tmp_path / "nb.ipynb")
    out = publish.export_html(
        tmp_path / "nb.ipynb",
        tmp_path / "p.html",
        title="Early help",
        nav=NAV,
        current_href="p.html",
        pack_info=PACK_INFO,
    )
    assert "Referrals rose in March." in out.read_text()


def test_page_without_a_heading_gets_the_title_as_h1(tmp_path):
    out = publish.html_page(
        tmp_path / "dq.html",
        title="Data <quality>",
        body_html="<p>x</p>",
        nav=NAV,
        current_href="data-quality.html",
        pack_info=PACK_INFO,
    )
    html = out.read_text()
    assert '<h1 id="page-title">Data &lt;quality&gt;</h1>' in html
    assert outline(html).headings == [1]


def test_table_html_escapes_cell_text(tmp_path):
    df = pd.DataFrame({"team": ['<script>alert("x")</script>', '=HYPERLINK("a")'], "n": [1, 2]})
    table = publish.table_html(df, caption="Teams & <things>")
    assert "<script>" not in table and "&lt;script&gt;" in table
    assert "<caption>Teams &amp; &lt;things&gt;</caption>" in table


def test_failed_section_page_is_plain_english_and_escaped(tmp_path):
    out = publish.failed_section_html(
        tmp_path / "02-workforce.html",
        title="Workforce",
        reason="bad <b>data</b>",
        text=TEXT,
        nav=NAV,
        current_href="02-workforce.html",
        pack_info=PACK_INFO,
    )
    html = out.read_text()
    assert "This section could not be produced:" in html
    assert "bad &lt;b&gt;data&lt;/b&gt;" in html
    assert "What to do</h2><p>Check the data-quality page for problems" in html
    assert "Traceback" not in html
    assert_offline(html)


# --- the front page and manifest -------------------------------------------------------------


def front_page(folder, *, pack_info=PACK_INFO, summary_html=None, text=TEXT) -> str:
    """The front page written for SECTIONS and EXTRA into `folder`, as HTML."""
    return publish.write_index(
        folder,
        pack_info=pack_info,
        sections=SECTIONS,
        summary_html=summary_html,
        extra_links=EXTRA,
        text=text,
    ).read_text()


def test_index_links_every_page_with_status_and_pack_facts(tmp_path):
    info = {**PACK_INFO, "local_authority": "Southampton <City>"}
    html = front_page(tmp_path, pack_info=info)
    for s in SECTIONS:
        assert f'href="{s.href}"' in html
    for x in EXTRA:
        assert f'href="{x.href}"' in html
    assert "Could not be produced</span>: a step took too long" in html
    assert "Southampton &lt;City&gt;" in html and "<City>" not in html
    for key in ("period_label", "extract_date", "generated_at", "command"):
        assert PACK_INFO[key] in html
    assert "Read the summary" in html
    assert 'aria-current="page" href="index.html"' in html or (
        'href="index.html" aria-current="page"' in html
    )
    assert_offline(html)


def test_index_embeds_a_summary_fragment_when_given(tmp_path):
    html = front_page(tmp_path, summary_html="<p>Overall: improving.</p>")
    assert "<p>Overall: improving.</p>" in html


def test_generated_pages_wording_is_read_from_pages_yaml(tmp_path):
    """An analyst edits the front page's and the failed page's wording in params/pages.yaml
    (Markdown, raw HTML stripped); a missing entry is named, not a traceback."""
    config = load_page_config(PAGES_YAML)
    config["text"]["index_intro"] = "What *we* know <script>x</script>"
    config["text"]["failed_section_others"] = "Ask the analyst's team."
    text = pack_text(config)
    index = front_page(tmp_path, text=text)
    assert "<p>What <em>we</em> know x</p>" in index and "<script>" not in index
    failed = publish.failed_section_html(
        tmp_path / "failed.html",
        title="Workforce",
        reason="a step took too long",
        text=text,
        nav=NAV,
        current_href="failed.html",
        pack_info=PACK_INFO,
    ).read_text()
    assert "<p>Ask the analyst&#x27;s team.</p>" in failed
    del config["text"]["quality_intro"]
    with pytest.raises(UserError, match=r"params/pages.yaml: text.quality_intro is missing"):
        pack_text(config)


def test_quality_page_counts_problems_by_rule_without_values(tmp_path):
    summary = pd.DataFrame(
        {"file": ["a.csv"], "sheet": [None], "table": ["t"], "rows_read": [3], "rows_used": [2]}
    )
    quality = pd.DataFrame(
        {
            "file": ["a.csv", "a.csv"],
            "sheet": [None, None],
            "rule": ["date", "date"],
            "severity": ["error", "error"],
            "value": ["C001", "C002"],
        }
    )
    html = publish.write_quality_page(tmp_path, summary, quality, NAV, PACK_INFO, TEXT).read_text()
    assert TEXT.quality_intro in html and 'href="data_quality.csv"' in html
    assert "<td>date</td>" in html and "<td>2</td>" in html and "C001" not in html
    html = publish.write_quality_page(tmp_path, summary, None, NAV, PACK_INFO, TEXT).read_text()
    assert "<p>No problems were found.</p>" in html


def test_manifest_is_pretty_sorted_json(tmp_path):
    path = publish.write_manifest(tmp_path, {"zeta": 1, "alpha": {"b": 2, "a": Path("/x")}})
    text = path.read_text()
    assert json.loads(text) == {"alpha": {"a": "/x", "b": 2}, "zeta": 1}
    assert text.index('"alpha"') < text.index('"zeta"') and "\n  " in text


def test_package_versions_name_selfeval_python_and_key_dependencies():
    versions = publish.package_versions()
    for name in (
        "selfeval",
        "python",
        "pandas",
        "numpy",
        "papermill",
        "nbconvert",
        "nbformat",
        "matplotlib",
        "seaborn",
        "pyarrow",
        "openpyxl",
    ):
        assert versions.get(name), name
    assert versions["python"] == ".".join(map(str, sys.version_info[:3]))


# --- atomic publishing -------------------------------------------------------------------------


def _build(root: Path, period: str, marker: str) -> Path:
    build = publish.new_build_dir(root, period)
    publish.html_page(
        build / "index.html",
        title=marker,
        body_html=f"<p>{marker}</p>",
        nav=[],
        current_href="index.html",
        pack_info=PACK_INFO,
    )
    publish.write_manifest(build, {"generated_at": marker, "exit_code": 0})
    return build


def _leftovers(root: Path) -> list[str]:
    return [p.name for p in root.iterdir() if p.name.startswith(".")]


def test_build_dir_is_hidden_inside_rendered_root(tmp_path):
    build = publish.new_build_dir(tmp_path, "2021-06-30")
    assert build.parent == tmp_path and build.name.startswith(".build-2021-06-30-")
    publish.cleanup_build_dir(build)
    assert not build.exists()


def test_build_dir_rejects_a_period_that_is_not_a_date(tmp_path):
    with pytest.raises(ValueError, match="ISO date"):
        publish.new_build_dir(tmp_path, "../../etc")


def test_publish_replaces_only_its_period_and_leaves_no_temp_folders(tmp_path):
    publish.publish_atomically(_build(tmp_path, "2021-03-31", "march"), tmp_path, "2021-03-31")
    publish.publish_atomically(_build(tmp_path, "2021-06-30", "june-v1"), tmp_path, "2021-06-30")
    march = tmp_path / "2021-03-31" / "index.html"
    before = (march.read_bytes(), march.stat().st_mtime_ns)
    out = publish.publish_atomically(
        _build(tmp_path, "2021-06-30", "june-v2"), tmp_path, "2021-06-30"
    )
    assert out == tmp_path / "2021-06-30"
    assert "june-v2" in (out / "index.html").read_text()
    assert (march.read_bytes(), march.stat().st_mtime_ns) == before
    assert _leftovers(tmp_path) == []
    assert not (out / atomic.OWNER_FILE).exists()


def test_periods_index_lists_every_period_newest_first(tmp_path):
    for period in ("2021-03-31", "2021-09-30", "2021-06-30"):
        publish.publish_atomically(_build(tmp_path, period, period), tmp_path, period)
    html = (tmp_path / "index.html").read_text()
    hrefs = re.findall(r'href="(\d{4}-\d{2}-\d{2})/index.html"', html)
    assert hrefs == ["2021-09-30", "2021-06-30", "2021-03-31"]
    assert_offline(html)


def test_failed_swap_puts_the_previous_pack_back(tmp_path, monkeypatch):
    publish.publish_atomically(_build(tmp_path, "2021-06-30", "old-pack"), tmp_path, "2021-06-30")
    build = _build(tmp_path, "2021-06-30", "new-pack")
    real_rename, calls = os.rename, []

    def flaky_rename(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:
            raise KeyboardInterrupt  # interrupted between the two renames
        return real_rename(src, dst)

    monkeypatch.setattr(atomic.os, "rename", flaky_rename)
    with pytest.raises(KeyboardInterrupt):
        publish.publish_atomically(build, tmp_path, "2021-06-30")
    monkeypatch.setattr(atomic.os, "rename", real_rename)
    assert "old-pack" in (tmp_path / "2021-06-30" / "index.html").read_text()
    publish.cleanup_build_dir(build)
    assert _leftovers(tmp_path) == []


def test_publish_refuses_a_folder_that_is_not_its_build_dir(tmp_path):
    other = tmp_path / "elsewhere"
    other.mkdir()
    with pytest.raises(ValueError):
        publish.publish_atomically(other, tmp_path, "2021-06-30")


def test_cleanup_never_deletes_a_published_pack(tmp_path):
    publish.publish_atomically(_build(tmp_path, "2021-06-30", "x"), tmp_path, "2021-06-30")
    publish.cleanup_build_dir(tmp_path / "2021-06-30")
    assert (tmp_path / "2021-06-30" / "index.html").exists()


def test_stale_build_dirs_of_dead_runs_are_removed_live_ones_kept(tmp_path):
    dead = publish.new_build_dir(tmp_path, "2021-06-30")
    live = publish.new_build_dir(tmp_path, "2021-06-30")
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    host = (dead / atomic.OWNER_FILE).read_text().split()[0]
    (dead / atomic.OWNER_FILE).write_text(f"{host} {proc.pid}\n")
    (live / atomic.OWNER_FILE).write_text(f"{host} {os.getppid()}\n")
    removed = publish.remove_stale_build_dirs(tmp_path)
    assert removed == [dead] and not dead.exists() and live.exists()


def test_a_pack_set_aside_by_a_killed_swap_is_restored(tmp_path):
    publish.publish_atomically(_build(tmp_path, "2021-06-30", "kept"), tmp_path, "2021-06-30")
    os.rename(tmp_path / "2021-06-30", tmp_path / ".old-2021-06-30-abcd1234")
    publish.remove_stale_build_dirs(tmp_path)
    assert "kept" in (tmp_path / "2021-06-30" / "index.html").read_text()
    assert _leftovers(tmp_path) == []


# --- PDF without (a working) Chromium ---------------------------------------------------------


def test_print_pdf_says_how_to_install_chromium_when_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("SELFEVAL_CHROMIUM", str(tmp_path / "no-such-chromium"))
    (tmp_path / "index.html").write_text("<p>x</p>")
    with pytest.raises(publish.BrowserMissing) as err:
        publish.print_pdf(tmp_path, [tmp_path / "index.html"], tmp_path / "pack.pdf")
    message = str(err.value)
    assert "apt-get install -y chromium" in message and "HTML pack was still published" in message


def _fake_chromium(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "fake-chromium"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    return script


def test_a_hanging_chromium_is_killed_at_the_timeout(tmp_path, monkeypatch):
    monkeypatch.setenv("SELFEVAL_CHROMIUM", str(_fake_chromium(tmp_path, "sleep 60")))
    with pytest.raises(browser.BrowserFailed, match="did not finish"):
        browser.run_chromium(["about:blank"], timeout=1)


def test_a_failing_chromium_gives_no_pdf_but_no_exception(tmp_path, monkeypatch):
    monkeypatch.setenv(
        "SELFEVAL_CHROMIUM", str(_fake_chromium(tmp_path, "echo crashed >&2; exit 3"))
    )
    (tmp_path / "index.html").write_text("<p>x</p>")
    assert publish.print_pdf(tmp_path, [tmp_path / "index.html"], tmp_path / "p.pdf") is None
    assert (tmp_path / "board-pack.html").exists()
