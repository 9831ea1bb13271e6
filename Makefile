# Set up, run the demo case, and test. Everything installs into .venv.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DEMO := demo-case

.PHONY: setup run test lint bench clean

$(BIN)/exposure: pyproject.toml requirements.lock scripts/system-deps.sh
	@command -v $(PY) >/dev/null || { echo "Python 3.11 is required ($(PY) not found)"; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $(BIN)/exposure

setup: $(BIN)/exposure
	@bash scripts/system-deps.sh

run: setup
	$(BIN)/exposure demo $(DEMO)/data
	$(BIN)/exposure run $(DEMO)/data/input --case $(DEMO)/case --config $(DEMO)/data/case.toml \
		--passwords $(DEMO)/data/passwords.txt
	@echo "Report: $(DEMO)/case/report/summary.html (notification list: $(DEMO)/case/report/notification_list.csv)"

test: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python bench/pipeline.py

clean:
	rm -rf $(VENV) $(DEMO)
