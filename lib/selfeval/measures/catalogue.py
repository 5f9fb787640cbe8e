"""The measure catalogue (params/measures.yaml): typed loading, RAG and the definitions page."""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from selfeval.config import Priority, load_settings
from selfeval.plan import PlanError, load_plan

Unit = Literal["count", "pct", "rate_10k", "days"]
Polarity = Literal["up", "down", "neutral"]

UNIT_TEXT = {
    "count": "a number",
    "pct": "a percentage (0-100, 1 decimal place)",
    "rate_10k": "a rate per 10,000 children aged 0-17 (1 decimal place)",
    "days": "days (1 decimal place)",
}
POLARITY_TEXT = {"up": "higher is better", "down": "lower is better", "neutral": "neither"}


class Rag(BaseModel):
    """RAG thresholds: polarity up: ≥ green is green, ≥ amber amber, else red (down: ≤)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    green: float
    amber: float


class DfeLa(BaseModel):
    """Where the DfE publishes this measure at LA level on the same basis (params/measures.yaml
    `dfe_la:`): a packaged reference table (selfeval.dfe_la.DATASETS), its value column, the rows
    (column: value) and, for `per_10k`, a count DfE divides by the ONS population aged 0-17 of the
    mid-year before the 31 March (as DfE does)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    file: str
    column: str
    filter: dict[str, str] = Field(default_factory=dict)
    per_10k: bool = False


class MeasureDef(BaseModel):
    """One catalogue entry."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    id: str
    name: str = ""
    description: str = ""
    definition: str = ""
    unit: Unit
    polarity: Polarity
    source: str
    priority: str
    target: float | None = None
    target_text: str | None = None
    rag: Rag | None = None
    breakdowns: list[str] = Field(default_factory=list)
    benchmark: str | None = None
    dfe_la: DfeLa | None = None
    computable: bool = True
    why: str | None = None
    caveat: str | None = None
    # the published DfE/Ofsted definition this measure follows (document and section), or
    # "None published: a local measure." when there is none
    official: str | None = None
    # one sentence on how this measure differs from the official definition (omitted when none)
    differs: str | None = None

    @model_validator(mode="after")
    def _check(self) -> MeasureDef:
        if self.rag is not None:
            ok = {
                "up": self.rag.green >= self.rag.amber,
                "down": self.rag.green <= self.rag.amber,
                "neutral": False,
            }[self.polarity]
            if not ok:
                raise ValueError(
                    f"{self.id}: rag thresholds {self.rag} do not fit polarity {self.polarity}"
                )
        if not self.computable and not self.why:
            raise ValueError(f"{self.id}: computable: false needs a `why:`")
        return self

    @property
    def title(self) -> str:
        return self.name or self.id.replace("_", " ")


@dataclass(frozen=True)
class Catalogue:
    """The catalogue, in file order. Index by id: ``catalogue["cla"].name``."""

    measures: dict[str, MeasureDef]
    path: Path | None = None

    def __getitem__(self, measure_id: str) -> MeasureDef:
        return self.measures[measure_id]

    def __contains__(self, measure_id: object) -> bool:
        return measure_id in self.measures

    def __iter__(self) -> Iterator[MeasureDef]:
        return iter(self.measures.values())

    def __len__(self) -> int:
        return len(self.measures)

    def get(self, measure_id: str) -> MeasureDef | None:
        return self.measures.get(measure_id)

    @property
    def ids(self) -> list[str]:
        return list(self.measures)

    def for_priority(self, priority_id: str) -> list[MeasureDef]:
        return [m for m in self if m.priority == priority_id]

    def frame(self) -> pd.DataFrame:
        """One row per measure: id, name, description, unit, polarity, source, priority, target,
        rag_green, rag_amber, benchmark, computable, why."""
        rows = []
        for m in self:
            row = m.model_dump(exclude={"rag", "breakdowns", "dfe_la"})
            row["rag_green"] = m.rag.green if m.rag else None
            row["rag_amber"] = m.rag.amber if m.rag else None
            row["breakdowns"] = ", ".join(m.breakdowns)
            rows.append(row)
        return pd.DataFrame(rows)


def load_catalogue(path: Path, *, plan: bool = True) -> Catalogue:
    """Read a workspace's params/measures.yaml (`path`) into a validated Catalogue.

    A target lives in the plan: when the plan (``priorities/`` beside the file, with
    ``settings.yaml``) is there and ``plan`` is true, its whole-service targets replace the
    catalogue's defaults (`with_plan_targets`).
    """
    path = Path(path)
    catalogue = _read_catalogue(path)
    params = path.parent
    if plan and (params / "priorities").is_dir() and (params / "settings.yaml").is_file():
        settings = load_settings(params / "settings.yaml")
        targets = load_plan(params, settings=settings, measure_ids=set(catalogue.ids))
        catalogue = with_plan_targets(catalogue, targets.targets_frame())
    return catalogue


def with_plan_targets(catalogue: Catalogue, targets: pd.DataFrame) -> Catalogue:
    """The catalogue with each whole-service plan target in place of its default.

    ``targets`` is `Plan.targets_frame()` (measure, target, green, amber, breakdown, objective_id).
    A row with a measure, no breakdown and a target or green threshold sets that measure's
    ``target`` and ``rag`` (green/amber; none without thresholds: green when the target is met,
    else red). Two such rows for one measure must agree, else `PlanError`.
    """

    def _num(value: object) -> float | None:
        return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]

    chosen: dict[str, tuple[str, float | None, Rag | None]] = {}
    problems: list[str] = []
    for row in targets.itertuples(index=False):
        target, green, amber = _num(row.target), _num(row.green), _num(row.amber)
        if row.measure is None or pd.isna(row.measure) or (row.breakdown or ""):
            continue
        if target is None and green is None:
            continue
        rag = (
            Rag(green=green, amber=green if amber is None else amber) if green is not None else None
        )
        setting = (str(row.objective_id), target, rag)
        earlier = chosen.setdefault(str(row.measure), setting)
        if earlier[1:] != setting[1:]:
            problems.append(
                f"objectives {earlier[0]} and {setting[0]} set different whole-service targets "
                f"for {row.measure!r}: {earlier[1]} {earlier[2]} and {target} {rag}"
            )
    measures = dict(catalogue.measures)
    for measure_id, (objective, target, rag) in chosen.items():
        if measure_id not in measures:
            continue  # the plan's own check reports unknown measure ids
        body = measures[measure_id].model_dump() | {"target": target, "rag": rag}
        try:
            measures[measure_id] = MeasureDef.model_validate(body)
        except ValueError as exc:
            problems.append(f"objective {objective}: target for {measure_id!r}: {exc}")
    if problems:
        raise PlanError(problems)
    return Catalogue(measures=measures, path=catalogue.path)


def _read_catalogue(path: Path) -> Catalogue:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}
    entries = raw.get("measures") or {}
    measures: dict[str, MeasureDef] = {}
    for measure_id, body in entries.items():
        try:
            measures[measure_id] = MeasureDef(id=measure_id, **(body or {}))
        except Exception as exc:  # pydantic's message names the field
            raise ValueError(f"{path}: measure {measure_id!r}: {exc}") from exc
    return Catalogue(measures=measures, path=path)


# ------------------------------------------------------------------------------------- RAG


def rag_status(value: float | None, polarity: str, rag: Rag | None, target: float | None) -> str:
    """green/amber/red for one value; '' when there is no value or nothing to compare with.

    With thresholds: polarity up → ≥ green green, ≥ amber amber, else red; down → ≤ green green,
    ≤ amber amber, else red. With only a target: green when met, else red.
    """
    if value is None or pd.isna(value) or polarity == "neutral":
        return ""
    green, amber = (rag.green, rag.amber) if rag else (target, target)
    if green is None:
        return ""
    better = (lambda a, b: a >= b) if polarity == "up" else (lambda a, b: a <= b)
    if better(value, green):
        return "green"
    if better(value, amber):
        return "amber"
    return "red"


# --------------------------------------------------------------------- definitions page

CONVENTIONS = """\
**How to read the figures.**

- *In the period*: the date of the event falls between the first and the last day of the month or
  quarter, both included.
- *Open at a date*: started on or before that date and not ended, or ended after it. A plan that
  ends on the last day of a month is not counted as open at the end of that month.
- *Working days*: Monday to Friday, not counting bank holidays in England and Wales (with their
  substitute days, from the maintained `holidays` package); counted from
  the start date up to (not including) the end date.
- *Within N days before a date*: on that date or up to N calendar days earlier.
- *Per 10,000*: the number divided by the population aged 0-17 for that year, times 10,000.
- *Percentages*: the numerator divided by the denominator, times 100, to 1 decimal place. When
  there is nothing to count in the denominator the figure is left blank rather than shown as 0.
- *Children are counted once* in each figure, however many records they have, unless the figure
  counts events (contacts, referrals, assessments, audits).
- *Monthly trends* show the 24 months up to the period end, from the first month the data
  reaches (the month starts on or after the earliest event in the source list). Figures "as at"
  a date are taken at each month end. Figures from fields that hold only the latest value (for
  example the date of the last visit) are shown at the period end only; their trend comes from
  the figures reported in earlier quarters.
- *The quarter* is the three months ending at the period end.
"""


NO_OFFICIAL = "No published definition: a local measure."


def _target_text(m: MeasureDef) -> str:
    unit = "%" if m.unit == "pct" else ""
    if m.rag:
        cmp = "at least" if m.polarity == "up" else "at most"
        text = (
            f"green {cmp} {m.rag.green:g}{unit}, amber {cmp} {m.rag.amber:g}{unit}, otherwise red"
        )
        if m.target is not None:
            text = f"{m.target:g}{unit} ({text})"
        return text
    if m.target is not None:
        return f"{m.target:g}{unit}"
    return m.target_text or "none set"


def _comparison_source(m: MeasureDef) -> str:
    """The source and year of the statistical-neighbour comparison (see
    selfeval.measures.comparison)."""
    from selfeval import dfe_la
    from selfeval.measures.comparison import published, year_label

    spec = m.dfe_la
    assert spec is not None
    title = dfe_la.DATASETS[spec.file].title if spec.file in dfe_la.DATASETS else spec.file
    try:
        years = published(m)["year"]
        when = f"latest published year {year_label(int(years.max()))}"
    except Exception:  # noqa: BLE001 - the definitions page never fails on the reference data
        when = "reference data not available"
    rows = "; ".join(f"{k} = {v}" for k, v in spec.filter.items())
    how = f"column {spec.column}" + (f" where {rows}" if rows else "")
    if spec.per_10k:
        how += ", divided by the ONS mid-year population aged 0-17 of the year before, × 10,000"
    return (
        f"{title}, {when} ({how}); statistical neighbours from the DfE children's services "
        "statistical neighbour model 2025, rank and quartile among every council with a "
        "published figure."
    )


def _entry_lines(m: MeasureDef, kind_text: str | None) -> list[str]:
    lines = [f'<a id="{m.id}"></a>', "", f"### {m.title}", ""]
    if m.description:
        lines += [m.description, ""]
    if not m.computable:
        lines += [f"**Not shown in this pack:** {m.why}", ""]
    facts = []
    if m.computable and m.definition:
        facts.append(f"**How it is calculated:** {m.definition}")
    facts.append(f"**Official definition:** {m.official or NO_OFFICIAL}")
    if m.differs:
        facts.append(f"**How this differs from it:** {m.differs}")
    facts.append(f"**Source:** {m.source}")
    facts.append(f"**Shown as:** {UNIT_TEXT[m.unit]}; {POLARITY_TEXT[m.polarity]}")
    if m.computable:
        if kind_text:
            facts.append(f"**Reported:** {kind_text}")
        facts.append(f"**Target:** {_target_text(m)}")
        if m.target_text and (m.rag or m.target is not None):
            facts.append(f"**The plan says:** {m.target_text}")
        if m.breakdowns:
            facts.append(f"**Broken down by:** {', '.join(m.breakdowns)}")
        if m.benchmark:
            facts.append(f"**Compared with:** DfE published figure “{m.benchmark}”")
        if m.dfe_la is not None:
            facts.append(f"**Compared with other councils:** {_comparison_source(m)}")
    if m.caveat:
        facts.append(f"**Please note:** {m.caveat}")
    facts.append(f"**Measure id:** `{m.id}`")
    lines += [f"- {f}" for f in facts] + [""]
    return lines


def catalogue_markdown(catalogue: Catalogue, priorities: Iterable[Priority] = ()) -> str:
    """The readable "How each figure is calculated" page, grouped by priority, as Markdown:
    `priorities` (the workspace's, `Settings.priorities`) in their order and with their titles,
    then any other priority of the catalogue, titled from its id."""
    from selfeval.measures.registry import KIND_TEXT, REGISTRY

    order = [(p.id, p.title) for p in priorities]
    known = {pid for pid, _ in order}
    order += [
        (pid, pid.replace("_", " ").capitalize())
        for pid in dict.fromkeys(m.priority for m in catalogue)
        if pid not in known
    ]
    lines = ["# How each figure is calculated", "", CONVENTIONS, ""]
    for pid, title in order:
        entries = catalogue.for_priority(pid)
        if not entries:
            continue
        lines += [f"## {title}", ""]
        for m in entries:
            fn = REGISTRY.get(m.id)
            lines += _entry_lines(m, KIND_TEXT[fn.kind] if fn else None)
    return "\n".join(lines).rstrip() + "\n"


def catalogue_html(catalogue: Catalogue, priorities: Iterable[Priority] = ()) -> str:
    """A minimal HTML rendering of the page (for use without a Markdown renderer)."""
    md = catalogue_markdown(catalogue, priorities)
    out: list[str] = []
    in_list = False
    for line in md.splitlines():
        if line.startswith("- "):
            if not in_list:
                out.append("<ul>")
                in_list = True
            out.append(f"<li>{_inline(line[2:])}</li>")
            continue
        if in_list:
            out.append("</ul>")
            in_list = False
        if line.startswith("<a id="):
            out.append(line)
        elif line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            out.append(f"<h{level}>{_inline(line[level:].strip())}</h{level}>")
        elif line.strip():
            out.append(f"<p>{_inline(line)}</p>")
    if in_list:
        out.append("</ul>")
    return "\n".join(out) + "\n"


def _inline(text: str) -> str:
    import re

    text = html.escape(text, quote=False)
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    text = re.sub(r"\*(.+?)\*", r"<em>\1</em>", text)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", text)
