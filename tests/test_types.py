"""The type checker (mypy, configured in pyproject.toml) is clean on the measures engine, the
pages and the pipeline module (issue 18)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "lib" / "selfeval"


def test_mypy_is_clean_on_measures_pages_and_the_pipeline():
    pipeline = [p for p in (LIB / "pipeline.py", LIB / "runner.py") if p.is_file()]
    assert pipeline, "no pipeline module found"
    targets = [LIB / "measures", LIB / "pages", *pipeline]
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml")]
        + [str(t.relative_to(ROOT)) for t in targets],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout
