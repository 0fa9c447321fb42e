# Everything a fresh machine needs: `make run` runs the bot, `make test` runs the tests.
# Both set themselves up first (a virtualenv in .venv, compiled catalogues, and for the
# tests the local Bot API emulator's npm package).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Exact versions with hashes, written by `make lock` from pyproject.toml: the runtime
# packages (what the Docker image installs) and those plus the dev tools (.venv).
LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock
# The lock also pins the build backend (pyproject's [build-system] requires), so that
# installing the project itself fetches nothing unhashed.
BUILD_REQUIRES = $(PYTHON) -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"]))'
# `make lock UPGRADE=--upgrade` takes new releases; by default locked versions stay.
UPGRADE ?=
UV_COMPILE = uv pip compile pyproject.toml - --universal --python-version 3.11 \
	--generate-hashes --quiet --custom-compile-command 'make lock' $(UPGRADE)
# The local Bot API server used by the end-to-end tests (see ../shared/tg-emulator).
TG_EMULATOR_SRC ?= ../shared/tg-emulator
TG_EMULATOR_DIR := .tg-emulator

.PHONY: setup run test lint lock catalogues messages emulator clean

setup: $(VENV)/.installed catalogues

# Every package from the lock, each checked against its hash; then the project itself,
# with nothing more (--no-deps), built by the locked setuptools (--no-build-isolation).
$(VENV)/.installed: $(DEV_LOCK) pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r $(DEV_LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# Re-resolve both locks from pyproject.toml (after changing a dependency, or to take
# upgrades); the dev lock keeps the runtime lock's versions.
lock: $(VENV)/.installed
	$(BUILD_REQUIRES) | $(BIN)/$(UV_COMPILE) -o $(LOCK)
	$(BUILD_REQUIRES) | $(BIN)/$(UV_COMPILE) --extra dev -c $(LOCK) -o $(DEV_LOCK)

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

# The PostgreSQL half: the whole suite again, end-to-end tests included, on PostgreSQL with
# PostGIS (tests/conftest.py, TEST_DATABASE_URL), with the end-to-end failover tests that
# need it (marked postgres). Skipped with the reason when the server can't be reached,
# except in CI (REQUIRE_E2E=1). Tests about the SQLite file itself are marked sqlite_only,
# and slow ones the database plays no part in once_a_run (tests/support/storage.py).
POSTGRES_TEST_URL ?= postgresql://postgres:postgres@127.0.0.1:5432/test

test: setup emulator
	$(BIN)/pytest --durations=15
	TEST_DATABASE_URL=$(POSTGRES_TEST_URL) $(BIN)/pytest -p no:cacheprovider --durations=10

# tests/test_lock.py: the locks still match pyproject.toml's dependencies. lint-imports:
# the layers' import rules (pyproject.toml, [tool.importlinter]).
lint: setup
	$(BIN)/pytest -q -p no:cacheprovider tests/test_lock.py
	$(BIN)/ruff check bot tests bench
	$(BIN)/ruff format --check bot tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

clean:
	rm -rf $(VENV) $(TG_EMULATOR_DIR) .pytest_cache .mypy_cache .ruff_cache
