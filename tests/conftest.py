"""Shared test set-up."""

import pytest

from selfeval import charts


@pytest.fixture(autouse=True)
def _charts_drawn_not_kept():
    """`pages.load_context` keeps charts beside an extract's store for the rest of the process;
    each test starts (and ends) drawing its charts afresh."""
    charts.keep_charts_in(None)
    yield
    charts.keep_charts_in(None)
