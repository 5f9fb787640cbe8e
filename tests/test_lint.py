"""The code base stays lint-clean and formatted (ruff, as `make lint`)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PATHS = ["lib", "tests", "benchmarks"]


def _ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, *PATHS], cwd=ROOT, capture_output=True, text=True
    )


def test_ruff_check_passes():
    result = _ruff("check")
    assert result.returncode == 0, result.stdout


def test_ruff_format_is_applied():
    result = _ruff("format", "--check")
    assert result.returncode == 0, result.stdout
