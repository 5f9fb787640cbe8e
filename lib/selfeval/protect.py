"""Small-number suppression for packs shared outside the service (as DfE does)."""

from __future__ import annotations

import pandas as pd

SUPPRESSED = "suppressed"


def suppress_small_numbers(measures: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Blank counts and percentages built on fewer than `threshold` children.

    A count row is suppressed when its value is below the threshold; a percentage or rate row when
    its denominator (or, for rates, its numerator) is below it. Suppressed rows keep their
    identity columns but lose numerator, denominator, value and RAG, and say so in `rag`.
    """
    out = measures.copy()
    unit = out["unit"].astype(str)
    value = pd.to_numeric(out["value"], errors="coerce")
    numerator = pd.to_numeric(out["numerator"], errors="coerce")
    denominator = pd.to_numeric(out["denominator"], errors="coerce")
    small = (
        ((unit == "count") & (value < threshold))
        | ((unit == "pct") & (denominator < threshold))
        | ((unit == "rate_10k") & (numerator < threshold))
        | ((unit == "days") & (denominator < threshold))
    )
    for column in ("numerator", "denominator", "value"):
        out[column] = out[column].astype("object").where(~small, None)
    out["rag"] = out["rag"].astype("object").where(~small, SUPPRESSED)
    return out
