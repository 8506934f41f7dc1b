# The README's two commands: `make start` (install, build the index on first run, open the UI)
# and `make test` (install, then run the whole test suite, browser tests included).
# `make check`: ruff (format and lint) and mypy, configured in pyproject.toml; CI runs it before the tests.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export GRADIO_ANALYTICS_ENABLED := False
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install start check test browser bench bench-scale

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first and pinned: an unpinned torch pulls a multi-GB CUDA build
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Debian's Chromium for the browser tests (Playwright's own browser download cannot work offline)
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null; }

start: install
	$(BIN)/rag ui

check: install
	$(BIN)/python -m ruff format --check
	$(BIN)/python -m ruff check
	$(BIN)/python -m mypy

# every test: the marker expression below selects all of them (a plain `pytest` is only the fast layer)
test: install browser
	$(BIN)/python -m pytest -q -m "model or browser or llm or not (model or browser or llm)"

# one run on this machine: CPU, project vs LangChain baseline query times, cold/warm build, peak memory
bench: install
	$(BIN)/python benchmarks/bench_all.py

# the 10k/100k/1M synthetic scale benchmark (about 15 minutes on 2 cores; ~10 GB peak at 1M)
bench-scale: install
	$(BIN)/python benchmarks/bench_scale.py
