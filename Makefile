# The two set-up commands: `make demo` and `make test` (what CI runs).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Two stamps: the demo needs only what Basics runs on; tests and benchmarks add the
# development tools (pytest, mypy, ruff, pandas, polars, chdb).
RUNTIME := $(VENV)/.runtime
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit bench bench-demo clean

$(RUNTIME): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	touch $(RUNTIME)

$(STAMP): $(RUNTIME)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

# On a terminal, the demo is then served (dashboard and API) until Ctrl-C; NO_SERVE=1, or
# no terminal (CI, a pipe), stops after the story.
demo: $(RUNTIME)
	$(BIN)/basics demo --out basics-demo
	@if [ -t 1 ] && [ -z "$(NO_SERVE)" ]; then \
	  echo; echo "Serving the demo (Ctrl-C stops; NO_SERVE=1 make demo skips this):"; \
	  cd basics-demo && ../$(BIN)/basics serve --port $${PORT:-8080}; fi

test: $(STAMP) lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy --strict src

unit: $(STAMP)
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/bench_replay.py
	$(BIN)/python benchmarks/bench_oncall.py
	$(BIN)/python benchmarks/bench_page_replace.py
	$(BIN)/python benchmarks/bench_reingest.py
	$(BIN)/python benchmarks/bench_follow.py
	$(BIN)/python benchmarks/bench_shifts.py
	$(BIN)/python benchmarks/bench_rejects.py
	$(BIN)/python benchmarks/bench_small_ingest.py
	$(BIN)/python benchmarks/bench_startup.py
	$(BIN)/python benchmarks/bench_serve.py

bench-demo: $(RUNTIME)
	$(BIN)/python benchmarks/bench_demo.py

clean:
	rm -rf $(VENV) basics-demo .pytest_cache .mypy_cache .ruff_cache
