"""The improvement plan as data: typed loader for ``params/priorities/*.yaml`` and action status.

Each of the ten priority files holds the plan's objectives for one priority area. Ids are stable
and derived from the plan's order: objective ``"<nn>.<mm>"`` (priority number, objective number)
and action ``"<nn>.<mm>.<k>"``. Loading validates everything and raises `PlanError` naming the
file and key path of each problem, e.g.
``params/priorities/01_assessment_intervention.yaml: objectives[2].due: '31/13/21' is not a date
(expected YYYY-MM-DD)``.

Action status as at a date (`action_status`), from the quarterly updates in ``local/actions.csv``:

- the latest update dated on or before the date counts (later rows win a tie on date); an
  undated update never counts (the extract reader reports blank ``updated_on`` as an error);
- action ids in updates are matched after restoring leading zeros Excel drops (``1.2.3`` →
  ``01.02.3``); ids still not in the plan are listed by `unknown_action_updates`;
- ``complete``: the latest update says Complete (whether before or after the due date);
- ``overdue``: not complete and the due date is strictly before the date (due today is not
  overdue), whatever the latest update says and whether or not there is one;
- otherwise ``on track`` / ``at risk`` from the update; ``Not started`` counts as ``at risk``
  (an action in a one-year plan not yet started is a risk to delivery even before its due date);
- ``no update``: no update dated on or before the date, and not overdue.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from selfeval.config import Settings, load_settings, read_yaml, reference_file
from selfeval.errors import UserError

STATUSES = ("complete", "on track", "at risk", "overdue", "no update")
REPORTED_STATUSES = {
    "complete": "complete",
    "on track": "on track",
    "at risk": "at risk",
    "not started": "at risk",
}
OFSTED_KINDS = ("core_recommendation", "area_for_improvement", "focused_visit")
THRESHOLD_KEYS = ("green", "amber", "red")
OBJECTIVE_ID = re.compile(r"^(\d{2})\.(\d{2})$")
ACTION_ID = re.compile(r"^(\d{2}\.\d{2})\.([1-9]\d*)$")
STATUS_COLUMNS = [
    "priority_id",
    "objective_id",
    "action_id",
    "text",
    "owner",
    "due",
    "status",
    "reported_status",
    "latest_note",
    "updated_on",
]


class PlanError(UserError):
    """The plan params (or action updates) are broken; ``problems`` lists each one."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def _as_date(value: Any) -> Any:
    """Accept a YAML date or an ISO ``YYYY-MM-DD`` string; reject anything else clearly."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise PydanticCustomError(
        "not_a_date", "{value} is not a date (expected YYYY-MM-DD)", {"value": repr(value)}
    )


IsoDate = Annotated[date, BeforeValidator(_as_date)]
Text = Annotated[str, Field(min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Target(_Model):
    """A quantified target, linked to a catalogue measure where the data can show it."""

    measure: str | None
    target: float | None = None
    thresholds: dict[Literal["green", "amber", "red"], float] | None = None
    breakdown: str | None = None
    text: Text
    note: str | None = None


class Action(_Model):
    id: Text
    text: Text
    due: IsoDate | None = None


class OfstedRef(_Model):
    kind: Literal["core_recommendation", "area_for_improvement", "focused_visit"]
    year: int | None = None
    text: str | None = None


class AssuranceReport(_Model):
    area: Text
    text: Text


class Objective(_Model):
    id: Text
    responsible_officers: list[Text] = Field(min_length=1)
    ofsted_refs: list[OfstedRef] = []
    do_differently: Text
    outcome: Text
    targets: list[Target] = []
    actions: list[Action] = []
    due: IsoDate | None
    due_text: str | None = None
    partners: list[Text] = []
    note: str | None = None

    @property
    def owner(self) -> str:
        return "; ".join(self.responsible_officers)

    @property
    def due_dates(self) -> list[date]:
        """Every date the objective and its actions are due, earliest first."""
        dates = {self.due, *(a.due for a in self.actions)}
        return sorted(d for d in dates if d is not None)

    def action_due(self, action: Action) -> date | None:
        """An action's own due date, else the objective's."""
        return action.due or self.due


class PriorityPlan(_Model):
    id: Text
    number: int
    title: Text
    plan_heading: str | None = None
    linked_plans: list[Text] = []
    assurance_report: AssuranceReport
    note: str | None = None
    objectives: list[Objective] = Field(min_length=1)

    @property
    def slug(self) -> str:
        return f"{self.number:02d}_{self.id}"


class Plan(_Model):
    priorities: list[PriorityPlan]

    def priority(self, priority_id: str) -> PriorityPlan:
        for p in self.priorities:
            if p.id == priority_id:
                return p
        known = ", ".join(p.id for p in self.priorities)
        raise KeyError(f"Unknown priority id {priority_id!r}; known: {known}")

    def objectives(self) -> Iterator[tuple[PriorityPlan, Objective]]:
        for p in self.priorities:
            for o in p.objectives:
                yield p, o

    def actions_frame(self) -> pd.DataFrame:
        """One row per action: priority_id, objective_id, action_id, text, owner, due."""
        rows = [
            {
                "priority_id": p.id,
                "objective_id": o.id,
                "action_id": a.id,
                "text": a.text,
                "owner": o.owner,
                "due": o.action_due(a),
            }
            for p, o in self.objectives()
            for a in o.actions
        ]
        frame = pd.DataFrame(rows, columns=list(STATUS_COLUMNS[:6]))
        frame["due"] = pd.to_datetime(frame["due"], cache=False)
        return frame

    def targets_frame(self) -> pd.DataFrame:
        """One row per target: priority_id, objective_id, measure, target, green, amber,
        breakdown, text, note."""
        rows = [
            {
                "priority_id": p.id,
                "objective_id": o.id,
                "measure": t.measure,
                "target": t.target,
                "green": (t.thresholds or {}).get("green"),
                "amber": (t.thresholds or {}).get("amber"),
                "breakdown": t.breakdown or "",
                "text": t.text,
                "note": t.note or "",
            }
            for p, o in self.objectives()
            for t in o.targets
        ]
        columns = [
            "priority_id",
            "objective_id",
            "measure",
            "target",
            "green",
            "amber",
            "breakdown",
            "text",
            "note",
        ]
        return pd.DataFrame(rows, columns=columns)


class MeasureThatMatters(_Model):
    group: Text
    text: Text
    measure: str | None
    note: str | None = None


# ---------------------------------------------------------------- loading and validation


def _display(path: Path, root: Path) -> str:
    """A path as the user knows it: relative to the workspace root where possible."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _key_path(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _describe(error: dict[str, Any]) -> str:
    """One pydantic error as plain English, with the offending value."""
    kind = error["type"]
    value = error.get("input")
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return f"is not a known key (value {value!r})"
    if kind == "not_a_date":
        return error["msg"]
    if kind in ("literal_error", "enum"):
        expected = error.get("ctx", {}).get("expected", "")
        return f"{value!r} is not allowed (expected {expected})"
    return f"{value!r}: {error['msg'][0].lower()}{error['msg'][1:]}"


def _pydantic_problems(exc: ValidationError, where: str) -> list[str]:
    return [f"{where}: {_key_path(e['loc'])}: {_describe(e)}" for e in exc.errors()]


def _read_yaml(path: Path, where: str) -> Any:
    try:
        return read_yaml(path)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise PlanError([f"{where}: not valid YAML{line}: {problem}"]) from None
    except OSError as exc:
        raise PlanError([f"{where}: cannot be read ({exc.strerror})"]) from None


def catalogue_measure_ids(params: Path) -> set[str]:
    """The measure ids in ``params/measures.yaml`` (a ``measures:`` mapping or list of ids)."""
    params = Path(params)
    path = params / "measures.yaml"
    where = _display(path, params.parent)
    if not path.is_file():
        raise PlanError([f"{where}: not found (the measure catalogue is needed to check targets)"])
    raw = _read_yaml(path, where)
    measures = raw.get("measures") if isinstance(raw, dict) else None
    if isinstance(measures, dict):
        return {str(k) for k in measures}
    if isinstance(measures, list):
        return {str(m["id"]) if isinstance(m, dict) else str(m) for m in measures}
    raise PlanError([f"{where}: measures: expected a mapping of measure ids"])


def audit_themes() -> set[str]:
    """Audit theme codes from the local datasets' schema (reference/local_datasets.yaml)."""
    raw = read_yaml(reference_file("local_datasets.yaml"))
    return set(raw["audits"]["columns"]["theme"]["codes"])


def _check_target(target: Target, key: str, measure_ids: set[str], themes: set[str]) -> list[str]:
    problems = []
    if target.measure is None:
        if not target.note:
            problems.append(f"{key}.note: is required when measure is null (say why)")
    elif target.measure not in measure_ids:
        problems.append(
            f"{key}.measure: {target.measure!r} is not a measure id in params/measures.yaml"
        )
    if target.breakdown is not None:
        name, sep, value = target.breakdown.partition("=")
        if not sep or not name.strip() or not value.strip():
            problems.append(
                f"{key}.breakdown: {target.breakdown!r} is not of the form key=value "
                "(e.g. theme=assessment)"
            )
        elif name == "theme" and value not in themes:
            problems.append(
                f"{key}.breakdown: {value!r} is not an audit theme "
                f"(expected one of {', '.join(sorted(themes))})"
            )
    return problems


def _check_priority(
    priority: PriorityPlan,
    expected_number: int,
    expected_id: str,
    measure_ids: set[str],
    themes: set[str],
    seen: dict[str, str],
    where: str,
) -> list[str]:
    """Cross-field checks the models cannot do: ids, their prefixes and duplicates, measures."""
    problems = []
    if priority.id != expected_id:
        problems.append(
            f"{where}: id: {priority.id!r} does not match the file name ({expected_id!r})"
        )
    if priority.number != expected_number:
        problems.append(
            f"{where}: number: {priority.number} does not match the file name ({expected_number})"
        )
    prefix = f"{expected_number:02d}"
    for i, objective in enumerate(priority.objectives):
        key = f"objectives[{i}]"
        match = OBJECTIVE_ID.match(objective.id)
        if not match or match.group(1) != prefix:
            problems.append(
                f"{where}: {key}.id: {objective.id!r} is not an objective id of this priority "
                f"(expected {prefix}.<mm>, e.g. {prefix}.01)"
            )
        if objective.id in seen:
            problems.append(
                f"{where}: {key}.id: {objective.id!r} is a duplicate (also {seen[objective.id]})"
            )
        seen.setdefault(objective.id, f"{where}: {key}")
        for j, action in enumerate(objective.actions):
            akey = f"{key}.actions[{j}].id"
            amatch = ACTION_ID.match(action.id)
            if not amatch or amatch.group(1) != objective.id:
                problems.append(
                    f"{where}: {akey}: {action.id!r} is not an action id of objective "
                    f"{objective.id} (expected {objective.id}.<k>, e.g. {objective.id}.1)"
                )
            if action.id in seen:
                problems.append(
                    f"{where}: {akey}: {action.id!r} is a duplicate (also {seen[action.id]})"
                )
            seen.setdefault(action.id, f"{where}: {akey}")
        for j, target in enumerate(objective.targets):
            tkey = f"{where}: {key}.targets[{j}]"
            problems += _check_target(target, tkey, measure_ids, themes)
    return problems


def load_plan(
    params_dir: Path,
    *,
    settings: Settings | None = None,
    measure_ids: set[str] | None = None,
) -> Plan:
    """Load and validate a workspace's ``params/priorities/*.yaml`` (`params_dir` is its
    ``params/``; one file ``<nn>_<id>.yaml`` per priority: the priorities are these files, see
    `selfeval.config.priorities_in`).

    Raises `PlanError` listing every problem found, each naming the file and key path.
    """
    params = Path(params_dir)
    root = params.parent
    settings = settings or load_settings(params / "settings.yaml")
    measure_ids = catalogue_measure_ids(params) if measure_ids is None else measure_ids
    themes = audit_themes()
    folder = params / "priorities"
    expected = {f"{p.slug}.yaml": p for p in settings.priorities}
    problems: list[str] = []
    if folder.is_dir():
        for extra in sorted(folder.glob("*.yaml")):
            if extra.name not in expected:
                problems.append(
                    f"{_display(extra, root)}: not a priority file name (expected "
                    "<nn>_<id>.yaml: two digits, an underscore, a lower-case id)"
                )
    priorities: list[PriorityPlan] = []
    seen: dict[str, str] = {}
    for name, setting in expected.items():
        path = folder / name
        where = _display(path, root)
        if not path.is_file():
            problems.append(f"{where}: missing")
            continue
        try:
            raw = _read_yaml(path, where)
        except PlanError as exc:
            problems += exc.problems
            continue
        if not isinstance(raw, dict):
            problems.append(f"{where}: expected a mapping with id, number, title, objectives")
            continue
        try:
            priority = PriorityPlan.model_validate(raw)
        except ValidationError as exc:
            problems += _pydantic_problems(exc, where)
            continue
        problems += _check_priority(
            priority, setting.number, setting.id, measure_ids, themes, seen, where
        )
        priorities.append(priority)
    if problems:
        raise PlanError(problems)
    return Plan(priorities=priorities)


def load_measures_that_matter(
    params_dir: Path, *, measure_ids: set[str] | None = None
) -> list[MeasureThatMatters]:
    """The plan's "Measures that matter" (``measures_that_matter.yaml`` in the workspace's
    ``params/``, `params_dir`), validated."""
    params = Path(params_dir)
    path = params / "measures_that_matter.yaml"
    where = _display(path, params.parent)
    if not path.is_file():
        raise PlanError([f"{where}: not found"])
    measure_ids = catalogue_measure_ids(params) if measure_ids is None else measure_ids
    raw = _read_yaml(path, where)
    groups = raw.get("groups") if isinstance(raw, dict) else None
    if not isinstance(groups, list):
        raise PlanError([f"{where}: groups: expected a list, each with name and measures"])
    problems: list[str] = []
    items: list[MeasureThatMatters] = []
    for i, group in enumerate(groups):
        if not isinstance(group, dict) or not isinstance(group.get("measures"), list):
            problems.append(f"{where}: groups[{i}]: expected a mapping with name and measures")
            continue
        for j, entry in enumerate(group["measures"]):
            key = f"groups[{i}].measures[{j}]"
            try:
                item = MeasureThatMatters.model_validate({"group": group.get("name"), **entry})
            except (ValidationError, TypeError) as exc:
                if isinstance(exc, TypeError):
                    problems.append(f"{where}: {key}: expected a mapping with text and measure")
                else:
                    problems += [
                        p.replace(f"{where}: ", f"{where}: {key}.", 1)
                        for p in _pydantic_problems(exc, where)
                    ]
                continue
            if item.measure is None and not item.note:
                problems.append(f"{where}: {key}.note: is required when measure is null (say why)")
            elif item.measure is not None and item.measure not in measure_ids:
                problems.append(
                    f"{where}: {key}.measure: {item.measure!r} is not a measure id in "
                    "params/measures.yaml"
                )
            items.append(item)
    if problems:
        raise PlanError(problems)
    return items


# ---------------------------------------------------------------- action tracking


def normalise_action_id(value: object) -> str:
    """``"1.2.3"`` (leading zeros lost in Excel) → ``"01.02.3"``; other text is only stripped."""
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    text = text.strip()
    parts = text.split(".")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        return f"{int(parts[0]):02d}.{int(parts[1]):02d}.{int(parts[2])}"
    return text


@dataclass(frozen=True)
class _Update:
    status: str
    reported: str
    note: str
    updated_on: pd.Timestamp


def _row_label(updates: pd.DataFrame, index: Any) -> str:
    if "_row" in updates.columns:
        source = updates.at[index, "_source"] if "_source" in updates.columns else "actions"
        return f"{source} row {updates.at[index, '_row']}"
    return f"updates row {index}"


def _check_updates(updates: pd.DataFrame) -> None:
    missing = [c for c in ("action_id", "status", "updated_on") if c not in updates.columns]
    if missing:
        raise PlanError(
            [
                f"action updates: missing column(s) {', '.join(missing)} "
                "(expected action_id, status, note, updated_on)"
            ]
        )
    problems = []
    for index, value in updates["status"].items():
        if str(value).strip().lower() not in REPORTED_STATUSES:
            problems.append(
                f"{_row_label(updates, index)}: status: {value!r} is not one of "
                "Complete, On track, At risk, Not started"
            )
    if problems:
        raise PlanError(problems)


def _latest_updates(updates: pd.DataFrame, as_at: date) -> dict[str, _Update]:
    """The latest update per action id dated on or before as_at (later rows win ties)."""
    _check_updates(updates)
    frame = updates.assign(
        key_action=updates["action_id"].map(normalise_action_id),
        key_on=pd.to_datetime(updates["updated_on"], errors="coerce", cache=False),
        key_order=range(len(updates)),
    )
    frame = frame[frame["key_on"].notna() & (frame["key_on"] <= pd.Timestamp(as_at))]
    frame = frame.sort_values(["key_action", "key_on", "key_order"])
    latest = frame.groupby("key_action", sort=False).tail(1)
    notes = latest["note"] if "note" in latest.columns else pd.Series("", index=latest.index)
    return {
        row.key_action: _Update(
            status=REPORTED_STATUSES[str(row.status).strip().lower()],
            reported=str(row.status).strip(),
            note="" if pd.isna(note) else str(note).strip(),
            updated_on=row.key_on,
        )
        for row, note in zip(latest.itertuples(), notes, strict=True)
    }


def derive_status(due: date | None, update_status: str | None, as_at: date) -> str:
    """Status of one action as at a date from its due date and latest update (normalised)."""
    if update_status == "complete":
        return "complete"
    if due is not None and due < as_at:
        return "overdue"
    return update_status or "no update"


def action_status(plan: Plan, updates: pd.DataFrame | None, as_at: date) -> pd.DataFrame:
    """One row per plan action with its status as at ``as_at`` (see the module docstring).

    Columns: priority_id, objective_id, action_id, text, owner, due, status, reported_status,
    latest_note, updated_on. Updates for ids not in the plan are ignored here: report them
    with `unknown_action_updates`.
    """
    if isinstance(as_at, datetime):
        as_at = as_at.date()
    latest = _latest_updates(updates, as_at) if updates is not None and len(updates) else {}
    frame = plan.actions_frame()
    rows = []
    for row in frame.itertuples(index=False):
        due = None if pd.isna(row.due) else row.due.date()
        update = latest.get(row.action_id)
        rows.append(
            {
                "status": derive_status(due, update.status if update else None, as_at),
                "reported_status": update.reported if update else "",
                "latest_note": update.note if update else "",
                "updated_on": update.updated_on if update else pd.NaT,
            }
        )
    extra = pd.DataFrame(rows, columns=STATUS_COLUMNS[6:], index=frame.index)
    result = pd.concat([frame, extra], axis=1)
    result["updated_on"] = pd.to_datetime(result["updated_on"], cache=False)
    return result[STATUS_COLUMNS]


def unknown_action_updates(plan: Plan, updates: pd.DataFrame | None) -> pd.DataFrame:
    """The update rows whose action id is not in the plan (any date), as given."""
    if updates is None or not len(updates):
        return pd.DataFrame(columns=["action_id", "status", "note", "updated_on"])
    if "action_id" not in updates.columns:
        raise PlanError(["action updates: missing column action_id"])
    known = {a.id for _, o in plan.objectives() for a in o.actions}
    mask = ~updates["action_id"].map(normalise_action_id).isin(known)
    return updates[mask].copy()


def status_counts(statuses: pd.DataFrame) -> dict[str, int]:
    """How many actions are in each status (every status listed, zeros included)."""
    counts = statuses["status"].value_counts()
    return {s: int(counts.get(s, 0)) for s in STATUSES}
