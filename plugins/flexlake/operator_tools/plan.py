"""`flexlake plan`: what a tenant file will create, from the very functions that create it, writing nothing.

The DAG is built by the factory's build_tenant_dag from the prebuilt manifest (no dbt run, no database); the
provisioning SQL is the warehouse's provisioning_plan (what `flexlake provision --dry-run` prints, password
masked); the Airbyte objects are the names and masked connector configurations provisioning would create (the
offline part of `flexlake airbyte plan`: no server is asked what exists). A single file is checked with its
folder's other tenants (the folder-wide checks), as `validate` and the DAG file would.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from airflow.sdk import DAG

from flexlake import settings
from flexlake.catalog import catalog_root
from flexlake.dag_factory.build_watch import BUILD_TASK_ID
from flexlake.dag_factory.dbt_task_group import DBT_GROUP_ID
from flexlake.dag_factory.tenant_dag import build_tenant_dag
from flexlake.ingestion.airbyte_api.connectors import MASK, SourceCredentials, masked, source_configuration
from flexlake.ingestion.airbyte_api.provisioning import (
    airbyte_sources,
    connection_name,
    destination_name,
    source_name,
    tag_name,
    workspace_name,
)
from flexlake.operator_tools.deployed import deployed_models_diff
from flexlake.tenant_config import TenantConfig, TenantConfigError, load_tenant_config, tenant_files
from flexlake.tenant_config.derived_names import raw_schema_name
from flexlake.tenant_config.loader import check_tenants_together
from flexlake.tenant_config.schema import SOURCE_SYSTEMS
from flexlake.warehouses import get_warehouse


@dataclass(frozen=True)
class TenantPlan:
    tenant_id: str
    file: str
    document: dict[str, Any]


def plan_tenants(path: Path) -> tuple[list[TenantPlan], list[TenantConfigError]]:
    """A plan per valid tenant of `path` (a file, or every tenant file of a folder) and the refused files."""
    files = tenant_files(path) if path.is_dir() else [path]
    folder = path if path.is_dir() else path.parent
    neighbours = [file for file in tenant_files(folder) if file.resolve() not in {f.resolve() for f in files}]
    loaded, errors = _load(files)
    context, _ = _load(neighbours)
    valid, refused = check_tenants_together([*loaded, *context])
    errors.extend(error for error in refused if error.path in dict(loaded))
    plans = []
    for file, tenant in valid:
        if file in dict(loaded):
            try:
                plans.append(_plan(file, tenant))
            except Exception as error:  # as the DAG factory: that tenant gets an error DAG, the others their plans
                errors.append(
                    TenantConfigError(file, [f"the DAG could not be built ({type(error).__name__}): {error}"])
                )
    return plans, errors


def _load(files: list[Path]) -> tuple[list[tuple[Path, TenantConfig]], list[TenantConfigError]]:
    loaded, errors = [], []
    for file in files:
        try:
            loaded.append((file, load_tenant_config(file)))
        except TenantConfigError as error:
            errors.append(error)
    return loaded, errors


def _plan(file: Path, tenant: TenantConfig) -> TenantPlan:
    dag = build_tenant_dag(tenant, file)
    built = _dbt_nodes(dag, "run")
    product = _product_models()
    systems_absent = {system for system in SOURCE_SYSTEMS if system not in {s.system for s in tenant.sources}}
    not_built = {name for name in product if name not in built}
    skipped = {name for name in not_built if product[name] in systems_absent}
    document: dict[str, Any] = {
        "dag_id": dag.dag_id,
        "schedule": tenant.effective_schedule,
        "task_count": len(dag.tasks),
        "tasks": {"ingestion": [t.task_id for t in dag.tasks if t.task_id.startswith("airbyte_sync__")]},
        "models_built": sorted(built),
        "models_removed": sorted(not_built - skipped),
        "models_of_absent_systems": len(skipped),
        "models_added": sorted(built - set(product)),
        "tests": _dbt_test_count(dag),
        "pass_through_columns": {
            entity: [f"{c.system}.{c.column} -> {c.output_name} ({c.type})" for c in columns]
            for entity, columns in tenant.dbt.pass_through_columns.items()
        },
        "provisioning_sql": get_warehouse(tenant.warehouse.type).provisioning_plan(tenant).describe(),
        "airbyte": _airbyte_objects(tenant),
        "catalog": _catalog(tenant),
        "against_deployed": deployed_models_diff(tenant.tenant_id, built),
    }
    return TenantPlan(tenant_id=tenant.tenant_id, file=str(file), document=document)


def _dbt_nodes(dag: DAG, task_name: str) -> set[str]:
    """Node names of the dbt task group's tasks named `task_name` (task ids dbt_transform.<node>.<task_name>)."""
    return {
        task.task_id.split(".")[1]
        for task in dag.tasks
        if task.task_id.startswith(f"{DBT_GROUP_ID}.") and task.task_id.endswith(f".{task_name}")
    }


def _dbt_test_count(dag: DAG) -> int:
    """The data tests the run's `dbt build` runs (every node it reports to a task: dag_factory/dbt_build.py)."""
    nodes_of_task: dict[str, tuple[str, ...]] = getattr(dag.get_task(BUILD_TASK_ID), "cosmos_extra", {}).get(
        "nodes_of_task", {}
    )
    return len({uid for uids in nodes_of_task.values() for uid in uids if uid.startswith("test.")})


def _product_models() -> dict[str, str | None]:
    """Models of the product's prebuilt manifest (the one the DAGs render from), each with the source system
    whose staging or adapter folder holds it (None for the shared layers)."""
    manifest = json.loads(settings.DBT_MANIFEST_PATH.read_text(encoding="utf-8"))
    return {
        node["name"]: _system_of(node["fqn"]) for node in manifest["nodes"].values() if node["resource_type"] == "model"
    }


def _system_of(fqn: list[str]) -> str | None:
    """fqn [flexlake, staging|adapters, <system>, ...] -> <system>."""
    return fqn[2] if len(fqn) > 3 and fqn[1] in {"staging", "adapters"} and fqn[2] in SOURCE_SYSTEMS else None


def _airbyte_objects(tenant: TenantConfig) -> dict[str, Any] | None:
    """The objects `airbyte apply` would make, as `airbyte plan` names them; secrets masked, server not asked."""
    sources = airbyte_sources(tenant)
    if tenant.airbyte is None or not sources:
        return None
    placeholder = SourceCredentials(password=MASK)  # the connector's secret field is shown masked either way
    return {
        "server_connection_id": tenant.airbyte.connection_id,
        "workspace": workspace_name(tenant),
        "tag": tag_name(tenant),
        "sources": [
            {
                "source": source_name(tenant, source),
                "configuration": masked(source_configuration(source, placeholder)),
                "destination": destination_name(tenant, source),
                "raw_schema": raw_schema_name(tenant.schema_prefix, source.name),
                "connection": connection_name(tenant, source),
                "credentials_connection_id": source.credentials_connection_id,
            }
            for source in sources
        ],
    }


def _catalog(tenant: TenantConfig) -> dict[str, Any]:
    root = catalog_root(settings.CATALOG_BASE_URI, tenant.tenant_id, settings.CATALOG_CONN_ID)
    return {"location": str(root), "docs": tenant.catalog_enabled, "summary": True}
