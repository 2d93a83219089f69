# sign8-mock: `make run` serves the mock, `make test` runs every test. Both set up .venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_DIR := .node
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: run test unit postman browser-deps bench soak fuzz clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/sign8-mock serve --host $(HOST) --port $(PORT) --fixtures fixtures

# The whole suite: unit, end-to-end, reliability (bounded), generated requests, browser, then newman.
test: $(STAMP)
	$(BIN)/pytest -q
	$(MAKE) --no-print-directory postman

$(NODE_DIR)/.installed: fixtures/postman/package.json
	mkdir -p $(NODE_DIR)
	cp fixtures/postman/package.json fixtures/postman/package-lock.json $(NODE_DIR)/ 2>/dev/null || cp fixtures/postman/package.json $(NODE_DIR)/
	cd $(NODE_DIR) && npm install --no-audit --no-fund --silent
	touch $@

postman: $(STAMP) $(NODE_DIR)/.installed
	$(BIN)/python fixtures/postman/run_newman.py --newman $(NODE_DIR)/node_modules/.bin/newman

# Debian's Chromium for the browser test (Playwright's own download does not work offline).
browser-deps:
	@command -v chromium >/dev/null || { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi; }

soak: $(STAMP)
	SIGN8_CRASH_CYCLES=200 $(BIN)/pytest -q -s tests/reliability/test_crash_safety.py

fuzz: $(STAMP)
	SIGN8_FUZZ_EXAMPLES=300 $(BIN)/pytest -q -s tests/reliability/test_schemathesis.py

# Benchmarks against json-server (wrk from Debian, json-server from npm into bench/.node/); see bench/README.md.
bench: $(STAMP)
	bash bench/install.sh
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/run.py --wait-idle 300

clean:
	rm -rf $(VENV) $(NODE_DIR) data
