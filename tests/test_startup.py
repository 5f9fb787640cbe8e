"""The runner process starts without loading what it never uses."""

from __future__ import annotations

import subprocess
import sys


def test_runner_process_skips_the_iri_grammar_and_still_validates_notebooks() -> None:
    code = (
        "import sys\n"
        "from selfeval.cli import skip_unused_iri_checker\n"
        "skip_unused_iri_checker()\n"
        "import nbformat, papermill, nbconvert\n"
        "nbformat.validate(nbformat.v4.new_notebook())\n"
        "bad = nbformat.v4.new_notebook(); bad.cells = [{'cell_type': 'nonsense'}]\n"
        "try:\n"
        "    nbformat.validate(bad)\n"
        "except nbformat.ValidationError:\n"
        "    print('invalid notebook rejected')\n"
        "print(sys.modules.get('rfc3987_syntax', 'absent'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[:2] == ["invalid notebook rejected", "None"]


def test_pages_and_the_runner_load_no_matplotlib_until_a_chart_is_drawn(tmp_path) -> None:
    """A kernel whose charts are all kept (a rerun) never imports matplotlib or seaborn, and the
    runner starts its kernels before it imports pandas."""
    code = (
        "import sys\n"
        "import selfeval.runner\n"
        "print('pandas' in sys.modules)\n"
        "import selfeval.pages\n"
        "from selfeval import charts\n"
        "import pandas as pd\n"
        f"charts.keep_charts_in({str(tmp_path)!r})\n"
        "frame = pd.DataFrame({'team': ['North', 'South'], 'value': [70.0, 80.0]})\n"
        "options = dict(category='team', value='value', title='Audits', unit='pct')\n"
        "chart = charts.bar_breakdown(frame, **options)\n"
        "print(chart.figure is None, 'matplotlib' in sys.modules, 'seaborn' in sys.modules)\n"
    )
    run = [sys.executable, "-c", code]
    first = subprocess.run([*run, "draw"], capture_output=True, text=True, check=True)
    assert first.stdout.split() == ["False", "False", "True", "True"]  # drawn: matplotlib loaded
    again = subprocess.run([*run, "kept"], capture_output=True, text=True, check=True)
    assert again.stdout.split() == ["False", "True", "False", "False"]  # kept: never loaded
