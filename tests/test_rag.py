import math

import pandas as pd
import pytest

from selfeval.rag import rag, rag_from_target

PLAN = {"green": 70, "amber": 60}  # "50% - red, 60% - amber, 70% - green"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(70, "green"), (85.5, "green"), (69.9, "amber"), (60, "amber"), (59.9, "red"), (0, "red")],
)
def test_polarity_up_reads_the_plan_thresholds_inclusively(value, expected):
    assert rag(value, polarity="up", thresholds=PLAN) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(15, "green"), (10, "green"), (15.1, "amber"), (20, "amber"), (20.1, "red")],
)
def test_polarity_down_lower_is_better(value, expected):
    assert rag(value, polarity="down", thresholds={"green": 15, "amber": 20}) == expected


@pytest.mark.parametrize(("value", "expected"), [(90, "green"), (89.99, "red"), (100, "green")])
def test_single_target_without_amber_is_green_or_red(value, expected):
    assert rag(value, polarity="up", thresholds={"green": 90}) == expected


def test_a_red_threshold_is_accepted_and_below_amber_is_red():
    thresholds = {"green": 70, "amber": 60, "red": 50}
    assert rag(55, polarity="up", thresholds=thresholds) == "red"
    assert rag(45, polarity="up", thresholds=thresholds) == "red"


@pytest.mark.parametrize("missing", [None, math.nan, pd.NA, float("nan")])
def test_no_value_gives_no_rating(missing):
    assert rag(missing, polarity="up", thresholds=PLAN) == ""


@pytest.mark.parametrize("thresholds", [None, {}, {"amber": 60}, {"green": None}])
def test_no_usable_thresholds_give_no_rating(thresholds):
    assert rag(75, polarity="up", thresholds=thresholds) == ""


def test_neutral_measures_are_not_rated():
    assert rag(75, polarity="neutral", thresholds=PLAN) == ""


def test_inconsistent_or_unknown_thresholds_are_errors():
    with pytest.raises(ValueError, match="better than green"):
        rag(75, polarity="up", thresholds={"green": 60, "amber": 70})
    with pytest.raises(ValueError, match="unknown RAG threshold"):
        rag(75, polarity="up", thresholds={"green": 70, "orange": 60})
    with pytest.raises(ValueError, match="polarity"):
        rag(75, polarity="higher", thresholds=PLAN)


def test_rag_from_bare_target_is_met_green_else_red():
    assert rag_from_target(90, 90, "up") == "green"
    assert rag_from_target(89, 90, "up") == "red"
    assert rag_from_target(18, 18, "down") == "green"
    assert rag_from_target(18.5, 18, "down") == "red"
    assert rag_from_target(18.5, None, "down") == ""
    assert rag_from_target(None, 18, "down") == ""
