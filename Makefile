# The two Quick start commands. Both install into .venv first (from this project's own files).
PY ?= python3
VENV := .venv
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench screenshots

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/broadcaster run --demo --config config.toml

test: $(STAMP)
	$(VENV)/bin/pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# refresh the dashboard screenshots shown in the README (needs Debian's chromium)
screenshots: $(STAMP)
	BROADCASTER_SCREENSHOTS=docs/screenshots $(VENV)/bin/pytest -q tests/web/test_browser.py tests/web/test_portal_browser.py

bench: $(STAMP)
	$(VENV)/bin/python -m bench.fanout
