"""One ingestion task per source, run in parallel: each syncs its source into the tenant's raw schema.

Sources with `engine: airbyte` get a deferrable task (the wait runs in the triggerer, no worker slot held),
preceded by one `airbyte_provision` task per tenant that ensures the Airbyte objects first. A run with
`skip_sync`, or `sources` naming others, skips a source's task (dag_factory/run_params.py); dbt still builds.
Each sync that runs keeps the tenant's build ledger (build_ledger.py) told whether it wrote records, so a run
whose syncs brought nothing new skips dbt.
"""

from typing import Any

from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk.bases.operator import BaseOperator

from flexlake.dag_factory.build_ledger import mark_sync_finished, mark_sync_started
from flexlake.dag_factory.run_params import check_run_conf, skip_unless_synced
from flexlake.ingestion import get_engine
from flexlake.ingestion.base import SyncRequest
from flexlake.raw_destination import RawDestination
from flexlake.tenant_config import TenantConfig
from flexlake.tenant_config.schema import SourceConfig
from flexlake.warehouses import get_warehouse, raw_destinations

INGESTION_TASK_PREFIX = "airbyte_sync__"
AIRBYTE_PROVISION_TASK_ID = "airbyte_provision"


def ingestion_task_id(source_name: str) -> str:
    return f"{INGESTION_TASK_PREFIX}{source_name}"


def build_ingestion_tasks(tenant: TenantConfig) -> list[BaseOperator]:
    """The sync tasks (what dbt waits for); airbyte sources' tasks run after the tenant's provision task."""
    airbyte_sources = [source for source in tenant.sources if source.engine == "airbyte"]
    tasks = [_build_sync_task(tenant, source) for source in tenant.sources if source.engine != "airbyte"]
    if airbyte_sources:
        from flexlake.ingestion.airbyte_api.operator import (  # noqa: PLC0415 - only tenants using Airbyte pay
            AirbyteProvisionOperator,
            AirbyteSyncOperator,
        )

        def destinations() -> dict[str, RawDestination]:
            return raw_destinations(tenant, [source.name for source in airbyte_sources])

        provision = AirbyteProvisionOperator(
            task_id=AIRBYTE_PROVISION_TASK_ID,
            tenant=tenant,
            destinations=destinations,
            pre_execute=_check_conf_then_skip_unless_synced([source.name for source in airbyte_sources]),
            doc_md="Ensure the tenant's Airbyte workspace, sources, destinations and connections "
            "(created when missing, patched when changed). Returns the connection id per source.",
        )
        for source in airbyte_sources:
            sync: BaseOperator = AirbyteSyncOperator(
                task_id=ingestion_task_id(source.name),
                tenant=tenant,
                source_name=source.name,
                provision_task_id=AIRBYTE_PROVISION_TASK_ID,
                pre_execute=_skip_unless_synced_then_mark(tenant, source.name),
                post_execute=_mark_sync_finished(tenant, source.name),
                doc_md=f"Sync source `{source.name}` ({source.system}) on the Airbyte server; waits in the "
                "triggerer. Returns the job's stats (XCom), shown in the run summary.",
            )
            provision >> sync
            tasks.append(sync)
    return tasks


def _check_conf_then_skip_unless_synced(source_names: list[str]) -> Any:
    """airbyte_provision starts beside provision_warehouse, so it checks the run's conf too (run_params.py)."""
    skip = skip_unless_synced(source_names)

    def pre_execute(context: Any) -> None:
        check_run_conf(context)
        skip(context)

    return pre_execute


def _sync_attempt(context: Any) -> str:
    return f"{context['run_id']}#{context['ti'].try_number}"


def _skip_unless_synced_then_mark(tenant: TenantConfig, source_name: str) -> Any:
    """A sync task's `pre_execute`: skipped as the run asks (run_params.py), else the ledger hears it starts."""
    skip = skip_unless_synced([source_name])

    def pre_execute(context: Any) -> None:
        skip(context)
        mark_sync_started(tenant.tenant_id, source_name, _sync_attempt(context))

    return pre_execute


def _mark_sync_finished(tenant: TenantConfig, source_name: str) -> Any:
    """A sync task's `post_execute`: the ledger hears how many records it wrote (its result's `total_records`)."""

    def post_execute(context: Any, result: Any = None) -> None:
        records = int(result.get("total_records", 1)) if isinstance(result, dict) else 1  # unknown: unbuilt
        mark_sync_finished(tenant.tenant_id, source_name, _sync_attempt(context), records)

    return post_execute


def _build_sync_task(tenant: TenantConfig, source: SourceConfig) -> BaseOperator:
    def sync_source() -> dict[str, Any]:
        destination = get_warehouse(tenant.warehouse.type).raw_location(tenant, source.name)
        request = SyncRequest(tenant_id=tenant.tenant_id, source=source, destination=destination, server=tenant.airbyte)
        return get_engine(source.engine).sync(request).to_dict()

    operator: BaseOperator = PythonOperator(
        task_id=ingestion_task_id(source.name),
        python_callable=sync_source,
        pre_execute=_skip_unless_synced_then_mark(tenant, source.name),
        post_execute=_mark_sync_finished(tenant, source.name),
        doc_md=f"Sync source `{source.name}` ({source.system}) with the `{source.engine}` engine "
        "into the tenant's raw schema. Returns records per stream (XCom), shown in the run summary.",
    )
    return operator
