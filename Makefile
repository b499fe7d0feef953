# One command for the main job (`make reports`), one for the tests (`make test`).
# Both create or reuse the project virtualenv in .venv; only Python 3.11 and pip
# (plus npm for the offline report assets) are needed on a fresh machine.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
ASSETS := node_modules/.installed
# Every package, direct and transitive, pinned with hashes; generated from the
# direct pins in requirements/runtime.in and requirements/dev.in (README,
# "Dependencies and the lock file").
LOCK   := requirements/lock.txt
# `make test` runs `ruff check` and `ruff format --check`; LINT_FORMAT=0 skips
# the format check (e.g. while a large change is in progress).
LINT_FORMAT ?= 1

.PHONY: help venv git-filter assets data reports test test-fast lint lint-test unused lab bench bench-scale browser clean dask-extra

help:
	@echo "make reports   build data/processed, execute every report, render HTML into outputs/"
	@echo "               (PROGRAMME=DIR: another programme's folder, e.g. one made by python -m lib.programme new DIR)"
	@echo "make test      run the test suite (unit, notebook and browser tests)"
	@echo "make data      rebuild data/processed/ only (prints the data-quality summary)"
	@echo "make lint      ruff check, ruff format --check, import contracts, private imports"
	@echo "make unused    list the functions of lib/ that no report, notebook or command runs"
	@echo "make lab       open JupyterLab on the project root"
	@echo "make bench     print benchmark figures (bench/); make bench-scale: bench/scale.py"
	@echo "make clean     remove generated files (data/processed, outputs)"

$(STAMP): $(LOCK) pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

venv: $(STAMP) git-filter

# Notebook outputs never reach a commit: .gitattributes sends notebooks through
# the 'nbstripout' filter, defined here in the clone's .git/config (git does not
# take filter commands from committed files). required=true: if the filter
# cannot run, `git add` fails instead of committing outputs. --keep-id keeps our
# deterministic cell ids; the kernel's version details are dropped too, so
# Run All and `git add` leave a committed notebook byte-identical.
LANG_INFO := metadata.language_info
NBSTRIPOUT := "$(abspath $(PY))" -m nbstripout --keep-id --extra-keys "$(foreach k,codemirror_mode file_extension \
  mimetype nbconvert_exporter pygments_lexer version,$(LANG_INFO).$(k))"
git-filter: $(STAMP)
	@if git rev-parse --git-dir >/dev/null 2>&1; then \
	  git config filter.nbstripout.clean '$(NBSTRIPOUT)' && \
	  git config filter.nbstripout.smudge cat && \
	  git config filter.nbstripout.required true && \
	  git config diff.ipynb.textconv '$(NBSTRIPOUT) -t'; \
	else echo "not a git checkout: notebook output filter not installed"; fi

# Local copies of require.js and the widget manager, so rendered reports load
# nothing from outside hosts. Versions are pinned in package.json.
$(ASSETS): package.json
	npm install --no-audit --no-fund --package-lock=false
	@touch $(ASSETS)

assets: $(ASSETS)

# PROGRAMME=DIR: another programme's folder (definition.yaml, plan.yaml, notes/,
# raw/); its processed/ is written beside them. Default: this programme (data/).
ifneq ($(strip $(PROGRAMME)),)
export EVAL_PROGRAMME := $(abspath $(PROGRAMME))
endif

data: venv
	$(PY) -m lib.evaluation build
	$(PY) -m lib.analysis

reports: data assets
	$(PY) -m lib.run --timeout 180 --fork-kernels

# Headless Chromium for the browser tests (Debian package; root only).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is not installed and this user cannot apt-get install it: browser tests will be skipped"; fi; }

# The optional Dask executor (pyproject's [dask] extra, not in the lock file or
# the default install): installed into the venv for the tests only, so
# tests/run/test_dask.py runs against a LocalCluster instead of being skipped.
DASK_STAMP := $(VENV)/.dask-installed
$(DASK_STAMP): pyproject.toml $(STAMP)
	$(PY) -m pip install --quiet "$$($(PY) -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["dask"][0])')"
	@touch $(DASK_STAMP)

dask-extra: $(DASK_STAMP)

# Both test targets spread the tests over every core with pytest-xdist (one
# worker process per core; PYTEST_WORKERS=0 runs them in this one process, in
# order). pyproject.toml's addopts make each worker take whole files,
# costliest first (tests/conftest.py); every test keeps its time limit.
PYTEST_WORKERS ?= auto
XDIST := -n $(PYTEST_WORKERS)

# Unit, batch, fault-injection, Dask and browser tests (tests/) and every
# notebook run by nbval, after the lint gate.
test: venv assets browser data lint-test dask-extra
	$(PY) -m pytest $(XDIST) --nbval-lax tests notebooks

# Import contracts (layers, independent report sections, no cycles) are in
# pyproject.toml's [tool.importlinter]; lint-imports runs from the project root
# so the contract type in tools/ is importable. tools/private_imports.py lists
# every underscore name one module of lib (or a notebook) takes from another;
# any at all fails the lint.
lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m tools.private_imports

lint-test: venv
	$(PY) -m ruff check .
ifeq ($(LINT_FORMAT),1)
	$(PY) -m ruff format --check .
endif
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m tools.private_imports

# Every function of lib/ whose body no real entry point runs: the data build,
# the batch as `make reports` runs it, the explore notebook, the command lines
# and their error cases, under coverage (kernels and forked processes
# included), in a temporary copy of the project. tools/unused_allowlist.txt
# names what only a Dask cluster, Ctrl-C or a failing kernel reaches. About 3.5
# minutes on a quiet 2-core machine (20 at most: the timeout allows a loaded one); exit 1 if anything is listed.
unused: venv assets
	$(PY) -m tools.unused --timeout 1200

# The fast tier (under a minute on 2 cores): no kernels, no browser, no npm
# assets, no full rebuilds or slow subprocesses; passes on a fresh clone. The
# tiers are pytest marks (pyproject.toml; tests/conftest.py marks by fixture).
FAST_TIER := not slow and not notebook and not browser and not assets and not faults and not e2e
test-fast: venv
	$(PY) -m pytest $(XDIST) -m "$(FAST_TIER)"

# Opens on the project root (so notebooks/, data/ and docs/ are all in reach),
# showing notebooks/ first. No positional path: jupyter-server would take it
# as the root directory and override --ServerApp.root_dir.
# --allow-root only where the session runs as root (as on our CI machines).
LAB_ARGS ?=
lab: venv data
	$(PY) -m jupyter lab --config="$(CURDIR)/jupyter_server_config.py" \
	  --ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=/lab/tree/notebooks \
	  $$([ "$$(id -u)" = 0 ] && echo --allow-root) $(LAB_ARGS)

bench: venv assets data
	$(PY) bench/reports.py

# Incremental re-runs, one-authority change, 152 synthetic authorities, naive baseline (minutes).
bench-scale: venv assets data
	$(PY) bench/scale.py

clean:
	find data/processed -mindepth 1 ! -name .gitkeep -delete
	find outputs -mindepth 1 ! -name README.md -delete
