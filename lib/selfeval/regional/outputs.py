"""The region's pages for one period: index.html, comparison.html, status.csv, measures_all.csv.

They are shared between councils, so every count and percentage built on fewer than
`suppress_below` children is blanked (`protect.suppress_small_numbers`) before anything is
written. Only measures (counts, percentages, rates) are pooled: never a child-level row.

comparison.html also shows, for every measure the DfE publishes at LA level (`dfe_la:` in
params/measures.yaml), each council's latest published figure, rank among all councils and
quartile band, from `selfeval.measures.comparison` (`comparisons_many`: the `compare_series` and
`rank_of` behind the single pack's "How we compare") by the council's own LA code, beside its
in-year figure from this run.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from selfeval.config import Workspace
from selfeval.regional.layout import Region
from selfeval.regional.tasks import TaskResult

STATUS_COLUMNS = ["council", "period", "exit_code", "sections_failed", "seconds", "worker"]
#: after those: why a council failed (plain words), and the worker's peak memory in MB
EXTRA_COLUMNS = ["reason", "worker_peak_mb", "kernel_peak_mb"]
HEADLINE_TYPES = ("quarter", "snapshot")


def council_name(region: Region, code: str, pack: Path) -> str:
    """The council's name as its pack says it (else region.yaml, else the DfE reference's name
    for its LA code, else its folder code)."""
    import json

    manifest = pack / "manifest.json"
    if manifest.is_file():
        try:
            return json.loads(manifest.read_text("utf-8"))["pack_info"]["local_authority"]
        except (ValueError, KeyError):
            pass
    council = next((c for c in region.councils if c.code == code), None)
    if council is not None and council.name:
        return str(council.name)
    if council is not None and council.la_code is not None:
        from selfeval import dfe_la

        return dfe_la.la_names().get(council.la_code, code)
    return code


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


# ------------------------------------------------------------------ published DfE figures
#: `comparisons` for this code gives each measure's year, England and count of councils only
NO_COUNCIL = -1
PUBLISHED_COLUMNS = [
    "measure_id",
    "council",
    "name",
    "la_code",
    "in_year",
    "in_year_period",
    "in_year_note",
    "year",
    "year_label",
    "published",
    "rank",
    "of",
    "tied",
    "quartile",
    "rank_text",
    "england",
    "reason",
]


@dataclass(frozen=True)
class CouncilRef:
    """A council on the comparison page: its folder code, name, DfE LA code (None: not given)
    and whether its pack was published this period."""

    council: str
    name: str
    la_code: int | None
    published: bool = True


def _in_year(
    headlines: pd.DataFrame, ref: CouncilRef, measure_id: str, suppress_below: int
) -> tuple[float | None, str, str]:
    """(value, period words, note) of the council's in-year headline figure this period."""
    if not ref.published:
        return None, "", "no pack published this period"
    if headlines.empty or "measure_id" not in headlines:
        return None, "", "not in the council's measures this period"
    rows = headlines[
        (headlines["council"] == ref.council) & (headlines["measure_id"] == measure_id)
    ]
    if rows.empty:
        return None, "", "not in the council's measures this period"
    row = rows.iloc[0]
    value = pd.to_numeric(pd.Series([row["value"]]), errors="coerce").iloc[0]
    when = pd.Timestamp(str(row["period_end"]))
    period = (
        f"quarter to {when:%-d %B %Y}"
        if row["period_type"] == "quarter"
        else f"at {when:%-d %B %Y}"
    )
    if pd.notna(value):
        return float(value), period, ""
    if str(row.get("rag", "")) == "suppressed":
        return None, period, f"suppressed (fewer than {suppress_below} children)"
    return None, period, "blank in the council's pack (its measures page says why)"


def published_rows(
    headlines: pd.DataFrame,
    councils: Iterable[CouncilRef],
    catalogue,
    *,
    suppress_below: int = 5,
    folder: Path | None = None,
) -> pd.DataFrame:
    """One row per `dfe_la:` measure x council (`PUBLISHED_COLUMNS`): the council's latest
    published figure, its rank among all councils and quartile band, from
    `measures.comparison.comparisons_many` by its own LA code (the single pack's functions), beside
    its in-year figure from `headlines` (`headline_rows` of measures_all); England on each row.
    A blank published figure carries its reason."""
    from selfeval import dfe_la
    from selfeval.measures.comparison import comparisons_many

    councils = list(councils)
    known = dfe_la.la_names(folder)
    codes = {r.la_code for r in councils if r.la_code is not None and r.la_code in known}
    every = comparisons_many(catalogue, {NO_COUNCIL: (), **{c: () for c in codes}}, folder=folder)
    base = every[NO_COUNCIL].set_index("measure_id")
    rows = []
    for ref in councils:
        comp = every[ref.la_code].set_index("measure_id") if ref.la_code in codes else None
        for measure_id, general in base.iterrows():
            in_year, period, note = _in_year(headlines, ref, str(measure_id), suppress_below)
            row = {
                "measure_id": measure_id,
                "council": ref.council,
                "name": ref.name,
                "la_code": ref.la_code,
                "in_year": in_year,
                "in_year_period": period,
                "in_year_note": note,
                "year": general["year"],
                "year_label": general["year_label"],
                "england": general["england"],
                "published": None,
                "rank": None,
                "of": general["of"],
                "tied": 0,
                "quartile": None,
                "rank_text": "",
                "reason": "",
            }
            if ref.la_code is None:
                row["reason"] = "no LA code for this council in region.yaml"
            elif comp is None:
                row["reason"] = f"LA code {ref.la_code} is not in the DfE reference"
            else:
                c = comp.loc[measure_id]
                row.update(
                    published=c["value"],
                    rank=c["rank"],
                    of=c["of"],
                    tied=c["tied"],
                    quartile=c["quartile"] if isinstance(c["quartile"], str) else None,
                    rank_text=c["rank_text"],
                    reason="" if pd.notna(c["value"]) else c["rank_text"],
                )
            rows.append(row)
    frame = pd.DataFrame(rows, columns=PUBLISHED_COLUMNS)
    for col in ("in_year", "published", "england", "rank"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    return frame


def published_table(rows: pd.DataFrame, unit: str) -> pd.DataFrame:
    """One measure's rows (`published_rows`) as the page shows them: councils ranked best
    first (unpublished after, by name), then England for reference."""
    from selfeval.narrative import format_value

    def fmt(value: Any) -> str:
        return "" if value is None or pd.isna(value) else format_value(value, unit)

    rows = rows.assign(_unranked=rows["rank"].isna()).sort_values(["_unranked", "rank", "name"])
    table = pd.DataFrame(
        {
            "Council": rows["name"],
            "LA code": ["" if c is None or pd.isna(c) else str(int(c)) for c in rows["la_code"]],
            "In-year figure (not yet published)": [
                f"{fmt(v)} ({p})" if fmt(v) else note
                for v, p, note in zip(
                    rows["in_year"], rows["in_year_period"], rows["in_year_note"], strict=True
                )
            ],
            "Published figure": [fmt(v) for v in rows["published"]],
            "Year": rows["year_label"],
            "Rank among councils": [
                t if pd.notna(r) else ""
                for r, t in zip(rows["rank"], rows["rank_text"], strict=True)
            ],
            "Quartile (A best)": [q if isinstance(q, str) else "" for q in rows["quartile"]],
            "Why blank": rows["reason"],
        }
    )
    if len(rows):
        england = {
            "Council": "England (for reference)",
            "LA code": "",
            "In-year figure (not yet published)": "",
            "Published figure": fmt(rows["england"].iloc[0]),
            "Year": rows["year_label"].iloc[0],
            "Rank among councils": "",
            "Quartile (A best)": "",
            "Why blank": "" if fmt(rows["england"].iloc[0]) else "not published for England",
        }
        table = pd.concat([table, pd.DataFrame([england])], ignore_index=True)
    return table


def published_sources(
    catalogue, year_labels: dict[str, str], folder: Path | None = None
) -> list[str]:
    """Per reference file used: 'referrals.csv: figures for 2024-25, from <DfE file> (title)'."""
    from selfeval import dfe_la

    files = (dfe_la.provenance(folder) or {}).get("files", {})
    used: dict[str, set[str]] = {}
    for m in catalogue:
        if m.dfe_la is not None and m.id in year_labels:
            used.setdefault(m.dfe_la.file, set()).add(year_labels[m.id])
    out = []
    for key, years in sorted(used.items()):
        source = files.get(f"{key}.csv", {}).get("source_file", "(source file not recorded)")
        out.append(
            f"{key}.csv: figures for {', '.join(sorted(years))}, from {source} "
            f"({dfe_la.DATASETS[key].title})"
        )
    return out


PUBLISHED_RULES = (
    "Published figures are the DfE's LA-level figures for each council (year ending 31 March), "
    "found by the council's LA code; rank and quartile are computed exactly as on each "
    "council's own pages. Rank 1 is the best among every council in England with a published "
    "figure (lowest where lower is better, highest where higher is better); tied councils "
    "share the best rank of the tie. Quartile A is the best quarter of councils, D the worst "
    "(A: rank up to a quarter of the councils ranked; ties share a band). Measures where "
    "neither higher nor lower is better are ranked from the lowest and get no quartile. The "
    "in-year figure is the council's own figure from this run: not yet published, and it may "
    "differ from what the council will report to DfE."
)


def published_body(rows: pd.DataFrame, catalogue, folder: Path | None = None) -> str:
    """The comparison page's "Published figures" part: its rules and sources, then one table
    per `dfe_la:` measure (`published_table`)."""
    from selfeval import dfe_la
    from selfeval.publish import table_html

    if rows.empty:
        return ""
    labels = rows.drop_duplicates("measure_id").set_index("measure_id")["year_label"].to_dict()
    built = (dfe_la.provenance(folder) or {}).get("built", "")
    parts = [
        '<h2 id="published">Published figures: where each council sits in England</h2>',
        f"<p>{escape(PUBLISHED_RULES)}</p>",
        "<p>Comparison data: the DfE reference packaged with selfeval "
        f"(lib/selfeval/reference/dfe_la/{', built ' + escape(str(built)) if built else ''}; "
        "PROVENANCE.yaml there records each source file's SHA-256):</p>",
        "<ul>"
        + "".join(f"<li>{escape(s)}</li>" for s in published_sources(catalogue, labels, folder))
        + "</ul>",
    ]
    for measure_id in dict.fromkeys(rows["measure_id"]):
        m = catalogue[measure_id]
        these = rows[rows["measure_id"] == measure_id]
        direction = {"up": "Higher is better. ", "down": "Lower is better. "}.get(m.polarity, "")
        source = dfe_la.DATASETS[m.dfe_la.file].title
        parts += [
            f'<h3 id="published-{escape(measure_id)}">{escape(m.title)}</h3>',
            f"<p>{direction}Published {escape(these['year_label'].iloc[0])} "
            f"(year ending 31 March {int(these['year'].iloc[0])}): {escape(source)}.</p>",
            table_html(
                published_table(these, m.unit),
                caption=f"{m.title}: each council's published figure "
                f"({these['year_label'].iloc[0]}), rank and quartile, and its in-year figure",
            ),
        ]
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
    headlines = headline_rows(frame, period)
    codes = {c.code: c.la_code for c in region.councils}
    refs = [
        CouncilRef(r.council, names[r.council], codes.get(r.council), r.exit_code in (0, 1))
        for r in sorted(results, key=lambda r: r.council)
    ]
    publish.html_page(
        folder / "comparison.html",
        title="Councils compared",
        body_html=comparison_body(headlines, names, catalogue, benchmarks_for(catalogue=catalogue))
        + "\n"
        + published_body(
            published_rows(headlines, refs, catalogue, suppress_below=suppress_below), catalogue
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
