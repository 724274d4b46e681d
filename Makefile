# The two commands a newcomer needs: `make run` and `make test` (README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := config.settings

.PHONY: install run test test-fast lint format bench chromium pango migrate audit

install: $(VENV)/.installed node_modules/.installed pango

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

migrate: install
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(BIN)/python manage.py migrate --noinput

run: migrate
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(BIN)/python manage.py seed_demo
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# WeasyPrint (the PDF reports) loads Pango at run time; installed from Debian's packages when we
# are root and WeasyPrint cannot find it.
PANGO_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
pango: $(VENV)/.installed
	@$(BIN)/python -c "import weasyprint" >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PANGO_PACKAGES) >/dev/null; \
	  else echo "WeasyPrint cannot load Pango: install $(PANGO_PACKAGES) (or Homebrew's pango); the PDF reports fail until then."; fi; }

# Chromium drives the real-browser tests; installed from Debian's packages when we are root.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is missing and we are not root: the browser tests will be skipped."; fi; }

test: install chromium
	$(BIN)/pytest

# Everything but the real-browser tests, for a quick loop.
test-fast: install
	$(BIN)/pytest -m "not e2e"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# Known vulnerabilities in the Python and npm packages (pip-audit, npm audit).
audit: install
	$(BIN)/python .ci/audit.py

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python -m bench.coding_bench
	$(BIN)/python -m bench.reconciliation_bench
	$(BIN)/python -m bench.pages_bench
