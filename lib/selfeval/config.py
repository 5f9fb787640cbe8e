"""Project paths and local-authority settings (params/settings.yaml)."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from selfeval.errors import UserError

#: libyaml's C loader when PyYAML was built with it (several times faster), else the pure one
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def project_root() -> Path:
    """The workspace root: $SELFEVAL_ROOT, else the nearest folder holding params/settings.yaml."""
    env = os.environ.get("SELFEVAL_ROOT")
    if env:
        return Path(env).resolve()
    for start in (Path.cwd(), Path(__file__).resolve()):
        for folder in (start, *start.parents):
            if (folder / "params" / "settings.yaml").is_file():
                return folder
    raise FileNotFoundError(
        "Cannot find the selfeval workspace (a folder with params/settings.yaml). "
        "Run from inside the project or set SELFEVAL_ROOT."
    )


def chromium_override() -> str | None:
    """$SELFEVAL_CHROMIUM: the Chromium executable to print with, when not the installed one."""
    return os.environ.get("SELFEVAL_CHROMIUM") or None


def params_dir() -> Path:
    return project_root() / "params"


def data_dir() -> Path:
    return project_root() / "data"


def default_store_root() -> Path | None:
    """`<project>/data/store`, where extracts' parquet stores live (None outside a workspace)."""
    try:
        return data_dir() / "store"
    except FileNotFoundError:
        return None


def store_path(folder: Path, store_root: Path) -> Path:
    """The store folder of one extract folder."""
    absolute = str(Path(folder).resolve())
    digest = hashlib.sha256(absolute.encode("utf-8")).hexdigest()[:8]
    return Path(store_root) / f"{Path(folder).resolve().name}-{digest}"


@dataclass(frozen=True)
class Workspace:
    """One council's project folder and where everything of a pack lives inside it.

    Passed explicitly (`RunOptions.workspace`, `pages.load_context(..., workspace=)`) so any
    council's pack can run in any process; `Workspace.find()` is the default: $SELFEVAL_ROOT,
    else the nearest folder holding params/settings.yaml.
    """

    root: Path

    @classmethod
    def find(cls, root: Path | str | None = None) -> Workspace:
        """The workspace at `root`, else the one this process is in (see `project_root`)."""
        return cls(Path(root).resolve() if root else project_root())

    @property
    def params(self) -> Path:
        return self.root / "params"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def store_root(self) -> Path:
        """Where extracts' parquet stores (and what is kept beside them) live."""
        return self.data / "store"

    @property
    def history(self) -> Path:
        """The history store: each period end's measures as reported."""
        return self.data / "history"

    @property
    def notebooks(self) -> Path:
        return self.root / "notebooks"

    @property
    def rendered(self) -> Path:
        return self.root / "rendered"

    def store(self, extract_folder: Path) -> Path:
        """The store folder of one extract folder."""
        return store_path(extract_folder, self.store_root)

    def chart_folder(self, extract_folder: Path) -> Path:
        """Where the charts drawn from an extract are kept (beside its store)."""
        return self.store(extract_folder) / "charts"

    def settings(self) -> Settings:
        return load_settings(self.params / "settings.yaml")

    def extract_dir(self, data: Path | None = None) -> Path:
        """The extract folder: `data`, else the latest data/extracts/<date>/, else the latest
        data/sample/<date>/."""
        return resolve_extract_dir(data, self.data)


DATED_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def latest_dated_folder(parent: Path) -> Path | None:
    """The YYYY-MM-DD sub-folder of `parent` with the latest date, or None."""
    if not parent.is_dir():
        return None
    dated = sorted(p for p in parent.iterdir() if p.is_dir() and DATED_FOLDER.match(p.name))
    return dated[-1] if dated else None


def resolve_extract_dir(data: Path | None, data_folder: Path | None = None) -> Path:
    """The extract folder to use: --data, else latest data/extracts/<date>/, else data/sample/
    (in `data_folder`, default the workspace's data/)."""
    if data is not None:
        data = Path(data)
        if not data.is_dir():
            raise UserError(f"The extract folder {data} does not exist.")
        if (data / "extract.yaml").exists() or any(
            (data / name).exists() for name in ("annex_a.xlsx", "annex_a", "ssda903", "local")
        ):
            return data.resolve()
        nested = latest_dated_folder(data)
        if nested is not None:
            return nested.resolve()
        return data.resolve()
    data_folder = data_folder or data_dir()
    for parent in (data_folder / "extracts", data_folder / "sample"):
        found = latest_dated_folder(parent)
        if found is not None:
            return found.resolve()
    raise UserError(
        "No extract found: put one in data/extracts/<YYYY-MM-DD>/ or create the sample with "
        "`selfeval sample-data data/sample`."
    )


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def rendered_dir() -> Path:
    return project_root() / "rendered"


def read_yaml(path: Path) -> Any:
    """A YAML file's contents, parsed safely (libyaml's C loader when available)."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)


def reference_file(name: str) -> Path:
    """A reference data file shipped inside the package (lib/selfeval/reference/)."""
    return Path(str(resources.files("selfeval") / "reference" / name))


@dataclass(frozen=True)
class Priority:
    number: int
    id: str
    title: str

    @property
    def slug(self) -> str:
        """File stem shared by the notebook, the params file and the rendered page."""
        return f"{self.number:02d}_{self.id}"


@dataclass(frozen=True)
class Settings:
    local_authority: str
    service: str
    region: str
    plan_title: str
    plan_start: date
    population_0_17: dict[int, int]
    caseload_target: float
    priorities: tuple[Priority, ...]
    #: the council's old (3-digit) DfE LA code, e.g. 852 Southampton (None: typed by hand)
    la_code: int | None = None
    #: its statistical neighbours' LA codes (the DfE model 2025 unless the council overrides)
    statistical_neighbours: tuple[int, ...] = ()

    def population(self, year: int) -> int:
        """Population aged 0-17 for a year, else the nearest year given. From the DfE reference,
        year Y holds the ONS mid-year estimate of Y-1, the one DfE divides by for the year ending
        31 March Y."""
        years = sorted(self.population_0_17)
        nearest = min(years, key=lambda y: (abs(y - year), -y))
        return self.population_0_17[nearest]

    def priority(self, priority_id: str) -> Priority:
        for p in self.priorities:
            if p.id == priority_id:
                return p
        known = ", ".join(p.id for p in self.priorities)
        raise KeyError(f"Unknown priority id {priority_id!r}; known: {known}")


#: a priority's file: params/priorities/<nn>_<id>.yaml (its number and id)
PRIORITY_FILE = re.compile(r"^(\d{2})_([a-z][a-z0-9_]*)\.yaml$")


def priorities_in(folder: Path) -> tuple[Priority, ...]:
    """The priority areas: one file ``<nn>_<id>.yaml`` each in `folder` (params/priorities/),
    in number order; number and id from the file name, title from the file's ``title:``.
    The notebooks (``notebooks/<nn>_<id>.ipynb``) and pages.yaml follow these files; a file
    named otherwise, or without a title, is reported by `selfeval.plan.load_plan`."""
    found = []
    for path in sorted(Path(folder).glob("*.yaml")):
        match = PRIORITY_FILE.match(path.name)
        if match:
            number, priority_id = int(match.group(1)), match.group(2)
            found.append(Priority(number, priority_id, _title(path) or priority_id))
    return tuple(sorted(found, key=lambda p: p.number))


def _title(path: Path) -> str | None:
    """A priority file's ``title:`` (None when the file cannot be read as a mapping)."""
    try:
        raw = read_yaml(path)
    except (OSError, yaml.YAMLError):
        return None
    title = raw.get("title") if isinstance(raw, dict) else None
    return str(title) if title else None


def file_stamps(*paths: Path) -> tuple[tuple[str, int, int], ...]:
    """(path, mtime_ns, size) of each of these files that exists: a cache key that changes when
    any of them is edited, so a long-lived process (a JupyterLab kernel, a regional worker)
    never keeps a file's old contents."""
    stamps = []
    for path in paths:
        try:
            info = Path(path).stat()
        except OSError:
            continue
        stamps.append((str(path), info.st_mtime_ns, info.st_size))
    return tuple(stamps)


@lru_cache(maxsize=8)
def _load_settings(path: Path, stamps: tuple) -> Settings:
    """Settings parsed once per path and version of its files (`stamps`)."""
    raw = read_yaml(path)
    return settings_from(raw, path)


def settings_from(raw: dict, path: Path | str = "params/settings.yaml") -> Settings:
    """Settings from params/settings.yaml's contents. With `la_code:` the council's name, region,
    statistical neighbours and 0-17 population per year come from the packaged DfE reference
    (selfeval.dfe_la); `local_authority`, `region`, `statistical_neighbours` and
    `population_0_17` given in the file override them. Without `la_code:` they must be given."""
    profile = None
    if raw.get("la_code") is not None:
        from selfeval import dfe_la

        try:
            code = int(raw["la_code"])
        except (TypeError, ValueError):
            raise UserError(
                f"{path}: la_code: {raw['la_code']!r} is not a DfE LA code (a number, e.g. 852)"
            ) from None
        profile = dfe_la.la_profile(code)
    missing = [
        k for k in ("local_authority", "region", "population_0_17") if k not in raw and not profile
    ]
    if missing:
        raise UserError(f"{path}: give la_code: (e.g. 852) or {', '.join(missing)}")
    neighbours: tuple[int, ...] = profile.neighbours if profile else ()
    if raw.get("statistical_neighbours"):
        from selfeval import dfe_la

        neighbours = dfe_la.check_neighbours(raw["statistical_neighbours"])
    population = (
        {int(k): int(v) for k, v in raw["population_0_17"].items()}
        if raw.get("population_0_17")
        else dict(profile.population_0_17)  # type: ignore[union-attr]
    )
    return Settings(
        local_authority=raw.get("local_authority") or profile.name,  # type: ignore[union-attr]
        service=raw["service"],
        region=raw.get("region") or profile.region,  # type: ignore[union-attr]
        plan_title=raw["plan_title"],
        plan_start=raw["plan_start"],
        population_0_17=population,
        caseload_target=float(raw["caseload_target"]),
        priorities=priorities_in(Path(path).parent / "priorities"),
        la_code=profile.code if profile else None,
        statistical_neighbours=neighbours,
    )


def load_settings(path: Path | None = None) -> Settings:
    """Read a workspace's params/settings.yaml (`Workspace.settings()` gives its path; None is
    the workspace this process is in), with its priorities (params/priorities/): parsed again
    when any of those files changes."""
    path = (path or params_dir() / "settings.yaml").resolve()
    priorities = sorted((path.parent / "priorities").glob("*.yaml"))
    return _load_settings(path, file_stamps(path, *priorities))
