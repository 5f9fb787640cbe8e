"""Everything a page needs, resolved once from the notebook's four parameters."""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from selfeval.config import Priority, Settings, Workspace, file_stamps, params_dir, read_yaml
from selfeval.errors import UserError

log = logging.getLogger("selfeval.pages")

SUMMARY_ID = "summary"
MEASURE_COLUMNS = (
    "measure_id period_type period_start period_end breakdown numerator denominator value unit "
    "target rag polarity"
).split()


@dataclass
class PageContext:
    """The resolved inputs of one page. Notebooks pass it to the section builders."""

    priority_id: str
    period_end: date
    extract_dir: Path | None
    output_dir: Path | None
    settings: Settings
    page_config: dict[str, Any]
    plan: Any  # selfeval.plan.Plan
    catalogue: Any  # selfeval.measures.Catalogue
    measures: pd.DataFrame
    quality: pd.DataFrame
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    summary: pd.DataFrame | None = None  # extract summary: file, sheet, table, rows_read, ...
    extract_date: date | None = None
    action_updates: pd.DataFrame | None = None
    commentary: str | None = None
    commentary_path: Path | None = None
    run_info: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # things the reader should know (plain English)
    line_results: dict[str, Any] = field(default_factory=dict)  # evaluated lines, see evaluate()
    chart_folder: Path | None = None  # where this page's charts are kept (beside the store)
    workspace: Workspace | None = None  # the project the page belongs to
    # measure id → why it has no figures this run (not computable, unavailable, error)
    measure_status: dict[str, str] = field(default_factory=dict)

    def evaluate(
        self,
        line: Any,
        *,
        benchmarks: Mapping[str, Mapping[str, Any]] | None = None,
        with_history: bool = True,
    ) -> Any:
        """`measures_view.evaluate_line` on this context's measures, once per distinct line: the
        runner evaluates every page's lines in one pass (`write_line_results`) for all kernels."""
        from selfeval.pages import measures_view as mv

        bench = (benchmarks or {}).get(line.measure_id) if not line.breakdown else None
        key = repr((line, bench, with_history))
        if key not in self.line_results:
            self.line_results[key] = mv.evaluate_line(
                self.measures,
                line,
                self.period_end,
                benchmarks={line.measure_id: bench} if bench else None,
                history=self.history if with_history else None,
            )
        return self.line_results[key]

    def rows(
        self, measure_id: str, *, period_type: str = "month", breakdown: str = ""
    ) -> pd.DataFrame:
        """The run's figures for one measure, oldest first (a copy, for a notebook's chart).

        ``breakdown``: "" the whole service; "team=North" one breakdown; "team" every team,
        with the team's name in a ``team`` column. No rows when the run has no such figures.
        """
        self._known(measure_id)
        m = self.measures
        chosen = m[(m["measure_id"] == measure_id) & (m["period_type"] == period_type)]
        if breakdown and "=" not in breakdown:
            chosen = chosen[chosen["breakdown"].str.startswith(f"{breakdown}=")].copy()
            chosen[breakdown] = chosen["breakdown"].str.split("=", n=1).str[1]
        else:
            chosen = chosen[chosen["breakdown"] == breakdown].copy()
        return chosen.sort_values("period_end", kind="stable").reset_index(drop=True)

    def trend(self, measure_id: str, *, breakdown: str = "") -> pd.DataFrame:
        """The measure's monthly figures as its page's SPC chart has them: the XmR frame
        `selfeval.charts.spc_chart` draws (target included). Without monthly figures it has no
        rows, and the chart says "no data to chart"."""
        from selfeval.pages import measures_view as mv
        from selfeval.spc import xmr

        self._known(measure_id)
        line = mv.line_from_catalogue(self.catalogue, measure_id, breakdown=breakdown)
        spc = self.evaluate(line).spc
        if spc is None:
            empty = pd.Series([], dtype=float, index=pd.DatetimeIndex([]))
            spc = xmr(empty, polarity=line.polarity, target=line.target, unit=line.unit)
        return spc

    def _known(self, measure_id: str) -> None:
        from selfeval.pages import measures_view as mv

        if not mv.catalogue_entry(self.catalogue, measure_id):
            raise UserError(
                f"unknown measure id {measure_id!r}: expected an id of params/measures.yaml"
            )

    @property
    def comparisons(self) -> pd.DataFrame:
        """The council's DfE-published comparisons (`council_comparisons`); the runner computes
        them once for every page of a build."""
        if not hasattr(self, "_comparisons"):
            self._comparisons = council_comparisons(self.settings, self.catalogue)
        return self._comparisons

    @property
    def history(self) -> pd.DataFrame | None:
        """Measures reported for earlier period ends (selfeval.measures.history), if any."""
        if not hasattr(self, "_history"):
            try:
                from selfeval.measures.history import read_history

                self._history = read_history(self.project.history)
            except Exception:  # noqa: BLE001 - history is optional context
                self._history = None
        return self._history

    @property
    def project(self) -> Workspace:
        """The page's workspace (`load_context` always names it; a context built by hand
        without one belongs to the workspace this process is in)."""
        return self.workspace or Workspace.find()

    @property
    def params(self) -> Path:
        """The workspace's params/ folder."""
        return self.project.params

    @property
    def is_summary(self) -> bool:
        return self.priority_id == SUMMARY_ID

    @property
    def priority(self) -> Priority | None:
        return None if self.is_summary else self.settings.priority(self.priority_id)

    @property
    def plan_priority(self) -> Any:
        """This page's priority from the plan (None for the summary or if the plan lacks it)."""
        if self.is_summary or self.plan is None:
            return None
        for p in self.plan.priorities:
            if p.id == self.priority_id:
                return p
        return None

    @property
    def priority_config(self) -> dict[str, Any]:
        return (self.page_config.get("priorities") or {}).get(self.priority_id) or {}

    @property
    def title(self) -> str:
        return "Summary" if self.is_summary else self.priority.title  # type: ignore[union-attr]


@lru_cache(maxsize=4)
def _read_page_config(path: Path, stamps: tuple) -> dict[str, Any]:
    return read_yaml(path) or {}


def load_page_config(path: Path | None = None) -> dict[str, Any]:
    """params/pages.yaml: ILACS judgements, timeliness bands, what each priority page shows
    (parsed again when the file changes; a copy, so a caller cannot change another's)."""
    path = (path or params_dir() / "pages.yaml").resolve()
    return copy.deepcopy(_read_page_config(path, file_stamps(path)))


def ilacs_judgements(config: dict[str, Any] | None = None) -> dict[str, str]:
    config = config if config is not None else load_page_config()
    return dict(config.get("ilacs_judgements") or {})


def page_text(config: Mapping[str, Any], key: str) -> str:
    """The fixed wording ``key`` of the pages (params/pages.yaml ``text:``, one paragraph of
    Markdown): where an analyst edits what a section says that the figures do not decide."""
    text = (config.get("text") or {}).get(key)
    if not isinstance(text, str) or not text.strip():
        raise UserError(
            f"params/pages.yaml: text.{key} is missing or empty; expected the paragraph the "
            "pages show there (Markdown text)"
        )
    return text.strip()


def fixed_text(ctx: Any, key: str, css_class: str = "") -> str:
    """The page's fixed wording ``key`` (`page_text` of its ``page_config``) as HTML."""
    from selfeval.pages.html import text_html

    return text_html(page_text(ctx.page_config, key), css_class=css_class)


def resolve_extract_dir(extract_dir: str | Path = "", workspace: Workspace | None = None) -> Path:
    """The extract folder: the one given, else latest data/extracts/<date>/, else the latest
    data/sample/<date>/ (the same rule as `selfeval run`)."""
    workspace = workspace or Workspace.find()
    return workspace.extract_dir(Path(extract_dir) if str(extract_dir or "").strip() else None)


def parse_period_end(value: str | date | None) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError as err:
        raise UserError(f"period_end must be an ISO date like 2022-03-31, not {value!r}") from err


def normalise_measures(frame: pd.DataFrame) -> pd.DataFrame:
    """Measures with dates as Timestamps, breakdown '' for the whole service, numbers numeric."""
    out = frame.copy()
    for col in MEASURE_COLUMNS:
        if col not in out.columns:
            out[col] = pd.NA
    for col in ("period_start", "period_end"):
        out[col] = pd.to_datetime(out[col], cache=False)
    out["breakdown"] = out["breakdown"].fillna("").astype(str)
    for col in ("numerator", "denominator", "value", "target"):
        out[col] = pd.to_numeric(out[col], errors="coerce")
    for col in ("rag", "polarity", "unit", "period_type", "measure_id"):
        out[col] = out[col].fillna("").astype(str)
    return out


def commentary_path(period_end: date, priority_id: str, params: Path | None = None) -> Path:
    params = params or params_dir()
    return params / "commentary" / period_end.isoformat() / f"{priority_id}.md"


def read_commentary(
    period_end: date, priority_id: str, params: Path | None = None
) -> tuple[str | None, Path]:
    path = commentary_path(period_end, priority_id, params)
    if path.is_file():
        text = path.read_text(encoding="utf-8-sig").strip()
        return (text or None), path
    return None, path


def load_context(
    period_end: str | date = "",
    extract_dir: str | Path = "",
    priority_id: str = SUMMARY_ID,
    output_dir: str | Path = "",
    *,
    workspace: Workspace | None = None,
) -> PageContext:
    """Resolve a page's inputs from the notebook parameters.

    - extract_dir "" = the latest extract (data/extracts/<date>/, else data/sample/<date>/);
    - period_end "" = the extract date of that extract;
    - output_dir: the runner's build folder; its measures.csv and data_quality.csv are used when
      present, otherwise the measures are computed here (so the notebook runs on its own);
    - workspace: the project (default: the runner's, named in the build's run.json, else
      `Workspace.find()`).
    """
    from selfeval.extract import load_extract
    from selfeval.measures import (
        MEASURE_STATUS_FILE,
        blank_reasons,
        compute_measures_with_status,
        load_catalogue,
        read_measure_status,
        read_measures,
    )
    from selfeval.plan import load_plan

    out_dir = Path(output_dir) if str(output_dir or "").strip() else None
    run_info: dict[str, Any] = {}
    if out_dir is not None and (out_dir / "run.json").is_file():
        run_info = json.loads((out_dir / "run.json").read_text(encoding="utf-8"))
    workspace = workspace or Workspace.find(run_info.get("workspace"))
    settings = workspace.settings()
    if priority_id != SUMMARY_ID:
        settings.priority(priority_id)  # clear error for an unknown id
    if not str(extract_dir or "").strip() and run_info.get("extract_dir"):
        extract_dir = run_info["extract_dir"]
    folder = resolve_extract_dir(extract_dir, workspace)
    runner_built = (
        bool(run_info)
        and out_dir is not None
        and all((out_dir / name).is_file() for name in ("measures.csv", "data_quality.csv"))
    )
    # The one store reader: the store is used only while every input file is the one it was
    # built from (path, size, sha256); otherwise the extract is read again.
    extract = load_extract(folder, store_root=workspace.store_root)
    period = parse_period_end(period_end) or parse_period_end(run_info.get("period_end"))
    period = period or extract.extract_date
    notes: list[str] = []

    shared = read_page_inputs(out_dir) if runner_built else None
    if shared is not None:
        config, plan, catalogue = shared.page_config, shared.plan, shared.catalogue
        measures, quality = shared.measures, shared.quality
        status = read_measure_status(out_dir / MEASURE_STATUS_FILE) if out_dir else {}
    else:
        config = load_page_config(workspace.params / "pages.yaml")
        catalogue = load_catalogue(workspace.params / "measures.yaml")
        measures_csv = out_dir / "measures.csv" if out_dir else None
        if measures_csv is not None and measures_csv.is_file():
            measures = read_measures(measures_csv)
            status = read_measure_status(measures_csv.with_name(MEASURE_STATUS_FILE))
        else:
            measures, status_frame = compute_measures_with_status(
                extract.tables,
                period,
                settings=settings,
                catalogue=catalogue,
                extract_date=extract.extract_date,
            )
            status = blank_reasons(status_frame)
        measures = normalise_measures(measures)
        quality_csv = out_dir / "data_quality.csv" if out_dir else None
        if quality_csv is not None and quality_csv.is_file():
            quality = read_quality_csv(quality_csv)
        else:
            quality = extract.quality
        plan = load_plan(workspace.params, settings=settings)
    commentary, path = read_commentary(period, priority_id, workspace.params)
    line_results = read_line_results(out_dir) if runner_built else {}
    page = PageContext(
        priority_id=priority_id,
        period_end=period,
        extract_dir=folder,
        output_dir=out_dir,
        settings=settings,
        page_config=config,
        plan=plan,
        catalogue=catalogue,
        measures=measures,
        quality=quality if quality is not None else pd.DataFrame(),
        tables=extract.tables,  # read from the store when a page first uses each table
        summary=extract.summary,
        extract_date=extract.extract_date,
        action_updates=extract.tables.get("local_actions"),
        commentary=commentary,
        commentary_path=path,
        run_info=run_info,
        notes=notes,
        line_results=line_results,
        chart_folder=chart_folder(folder, workspace),
        workspace=workspace,
        measure_status=status,
    )
    if shared is not None:
        page._comparisons = shared.comparisons  # computed once by the runner
    return page


def chart_folder(extract_folder: Path, workspace: Workspace) -> Path | None:
    """Where the charts drawn from an extract are kept: beside its store (None without one)."""
    folder = workspace.chart_folder(extract_folder)
    return folder if folder.parent.is_dir() else None


LINE_RESULTS_FILE = "line_results.pickle"
PAGE_INPUTS_FILE = "page_inputs.pickle"


@dataclass(frozen=True)
class PageInputs:
    """What every page of a build reads the same way, parsed once by the runner for all kernels
    (the plan and catalogue YAML, pages.yaml, measures.csv and data_quality.csv)."""

    page_config: dict[str, Any]
    plan: Any
    catalogue: Any
    measures: pd.DataFrame
    quality: pd.DataFrame
    comparisons: pd.DataFrame


def council_comparisons(settings: Settings, catalogue: Any) -> pd.DataFrame:
    """The council's published figures beside its statistical neighbours, region and England,
    with rank and quartile (`selfeval.measures.comparison.comparisons`); no rows without an
    `la_code:`."""
    from selfeval.measures.comparison import COMPARISON_COLUMNS, comparisons

    code = getattr(settings, "la_code", None)
    if code is None:
        return pd.DataFrame(columns=COMPARISON_COLUMNS)
    return comparisons(catalogue, int(code), tuple(settings.statistical_neighbours))


def read_quality_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def write_page_inputs(out_dir: Path, workspace: Workspace | None = None) -> Path:
    """Parse the build's shared page inputs once and keep them in the build folder."""
    import pickle

    from selfeval.measures import load_catalogue, read_measures
    from selfeval.plan import load_plan

    workspace = workspace or Workspace.find()
    catalogue = load_catalogue(workspace.params / "measures.yaml")
    inputs = PageInputs(
        page_config=load_page_config(workspace.params / "pages.yaml"),
        plan=load_plan(workspace.params, settings=workspace.settings()),
        catalogue=catalogue,
        measures=normalise_measures(read_measures(out_dir / "measures.csv")),
        quality=read_quality_csv(out_dir / "data_quality.csv"),
        comparisons=council_comparisons(workspace.settings(), catalogue),
    )
    path = out_dir / PAGE_INPUTS_FILE
    with path.open("wb") as handle:
        pickle.dump(inputs, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def read_page_inputs(out_dir: Path | None) -> PageInputs | None:
    """The runner's parsed page inputs for this build (None when absent or unreadable)."""
    data = _read_pickle(out_dir / PAGE_INPUTS_FILE if out_dir is not None else None)
    return data if isinstance(data, PageInputs) else None


def read_line_results(out_dir: Path | None) -> dict[str, Any]:
    """The runner's evaluated lines for this build ({} when absent or unreadable)."""
    data = _read_pickle(out_dir / LINE_RESULTS_FILE if out_dir is not None else None)
    return data if isinstance(data, dict) else {}


def _read_pickle(path: Path | None) -> Any:
    """A pickle this run's runner wrote into its own build folder, or None (a cache: the page
    computes what it needs itself instead)."""
    import pickle

    if path is None or not path.is_file():
        return None
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)
    except Exception:  # noqa: BLE001 - a cache: never fatal
        return None


def default_data_hint(workspace: Workspace | None = None) -> str:
    data = (workspace or Workspace.find()).data
    return (
        f"No extract was found in {data / 'extracts'} or {data / 'sample'}: "
        "create the sample with `selfeval sample-data data/sample`."
    )
