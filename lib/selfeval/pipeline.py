"""`selfeval run`: read the extract once, compute measures once, run every notebook, publish.

The flow (see docs/architecture.md):
1. resolve the extract folder and the period end;
2. build into a temporary folder inside the rendered root;
3. read + validate the extract (parquet store), write data_quality.csv;
4. compute the measures once, write measures.csv and the history store;
5. execute each notebook with papermill in its own kernel, several at a time;
6. render each executed notebook to HTML in this process with one exporter;
7. write index.html, the definitions and data-quality pages, manifest.json;
8. replace rendered/<period_end>/ in one step.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from selfeval import __version__
from selfeval.cache import keyed, package_fingerprint
from selfeval.config import Workspace
from selfeval.errors import UserError
from selfeval.kernels import (
    KERNEL_ARGUMENTS,
    KERNEL_NAME,
    PACK_IMPORTS,
    KernelSupply,
    stop_kernel,
)

if TYPE_CHECKING:  # pandas and what needs it load after the kernels have started
    import pandas as pd

    from selfeval import publish
    from selfeval.pages import PageContext
    from selfeval.protect import Withheld

log = logging.getLogger("selfeval")

EXIT_OK = 0
EXIT_PARTIAL = 1  # published, but an input table was unusable or a section failed
EXIT_NOTHING_PUBLISHED = 2

#: kernels started ahead beyond one per parallel notebook (see run_pack)
KERNELS_AHEAD_EXTRA = 2
#: what selfeval.charts imports to draw its first chart
CHART_IMPORTS = ("matplotlib.dates", "seaborn")


@dataclass
class RunOptions:
    data: Path | None = None
    period_end: date | None = None
    rendered_root: Path | None = None
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    pdf: bool = False
    docx: bool = False
    suppress_below: int | None = None
    cell_timeout: int = 600
    notebooks: Sequence[Path] | None = None
    command_line: str = "selfeval run"
    workspace: Workspace | None = None  # default: Workspace.find()


@dataclass
class Section:
    notebook: Path
    slug: str
    priority_id: str
    title: str
    status: str = "pending"
    seconds: float = 0.0
    message: str = ""
    started_at: float = 0.0

    def elapsed(self) -> float:
        return time.monotonic() - self.started_at if self.started_at else 0.0

    @property
    def href(self) -> str:
        return f"{self.slug}.html"


@dataclass
class RunResult:
    exit_code: int
    published: Path | None = None
    sections: list[Section] = field(default_factory=list)
    unusable_tables: list[str] = field(default_factory=list)

    @property
    def index_html(self) -> Path | None:
        return self.published / "index.html" if self.published else None


# ---------------------------------------------------------------- resolving inputs


def notebook_paths(
    notebooks: Sequence[Path] | None = None, workspace: Workspace | None = None
) -> list[Path]:
    """The pack's notebooks: `notebooks`, else every notebooks/NN_*.ipynb, in file order."""
    folder = (workspace or Workspace.find()).notebooks
    paths = sorted(notebooks) if notebooks else sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        raise UserError(f"No notebooks found in {folder}.")
    return paths


def discover_sections(
    notebooks: Sequence[Path] | None = None, workspace: Workspace | None = None
) -> list[Section]:
    """One section per notebook in notebooks/, in file order, titled from the settings."""
    workspace = workspace or Workspace.find()
    settings = workspace.settings()
    sections = []
    for path in notebook_paths(notebooks, workspace):
        slug = path.stem
        priority_id = slug.split("_", 1)[1] if "_" in slug else slug
        if priority_id == "summary":
            title = "Summary"
        else:
            try:
                title = settings.priority(priority_id).title
            except KeyError:
                title = priority_id.replace("_", " ").capitalize()
        sections.append(Section(path, slug, priority_id, title))
    return sections


def kernel_imports(workspace: Workspace, extract_dir: Path) -> tuple[str, ...]:
    """What each kernel imports while it waits: the pack's modules, and on a first run on this
    extract (no chart kept yet, so every page draws its charts) matplotlib and seaborn too."""
    if any(workspace.chart_folder(extract_dir).glob("*.pickle")):
        return PACK_IMPORTS
    return (*PACK_IMPORTS, *CHART_IMPORTS)


def period_label(period_end: date) -> str:
    return f"Quarter ending {period_end.day} {period_end:%B %Y}"


# ---------------------------------------------------------------- the run


def run_pack(options: RunOptions) -> RunResult:
    """Run the whole pack; never raises for a user mistake (prints it and returns exit 2)."""

    started = time.monotonic()
    try:
        workspace = options.workspace or Workspace.find()
        extract_dir = workspace.extract_dir(options.data)
        notebooks = notebook_paths(options.notebooks, workspace)
    except FileNotFoundError as err:  # not inside a workspace
        print(f"selfeval run: {err}", file=sys.stderr)
        return RunResult(EXIT_NOTHING_PUBLISHED)
    except UserError as err:
        print(f"selfeval run: {err}", file=sys.stderr)
        return RunResult(EXIT_NOTHING_PUBLISHED)

    # Kernels start first and import what the pages need on the idle core while this process
    # reads the settings and the extract and computes the measures and lines (one core): two
    # more than run at once, started `jobs` at a time.
    jobs = max(1, options.jobs)
    with KernelSupply(
        len(notebooks),
        notebooks[0].parent,
        modules=kernel_imports(workspace, extract_dir),
        ahead=jobs + KERNELS_AHEAD_EXTRA,
        starters=jobs,
    ) as supply:
        try:
            sections = discover_sections(notebooks, workspace)
        except UserError as err:
            print(f"selfeval run: {err}", file=sys.stderr)
            return RunResult(EXIT_NOTHING_PUBLISHED)
        return _run_pack_with(options, workspace, extract_dir, sections, supply, started)


def _run_pack_with(
    options: RunOptions,
    workspace: Workspace,
    extract_dir: Path,
    sections: list[Section],
    supply: KernelSupply,
    started: float,
) -> RunResult:
    from selfeval import publish

    root = Path(options.rendered_root) if options.rendered_root else workspace.rendered
    root.mkdir(parents=True, exist_ok=True)
    publish.remove_stale_build_dirs(root)
    provisional_period = (options.period_end or date.today()).isoformat()
    build = publish.new_build_dir(root, provisional_period)
    redactor = Redactor()
    handler = _start_log(build / "run.log", redactor)
    try:
        result = _run_in(
            build, root, workspace, extract_dir, sections, options, started, supply, redactor
        )
    except KeyboardInterrupt:
        log.warning("Interrupted: the last published pack is unchanged.")
        publish.cleanup_build_dir(build)
        raise
    except UserError as err:
        log.error("%s", err)
        print(f"selfeval run: {err}", file=sys.stderr)
        publish.cleanup_build_dir(build)
        return RunResult(EXIT_NOTHING_PUBLISHED)
    except Exception:  # a bug: keep the traceback in the log, tell the user where it is
        log.error("The run failed:\n%s", traceback.format_exc())
        print(
            "selfeval run: the run failed and nothing was published; "
            f"details were logged to {root / 'last-failed-run.log'}",
            file=sys.stderr,
        )
        _stop_log(handler)
        _keep_failed_log(build / "run.log", root / "last-failed-run.log")
        publish.cleanup_build_dir(build)
        return RunResult(EXIT_NOTHING_PUBLISHED)
    finally:
        _stop_log(handler)
    return result


def _run_in(
    build: Path,
    root: Path,
    workspace: Workspace,
    extract_dir: Path,
    sections: list[Section],
    options: RunOptions,
    started: float,
    supply: KernelSupply | None,
    redactor: Redactor,
) -> RunResult:
    from selfeval import publish
    from selfeval.extract import load_extract
    from selfeval.measures import (
        MEASURE_STATUS_FILE,
        blank_reasons,
        compute_measures_with_status,
        load_catalogue,
    )
    from selfeval.measures.context import resolve_period_end
    from selfeval.pages import load_page_config
    from selfeval.protect import (
        SENSITIVE_COLUMNS,
        neutralise_formulas,
        redact_text,
        redact_values,
        stored_identifying_values,
    )

    settings = workspace.settings()
    page_config = load_page_config(workspace.params / "pages.yaml")
    text = pack_text(page_config)
    store = workspace.store(extract_dir)
    log.info("selfeval %s: extract %s", __version__, extract_dir)
    _say(f"Reading the extract {extract_dir} ...")
    extract = load_extract(extract_dir, store_root=workspace.store_root)
    withheld_cache = store / "withheld.pickle"
    redactor.values = stored_identifying_values(
        extract.tables, SENSITIVE_COLUMNS, withheld_cache, extract.inputs
    )
    period_end = resolve_period_end(options.period_end, extract.extract_date)  # later: exit 2
    log.info("Period end %s (extract date %s)", period_end, extract.extract_date)

    quality = extract.quality
    published_quality = redact_values(quality, redactor.values)
    neutralise_formulas(published_quality).to_csv(build / "data_quality.csv", index=False)
    unusable = unusable_tables(extract.summary)
    for table in unusable:
        log.warning("Input table unusable: %s", table)

    _say("Computing measures ...")
    t0 = time.monotonic()
    catalogue = load_catalogue(workspace.params / "measures.yaml")
    measures, status = keyed(
        store / f"measures-{period_end.isoformat()}.pickle",
        (extract.inputs, period_end, repr(settings), repr(catalogue), package_fingerprint()),
        lambda: compute_measures_with_status(
            extract.tables,
            period_end,
            settings=settings,
            catalogue=catalogue,
            extract_date=extract.extract_date,
        ),
    )
    # why each measure without figures has none (pages say so instead of a bare blank)
    # a reason may quote a date from the data (how far a list reaches): withheld like the log's
    reasons = {k: redact_text(v, redactor.values) for k, v in blank_reasons(status).items()}
    status = status.assign(why=status["measure_id"].map(reasons).fillna(""))
    neutralise_formulas(status[["measure_id", "status", "why"]]).to_csv(
        build / MEASURE_STATUS_FILE, index=False
    )
    if options.suppress_below:
        from selfeval.protect import suppress_small_numbers

        measures = suppress_small_numbers(measures, options.suppress_below)
    neutralise_formulas(measures).to_csv(build / "measures.csv", index=False)
    log.info("Measures: %d rows in %.1fs", len(measures), time.monotonic() - t0)

    pack_info = {
        "local_authority": settings.local_authority,
        "service": settings.service,
        "period_end": period_end.isoformat(),
        "period_label": period_label(period_end),
        "extract_date": extract.extract_date.isoformat(),
        "generated_at": datetime.now().isoformat(timespec="seconds"),
        "selfeval_version": __version__,
        "command": options.command_line,
        **_signoff_info(period_end, workspace),
    }
    run_context = {
        **pack_info,
        "extract_dir": str(extract_dir),
        "suppress_below": options.suppress_below,
        "workspace": str(workspace.root),
    }
    (build / "run.json").write_text(json.dumps(run_context, indent=2), encoding="utf-8")
    _precompute_pages(build, period_end, extract_dir, workspace)

    ilacs_links = _ilacs_links(page_config)
    nav = (
        [publish.NavItem("Home", "index.html")]
        + [publish.NavItem(s.title, s.href) for s in sections]
        + ilacs_links
    )
    extra_links = [
        publish.NavItem("How each figure is calculated", "definitions.html"),
        publish.NavItem("Data quality", "data-quality.html"),
    ]
    nav += extra_links
    params = {
        "period_end": period_end.isoformat(),
        "extract_dir": str(extract_dir),
        "output_dir": str(build),
    }

    front_page: dict[str, str | None] = {}

    def other_pages() -> None:
        publish.write_definitions_page(build, catalogue, nav, pack_info, settings.priorities)
        publish.write_quality_page(build, extract.summary, quality, nav, pack_info, text)
        summary, failure = summary_context(period_end, extract_dir, build, workspace)
        _write_ilacs_pages(build, nav, pack_info, text, sections, page_config, summary, failure)
        front_page["summary"] = index_summary(summary, failure)

    _execute_and_render(
        build, sections, params, nav, pack_info, text, options, supply, meanwhile=other_pages
    )
    publish.write_index(
        build,
        pack_info=pack_info,
        sections=[
            publish.SectionResult(s.title, s.href, s.status, s.seconds, s.message) for s in sections
        ],
        summary_html=front_page.get("summary"),
        extra_links=extra_links,
        text=text,
        ilacs_links=ilacs_links,
    )
    if options.pdf:
        _print_pdf(build, sections, ilacs_links)
    if options.docx:
        _write_docx(build, sections, ilacs_links, pack_info)

    failed = [s for s in sections if s.status != "ok"]
    exit_code = EXIT_PARTIAL if failed or unusable else EXIT_OK
    manifest = {
        "selfeval_version": __version__,
        "pack_info": pack_info,
        "generated_at": pack_info["generated_at"],
        "command": pack_info["command"],
        "parameters": {
            "period_end": period_end.isoformat(),
            "extract_dir": str(extract_dir),
            "jobs": options.jobs,
            "pdf": options.pdf,
            "docx": options.docx,
            "suppress_below": options.suppress_below,
            "cell_timeout": options.cell_timeout,
        },
        "versions": publish.package_versions(),
        "inputs": [dict(i) for i in extract.inputs],
        "unusable_tables": unusable,
        "sections": [
            {k: v for k, v in asdict(s).items() if k not in ("notebook", "started_at")}
            | {"notebook": s.notebook.name}
            for s in sections
        ],
        "exit_code": exit_code,
        "seconds": round(time.monotonic() - started, 1),
    }
    publish.write_manifest(build, manifest)
    log.info("Pack built in %.1fs; publishing", time.monotonic() - started)
    for stray in [*build.glob("*.ipynb"), *build.glob("*.pickle")]:
        stray.unlink()
    published = publish.publish_atomically(build, root, period_end.isoformat())
    # History changes only after a successful publish, so a failed run leaves it untouched.
    record_history(measures, period_end, extract_dir, workspace)
    _say(f"Published {published / 'index.html'}")
    if failed:
        _say(f"{len(failed)} section(s) could not be produced: see {published / 'run.log'}")
    return RunResult(exit_code, published, sections, unusable)


def _precompute_pages(
    build: Path, period_end: date, extract_dir: Path, workspace: Workspace
) -> None:
    """Parse the pages' shared inputs and evaluate every page's measure lines once, for all the
    kernels (a cache: never fatal)."""
    from selfeval.pages.context import write_page_inputs
    from selfeval.pages.precompute import write_line_results

    t0 = time.monotonic()
    try:
        write_page_inputs(build, workspace)
        write_line_results(period_end, extract_dir, build, workspace)
    except Exception:  # noqa: BLE001 - the notebooks evaluate their lines themselves instead
        log.warning("Page precompute failed (pages evaluate lines):\n%s", traceback.format_exc())
        return
    log.info("Page lines evaluated in %.1fs", time.monotonic() - t0)


def _execute_and_render(
    build: Path,
    sections: list[Section],
    params: dict[str, str],
    nav: list,
    pack_info: dict[str, str],
    text: publish.PackText,
    options: RunOptions,
    supply: KernelSupply | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> None:
    """Run notebooks in parallel (each in its own kernel, from `supply` when given); render each
    in this thread, which first does `meanwhile` (pages that need no notebook) once they run."""
    import papermill  # noqa: F401 - imported once here, not by the notebook threads at once

    from selfeval import publish

    total = len(sections)
    done = 0
    with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        futures: dict[Future, Section] = {
            pool.submit(
                _execute_notebook, section, build, params, options.cell_timeout, supply
            ): section
            for section in sections
        }
        pending = set(futures)
        if meanwhile is not None:
            meanwhile()
        while pending:
            finished, pending = wait(pending, timeout=15, return_when=FIRST_COMPLETED)
            if not finished:
                running = [futures[f] for f in pending if futures[f].started_at]
                _say("  running  " + ", ".join(f"{s.slug} {s.elapsed():.0f}s" for s in running))
            for future in finished:
                section = futures[future]
                error = future.exception()
                html_path = build / section.href
                if error is None:
                    try:
                        publish.export_html(
                            future.result(),
                            html_path,
                            title=section.title,
                            nav=nav,
                            current_href=section.href,
                            pack_info=pack_info,
                        )
                        section.status = "ok"
                    except Exception as render_error:  # noqa: BLE001 - contained per section
                        error = render_error
                if error is not None:
                    section.status = "failed"
                    section.message = describe_failure(error)
                    log.error(
                        "Section %s failed: %s\n%s",
                        section.slug,
                        section.message,
                        "".join(traceback.format_exception(error)),
                    )
                    publish.failed_section_html(
                        html_path,
                        title=section.title,
                        reason=section.message,
                        text=text,
                        nav=nav,
                        current_href=section.href,
                        pack_info=pack_info,
                    )
                section.seconds = round(section.elapsed(), 1)
                done += 1
                _say(
                    f"[{done:>2}/{total}] {section.slug:<32} "
                    f"{section.status:<6} {section.seconds:5.1f}s"
                )
                log.info("Section %s %s in %.1fs", section.slug, section.status, section.seconds)


def _execute_notebook(
    section: Section,
    build: Path,
    params: dict[str, str],
    timeout: int,
    supply: KernelSupply | None = None,
):
    """Execute one notebook with papermill in a kernel of its own; return the executed notebook.

    The kernel comes from `supply` (already started) when there is one, else papermill starts
    it. Either way it is stopped at once when the notebook has run: every cell has run and its
    outputs are collected, so a graceful shutdown would only cost time (about 0.5 s).
    """
    import papermill

    section.started_at = time.monotonic()
    _say(f"  started  {section.slug}")
    out = build / f"{section.slug}.ipynb"
    kernel = supply.take(section.notebook.parent) if supply is not None else None
    try:
        notebook = papermill.execute_notebook(
            str(section.notebook),
            str(out),
            parameters={**params, "priority_id": section.priority_id},
            kernel_name=KERNEL_NAME,
            progress_bar=False,
            log_output=False,
            # The kernel's working folder; papermill's own `cwd=` changes this whole process's
            # folder, which threads running notebooks side by side would race on.
            resources={"metadata": {"path": str(section.notebook.parent)}},
            execution_timeout=timeout,
            request_save_on_cell_execute=False,
            extra_arguments=KERNEL_ARGUMENTS,
            shutdown_kernel="immediate",
            km=kernel,
        )
        return notebook
    finally:
        if kernel is not None:
            stop_kernel(kernel)


def record_history(
    measures: pd.DataFrame, period_end: date, extract_dir: Path, workspace: Workspace
) -> None:
    """Keep this run's measures in the history store (keyed by period end and extract)."""
    from selfeval.measures.history import update_history

    update_history(
        measures, period_end=period_end, extract_id=extract_dir.name, root=workspace.history
    )


def describe_failure(error: BaseException) -> str:
    """A plain-English reason for a failed section (no data values, no traceback)."""
    name = getattr(error, "ename", None) or type(error).__name__
    if "Timeout" in name or "timed out" in str(error).lower():
        return "a step took longer than the time allowed for one section"
    if "DeadKernel" in name or "died" in str(error).lower():
        return "the Python process running this section stopped unexpectedly"
    return f"an error occurred while producing this section ({name})"


def unusable_tables(summary: pd.DataFrame) -> list[str]:
    """Input tables that could not be used at all (from the extract summary)."""
    if summary is None or summary.empty or "rows_used" not in summary:
        return []
    bad = summary[(summary["rows_used"] == 0) & (summary.get("errors", 0) > 0)]
    return sorted({f"{r.file}" + (f" [{r.sheet}]" if r.sheet else "") for r in bad.itertuples()})


# ---------------------------------------------------------------- generated pages


def pack_text(page_config: dict[str, Any]) -> publish.PackText:
    """The wording of the pages the run writes itself (params/pages.yaml ``text:``) as HTML."""
    from selfeval import publish
    from selfeval.pages.context import page_text
    from selfeval.pages.html import text_html

    return publish.PackText(
        **{
            f.name: text_html(
                page_text(page_config, f.name), css_class=f.metadata.get("css_class", "")
            )
            for f in fields(publish.PackText)
        }
    )


def summary_context(
    period_end: date, extract_dir: Path, build: Path, workspace: Workspace
) -> tuple[PageContext | None, str]:
    """The summary page's context, built once for the front page and the ILACS pages; None and
    the traceback when it cannot be built (those pages say so instead)."""
    from selfeval import pages

    try:
        ctx = pages.load_context(
            period_end.isoformat(), str(extract_dir), "summary", str(build), workspace=workspace
        )
    except Exception:  # noqa: BLE001 - the pages that use it say why instead
        return None, traceback.format_exc()
    return ctx, ""


def index_summary(ctx: PageContext | None, failure: str = "") -> str | None:
    """The front page's summary (priorities at a glance, notable changes), or None on failure."""
    from selfeval import pages

    try:
        if ctx is None:
            raise RuntimeError(failure)
        return pages.index_summary_html(ctx)
    except Exception:  # noqa: BLE001 - the index still links to the summary page
        log.warning("The front-page summary could not be built:\n%s", traceback.format_exc())
        return None


def _print_pdf(build: Path, sections: list[Section], ilacs_links: Sequence = ()) -> None:
    from selfeval import publish

    summary = [s for s in sections if s.priority_id == "summary"]
    rest = [s for s in sections if s.priority_id != "summary"]
    pages = (
        [build / "index.html"]
        + [build / s.href for s in summary]
        + [build / item.href for item in ilacs_links]
        + [build / s.href for s in rest]
    )
    try:
        pdf = publish.print_pdf(build, pages, build / "board-pack.pdf")
    except publish.BrowserMissing as err:
        _say(str(err))
        log.warning("%s", err)
        return
    if pdf:
        _say(f"Board pack PDF: {pdf.name}")
    else:
        _say("The board pack PDF could not be printed; see run.log. The HTML pack is published.")


# ---------------------------------------------------------------- issue 19: sign-off, ILACS, Word


def _signoff_info(period_end: date, workspace: Workspace) -> dict[str, str]:
    """The sign-off line and status for pack_info (params/commentary/<period>/signoff.yaml)."""
    from selfeval.signoff import read_signoff

    signoff = read_signoff(workspace.params, period_end)
    return {"signoff": signoff.text(), "signoff_status": signoff.status}


def _ilacs_links(page_config: dict[str, Any]) -> list:
    """One nav item per ILACS judgement area (params/pages.yaml), in its order."""
    from selfeval import publish
    from selfeval.pages import ilacs_judgements
    from selfeval.pages.sections import ilacs_href

    areas = ilacs_judgements(page_config)
    return [publish.NavItem(f"ILACS: {title}", ilacs_href(key)) for key, title in areas.items()]


def _write_ilacs_pages(
    build: Path,
    nav,
    pack_info,
    text: publish.PackText,
    sections: list[Section],
    page_config: dict[str, Any],
    ctx: PageContext | None,
    failure: str = "",
) -> None:
    """The four ILACS pages from the summary's context `ctx` (None: it could not be built, as
    `failure` says); a page that fails says why (the rest of the pack still publishes)."""
    from selfeval import pages, publish
    from selfeval.pages import sections as sx
    from selfeval.pages import summary as sm

    hrefs = {s.priority_id: s.href for s in sections}
    areas = pages.ilacs_judgements(page_config)
    try:
        if ctx is None:
            raise RuntimeError(failure)
        by_priority = sm.summary_data(ctx).results_by_priority
    except Exception:  # noqa: BLE001 - the pages say why instead
        ctx, by_priority = None, {}
        failure = traceback.format_exc()
    for key, title in areas.items():
        href = sx.ilacs_href(key)
        try:
            if ctx is None:
                raise RuntimeError(failure)
            view = sx.ilacs_view(ctx, key, by_priority)
            body = sx.ilacs_page_html(ctx, view, hrefs)
        except Exception:  # noqa: BLE001 - one failed page, not a failed pack
            log.warning("The ILACS page %s could not be built:\n%s", href, traceback.format_exc())
            body = f"<h1>{publish.escape(title)}</h1>{text.ilacs_page_failed}"
        publish.html_page(
            build / href,
            title=f"ILACS: {title}",
            body_html=body,
            nav=nav,
            current_href=href,
            pack_info=pack_info,
        )


def _write_docx(build: Path, sections: list[Section], ilacs_links, pack_info) -> None:
    """The editable Word copy, self-evaluation-<period_end>.docx (summary, ILACS, priorities)."""
    from selfeval.publish.docx import write_pack_docx

    summary = [s for s in sections if s.priority_id == "summary"]
    rest = [s for s in sections if s.priority_id != "summary"]
    pages = (
        [(s.title, build / s.href) for s in summary]
        + [(item.title, build / item.href) for item in ilacs_links]
        + [(s.title, build / s.href) for s in rest]
    )
    title = f"{pack_info['local_authority']}: self-evaluation"
    try:
        out = write_pack_docx(
            build,
            pages,
            period_end=pack_info["period_end"],
            title=title,
            subtitle=f"{pack_info['service']}. {pack_info['period_label']}",
            signoff=pack_info.get("signoff", ""),
            facts=[
                ("Data extracted", pack_info["extract_date"]),
                ("Produced", pack_info["generated_at"]),
            ],
        )
    except Exception:  # noqa: BLE001 - the HTML pack still publishes
        log.warning("The Word copy could not be written:\n%s", traceback.format_exc())
        _say("The Word copy could not be written; see run.log. The HTML pack is published.")
        return
    _say(f"Word copy: {out.name}")


# ---------------------------------------------------------------- logging


def _say(message: str) -> None:
    print(message, flush=True)


class Redactor(logging.Filter):
    """Withholds the extract's identifying values (ids, dates of birth, postcodes, worker
    names) from every log record, tracebacks included: run.log is published with the pack."""

    def __init__(self) -> None:
        super().__init__()
        self.values: Withheld | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        if self.values:
            from selfeval.protect import redact_text

            record.msg = redact_text(record.getMessage(), self.values)
            record.args = None
        return True


def _start_log(path: Path, redactor: Redactor) -> logging.Handler:
    """The run's log file, its records passed through this run's `redactor`."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    handler.addFilter(redactor)
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    return handler


def _stop_log(handler: logging.Handler) -> None:
    handler.close()
    log.removeHandler(handler)


def _keep_failed_log(source: Path, dest: Path) -> None:
    if source.exists():
        dest.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
