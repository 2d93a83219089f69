# sign8-mock: `make run` serves the mock, `make test` runs every test. Both set up .venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Two install levels: serving needs only the package (make run), the tests add the test extras (make test).
RUN_STAMP := $(VENV)/.installed-run
STAMP := $(VENV)/.installed
NODE_DIR := .node
HOST ?= 127.0.0.1
PORT ?= 8080

# make image / image-test: the engine (podman or docker), the base image and the tag; BASE empty means the
# Containerfile's default (python:3.11-slim; image-test makes a local Debian one when that is absent).
ENGINE ?= $(shell command -v podman 2>/dev/null || command -v docker 2>/dev/null)
BASE ?=
IMAGE ?= localhost/sign8-mock:latest

.PHONY: wheel-test run test unit postman postman-proxy node-tools verify-webhooks-deps lint-openapi browser-deps pdf-deps bench soak fuzz clean image image-test \
	image-deps dist clients-test clients-deps testcontainers-test axe-core a11y

$(RUN_STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(STAMP): $(RUN_STAMP)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: $(RUN_STAMP)
	$(BIN)/sign8-mock serve --host $(HOST) --port $(PORT) --fixtures fixtures

# The whole suite: unit, end-to-end, reliability (bounded), generated requests, browser, then newman
# and the OpenAPI document checked by the tools its users run (Redocly, Spectral, Postman's converter).
test: $(STAMP) verify-webhooks-deps
	$(BIN)/pytest -q
	$(MAKE) --no-print-directory postman
	$(MAKE) --no-print-directory postman-proxy
	$(MAKE) --no-print-directory lint-openapi

# newman, openapi-to-postmanv2, @redocly/cli and @stoplight/spectral-cli, pinned (package.json and its
# lock file) and installed into the git-ignored .node/ with `npm ci` (exactly the locked versions).
$(NODE_DIR)/.installed: fixtures/postman/package.json fixtures/postman/package-lock.json
	mkdir -p $(NODE_DIR)
	cp fixtures/postman/package.json fixtures/postman/package-lock.json $(NODE_DIR)/
	cd $(NODE_DIR) && npm ci --no-audit --no-fund --silent
	touch $@

node-tools: $(NODE_DIR)/.installed

# The README's Node example of webhook verification needs npm's standardwebhooks (pinned, with its lock file).
VERIFY_DIR := examples/verify-webhooks
$(VERIFY_DIR)/node_modules/.installed: $(VERIFY_DIR)/package.json $(VERIFY_DIR)/package-lock.json
	cd $(VERIFY_DIR) && npm ci --no-audit --no-fund --silent
	touch $@

verify-webhooks-deps: $(VERIFY_DIR)/node_modules/.installed

# axe-core, pinned (tests/a11y/package.json and its lock), installed into the git-ignored .node/axe/.
AXE_DIR := $(NODE_DIR)/axe
$(AXE_DIR)/.installed: tests/a11y/package.json tests/a11y/package-lock.json
	mkdir -p $(AXE_DIR)
	cp tests/a11y/package.json tests/a11y/package-lock.json $(AXE_DIR)/
	cd $(AXE_DIR) && npm ci --no-audit --no-fund --silent
	touch $@

axe-core: $(AXE_DIR)/.installed

# axe-core in Debian's Chromium on every page people see (tests/test_accessibility.py, marker a11y): 6 runs of
# 46 page checks, ~2.5 min on this busy machine, so its own target (.ci/run calls it after make test). A missing
# axe-core or Chromium fails here instead of skipping.
a11y: $(STAMP) axe-core
	SIGN8_AXE_REQUIRED=1 $(BIN)/pytest -q -s -m a11y tests/test_accessibility.py

postman: $(STAMP) $(NODE_DIR)/.installed
	$(BIN)/python fixtures/postman/run_newman.py --newman $(NODE_DIR)/node_modules/.bin/newman

# The same collection through `sign8-mock proxy` (webhooks through its relay): 0 failures, and its recording
# shows every webhook and no drift against the mock itself.
postman-proxy: $(STAMP) $(NODE_DIR)/.installed
	$(BIN)/python fixtures/postman/run_newman.py --newman $(NODE_DIR)/node_modules/.bin/newman --through-proxy

# The served /openapi.json: 0 lint errors, and Postman's import of it runs clean against a fresh mock.
lint-openapi: $(STAMP) $(NODE_DIR)/.installed
	$(BIN)/python fixtures/postman/lint_openapi.py --node-bin $(NODE_DIR)/node_modules/.bin
	$(BIN)/python fixtures/postman/run_openapi_collection.py --node-bin $(NODE_DIR)/node_modules/.bin

# Debian's Chromium for the browser test (Playwright's own download does not work offline).
browser-deps:
	@command -v chromium >/dev/null || { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi; }

# The PDF engines the tests render with (Poppler, MuPDF) and the fonts the documents use through fontconfig
# (mock_server/documents/_text.py): Noto Sans (+ Arabic, Hebrew, Symbols2), Droid Sans Fallback (CJK), Symbola (emoji).
PDF_DEBS := poppler-utils mupdf-tools fontconfig fonts-noto-core fonts-droid-fallback fonts-symbola
pdf-deps:
	@missing=$$(for p in $(PDF_DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "pdf-deps: installing $$missing"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq --no-install-recommends $$missing; fi; fi

soak: $(STAMP)
	SIGN8_CRASH_CYCLES=200 $(BIN)/pytest -q -s tests/reliability/test_crash_safety.py

fuzz: $(STAMP)
	SIGN8_FUZZ_EXAMPLES=100 SIGN8_FUZZ_STEPS=60 SIGN8_FUZZ_TIMEOUT=3600 $(BIN)/pytest -q -s tests/reliability/test_schemathesis.py

# Benchmarks against json-server (wrk from Debian, json-server from npm into bench/.node/); see bench/README.md.
bench: $(STAMP)
	bash bench/install.sh
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/run.py --wait-idle 300

# The container image (Containerfile). HOST_WHEELS=1 builds every wheel on this machine first, for a build
# that has no network of its own (the image then installs them with --no-index).
image:
	@test -n "$(ENGINE)" || { echo "make image: neither podman nor docker is installed"; exit 1; }
ifdef HOST_WHEELS
	rm -rf .cache/container/wheels
	$(PYTHON) -m pip wheel --quiet --disable-pip-version-check -w .cache/container/wheels .
endif
	$(ENGINE) build -f Containerfile $(if $(findstring podman,$(notdir $(ENGINE))),--format docker) \
		$(if $(BASE),--build-arg BASE=$(BASE)) $(if $(HOST_WHEELS),--build-arg WHEELS=.cache/container/wheels) \
		-t $(IMAGE) .

# Build, run, walk a flow with a webhook to this host, restart on the same volume, stop; then examples/compose.yaml.
# Skips with one line when no engine can run containers. IMAGE_SRC=HEAD builds a clean export of a commit.
$(VENV)/.installed-container: $(RUN_STAMP)
	$(BIN)/pip install --quiet -e '.[container]'
	touch $@

image-test: $(VENV)/.installed-container
	$(BIN)/python container/image_test.py --image $(IMAGE) $(if $(BASE),--base $(BASE)) \
		$(if $(filter command line environment,$(origin ENGINE)),--engine $(ENGINE)) \
		$(if $(IMAGE_SRC),--source $(IMAGE_SRC))

# examples/testcontainers/node and /python against the image built above (make image or make image-test), through
# podman's Docker-compatible socket (podman system service, started and stopped by the script; Ryuk disabled).
# Each example prints one SKIPPED line where no engine can run containers.
testcontainers-test: $(VENV)/.installed-container
	$(BIN)/python container/testcontainers_test.py --image $(IMAGE)

# Debian's podman and mmdebstrap (a local base image, no registry needed), for image-test.
image-deps:
	@command -v podman >/dev/null && command -v mmdebstrap >/dev/null || { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq podman mmdebstrap runc; else sudo apt-get update -qq && sudo apt-get install -y -qq podman mmdebstrap runc; fi; }

# Generated clients, unedited (examples/clients/): Java (openapi-generator, javac), TypeScript (openapi-typescript +
# openapi-fetch, tsc --strict), TypeScript with zod (@hey-api/openapi-ts), Python (openapi-python-client, mypy
# --strict), each generated from the served /openapi.json, built, and walking the whole flow. The generators are
# pinned in each example's requirements.txt / package-lock.json and cached in the git-ignored .cache/clients/.
clients-test: $(RUN_STAMP) clients-deps
	$(BIN)/python scripts/clients_test.py

# The Java client's jars that Maven Central would give, from Debian (javax.annotation.Generated, jsr305, Apache
# httpmime), and a JDK; jackson comes from openapi-generator's own jar (Debian bookworm's is too old).
CLIENTS_DEBIAN := openjdk-17-jdk-headless libgeronimo-annotation-1.3-spec-java libjsr305-java libhttpmime-java
clients-deps:
	@command -v javac >/dev/null && ls /usr/share/java/geronimo-annotation-1.3-spec.jar /usr/share/java/jsr305.jar \
	  /usr/share/java/httpmime.jar /usr/share/java/httpcore.jar /usr/share/java/httpclient.jar >/dev/null 2>&1 || { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $(CLIENTS_DEBIAN); else sudo apt-get update -qq && sudo apt-get install -y -qq $(CLIENTS_DEBIAN); fi; }

# A wheel and an sdist in dist/ (tests/test_wheel.py installs such a wheel into a fresh venv and runs the README example).
$(VENV)/.installed-dist: $(RUN_STAMP)
	$(BIN)/pip install --quiet -e '.[dist]'
	touch $@

# The wheel in a fresh venv outside the repo, running the README's pytest example (reaches PyPI for the dependencies).
wheel-test: $(STAMP) verify-webhooks-deps
	$(BIN)/pytest -q -m registry tests/test_wheel.py

dist: $(VENV)/.installed-dist
	rm -rf dist
	$(BIN)/python -m build --outdir dist .

clean:
	rm -rf $(VENV) $(NODE_DIR) data dist .cache/clients .cache/testcontainers
