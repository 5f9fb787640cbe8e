"""What the notebooks call: each `show_*` displays one part of a page.

HTML goes out with IPython's display(HTML(...)); charts as SVG images whose output metadata
carries the alt text (the publishing template puts it on the <img>), followed by a visible
caption. Nothing here prints code, tracebacks or child-level data.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from IPython.display import HTML, display

from selfeval import charts
from selfeval.config import Workspace
from selfeval.pages import context
from selfeval.pages import sections as sx
from selfeval.pages import summary as sm
from selfeval.pages.context import SUMMARY_ID, PageContext, ilacs_judgements
from selfeval.pages.html import bullets, esc, html_table, link, paragraph


def load_context(
    period_end: str = "",
    extract_dir: str = "",
    priority_id: str = SUMMARY_ID,
    output_dir: str = "",
    *,
    workspace: Workspace | None = None,
) -> PageContext:
    """A notebook's page context (`context.load_context`)."""
    return context.load_context(
        period_end, extract_dir, priority_id, output_dir, workspace=workspace
    )


def show_html(fragment: str) -> None:
    if fragment:
        display(HTML(fragment))


def show_chart(chart: Any, caption: str = "") -> None:
    """A chart as an SVG image with alt text in its metadata, then a visible caption.

    Published raw: IPython's ``SVG`` display class would parse the whole document again.
    """
    metadata = {"image/svg+xml": {"alt": chart.alt_text}}
    display({"image/svg+xml": chart.svg()}, raw=True, metadata=metadata)
    text = caption or chart.alt_text
    if text:
        display(HTML(f'<p class="se-caption"><small>{esc(text)}</small></p>'))
    _close(chart)


def _close(chart: Any) -> None:
    figure = getattr(chart, "figure", None)
    if figure is not None:
        try:
            import matplotlib.pyplot as plt

            plt.close(figure)
        except Exception:  # noqa: BLE001 - Figure objects not managed by pyplot
            pass


# --- priority pages -------------------------------------------------------------------------


def show_header(ctx: PageContext) -> None:
    show_html(sx.header_html(ctx))


def show_findings(ctx: PageContext) -> None:
    show_html(sx.findings_html(ctx))


def show_commentary(ctx: PageContext) -> None:
    show_html(sx.commentary_html(ctx))


def show_measures(ctx: PageContext) -> None:
    """The measures table, then how we compare with other councils (table and chart)."""
    from selfeval.pages import compare_view as cv

    show_html(sx.measures_table_html(ctx))
    show_html(cv.how_we_compare_html(ctx, sx.page_data(ctx).results))
    chart = cv.compare_chart_for(ctx)
    if chart is not None:
        show_chart(chart)


def show_comparison_summary(ctx: PageContext) -> None:
    """The summary: top and bottom quartiles, our neighbours' latest Ofsted judgements."""
    from selfeval.pages import compare_view as cv

    show_html(cv.summary_compare_html(ctx))


def show_spc_charts(ctx: PageContext, limit: int = 4) -> None:
    items = sx.spc_charts(ctx, limit)
    if not items:
        return
    show_html("<h3>Trends</h3>" + sx.fixed_text(ctx, "trends_intro"))
    for item in items:
        show_chart(item.chart, item.caption)


def show_team_breakdowns(ctx: PageContext) -> None:
    parts = sx.team_sections(ctx)
    if not parts:
        return
    show_html("<h3>By team</h3>")
    for heading, frame, (line, raw) in parts:
        chart = charts.bar_breakdown(
            raw.assign(_rag=raw["rag"]),
            category=raw.columns[0],
            value="value",
            title=heading,
            unit=line.unit,
            target=line.target,
            rag="_rag",
            keep_in=ctx.chart_folder,
        )
        show_chart(chart, "")
        caption = f"{heading}, quarter ending {sx._date(ctx.period_end)}"
        show_html(html_table(frame, caption=caption))


def show_audits(ctx: PageContext) -> None:
    html = sx.audit_html(ctx)
    show_html(html)
    themes = ctx.priority_config.get("audit_themes")
    if not themes:
        return
    frame = sx.audit_frame(ctx.tables.get("local_audits"), ctx.period_end, themes)
    frame = frame[frame["Theme"] != "All themes"] if len(frame) else frame
    if len(frame) > 1:
        show_chart(
            charts.bar_breakdown(
                frame.sort_values("Good or better", ascending=False),
                category="Theme",
                value="Good or better",
                title="Audits graded good or outstanding, by theme",
                unit="pct",
                target=70,
                rag="RAG",
                keep_in=ctx.chart_folder,
            )
        )


def show_cohort_profiles(ctx: PageContext) -> None:
    profiles = sx.cohort_profiles(ctx)
    if not profiles:
        return
    show_html("<h3>Who the children are</h3>" + sx.fixed_text(ctx, "cohorts_intro"))
    for prof in profiles:
        show_html(
            f"<h4>{esc(prof.title)}</h4>" + paragraph(f"{prof.children:,} children {prof.basis}.")
        )
        if not prof.children:
            continue
        ag = prof.age_gender
        if ag is not None and ag.to_numpy().sum():
            show_chart(
                charts.back_to_back(
                    ag, title=f"{prof.title} by age and gender", keep_in=ctx.chart_folder
                )
            )
        if prof.ethnicity is not None:
            show_html(
                sx.counts_table_html(
                    prof.ethnicity, f"{prof.title} by ethnic group", "Ethnic group"
                )
            )
        if prof.source is not None:
            src = prof.source.reset_index()
            show_chart(
                charts.bar_breakdown(
                    src,
                    category="Group",
                    value="Children",
                    title=f"{prof.title} by source",
                    unit="count",
                    keep_in=ctx.chart_folder,
                )
            )
        for spec, bands in prof.timeliness:
            band_spec = (ctx.page_config.get("bands") or {}).get(spec.band_key, [])
            from selfeval.pages.cohorts import late_bands

            show_chart(
                charts.distribution_bands(
                    bands,
                    title=spec.title,
                    count="Count",
                    unit_label=spec.unit,
                    beyond=late_bands(band_spec),
                    keep_in=ctx.chart_folder,
                )
            )


def show_data_quality(ctx: PageContext) -> None:
    show_html(sx.quality_html(ctx))


def show_sources(ctx: PageContext) -> None:
    show_html(sx.sources_html(ctx))


def show_actions_summary(ctx: PageContext) -> None:
    show_html(sx.actions_summary_html(ctx))


def show_objectives(ctx: PageContext) -> None:
    show_html(sx.objectives_html(ctx))


# --- the summary page -----------------------------------------------------------------------


def show_measures_that_matter(ctx: PageContext) -> None:
    from selfeval.plan import load_measures_that_matter

    items = load_measures_that_matter(ctx.params)
    frame = sm.measures_that_matter_frame(
        items,
        ctx.catalogue,
        ctx.measures,
        ctx.period_end,
        sm.plan_baseline_date(ctx),
        evaluate=lambda line: ctx.evaluate(line, with_history=False),
    )
    base = sm.plan_baseline_date(ctx)
    show_html(
        "<h3>Measures that matter</h3>"
        + paragraph(
            f"The plan's own list, filled in. Baseline: the figure for {base:%B %Y} (the plan's "
            "baseline, 31 March 2021), or the earliest month the data reaches where it does not "
            "go back that far, as stated. Actual: the latest figure. Outcome: RAG against the "
            "target and the trend from statistical process control."
        )
        + html_table(frame, caption=f"Measures that matter, {ctx.settings.plan_title}")
    )


def show_priority_overview(ctx: PageContext) -> None:
    """The priorities' table and heatmap (their heading and introduction: the notebook's)."""
    frame = _overview(ctx, sm.summary_data(ctx))
    show_html(html_table(frame, caption="Priorities: RAG, trend, assurance and actions"))
    show_chart(charts.overview_heatmap(sm.heatmap_frame(frame), keep_in=ctx.chart_folder))


def _overview(ctx: PageContext, data: sm.SummaryData) -> pd.DataFrame:
    """One row per priority: RAG, trend, assurance, actions and ILACS areas."""
    return sm.overview_frame(
        list(ctx.settings.priorities),
        data.results_by_priority,
        data.actions,
        {
            p.id: ((ctx.page_config.get("priorities") or {}).get(p.id) or {}).get("ilacs") or []
            for p in ctx.settings.priorities
        },
        ilacs_judgements(ctx.page_config),
    )


def index_summary_html(ctx: PageContext) -> str:
    """The front page's summary: the priorities at a glance and the most notable changes."""
    data = sm.summary_data(ctx)
    improving, worse = sm.notable(data.all_results, limit=3)
    overview = _overview(ctx, data)
    overview = overview.drop(columns=[c for c in overview if str(c).startswith("ILACS")])
    return (
        html_table(overview, caption="The priorities at a glance")
        + "<h3>Most notable improvements</h3>"
        + (bullets(improving) or paragraph("No measure shows a real improvement this quarter."))
        + "<h3>Most notable concerns</h3>"
        + (bullets(worse) or paragraph("No measure shows a real deterioration this quarter."))
    )


def show_notable(ctx: PageContext) -> None:
    data = sm.summary_data(ctx)
    improving, worse = sm.notable(data.all_results)
    show_html(
        "<h3>Most notable improvements</h3>"
        + (bullets(improving) or paragraph("No measure shows a real improvement this quarter."))
        + "<h3>Most notable concerns</h3>"
        + (bullets(worse) or paragraph("No measure shows a real deterioration this quarter."))
    )


def show_changes(ctx: PageContext) -> None:
    data = sm.summary_data(ctx)
    frame = sm.changes_frame(data.all_results)
    head = "<h3>What changed since last quarter</h3>"
    if frame.empty:
        show_html(head + paragraph("No figure moved noticeably since the previous quarter."))
    else:
        show_html(
            head
            + paragraph("Measures whose RAG rating changed, then those that moved by 5% or more.")
            + html_table(frame, caption="Changes since the previous quarter")
        )


def show_overdue_actions(ctx: PageContext) -> None:
    from selfeval.pages import plan_view as pv

    data = sm.summary_data(ctx)
    late = pv.overdue(data.actions)
    head = "<h3>Overdue actions</h3>" + paragraph(
        f"As at {sx._date(ctx.period_end)}: {pv.status_sentence(data.actions)}"
    )
    if late is None or late.empty:
        show_html(head + paragraph("No action is overdue."))
    else:
        show_html(head + pv.actions_table_html(late, caption="Actions past their due date"))


def show_quality_headline(ctx: PageContext) -> None:
    from selfeval.pages import quality_view as qv
    from selfeval.pages.html import Markup, link

    show_html(
        "<h3>Data quality</h3>"
        + paragraph(qv.quality_headline(ctx.quality, ctx.summary))
        + paragraph(Markup("Details: " + link("data quality page", "data-quality.html") + "."))
    )


def show_ilacs(ctx: PageContext) -> None:
    """The ILACS areas' table and pages (their heading and introduction: the notebook's)."""
    areas = ilacs_judgements(ctx.page_config)
    show_html(
        html_table(sm.ilacs_frame(ctx), caption="ILACS judgement areas and priorities")
        + paragraph("The ILACS view, one page per judgement area:")
        + bullets([link(title, sx.ilacs_href(key)) for key, title in areas.items()])
    )


# --- issue 19: the written judgement and qualitative evidence --------------------------------


def show_judgement(ctx: PageContext) -> None:
    """The written judgement at the top of a priority page or the summary."""
    text = sx.summary_judgement_text(ctx) if ctx.is_summary else sx.judgement_text(ctx)
    show_html(sx.judgement_html(ctx, text))


def show_qualitative(ctx: PageContext) -> None:
    """What children and families told us, complaints and learning from reviews."""
    show_html(sx.qualitative_html(ctx))
