PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test bench lint format clean

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
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(K) import ledger/data/demo-2015.jsonl --db $(DEMO_DB)
	$(K) harvest --ref NOTA-201601-B01 --date 2016-01-20 --bagan B01 --kg 2.750,5 --price 10.500 --costs 300.000 --db $(DEMO_DB)
	$(K) savings deposit --ref SUKARELA-004 --date 2016-01-21 --member M02 --kind sukarela --amount 150.000 --db $(DEMO_DB)
	$(K) correct --ref KOREKSI-002 --date 2016-01-22 --reverses SUKARELA-004 --reason "entered twice" --db $(DEMO_DB)
	$(K) summary --db $(DEMO_DB)
	$(K) statement M01 --db $(DEMO_DB)
	$(K) balance --db $(DEMO_DB)

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 tests

bench: $(STAMP)
	$(BIN)/python -m benchmarks

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) demo.db build *.egg-info
