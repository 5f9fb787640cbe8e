"""The region's pages for one period: index.html, comparison.html, status.csv, measures_all.csv.

They are shared between councils, so every count and percentage built on fewer than
`suppress_below` children is blanked (`protect.suppress_small_numbers`) before anything is
written. Only measures (counts, percentages, rates) are pooled: never a child-level row.
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from html import escape
from pathlib import Path

import pandas as pd

from selfeval.config import Workspace
from selfeval.regional.layout import Region
from selfeval.regional.tasks import TaskResult

STATUS_COLUMNS = ["council", "period", "exit_code", "sections_failed", "seconds", "worker"]
#: after those: why a council failed (plain words), and the worker's peak memory in MB
EXTRA_COLUMNS = ["reason", "worker_peak_mb", "kernel_peak_mb"]
HEADLINE_TYPES = ("quarter", "snapshot")


def council_name(region: Region, code: str, pack: Path) -> str:
    """The council's name as its pack says it (else region.yaml, else its code)."""
    import json

    manifest = pack / "manifest.json"
    if manifest.is_file():
        try:
            return json.loads(manifest.read_text("utf-8"))["pack_info"]["local_authority"]
        except (ValueError, KeyError):
            pass
    named = {c.code: c.name for c in region.councils}
    return str(named.get(code) or code)


def write_status(path: Path, results: list[TaskResult]) -> None:
    """status.csv: one row per council-period, with the reason a council failed (plain words,
    never a traceback) and the worker's peak memory."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*STATUS_COLUMNS, *EXTRA_COLUMNS])
        for r in sorted(results, key=lambda r: r.council):
            writer.writerow(
                [
                    r.council,
                    r.period_end,
                    r.exit_code,
                    ";".join(r.sections_failed),
                    r.seconds,
                    r.worker,
                    r.message,
                    r.peak_mb,
                    r.kernel_peak_mb,
                ]
            )


def measures_all(folder: Path, results: list[TaskResult], suppress_below: int) -> pd.DataFrame:
    """Every published council's measures.csv with a `council` column, small numbers blanked."""
    from selfeval.protect import suppress_small_numbers

    frames = []
    for r in sorted(results, key=lambda r: r.council):
        path = folder / r.council / "measures.csv"
        if r.exit_code in (0, 1) and path.is_file():
            frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
            frames.append(frame.dropna(axis=1, how="all").assign(council=r.council))
    if not frames:
        return pd.DataFrame(columns=["council"])
    columns = list(dict.fromkeys(c for f in frames for c in f.columns))
    both = pd.concat(frames, ignore_index=True).reindex(columns=columns)
    both = suppress_small_numbers(both, suppress_below) if suppress_below else both
    return both[["council", *[c for c in both.columns if c != "council"]]]


def headline_rows(frame: pd.DataFrame, period_end: str) -> pd.DataFrame:
    """Each council's headline figure (whole population, the period's quarter or snapshot)."""
    if frame.empty:
        return frame
    breakdown = frame["breakdown"].fillna("").astype(str)
    keep = (
        (breakdown == "")
        & frame["period_type"].isin(HEADLINE_TYPES)
        & (frame["period_end"].astype(str) == period_end)
    )
    return frame[keep]


def _number(value: object, unit: str) -> str:
    if value is None or pd.isna(value):
        return ""
    number = float(value)  # type: ignore[arg-type]
    if unit == "pct":
        return f"{number:.1f}%"
    if unit == "count":
        return f"{number:,.0f}"
    return f"{number:,.1f}"


def bar_chart_svg(rows: list[tuple[str, float | None]], unit: str, england: float | None) -> str:
    """A small horizontal bar chart (inline SVG, no external resource): one bar per council,
    a dashed line at England's figure; a blank value shows no bar and says why."""
    width, left, bar, gap = 560, 190, 16, 6
    values = [v for _, v in rows if v is not None] + ([england] if england is not None else [])
    top = max(values) if values else 1.0
    top = top if top > 0 else 1.0
    scale = (width - left - 70) / top
    height = len(rows) * (bar + gap) + 24
    parts = [
        f'<svg width="{width}" height="{height}" '
        f'role="img" aria-label="Each council\'s figure as a bar'
        + (", England as a dashed line" if england is not None else "")
        + '">'
    ]
    for i, (name, value) in enumerate(rows):
        y = 4 + i * (bar + gap)
        parts.append(
            f'<text x="{left - 6}" y="{y + bar - 4}" text-anchor="end" font-size="12">'
            f"{escape(name)}</text>"
        )
        if value is None:
            parts.append(
                f'<text x="{left + 4}" y="{y + bar - 4}" font-size="11" fill="#555">'
                "no figure (blank or suppressed)</text>"
            )
        else:
            w = max(1.0, value * scale)
            parts.append(
                f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar}" fill="#1f5f8b"/>'
                f'<text x="{left + w + 4:.1f}" y="{y + bar - 4}" font-size="11">'
                f"{escape(_number(value, unit))}</text>"
            )
    if england is not None:
        x = left + england * scale
        parts.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 18}" stroke="#b00" '
            f'stroke-dasharray="4 3"/><text x="{x:.1f}" y="{height - 4}" font-size="11" '
            f'fill="#b00" text-anchor="middle">England {escape(_number(england, unit))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def comparison_body(
    headlines: pd.DataFrame, names: dict[str, str], catalogue, benchmarks: pd.DataFrame
) -> str:
    """One section per benchmarked headline measure: ranked table and chart; England, the DfE
    region and the median of these councils beside; RAG against each council's own target."""
    from selfeval.publish import table_html

    parts = [
        "<p>Each council's headline figure for the quarter, ranked best first (by the measure's "
        "direction); RAG is against each council's own target. Figures built on fewer children "
        "than the suppression threshold are blank. England and DfE region figures are the "
        "latest published year; 'These councils (median)' is the median of the figures shown."
        "</p>"
    ]
    latest = benchmarks.sort_values("year").groupby("measure_id").tail(1).set_index("measure_id")
    for measure_id in sorted(set(headlines["measure_id"]) & set(latest.index)):
        definition = catalogue.get(measure_id)
        if definition is None:
            continue
        rows = headlines[headlines["measure_id"] == measure_id].copy()
        unit, polarity = str(rows["unit"].iloc[0]), definition.polarity
        rows["value"] = pd.to_numeric(rows["value"], errors="coerce")
        ascending = polarity == "down"
        rows = rows.sort_values("value", ascending=ascending, na_position="last")
        bench = latest.loc[measure_id]
        england = pd.to_numeric(bench.get("england"), errors="coerce")
        table = pd.DataFrame(
            {
                "Rank": [str(i + 1) if pd.notna(v) else "" for i, v in enumerate(rows["value"])],
                "Council": [names.get(c, c) for c in rows["council"]],
                "Figure": [_number(v, unit) for v in rows["value"]],
                "Target": [_number(t, unit) for t in pd.to_numeric(rows["target"], "coerce")],
                "RAG": [str(r) if isinstance(r, str) else "" for r in rows["rag"]],
            }
        )
        beside = pd.DataFrame(
            {
                "Benchmark": [
                    f"England ({bench.get('year_label', '')})",
                    f"DfE region ({bench.get('year_label', '')})",
                    "These councils (median)",
                ],
                "Figure": [
                    _number(england, unit),
                    _number(pd.to_numeric(bench.get("region"), errors="coerce"), unit),
                    _number(rows["value"].median(), unit),
                ],
            }
        )
        chart = bar_chart_svg(
            [
                (names.get(c, c), None if pd.isna(v) else float(v))
                for c, v in zip(rows["council"], rows["value"], strict=True)
            ],
            unit,
            None if pd.isna(england) else float(england),
        )
        parts += [
            f'<h2 id="{escape(measure_id)}">{escape(definition.name or measure_id)}</h2>',
            "<p>"
            + ("Higher is better." if polarity == "up" else "")
            + ("Lower is better." if polarity == "down" else "")
            + "</p>",
            table_html(table, caption=f"{definition.name or measure_id}: councils ranked"),
            table_html(beside, caption="Benchmarks"),
            f"<figure>{chart}</figure>",
        ]
    if len(parts) == 1:
        parts.append("<p>No benchmarked headline measure was published by any council.</p>")
    return "\n".join(parts)


def write_period_outputs(
    folder: Path, region: Region, results: list[TaskResult], suppress_below: int
) -> None:
    """index.html, comparison.html, status.csv and measures_all.csv for one period."""
    from selfeval import publish
    from selfeval.measures import benchmarks_for, load_catalogue
    from selfeval.protect import neutralise_formulas

    folder.mkdir(parents=True, exist_ok=True)
    period = results[0].period_end
    write_status(folder / "status.csv", results)
    names = {r.council: council_name(region, r.council, folder / r.council) for r in results}
    frame = measures_all(folder, results, suppress_below)
    neutralise_formulas(frame).to_csv(folder / "measures_all.csv", index=False)
    first = next((c for c in region.councils if (c.workspace_root / "params").is_dir()), None)
    params = first.workspace_root / "params" if first else Workspace.find().params
    catalogue = load_catalogue(params / "measures.yaml")
    pack_info = {
        "local_authority": region.name,
        "service": f"{region.name}: regional comparison",
        "period_end": period,
        "period_label": f"Quarter ending {date.fromisoformat(period):%-d %B %Y}",
        "generated_at": datetime.now().isoformat(timespec="seconds"),
    }
    nav = [
        publish.NavItem("Councils", "index.html"),
        publish.NavItem("Comparison", "comparison.html"),
    ]
    publish.html_page(
        folder / "comparison.html",
        title="Councils compared",
        body_html=comparison_body(
            headline_rows(frame, period), names, catalogue, benchmarks_for(catalogue=catalogue)
        ),
        nav=nav,
        current_href="comparison.html",
        pack_info=pack_info,
    )
    table = pd.DataFrame(
        {
            "Council": [
                f'<a href="{escape(r.council)}/index.html">{escape(names[r.council])}</a>'
                if r.exit_code in (0, 1)
                else escape(names[r.council])
                for r in sorted(results, key=lambda r: r.council)
            ],
            "Code": [escape(r.council) for r in sorted(results, key=lambda r: r.council)],
            "Status": [
                {0: "Published", 1: "Published, with problems"}.get(r.exit_code, "Failed")
                for r in sorted(results, key=lambda r: r.council)
            ],
            "Reason": [escape(r.message) for r in sorted(results, key=lambda r: r.council)],
            "Seconds": [f"{r.seconds:.0f}" for r in sorted(results, key=lambda r: r.council)],
        }
    )
    body = (
        f"<p>{len(results)} councils; <a href='comparison.html'>the councils compared</a>; "
        "<a href='status.csv'>status.csv</a>; <a href='measures_all.csv'>measures_all.csv</a> "
        f"(counts below {suppress_below} blanked).</p>"
        + table.to_html(index=False, escape=False, border=0, classes="data-table")
    )
    publish.html_page(
        folder / "index.html",
        title=f"{region.name}: council packs",
        body_html=body,
        nav=nav,
        current_href="index.html",
        pack_info=pack_info,
    )
