"""Red / amber / green ratings for the latest value of a measure.

RAG says where the latest value stands against its thresholds; the trend is SPC's job
(`selfeval.spc`). Thresholds come from params, never from code:

- ``{"green": 70, "amber": 60}`` with polarity ``up``: value >= 70 green, >= 60 amber, else red
  (the plan's "50% - red, 60% - amber, 70% - green" reads this way; a ``red`` key is accepted
  and ignored because anything short of amber is red).
- polarity ``down``: value <= green is green, <= amber amber, else red.
- ``{"green": 90}`` (a single target, no amber band): green or red.
- polarity ``neutral`` (no better direction), no value or no thresholds: ``""``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Literal

Rating = Literal["green", "amber", "red", ""]
POLARITIES = ("up", "down", "neutral")
_KEYS = {"green", "amber", "red"}


def is_missing(value: object) -> bool:
    """True for None, NaN, pandas NA/NaT and anything else that is not a real number."""
    if value is None:
        return True
    try:
        return math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def _check_polarity(polarity: str) -> None:
    if polarity not in POLARITIES:
        raise ValueError(f"polarity must be one of {POLARITIES}, not {polarity!r}")


def _clean_thresholds(thresholds: Mapping[str, float | None]) -> dict[str, float]:
    unknown = set(thresholds) - _KEYS
    if unknown:
        raise ValueError(f"unknown RAG threshold keys {sorted(unknown)}; use green, amber (red)")
    return {key: float(v) for key, v in thresholds.items() if not is_missing(v)}


def rag(
    value: float | None,
    *,
    polarity: str,
    thresholds: Mapping[str, float | None] | None,
) -> Rating:
    """Rate ``value`` green/amber/red against ``thresholds``; ``""`` when it cannot be rated."""
    _check_polarity(polarity)
    if is_missing(value) or not thresholds or polarity == "neutral":
        return ""
    limits = _clean_thresholds(thresholds)
    if "green" not in limits:
        return ""
    green, amber = limits["green"], limits.get("amber")
    better_or_equal = (lambda a, b: a >= b) if polarity == "up" else (lambda a, b: a <= b)
    if amber is not None and not better_or_equal(green, amber):
        raise ValueError(
            f"amber threshold {amber} is better than green {green} for polarity {polarity!r}"
        )
    x = float(value)  # type: ignore[arg-type]
    if better_or_equal(x, green):
        return "green"
    if amber is not None and better_or_equal(x, amber):
        return "amber"
    return "red"


def rag_from_target(value: float | None, target: float | None, polarity: str) -> Rating:
    """Two-state RAG for a bare target: green when met (at or beyond it), else red.

    A bare target says nothing about how near is near enough, so there is no amber.
    """
    if is_missing(target):
        return ""
    return rag(value, polarity=polarity, thresholds={"green": float(target)})  # type: ignore[arg-type]
