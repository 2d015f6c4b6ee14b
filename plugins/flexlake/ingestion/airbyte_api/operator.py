"""Airflow operators of the Airbyte engine: provision the tenant's objects, then one deferrable sync per source.

`AirbyteProvisionOperator` (one per tenant, before the syncs, so parallel syncs never race to create the
workspace) applies the plan and returns {source name: connection id} by XCom. `AirbyteSyncOperator` starts
(or attaches to) the source's job, defers to `AirbyteJobTrigger`, and on resume returns the job's stats
(XCom, read by the catalog summary) or fails with Airbyte's reason. It cancels the job on kill and on
timeout (the trigger's deadline is the tenant's `airbyte.sync_timeout_minutes`).
"""

import time
from typing import Any

from airflow.sdk import BaseOperator

from flexlake.ingestion.airbyte_api.client import client_from_airflow
from flexlake.ingestion.airbyte_api.connectors import SourceCredentials
from flexlake.ingestion.airbyte_api.provisioning import airbyte_sources, provision
from flexlake.ingestion.airbyte_api.sync import cancel_job, start_sync, sync_result
from flexlake.ingestion.airbyte_api.trigger import AirbyteJobTrigger
from flexlake.ingestion.base import IngestionError
from flexlake.raw_destination import RawDestination
from flexlake.tenant_config import TenantConfig

JOB_ID_XCOM_KEY = "airbyte_job_id"


def _server(tenant: TenantConfig) -> Any:
    if tenant.airbyte is None:
        raise IngestionError(f"tenant {tenant.tenant_id} has no airbyte: block")
    return tenant.airbyte


def read_source_credentials(tenant: TenantConfig) -> dict[str, SourceCredentials | None]:
    """Each airbyte source's credentials from its Airflow connection (task time only)."""
    from airflow.sdk import BaseHook  # noqa: PLC0415

    credentials: dict[str, SourceCredentials | None] = {}
    for source in airbyte_sources(tenant):
        if source.credentials_connection_id is None:
            credentials[source.name] = None
            continue
        connection = BaseHook.get_connection(source.credentials_connection_id)
        credentials[source.name] = SourceCredentials(
            login=connection.login,
            password=connection.password,
            host=connection.host,
            extra=dict(connection.extra_dejson or {}),
        )
    return credentials


class AirbyteProvisionOperator(BaseOperator):
    """Ensure the tenant's Airbyte objects (cheap when nothing changed); XCom: {source: connection id}."""

    def __init__(self, *, tenant: TenantConfig, destinations: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tenant = tenant
        self.destinations = destinations  # a callable returning {source name: RawDestination}, run at task time

    def execute(self, context: Any) -> dict[str, str]:
        server = _server(self.tenant)
        destinations: dict[str, RawDestination] = self.destinations()
        client = client_from_airflow(server.connection_id)
        try:
            result = provision(client, self.tenant, destinations, read_source_credentials(self.tenant), apply=True)
        finally:
            client.close()
        self.log.info("%s", result.render())
        return result.connection_ids


class AirbyteSyncOperator(BaseOperator):
    """Start or attach to a source's Airbyte sync and wait for it in the triggerer."""

    def __init__(self, *, tenant: TenantConfig, source_name: str, provision_task_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tenant = tenant
        self.source_name = source_name
        self.provision_task_id = provision_task_id
        self._job_id: int | None = None

    def execute(self, context: Any) -> None:
        server = _server(self.tenant)
        connection_ids = context["ti"].xcom_pull(task_ids=self.provision_task_id) or {}
        connection_id = connection_ids.get(self.source_name)
        if not connection_id:
            raise IngestionError(f"no Airbyte connection was provisioned for source {self.source_name}")
        client = client_from_airflow(server.connection_id)
        try:
            job = start_sync(client, connection_id)
        finally:
            client.close()
        self._job_id = job.job_id
        context["ti"].xcom_push(key=JOB_ID_XCOM_KEY, value=job.job_id)
        trigger = AirbyteJobTrigger(
            job_id=job.job_id,
            server_connection_id=server.connection_id,
            poll_interval_seconds=server.poll_interval_seconds,
            deadline=time.time() + server.sync_timeout_minutes * 60,
        )
        self.defer(trigger=trigger, method_name="execute_complete")

    def execute_complete(self, context: Any, event: dict[str, Any]) -> dict[str, object]:
        server = _server(self.tenant)
        job_id = int(event["job_id"])
        self._job_id = job_id
        if event["status"] == "timeout":
            raise IngestionError(
                f"Airbyte job {job_id} of source {self.source_name} was still {event.get('last_status')} after "
                f"{server.sync_timeout_minutes} min (airbyte.sync_timeout_minutes): cancelled it"
            )
        client = client_from_airflow(server.connection_id)
        try:
            if event["status"] == "error":
                cancel_job(client, job_id, reason="the wait failed")
                raise IngestionError(f"Waiting for Airbyte job {job_id} failed: {event.get('message')}")
            job = client.get_job(job_id)
            return sync_result(client, self.source_name, job, "airbyte").to_dict()
        finally:
            client.close()

    def on_kill(self) -> None:
        if self._job_id is None:
            return
        server = _server(self.tenant)
        client = client_from_airflow(server.connection_id)
        try:
            cancel_job(client, self._job_id, reason="the task was killed")
        finally:
            client.close()
