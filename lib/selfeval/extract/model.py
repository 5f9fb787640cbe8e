"""The Extract result and the whole-extract error."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from selfeval.errors import UserError


class ExtractError(UserError):
    """The extract as a whole cannot be used (folder missing, no recognised files)."""


@dataclass
class Extract:
    """A read and validated extract (see docs/architecture.md)."""

    tables: Mapping[str, pd.DataFrame]  # a dict, or StoredTables read from the store
    quality: pd.DataFrame
    extract_date: date
    inputs: list[dict] = field(default_factory=list)  # {path, sha256, bytes}
    summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    folder: Path = Path(".")

    @property
    def errors(self) -> int:
        return int((self.quality["severity"] == "error").sum())

    @property
    def warnings(self) -> int:
        return int((self.quality["severity"] == "warning").sum())
