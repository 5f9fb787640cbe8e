"""A real headless Chromium reads the pack from disk, offline, like a board member would."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from selfeval import browser, publish

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists() and browser.find_chromium() is None,
        reason="Debian's chromium is not installed (.ci/install-browser.sh installs it)",
    ),
]


@pytest.fixture(scope="module")
def pack(tmp_path_factory) -> Path:
    """A published pack: index, two notebook pages, a failed section and the extra pages."""
    from test_publish import EXTRA, NAV, PACK_INFO, SECTIONS, TEXT, build_executed_notebook

    nb = build_executed_notebook()
    root = tmp_path_factory.mktemp("rendered")
    build = publish.new_build_dir(root, "2021-06-30")
    for section in SECTIONS:
        if section.status == "ok":
            publish.export_html(
                nb,
                build / section.href,
                title=section.title,
                nav=NAV,
                current_href=section.href,
                pack_info=PACK_INFO,
            )
        else:
            publish.failed_section_html(
                build / section.href,
                title=section.title,
                reason=section.message,
                text=TEXT,
                nav=NAV,
                current_href=section.href,
                pack_info=PACK_INFO,
            )
    for extra in EXTRA:
        publish.html_page(
            build / extra.href,
            title=extra.title,
            body_html="<p>Text.</p>",
            nav=NAV,
            current_href=extra.href,
            pack_info=PACK_INFO,
        )
    publish.write_index(
        build,
        pack_info=PACK_INFO,
        sections=SECTIONS,
        summary_html=None,
        extra_links=EXTRA,
        text=TEXT,
    )
    pages = [build / "index.html"] + [build / s.href for s in SECTIONS]
    pdf = publish.print_pdf(build, pages, build / "board-pack.pdf")
    assert pdf is not None
    return publish.publish_atomically(build, root, "2021-06-30")


@pytest.fixture(scope="module")
def reports(pack) -> list[browser.PageReport]:
    return browser.read_pack(pack / "index.html", timeout=60)


def test_reader_follows_the_navigation_to_every_page(reports):
    from test_publish import NAV

    visited = [r.url.rsplit("/", 1)[-1] for r in reports]
    assert visited == [item.href for item in NAV]
    assert all(r.lang == "en" and r.h1_count == 1 for r in reports)


def test_charts_render_with_alt_text(reports):
    charts = [img for r in reports for img in r.images]
    assert len(charts) == 6  # three charts on each of the two notebook pages
    assert all(img["complete"] and img["width"] > 0 for img in charts)
    assert all(img["alt"] for img in charts)


def test_no_console_errors_and_no_network_requests(reports):
    for r in reports:
        assert r.console_errors == [], (r.url, r.console_errors)
        assert r.remote_requests == [], (r.url, r.remote_requests)
        assert r.requests, "the request log must at least see the page itself"


def test_the_reader_would_notice_a_remote_resource(tmp_path):
    """Control: the same checks catch a page that reaches for the network."""
    page = tmp_path / "index.html"
    page.write_text(
        '<!DOCTYPE html><html lang="en"><head><title>t</title>'
        '<script src="https://cdn.example.org/require.js"></script></head>'
        '<body><h1>t</h1><img alt="c" src="http://example.org/chart.png"></body></html>'
    )
    (report,) = browser.read_pack(page, timeout=30)
    assert any("cdn.example.org" in u for u in report.remote_requests)
    assert report.console_errors  # the blocked loads are reported
    assert report.images[0]["width"] == 0


def test_board_pack_pdf_contains_every_page_title(pack):
    from test_publish import SECTIONS

    pdf = pack / "board-pack.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext (poppler-utils) is needed: .ci/install-browser.sh installs it"
    text = subprocess.run(
        [pdftotext, "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "self-evaluation" in text
    for section in SECTIONS:
        assert section.title in text
    assert "This section could not be produced" in text
    assert "Traceback" not in text
