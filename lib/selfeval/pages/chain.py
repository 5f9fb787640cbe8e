"""The front door's conversion chain for the quarter: contacts → referrals → assessments →
section 47 enquiries → initial child protection conferences → child protection plans, as counts,
per 10,000 children and as a percentage of the step before (the right-service page)."""

from __future__ import annotations

import math

import pandas as pd

from selfeval.pages.html import html_table

# (step, measure id, column of its quarter row that holds the count)
CHAIN_STEPS: tuple[tuple[str, str, str], ...] = (
    ("Contacts", "contacts", "value"),
    ("Referrals", "referrals", "value"),
    ("Assessments completed", "assessments_completed", "value"),
    ("Section 47 enquiries", "s47_enquiries", "value"),
    ("Initial child protection conferences", "icpc_timely_pct", "denominator"),
    ("Child protection plans starting", "cp_starts", "value"),
)
CHAIN_COLUMNS = ["step", "measure_id", "count", "per_10k", "pct_of_previous"]


def conversion_chain(measures: pd.DataFrame, population: int) -> pd.DataFrame:
    """One row per step: the quarter's count (blank when the extract has no such figure), the
    count per 10,000 children aged 0-17 (`population`), and the count as a percentage of the
    step before (blank when either is blank or the step before is 0). Counts are events in
    the same quarter, not the same children followed through."""
    head = measures[(measures["period_type"] == "quarter") & (measures["breakdown"] == "")]
    rows = []
    previous = math.nan
    for step, measure_id, column in CHAIN_STEPS:
        found = head.loc[head["measure_id"] == measure_id, column]
        count = float(pd.to_numeric(found, errors="coerce").iloc[-1]) if len(found) else math.nan
        per_10k = round(count / population * 10_000, 1) if population > 0 else math.nan
        pct = round(100.0 * count / previous, 1) if previous > 0 else math.nan
        rows.append((step, measure_id, count, per_10k, pct))
        previous = count
    return pd.DataFrame(rows, columns=CHAIN_COLUMNS)


def _number(value: float, decimals: int = 0, suffix: str = "") -> str:
    """A cell: 1,234 / 12.3% / "no data" when blank."""
    if value != value:  # NaN
        return "no data"
    return f"{value:,.{decimals}f}{suffix}"


def conversion_chain_html(measures: pd.DataFrame, population: int, quarter: str) -> str:
    """The chain as a table (what it means is said in the right-service notebook, beside it)."""
    chain = conversion_chain(measures, population)
    table = pd.DataFrame(
        {
            "Step": chain["step"],
            "Count in the quarter": chain["count"].map(_number),
            "Per 10,000 children": chain["per_10k"].map(lambda v: _number(v, 1)),
            "% of the step before": chain["pct_of_previous"].map(lambda v: _number(v, 1, "%")),
        }
    )
    table.loc[0, "% of the step before"] = ""
    return html_table(
        table,
        caption=f"From contact to child protection plan, {quarter}",
        numeric_columns=table.columns[1:],
    )


def show_conversion_chain(ctx) -> None:  # noqa: ANN001 (a pages.PageContext)
    """Display the conversion chain of the page's quarter."""
    from selfeval.pages.display import show_html

    quarter = f"quarter ending {ctx.period_end.day} {ctx.period_end:%B %Y}"
    population = ctx.settings.population(ctx.period_end.year)
    body = conversion_chain_html(ctx.measures, population, quarter)
    show_html("<h3>From contact to child protection plan</h3>" + body)
