"""What the runner evaluates once for every page: each distinct measure line, in one pass.

Every priority page, the summary page and the front page evaluate measure lines (latest value,
previous quarter, SPC, finding). Many lines appear on several pages, and each notebook runs in
its own kernel, so the runner evaluates them all once and hands the kernels a file.
"""

from __future__ import annotations

import dataclasses
import pickle
from datetime import date
from pathlib import Path

from selfeval.config import Workspace
from selfeval.pages.context import LINE_RESULTS_FILE, SUMMARY_ID, load_context


def write_line_results(
    period_end: date,
    extract_dir: Path,
    build: Path,
    workspace: Workspace | None = None,
) -> Path:
    """Evaluate the lines of every page of this build and write them to the build folder."""
    from selfeval.pages import sections as sx
    from selfeval.pages import summary as sm
    from selfeval.plan import load_measures_that_matter

    ctx = load_context(
        period_end.isoformat(), str(extract_dir), SUMMARY_ID, str(build), workspace=workspace
    )
    params = ctx.params
    path = build / LINE_RESULTS_FILE
    ctx.line_results.clear()  # not a build's earlier file: evaluated afresh
    for priority in ctx.settings.priorities:
        page = dataclasses.replace(ctx, priority_id=priority.id)  # shares ctx.line_results
        page._history = ctx.history  # type: ignore[attr-defined]
        page._comparisons = ctx.comparisons  # type: ignore[attr-defined]
        _ = sx.page_data(page).results
    _ = sm.summary_data(ctx).results_by_priority
    sm.measures_that_matter_frame(
        load_measures_that_matter(params),
        ctx.catalogue,
        ctx.measures,
        ctx.period_end,
        sm.plan_baseline_date(ctx),
        evaluate=lambda line: ctx.evaluate(line, with_history=False),
    )
    _write(path, ctx.line_results)
    return path


def _write(path: Path, line_results: dict) -> None:
    with path.open("wb") as handle:
        pickle.dump(line_results, handle, protocol=pickle.HIGHEST_PROTOCOL)
