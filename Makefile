# Two commands: `make run` sets up and starts Doorstep; `make test` sets up and runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements.lock
PG_TEST_URL ?= postgresql://127.0.0.1:5432/test
APT_FONTS := fonts-dejavu-core fonts-ipafont-gothic
APT_I18N := gettext
APT_PDF_TOOLS := poppler-utils
APT_TEST := chromium wrk

.PHONY: run test test-sqlite test-fast test-postgres setup lock fonts browser translations lint \
	typecheck fmt bench clean i18n-extract i18n-update i18n-check

run: setup
	$(BIN)/doorstep migrate
	$(BIN)/doorstep demo --if-empty
	$(BIN)/doorstep run

test: setup browser
	$(MAKE) --no-print-directory test-sqlite
	@if $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null; then \
		$(MAKE) --no-print-directory test-postgres; \
	else \
		echo "PostgreSQL does not answer on 127.0.0.1:5432: the PostgreSQL pass is not run."; \
	fi

# Each xdist worker migrates a SQLite file of its own; PostgreSQL is one shared database, so
# its pass stays serial.
test-sqlite:
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -p no:cacheprovider -n 2

test-postgres:
	TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -p no:cacheprovider -m "not browser" tests

# The quick loop while working (CONTRIBUTING.md): no apt, no browser, no benchmark; SQLite,
# in parallel. `make test-fast PYTEST_ARGS="tests/core -x"` narrows it.
PYTEST_WORKERS ?= auto
PYTEST_ARGS ?=
test-fast: $(STAMP) translations
	$(BIN)/ruff check .
	TEST_DATABASE_URL= $(BIN)/pytest -p no:cacheprovider -n $(PYTEST_WORKERS) \
		-m "not browser and not bench" $(PYTEST_ARGS)

# Sorts imports and formats with ruff ([tool.ruff.format] in pyproject.toml); the same runs
# as a pre-commit hook (.pre-commit-config.yaml) on the files a commit changes.
fmt: $(STAMP)
	$(BIN)/ruff check --select I --fix .
	$(BIN)/ruff format .

setup: $(STAMP) fonts translations

# Installs exactly what requirements.lock pins (every file checked against its hash), then
# Doorstep itself without resolving anything: nothing a fresh machine installs is left to chance.
$(STAMP): $(LOCK) pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Re-resolve pyproject.toml's ranges (runtime, test and dev extras) into requirements.lock.
# `make lock LOCK_ARGS="--upgrade-package babel"` moves one package; `--upgrade` moves them all.
LOCK_ARGS ?=
lock: $(STAMP)
	printf 'setuptools>=68\n' | $(BIN)/uv pip compile pyproject.toml - --all-extras \
		--generate-hashes --python-version 3.11 --quiet --custom-compile-command "make lock" $(LOCK_ARGS) -o $(LOCK)

# Fonts for PDF invoices and statements (Latin, Arabic: DejaVu; Japanese: IPA Gothic), GNU
# gettext, whose `msgfmt --check` the translation check runs, and poppler-utils (pdftotext), with
# which the PDF tests read back what a PDF shows.
fonts:
	@missing=""; for p in $(APT_FONTS) $(APT_I18N) $(APT_PDF_TOOLS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing$$missing"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null; \
	fi

# Debian's Chromium for the browser tests (Playwright drives it; no browser download) and wrk,
# the load generator the benchmark smoke test runs.
browser:
	@missing=""; for p in $(APT_TEST); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing$$missing"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null; \
	fi

translations: $(STAMP)
	$(BIN)/doorstep i18n compile

# The translators' workflow (translations/README.md); same as `doorstep i18n extract|update|check`.
i18n-extract: $(STAMP)
	$(BIN)/python -m portal_site.i18n_cli extract

i18n-update: $(STAMP)
	$(BIN)/python -m portal_site.i18n_cli update

i18n-check: $(STAMP)
	$(BIN)/python -m portal_site.i18n_cli check

lint: $(STAMP)
	$(BIN)/ruff check .

# mypy over core (pyproject.toml [tool.mypy]); `make test` runs it after ruff.
typecheck: $(STAMP)
	$(BIN)/mypy

# Benchmarks (bench/, README "Performance"): wrk from Debian's packages loads the portal.
# `make bench BENCH_ARGS="--size large --engine both"` picks other sizes and engines.
BENCH_ARGS ?= --size small,medium --engine both
bench: setup
	@command -v wrk >/dev/null 2>&1 || { echo "Installing wrk"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) >/dev/null; }
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance
