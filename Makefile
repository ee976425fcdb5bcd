# Every target bootstraps what it needs: uv (into .tools/ when it is not on PATH), then .venv from uv.lock.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install serve test lint typecheck unit bench bench-http load interop interop-deps clean web web-deps web-check

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

# The suite runs in TEST_WORKERS processes (pytest-xdist; a file's tests stay on one worker): most of its
# time is spent waiting on server processes, databases and browsers, not on the CPU.
TEST_WORKERS ?= 2

unit: install web-deps interop-deps
	$(VENV)/bin/pytest -q -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

test: lint typecheck web-check unit

# Strongroom Web (web/ sources). The built page is committed in src/strongroom/web/static, so `make serve` and
# `pip install` need no Node; `make web` rebuilds it after a change and `make web-check` (part of `make test`)
# proves the committed build is exactly what the sources and package-lock.json give.
WEB_STAMP := web/node_modules/.installed
$(WEB_STAMP): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $(WEB_STAMP)

web-deps: $(WEB_STAMP)

web: web-deps
	cd web && npm run build

web-check: web-deps
	rm -rf var/web-check && mkdir -p var/web-check
	cd web && npx tsc --noEmit && npx vite build --logLevel warn --outDir ../var/web-check/static --emptyOutDir
	diff -r var/web-check/static src/strongroom/web/static || \
		{ echo "src/strongroom/web/static does not match web/: run make web and commit it" >&2; exit 1; }

bench: install web-deps
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

INTEROP_STAMP := tools/interop/node_modules/.installed
$(INTEROP_STAMP): tools/interop/package.json tools/interop/package-lock.json
	cd tools/interop && npm ci --no-audit --no-fund
	touch $(INTEROP_STAMP)

interop-deps: $(INTEROP_STAMP)

interop: install
	cd tools/interop && npm ci --no-audit --no-fund

clean:
	rm -rf $(VENV) .tools var
