"""DfE LA-level reference data packaged in lib/selfeval/reference/dfe_la/: reading it, the
council's profile (name, region, statistical neighbours, ONS population) and the rebuild from a
folder of newer DfE files (`selfeval reference update DIR`)."""

from __future__ import annotations

import fnmatch
import functools
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from selfeval.errors import UserError

FOLDER = "dfe_la"
PROVENANCE = "PROVENANCE.yaml"
SOURCE = (
    "Department for Education official statistics (Children in need; Children looked after in "
    "England including adoptions; Children's social work workforce; ONS mid-year population "
    "estimates; Ofsted local authority inspection outcomes; DfE children's services statistical "
    "neighbour model), as compiled in the data-raw folder of the DfE 'CSC outcomes and enablers' "
    "dashboard repository (dfe-analytical-services)"
)
LICENCE = "Open Government Licence v3.0"
#: published years kept for the trend (population and the neighbour model are kept whole)
KEEP_YEARS = 6
#: columns every LA-level statistics file keeps
ID_COLUMNS = ("time_period", "geographic_level", "region_name", "old_la_code", "new_la_code")
LA, REGION, NATIONAL = "Local authority", "Regional", "National"


@dataclass(frozen=True)
class Dataset:
    """One DfE file: the packaged name (`key`), how to find it in a DfE folder, what it holds."""

    key: str
    pattern: str
    title: str
    kind: str = "statistics"  # statistics | population | neighbours | inspections
    columns: tuple[str, ...] = ()  # kept besides ID_COLUMNS and those the catalogue names


DATASETS: dict[str, Dataset] = {
    d.key: d
    for d in (
        Dataset(
            "cin",
            "b1_children_in_need_*.csv",
            "Children in need at 31 March (DfE Characteristics of children in need, table B1)",
        ),
        Dataset(
            "referrals",
            "c1_children_in_need_referrals_and_rereferrals_*.csv",
            "Referrals and re-referrals (DfE Characteristics of children in need, table C1)",
        ),
        Dataset(
            "cp_subsequent",
            "d3_cpps_subsequent_plan_*.csv",
            "Child protection plans starting in the year that were second or subsequent "
            "(DfE Characteristics of children in need, table D3)",
        ),
        Dataset(
            "cp_duration",
            "d5_cpps_at31march_by_duration_*.csv",
            "Child protection plans at 31 March by duration "
            "(DfE Characteristics of children in need, table D5)",
        ),
        Dataset(
            "cla",
            "cla_number_and_rate_per_10k_children*.csv",
            "Children looked after: numbers and rates per 10,000 "
            "(DfE Children looked after in England including adoptions)",
            columns=("population_estimate",),
        ),
        Dataset(
            "placement_stability",
            "la_cla_placement_stability*.csv",
            "Placement stability (DfE Children looked after in England including adoptions)",
        ),
        Dataset(
            "care_leavers_accommodation",
            "la_care_leavers_accommodation_suitability*.csv",
            "Care leavers' accommodation "
            "(DfE Children looked after in England including adoptions)",
        ),
        Dataset(
            "care_leavers_activity",
            "la_care_leavers_activity*.csv",
            "Care leavers' activity (DfE Children looked after in England including adoptions)",
        ),
        Dataset(
            "workforce",
            "csww_indicators_*.csv",
            "Children's social work workforce indicators (DfE)",
        ),
        Dataset(
            "population",
            "ons_mid-year_population_estimates_*.csv",
            "Population aged 0-17 (ONS mid-year estimates)",
            kind="population",
            columns=("la_name", "age_group", "population_estimate"),
        ),
        Dataset(
            "neighbours",
            "sn_model_*_wide.csv",
            "DfE children's services statistical neighbour model",
            kind="neighbours",
            columns=(
                "old_la_code",
                "la_name",
                "region_name",
                *(f"SN_{i}" for i in range(1, 11)),
            ),
        ),
        Dataset(
            "inspections",
            "LA_Inspection_Outcomes_*.ods",
            "Ofsted local authority inspection outcomes (ILACS judgements, sheet "
            "Inspections_as_at_31_March)",
            kind="inspections",
            columns=(
                "Local authority area code",
                "Local authority name",
                "Inspection date",
                "Publication date",
                "Overall effectiveness",
            ),
        ),
    )
}
INSPECTION_SHEET = "Inspections_as_at_31_March"


# ------------------------------------------------------------------ reading the packaged files
def reference_dir() -> Path:
    """The packaged reference folder (lib/selfeval/reference/dfe_la/)."""
    return Path(str(resources.files("selfeval") / "reference" / FOLDER))


@functools.cache
def _read(folder: Path, key: str) -> pd.DataFrame:
    path = folder / f"{key}.csv"
    if not path.is_file():
        raise UserError(f"{path}: the packaged DfE reference file is missing")
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def table(key: str, folder: Path | None = None) -> pd.DataFrame:
    """A packaged reference table, every column as text (suppressed figures stay 'c', 'x' ...)."""
    if key not in DATASETS:
        raise KeyError(f"Unknown DfE reference table {key!r}; known: {', '.join(DATASETS)}")
    return _read(Path(folder or reference_dir()), key).copy()


def provenance(folder: Path | None = None) -> dict:
    """The packaged PROVENANCE.yaml: source, licence, built date and one entry per file."""
    path = Path(folder or reference_dir()) / PROVENANCE
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def numbers(values: pd.Series) -> pd.Series:
    """Published figures as numbers: suppressed or missing ('c', 'x', 'z', 'low', '') are NaN."""
    return pd.to_numeric(values.astype(str).str.replace(",", "", regex=False), errors="coerce")


# ------------------------------------------------------------------ the council's profile
@dataclass(frozen=True)
class LaProfile:
    """A council as the reference data knows it."""

    code: int  # old (3-digit) LA code
    new_code: str  # ONS code, e.g. E06000045
    name: str
    region: str
    neighbours: tuple[int, ...]  # DfE statistical neighbours, closest first
    #: year Y -> population aged 0-17 at the ONS mid-year estimate of Y-1, the one DfE divides by
    #: for the year ending 31 March Y
    population_0_17: dict[int, int] = field(default_factory=dict)


def la_names(folder: Path | None = None) -> dict[int, str]:
    """Old LA code -> council name, for every council in the neighbour model."""
    sn = table("neighbours", folder)
    return {int(c): n for c, n in zip(sn["old_la_code"], sn["la_name"], strict=True)}


def la_profile(code: int, folder: Path | None = None) -> LaProfile:
    """The council with old LA code `code` (e.g. 852, Southampton). Unknown code: UserError."""
    sn = table("neighbours", folder)
    row = sn[sn["old_la_code"].astype(int) == int(code)]
    if row.empty:
        raise UserError(
            f"params/settings.yaml: la_code: {code} is not a council in the DfE statistical "
            f"neighbour model ({len(sn)} councils, e.g. 852 Southampton); use the 3-digit old "
            "LA code DfE publishes"
        )
    r = row.iloc[0]
    pop = table("population", folder)
    pop = pop[(pop["geographic_level"] == LA) & (pop["old_la_code"] == str(int(code)))]
    population = {
        int(y) + 1: int(v)
        for y, v in zip(pop["time_period"], numbers(pop["population_estimate"]), strict=True)
        if pd.notna(v)
    }
    latest = pop.assign(year=pop["time_period"].astype(int)).sort_values("year")
    new_code = latest["new_la_code"].iloc[-1] if len(latest) else ""  # the latest code
    neighbours = tuple(int(r[f"SN_{i}"]) for i in range(1, 11) if str(r[f"SN_{i}"]).strip())
    return LaProfile(
        code=int(code),
        new_code=new_code,
        name=r["la_name"],
        region=r["region_name"],
        neighbours=neighbours,
        population_0_17=population,
    )


def check_neighbours(codes: Iterable[int], folder: Path | None = None) -> tuple[int, ...]:
    """A council's own neighbour list (params/settings.yaml) checked against the model's codes."""
    known = la_names(folder)
    codes = tuple(int(c) for c in codes)
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise UserError(
            "params/settings.yaml: statistical_neighbours: "
            f"{', '.join(map(str, unknown))} not a council in the DfE statistical neighbour model"
        )
    return codes


def inspections(folder: Path | None = None) -> pd.DataFrame:
    """Ofsted's latest ILACS judgement per council: old_la_code, la_name, inspection_date,
    publication_date, overall_effectiveness."""
    raw = table("inspections", folder)
    pop = table("population", folder)
    codes = (
        pop[pop["geographic_level"] == LA]
        .drop_duplicates("new_la_code", keep="first")
        .set_index("new_la_code")["old_la_code"]
    )
    out = pd.DataFrame(
        {
            "new_la_code": raw["Local authority area code"],
            "old_la_code": raw["Local authority area code"].map(codes),
            "la_name": raw["Local authority name"],
            "inspection_date": pd.to_datetime(raw["Inspection date"], errors="coerce"),
            "publication_date": pd.to_datetime(raw["Publication date"], errors="coerce"),
            "overall_effectiveness": raw["Overall effectiveness"],
        }
    )
    return out


# ------------------------------------------------------------------ rebuilding from DfE files
def needed(mappings: Iterable[Mapping]) -> dict[str, tuple[set[str], dict[str, set[str]]]]:
    """Per statistics file: the value columns and the filter values the `dfe_la:` mappings use."""
    out: dict[str, tuple[set[str], dict[str, set[str]]]] = {}
    for m in mappings:
        columns, filters = out.setdefault(m["file"], (set(), {}))
        columns.add(m["column"])
        for col, value in (m.get("filter") or {}).items():
            filters.setdefault(col, set()).add(str(value))
    return out


def _find(src: Path, dataset: Dataset) -> Path:
    hits = sorted(p for p in src.iterdir() if fnmatch.fnmatch(p.name, dataset.pattern))
    if not hits:
        raise UserError(f"{src}: no file matching {dataset.pattern} ({dataset.title})")
    return hits[-1]


def _read_source(path: Path, dataset: Dataset) -> pd.DataFrame:
    try:
        if dataset.kind == "inspections":
            frame = pd.read_excel(path, sheet_name=INSPECTION_SHEET, engine="calamine", header=None)
            header = frame.index[frame.iloc[:, 1].astype(str) == "Local authority area code"]
            if not len(header):
                raise UserError(
                    f"{path}: sheet {INSPECTION_SHEET}: no header row with "
                    "'Local authority area code' in column B"
                )
            frame.columns = [str(c).strip() for c in frame.iloc[header[0]]]
            frame = frame.iloc[header[0] + 1 :].dropna(subset=["Local authority area code"])
            for col in ("Inspection date", "Publication date"):
                if col in frame:
                    frame[col] = pd.to_datetime(frame[col], errors="coerce").dt.date.astype(str)
            return frame.astype(str).reset_index(drop=True)
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UserError:
        raise
    except ValueError as exc:  # a missing sheet or an unreadable file
        raise UserError(f"{path}: cannot read it ({exc})") from None


def _trim(
    path: Path, frame: pd.DataFrame, dataset: Dataset, columns: set[str], filters: dict
) -> pd.DataFrame:
    base = ID_COLUMNS + ("la_name",) if dataset.kind == "statistics" else ()
    if dataset.kind == "population":
        base = ID_COLUMNS
    wanted = list(dict.fromkeys([*base, *dataset.columns, *sorted(columns), *filters]))
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise UserError(
            f"{path}: missing columns {', '.join(missing)} "
            f"(expected a DfE file of the same shape: {dataset.title})"
        )
    out = frame[wanted]
    for col, values in filters.items():
        absent = sorted(values - set(out[col]))
        if absent:
            raise UserError(f"{path}: column {col} has no rows {', '.join(map(repr, absent))}")
        out = out[out[col].isin(values)]
    if dataset.kind == "statistics":
        years = sorted({int(y) for y in out["time_period"]})[-KEEP_YEARS:]
        out = out[out["time_period"].astype(int).isin(years)]
    if dataset.kind == "population":
        out = out[out["age_group"] == "Children aged 0 to 17 years"]
    return out.reset_index(drop=True)


def update_reference(src: Path, mappings: Iterable[Mapping], dest: Path | None = None) -> Path:
    """Rebuild the packaged reference (`dest`, default the package's) from a folder of DfE files
    of the same shape. Every file is checked before any is written; a file whose columns do not
    match is refused (UserError naming the file and the missing columns)."""
    src = Path(src)
    if not src.is_dir():
        raise UserError(f"{src}: not a folder of DfE files")
    dest = Path(dest or reference_dir())
    use = needed(mappings)
    unknown = sorted(set(use) - set(DATASETS))
    if unknown:
        raise UserError(f"params/measures.yaml: dfe_la: unknown file {', '.join(unknown)}")
    built: dict[str, pd.DataFrame] = {}
    files: dict[str, dict] = {}
    for key, dataset in DATASETS.items():
        path = _find(src, dataset)
        columns, filters = use.get(key, (set(), {}))
        frame = _trim(path, _read_source(path, dataset), dataset, columns, filters)
        built[key] = frame
        years = sorted({int(y) for y in frame["time_period"]}) if "time_period" in frame else []
        files[f"{key}.csv"] = {
            "title": dataset.title,
            "source_file": path.name,
            "source_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "rows": len(frame),
            **({"years": f"{years[0]}-{years[-1]}"} if years else {}),
        }
    dest.mkdir(parents=True, exist_ok=True)
    for key, frame in built.items():
        frame.to_csv(dest / f"{key}.csv", index=False, lineterminator="\n")
    info = {
        "source": SOURCE,
        "licence": LICENCE,
        "built": date.today().isoformat(),
        "built_from": src.name,
        "files": files,
    }
    (dest / PROVENANCE).write_text(yaml.safe_dump(info, sort_keys=False), encoding="utf-8")
    _read.cache_clear()
    return dest
