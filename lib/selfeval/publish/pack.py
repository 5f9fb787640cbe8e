"""The pack's front page, its manifest and the list of published periods."""

from __future__ import annotations

import json
import platform
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from importlib import metadata
from pathlib import Path

from selfeval.publish.render import NavItem, PackText, _write, escape, html_page

PERIOD_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")
VERSIONED_PACKAGES = (
    "selfeval",
    "pandas",
    "numpy",
    "papermill",
    "nbconvert",
    "nbformat",
    "nbclient",
    "ipykernel",
    "matplotlib",
    "seaborn",
    "pyarrow",
    "openpyxl",
)


@dataclass
class SectionResult:
    """How one section of the pack turned out."""

    title: str
    href: str
    status: str  # "ok" or "failed"
    seconds: float
    message: str = ""


def pack_nav(sections: Sequence[SectionResult | NavItem], extra_links: Sequence[NavItem]):
    """The navigation bar every page of a pack shares: Home, each section, then extra pages."""
    return [
        NavItem("Home", "index.html"),
        *(NavItem(s.title, s.href) for s in sections),
        *extra_links,
    ]


def _facts_html(pack_info: Mapping[str, str]) -> str:
    rows = [
        ("Local authority", pack_info.get("local_authority")),
        ("Service", pack_info.get("service")),
        ("Period", pack_info.get("period_label")),
        ("Period end", pack_info.get("period_end")),
        ("Data extracted", pack_info.get("extract_date")),
        ("Produced", pack_info.get("generated_at")),
        ("Produced by", f"selfeval {pack_info.get('selfeval_version') or ''}".strip()),
        ("Sign-off", pack_info.get("signoff") or "Draft: not yet signed off."),
    ]
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in rows if v)
    if command := pack_info.get("command"):
        items += f"<dt>Command</dt><dd><code>{escape(command)}</code></dd>"
    return f'<dl class="pack-facts">{items}</dl>'


def _status_text(section: SectionResult) -> str:
    if section.status == "ok":
        return '<span class="status-ok">Produced</span>'
    why = f": {escape(section.message)}" if section.message else ""
    return f'<span class="status-failed">Could not be produced</span>{why}'


def _sections_table(sections: Sequence[SectionResult]) -> str:
    rows = "".join(
        f'<tr><td><a href="{escape(s.href)}">{escape(s.title)}</a></td>'
        f"<td>{_status_text(s)}</td></tr>"
        for s in sections
    )
    return (
        "<table><caption>Sections of the pack</caption>"
        '<thead><tr><th scope="col">Section</th><th scope="col">Status</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def _summary_link(sections: Sequence[SectionResult]) -> str:
    for s in sections:
        if "summary" in f"{s.title} {s.href}".lower() and s.status == "ok":
            return (
                f'<p class="lead"><a href="{escape(s.href)}">Read the summary: '
                f"{escape(s.title)}</a></p>"
            )
    return ""


def index_body(
    pack_info: Mapping[str, str],
    sections: Sequence[SectionResult],
    summary_html: str | None,
    extra_links: Sequence[NavItem],
    text: PackText,
    ilacs_links: Sequence[NavItem] = (),
) -> str:
    """The front page's HTML body (all text escaped; ``summary_html`` and ``text`` trusted)."""
    la = pack_info.get("local_authority") or "Local authority"
    period = pack_info.get("period_label") or pack_info.get("period_end") or ""
    failed = [s for s in sections if s.status != "ok"]
    parts = [
        f"<h1>{escape(la)}: self-evaluation{escape(', ' + period if period else '')}</h1>",
        text.index_intro,
        _facts_html(pack_info),
    ]
    if failed:
        parts.append(
            f'<div class="notice"><p>{len(failed)} of {len(sections)} sections could not be '
            "produced this time; their pages say why.</p></div>"
        )
    parts.append("<h2>Summary</h2>")
    summary = (summary_html or "") + _summary_link(sections)
    parts.append(summary or text.index_no_summary)
    parts.append("<h2>Sections</h2>" + _sections_table(sections))
    if ilacs_links:
        links = "".join(
            f'<li><a href="{escape(x.href)}">{escape(x.title)}</a></li>' for x in ilacs_links
        )
        parts.append(f"<h2>The ILACS view</h2>{text.index_ilacs}<ul>{links}</ul>")
    if extra_links:
        links = "".join(
            f'<li><a href="{escape(x.href)}">{escape(x.title)}</a></li>' for x in extra_links
        )
        parts.append(f"<h2>About the figures</h2><ul>{links}</ul>")
    return "\n".join(parts)


def write_index(
    build_dir: Path,
    *,
    pack_info: Mapping[str, str],
    sections: Sequence[SectionResult],
    summary_html: str | None,
    extra_links: Sequence[NavItem],
    text: PackText,
    ilacs_links: Sequence[NavItem] = (),
) -> Path:
    """Write the pack's front page, ``index.html``."""
    return html_page(
        Path(build_dir) / "index.html",
        title="Home",
        body_html=index_body(pack_info, sections, summary_html, extra_links, text, ilacs_links),
        nav=pack_nav(sections, [*ilacs_links, *extra_links]),
        current_href="index.html",
        pack_info=pack_info,
    )


def write_manifest(build_dir: Path, manifest: Mapping) -> Path:
    """Write ``manifest.json`` (pretty, sorted keys; dates and paths as strings)."""
    text = json.dumps(manifest, indent=2, sort_keys=True, default=str, ensure_ascii=False)
    return _write(Path(build_dir) / "manifest.json", text + "\n")


def package_versions() -> dict[str, str]:
    """Versions of selfeval, Python and the packages that shape the figures and pages."""
    versions = {"python": platform.python_version()}
    for name in VERSIONED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


# --- rendered/index.html -----------------------------------------------------------------------


def published_periods(rendered_root: Path) -> list[str]:
    """Period folders holding a published pack, newest first."""
    root = Path(rendered_root)
    if not root.is_dir():
        return []
    found = [
        p.name
        for p in root.iterdir()
        if p.is_dir() and PERIOD_DIR.match(p.name) and (p / "index.html").is_file()
    ]
    return sorted(found, reverse=True)


def _manifest_of(folder: Path) -> dict:
    try:
        data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _pack_info_of(manifest: Mapping) -> dict:
    """The pack facts recorded in a manifest (under ``pack_info``, else at its top level)."""
    info = manifest.get("pack_info")
    return dict(info) if isinstance(info, Mapping) else dict(manifest)


def _period_label(period: str) -> str:
    try:
        day = date.fromisoformat(period)
    except ValueError:
        return period
    return f"Period ending {day.day} {day:%B %Y}"


def write_periods_index(rendered_root: Path) -> Path:
    """Write ``rendered/index.html``: every published period, newest first."""
    root = Path(rendered_root)
    periods = published_periods(root)
    rows = []
    for period in periods:
        manifest = _manifest_of(root / period)
        produced = _pack_info_of(manifest).get("generated_at") or ""
        status = "Complete" if manifest.get("exit_code", 0) == 0 else "Some sections missing"
        rows.append(
            f'<tr><td><a href="{escape(period)}/index.html">{escape(_period_label(period))}</a>'
            f"</td><td>{escape(str(produced))}</td><td>{escape(status)}</td></tr>"
        )
    body = "<h1>Self-evaluation packs</h1>" + (
        "<table><caption>Published periods, newest first</caption><thead><tr>"
        '<th scope="col">Period</th><th scope="col">Produced</th>'
        f'<th scope="col">Status</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
        if rows
        else "<p>No pack has been published yet.</p>"
    )
    newest = _manifest_of(root / periods[0]) if periods else {}
    info = _pack_info_of(newest)
    pack_info = {
        "local_authority": info.get("local_authority", ""),
        "service": info.get("service", ""),
    }
    return html_page(
        root / "index.html",
        title="Self-evaluation packs",
        body_html=body,
        nav=[],
        current_href="index.html",
        pack_info=pack_info,
    )
