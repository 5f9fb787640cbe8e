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
