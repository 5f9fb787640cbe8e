"""Project paths and local-authority settings (params/settings.yaml)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

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


@lru_cache(maxsize=4)
def _load_settings(path: Path) -> Settings:
    raw = read_yaml(path)
    return settings_from(raw, path)


def settings_from(raw: dict, path: Path | str = "params/settings.yaml") -> Settings:
    """Settings from params/settings.yaml's contents. With `la_code:` the council's name, region,
    statistical neighbours and 0-17 population per year come from the packaged DfE reference
    (selfeval.dfe_la); `local_authority`, `region`, `statistical_neighbours` and
    `population_0_17` given in the file override them. Without `la_code:` they must be given."""
    from selfeval.errors import UserError

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
        priorities=tuple(Priority(**p) for p in raw["priorities"]),
        la_code=profile.code if profile else None,
        statistical_neighbours=neighbours,
    )


def load_settings(path: Path | None = None) -> Settings:
    """Read params/settings.yaml (cached per path)."""
    return _load_settings((path or params_dir() / "settings.yaml").resolve())
