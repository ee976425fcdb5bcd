# Every target bootstraps what it needs: uv (into .tools/ when it is not on PATH), then .venv from uv.lock.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install serve test lint typecheck unit bench bench-http load interop clean

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

# Concurrency over real HTTP: strongroom serve beside its bare twin, driven by wrk at 1/4/16/64 connections,
# SQLite (one process) and PostgreSQL (--workers 2); report in var/bench-http.md. See bench/http_bench.py.
bench-http: install
	@command -v wrk >/dev/null || (command -v apt-get >/dev/null && apt-get install -y -q wrk) \
		|| { echo "bench-http needs wrk (apt-get install wrk)" >&2; exit 1; }
	$(PY) -m bench.http_bench

# Sustained load on real server processes (SQLite; PostgreSQL with 3 processes); report in var/load-report.md.
# LOAD_SECONDS (default 120), LOAD_USERS (30), LOAD_BACKENDS, LOAD_PROCESSES: see tests/load/run.py.
load: install
	$(PY) -m tests.load.run

interop: install
	cd tools/interop && npm ci --no-audit --no-fund

clean:
	rm -rf $(VENV) .tools var
