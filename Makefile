# One-command set-up: `make chat` runs the bot in this terminal, `make test` runs the linters (ruff,
# import-linter's layer contracts in pyproject.toml) and the test suite.
# Both create .venv on first use: torch first (pinned, so pip takes the local CPU build where there is
# one and a CUDA build elsewhere), then the project with its dev tools.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.studybot-installed
export HF_HUB_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM ?= false

.PHONY: chat test lint bench install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

chat: $(STAMP)
	$(BIN)/studybot chat

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python bench/ask.py
	$(BIN)/python bench/grading.py
	$(BIN)/python bench/quiz.py

clean:
	rm -rf $(VENV) .studybot .pytest_cache .ruff_cache
