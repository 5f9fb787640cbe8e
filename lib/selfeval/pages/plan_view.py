"""Section 3, "What are we doing next?": the plan's objectives and actions for a priority."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import pandas as pd

from selfeval.pages.html import Markup, esc, flag, html_frame, html_table
from selfeval.plan import STATUS_COLUMNS

STATUS_ORDER = ("overdue", "at risk", "no update", "on track", "complete")
_STATUS_COLOUR = {
    "complete": "rag-green",
    "on track": "rag-green",
    "at risk": "rag-amber",
    "overdue": "rag-red",
    "no update": "",
}
OFSTED_KIND = {
    "core_recommendation": "Core Ofsted recommendation",
    "priority_action": "Ofsted priority action",
    "recommendation": "Ofsted recommendation",
    "focused_visit": "Ofsted focused visit",
    "area_for_improvement": "Ofsted area for improvement",
}


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def fmt_date(value: Any) -> str:
    """'31 Dec 2021' for a date; '' for blanks."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    try:
        return pd.Timestamp(value).strftime("%-d %b %Y")
    except (ValueError, TypeError):
        return str(value)


def ofsted_ref_text(ref: Any) -> str:
    kind = str(_get(ref, "kind", "") or "")
    label = OFSTED_KIND.get(kind, kind.replace("_", " ").capitalize() or "Ofsted")
    year = _get(ref, "year")
    text = str(_get(ref, "text", "") or "").strip()
    head = f"{label} ({year})" if year else label
    return f"{head}: {text}" if text else head


def objectives_frame(priority: Any) -> pd.DataFrame:
    """One row per objective: what we will do differently, the outcome we want, who is
    responsible, when, and the Ofsted recommendations it answers (plain text)."""
    rows = []
    for obj in _get(priority, "objectives", []) or []:
        due = _get(obj, "due")
        dues = _get(obj, "due_dates") or ([due] if due else [])
        rows.append(
            {
                "Objective": str(_get(obj, "id", "")),
                "What we want to do differently or better": str(
                    _get(obj, "do_differently", "") or ""
                ),
                "The outcome we want": str(_get(obj, "outcome", "") or ""),
                "Responsible officers": "; ".join(
                    str(o) for o in (_get(obj, "responsible_officers") or [])
                ),
                "By when": ", ".join(fmt_date(d) for d in dues if d),
                "Ofsted reference": "; ".join(
                    ofsted_ref_text(r) for r in (_get(obj, "ofsted_refs") or [])
                ),
                "Key partners": "; ".join(str(p) for p in (_get(obj, "partners") or [])),
            }
        )
    return pd.DataFrame(rows)


def status_badge(status: str) -> Markup:
    status = str(status or "").strip().lower()
    if status == "overdue":
        return flag("Overdue")
    cls = _STATUS_COLOUR.get(status, "")
    return Markup(f'<span class="status {cls}">{esc(status.capitalize() or "No update")}</span>')


def actions_for(status: pd.DataFrame | None, priority_id: str | None) -> pd.DataFrame:
    """The action_status rows for one priority (all when priority_id is None), in plan order."""
    if status is None or status.empty:
        return pd.DataFrame(columns=STATUS_COLUMNS)
    out = status if priority_id is None else status[status["priority_id"] == priority_id]
    return out.reset_index(drop=True)


def status_counts(actions: pd.DataFrame) -> dict[str, int]:
    """Actions by status, in a fixed order (statuses with none are left out)."""
    counts = actions["status"].astype(str).str.lower().value_counts() if len(actions) else {}
    return {s: int(counts[s]) for s in STATUS_ORDER if s in counts and counts[s]}


def status_sentence(actions: pd.DataFrame) -> str:
    """'12 actions: 3 complete, 5 on track, 2 at risk and 2 overdue.'"""
    from selfeval.narrative import join_words, plural

    if actions is None or actions.empty:
        return "The plan lists no actions for this priority."
    counts = status_counts(actions)
    parts = [f"{n} {s}" for s, n in counts.items()]
    return f"{plural(len(actions), 'action')}: {join_words(parts)}."


def actions_table_html(actions: pd.DataFrame, *, caption: str | None = None) -> str:
    """Actions with owner, due date, status (overdue flagged) and the latest update."""
    if actions is None or actions.empty:
        return "<p>No actions.</p>"
    frame = html_frame(
        {
            "Action": [
                Markup(f"<strong>{esc(a)}</strong> {esc(t)}")
                for a, t in zip(actions["action_id"], actions["text"], strict=True)
            ],
            "Owner": actions["owner"].fillna("").astype(str),
            "Due": actions["due"].map(fmt_date),
            "Status": [status_badge(s) for s in actions["status"]],
            "Latest update": [
                _note(n, d)
                for n, d in zip(actions["latest_note"], actions["updated_on"], strict=True)
            ],
        }
    )
    return html_table(frame, caption=caption)


def _note(note: Any, updated: Any) -> str:
    note_text = "" if note is None or (not isinstance(note, str) and pd.isna(note)) else str(note)
    when = fmt_date(updated)
    if not note_text and not when:
        return ""
    return f"{note_text} ({when})" if when and note_text else (note_text or f"Updated {when}")


def overdue(actions: pd.DataFrame) -> pd.DataFrame:
    if actions is None or actions.empty:
        return actions
    return actions[actions["status"].astype(str).str.lower() == "overdue"].reset_index(drop=True)


def objective_targets(priority: Any) -> list[dict[str, Any]]:
    """Every target the plan sets for this priority: measure, breakdown, target, thresholds."""
    out = []
    for obj in _get(priority, "objectives", []) or []:
        for t in _get(obj, "targets", []) or []:
            out.append(
                {
                    "objective_id": str(_get(obj, "id", "")),
                    "measure": _get(t, "measure"),
                    "breakdown": _get(t, "breakdown") or "",
                    "target": _get(t, "target"),
                    "thresholds": _get(t, "thresholds"),
                    "text": _get(t, "text") or "",
                    "note": _get(t, "note") or "",
                }
            )
    return out


def unmeasured_targets(priority: Any, known_measures: Iterable[str]) -> list[str]:
    """Targets in the plan that name no measure we compute (their text, deduplicated)."""
    known = set(known_measures)
    seen: list[str] = []
    for t in objective_targets(priority):
        if (not t["measure"] or t["measure"] not in known) and t["text"] and t["text"] not in seen:
            seen.append(t["text"])
    return seen


def as_at(period_end: date) -> date:
    return period_end
