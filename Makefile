# selfeval: two commands to start with — `make report` and `make test`.
PYTHON ?= python3.11
VENV := .venv
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

lab: $(STAMP)  ## start JupyterLab on the project
	$(BIN)/jupyter lab --notebook-dir=.

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
	rm -rf $(VENV) rendered/*/ data/store
