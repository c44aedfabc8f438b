PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.installed-demo

.PHONY: demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Everything: the bot plus the test and lint tools.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP) $(DEMO_STAMP)

# The demo needs only what the bot itself needs.
$(DEMO_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	$(BIN)/journeybot demo

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python bench/rank.py
	$(BIN)/python bench/questions.py
	$(BIN)/python bench/notion_sync.py
	$(BIN)/python bench/slack_ack.py
	$(BIN)/python bench/install_ack.py
	$(BIN)/python bench/outbox.py
	$(BIN)/python bench/pain_search.py
	$(BIN)/python bench/workspaces.py

clean:
	rm -rf $(VENV) journeybot-demo .pytest_cache
