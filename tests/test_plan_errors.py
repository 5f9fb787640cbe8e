"""Broken plan params give a PlanError naming the file, the key path and the value."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from selfeval.errors import UserError
from selfeval.plan import PlanError, load_measures_that_matter, load_plan

ROOT = Path(__file__).resolve().parents[1]
FIRST = "params/priorities/01_assessment_intervention.yaml"


@pytest.fixture
def params(tmp_path: Path) -> Path:
    """A copy of the real params/ to break."""
    target = tmp_path / "params"
    target.mkdir()
    for name in ("settings.yaml", "measures.yaml", "measures_that_matter.yaml"):
        shutil.copy(ROOT / "params" / name, target / name)
    shutil.copytree(ROOT / "params" / "priorities", target / "priorities")
    return target


def _edit(params: Path, name: str, change: Callable[[dict], None]) -> None:
    path = params / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _problems(params: Path) -> list[str]:
    with pytest.raises(PlanError) as caught:
        load_plan(params)
    assert isinstance(caught.value, UserError)
    return caught.value.problems


def test_the_copy_loads(params: Path) -> None:
    assert len(load_plan(params).priorities) == 10


def test_unparseable_date(params: Path) -> None:
    def change(d: dict) -> None:
        d["objectives"][2]["due"] = "31/13/21"

    _edit(params, "priorities/01_assessment_intervention.yaml", change)
    assert _problems(params) == [
        f"{FIRST}: objectives[2].due: '31/13/21' is not a date (expected YYYY-MM-DD)"
    ]


def test_unknown_measure_id(params: Path) -> None:
    def change(d: dict) -> None:
        d["objectives"][0]["targets"][0]["measure"] = "audits_great_pct"

    _edit(params, "priorities/01_assessment_intervention.yaml", change)
    assert _problems(params) == [
        f"{FIRST}: objectives[0].targets[0].measure: 'audits_great_pct' is not a measure id "
        "in params/measures.yaml"
    ]


def test_duplicate_objective_and_action_ids(params: Path) -> None:
    def change(d: dict) -> None:
        d["objectives"][1]["id"] = "01.01"
        d["objectives"][0]["actions"][1]["id"] = "01.01.1"

    _edit(params, "priorities/01_assessment_intervention.yaml", change)
    problems = _problems(params)
    assert f"{FIRST}: objectives[1].id: '01.01' is a duplicate (also {FIRST}: objectives[0])" in (
        problems
    )
    assert any(
        p.startswith(f"{FIRST}: objectives[0].actions[1].id: '01.01.1' is a duplicate")
        for p in problems
    )


def test_action_id_must_belong_to_its_objective(params: Path) -> None:
    def change(d: dict) -> None:
        d["objectives"][0]["actions"][0]["id"] = "01.02.9"

    _edit(params, "priorities/01_assessment_intervention.yaml", change)
    [problem] = _problems(params)
    assert problem.startswith(f"{FIRST}: objectives[0].actions[0].id: '01.02.9' is not an action")


def test_objective_id_must_carry_the_priority_number(params: Path) -> None:
    def change(d: dict) -> None:
        d["objectives"][0]["id"] = "02.01"

    _edit(params, "priorities/01_assessment_intervention.yaml", change)
    problems = _problems(params)
    assert problems[0].startswith(f"{FIRST}: objectives[0].id: '02.01' is not an objective id")
    # its actions no longer belong to it, and 02.01 is also priority 2's first objective
    assert problems[1].startswith(f"{FIRST}: objectives[0].actions[0].id: '01.01.1' is not")
    assert any("'02.01' is a duplicate" in p for p in problems)


def test_missing_required_field_and_unknown_key(params: Path) -> None:
    def change(d: dict) -> None:
        del d["objectives"][3]["outcome"]
        d["objectives"][3]["outcomes"] = "typo"

    _edit(params, "priorities/01_assessment_intervention.yaml", change)
    assert sorted(_problems(params)) == [
        f"{FIRST}: objectives[3].outcome: is required",
        f"{FIRST}: objectives[3].outcomes: is not a known key (value 'typo')",
    ]


def test_target_without_measure_needs_a_note(params: Path) -> None:
    def change(d: dict) -> None:
        d["objectives"][0]["targets"][0]["measure"] = None

    _edit(params, "priorities/01_assessment_intervention.yaml", change)
    assert _problems(params) == [
        f"{FIRST}: objectives[0].targets[0].note: is required when measure is null (say why)"
    ]


def test_unknown_audit_theme_and_bad_ofsted_kind(params: Path) -> None:
    def change(d: dict) -> None:
        d["objectives"][0]["targets"][0]["breakdown"] = "theme=early-help"
        d["objectives"][1]["ofsted_refs"][0]["kind"] = "recommendation"

    _edit(params, "priorities/01_assessment_intervention.yaml", change)
    problems = _problems(params)
    assert len(problems) == 1  # the model error stops this file before cross-checks
    assert problems[0].startswith(
        f"{FIRST}: objectives[1].ofsted_refs[0].kind: 'recommendation' is not allowed"
    )


def test_unknown_audit_theme(params: Path) -> None:
    def change(d: dict) -> None:
        d["objectives"][0]["targets"][0]["breakdown"] = "theme=early-help"

    _edit(params, "priorities/01_assessment_intervention.yaml", change)
    [problem] = _problems(params)
    assert problem.startswith(
        f"{FIRST}: objectives[0].targets[0].breakdown: 'early-help' is not an audit theme"
    )


def test_problems_in_several_files_are_all_reported(params: Path) -> None:
    (params / "priorities" / "extra.yaml").write_text("id: extra\n", encoding="utf-8")
    (params / "priorities" / "02_direct_contact.yaml").write_text(
        "id: direct_contact\nobjectives: [\n", encoding="utf-8"
    )
    (params / "priorities" / "11_extra.yaml").write_text("id: extra\n", encoding="utf-8")
    problems = _problems(params)
    assert problems[0].startswith("params/priorities/extra.yaml: not a priority file name")
    assert problems[1].startswith("params/priorities/02_direct_contact.yaml: not valid YAML")
    assert any(p.startswith("params/priorities/11_extra.yaml: number") for p in problems[2:])


def test_priority_number_must_match_the_file_name(params: Path) -> None:
    def change(d: dict) -> None:
        d["number"] = 3

    _edit(params, "priorities/02_direct_contact.yaml", change)
    problems = _problems(params)
    assert (
        "params/priorities/02_direct_contact.yaml: number: 3 does not match the file name (2)"
    ) in problems


def test_measures_that_matter_unknown_measure(params: Path) -> None:
    def change(d: dict) -> None:
        d["groups"][0]["measures"][1]["measure"] = "eh_open_cases"

    _edit(params, "measures_that_matter.yaml", change)
    with pytest.raises(PlanError) as caught:
        load_measures_that_matter(params)
    assert caught.value.problems == [
        "params/measures_that_matter.yaml: groups[0].measures[1].measure: 'eh_open_cases' "
        "is not a measure id in params/measures.yaml"
    ]
