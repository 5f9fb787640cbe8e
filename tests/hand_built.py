"""Settings and page contexts shared by the tests that work on hand-built tables."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from selfeval.config import Settings, load_settings

if TYPE_CHECKING:
    from selfeval.pages.context import PageContext
    from selfeval.plan import Plan


def settings_for_testshire(population_0_17: dict[int, int]) -> Settings:
    """A made-up council with the given 0-17 population by year (rates per 10,000 use it)."""
    return Settings(
        local_authority="Testshire",
        service="Testshire Children's Services",
        region="South East",
        plan_title="Plan",
        plan_start=date(2021, 4, 1),
        population_0_17=population_0_17,
        caseload_target=18,
        priorities=(),
    )


#: the repository's own params/ (the workspace the tests run in), named explicitly
PARAMS = Path(__file__).resolve().parents[1] / "params"
CATALOGUE_FILE = PARAMS / "measures.yaml"


def page_context(
    measures: pd.DataFrame,
    *,
    plan: Plan | None = None,
    priority_id: str = "direct_contact",
    period_end: date = date(2022, 3, 31),
) -> PageContext:
    """A priority page's context on hand-built `measures` alone (no extract, no measures
    history), with the repository's settings, pages.yaml and catalogue."""
    from selfeval.measures.catalogue import load_catalogue
    from selfeval.pages.context import PageContext, load_page_config, normalise_measures

    ctx = PageContext(
        priority_id=priority_id,
        period_end=period_end,
        extract_dir=None,
        output_dir=None,
        settings=load_settings(PARAMS / "settings.yaml"),
        page_config=load_page_config(PARAMS / "pages.yaml"),
        plan=plan,
        catalogue=load_catalogue(CATALOGUE_FILE),
        measures=normalise_measures(measures),
        quality=pd.DataFrame(),
    )
    ctx._history = None  # only these figures
    return ctx
