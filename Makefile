# Everything a fresh machine needs: `make run` runs the bot, `make test` runs the tests.
# Both set themselves up first (a virtualenv in .venv, compiled catalogues, and for the
# tests the local Bot API emulator's npm package).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The local Bot API server used by the end-to-end tests (see ../shared/tg-emulator).
TG_EMULATOR_SRC ?= ../shared/tg-emulator
TG_EMULATOR_DIR := .tg-emulator

.PHONY: setup run test lint catalogues messages emulator clean

setup: $(VENV)/.installed catalogues

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

catalogues: $(VENV)/.installed
	$(BIN)/pybabel compile --domain bot --directory locales

# Re-extract strings from the code and merge them into every language's catalogue.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _ -k ngettext:1,2 --no-location --sort-output \
	  --project mutualaid-bot -o locales/bot.pot .
	$(BIN)/pybabel update --domain bot --input-file locales/bot.pot --output-dir locales \
	  --no-fuzzy-matching

emulator:
	@if [ -f "$(TG_EMULATOR_SRC)/package.json" ]; then \
	  mkdir -p $(TG_EMULATOR_DIR) && cp "$(TG_EMULATOR_SRC)/package.json" $(TG_EMULATOR_DIR)/ && \
	  npm install --prefix $(TG_EMULATOR_DIR) --no-audit --no-fund --silent; \
	else \
	  echo "No Bot API emulator at $(TG_EMULATOR_SRC): end-to-end tests will be skipped."; \
	fi

run: setup
	$(BIN)/python -m bot

test: setup emulator
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check bot tests
	$(BIN)/ruff format --check bot tests
	$(BIN)/mypy

clean:
	rm -rf $(VENV) $(TG_EMULATOR_DIR) .pytest_cache .mypy_cache .ruff_cache
