"""The section builders the notebooks call: each returns HTML (escaped) or chart objects.

A priority page answers Ofsted's three questions (docs/design.md "What each priority page says"):
1. what we know (findings, commentary), 2. how we know it (measures, charts, audits, cohorts,
data quality, sources), 3. what we are doing next (objectives and actions).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import pandas as pd

from selfeval.narrative import format_value, join_words, month_name, plural
from selfeval.pages import cohorts as co
from selfeval.pages import measures_view as mv
from selfeval.pages import plan_view as pv
from selfeval.pages import quality_view as qv
from selfeval.pages.context import PageContext, ilacs_judgements
from selfeval.pages.html import (
    Markup,
    bullets,
    esc,
    html_table,
    link,
    markdown_to_html,
    paragraph,
    rag_badge,
)
from selfeval.protect import hide_small_counts

GRADES = ("Outstanding", "Good", "Requires improvement", "Inadequate")
AUDIT_THRESHOLDS = {"green": 70.0, "amber": 60.0}


def _h3(text: str) -> str:
    return f"<h3>{esc(text)}</h3>"


def _date(d: Any) -> str:
    return pd.Timestamp(d).strftime("%-d %B %Y")


# --- the page's evaluated measures (computed once per context) ------------------------------


@dataclass
class PageData:
    """What a priority page computes once: its measure lines and their figures."""

    ctx: PageContext

    @cached_property
    def plan_targets(self) -> list[dict[str, Any]]:
        p = self.ctx.plan_priority
        return pv.objective_targets(p) if p is not None else []

    @cached_property
    def lines(self) -> list[mv.MeasureLine]:
        cfg = self.ctx.priority_config
        extra = list(cfg.get("key_measures") or []) + list(cfg.get("team_measures") or [])
        return mv.priority_lines(
            self.ctx.catalogue, self.ctx.priority_id, self.plan_targets, extra_ids=extra
        )

    @cached_property
    def benchmarks(self) -> dict[str, dict[str, Any]]:
        return benchmark_map(self.ctx, [ln.measure_id for ln in self.lines])

    @cached_property
    def results(self) -> list[mv.LineResult]:
        return [self.ctx.evaluate(ln, benchmarks=self.benchmarks) for ln in self.lines]

    @cached_property
    def with_data(self) -> list[mv.LineResult]:
        return [r for r in self.results if r.has_data]

    @cached_property
    def actions(self) -> pd.DataFrame:
        return action_status(self.ctx, self.ctx.priority_id)

    @cached_property
    def tables_used(self) -> list[str]:
        return tables_used(self.ctx, [ln.measure_id for ln in self.lines])


def page_data(ctx: PageContext) -> PageData:
    cached = getattr(ctx, "_page_data", None)
    if cached is None:
        cached = PageData(ctx)
        ctx._page_data = cached  # type: ignore[attr-defined]
    return cached


def benchmark_map(ctx: PageContext, measure_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """{measure_id: {england, region, year}} from selfeval.measures.benchmarks_for (latest
    year with an England figure); {} when benchmarks are unavailable."""
    try:
        from selfeval.measures import benchmarks_for

        frame = benchmarks_for(sorted(set(measure_ids)), catalogue=ctx.catalogue)
    except Exception:  # noqa: BLE001 - benchmarks are optional context, never fatal
        return {}
    if frame is None or len(frame) == 0:
        return {}
    out: dict[str, dict[str, Any]] = {}
    if "measure_id" not in frame.columns or "england" not in frame.columns:
        return {}
    frame = frame[pd.to_numeric(frame["england"], errors="coerce").notna()]
    if "year" in frame.columns:
        # the latest year ending 31 March on or before the period end
        limit = ctx.period_end.year + (1 if ctx.period_end.month > 3 else 0)
        frame = frame[pd.to_numeric(frame["year"], errors="coerce") <= limit]
        frame = frame.sort_values("year")
    for mid, rows in frame.groupby("measure_id", sort=False):
        last = rows.iloc[-1]
        out[str(mid)] = {
            "england": pd.to_numeric(last["england"], errors="coerce"),
            "region": pd.to_numeric(last.get("region"), errors="coerce"),
            "year": last.get("year_label") or last.get("year"),
        }
    return out


def action_status(ctx: PageContext, priority_id: str | None) -> pd.DataFrame:
    from selfeval.plan import action_status as status

    frame = status(ctx.plan, ctx.action_updates, ctx.period_end)
    return pv.actions_for(frame, None if priority_id in (None, "summary") else priority_id)


def tables_used(ctx: PageContext, measure_ids: Iterable[str]) -> list[str]:
    """The extract tables behind the page's measures, cohorts, audits and actions."""
    from selfeval.measures.registry import REGISTRY

    used: list[str] = []
    for mid in measure_ids:
        fn = REGISTRY.get(mid)
        found = fn.source_tables(ctx.tables) if fn else None
        used += list(found or [])
    cfg = ctx.priority_config
    for key in cfg.get("cohorts") or []:
        if key in co.COHORTS:
            used.append(co.COHORTS[key].table)
    if cfg.get("audit_themes"):
        used.append("local_audits")
    used.append("local_actions")
    return [t for t in dict.fromkeys(used) if t in ctx.tables]


# --- page header ----------------------------------------------------------------------------


def header_html(ctx: PageContext) -> str:
    """The page title, period, data used and the ILACS judgement areas it bears on."""
    judgements = ilacs_judgements(ctx.page_config)
    parts = [f"<h1>{esc(ctx.title)}</h1>"]
    period = _date(ctx.period_end)
    lead = f"{ctx.settings.service}: self-evaluation for the quarter ending {period}."
    parts.append(paragraph(lead, css_class="lead"))
    facts = {"Period": f"Quarter ending {_date(ctx.period_end)}"}
    if ctx.extract_date:
        facts["Data"] = f"Extract dated {_date(ctx.extract_date)}"
    if not ctx.is_summary:
        p = ctx.plan_priority
        facts["Plan"] = f"{ctx.settings.plan_title}, priority {ctx.priority.number}"  # type: ignore[union-attr]
        keys = ctx.priority_config.get("ilacs") or []
        if keys:
            facts["ILACS judgement areas"] = Markup(
                "; ".join(esc(judgements.get(k, k)) for k in keys)
            )
        if p is not None and p.assurance_report:
            facts["What the Improvement Board asked for"] = p.assurance_report.text
    parts.append(
        '<dl class="pack-facts">'
        + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts.items())
        + "</dl>"
    )
    if ctx.extract_dir is not None and "sample" in ctx.extract_dir.parts:
        parts.append(
            '<p class="notice"><strong>Sample data.</strong> These figures come from the '
            "synthetic sample extract, not from the council's systems.</p>"
        )
    return "".join(parts)


# --- 1. What do we know ---------------------------------------------------------------------


def findings_html(ctx: PageContext) -> str:
    """Strengths and areas for development, in plain English, from the figures."""
    data = page_data(ctx)
    strengths, areas, other = mv.findings_lists(data.results)
    out = []
    if not data.with_data:
        out.append(
            paragraph(
                "No measure in the extract shows this priority's outcomes yet, so the evidence "
                "for this page is the plan's progress below and the analyst's commentary."
            )
        )
    else:
        out.append(
            paragraph(
                f"From {plural(len(data.with_data), 'measure')} for this priority "
                f"(quarter ending {_date(ctx.period_end)}):"
            )
        )
        out.append(_h3("Strengths"))
        out.append(
            bullets(strengths, css_class="se-findings")
            or paragraph("No measure shows a clear strength this quarter.")
        )
        out.append(_h3("Areas for development"))
        out.append(
            bullets(areas, css_class="se-findings")
            or paragraph("No measure shows a clear area for development this quarter.")
        )
        if other:
            out.append(_h3("Other figures"))
            out.append(bullets(other, css_class="se-findings"))
    out.append(missing_evidence_html(ctx, data))
    return "".join(out)


def missing_evidence_html(ctx: PageContext, data: PageData | None = None) -> str:
    """An honest statement of the evidence the plan asks for that the data cannot show."""
    data = data or page_data(ctx)
    items = list(ctx.priority_config.get("missing_evidence") or [])
    no_data = []
    for r in data.results:
        if r.has_data:
            continue
        entry = mv.catalogue_entry(ctx.catalogue, r.line.measure_id)
        why = entry.get("why") if entry.get("computable") is False else None
        if why:
            items.append(f"{r.line.label}: {why}")
        else:
            no_data.append(r.line.label)
    unmeasured = pv.unmeasured_targets(ctx.plan_priority, mv.catalogue_ids(ctx.catalogue))
    if no_data:
        items.append("No figures in this extract for: " + join_words(no_data) + ".")
    for text in unmeasured:
        items.append(f"The plan's target “{text}” has no measure in the data yet.")
    if not items:
        return ""
    return _h3("Evidence we do not have yet") + bullets(items, css_class="se-missing")


def commentary_html(ctx: PageContext) -> str:
    """The analyst's commentary for this period (Markdown, raw HTML stripped)."""
    if ctx.commentary:
        return (
            _h3("Analyst commentary")
            + f'<div class="se-commentary">{markdown_to_html(ctx.commentary)}</div>'
        )
    rel = f"params/commentary/{ctx.period_end.isoformat()}/{ctx.priority_id}.md"
    return _h3("Analyst commentary") + paragraph(
        f"No commentary has been added for this quarter yet (the analyst adds it in {rel})."
    )


# --- 2. How do we know it -------------------------------------------------------------------


def measures_table_html(ctx: PageContext) -> str:
    """The priority's measures: latest, previous quarter, change, target, RAG, SPC, benchmark."""
    data = page_data(ctx)
    if not data.results:
        return _h3("Measures") + paragraph("The catalogue has no measures for this priority.")
    frame = mv.lines_frame(data.results, region_name=ctx.settings.region)
    note = paragraph(
        "Each measure links to its definition. Trend and assurance use statistical process "
        "control on the monthly figures (NHS 'Making Data Count'): 'no significant change' means "
        "the latest month is within the range expected by chance. Benchmarks are DfE's latest "
        "published figures (year ending 31 March).",
        css_class="se-note",
    )
    return (
        _h3("Measures")
        + html_table(
            frame, caption=f"Measures for {ctx.title}, quarter ending {_date(ctx.period_end)}"
        )
        + note
    )


@dataclass
class ChartItem:
    """A chart to show: the figure, its alt text and a visible caption."""

    chart: Any
    caption: str


def key_measure_results(ctx: PageContext, limit: int = 4) -> list[mv.LineResult]:
    """The measures to chart: the configured key measures with a monthly trend, then the
    others with one, up to `limit`."""
    data = page_data(ctx)
    keys = list(ctx.priority_config.get("key_measures") or [])
    with_spc = [r for r in data.results if r.spc is not None and r.spc.attrs.get("n_points", 0)]
    ranked = sorted(
        with_spc,
        key=lambda r: (
            keys.index(r.line.measure_id) if r.line.measure_id in keys else len(keys),
            r.line.breakdown != "",
        ),
    )
    chosen, seen = [], set()
    for r in ranked:
        key = (r.line.measure_id, r.line.breakdown)
        if key not in seen:
            chosen.append(r)
            seen.add(key)
    return chosen[:limit]


def spc_charts(ctx: PageContext, limit: int = 4) -> list[ChartItem]:
    from selfeval import charts

    items = []
    for r in key_measure_results(ctx, limit):
        chart = charts.spc_chart(
            r.spc,
            title=r.line.label,
            unit=r.line.unit,
            target=r.target,
            keep_in=ctx.chart_folder,
        )
        summary = r.spc.attrs.get("summary", "") if r.spc is not None else ""
        items.append(ChartItem(chart, summary))
    return items


def team_sections(ctx: PageContext) -> list[tuple[str, pd.DataFrame, Any]]:
    """(heading, display frame, chart or None) for each team measure with a team breakdown."""
    data = page_data(ctx)
    wanted = list(ctx.priority_config.get("team_measures") or [])
    out = []
    by_id = {(ln.measure_id, ln.breakdown): ln for ln in data.lines}
    for mid in wanted:
        line = by_id.get((mid, "")) or mv.line_from_catalogue(ctx.catalogue, mid)
        frame = mv.team_frame(ctx.measures, line, ctx.period_end)
        if frame.empty:
            continue
        out.append((f"{line.name} by team", mv.team_frame_display(frame, line), (line, frame)))
    return out


THEME_LABELS = {
    "ehe": "Elective home education",
    "direct_work": "Direct work",
    "management_oversight": "Management oversight",
    "domestic_abuse": "Domestic abuse",
    "early_help": "Early help",
    "core_groups": "Core groups",
    "life_story": "Life story work",
    "care_leavers": "Care leavers",
}


def theme_label(theme: str) -> str:
    text = str(theme)
    return THEME_LABELS.get(text, text.replace("_", " ").capitalize())


def audit_frame(
    audits: pd.DataFrame | None, period_end: Any, themes: Iterable[str] | str | None, months=12
) -> pd.DataFrame:
    """Completed audits in the `months` to period_end by theme: count per grade, % good or
    better and its RAG (70% green, 60% amber, as the plan sets)."""
    cols = ["Theme", "Audits", *GRADES, "Good or better", "RAG"]
    if audits is None or audits.empty or "theme" not in audits or "audit_date" not in audits:
        return pd.DataFrame(columns=cols)
    end = pd.Timestamp(period_end)
    start = end - pd.DateOffset(months=months) + pd.Timedelta(days=1)
    dates = pd.to_datetime(audits["audit_date"], cache=False)
    done = audits[(dates >= start) & (dates <= end) & audits["grade"].notna()]
    if themes and themes != "all":
        done = done[done["theme"].isin(list(themes))]
    if done.empty:
        return pd.DataFrame(columns=cols)
    table = co.count_table(done, "theme", "grade").reindex(columns=list(GRADES), fill_value=0)
    table["Audits"] = table.sum(axis=1)
    good = table["Outstanding"] + table["Good"]
    total = table[list(GRADES)].sum().sum()
    table.loc["All themes"] = [*table[list(GRADES)].sum(), total]
    good = table["Outstanding"] + table["Good"]
    table["pct"] = (100 * good / table["Audits"]).round(1)
    table = table.reset_index().rename(columns={"theme": "Theme", "index": "Theme"})
    table["Theme"] = table["Theme"].map(theme_label)
    from selfeval.rag import rag as rate

    table["RAG"] = [rate(v, polarity="up", thresholds=AUDIT_THRESHOLDS) for v in table["pct"]]
    table["Good or better"] = table["pct"]
    return table[cols]


def audit_html(ctx: PageContext) -> str:
    themes = ctx.priority_config.get("audit_themes")
    if not themes:
        return ""
    frame = audit_frame(ctx.tables.get("local_audits"), ctx.period_end, themes)
    head = _h3("Audit findings by theme")
    if frame.empty:
        return head + paragraph(
            "No completed case audits on this priority's themes in the 12 months to "
            f"{_date(ctx.period_end)} are in the extract."
        )
    show = frame.copy()
    show["Good or better"] = [format_value(v, "pct") for v in frame["Good or better"]]
    show["RAG"] = frame["RAG"].map(rag_badge)
    return (
        head
        + html_table(
            show,
            caption=f"Case audits completed in the 12 months to {_date(ctx.period_end)}, by grade",
        )
        + paragraph(
            "The plan's standard: 70% or more good or outstanding is green, 60% amber, "
            "below 60% red.",
            css_class="se-note",
        )
    )


# --- cohorts --------------------------------------------------------------------------------


@dataclass
class CohortProfile:
    key: str
    title: str
    children: int
    age_gender: pd.DataFrame | None
    ethnicity: pd.DataFrame | None
    source: pd.DataFrame | None
    timeliness: list[tuple[co.Timeliness, pd.DataFrame]]
    basis: str


def cohort_profiles(ctx: PageContext) -> list[CohortProfile]:
    """The ChAT-style profiles of the cohorts this priority covers (aggregates only)."""
    out = []
    bands = ctx.page_config.get("bands") or {}
    for key in ctx.priority_config.get("cohorts") or []:
        spec = co.COHORTS.get(key)
        if spec is None:
            continue
        frame = co.cohort_frame(ctx.tables, key, ctx.period_end)
        if frame is None:
            continue
        basis = {
            "event": f"in the 12 months to {_date(ctx.period_end)}",
            "open": f"at {_date(ctx.period_end)}",
            "all": f"on the care leavers list at {_date(ctx.period_end)}",
        }[spec.kind]
        timeliness = []
        for t in co.TIMELINESS.get(key, ()):
            values = co.timeliness_values(ctx.tables, t.key, ctx.period_end)
            if values is not None and len(values) and t.band_key in bands:
                timeliness.append((t, co.band_counts(values, bands[t.band_key])))
        out.append(
            CohortProfile(
                key=key,
                title=spec.title,
                children=len(frame),
                age_gender=co.age_gender_profile(frame) if len(frame) else None,
                ethnicity=co.ethnicity_profile(frame) if len(frame) else None,
                source=co.source_profile(frame, spec.source)
                if spec.source and len(frame)
                else None,
                timeliness=timeliness,
                basis=basis,
            )
        )
    threshold = ctx.run_info.get("suppress_below")
    return [suppress_profile(p, threshold) for p in out if not _too_few(p, threshold)]


def _too_few(profile: CohortProfile, threshold: int | None) -> bool:
    return threshold is not None and threshold > 0 and 0 < profile.children < threshold


def _for_chart(frame: pd.DataFrame | None, threshold: int | None) -> pd.DataFrame | None:
    """Small counts hidden (drawn as 0) for a chart."""
    if frame is None or not threshold:
        return frame
    hidden = hide_small_counts(frame, threshold)
    counts = [c for c in hidden.columns if c != "Percent"]
    hidden[counts] = hidden[counts].fillna(0).astype(int)
    return hidden


def suppress_profile(profile: CohortProfile, threshold: int | None) -> CohortProfile:
    """The profile with groups of fewer than `threshold` children hidden (run.json
    suppress_below, from `selfeval run --suppress-below N`)."""
    if not threshold:
        return profile
    return replace(
        profile,
        age_gender=_for_chart(profile.age_gender, threshold),
        ethnicity=hide_small_counts(profile.ethnicity, threshold),
        source=_for_chart(profile.source, threshold),
        timeliness=[(t, _for_chart(bands, threshold)) for t, bands in profile.timeliness],
    )


def counts_table_html(frame: pd.DataFrame, caption: str, label: str = "Group") -> str:
    show = frame.reset_index().rename(columns={"Group": label, "Band": label})
    hidden = show["Percent"].isna()  # only small-number suppression blanks a percentage
    show["Percent"] = [format_value(v, "pct") for v in show["Percent"]]
    if not hidden.any():
        return html_table(show, caption=caption)
    counts = [c for c in show.columns if c not in (label, "Percent")]
    for column in counts:
        show[column] = [f"{int(v):,}" if pd.notna(v) else "suppressed" for v in show[column]]
    show.loc[hidden, "Percent"] = "suppressed"
    return html_table(show, caption=caption, numeric_columns=counts)


# --- data quality and sources ---------------------------------------------------------------


def quality_html(ctx: PageContext) -> str:
    data = page_data(ctx)
    used = qv.files_for_tables(ctx.summary, data.tables_used)
    table = qv.caveats(ctx.quality, ctx.summary, data.tables_used)
    out = [_h3("Data quality"), paragraph(qv.caveat_sentence(table, used))]
    if not table.empty:
        out.append(html_table(table, caption="Data-quality problems in the files this page uses"))
    out.append(
        paragraph(
            Markup(
                "Every problem is listed with its row number on the "
                + link("data quality page", "data-quality.html")
                + "."
            )
        )
    )
    return "".join(out)


def sources_html(ctx: PageContext) -> str:
    data = page_data(ctx)
    used = qv.files_for_tables(ctx.summary, data.tables_used)
    out = [_h3("Sources")]
    if used.empty:
        out.append(paragraph("No data files were used on this page."))
    else:
        show = pd.DataFrame(
            {
                "File": [
                    f"{f} ({s})" if isinstance(s, str) and s else str(f)
                    for f, s in zip(used["file"], used["sheet"], strict=True)
                ],
                "Rows read": pd.to_numeric(used["rows_read"], errors="coerce"),
                "Rows used": pd.to_numeric(used["rows_used"], errors="coerce"),
            }
        )
        out.append(html_table(show, caption="Data files behind this page"))
    out.append(
        paragraph(
            Markup(
                "How each figure is calculated: "
                + link("measure definitions", "definitions.html")
                + ". Targets and thresholds come from the improvement plan."
            )
        )
    )
    return "".join(out)


# --- 3. What are we doing next --------------------------------------------------------------


def objectives_html(ctx: PageContext) -> str:
    p = ctx.plan_priority
    if p is None:
        return paragraph("The plan has no objectives for this priority.")
    out = []
    data = page_data(ctx)
    actions = data.actions
    for obj in p.objectives:
        out.append(f"<h3>Objective {esc(obj.id)}</h3>")
        facts = {
            "What we want to do differently or better": obj.do_differently,
            "The outcome we want": obj.outcome,
            "Responsible officers": obj.owner,
            "By when": obj.due_text or (pv.fmt_date(obj.due) if obj.due else ""),
        }
        if obj.partners:
            facts["Key partners"] = "; ".join(obj.partners)
        if obj.ofsted_refs:
            facts["Ofsted"] = "; ".join(pv.ofsted_ref_text(r) for r in obj.ofsted_refs)
        out.append(
            '<dl class="pack-facts">'
            + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts.items() if v)
            + "</dl>"
        )
        mine = actions[actions["objective_id"] == obj.id]
        out.append(paragraph(pv.status_sentence(mine)))
        out.append(pv.actions_table_html(mine, caption=f"Actions for objective {obj.id}"))
    return "".join(out)


def actions_summary_html(ctx: PageContext) -> str:
    actions = page_data(ctx).actions
    text = pv.status_sentence(actions)
    late = pv.overdue(actions)
    out = [paragraph(f"As at {_date(ctx.period_end)}: {text}")]
    if len(late):
        out.append(_h3("Overdue actions"))
        out.append(pv.actions_table_html(late, caption="Actions past their due date"))
    return "".join(out)


__all__ = [
    "PageData",
    "page_data",
    "header_html",
    "findings_html",
    "missing_evidence_html",
    "commentary_html",
    "measures_table_html",
    "spc_charts",
    "team_sections",
    "audit_frame",
    "audit_html",
    "cohort_profiles",
    "quality_html",
    "sources_html",
    "objectives_html",
    "actions_summary_html",
    "month_name",
]
