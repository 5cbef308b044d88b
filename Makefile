# The two commands of the README:
#   make run   set up .venv, build and validate the national graph (curated records and the official
#              base layer) on the embedded store, keep the built store in .cache/store/, write dist/,
#              write the coverage report (dist/coverage.md), analyse the cooperation network and
#              rank a transfer (dist/analysis/), write two
#              offline HTML views and a map (dist/*.html) and the ontology's documentation page (dist/ontology.html)
#   make test  set up .venv with the test extras, install the browser, the stores and Comunica
#              (scripts/install-*.sh), and run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
OUT    ?= dist

.PHONY: run test setup clean

$(BIN)/ikz-graph: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,docs]'
	touch $@

setup: $(BIN)/ikz-graph

run: setup
	$(BIN)/ikz-graph build --out $(OUT)
	$(BIN)/ikz-graph query project-members
	$(BIN)/ikz-graph query shared-services
	$(BIN)/ikz-graph query unit-types --param state=07
	$(BIN)/ikz-graph coverage --format markdown --out $(OUT)/coverage.md
	$(BIN)/ikz-graph analyze --out $(OUT)/analysis
	$(BIN)/ikz-graph transfer kfz-zulassung --top 5 --out $(OUT)/analysis
	$(BIN)/ikz-graph viz --view overview --out $(OUT)/ikz-overview.html
	$(BIN)/ikz-graph viz --view transfer kfz-zulassung --out $(OUT)/ikz-transfer-kfz-zulassung.html
	$(BIN)/ikz-graph viz --view map --level gemeindeverband --of transfer kfz-zulassung --out $(OUT)/ikz-map-kfz-zulassung.html
	$(BIN)/ikz-graph docs --out $(OUT)/ontology.html

test: setup
	bash scripts/install-browser.sh
	scripts/install-stores.sh
	sh scripts/install-comunica.sh
	$(BIN)/python -m pytest

# make bench: the benchmark table of README "Benchmark" (BENCH_ARGS="--sizes rlp --runs 1" for a quick one)
.PHONY: bench
bench: setup
	$(BIN)/python bench/benchmark.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .cache
