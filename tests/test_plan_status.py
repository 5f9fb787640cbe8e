"""Action status as at a date, from quarterly action updates."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from selfeval.plan import (
    Action,
    AssuranceReport,
    Objective,
    Plan,
    PlanError,
    PriorityPlan,
    action_status,
    derive_status,
    load_plan,
    normalise_action_id,
    status_counts,
    unknown_action_updates,
)

AS_AT = date(2021, 12, 31)


def _plan() -> Plan:
    """Objective 01.01 due 31/12/21 (its actions inherit it); 01.02 due 30/12/21 with one
    action of its own due 31/03/22; 01.03 with no due date."""
    objectives = [
        Objective(
            id="01.01",
            responsible_officers=["HoS Early Help", "Performance Manager"],
            do_differently="x",
            outcome="y",
            due=date(2021, 12, 31),
            actions=[Action(id=f"01.01.{k}", text=f"action {k}") for k in (1, 2, 3, 4)],
        ),
        Objective(
            id="01.02",
            responsible_officers=["HoS Social Care"],
            do_differently="x",
            outcome="y",
            due=date(2021, 12, 30),
            actions=[
                Action(id="01.02.1", text="due yesterday"),
                Action(id="01.02.2", text="own date", due=date(2022, 3, 31)),
            ],
        ),
        Objective(
            id="01.03",
            responsible_officers=["PSW"],
            do_differently="x",
            outcome="y",
            due=None,
            actions=[Action(id="01.03.1", text="no date")],
        ),
    ]
    priority = PriorityPlan(
        id="assessment_intervention",
        number=1,
        title="Effective assessment and intervention",
        assurance_report=AssuranceReport(area="a", text="b"),
        objectives=objectives,
    )
    return Plan(priorities=[priority])


def _updates(*rows: tuple[str, str, str, str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["action_id", "status", "note", "updated_on"])
    frame["updated_on"] = pd.to_datetime(frame["updated_on"])
    return frame


def _status(frame: pd.DataFrame) -> dict[str, str]:
    return dict(zip(frame["action_id"], frame["status"], strict=True))


def test_boundaries_due_today_due_yesterday_complete_after_due() -> None:
    updates = _updates(
        ("01.01.1", "On track", "due today, on track", "2021-12-01"),
        ("01.02.1", "On track", "due yesterday, said on track", "2021-12-01"),
        ("01.01.3", "Complete", "done", "2021-12-15"),
        ("01.03.1", "At risk", "no date", "2021-10-01"),
    )
    statuses = _status(action_status(_plan(), updates, AS_AT))
    assert statuses == {
        "01.01.1": "on track",  # due today is not overdue
        "01.01.2": "no update",  # due today, no update: not overdue yet
        "01.01.3": "complete",
        "01.01.4": "no update",
        "01.02.1": "overdue",  # due yesterday and not complete, whatever the update says
        "01.02.2": "no update",  # its own later due date, not the objective's
        "01.03.1": "at risk",  # no due date: never overdue
    }
    # the next day the actions due on 31/12/21 without a Complete update are overdue
    next_day = _status(action_status(_plan(), updates, date(2022, 1, 1)))
    assert [next_day[a] for a in ("01.01.1", "01.01.2", "01.01.3")] == [
        "overdue",
        "overdue",
        "complete",
    ]


def test_complete_after_the_due_date_is_complete() -> None:
    updates = _updates(("01.02.1", "Complete", "late but done", "2022-02-01"))
    result = action_status(_plan(), updates, date(2022, 3, 1)).set_index("action_id")
    assert result.loc["01.02.1", "status"] == "complete"
    # before that update was made, the same action was overdue
    earlier = action_status(_plan(), updates, date(2022, 1, 31)).set_index("action_id")
    assert earlier.loc["01.02.1", "status"] == "overdue"


def test_latest_update_on_or_before_the_date_wins() -> None:
    updates = _updates(
        ("01.01.1", "At risk", "second", "2021-11-01"),
        ("01.01.1", "On track", "first", "2021-09-30"),
        ("01.01.1", "Complete", "after the period", "2022-01-05"),
        ("01.01.2", "On track", "same day, earlier row", "2021-11-01"),
        ("01.01.2", "At risk", "same day, later row", "2021-11-01"),
        ("01.01.4", "Complete", "on the period end itself", "2021-12-31"),
    )
    result = action_status(_plan(), updates, AS_AT).set_index("action_id")
    assert result.loc["01.01.1", "status"] == "at risk"
    assert result.loc["01.01.1", "latest_note"] == "second"
    assert result.loc["01.01.1", "updated_on"] == pd.Timestamp("2021-11-01")
    assert result.loc["01.01.1", "reported_status"] == "At risk"
    assert result.loc["01.01.2", "latest_note"] == "same day, later row"
    assert result.loc["01.01.4", "status"] == "complete"


def test_not_started_counts_as_at_risk_before_the_due_date() -> None:
    updates = _updates(("01.02.2", "Not started", "", "2021-12-01"))
    result = action_status(_plan(), updates, AS_AT).set_index("action_id")
    assert result.loc["01.02.2", "status"] == "at risk"
    assert result.loc["01.02.2", "reported_status"] == "Not started"


def test_columns_owner_and_due() -> None:
    result = action_status(_plan(), None, AS_AT)
    assert list(result.columns) == [
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
    first = result.iloc[0]
    assert first["owner"] == "HoS Early Help; Performance Manager"
    assert first["due"] == pd.Timestamp("2021-12-31")
    assert first["priority_id"] == "assessment_intervention"
    assert pd.isna(result.iloc[-1]["due"])
    assert status_counts(result) == {
        "complete": 0,
        "on track": 0,
        "at risk": 0,
        "overdue": 1,
        "no update": 6,
    }


def test_unknown_action_ids_are_reported_not_ignored() -> None:
    updates = _updates(
        ("01.01.1", "On track", "", "2021-12-01"),
        ("1.1.2", "On track", "zeros lost in Excel", "2021-12-01"),
        ("01.09.1", "Complete", "no such objective", "2021-12-01"),
        ("1.2", "Complete", "not an action id", "2022-06-01"),
    )
    unknown = unknown_action_updates(_plan(), updates)
    assert list(unknown["action_id"]) == ["01.09.1", "1.2"]
    result = action_status(_plan(), updates, AS_AT).set_index("action_id")
    assert result.loc["01.01.2", "status"] == "on track"


def test_normalise_action_id() -> None:
    assert normalise_action_id(" 1.2.3 ") == "01.02.3"
    assert normalise_action_id("01.02.10") == "01.02.10"
    assert normalise_action_id("A.1") == "A.1"


def test_bad_status_names_the_row() -> None:
    updates = _updates(("01.01.1", "Done", "", "2021-12-01"))
    updates["_row"] = [2]
    updates["_source"] = ["local/actions.csv"]
    with pytest.raises(PlanError) as caught:
        action_status(_plan(), updates, AS_AT)
    assert caught.value.problems == [
        "local/actions.csv row 2: status: 'Done' is not one of Complete, On track, At risk, "
        "Not started"
    ]


def test_missing_columns_are_named() -> None:
    with pytest.raises(PlanError, match="missing column.*updated_on"):
        action_status(_plan(), pd.DataFrame({"action_id": ["01.01.1"], "status": ["x"]}), AS_AT)


def test_derive_status_table() -> None:
    due = date(2021, 12, 31)
    assert derive_status(due, None, due) == "no update"
    assert derive_status(due, "on track", date(2022, 1, 1)) == "overdue"
    assert derive_status(due, "complete", date(2022, 1, 1)) == "complete"
    assert derive_status(None, None, date(2030, 1, 1)) == "no update"


def test_every_action_of_the_real_plan_has_a_row() -> None:
    plan = load_plan(Path(__file__).resolve().parents[1] / "params")
    result = action_status(plan, None, date(2021, 9, 30))
    expected = sum(len(o.actions) for _, o in plan.objectives())
    assert len(result) == expected == result["action_id"].nunique()
    # 01/06/2021 (unregistered placements) was already past by the plan's September 2021 date
    unregistered = result[result["objective_id"] == "05.01"]
    assert set(unregistered["status"]) == {"overdue"}
