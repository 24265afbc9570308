# Two commands do all the set-up on a fresh machine:
#   make run    create .venv, install, build the index if missing or stale, serve on 127.0.0.1:8000
#   make test   create .venv, install, lint, type-check, run the tests
VENV ?= .venv
PY := $(VENV)/bin/python
CLI := $(VENV)/bin/clustersearch
HOST ?= 127.0.0.1
PORT ?= 8000

CHROMIUM := /usr/bin/chromium

.PHONY: install index run test lint bench clean chromium

# torch==2.13.0 first: on these machines that is the CPU wheel on disk; letting
# sentence-transformers pull a bare `torch` would download a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet torch==2.13.0
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

index: install
	$(CLI) build

run: index
	$(CLI) serve --host $(HOST) --port $(PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# The browser tests (tests/e2e) drive Debian's Chromium through Playwright; no browser is
# ever downloaded. Installed here when missing and we are root (CI, containers); otherwise
# the tests fail and say how to install it. CLUSTERSEARCH_E2E_REQUIRED=1 makes them fail,
# not skip, without a browser.
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
		echo "The browser tests need Chromium: sudo apt-get install chromium" >&2; \
	fi

chromium: $(CHROMIUM)

test: lint chromium
	CLUSTERSEARCH_E2E_REQUIRED=1 $(VENV)/bin/pytest

bench: index
	$(PY) benchmarks/bench_search.py

clean:
	rm -rf $(VENV) .clustersearch .pytest_cache .mypy_cache .ruff_cache
