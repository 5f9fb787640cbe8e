"""params/ says each target once: the plan's targets and the measure catalogue agree."""

import math

from selfeval.measures import load_catalogue
from selfeval.plan import load_plan


def _set(value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def test_every_whole_service_plan_target_matches_the_catalogue():
    catalogue = load_catalogue()
    targets = load_plan().targets_frame()
    mismatches = []
    for row in targets[targets.measure.notna()].itertuples():
        measure = catalogue[row.measure]
        if _set(row.target) and not _set(row.breakdown) and measure.target != row.target:
            mismatches.append((row.objective_id, row.measure, row.target, measure.target))
        green = measure.rag.green if measure.rag else None
        if _set(row.green) and green != row.green:
            mismatches.append((row.objective_id, row.measure, row.green, green))
    assert mismatches == [], "plan target vs catalogue target: " + repr(mismatches)
