"""The section builders the notebooks call: each returns HTML (escaped) or chart objects.

A priority page answers Ofsted's three questions (docs/design.md "What each priority page says"):
1. what we know (findings, commentary), 2. how we know it (measures, charts, audits, cohorts,
data quality, sources), 3. what we are doing next (objectives and actions).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import pandas as pd

from selfeval import qualitative as ql
from selfeval.narrative import (
    Finding,
    by_importance,
    classify_finding,
    format_value,
    group_findings,
    importance,
    join_words,
    judgement,
    month_name,
    most_important,
    plural,
)
from selfeval.pages import cohorts as co
from selfeval.pages import measures_view as mv
from selfeval.pages import plan_view as pv
from selfeval.pages import quality_view as qv
from selfeval.pages.context import PageContext, fixed_text, ilacs_judgements
from selfeval.pages.html import (
    Markup,
    bullets,
    cells,
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
    facts["Sign-off"] = signoff_text(ctx)
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
    """Strengths and areas for development, in plain English, from the figures: grouped by
    theme, most important first, with the SPC key once."""
    data = page_data(ctx)
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
                f"(quarter ending {_date(ctx.period_end)}), most important first:"
            )
        )
        out.append(spc_key_html(ctx))
        findings = page_findings(ctx) + comparison_findings(ctx) + qualitative_findings(ctx)
        out.append(grouped_findings_html(findings))
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
        why = why or ctx.measure_status.get(r.line.measure_id)
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
    from selfeval.pages import compare_view as cv

    comp = cv.page_comparisons(ctx)
    frame = mv.lines_frame(
        data.results,
        region_name=ctx.settings.region,
        comparison=cv.measure_table_columns(comp, ctx.catalogue) if len(comp) else None,
    )
    note = fixed_text(ctx, "measures_note_neighbours" if len(comp) else "measures_note", "se-note")
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
        items.append(ChartItem(chart, chart_caption(summary)))
    return items


_COMMON_CAUSE_TAIL = re.compile(
    r" Latest point \([^)]*\): common cause variation, no sign of real change\."
)


def chart_caption(summary: str) -> str:
    """A chart's visible caption from its SPC summary, without what the page's SPC key says
    once for every chart (common cause, provisional limits)."""
    text = _COMMON_CAUSE_TAIL.sub(" Steady (common cause).", summary)
    text = _ASSURANCE.sub(lambda m: f" Target {m.group(1)}: {_ASSURANCE_SHORT[m.group(2)]}.", text)
    return text.replace(
        " The limits are provisional (fewer than 12 points).", " Provisional limits."
    )


_ASSURANCE = re.compile(
    r" The target of (\S+) is (?:within|outside) the process limits: (it will be met in some "
    r"periods and missed in others|if nothing changes it will be met every period|if nothing "
    r"changes it will be missed every period)\."
)
_ASSURANCE_SHORT = {
    "it will be met in some periods and missed in others": "hit and miss",
    "if nothing changes it will be met every period": "reliably met",
    "if nothing changes it will be missed every period": "reliably missed",
}


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
    show["RAG"] = cells(map(rag_badge, frame["RAG"]), frame.index)
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


# --- the written judgement, grouped findings, qualitative evidence (issue 19) ----------------

# What a measure is about, from the first word(s) of its catalogue source.
SOURCE_THEMES = {
    "A1": "The front door",
    "A2": "The front door",
    "A3": "The front door",
    "A4": "Assessments",
    "A5": "Child protection enquiries",
    "A6": "Children in need",
    "A7": "Child protection plans",
    "A8": "Children in care",
    "A9": "Care leavers",
    "A10": "Adoption",
    "A11": "Adoption",
    "903": "Children in care",
    "local audits": "Quality of practice (audits)",
    "local workforce": "Workforce",
    "local vacancies": "Workforce",
    "local supervision": "Management oversight",
    "local early help": "Early help",
    "local ehe": "Elective home education",
    "local foster": "Fostering",
    "local missing": "Children missing from home or care",
}


def measure_theme(source: str) -> str:
    """The theme a measure's findings are grouped under, from its catalogue ``source``."""
    words = str(source or "").replace(",", " ").split()
    if not words:
        return "Other"
    if words[0] == "local" and len(words) > 1:
        two = f"local {words[1]}"
        for key, theme in SOURCE_THEMES.items():
            if key.startswith(two):
                return theme
    return SOURCE_THEMES.get(words[0], "Other")


def _figure(r: mv.LineResult) -> str:
    when = mv.period_words(r.period_type, r.period_end) if r.period_end is not None else ""
    value = format_value(r.value, r.line.unit)
    return f"{value} in {when}" if when else value


def as_finding(r: mv.LineResult, key_ids: Iterable[str] = ()) -> Finding:
    """A measure line's result as a ``narrative.Finding`` (for the judgement and grouping)."""
    rag = r.rag if r.rag in ("green", "amber", "red") else ""
    attrs = r.spc.attrs if r.spc is not None else {}
    return Finding(
        measure=r.line.label,
        figure=_figure(r),
        text=r.finding,
        kind=classify_finding(rag, r.variation),
        rag=rag,
        variation=r.variation,
        key=r.line.measure_id in set(key_ids) and not r.line.breakdown,
        theme=measure_theme(r.line.source),
        provisional=bool(attrs.get("provisional")),
    )


def page_findings(ctx: PageContext) -> list[Finding]:
    """The page's measures with data as findings (key measures marked)."""
    keys = list(ctx.priority_config.get("key_measures") or [])
    return [as_finding(r, keys) for r in page_data(ctx).with_data]


COMPARISON_THEME = "How we compare with other councils"


def comparison_findings(ctx: PageContext) -> list[Finding]:
    """Strengths (top quartile) and areas for development (bottom quartile) resting on DfE's
    published figures for every council, each naming the year of the comparison data."""
    from selfeval.pages import compare_view as cv

    strengths, areas = cv.comparison_findings(cv.page_comparisons(ctx), ctx.catalogue)
    return [
        Finding(measure="How we compare", figure="", text=text, kind=kind, theme=COMPARISON_THEME)
        for kind, texts in (("strength", strengths), ("area", areas))
        for text in texts
    ]


FEEDBACK_THEME = "What children, families and partners told us"


def qualitative_findings(ctx: PageContext) -> list[Finding]:
    """Feedback and complaints as findings (a strength, an area or neither), so the page's
    strengths and areas include what people told us, not only the figures."""
    tables = qualitative_tables(ctx)
    signals = ql.qualitative_signals(tables["feedback"], tables["complaints"], ctx.period_end)
    return [
        Finding(
            measure="Feedback and complaints",
            figure="",
            text=sig.text[0].upper() + sig.text[1:] + ".",
            kind=sig.kind,
            theme=FEEDBACK_THEME,
        )
        for sig in signals
    ]


def qualitative_tables(ctx: PageContext, priority_id: str | None = None) -> dict[str, pd.DataFrame]:
    """The priority's rows of the three qualitative datasets (empty frames when absent)."""
    pid = ctx.priority_id if priority_id is None else priority_id
    return {
        name: ql.for_priority(ctx.tables.get(f"local_{name}"), pid)
        for name in ("feedback", "complaints", "practice_reviews")
    }


def _evidence_counts(ctx: PageContext, tables: dict[str, pd.DataFrame]) -> dict[str, int]:
    """How much other evidence the judgement rests on (last 12 months)."""
    since = pd.Timestamp(ctx.period_end) - pd.DateOffset(months=12)
    end = pd.Timestamp(ctx.period_end)

    def recent(frame: pd.DataFrame, column: str) -> int:
        if frame is None or len(frame) == 0 or column not in frame.columns:
            return 0
        when = pd.to_datetime(frame[column], errors="coerce")
        return int(((when > since) & (when <= end)).sum())

    audits = ctx.tables.get("local_audits")
    themes = ctx.priority_config.get("audit_themes")
    if audits is not None and themes and themes != "all" and "theme" in audits.columns:
        audits = audits[audits["theme"].isin(list(themes))]
    return {
        "completed audit": recent(audits, "audit_date") if themes else 0,
        FEEDBACK_WORDS: recent(tables["feedback"], "feedback_date"),
        "complaint or compliment/complaints and compliments": recent(
            tables["complaints"], "received_date"
        ),
        "learning point from reviews/learning points from reviews": recent(
            tables["practice_reviews"], "review_date"
        ),
    }


FEEDBACK_WORDS = "piece of feedback/pieces of feedback"


def judgement_text(ctx: PageContext) -> str:
    """The priority page's written judgement (``narrative.judgement``) from its findings,
    feedback and complaints, other evidence, evidence gaps and actions."""
    data = page_data(ctx)
    tables = qualitative_tables(ctx)
    signals = ql.qualitative_signals(tables["feedback"], tables["complaints"], ctx.period_end)
    evidence = _evidence_counts(ctx, tables)
    gaps = len(ctx.priority_config.get("missing_evidence") or [])
    return judgement(
        page_findings(ctx),
        qualitative=[(sig.text, sig.kind) for sig in signals],
        evidence={k: v for k, v in evidence.items() if v},
        missing_evidence=gaps,
        actions=pv.status_counts(data.actions),
    )


def judgement_html(ctx: PageContext, text: str | None = None) -> str:
    """The judgement paragraph at the top of a page."""
    body = text if text is not None else judgement_text(ctx)
    return (
        '<section class="se-judgement"><h2>Our judgement</h2>'
        + paragraph(body, css_class="se-judgement-text")
        + "</section>"
    )


def spc_key_html(ctx: Any) -> str:
    """The SPC key (params/pages.yaml ``text: spc_key``), once per page."""
    return fixed_text(ctx, "spc_key", "se-note se-spc-key")


def grouped_findings_html(findings: list[Finding]) -> str:
    """Strengths and areas for development, grouped by theme and ordered by importance."""
    out = []
    for title, kind, none in (
        ("Strengths", "strength", "No measure shows a clear strength this quarter."),
        ("Areas for development", "area", "No measure shows a clear area for development."),
    ):
        out.append(_h3(title))
        chosen = [f for f in findings if f.kind == kind]
        if not chosen:
            out.append(paragraph(none))
            continue
        for theme, items in group_findings(chosen).items():
            out.append(f"<h4>{esc(theme)}</h4>")
            out.append(bullets([f.text for f in items], css_class="se-findings"))
    other = by_importance(f for f in findings if not f.kind)
    if other:
        out.append(_h3("Other figures"))
        out.append(bullets([f.text for f in other], css_class="se-findings"))
    return "".join(out)


def _qualitative_frame(frame: pd.DataFrame) -> pd.DataFrame:
    show = frame.copy()
    for column in show.columns:
        if column.endswith("%") or column.startswith("Average"):
            show[column] = ["" if v is None or pd.isna(v) else f"{v:g}" for v in show[column]]
    return show


def qualitative_html(
    ctx: PageContext,
    tables: dict[str, pd.DataFrame] | None = None,
    identifiers: Iterable[str] = (),
) -> str:
    """ "What children and families told us", complaints and learning from reviews: counts and
    themes by quarter, consented quotes only (escaped, identifiers withheld)."""
    tables = tables if tables is not None else qualitative_tables(ctx)
    threshold = ctx.run_info.get("suppress_below") if ctx.run_info else None
    out = [_h3("What children and families told us")]
    fb = tables["feedback"]
    if fb is None or len(fb) == 0:
        out.append(
            paragraph(
                "No feedback for this priority is in the extract (local/feedback.csv): "
                "add feedback from children, families and partners to show it."
            )
        )
    else:
        frame = ql.feedback_by_quarter(fb, ctx.period_end)
        out.append(
            html_table(
                _qualitative_frame(hide_small_counts(frame, threshold)),
                caption="Feedback by quarter: how much, how it was rated and its main themes",
            )
        )
        quotes = ql.publishable_quotes(fb, ctx.period_end, identifiers)
        if quotes:
            out.append(
                "".join(
                    f'<blockquote class="se-quote"><p>“{esc(q.text)}”</p>'
                    f"<footer>{esc(q.respondent)}, {esc(q.when)}</footer></blockquote>"
                    for q in quotes
                )
            )
            out.append(fixed_text(ctx, "quotes_note", "se-note"))
    out.append(_h3("Complaints and compliments"))
    cp = tables["complaints"]
    if cp is None or len(cp) == 0:
        out.append(paragraph("No complaints or compliments for this priority are in the extract."))
    else:
        frame = ql.complaints_by_quarter(cp, ctx.period_end)
        out.append(
            html_table(
                _qualitative_frame(hide_small_counts(frame, threshold)),
                caption="Complaints and compliments by quarter: timeliness, outcomes and themes",
            )
        )
        out.append(fixed_text(ctx, "complaints_note", "se-note"))
    out.append(_h3("Learning from audits and practice reviews"))
    points = ql.learning_points(tables["practice_reviews"], ctx.period_end)
    if points.empty:
        out.append(paragraph("No learning points for this priority in the last 12 months."))
    else:
        out.append(
            html_table(points, caption="What audits and reviews taught us in the last 12 months")
        )
    return "".join(out)


def summary_judgement_text(ctx: PageContext) -> str:
    """The summary page's written judgement, across every priority."""
    from selfeval.pages import summary as sm

    data = sm.summary_data(ctx)
    keys: set[str] = set()
    for cfg in (ctx.page_config.get("priorities") or {}).values():
        keys.update((cfg or {}).get("key_measures") or [])
    findings = [as_finding(r, keys) for r in data.all_results if r.has_data]
    tables = qualitative_tables(ctx, "summary")
    signals = ql.qualitative_signals(tables["feedback"], tables["complaints"], ctx.period_end)
    gaps = sum(
        len((cfg or {}).get("missing_evidence") or [])
        for cfg in (ctx.page_config.get("priorities") or {}).values()
    )
    return judgement(
        findings,
        qualitative=[(sig.text, sig.kind) for sig in signals],
        evidence={k: v for k, v in _evidence_counts(ctx, tables).items() if v},
        missing_evidence=gaps,
        actions=pv.status_counts(data.actions),
    )


def signoff_text(ctx: PageContext) -> str:
    """The pack's sign-off line (params/commentary/<period_end>/signoff.yaml; none = draft)."""
    from selfeval.config import Workspace
    from selfeval.signoff import read_signoff

    workspace = getattr(ctx, "workspace", None) or Workspace.find()
    return read_signoff(workspace.params, ctx.period_end).text()


# --- the ILACS view -------------------------------------------------------------------------


def ilacs_priorities(page_config: dict[str, Any], area: str) -> list[str]:
    """The priority ids mapped to an ILACS judgement area (params/pages.yaml), in plan order."""
    prios = page_config.get("priorities") or {}
    return [pid for pid, cfg in prios.items() if area in ((cfg or {}).get("ilacs") or [])]


def ilacs_href(area: str) -> str:
    return f"ilacs-{area.replace('_', '-')}.html"


@dataclass
class IlacsView:
    """What one ILACS page shows."""

    area: str
    title: str
    priorities: list[tuple[str, str]]  # (priority id, title)
    findings: list[Finding]
    results: list[mv.LineResult]
    judgement: str
    qualitative: dict[str, pd.DataFrame]
    actions: pd.DataFrame


def ilacs_view(ctx: PageContext, area: str, results_by_priority: dict[str, list]) -> IlacsView:
    """The evidence for one ILACS area: the findings of its measures (``ilacs_measures``, else
    its priorities' key measures), the feedback and complaints of its service areas
    (``ilacs_service_areas``), and the actions of its priorities."""
    cfg = ctx.page_config
    title = ilacs_judgements(cfg).get(area, area)
    pids = ilacs_priorities(cfg, area)
    keys = set((cfg.get("ilacs_measures") or {}).get(area) or [])
    if not keys:  # no measures of its own: the key measures of its priorities
        for pid in pids:
            keys.update(((cfg.get("priorities") or {}).get(pid) or {}).get("key_measures") or [])
    # the area's measures for the whole service
    chosen: dict[str, mv.LineResult] = {}
    for r in (r for rs in results_by_priority.values() for r in rs):
        if r.has_data and r.line.measure_id in keys and not r.line.breakdown:
            chosen.setdefault(r.line.measure_id, r)
    ranked = sorted(
        ((as_finding(r, keys), r) for r in chosen.values()), key=lambda p: -importance(p[0])
    )
    findings = [f for f, _r in ranked]
    results = [r for _f, r in ranked]
    areas = set((cfg.get("ilacs_service_areas") or {}).get(area) or [])
    qual = {}
    for name in ("feedback", "complaints", "practice_reviews"):
        frame = ctx.tables.get(f"local_{name}")
        if frame is None or len(frame) == 0:
            qual[name] = pd.DataFrame()
        elif "service_area" in frame.columns and areas:
            qual[name] = frame[frame["service_area"].isin(areas)]
        else:
            qual[name] = frame[frame["priority"].isin(pids)] if "priority" in frame else frame
    actions = action_status(ctx, None)
    actions = actions[actions["priority_id"].isin(pids)] if len(actions) else actions
    signals = ql.qualitative_signals(qual["feedback"], qual["complaints"], ctx.period_end)
    text = judgement(
        findings,
        qualitative=[(sig.text, sig.kind) for sig in signals],
        evidence={FEEDBACK_WORDS: len(qual["feedback"])},
        actions=pv.status_counts(actions),
    )
    titles = {p.id: p.title for p in ctx.settings.priorities}
    return IlacsView(
        area, title, [(p, titles.get(p, p)) for p in pids], findings, results, text, qual, actions
    )


def ilacs_page_html(ctx: PageContext, view: IlacsView, hrefs: dict[str, str]) -> str:
    """One ILACS page: the three questions answered from the evidence of its priorities."""
    top = most_important(view.findings, limit=8)
    parts = [
        f"<h1>{esc(view.title)}</h1>",
        paragraph(
            f"The ILACS view for the quarter ending {_date(ctx.period_end)}: Ofsted's three "
            "questions answered for this judgement area from the evidence of the priorities "
            "mapped to it.",
            css_class="lead",
        ),
        judgement_html(ctx, view.judgement),
        "<h2>1. What do we know about the quality and impact of practice?</h2>",
        spc_key_html(ctx),
        grouped_findings_html(top),
        "<h2>2. How do we know it?</h2>",
        _h3("The priorities that bear on it"),
        bullets(
            [link(title, hrefs.get(pid, "#")) for pid, title in view.priorities]
            or ["No priority of the plan is mapped to this area (params/pages.yaml)."]
        ),
    ]
    if view.results:
        ordered = view.results  # most important first
        parts.append(_h3("Measures"))
        parts.append(
            html_table(
                mv.lines_frame(ordered[:20], region_name=ctx.settings.region),
                caption=f"The measures that matter most for this area ({len(ordered[:20])})",
            )
        )
    parts.append(qualitative_html(ctx, view.qualitative))
    parts.append("<h2>3. What are we doing next?</h2>")
    parts.append(paragraph(pv.status_sentence(view.actions)))
    late = (
        view.actions[view.actions["status"].isin(["overdue", "at risk"])]
        if len(view.actions)
        else view.actions
    )
    if len(late):
        parts.append(pv.actions_table_html(late, caption="Actions overdue or at risk"))
    return "".join(parts)


__all__ = [
    "IlacsView",
    "PageData",
    "as_finding",
    "grouped_findings_html",
    "ilacs_href",
    "ilacs_page_html",
    "ilacs_priorities",
    "ilacs_view",
    "judgement_html",
    "judgement_text",
    "measure_theme",
    "page_findings",
    "qualitative_findings",
    "qualitative_html",
    "qualitative_tables",
    "signoff_text",
    "spc_key_html",
    "summary_judgement_text",
    "page_data",
    "header_html",
    "findings_html",
    "fixed_text",
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
