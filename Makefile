# The two commands of the README: `make run` (the main job) and `make test` (the whole suite);
# `make test-fast` leaves out the slow tests and `make lint` runs ruff, the import-layer
# contracts (.importlinter) and mypy on the public modules (CI runs it first).
# Both build .venv from scratch when it is missing; constraints.txt pins the tested versions
# (torch to its CPU build).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
INSTALL_INPUTS := setup.cfg pyproject.toml constraints.txt

.PHONY: run test test-fast lint clean

run: $(VENV)/.installed-run
	$(VENV)/bin/tabkit run pipelines/rossmann-synthetic.toml

test: $(VENV)/.installed-dev
	$(PY) -m pytest -q

# The suite without the tests marked slow (CLI subprocess runs, the Dask cluster, the
# browser, model-quality checks): a quick check while working.
test-fast: $(VENV)/.installed-dev
	$(PY) -m pytest -q -m "not slow"

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-run: $(INSTALL_INPUTS) | $(PY)
	$(PIP) install -q -c constraints.txt -e .
	touch $@

$(VENV)/.installed-dev: $(INSTALL_INPUTS) | $(PY)
	$(PIP) install -q -c constraints.txt -e '.[dev]'
	touch $@ $(VENV)/.installed-run

clean:
	rm -rf $(VENV) build *.egg-info
