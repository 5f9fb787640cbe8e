# selfeval: two commands to start with — `make report` and `make test`.
PYTHON ?= python3.11
VENV := .venv
LAB := .venv-lab
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: report test test-regional lab lint format bench sample-data clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	$(BIN)/python -m compileall -q $(VENV)/lib lib >/dev/null || true
	@touch $(STAMP)

report: $(STAMP)  ## run the whole pack on the latest extract (the embedded sample by default)
	$(BIN)/selfeval run

test: $(STAMP)  ## run the test suite
	$(BIN)/python -m pytest -q

test-regional: $(STAMP)  ## the regional runs on dask (several councils' packs; about 20 minutes)
	$(BIN)/python -m pytest -q -m regional tests/test_regional.py

# JupyterLab lives in an environment of its own: it is not needed to run the pack, and installed
# beside it, it makes every `selfeval run` about 2 s slower (jupyter-events brings jsonschema's
# IRI grammars, which nbformat then builds on import). Its notebooks run in the project's kernel.
$(LAB)/.installed:
	@test -x $(LAB)/bin/python || $(PYTHON) -m venv $(LAB) || python3 -m venv $(LAB)
	$(LAB)/bin/python -m pip install --quiet --upgrade pip 'jupyterlab>=4.1'
	@touch $@

lab: $(STAMP) $(LAB)/.installed  ## start JupyterLab on the project (notebooks run in .venv's kernel)
	JUPYTER_PATH=$(abspath $(VENV))/share/jupyter $(LAB)/bin/jupyter lab --notebook-dir=.

lint: $(STAMP)
	$(BIN)/ruff check lib tests benchmarks
	$(BIN)/ruff format --check lib tests benchmarks

format: $(STAMP)
	$(BIN)/ruff check --fix lib tests benchmarks
	$(BIN)/ruff format lib tests benchmarks

bench: $(STAMP)  ## performance benchmarks (not part of the test run)
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/bench_regional.py

clean:
	rm -rf $(VENV) $(LAB) rendered/*/ data/store
