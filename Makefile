# flexlake — `make help` lists the targets. Every target installs what it needs (scripts/bootstrap.sh).
SHELL := /bin/bash
ENV := source scripts/airflow-env.sh &&
DBT := .venv/bin/dbt
MANIFEST := include/dbt/target/manifest.json
# Test processes (pytest-xdist): most of an integration test's wall time is waiting on Airflow's scheduler and
# triggerer loops, so two modules side by side use the 2 cores CI has. One module stays on one process
# (--dist loadfile): its module-scoped stack or build is shared by its tests. TEST_WORKERS=0 runs serially.
TEST_WORKERS ?= 2

.PHONY: help venv manifest demo test check lint sqlfluff typecheck validate dbt-parse up schema rehearse-image sbom license-check

help: ## Show this help
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

venv: ## Create the venvs (Airflow + dbt + test tools, PyAirbyte, connectors, dlt) from the lock files
	@bash scripts/bootstrap.sh

dbt-parse manifest: ## Build the dbt manifests Cosmos renders DAGs from: product + tenant overlays (no database)
	@$(ENV) flexlake manifest

demo: venv manifest ## Run the demo tenants end to end on DuckDB and print a summary per tenant
	@$(ENV) flexlake demo

test: venv manifest check ## The static checks, then every test (unit, DAG integrity, integration with PostgreSQL and Airflow)
	@$(ENV) pytest -n $(TEST_WORKERS) --dist loadfile

check: lint typecheck sqlfluff ## Lint, types, the dbt models' SQL and the committed tenant-file schema (what `make test` runs first)
	@$(ENV) flexlake schema --check

lint: venv ## Ruff lint and format check
	@.venv/bin/ruff check . && .venv/bin/ruff format --check .

sqlfluff: venv ## sqlfluff over the dbt models and singular tests (dbt templater, DuckDB profile, offline; include/dbt/.sqlfluff): no violation
	@$(ENV) cd include/dbt && sqlfluff lint models tests/core tests/marts --processes 2

typecheck: venv ## mypy (strict) over the package
	@.venv/bin/mypy plugins

validate: venv ## Validate every tenant file in tenant_configs/
	@$(ENV) flexlake validate

schema: venv ## Regenerate tenant_configs/tenant_config.schema.json from the models
	@$(ENV) flexlake schema

up: venv manifest ## Start Airflow (api-server, scheduler, dag-processor, triggerer) on http://localhost:8080
	@$(ENV) bash scripts/airflow_up.sh

rehearse-image: venv ## Rehearse the Docker image build without Docker: install steps, DagBag, one tenant end to end
	@bash scripts/rehearse_image_build.sh

license-check: venv ## Fail on any package license licensing/policy.toml neither allows nor keeps with a reason
	@.venv/bin/python -m licensing.check --flagged

sbom: venv ## Write a CycloneDX SBOM per venv (.venv, PyAirbyte, source-faker, dlt) with licenses to build/sbom/
	@bash scripts/sbom_venv.sh && .venv/bin/python -m licensing.sbom --validate
