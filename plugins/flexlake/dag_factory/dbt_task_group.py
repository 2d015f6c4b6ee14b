"""The tenant's dbt build as a Cosmos task group: one Airflow task per model, tests after each model.

Cosmos renders from the manifest built ahead of time (no dbt at parse time, manifest shared across
tenants, see cosmos_graph.py) and runs dbt in-process (InvocationMode.DBT_RUNNER, half the memory of
a subprocess). A tenant's model subset is select/exclude (so its graph shrinks too); its definitions
are vars, passed at execution time.
"""

from pathlib import Path
from typing import Any

from airflow.sdk import Context
from cosmos import DbtTaskGroup, ExecutionConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior

from flexlake import settings
from flexlake.catalog import catalog_root, run_key, stage_run_results
from flexlake.dag_factory.cosmos_graph import share_manifest
from flexlake.tenant_config import TenantConfig
from flexlake.warehouses import get_warehouse

DBT_GROUP_ID = "dbt_transform"
DBT_PROJECT_NAME = "flexlake"


def dbt_selectors(tenant: TenantConfig) -> tuple[list[str], list[str]]:
    """(select, exclude) for the tenant: every model of the product minus the marts and models it removed."""
    exclude = [f"path:models/marts/{mart}" for mart in tenant.dbt.disabled_marts]
    exclude.extend(tenant.dbt.exclude_models)
    return [], exclude


def dbt_vars(tenant: TenantConfig) -> dict[str, Any]:
    """Warehouse location vars first, so a tenant's own vars cannot move its data elsewhere by accident."""
    return {**tenant.dbt.vars, **get_warehouse(tenant.warehouse.type).dbt_vars(tenant)}


def build_dbt_task_group(tenant: TenantConfig) -> DbtTaskGroup:
    share_manifest(settings.DBT_MANIFEST_PATH)
    select, exclude = dbt_selectors(tenant)
    return DbtTaskGroup(
        group_id=DBT_GROUP_ID,
        project_config=ProjectConfig(
            dbt_project_path=settings.DBT_PROJECT_DIR,
            manifest_path=settings.DBT_MANIFEST_PATH,
            project_name=DBT_PROJECT_NAME,
            install_dbt_deps=False,
        ),
        profile_config=get_warehouse(tenant.warehouse.type).profile_config(tenant),
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.LOCAL,
            invocation_mode=InvocationMode.DBT_RUNNER,
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            select=select,
            exclude=exclude,
            test_behavior=TestBehavior.AFTER_EACH,
            should_detach_multiple_parents_tests=True,
            enable_mock_profile=True,
        ),
        operator_args={
            "vars": dbt_vars(tenant),
            "callback": stage_task_run_results,
            "callback_args": {"tenant_id": tenant.tenant_id},
        },
    )


def stage_task_run_results(project_dir: str, tenant_id: str, context: Context) -> None:
    """Cosmos callback after each dbt task: keep its run_results for the catalog's merged run_results."""
    staging = catalog_root(settings.CATALOG_BASE_URI, tenant_id, settings.CATALOG_CONN_ID)
    staging = staging / "runs" / run_key(context["run_id"]) / "run_results"
    stage_run_results(Path(project_dir), staging, context["task_instance"].task_id)
