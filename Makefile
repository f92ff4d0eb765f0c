# essbot — set-up, demo and tests. Everything installs into ./.venv from the package registries only.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
QUESTION ?= Qui délivre l'agrément ESUS ?

.PHONY: install demo test test-fast lint index pdfs bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# CPU build of torch first, so sentence-transformers does not pull a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

index: install
	$(BIN)/essbot ingest documents/ --index indexes/default

demo: index
	$(BIN)/essbot ask "$(QUESTION)" --index indexes/default

lint: install
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

test-fast: lint
	$(BIN)/pytest -m "not slow"

pdfs: install
	$(BIN)/python scripts/build_pdf_fiches.py

bench: index
	$(BIN)/python benchmarks/ingest.py

clean:
	rm -rf indexes/default indexes/seeds .pytest_cache
