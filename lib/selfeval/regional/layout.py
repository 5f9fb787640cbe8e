"""A region's folders: councils, their extracts by period, and each council's own workspace.

```
REGION/
  region.yaml                   # optional: name; councils: {<code>: {la_code, name, population}}
  params/                       # optional: the region's default params (else the project's)
  <council>/                    # one folder per council, named by its code
    data/extracts/<YYYY-MM-DD>/ # extract folders exactly as for `selfeval run`
    params/                     # optional overrides (settings.yaml: la_code, name, population;
                                # commentary/)
```

A council is identified by its DfE LA code (`la_code:` in its region.yaml entry or its own
settings.yaml; a folder named by a number is that LA code): its name, region, statistical
neighbours and 0-17 population then come from the packaged DfE reference by its own code, never
from the defaults' council. A council without an LA code must be given its `population:` and
`region:` (as settings.yaml without `la_code:`), and has no published DfE comparison.

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


#: settings that say which council this is: never taken from the defaults (another council's)
IDENTITY = ("la_code", "local_authority", "service", "region", "statistical_neighbours")
IDENTITY_ALL = (*IDENTITY, "population_0_17")


@dataclass(frozen=True)
class Council:
    code: str
    folder: Path
    name: str | None = None
    population: Any = None  # an int, or {year: int}
    #: its old (3-digit) DfE LA code, checked against the packaged reference (None: not given)
    la_code: int | None = None
    region: str | None = None  # its region, for a council without an LA code

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
            raise UserError(
                f"{spec}: council {code}: expected `la_code:`, `name:` and `population:`."
            )
        own_path = folder / code / "params" / "settings.yaml"
        own = _own_settings(own_path)
        la_code = council_la_code(code, entry, own, spec, own_path)
        region_name = own.get("region") or entry.get("region")
        if la_code is None:
            _check_identified(code, entry, own, spec)
        councils.append(
            Council(
                code,
                folder / code,
                entry.get("name"),
                entry.get("population"),
                la_code,
                str(region_name) if region_name else None,
            )
        )
    if not councils:
        raise UserError(f"No council folders in {folder} (expected <council>/data/extracts/).")
    return Region(folder, str(meta.get("name") or folder.name), tuple(councils))


def _own_settings(path: Path) -> dict:
    """A council's own params/settings.yaml ({} without one); a clear error when unreadable."""
    if not path.is_file():
        return {}
    try:
        own = read_yaml(path) or {}
    except yaml.YAMLError:
        raise UserError(f"{path}: not valid YAML.") from None
    if not isinstance(own, dict):
        raise UserError(f"{path}: expected a mapping of settings (e.g. `la_code: 852`).")
    return own


def council_la_code(code: str, entry: dict, own: dict, spec: Path, own_path: Path) -> int | None:
    """The council's DfE LA code: its region.yaml entry's `la_code:`, else its own
    settings.yaml's, else its folder name when that is a number; None when none is given.
    A code that is not a council in the packaged DfE reference is a UserError naming where it
    was given (the region.yaml entry, the settings file or the folder)."""
    from selfeval import dfe_la

    given: list[tuple[str, Any]] = [
        (where, value)
        for where, value in (
            (f"{spec}: council {code}: la_code", entry.get("la_code")),
            (f"{own_path}: la_code", own.get("la_code")),
        )
        if value is not None
    ]
    if not given and code.isdigit():
        given = [(f"{spec.parent / code}: a council folder named by a number is its LA code", code)]
    if not given:
        return None
    numbers = []
    for where, value in given:
        try:
            numbers.append(int(value))
        except (TypeError, ValueError):
            raise UserError(
                f"{where}: {value!r} is not a DfE LA code (a number, e.g. 852 Southampton)."
            ) from None
    if len(set(numbers)) > 1:
        raise UserError(
            f"{spec}: council {code}: la_code {numbers[0]} differs from la_code {numbers[1]} "
            f"in {own_path}; give the council's LA code once."
        )
    known = dfe_la.la_names()
    if numbers[0] not in known:
        raise UserError(
            f"{given[0][0]}: {numbers[0]} is not a council in the DfE statistical neighbour "
            f"model ({len(known)} councils, e.g. 852 Southampton); use the 3-digit old LA code "
            "DfE publishes."
        )
    return numbers[0]


def _check_identified(code: str, entry: dict, own: dict, spec: Path) -> None:
    """A council without an LA code must be given its population and region (else it would
    take the defaults' council's): a UserError naming its region.yaml entry."""
    population = entry.get("population") is not None or any(
        own.get(k) is not None for k in ("population", "population_0_17")
    )
    region = entry.get("region") or own.get("region")
    if not (population and region):
        missing = [k for k, ok in (("population", population), ("region", region)) if not ok]
        raise UserError(
            f"{spec}: council {code}: no la_code: give its DfE LA code (councils: {{{code}: "
            f"{{la_code: 852}}}}) so its name, region, neighbours and population come from the "
            f"DfE reference, or give its {' and '.join(missing)}."
        )


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
    """settings.yaml for one council: the defaults without the defaults' council's identity
    (`IDENTITY_ALL`: LA code, name, service, region, neighbours, population), then the
    council's LA code and region.yaml entry (name, population, region), then its own
    params/settings.yaml (`name` and `population` stand for `local_authority` and
    `population_0_17`; any other key as in settings.yaml). With an LA code, the name, region,
    neighbours and population not given come from the DfE reference by that code."""
    out = {k: v for k, v in defaults.items() if k not in IDENTITY_ALL}
    if council.la_code is not None:
        out["la_code"] = council.la_code
    if council.region:
        out["region"] = council.region
    named = None
    for layer in ({"name": council.name, "population": council.population}, own or {}):
        layer = dict(layer)
        name, population = layer.pop("name", None), layer.pop("population", None)
        if name:
            named = out["local_authority"] = str(name)
        if population is not None:
            out["population_0_17"] = _population(population, council)
        out.update({k: v for k, v in layer.items() if v is not None})
    named = named or out.get("local_authority")
    if not named:
        if council.la_code is None:
            out["local_authority"] = named = council.code
        else:
            from selfeval import dfe_la

            named = dfe_la.la_names()[council.la_code]
    if not (own or {}).get("service"):
        out["service"] = f"{named} children's services"
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
    if own_params.is_dir():
        shutil.copytree(own_params, params, dirs_exist_ok=True)
    own = _own_settings(own_params / "settings.yaml")
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
