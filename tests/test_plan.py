"""The improvement plan in params/ against the plan document itself (tests/fixtures/plan/)."""

from __future__ import annotations

import html
import re
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml

from selfeval.config import load_settings, reference_file
from selfeval.plan import Plan, load_measures_that_matter, load_plan

ROOT = Path(__file__).resolve().parents[1]
PLAN_MD = Path(__file__).parent / "fixtures" / "plan" / "improvement-plan-2021-22.md"


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(ROOT / "params")


def _words(text: str) -> str:
    """Markup removed, entities decoded, whitespace collapsed: for comparing texts."""
    text = re.sub(r"<[^>]+>", " ", text)
    return " ".join(html.unescape(text).split())


def _paragraphs(cell: str) -> list[str]:
    """A table cell's paragraphs / list items, each as plain words."""
    parts = re.split(r"</?(?:p|li|ul|ol)\b[^>]*>", cell)
    return [w for w in (_words(p) for p in parts) if w]


def _plan_table_rows() -> list[dict]:
    """Every row of the plan's objective tables, with the priority heading it falls under.

    A table that follows another table with no heading between them starts the next priority
    area (the plan's workforce and systems tables have no heading of their own).
    """
    lines = PLAN_MD.read_text(encoding="utf-8").split("\n")
    start = lines.index("# Our Improvement Plan")
    end = lines.index("# Measures that Matter")
    rows, heading, area, last = [], None, 0, None
    for line in lines[start + 1 : end]:
        if line.startswith("# "):
            if line[2:].strip() != heading:
                heading, area = line[2:].strip(), area + 1
            last = "heading"
        elif line.startswith("Responsible Officers"):
            if last == "row":
                heading, area = None, area + 1
            last = "header"
        elif "\t" in line:
            cells = line.split("\t")
            assert len(cells) == 6, line[:80]
            rows.append({"area": area, "heading": heading, "cells": cells})
            last = "row"
    return rows


PLAN_ROWS = _plan_table_rows()
OBJECTIVE_ROWS = [r for r in PLAN_ROWS if any(_words(c) for c in r["cells"][1:])]
FRAGMENT_ROWS = [r for r in PLAN_ROWS if r not in OBJECTIVE_ROWS]


def test_ten_priorities_in_settings_order(plan: Plan) -> None:
    settings = load_settings(ROOT / "params" / "settings.yaml")
    assert [(p.number, p.id, p.title) for p in plan.priorities] == [
        (s.number, s.id, s.title) for s in settings.priorities
    ]
    assert len(plan.priorities) == 10
    assert all(p.objectives for p in plan.priorities)


def test_the_document_parser_finds_the_plan_tables() -> None:
    # sanity of the independent parser: ten areas, every row has texts, one page-break fragment
    assert {r["area"] for r in PLAN_ROWS} == set(range(1, 11))
    assert [_words(r["cells"][0]) for r in FRAGMENT_ROWS] == ["Core Ofsted recommendation (2019)"]


@pytest.mark.parametrize("column, field", [(1, "do_differently"), (2, "outcome")])
def test_every_objective_row_of_the_plan_is_in_params(plan: Plan, column: int, field: str) -> None:
    by_area = {p.number: [_words(getattr(o, field)) for o in p.objectives] for p in plan.priorities}
    missing = []
    for row in OBJECTIVE_ROWS:
        for paragraph in _paragraphs(row["cells"][column]):
            if not any(paragraph in text for text in by_area[row["area"]]):
                missing.append((row["area"], paragraph[:70]))
    assert missing == []


def test_objectives_follow_the_plan_rows_in_order(plan: Plan) -> None:
    # each row's first "do differently" paragraph is found in a later objective than the
    # previous row's (order kept, no two rows in one objective)
    for area in range(1, 11):
        objectives = [_words(o.do_differently) for o in plan.priorities[area - 1].objectives]
        rows = [r for r in OBJECTIVE_ROWS if r["area"] == area]
        positions = []
        for row in rows:
            first = _paragraphs(row["cells"][1])[0]
            positions.append(next(i for i, t in enumerate(objectives) if first in t))
        assert positions == sorted(positions)
        assert len(set(positions)) == len(rows)
        assert len(objectives) >= len(rows)


def test_areas_match_the_plan_headings(plan: Plan) -> None:
    for row in OBJECTIVE_ROWS:
        priority = plan.priorities[row["area"] - 1]
        assert priority.plan_heading == row["heading"]
    assert plan.priority("workforce").plan_heading is None
    assert plan.priority("systems").plan_heading is None


def test_every_plan_date_is_a_due_date(plan: Plan) -> None:
    due_dates = {d for _, o in plan.objectives() for d in o.due_dates}
    for row in OBJECTIVE_ROWS:
        for text in re.findall(r"\b\d\d/\d\d/\d{2,4}\b", _words(row["cells"][4])):
            fmt = "%d/%m/%Y" if len(text) == 10 else "%d/%m/%y"
            assert datetime.strptime(text, fmt).date() in due_dates, text


def test_the_page_break_fragment_is_noted(plan: Plan) -> None:
    objective = plan.priority("corporate_parenting").objectives[5]
    assert "right children are looked after" in objective.do_differently
    assert "Core Ofsted recommendation (2019)" in objective.note
    assert [r.kind for r in objective.ofsted_refs] == ["core_recommendation"]


def _objective(plan: Plan, objective_id: str):
    return next(o for _, o in plan.objectives() if o.id == objective_id)


def test_spot_check_texts_targets_and_dates(plan: Plan) -> None:
    eh = _objective(plan, "01.01")
    assert eh.responsible_officers == ["HoS Early Help / Performance Manager"]
    assert eh.do_differently == (
        "Children referred for Early Help will benefit from consistently timely and good "
        "assessments, plans and support."
    )
    assert eh.due == date(2021, 12, 31)
    assert eh.partners == ["QA Unit", "Solent NHS", "Data Team"]
    [audit] = eh.targets
    assert (audit.measure, audit.target, audit.breakdown) == (
        "audits_good_pct",
        70,
        "theme=early_help",
    )
    assert audit.thresholds == {"green": 70, "amber": 60}
    assert len(eh.actions) == 4
    assert eh.actions[0].text.startswith("We will have monthly managers audit")

    visits = {t.measure: t.target for t in _objective(plan, "02.02").targets}
    assert visits["cla_visits_timely_pct"] == 90
    assert visits["cp_visits_timely_pct"] == 90

    caseload = [t for t in _objective(plan, "09.01").targets if t.measure == "sw_caseload_avg"]
    assert [t.target for t in caseload] == [18]

    leavers = {t.measure: t.target for t in _objective(plan, "05.23").targets}
    assert leavers["care_leavers_suitable_accom_pct"] == 81
    assert {t.measure: t.target for t in _objective(plan, "05.19").targets} == {
        "care_leavers_eet_pct": 40
    }

    assert _objective(plan, "09.02").due == date(2022, 10, 1)
    assert _objective(plan, "04.01").due == date(2021, 12, 1)
    assert _objective(plan, "04.01").due_text == "01/12/2021 threshold document re-launch"


def test_partners_run_together_in_the_plan_are_separated(plan: Plan) -> None:
    assert _objective(plan, "07.02").partners == [
        "Department for Education",
        "Local Government Association",
        "Hampshire Children and Families Service",
    ]
    assert _objective(plan, "05.01").partners == []  # the plan names none
    assert "no key partners" in _objective(plan, "05.01").note


def test_targets_frame(plan: Plan) -> None:
    frame = plan.targets_frame()
    rows = frame[(frame["objective_id"] == "01.08")].to_dict("records")
    assert [(r["measure"], r["target"], r["green"], r["amber"], r["breakdown"]) for r in rows] == [
        ("audits_good_pct", 70, 70, 60, "theme=neglect")
    ]
    assert len(frame) == sum(len(o.targets) for _, o in plan.objectives())


def test_a_row_with_two_objectives_and_two_dates_is_split(plan: Plan) -> None:
    met, oversight = _objective(plan, "03.07"), _objective(plan, "03.08")
    assert "exploitation/contextual harm" in met.do_differently
    assert "managers' footprint" in oversight.do_differently
    assert (met.due, oversight.due) == (date(2022, 3, 31), date(2021, 12, 31))
    assert oversight.ofsted_refs[0].kind == "area_for_improvement"
    assert oversight.ofsted_refs[0].year == 2021


def test_garbled_and_incomplete_plan_text_is_kept_with_a_note(plan: Plan) -> None:
    pre_proceedings = _objective(plan, "01.03")
    assert pre_proceedings.actions[-1].text.endswith("Need update from Julian")
    assert "Julian" in pre_proceedings.note
    iro = _objective(plan, "05.07")
    assert iro.due is None and "no date" in iro.note
    assert "Target to be set when data report has been formulated." in iro.targets[0].text
    assert iro.targets[0].measure is None and iro.targets[0].note


def test_ofsted_references(plan: Plan) -> None:
    refs = [(o.id, r) for _, o in plan.objectives() for r in o.ofsted_refs]
    kinds = {r.kind for _, r in refs}
    assert kinds == {"core_recommendation", "area_for_improvement", "focused_visit"}
    mash = [o for o, r in refs if r.text and r.text.startswith("Decision making in the MASH")]
    assert mash == ["01.07", "04.02", "04.06"]
    ehe = _objective(plan, "04.07").ofsted_refs
    assert ehe[0].text == "Visits to vulnerable children who are electively home educated (EHE)."


def _catalogue_ids() -> set[str]:
    raw = yaml.safe_load((ROOT / "params" / "measures.yaml").read_text(encoding="utf-8"))
    return set(raw["measures"])


def test_every_target_measure_is_in_the_catalogue(plan: Plan) -> None:
    catalogue = _catalogue_ids()
    themes = set(
        yaml.safe_load(reference_file("local_datasets.yaml").read_text())["audits"]["columns"][
            "theme"
        ]["codes"]
    )
    targets = [t for _, o in plan.objectives() for t in o.targets]
    assert len(targets) > 40
    for t in targets:
        assert t.measure is None or t.measure in catalogue, t.measure
        assert t.measure is not None or t.note, t.text
        if t.breakdown:
            key, value = t.breakdown.split("=")
            assert key == "theme" and value in themes
    # the plan's audit RAG (50/60/70) always maps to audits_good_pct >= 70 green, >= 60 amber
    for t in targets:
        if "70% good or outstanding – green" in t.text:
            assert t.measure == "audits_good_pct"
            assert t.thresholds == {"green": 70, "amber": 60}


def test_ids_are_unique_and_follow_the_scheme(plan: Plan) -> None:
    ids = []
    for p, o in plan.objectives():
        assert re.fullmatch(rf"{p.number:02d}\.\d\d", o.id)
        ids.append(o.id)
        for k, a in enumerate(o.actions, 1):
            assert a.id == f"{o.id}.{k}"
            ids.append(a.id)
    assert len(ids) == len(set(ids))
    numbers = [int(o.id[3:]) for p in plan.priorities for o in p.objectives if p.number == 5]
    assert numbers == list(range(1, len(numbers) + 1))


def test_measures_that_matter_cover_the_plan_list() -> None:
    items = load_measures_that_matter(ROOT / "params")
    text = PLAN_MD.read_text(encoding="utf-8")
    listed = re.findall(r"<li>• ([^<]+)</li>", text)
    assert [i.text for i in items] == [_words(x) for x in listed]
    catalogue = _catalogue_ids()
    for item in items:
        assert item.measure in catalogue or (item.measure is None and item.note)
    by_text = {i.text: i.measure for i in items}
    assert by_text["Number of SW's with caseloads above target"] == "sw_over_caseload_target"
    assert by_text["Percentage of contacts that led to NFA"] is None


def test_assurance_reports_follow_the_plan(plan: Plan) -> None:
    lines = PLAN_MD.read_text(encoding="utf-8").split("\n")
    start = lines.index("# How we will provide assurance")
    table = [line.split("\t") for line in lines[start:] if "\t" in line][:10]
    assert [(p.assurance_report.area, p.assurance_report.text) for p in plan.priorities] == [
        (a, t) for a, t in table
    ]
