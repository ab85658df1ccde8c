PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install browser demo test bench lint format clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e '.[dev,plot]'
	touch $(STAMP)

install: $(STAMP)

DEMO_DB ?= demo.db
K := $(BIN)/kerang

demo: $(STAMP)
	$(K) demo --db $(DEMO_DB) --out demo-out
	$(K) balance --db $(DEMO_DB) --as-of 2019-01-31

# The suite runs twice: on SQLite files, then on a real PostgreSQL server.
KERANG_TEST_PG ?= postgresql://postgres@127.0.0.1:5432/test

# The report pack is tested in a real browser: Debian's chromium, installed when missing.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	{ echo "installing Debian's chromium (the report pack is tested in it)" >&2; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q chromium; \
	  else sudo apt-get update -q && sudo apt-get install -y -q chromium; fi; }

test: $(STAMP) browser
	$(BIN)/python -m pytest -n 2 tests
	KERANG_TEST_PG=$(KERANG_TEST_PG) $(BIN)/python -m pytest -n 2 tests

bench: $(STAMP)
	$(BIN)/python -m benchmarks

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) demo.db demo-out build *.egg-info
