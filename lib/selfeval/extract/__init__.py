"""Reading an extract folder: readers, validation, data-quality report, parquet store.

`load_extract(folder)` is the one entry point later steps use (see docs/architecture.md).
"""

from __future__ import annotations

from selfeval.extract.command import validate_command
from selfeval.extract.load import load_extract
from selfeval.extract.model import Extract, ExtractError

__all__ = ["Extract", "ExtractError", "load_extract", "validate_command"]
