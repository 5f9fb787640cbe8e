"""The measure registry: one small pure function per measure, registered by id.

A measure function takes the run's :class:`~selfeval.measures.context.Context` and the periods it
is asked for and returns its *contributions*: one row per counted thing per period, with columns

- ``pid``: the period (index into ``periods``),
- ``unit``: what is counted once (child id, household, staff id); absent when every row counts,
- ``n``: the numerator contribution (1/0 for counts and percentages, days or FTE for sums),
- ``d``: the denominator contribution (default 1),
- a column per breakdown the measure offers (``team``, ``theme``).

The engine turns contributions into measure rows (de-duplicating units, summing, rounding, RAG).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import pandas as pd

Kind = Literal["flow", "stock", "rolling12", "current"]
Agg = Literal["count", "pct", "rate", "ratio", "sum"]

KIND_TEXT: dict[str, str] = {
    "flow": "events in the month or quarter",
    "stock": "as at the end of each month and at the period end",
    "rolling12": "over the 12 months ending at each month end and at the period end",
    "current": "as at the period end only (the source holds only the latest value)",
}


class MeasureUnavailable(Exception):
    """The data this measure needs is not in the extract (the message says what is missing)."""


@dataclass(frozen=True)
class MeasureFn:
    """A registered measure: the function plus how the engine treats its contributions."""

    id: str
    fn: Callable[..., pd.DataFrame]
    kind: Kind
    agg: Agg
    sources: tuple[tuple[str, ...], ...]
    distinct: bool = True

    def source_tables(self, tables: Mapping[str, object]) -> tuple[str, ...] | None:
        """The first alternative whose tables are all present, else None."""
        for alternative in self.sources:
            if all(t in tables for t in alternative):
                return alternative
        return None


REGISTRY: dict[str, MeasureFn] = {}


def measure(
    measure_id: str,
    *,
    kind: Kind,
    agg: Agg,
    sources: tuple[str | tuple[str, ...], ...],
    distinct: bool = True,
) -> Callable[[Callable[..., pd.DataFrame]], Callable[..., pd.DataFrame]]:
    """Register a measure function under ``measure_id``.

    ``sources`` lists alternatives in order of preference; each is a table name or a tuple of
    table names that must all be present. ``distinct`` counts each ``unit`` once per period and
    breakdown (children); set it False for measures that count events.
    """

    def register(fn: Callable[..., pd.DataFrame]) -> Callable[..., pd.DataFrame]:
        if measure_id in REGISTRY:
            raise ValueError(f"measure {measure_id!r} registered twice")
        alts = tuple((s,) if isinstance(s, str) else tuple(s) for s in sources)
        REGISTRY[measure_id] = MeasureFn(
            id=measure_id,
            fn=fn,
            kind=kind,
            agg=agg,
            sources=alts,
            distinct=distinct,
        )
        return fn

    return register
