# The two commands of the README: `make run` and `make test`. Each installs what it needs
# into .venv (and, for the tests, PostgreSQL, tmux and Chromium from Debian's packages when
# missing).
# Both make sure of the fonts and the Pango the PDF exports need (scripts/ensure-fonts).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test test-fast bench bench-matrix bench-slack bench-picture bench-minutes bench-reminders bench-failover bench-backup bench-fanout bench-next-due bench-web bench-web-pages clean

run: $(VENV)/.installed-run
	@scripts/ensure-fonts
	@$(BIN)/samverkan-bot run

test: $(VENV)/.installed-test
	@scripts/ensure-postgres
	@scripts/ensure-tmux
	@scripts/ensure-fonts
	@scripts/ensure-chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

# The edit-test loop: everything that needs neither Synapse nor PostgreSQL nor a child
# process (pytest -m "not slow"; tests/conftest.py marks the rest). `make test` stays the one
# full command, and CI's.
test-fast: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/pytest -q -m "not slow"

bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/dispatch.py --throwaway-postgres

bench-matrix: $(VENV)/.installed-test
	$(BIN)/python benchmarks/matrix_latency.py

bench-fanout: $(VENV)/.installed-test
	$(BIN)/python benchmarks/fanout.py

bench-next-due: $(VENV)/.installed-test
	$(BIN)/python benchmarks/next_due.py

bench-slack: $(VENV)/.installed-test
	$(BIN)/python benchmarks/slack_ack.py

bench-picture: $(VENV)/.installed-test
	$(BIN)/python benchmarks/picture.py --throwaway-postgres

bench-minutes: $(VENV)/.installed-test
	$(BIN)/python benchmarks/minutes.py --throwaway-postgres

bench-reminders: $(VENV)/.installed-test
	$(BIN)/python benchmarks/reminders.py

bench-backup: $(VENV)/.installed-test
	@scripts/ensure-postgres
	$(BIN)/python benchmarks/backup.py --throwaway-postgres

bench-failover: $(VENV)/.installed-test
	@scripts/ensure-postgres
	$(BIN)/python benchmarks/failover.py

bench-web: $(VENV)/.installed-test
	$(BIN)/python benchmarks/web_display.py

bench-web-pages: $(VENV)/.installed-test
	$(BIN)/python benchmarks/web_pages.py

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install -q -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@ $(VENV)/.installed-run

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
