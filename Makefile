# Everyday commands. Each installs what it needs first (pipenv, the locked Python
# dependencies, the pinned cdktf-cli), so on a fresh machine `make synth` and `make test`
# are the whole quick start.

SHELL := /bin/bash
export PIPENV_VENV_IN_PROJECT := 1
export PIPENV_NOSPIN := 1
export PIPENV_VERBOSITY := -1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CHECKPOINT_DISABLE := 1
# mermaid-cli's puppeteer drives Debian's /usr/bin/chromium: never download a browser.
export PUPPETEER_SKIP_DOWNLOAD := true
export PUPPETEER_SKIP_CHROMIUM_DOWNLOAD := true

PIPENV_VERSION := 2026.10.3
PYTHON ?= python3
CDKTF := node_modules/.bin/cdktf
# Config to synthesize or deploy; main.py falls back to cdktf.json's context (the example).
CONFIG ?=
ifneq ($(CONFIG),)
export KEYCLOAK_AURORA_CONFIG := $(CONFIG)
endif
# Terraform CLI config written when TF_PROVIDER_MIRROR names a local provider mirror
# (air-gapped machines); without it Terraform uses the public registry.
TF_RC := .build/terraformrc

.PHONY: help install synth test test-unit test-e2e lint scan render deploy destroy recover bench docs golden topology-png clean

help:
	@echo "make synth     synthesize every stack of \$$CONFIG (default: config/example.yaml) into cdktf.out/"
	@echo "make test      run every test: unit, terraform validate, end to end against moto"
	@echo "make test-unit run the fast tests only (no moto, no deploy, no Chromium)"
	@echo "make lint      zizmor (offline) and shellcheck over the workflows and shell scripts"
	@echo "make topology-png  redraw docs/topology-example.png (the README's picture) with mermaid-cli"
	@echo "make scan      checkov on every synthesized stack (skips only security/checkov-skips.yaml)"
	@echo "make render    Keycloak CR patches from deployed outputs (OUTPUTS=outputs.json) into rendered/"
	@echo "make deploy    cdktf deploy every stack (STACKS='aurora peering-*' to pick)"
	@echo "make destroy   cdktf destroy every stack"
	@echo "make recover   after an interrupted deploy: name the lock, adopt what it created (STACKS=..., ARGS='--unlock --yes')"
	@echo "make bench     synth speed and memory benchmark"
	@echo "make docs      regenerate README.md's config reference from the config model"
	@echo "make golden    regenerate tests/golden/ (the synthesized JSON of every config; review the diff)"

install: .venv/.synced node_modules/.installed

.venv/.synced: Pipfile.lock
	@command -v pipenv >/dev/null || $(PYTHON) -m pip install --quiet "pipenv==$(PIPENV_VERSION)"
	pipenv sync --dev
	@touch $@

node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(TF_RC):
	@mkdir -p $(@D)
	@if [ -n "$$TF_PROVIDER_MIRROR" ]; then \
	  printf 'provider_installation {\n  filesystem_mirror {\n    path    = "%s"\n    include = ["registry.terraform.io/hashicorp/*"]\n  }\n  direct {\n    exclude = ["registry.terraform.io/hashicorp/*"]\n  }\n}\n' "$$TF_PROVIDER_MIRROR" > $@; \
	else : > $@; fi

synth: .venv/.synced
	pipenv run python main.py
	@echo "Terraform JSON for every stack is in cdktf.out/stacks/"

# Tests run in parallel: the unit tests spread over the workers; each end-to-end world (the
# main deployment, and each scenario with a moto server of its own) stays on one worker
# (xdist groups), so independent worlds deploy side by side while RDS waiters wait.
TEST_WORKERS ?= 3

test: install
	pipenv run pytest -n $(TEST_WORKERS) --dist loadgroup

test-unit: .venv/.synced
	pipenv run pytest -n $(TEST_WORKERS) --dist loadgroup -m "not e2e and not render"

test-e2e: install
	pipenv run pytest -m e2e

# Also part of `make test` and `make test-unit`; this runs only the CI supply-chain checks.
lint: .venv/.synced
	pipenv run pytest tests/unit/test_ci_lint.py -q

scan: .venv/.synced
	pipenv run pytest tests/security -q

# Render each ROSA cluster's Keycloak CR patch from the deployed outputs into rendered/.
# OUTPUTS: cdktf's outputs file (`cdktf deploy --outputs-file outputs.json`), `terraform
# output -json` of the aurora stack, or a directory of <stack>.json files.
OUTPUTS ?= outputs.json
render: .venv/.synced
	pipenv run python -m modules.keycloak.render --outputs $(OUTPUTS) --out-dir rendered

# Stack names or patterns, space-separated; each is quoted so the shell expands no glob.
STACKS ?= *
DEPLOY_FLAGS ?=
deploy: install $(TF_RC)
	TF_CLI_CONFIG_FILE=$$( [ -s $(TF_RC) ] && echo $(abspath $(TF_RC)) || echo "$$TF_CLI_CONFIG_FILE" ) \
	  $(CDKTF) deploy $(foreach s,$(STACKS),'$(s)') $(DEPLOY_FLAGS)

destroy: install $(TF_RC)
	TF_CLI_CONFIG_FILE=$$( [ -s $(TF_RC) ] && echo $(abspath $(TF_RC)) || echo "$$TF_CLI_CONFIG_FILE" ) \
	  $(CDKTF) destroy $(foreach s,$(STACKS),'$(s)') $(DEPLOY_FLAGS)

# After an interrupted deploy (README "Recover an interrupted deploy"): names a held state
# lock, writes import blocks for what the apply created (recovery/<deployment>/<stack>.imports.json),
# lists duplicates. ARGS: --unlock, --delete-duplicates, --yes (no questions).
recover: .venv/.synced $(TF_RC)
	TF_CLI_CONFIG_FILE=$$( [ -s $(TF_RC) ] && echo $(abspath $(TF_RC)) || echo "$$TF_CLI_CONFIG_FILE" ) \
	  pipenv run python -m modules.recover $(foreach s,$(STACKS),'$(s)') $(ARGS)

# The example's topology as a reviewer's browser draws it (needs /usr/bin/chromium).
topology-png: install
	pipenv run python tools/topology_picture.py

bench: install
	pipenv run python bench/synth_bench.py $(ARGS)

docs: .venv/.synced
	pipenv run python -m modules.config.reference --write README.md

golden: .venv/.synced
	pipenv run python -m tests.golden --update

clean:
	rm -rf cdktf.out .build .pytest_cache
