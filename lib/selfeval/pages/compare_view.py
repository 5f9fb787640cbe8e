"""How we compare with other councils (issue 20): the DfE-published figures of the page's
measures beside our statistical neighbours, region and England, with rank and quartile; the
"How we compare" strip chart; findings resting on the comparison; the summary's top and bottom
quartiles and our neighbours' latest Ofsted judgements.

Builders take a comparisons frame (``selfeval.measures.comparison.comparisons``) so they are
tested on hand-built frames; the ``*_for`` wrappers read it for a page context.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from selfeval.narrative import format_value
from selfeval.pages.html import bullets, html_frame, html_table, link, paragraph
from selfeval.rag import is_missing

#: the most measures drawn in one page's chart (the table lists them all)
CHART_LIMIT = 6


# ------------------------------------------------------------------ reading for a context
def comparisons_for(ctx: Any, measure_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """The comparisons of the context's council (`PageContext.comparisons`), for `measure_ids`
    or all (empty without `la_code:` in the settings)."""
    frame = ctx.comparisons
    if measure_ids is not None:
        frame = frame[frame["measure_id"].isin(list(measure_ids))]
    return frame.reset_index(drop=True)


def page_comparisons(ctx: Any) -> pd.DataFrame:
    """The comparisons of this priority's measures."""
    ids = [m.id for m in ctx.catalogue.for_priority(ctx.priority_id)]
    return comparisons_for(ctx, ids)


# ------------------------------------------------------------------ pure builders
def _entry(catalogue: Any, measure_id: str) -> Any:
    return catalogue[measure_id]


def _fmt(value: Any, unit: str) -> str:
    return "" if value is None or is_missing(value) else format_value(value, unit)


def measure_table_columns(comp: pd.DataFrame, catalogue: Any) -> dict[str, dict[str, str]]:
    """{measure_id: {"Statistical neighbours": "21.0% (2024-25)", "Quartile": "C: 79th of
    153"}} for the measures table."""
    out = {}
    for row in comp.itertuples():
        unit = _entry(catalogue, row.measure_id).unit
        avg = _fmt(row.neighbour_avg, unit)
        band = row.quartile if isinstance(row.quartile, str) else ""
        out[row.measure_id] = {
            "Statistical neighbours": f"{avg} ({row.year_label})" if avg else "",
            "Quartile": f"{band}: {row.rank_text}" if band else row.rank_text,
        }
    return out


def trend_text(trend: pd.DataFrame, column: str) -> str:
    """'2020-21 to 2024-25: 28.0, 18.1, 22.8, 23.5, 20.2' ('-' for a year not published)."""
    if trend is None or trend.empty:
        return ""
    known = [float(v) for v in trend[column] if not is_missing(v)]
    decimals = 0 if known and all(v.is_integer() for v in known) else 1  # counts stay whole
    values = ["-" if is_missing(v) else f"{float(v):,.{decimals}f}" for v in trend[column]]
    if all(v == "-" for v in values):
        return ""
    span = f"{trend['year_label'].iloc[0]} to {trend['year_label'].iloc[-1]}"
    return f"{span}: {', '.join(values)}"


def compare_frame(
    comp: pd.DataFrame,
    catalogue: Any,
    in_year: Mapping[str, tuple[float | None, str]] | None = None,
    *,
    la_name: str = "Ours",
    region_name: str = "Region",
    trends: Mapping[str, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """The "How we compare" table: our in-year figure (labelled in-year, not yet published),
    our latest published figure, the neighbours' average, region, England, rank and quartile,
    and (given ``trends``: {measure_id: comparison.trend(...)}) ours and the neighbours' over
    the published years."""
    rows = []
    for row in comp.itertuples():
        m = _entry(catalogue, row.measure_id)
        ours_now, when = (in_year or {}).get(row.measure_id, (None, ""))
        rows.append(
            {
                "Measure": link(m.title, f"definitions.html#{m.id}"),
                "Our in-year figure (not yet published)": (
                    f"{_fmt(ours_now, m.unit)} ({when})" if _fmt(ours_now, m.unit) else ""
                ),
                "Year": row.year_label,
                f"{la_name} (published)": _fmt(row.value, m.unit) or "not published",
                "Statistical neighbours' average": _fmt(row.neighbour_avg, m.unit),
                region_name: _fmt(row.region, m.unit),
                "England": _fmt(row.england, m.unit),
                "Rank": row.rank_text,
                "Quartile": row.quartile if isinstance(row.quartile, str) else "",
            }
        )
        if trends is not None:
            trend = trends.get(row.measure_id)
            rows[-1]["Our trend"] = trend_text(trend, "ours")
            rows[-1]["Neighbours' trend"] = trend_text(trend, "neighbour_avg")
    return html_frame(rows)


def comparison_sentence(row: Any, m: Any, la_name: str = "we") -> str:
    """'Re-referrals within 12 months: 20.2% in 2024-25, below our statistical neighbours'
    21.0% and England's 22.6% (79th of 153 councils, quartile C; DfE published figures).'"""
    unit = m.unit
    parts = [f"{m.title}: {format_value(row.value, unit)} in {row.year_label}"]
    if not is_missing(row.neighbour_avg):
        diff = float(row.value) - float(row.neighbour_avg)
        side = "above" if diff > 0 else "below" if diff < 0 else "level with"
        parts.append(
            f", {side} our statistical neighbours' {format_value(row.neighbour_avg, unit)}"
        )
    if not is_missing(row.england):
        parts.append(f" and England's {format_value(row.england, unit)}")
    band = f", quartile {row.quartile}" if isinstance(row.quartile, str) else ""
    return "".join(parts) + f" ({row.rank_text}{band}; DfE published figures)."


def comparison_findings(comp: pd.DataFrame, catalogue: Any) -> tuple[list[str], list[str]]:
    """(strengths, areas for development) resting on the comparison: quartile A is a strength,
    quartile D an area for development; each names the year of the comparison data."""
    strengths, areas = [], []
    for row in comp.itertuples():
        if is_missing(row.value) or not isinstance(row.quartile, str):
            continue
        m = _entry(catalogue, row.measure_id)
        if row.quartile == "A":
            strengths.append(comparison_sentence(row, m))
        elif row.quartile == "D":
            areas.append(comparison_sentence(row, m))
    return strengths, areas


def quartile_lists(comp: pd.DataFrame, catalogue: Any) -> tuple[list[str], list[str]]:
    """(top quartile, bottom quartile) sentences across the service, for the summary."""
    return comparison_findings(comp, catalogue)


def neighbour_judgements(code: int, neighbours: Iterable[int]) -> pd.DataFrame:
    """Our own and our neighbours' latest Ofsted ILACS overall judgement (Ofsted's inspection
    outcomes as at 31 March)."""
    from selfeval import dfe_la

    insp = dfe_la.inspections().dropna(subset=["old_la_code"])
    insp = insp.assign(code=insp["old_la_code"].astype(int)).set_index("code")
    names = dfe_la.la_names()
    rows = []
    for number, c in enumerate([int(code), *[int(n) for n in neighbours]]):
        hit = insp.loc[c] if c in insp.index else None
        date = hit["inspection_date"] if hit is not None else None
        rows.append(
            {
                "Council": names.get(c, str(c)) + (" (us)" if number == 0 else ""),
                "Overall effectiveness": hit["overall_effectiveness"] if hit is not None else "",
                "Inspected": f"{date:%B %Y}" if date is not None and pd.notna(date) else "",
            }
        )
    return pd.DataFrame(rows)


def inspections_source() -> str:
    """'Ofsted, LA Inspection Outcomes as at 31 March 2025' from the packaged provenance."""
    from selfeval import dfe_la

    try:
        name = dfe_la.provenance()["files"]["inspections.csv"]["source_file"]
    except (OSError, KeyError, TypeError):
        return "Ofsted local authority inspection outcomes"
    return "Ofsted, " + name.rsplit(".", 1)[0].replace("_", " ")


# ------------------------------------------------------------------ HTML for the pages
def in_year_figures(results: Iterable[Any]) -> dict[str, tuple[float | None, str]]:
    """{measure_id: (value, "quarter to March 2022")} from a page's evaluated lines."""
    from selfeval.pages.measures_view import period_words

    out = {}
    for r in results:
        if r.line.breakdown or not r.has_data:
            continue
        out[r.line.measure_id] = (r.value, period_words(r.period_type, r.period_end))
    return out


def how_we_compare_html(ctx: Any, results: Iterable[Any] = ()) -> str:
    """The page's "How we compare" table with its rules (params/pages.yaml text:
    compare_rules); '' without comparable measures."""
    from selfeval.measures.comparison import trend
    from selfeval.pages.context import fixed_text

    comp = page_comparisons(ctx)
    if comp.empty:
        return ""
    neighbours = tuple(ctx.settings.statistical_neighbours)
    trends = {
        mid: trend(ctx.catalogue[mid], int(ctx.settings.la_code), neighbours)
        for mid in comp["measure_id"]
    }
    frame = compare_frame(
        comp,
        ctx.catalogue,
        in_year_figures(results),
        la_name=ctx.settings.local_authority,
        region_name=ctx.settings.region,
        trends=trends,
    )
    years = ", ".join(sorted(set(comp["year_label"])))
    return (
        "<h3>How we compare</h3>"
        + html_table(
            frame,
            caption=f"{ctx.settings.local_authority} beside its statistical neighbours, "
            f"{ctx.settings.region} and England (DfE published figures, {years})",
        )
        + fixed_text(ctx, "compare_rules", "se-note")
    )


def compare_chart_for(ctx: Any) -> Any | None:
    """The page's "How we compare" chart (None when no measure can be ranked)."""
    from selfeval.charts import Strip, compare_strips
    from selfeval.measures.comparison import all_values

    comp = page_comparisons(ctx)
    comp = comp[comp["quartile"].notna()].head(CHART_LIMIT)
    if comp.empty:
        return None
    neighbours = [int(c) for c in ctx.settings.statistical_neighbours]
    strips = []
    for row in comp.itertuples():
        m = ctx.catalogue[row.measure_id]
        values = all_values(m, int(row.year)).dropna()
        strips.append(
            Strip(
                label=m.title,
                unit=m.unit,
                year_label=row.year_label,
                values=tuple(float(v) for v in values),
                ours=None if is_missing(row.value) else float(row.value),
                neighbours=tuple(float(v) for v in values.reindex(neighbours).dropna()),
                england=None if is_missing(row.england) else float(row.england),
                neighbour_avg=None if is_missing(row.neighbour_avg) else float(row.neighbour_avg),
                rank_text=row.rank_text,
                band=row.quartile,
            )
        )
    return compare_strips(
        tuple(strips),
        title=f"How we compare: {ctx.settings.local_authority} among every council in England",
        la_name=ctx.settings.local_authority,
        keep_in=getattr(ctx, "chart_folder", None),
    )


def summary_compare_html(ctx: Any) -> str:
    """The summary's top and bottom quartile measures and our neighbours' Ofsted judgements."""
    comp = comparisons_for(ctx)
    if comp.empty:
        return ""
    top, bottom = quartile_lists(comp, ctx.catalogue)
    years = ", ".join(sorted(set(comp["year_label"])))
    out = [
        "<h3>Where we sit among councils</h3>",
        paragraph(
            f"From the DfE's published figures ({years}) for {len(comp)} measures, "
            f"{ctx.settings.local_authority} beside every council in England and its "
            "statistical neighbours (rank and quartile rules on each priority page)."
        ),
        "<h4>Top quartile (A)</h4>",
        bullets(top) or paragraph("No measure is in the top quartile."),
        "<h4>Bottom quartile (D)</h4>",
        bullets(bottom) or paragraph("No measure is in the bottom quartile."),
    ]
    judgements = neighbour_judgements(ctx.settings.la_code, ctx.settings.statistical_neighbours)
    out.append("<h3>Our statistical neighbours' latest Ofsted judgements</h3>")
    out.append(
        html_table(
            judgements,
            caption=f"ILACS overall effectiveness ({inspections_source()})",
        )
    )
    return "".join(out)
