"""A region's folders: councils, their extracts by period, and each council's own workspace.

```
REGION/
  region.yaml                   # optional: name; councils: {<code>: {name, population}}
  params/                       # optional: the region's default params (else the project's)
  <council>/                    # one folder per council, named by its code
    data/extracts/<YYYY-MM-DD>/ # extract folders exactly as for `selfeval run`
    params/                     # optional overrides (settings.yaml: name, population; commentary/)
```

Each council runs as its own `config.Workspace` rooted at `<council>/.workspace/` (made afresh by
`prepare_workspace` on every run, never edited by hand): `params/` is the defaults with the
council's own params files laid over them, `data` links to the council's `data/` (so its parquet
store and history stay in the council's folder) and `notebooks` to the project's notebooks.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from selfeval.config import DATED_FOLDER, read_yaml
from selfeval.errors import UserError

COUNCIL_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
WORKSPACE = ".workspace"
#: params folders a council never inherits from the defaults: its commentary is its own
NOT_INHERITED = ("commentary",)


@dataclass(frozen=True)
class Council:
    code: str
    folder: Path
    name: str | None = None
    population: Any = None  # an int, or {year: int}

    @property
    def workspace_root(self) -> Path:
        return self.folder / WORKSPACE


@dataclass(frozen=True)
class Region:
    folder: Path
    name: str
    councils: tuple[Council, ...]


def read_region(folder: Path) -> Region:
    """The councils of a region folder (sub-folders with a `data/` or `params/`, plus any
    named in region.yaml), sorted by code; a clear error for a bad region.yaml."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"The region folder {folder} does not exist.")
    meta: dict[str, Any] = {}
    spec = folder / "region.yaml"
    if spec.is_file():
        try:
            meta = read_yaml(spec) or {}
        except yaml.YAMLError as err:
            raise UserError(f"{spec}: not valid YAML ({err.__class__.__name__}).") from None
        if not isinstance(meta, dict):
            raise UserError(f"{spec}: expected a mapping with `name:` and `councils:`.")
    entries = meta.get("councils") or {}
    if not isinstance(entries, dict):
        raise UserError(f"{spec}: `councils:` must map each council code to its name, population.")
    codes = {
        p.name
        for p in folder.iterdir()
        if p.is_dir() and ((p / "data").is_dir() or (p / "params").is_dir())
    } | {str(code) for code in entries}
    councils = []
    for code in sorted(codes):
        if not COUNCIL_CODE.match(code):
            raise UserError(f"{folder / code}: a council folder is named by its code (A-Z, 0-9).")
        entry = entries.get(code) or {}
        if not isinstance(entry, dict):
            raise UserError(f"{spec}: council {code}: expected `name:` and `population:`.")
        councils.append(Council(code, folder / code, entry.get("name"), entry.get("population")))
    if not councils:
        raise UserError(f"No council folders in {folder} (expected <council>/data/extracts/).")
    return Region(folder, str(meta.get("name") or folder.name), tuple(councils))


def extract_periods(council: Council) -> dict[date, Path]:
    """The council's extract folders by date (data/extracts/<YYYY-MM-DD>/)."""
    parent = council.folder / "data" / "extracts"
    if not parent.is_dir():
        return {}
    return {
        date.fromisoformat(p.name): p
        for p in sorted(parent.iterdir())
        if p.is_dir() and DATED_FOLDER.match(p.name)
    }


def periods_wanted(
    available: dict[date, Path], period_end: date | None, periods: tuple[date, date] | None
) -> list[date]:
    """The periods to run, oldest first: `period_end` (even without an extract: reported as
    missing), else every extract dated within `periods` (inclusive), else the latest extract."""
    if period_end is not None:
        return [period_end]
    if periods is not None:
        start, end = periods
        return sorted(d for d in available if start <= d <= end)
    return [max(available)] if available else []


def merged_settings(defaults: dict, council: Council, own: dict) -> dict:
    """settings.yaml for one council: the defaults, then region.yaml's entry for the council
    (name, population), then the council's own params/settings.yaml (`name` and `population`
    stand for `local_authority` and `population_0_17`; any other key as in settings.yaml)."""
    out = dict(defaults)
    for layer in ({"name": council.name, "population": council.population}, own or {}):
        layer = dict(layer)
        name, population = layer.pop("name", None), layer.pop("population", None)
        if name:
            out["local_authority"] = str(name)
            out["service"] = f"{name} children's services"
        if population is not None:
            out["population_0_17"] = _population(population, council)
        out.update({k: v for k, v in layer.items() if v is not None})
    if not council.name and not (own or {}).get("name") and "local_authority" not in (own or {}):
        out["local_authority"] = council.code
        out["service"] = f"{council.code} children's services"
    return out


def _population(value: Any, council: Council) -> dict[int, int]:
    if isinstance(value, dict):
        try:
            return {int(k): int(v) for k, v in value.items()}
        except (TypeError, ValueError):
            pass
    elif isinstance(value, int) and value > 0:
        return {2000: value}  # every year (the nearest year given is used)
    raise UserError(
        f"Council {council.code}: population must be a whole number or {{year: number}}, "
        f"got {value!r}."
    )


def prepare_workspace(council: Council, defaults: Path, notebooks: Path) -> Path:
    """Make `<council>/.workspace/` (see the module docstring) and return its root."""
    root = council.workspace_root
    params = root / "params"
    if params.exists():
        shutil.rmtree(params)
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(defaults, params, ignore=shutil.ignore_patterns(*NOT_INHERITED))
    own_params = council.folder / "params"
    own: dict = {}
    if own_params.is_dir():
        shutil.copytree(own_params, params, dirs_exist_ok=True)
        if (own_params / "settings.yaml").is_file():
            try:
                own = read_yaml(own_params / "settings.yaml") or {}
            except yaml.YAMLError:
                raise UserError(f"{own_params / 'settings.yaml'}: not valid YAML.") from None
    settings = merged_settings(read_yaml(defaults / "settings.yaml"), council, own)
    (params / "settings.yaml").write_text(
        yaml.safe_dump(settings, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    (council.folder / "data").mkdir(exist_ok=True)
    _link(root / "data", Path("..") / "data")
    _link(root / "notebooks", notebooks.resolve())
    return root


def _link(path: Path, target: Path) -> None:
    if path.is_symlink() and Path(os.readlink(path)) == target:
        return
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)
    path.symlink_to(target, target_is_directory=True)
