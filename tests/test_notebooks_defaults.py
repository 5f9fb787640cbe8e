"""A notebook opened by hand in JupyterLab runs top to bottom with its default parameters."""

from pathlib import Path

import papermill

ROOT = Path(__file__).resolve().parents[1]


def test_a_priority_notebook_runs_with_its_defaults_against_the_sample(tmp_path):
    notebook = ROOT / "notebooks" / "09_workforce.ipynb"
    executed = papermill.execute_notebook(
        str(notebook),
        str(tmp_path / notebook.name),
        kernel_name="python3",
        progress_bar=False,
        cwd=str(notebook.parent),
    )
    outputs = [o for cell in executed.cells for o in cell.get("outputs", [])]
    errors = [o for o in outputs if o.output_type == "error"]
    stderr = [o for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    assert errors == [] and stderr == []
    text = str(outputs)
    assert "Workforce academy" in text
    assert "image/svg+xml" in text, "the page draws its charts"
