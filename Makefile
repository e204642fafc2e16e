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
# Config to synthesize or deploy; main.py falls back to cdktf.json's context (the example).
CONFIG ?=
ifneq ($(CONFIG),)
export KEYCLOAK_AURORA_CONFIG := $(CONFIG)
endif
# The Terraform runner (modules/run): synthesizes, then runs Terraform in each stack's
# directory. With TF_PROVIDER_MIRROR (air-gapped machines) it writes .build/terraformrc
# and points Terraform at that mirror; without it Terraform uses the public registry.
RUN := pipenv run python -m modules.run

.PHONY: help version install synth plan preflight find-vpc iam-policies test test-unit test-e2e lint scan render outputs deploy destroy recover switchover bench docs golden topology-png clean

help:
	@echo "Every target uses the config named by \$$KEYCLOAK_AURORA_CONFIG (export it once) or CONFIG=<file>;"
	@echo "without either, config/example.yaml (and says so)."
	@echo "make synth     synthesize every stack into cdktf.out/"
	@echo "make preflight read-only checks against AWS of \$$CONFIG before deploying (a table; exit 1 on any failure)"
	@echo "make find-vpc  the VPC id of a ROSA cluster: REGION=... NODE=<worker DNS name> or CLUSTER_ID=... [TAG=...] [ROLE_ARN=...]"
	@echo "make iam-policies  the least-privilege IAM policies of \$$CONFIG into iam-policies/ (ACCOUNT=<id> to name it)"
	@echo "make test      run every test: unit, terraform validate, end to end against moto"
	@echo "make test-unit run the fast tests only (no moto, no deploy, no Chromium)"
	@echo "make lint      zizmor (offline) and shellcheck over the workflows and shell scripts"
	@echo "make topology-png  redraw docs/topology-example.png (the README's picture) with mermaid-cli"
	@echo "make scan      checkov on every synthesized stack (skips only security/checkov-skips.yaml)"
	@echo "make outputs   the deployed stacks' outputs into outputs.json (STACKS, default aurora and aurora-secondary; OUTPUTS=file)"
	@echo "make render    Keycloak CR patches from deployed outputs (OUTPUTS=outputs.json) into rendered/"
	@echo "make plan      plan every stack (STACKS='aurora peering-*' to pick) into plans/ and plan-summary.md"
	@echo "make deploy    apply every stack in dependency order (STACKS to pick, DEPLOY_FLAGS=--auto-approve)"
	@echo "make destroy   destroy every stack in reverse dependency order"
	@echo "make recover   after an interrupted deploy: name the lock, adopt what it created (STACKS=..., ARGS='--unlock --yes')"
	@echo "make switchover  aurora.secondary: move the writer to the other region (ARGS=--yes), or --detach the secondary"
	@echo "make bench     synth speed and memory benchmark"
	@echo "make docs      regenerate docs/configuration.md's config reference from the config model"
	@echo "make golden    regenerate tests/golden/ (the synthesized JSON of every config; review the diff)"
	@echo "make version   this tool's version"

install: .venv/.synced node_modules/.installed

.venv/.synced: Pipfile.lock
	@command -v pipenv >/dev/null || $(PYTHON) -m pip install --quiet "pipenv==$(PIPENV_VERSION)"
	pipenv sync --dev
	@touch $@

node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

synth: .venv/.synced
	pipenv run python main.py
	@echo "Terraform JSON for every stack is in cdktf.out/stacks/"

# Read-only checks, in seconds, that a deploy of $CONFIG would not fail or come out wrong:
# credentials, AZs, engine version and instance class, state bucket, each ROSA VPC.
preflight: .venv/.synced
	pipenv run python -m modules.preflight

# The VPC id of a ROSA cluster, from a worker node's name or the cluster's id, to put in
# the config instead of the node's name (which breaks once ROSA replaces the node).
REGION ?=
NODE ?=
CLUSTER_ID ?=
ROLE_ARN ?=
# With CLUSTER_ID: the instance tag that holds it (rosa_clusters[].vpc.cluster_id_tag), for
# ROSA classic nodes that lack api.openshift.com/id.
TAG ?=
find-vpc: .venv/.synced
	pipenv run python -m modules.peering.find_vpc $(if $(REGION),--region '$(REGION)') \
	  $(if $(NODE),--node '$(NODE)') $(if $(CLUSTER_ID),--cluster-id '$(CLUSTER_ID)') $(if $(TAG),--tag '$(TAG)') \
	  $(if $(ROLE_ARN),--role-arn '$(ROLE_ARN)')

# The IAM policies of the deploy and plan roles, the ROSA-account role and the boto3
# commands, generated from the stacks of $CONFIG in every keycloak.credentials mode, and
# iam-policies/roles.tf.json creating the workflows' roles (docs/security.md).
ACCOUNT ?=
iam-policies: .venv/.synced
	pipenv run python -m modules.iam --out-dir iam-policies $(if $(ACCOUNT),--account '$(ACCOUNT)')

# Tests run in parallel: the unit tests spread over the workers; each end-to-end world (the
# main deployment, and each scenario with a moto server of its own) stays on one worker
# (xdist groups), so independent worlds deploy side by side while RDS waiters wait.
TEST_WORKERS ?= 3

test: install
	pipenv run pytest -n $(TEST_WORKERS) --dist loadgroup --durations=40

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
# OUTPUTS: what `make outputs` writes (the default, outputs.json), cdktf's outputs file
# (`cdktf deploy --outputs-file`), `terraform output -json` of the aurora stack, or a
# directory of <stack>.json files.
OUTPUTS ?= outputs.json
render: .venv/.synced
	pipenv run python -m modules.keycloak.render --outputs $(OUTPUTS) --out-dir rendered

# Stack names or patterns, space-separated; each is quoted so the shell expands no glob.
# Empty: each command's default (every stack; `outputs`: aurora).
STACKS ?=
# Flags of `python -m modules.run plan`: --no-lock, --parallelism N, --plans-dir, --summary,
# --detailed-exitcode (the runner exits 2 on changes, 1 on a failure; make turns every
# failing exit into 2, so run the runner itself where the difference matters, as drift.yml does).
PLAN_FLAGS ?=
# Flags of `python -m modules.run deploy|destroy`: --auto-approve,
# --ignore-missing-stack-dependencies, --grace SECONDS, --timeout DURATION.
DEPLOY_FLAGS ?=
# Each recipe is one simple command, so the shell execs the runner: make's signals (make
# forwards SIGTERM to it; a terminal sends SIGINT and SIGHUP to it directly) reach it.
plan: .venv/.synced
	$(RUN) plan $(foreach s,$(STACKS),'$(s)') $(PLAN_FLAGS)

deploy: .venv/.synced
	$(RUN) deploy $(foreach s,$(STACKS),'$(s)') $(DEPLOY_FLAGS)

destroy: .venv/.synced
	$(RUN) destroy $(foreach s,$(STACKS),'$(s)') $(DEPLOY_FLAGS)

# The deployed stacks' outputs (terraform output -json) into $(OUTPUTS), the file `make render` reads.
outputs: .venv/.synced
	$(RUN) outputs $(foreach s,$(STACKS),'$(s)') --output '$(OUTPUTS)'

version: .venv/.synced
	@pipenv run python main.py --version

# After an interrupted deploy (README "Recover an interrupted deploy"): names a held state
# lock, writes import blocks for what the apply created (recovery/<deployment>/<stack>.imports.json),
# lists duplicates. ARGS: --unlock, --delete-duplicates, --yes (no questions).
recover: .venv/.synced
	pipenv run python -m modules.recover $(foreach s,$(STACKS),'$(s)') $(ARGS)

# With aurora.secondary (docs/operations.md "A second region"): move the writer to the other
# region, or with --detach make the secondary a cluster of its own. ARGS: --detach, --yes.
switchover: .venv/.synced
	pipenv run python -m modules.switchover $(ARGS)

# The example's topology as a reviewer's browser draws it (needs /usr/bin/chromium).
topology-png: install
	pipenv run python tools/topology_picture.py

bench: install
	pipenv run python bench/synth_bench.py $(ARGS)

docs: .venv/.synced
	pipenv run python -m modules.config.reference --write docs/configuration.md

golden: .venv/.synced
	pipenv run python -m tests.golden --update

clean:
	rm -rf cdktf.out .build .pytest_cache plans plan-summary.md
