"""The measures engine: the catalogue (params/measures.yaml), one registered function per
measure, measures.csv, the history store and DfE benchmarks.

Importing this package registers every measure function.
"""

from selfeval.measures import children, front_door, leavers_adoption, local, looked_after  # noqa: F401
from selfeval.measures.benchmarks import all_benchmarks, benchmarks_for
from selfeval.measures.catalogue import (
    Catalogue,
    MeasureDef,
    catalogue_html,
    catalogue_markdown,
    load_catalogue,
    rag_status,
    with_plan_targets,
)
from selfeval.measures.command import measures_command
from selfeval.measures.context import Context, build_periods, working_days
from selfeval.measures.engine import (
    MEASURE_COLUMNS,
    MEASURE_STATUS_FILE,
    blank_reasons,
    compute_measures,
    compute_measures_with_status,
    latest,
    read_measure_status,
    read_measures,
    trend,
    write_measures,
)
from selfeval.measures.registry import REGISTRY, MeasureUnavailable, measure

__all__ = [
    "MEASURE_COLUMNS",
    "MEASURE_STATUS_FILE",
    "REGISTRY",
    "Catalogue",
    "Context",
    "MeasureDef",
    "MeasureUnavailable",
    "all_benchmarks",
    "benchmarks_for",
    "blank_reasons",
    "build_periods",
    "catalogue_html",
    "catalogue_markdown",
    "compute_measures",
    "compute_measures_with_status",
    "latest",
    "load_catalogue",
    "measure",
    "measures_command",
    "rag_status",
    "read_measure_status",
    "read_measures",
    "trend",
    "with_plan_targets",
    "working_days",
    "write_measures",
]
