# One command for the main job (`make reports`), one for the tests (`make test`).
# Both create or reuse the project virtualenv in .venv; only Python 3.11 and pip
# (plus npm for the offline report assets) are needed on a fresh machine.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
ASSETS := node_modules/.installed

.PHONY: help venv assets data reports test test-fast lab bench browser clean

help:
	@echo "make reports   build data/processed, execute every report, render HTML into outputs/"
	@echo "make test      run the test suite (unit, notebook and browser tests)"
	@echo "make data      rebuild data/processed/ only (prints the data-quality summary)"
	@echo "make lab       open JupyterLab on the project environment"
	@echo "make bench     print benchmark figures (bench/)"
	@echo "make clean     remove generated files (data/processed, outputs)"

$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

venv: $(STAMP)

# Local copies of require.js and the widget manager, so rendered reports load
# nothing from outside hosts. Versions are pinned in package.json.
$(ASSETS): package.json
	npm install --no-audit --no-fund --package-lock=false
	@touch $(ASSETS)

assets: $(ASSETS)

data: venv
	$(PY) -m lib.evaluation build

reports: data assets
	$(PY) -m lib.batch --timeout 180

# Headless Chromium for the browser tests (Debian package; root only).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is not installed and this user cannot apt-get install it: browser tests will be skipped"; fi; }

# Unit, batch, fault-injection and browser tests (tests/) and every notebook run by nbval.
test: venv assets browser data
	$(PY) -m pytest --nbval-lax tests notebooks

# No kernels, no browser, no npm assets: passes on a fresh clone.
test-fast: venv
	$(PY) -m pytest -m "not notebook and not browser and not assets and not faults"

# Opens on the project root (so notebooks/, data/ and docs/ are all in reach);
# --allow-root only where the session runs as root (as on our CI machines).
lab: venv data
	$(PY) -m jupyter lab --ServerApp.root_dir=. $$([ "$$(id -u)" = 0 ] && echo --allow-root) notebooks/

bench: venv assets data
	$(PY) bench/reports.py

clean:
	find data/processed -mindepth 1 ! -name .gitkeep -delete
	find outputs -mindepth 1 ! -name README.md -delete
