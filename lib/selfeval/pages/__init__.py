"""What the notebooks call to build each page (see notebooks/ and docs/architecture.md).

A notebook does::

    from selfeval import pages
    ctx = pages.load_context(period_end, extract_dir, priority_id, output_dir)
    pages.show_header(ctx)
    ...

`load_context` resolves the parameters; the `show_*` functions display one part of the page
each; the builders in `sections`, `summary`, `measures_view`, `cohorts`, `plan_view` and
`quality_view` return HTML strings or DataFrames and are what the tests exercise.
"""

from selfeval.pages.chain import show_conversion_chain
from selfeval.pages.context import (
    SUMMARY_ID,
    PageContext,
    ilacs_judgements,
    load_page_config,
    normalise_measures,
    read_commentary,
    resolve_extract_dir,
)
from selfeval.pages.display import (
    index_summary_html,
    load_context,
    show_actions_summary,
    show_audits,
    show_changes,
    show_chart,
    show_cohort_profiles,
    show_commentary,
    show_comparison_summary,
    show_data_quality,
    show_findings,
    show_header,
    show_html,
    show_ilacs,
    show_judgement,
    show_measures,
    show_measures_that_matter,
    show_notable,
    show_objectives,
    show_overdue_actions,
    show_priority_overview,
    show_qualitative,
    show_quality_headline,
    show_sources,
    show_spc_charts,
    show_team_breakdowns,
)

__all__ = [
    "SUMMARY_ID",
    "PageContext",
    "ilacs_judgements",
    "index_summary_html",
    "load_context",
    "load_page_config",
    "normalise_measures",
    "read_commentary",
    "resolve_extract_dir",
    "show_actions_summary",
    "show_audits",
    "show_changes",
    "show_chart",
    "show_cohort_profiles",
    "show_commentary",
    "show_conversion_chain",
    "show_comparison_summary",
    "show_data_quality",
    "show_findings",
    "show_header",
    "show_html",
    "show_judgement",
    "show_qualitative",
    "show_ilacs",
    "show_measures",
    "show_measures_that_matter",
    "show_notable",
    "show_objectives",
    "show_overdue_actions",
    "show_priority_overview",
    "show_quality_headline",
    "show_sources",
    "show_spc_charts",
    "show_team_breakdowns",
]
