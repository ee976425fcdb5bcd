# Every target bootstraps what it needs: uv (into .tools/ when it is not on PATH), then .venv from uv.lock.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install serve test lint typecheck unit bench load interop clean

$(CURDIR)/.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==0.13.9

$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --all-groups
	touch $(STAMP)

install: $(STAMP)

serve: install
	$(VENV)/bin/strongroom serve

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

typecheck: install
	$(VENV)/bin/mypy

unit: install
	$(VENV)/bin/pytest -q $(PYTEST_ARGS)

test: lint typecheck unit

bench: install
	$(VENV)/bin/pytest bench -q -o python_files='bench_*.py' --benchmark-only \
		--benchmark-columns=min,median,mean,ops,rounds --benchmark-sort=name $(PYTEST_ARGS)

# Sustained load on real server processes (SQLite; PostgreSQL with 3 processes); report in var/load-report.md.
# LOAD_SECONDS (default 120), LOAD_USERS (30), LOAD_BACKENDS, LOAD_PROCESSES: see tests/load/run.py.
load: install
	$(PY) -m tests.load.run

interop: install
	cd tools/interop && npm ci --no-audit --no-fund

clean:
	rm -rf $(VENV) .tools var
