# Two commands for a fresh Debian machine (see README):
#   make run   — install everything, index the bundled corpus, assess a sample plan, start the UI
#   make test  — install everything (incl. test tools and the small local LLM) and run the tests
.PHONY: run test setup setup-test lint evals bench

VENV := .venv
RA := $(VENV)/bin/review-assistant

setup:
	bash scripts/setup.sh

setup-test:
	bash scripts/setup.sh --test
	bash scripts/llm_test_server.sh

run: setup
	$(RA) index
	$(RA) demo-seed
	$(RA) ui

test: setup-test
	$(VENV)/bin/ruff check assistant tests evals benchmarks
	$(VENV)/bin/pytest -q

evals:
	$(VENV)/bin/python -m evals.run

bench:
	$(VENV)/bin/python -m benchmarks.ingest
	$(VENV)/bin/python -m benchmarks.batch
