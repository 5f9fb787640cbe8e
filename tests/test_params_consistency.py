"""A target lives in the plan, the catalogue only defaults it (issue 18: one fact in one place).

Rule (`selfeval.measures.with_plan_targets`): a plan target with a measure, no breakdown and a
target (or green threshold) sets that measure's target and RAG thresholds; without thresholds
there is no amber band (green when the target is met, else red); a target for a breakdown
leaves the catalogue alone; two whole-service targets for one measure must agree.
"""

import pandas as pd
import pytest
import yaml

from hand_built import CATALOGUE_FILE, PARAMS
from selfeval.config import params_dir
from selfeval.measures import load_catalogue, with_plan_targets
from selfeval.plan import PlanError, load_plan

COLUMNS = ["objective_id", "measure", "target", "green", "amber", "breakdown"]


def _targets(*rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=COLUMNS)


@pytest.fixture(scope="module")
def defaults():
    """The catalogue as the file says it, without the plan."""
    return load_catalogue(CATALOGUE_FILE, plan=False)


def test_a_whole_service_plan_target_replaces_the_default(defaults):
    # cp_repeat_pct: polarity down; thresholds give the amber band
    plan = _targets(("01.01", "cp_repeat_pct", 20.0, 20.0, 23.0, ""))
    m = with_plan_targets(defaults, plan)["cp_repeat_pct"]
    assert (m.target, m.rag.green, m.rag.amber) == (20.0, 20.0, 23.0)


def test_a_target_without_thresholds_has_no_amber_band(defaults):
    plan = _targets(("01.01", "cin_visits_timely_pct", 95.0, None, None, ""))
    m = with_plan_targets(defaults, plan)["cin_visits_timely_pct"]
    assert m.target == 95.0 and m.rag is None


def test_breakdown_targets_and_blank_targets_leave_the_default(defaults):
    plan = _targets(
        ("01.01", "cp_repeat_pct", 5.0, 5.0, 6.0, "team=T1"),
        ("01.02", "cp_repeat_pct", None, None, None, ""),
    )
    assert with_plan_targets(defaults, plan)["cp_repeat_pct"] == defaults["cp_repeat_pct"]


def test_two_whole_service_targets_that_disagree_are_an_error(defaults):
    plan = _targets(
        ("01.01", "cp_repeat_pct", 20.0, None, None, ""),
        ("02.03", "cp_repeat_pct", 18.0, None, None, ""),
    )
    with pytest.raises(PlanError, match="01.01 and 02.03"):
        with_plan_targets(defaults, plan)


def test_thresholds_that_do_not_fit_the_polarity_name_the_objective(defaults):
    # cp_repeat_pct is polarity down: green 20 must not be above amber 15
    plan = _targets(("04.02", "cp_repeat_pct", 20.0, 20.0, 15.0, ""))
    with pytest.raises(PlanError, match="objective 04.02"):
        with_plan_targets(defaults, plan)


def test_the_project_catalogue_carries_the_plan_targets_and_no_duplicates():
    catalogue = load_catalogue(CATALOGUE_FILE)
    targets = load_plan(PARAMS).targets_frame()
    whole = targets[targets.measure.notna() & (targets.breakdown == "") & targets.target.notna()]
    assert len(whole) > 10
    for row in whole.itertuples():
        assert catalogue[row.measure].target == row.target, row.measure
    raw = yaml.safe_load((params_dir() / "measures.yaml").read_text(encoding="utf-8"))
    duplicated = [
        m for m in set(whole.measure) if {"target", "rag"} & set(raw["measures"][m] or {})
    ]
    assert duplicated == [], "targets set in the plan and in measures.yaml: " + repr(duplicated)
