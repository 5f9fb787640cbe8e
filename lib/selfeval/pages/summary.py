"""The summary page (00): measures that matter, the priorities at a glance, what changed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

import pandas as pd

from selfeval.narrative import format_value, month_name
from selfeval.pages import measures_view as mv
from selfeval.pages import plan_view as pv
from selfeval.pages.context import PageContext, ilacs_judgements
from selfeval.pages.html import Markup, esc, html_frame, link, rag_badge
from selfeval.rag import is_missing
from selfeval.rag import rag as rate

TREND_WORDS = {
    "improvement": "improving",
    "concern": "getting worse",
    "special cause": "changed (special cause)",
    "common cause": "no significant change",
    "": "too few points for a trend",
}


def plan_baseline_date(ctx: PageContext) -> date:
    """The plan's baseline: the day before it starts (31 March 2021)."""
    return pd.Timestamp(ctx.settings.plan_start).date() - pd.Timedelta(days=1)


def baseline_value(
    measures: pd.DataFrame, measure_id: str, baseline: date
) -> tuple[float | None, pd.Timestamp | None, bool]:
    """(value, month it describes, is_at_baseline): the month figure for the baseline month, else
    the earliest month the data reaches (is_at_baseline False); (None, None, False) if none."""
    series = mv.monthly_series(measures, measure_id).dropna()
    if series.empty:
        return None, None, False
    key = (baseline.year, baseline.month)
    for ts, value in series.items():
        if (ts.year, ts.month) == key:
            return float(value), ts, True
    first = series.index[0]
    return float(series.iloc[0]), first, False


def _latest_month(
    measures: pd.DataFrame, measure_id: str, period_end: date
) -> tuple[pd.Timestamp, float] | None:
    """The month figure for the month ending at period_end, if there is one."""
    series = mv.monthly_series(measures, measure_id).dropna()
    end = pd.Timestamp(period_end)
    hit = series[(series.index.year == end.year) & (series.index.month == end.month)]
    return (hit.index[-1], float(hit.iloc[-1])) if len(hit) else None


@dataclass
class SummaryData:
    ctx: PageContext

    @cached_property
    def lines_by_priority(self) -> dict[str, list[mv.MeasureLine]]:
        out = {}
        for p in self.ctx.settings.priorities:
            try:
                plan_p = self.ctx.plan.priority(p.id)
            except KeyError:
                plan_p = None
            targets = pv.objective_targets(plan_p) if plan_p is not None else []
            cfg = (self.ctx.page_config.get("priorities") or {}).get(p.id) or {}
            out[p.id] = mv.priority_lines(
                self.ctx.catalogue, p.id, targets, extra_ids=cfg.get("key_measures") or []
            )
        return out

    @cached_property
    def results_by_priority(self) -> dict[str, list[mv.LineResult]]:
        cache: dict[tuple, mv.LineResult] = {}
        out: dict[str, list[mv.LineResult]] = {}
        for pid, lines in self.lines_by_priority.items():
            res = []
            for ln in lines:
                key = (ln.measure_id, ln.breakdown, ln.target, str(ln.thresholds))
                if key not in cache:
                    cache[key] = self.ctx.evaluate(ln)
                res.append(cache[key])
            out[pid] = res
        return out

    @cached_property
    def all_results(self) -> list[mv.LineResult]:
        """Every distinct line across priorities (whole-service lines first)."""
        seen, out = set(), []
        for results in self.results_by_priority.values():
            for r in results:
                key = (r.line.measure_id, r.line.breakdown)
                if key not in seen:
                    seen.add(key)
                    out.append(r)
        return out

    @cached_property
    def actions(self) -> pd.DataFrame:
        from selfeval.plan import action_status

        return action_status(self.ctx.plan, self.ctx.action_updates, self.ctx.period_end)


def summary_data(ctx: PageContext) -> SummaryData:
    cached = getattr(ctx, "_summary_data", None)
    if cached is None:
        cached = SummaryData(ctx)
        ctx._summary_data = cached  # type: ignore[attr-defined]
    return cached


# --- measures that matter -------------------------------------------------------------------


def measures_that_matter_frame(
    items: list[Any],
    catalogue: Any,
    measures: pd.DataFrame,
    period_end: date,
    baseline: date,
    evaluate: Callable[[mv.MeasureLine], mv.LineResult] | None = None,
) -> pd.DataFrame:
    """The plan's "Measures that matter" filled in: Area, Measure, Baseline, Actual (latest),
    Target, Outcome (RAG and trend). Items with no measure say why. `evaluate` (default
    `measures_view.evaluate_line` without history) lets a page reuse evaluated lines."""
    rows = []
    known = set(mv.catalogue_ids(catalogue))
    for item in items:
        text = str(item.text)
        mid = item.measure
        note = str(item.note or "")
        if not mid or mid not in known:
            rows.append(
                {
                    "Area": item.group,
                    "Measure": text,
                    "Baseline": "",
                    "Actual (latest)": "",
                    "Target": "",
                    "Outcome": f"Not measured yet: {note}" if note else "Not measured yet",
                }
            )
            continue
        entry = mv.catalogue_entry(catalogue, mid)
        if entry.get("computable") is False:
            why = entry.get("why") or note
            rows.append(
                {
                    "Area": item.group,
                    "Measure": link(text, f"{mv.DEFINITIONS_PAGE}#{mid}"),
                    "Baseline": "",
                    "Actual (latest)": "",
                    "Target": "",
                    "Outcome": f"Not measured yet: {why}",
                }
            )
            continue
        line = mv.line_from_catalogue(catalogue, mid)
        result = evaluate(line) if evaluate else mv.evaluate_line(measures, line, period_end)
        value, when, at_base = baseline_value(measures, mid, baseline)
        if value is None:
            base_text = "no monthly figures"
        elif at_base:
            base_text = f"{format_value(value, line.unit)} ({month_name(when)})"
        else:
            base_text = (
                f"{format_value(value, line.unit)} ({month_name(when)}, the earliest month "
                "the data reaches)"
            )
        latest_month = _latest_month(measures, mid, period_end)
        if latest_month is not None:
            # the plan's measures are monthly: compare like with like with the baseline month
            actual = f"{format_value(latest_month[1], line.unit)} ({month_name(latest_month[0])})"
        elif result.has_data:
            when = mv.period_words(result.period_type, result.period_end)
            actual = f"{format_value(result.value, line.unit)} ({when})"
        else:
            actual = "no data for this period"
        outcome = (
            Markup(
                f"{rag_badge(result.rag) if result.rag else ''} "
                f"{esc(TREND_WORDS.get(result.variation, result.variation)).capitalize()}"
            )
            if result.has_data
            else ""
        )
        measure_cell = Markup(
            str(link(text, line.href)) + (f"<br><small>{esc(note)}</small>" if note else "")
        )
        rows.append(
            {
                "Area": item.group,
                "Measure": measure_cell,
                "Baseline": base_text,
                "Actual (latest)": actual,
                "Target": format_value(result.target, line.unit, trim=True)
                if result.target is not None
                else "",
                "Outcome": outcome,
            }
        )
    return html_frame(rows)


# --- priorities at a glance -----------------------------------------------------------------


def overview_frame(
    priorities: list[Any],
    results_by_priority: dict[str, list[mv.LineResult]],
    actions: pd.DataFrame,
    ilacs_for: dict[str, list[str]],
    judgements: dict[str, str],
) -> pd.DataFrame:
    """One row per priority: measures with data, RAG counts, SPC trend and assurance counts,
    actions overdue / at risk, ILACS areas."""
    short = {
        "leaders": "Leaders",
        "help_protection": "Help and protection",
        "children_in_care": "Children in care",
        "care_leavers": "Care leavers",
    }
    rows = []
    for p in priorities:
        results = [r for r in results_by_priority.get(p.id, []) if r.has_data]
        rag = pd.Series([r.rag for r in results], dtype=object)
        var = pd.Series([r.variation for r in results], dtype=object)
        ass = pd.Series([r.assurance for r in results], dtype=object)
        mine = actions[actions["priority_id"] == p.id] if len(actions) else actions
        status = mine["status"] if len(mine) else pd.Series(dtype=object)
        rows.append(
            {
                "Priority": link(f"{p.number}. {p.title}", f"{p.slug}.html"),
                "Measures with data": len(results),
                "Green": int((rag == "green").sum()),
                "Amber": int((rag == "amber").sum()),
                "Red": int((rag == "red").sum()),
                "Improving": int((var == "improvement").sum()),
                "Getting worse": int((var == "concern").sum()),
                "Consistently meets target": int((ass == "consistently pass").sum()),
                "Hit and miss": int((ass == "hit and miss").sum()),
                "Consistently misses target": int((ass == "consistently fail").sum()),
                "Actions overdue": int((status == "overdue").sum()),
                "Actions at risk": int((status == "at risk").sum()),
                "Actions complete": f"{int((status == 'complete').sum())} of {len(mine)}",
                "ILACS areas": "; ".join(
                    short.get(k, judgements.get(k, k)) for k in ilacs_for.get(p.id, [])
                ),
            }
        )
    return html_frame(rows)


def heatmap_frame(overview: pd.DataFrame) -> pd.DataFrame:
    """The numeric columns of the overview, indexed by plain priority titles (for a heatmap)."""
    cols = ["Green", "Amber", "Red", "Improving", "Getting worse", "Actions overdue"]
    index = [
        str(p.striptags()) if hasattr(p, "striptags") else str(p) for p in overview["Priority"]
    ]
    return overview[cols].set_axis(index)


# --- notable changes ------------------------------------------------------------------------


def notable(results: list[mv.LineResult], limit: int = 6) -> tuple[list[str], list[str]]:
    """(improvements, concerns) across the service: SPC special cause first, then RAG moves."""

    def rank(r: mv.LineResult) -> tuple:
        return (r.line.breakdown != "", r.line.measure_id)

    ok = [r for r in results if r.has_data]
    improving = [r for r in ok if r.variation == "improvement"]
    worse = [r for r in ok if r.variation == "concern"]
    improving += [r for r in ok if r not in improving and _rag_move(r) > 0]
    worse += [r for r in ok if r not in worse and _rag_move(r) < 0]
    return (
        [r.finding for r in sorted(improving, key=rank)][:limit],
        [r.finding for r in sorted(worse, key=rank)][:limit],
    )


_RAG_SCORE = {"red": 0, "amber": 1, "green": 2}


def previous_rag(r: mv.LineResult) -> str:
    if is_missing(r.previous):
        return ""
    thresholds = r.line.thresholds or ({"green": r.target} if r.target is not None else None)
    if not thresholds or r.line.polarity == "neutral":
        return ""
    return rate(r.previous, polarity=r.line.polarity, thresholds=thresholds)


def _rag_move(r: mv.LineResult) -> int:
    before, now = previous_rag(r), r.rag
    if before not in _RAG_SCORE or now not in _RAG_SCORE:
        return 0
    return _RAG_SCORE[now] - _RAG_SCORE[before]


def changes_frame(results: list[mv.LineResult], limit: int = 15) -> pd.DataFrame:
    """What changed since last quarter: lines whose RAG moved, then the largest relative moves
    of rated measures. Columns: Measure, Previous quarter, Latest, Change, RAG then, RAG now."""
    rows = []
    for r in results:
        if not r.has_data or is_missing(r.previous):
            continue
        move = _rag_move(r)
        rel = abs(r.value - r.previous) / (abs(r.previous) or 1)  # type: ignore[operator,arg-type]
        rows.append((move != 0, rel, r))
    rows.sort(key=lambda t: (not t[0], -t[1]))
    out = []
    for moved, rel, r in rows[:limit]:
        if not moved and rel < 0.05:
            continue
        out.append(
            {
                "Measure": link(r.line.label, r.line.href),
                "Previous quarter": format_value(r.previous, r.line.unit),
                "Latest": format_value(r.value, r.line.unit),
                "Change": mv.format_change(r.value, r.previous, r.line.unit, r.line.polarity),
                "RAG then": rag_badge(previous_rag(r)) if previous_rag(r) else "",
                "RAG now": rag_badge(r.rag) if r.rag else "",
            }
        )
    return html_frame(out)


def ilacs_frame(ctx: PageContext) -> pd.DataFrame:
    """ILACS judgement areas and the priorities that bear on each."""
    judgements = ilacs_judgements(ctx.page_config)
    cfg = ctx.page_config.get("priorities") or {}
    rows = []
    for key, text in judgements.items():
        linked = [
            link(f"{p.number}. {p.title}", f"{p.slug}.html")
            for p in ctx.settings.priorities
            if key in ((cfg.get(p.id) or {}).get("ilacs") or [])
        ]
        rows.append(
            {
                "ILACS judgement": text,
                "Priorities that bear on it": Markup("<br>".join(str(x) for x in linked)),
            }
        )
    return html_frame(rows)


__all__ = [
    "SummaryData",
    "summary_data",
    "baseline_value",
    "measures_that_matter_frame",
    "overview_frame",
    "heatmap_frame",
    "notable",
    "changes_frame",
    "ilacs_frame",
    "previous_rag",
]
