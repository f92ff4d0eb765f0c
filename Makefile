# essbot — set-up, demo and tests. Everything installs into ./.venv from the package registries only.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LLM_STAMP := $(VENV)/.installed-llm
QUESTION ?= Qui délivre l'agrément ESUS ?

.PHONY: install demo test test-fast lint index pdfs bench clean browser redis axe

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# CPU build of torch first, so sentence-transformers does not pull a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The local-LLM extra compiles llama.cpp (several minutes on 2 cores): only the full test run needs it.
# On x86_64 it is built for AVX2 rather than for the build machine (-march=native): the native build of
# llama-cpp-python 0.3.36 crashed (segmentation fault) at its first decode on a CPU with AVX-512 and AMX. No wheel
# cache: a wheel built earlier with other flags would be reused.
LLAMA_CMAKE_ARGS := $(if $(filter x86_64,$(shell uname -m)),-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON)
$(LLM_STAMP): $(STAMP)
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=2 $(BIN)/pip install --quiet --no-cache-dir -e '.[dev,llm]'
	touch $(LLM_STAMP)

# Debian's Chromium for the browser tests (the tests skip with a message where it cannot be installed).
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
		echo "chromium absent : les tests navigateur seront ignorés"

# Debian's Redis for the test of rate-limit counters shared by two replicas (skipped with a message without it).
redis:
	@command -v redis-server >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; } || \
		echo "redis-server absent : le test des limites partagées sera ignoré"

# axe-core, injected by the accessibility browser tests, from the npm registry into a git-ignored folder.
AXE := tests/.node/node_modules/axe-core/axe.min.js
$(AXE):
	@command -v npm >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; } || true
	@mkdir -p tests/.node && npm install --no-save --no-audit --no-fund --silent --prefix tests/.node 'axe-core@^4.10' || \
		echo "axe-core absent : les tests d'accessibilité seront ignorés"

axe: $(AXE)

index: install
	$(BIN)/essbot ingest documents/ --index indexes/default

demo: index
	$(BIN)/essbot ask "$(QUESTION)" --index indexes/default

lint: install
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy

# The regression test of the evaluation reuses indexes/default: build (or update) it first.
test: lint $(LLM_STAMP) browser redis axe index
	$(BIN)/pytest

test-fast: lint index
	$(BIN)/pytest -m "not slow"

pdfs: install
	$(BIN)/python scripts/build_pdf_fiches.py

bench: index
	$(BIN)/python benchmarks/ingest.py

clean:
	rm -rf indexes/default indexes/seeds .pytest_cache
