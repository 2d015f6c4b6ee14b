"""`publish_catalog`: the last task of every tenant DAG.

Professional and enterprise tenants pay for a catalog: the task runs `dbt docs generate --static`
(Cosmos's docs operator, so it uses the tenant's profile) and publishes docs plus artifacts. Starter
tenants get no docs generation (it queries the warehouse, which costs them); the task still publishes
the merged run_results and the run summary, which operators need for every tenant. After publishing, the
tenant's older versions are pruned by its tier's retention (flexlake.catalog.retention), and a DuckDB
tenant's reader copy of the marts is refreshed (flexlake.warehouses.duckdb_reader). A run whose build had nothing
new to build (build_ledger.py) generates no docs: the previous version's describe the same tables, and are
published again with this run's summary.
"""

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import Context, ObjectStoragePath, TriggerRule
from airflow.sdk.bases.operator import BaseOperator

from flexlake import settings
from flexlake.catalog import CATALOG_RETENTION, catalog_root, prune_catalog, publish_run, run_key
from flexlake.catalog.publish import LATEST_POINTER
from flexlake.dag_factory.build_task import NOTHING_NEW_XCOM_KEY
from flexlake.dag_factory.dbt_operator import DbtNodeOperator, dbt_node_task
from flexlake.dag_factory.dbt_reports import BUILD_TASK_ID
from flexlake.dag_factory.dbt_task_group import DBT_PROJECT_NAME, dbt_exclude
from flexlake.dag_factory.ingestion_tasks import ingestion_task_id
from flexlake.dag_factory.run_params import run_conf
from flexlake.freshness import check_source_freshness
from flexlake.tenant_config import TenantConfig
from flexlake.warehouses import get_warehouse, model_schema_name

log = logging.getLogger(__name__)

PUBLISH_TASK_ID = "publish_catalog"


def build_publish_catalog_task(tenant: TenantConfig) -> BaseOperator:
    if not tenant.catalog_enabled:
        return _build_summary_only_task(tenant)
    return dbt_node_task(
        task_id=PUBLISH_TASK_ID,
        tenant=tenant,
        command="docs",
        exclude=dbt_exclude(tenant),
        flags=("--static",),
        callback=publish_tenant_run,
        callback_args={"tenant": tenant},
        doc_md="Generate dbt docs and publish them with the run's artifacts and summary.",
        trigger_rule=TriggerRule.NONE_FAILED,  # models outside the run's `select` are skipped, not failed
        operator_class=CatalogDocsOperator,
    )


class CatalogDocsOperator(DbtNodeOperator):
    """`dbt docs generate` then publish; when the build had nothing new to build, the previous docs again."""

    def execute(self, context: Context) -> Any:
        if reason := nothing_new(context):
            self.log.info("no docs generation, the previous version's docs are current: %s", reason)
            return publish_tenant_run(None, tenant=self.tenant, context=context, reuse_latest_docs=True)
        return super().execute(context)


def nothing_new(context: Context | dict[str, Any]) -> str | None:
    """Why the run's build did not run dbt (dag_factory/build_task.py), or None when it did."""
    reason = context["task_instance"].xcom_pull(task_ids=BUILD_TASK_ID, key=NOTHING_NEW_XCOM_KEY)
    return str(reason) if reason else None


def _build_summary_only_task(tenant: TenantConfig) -> BaseOperator:
    def publish_summary(**context: Any) -> str:
        return publish_tenant_run(None, tenant=tenant, context=context)

    operator: BaseOperator = PythonOperator(
        task_id=PUBLISH_TASK_ID,
        python_callable=publish_summary,
        doc_md="Publish the run's merged dbt results and summary (no docs generation: starter tier).",
        trigger_rule=TriggerRule.NONE_FAILED,
    )
    return operator


def publish_tenant_run(
    project_dir: str | None,
    tenant: TenantConfig,
    context: Context | dict[str, Any],
    *,
    reuse_latest_docs: bool = False,
) -> str:
    root = catalog_root(settings.CATALOG_BASE_URI, tenant.tenant_id, settings.CATALOG_CONN_ID)
    docs_dir: Path | ObjectStoragePath | None = Path(project_dir) / "target" if project_dir else None
    if reuse_latest_docs and (root / LATEST_POINTER).exists():
        docs_dir = root / (root / LATEST_POINTER).read_text().strip()
    target = publish_run(root, run_key(context["run_id"]), _run_summary(tenant, context), docs_dir)
    prune_catalog(root, CATALOG_RETENTION[tenant.tier])
    reader_copy = get_warehouse(tenant.warehouse.type).publish_reader_snapshot(tenant)
    if reader_copy:
        log.info("reader copy published: %s", reader_copy)
    return str(target)


def _run_summary(tenant: TenantConfig, context: Context | dict[str, Any]) -> dict[str, Any]:
    task_instance = context["task_instance"]
    ingestion = {
        source.name: task_instance.xcom_pull(task_ids=ingestion_task_id(source.name)) for source in tenant.sources
    }
    marts_schema = model_schema_name(tenant, "marts")
    return {
        "tenant_id": tenant.tenant_id,
        "display_name": tenant.display_name,
        "tier": tenant.tier,
        "warehouse": tenant.warehouse.type,
        "dbt_project": DBT_PROJECT_NAME,
        "run_id": context["run_id"],
        "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "catalog": tenant.catalog_enabled,
        "ingestion": ingestion,  # None for a source the run did not sync (skip_sync, sources)
        "run_conf": dict(run_conf(context)),
        "nothing_new": nothing_new(context),  # why dbt did not run (no new records), else None
        "mart_rows": get_warehouse(tenant.warehouse.type).table_row_counts(tenant, marts_schema),
        "freshness": check_source_freshness(tenant),  # per source and stream; alerts read it (docs/alerts.md)
    }
