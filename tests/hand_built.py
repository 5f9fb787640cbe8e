"""Settings shared by the tests that compute measures on hand-built tables."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from selfeval.config import Settings


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
