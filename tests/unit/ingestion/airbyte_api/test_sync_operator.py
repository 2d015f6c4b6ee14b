"""The sync operator on the worker: failed / cancelled / timed-out events fail the task, a kill cancels the job."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from airflow.sdk.exceptions import TaskDeferred
from flexlake.ingestion.airbyte_api import operator as operator_module
from flexlake.ingestion.airbyte_api.client import AirbyteClient
from flexlake.ingestion.airbyte_api.operator import JOB_ID_XCOM_KEY, AirbyteSyncOperator
from flexlake.ingestion.airbyte_api.provisioning import provision
from flexlake.ingestion.airbyte_api.sync import start_sync
from flexlake.ingestion.base import IngestionError

from tests.fakes.airbyte_server import FakeAirbyteServer
from tests.unit.ingestion.airbyte_api.conftest import duckdb_destinations, make_tenant

PROVISION_TASK_ID = "airbyte_provision"


class _TaskInstance:
    """The two XCom calls the operator makes, answered from a dict."""

    def __init__(self, connection_ids: dict[str, str]) -> None:
        self.connection_ids = connection_ids
        self.pushed: dict[str, Any] = {}

    def xcom_pull(self, task_ids: str) -> dict[str, str]:
        assert task_ids == PROVISION_TASK_ID, task_ids
        return self.connection_ids

    def xcom_push(self, key: str, value: Any) -> None:
        self.pushed[key] = value


@pytest.fixture(autouse=True)
def _clients_talk_to_the_fake(client_factory: Callable[[str], AirbyteClient], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(operator_module, "client_from_airflow", client_factory)


@pytest.fixture
def connection_id(client: AirbyteClient, tmp_path: Path) -> str:
    result = provision(client, make_tenant(count=20), duckdb_destinations(tmp_path), {"shop": None}, apply=True)
    return result.connection_ids["shop"]


@pytest.fixture
def sync_operator() -> AirbyteSyncOperator:
    return AirbyteSyncOperator(
        task_id="airbyte_sync__shop",
        tenant=make_tenant(count=20),
        source_name="shop",
        provision_task_id=PROVISION_TASK_ID,
    )


def _finished_job(
    fake: FakeAirbyteServer, client: AirbyteClient, connection_id: str, *steps: str, **script: Any
) -> int:
    fake.script_next_job(*steps, **script)
    job = start_sync(client, connection_id)
    for _poll in steps[1:]:
        client.get_job(job.job_id)
    return job.job_id


def test_a_failed_job_event_fails_the_task_with_airbytes_own_message(
    fake: FakeAirbyteServer, client: AirbyteClient, connection_id: str, sync_operator: AirbyteSyncOperator
) -> None:
    """A `failed` event makes execute_complete raise with the failure reason Airbyte reported."""
    job_id = _finished_job(fake, client, connection_id, "running", "failed", failure_reason="Shopify token revoked")
    with pytest.raises(IngestionError, match=f"Airbyte job {job_id} of source shop .* failed: source: Shopify token"):
        sync_operator.execute_complete({}, {"status": "failed", "job_id": job_id})


def test_a_cancelled_job_event_fails_the_task_saying_it_was_cancelled(
    fake: FakeAirbyteServer, client: AirbyteClient, connection_id: str, sync_operator: AirbyteSyncOperator
) -> None:
    """A job cancelled in Airbyte (no reason given) fails the task and says where to look."""
    fake.script_next_job("running")
    job = start_sync(client, connection_id)
    client.cancel_job(job.job_id)
    with pytest.raises(IngestionError, match="cancelled: Airbyte reported no failure reason"):
        sync_operator.execute_complete({}, {"status": "cancelled", "job_id": job.job_id})


def test_a_timeout_event_fails_the_task_naming_the_setting_to_raise(sync_operator: AirbyteSyncOperator) -> None:
    """The trigger already cancelled the job; the task fails with the last status and the timeout setting."""
    with pytest.raises(IngestionError, match=r"still queued after 180 min \(airbyte.sync_timeout_minutes\)"):
        sync_operator.execute_complete({}, {"status": "timeout", "job_id": 7, "last_status": "queued"})


def test_an_error_event_cancels_the_job_and_fails_with_the_triggers_message(
    fake: FakeAirbyteServer, client: AirbyteClient, connection_id: str, sync_operator: AirbyteSyncOperator
) -> None:
    """When the trigger could not poll, the job is cancelled rather than left running unwatched."""
    fake.script_next_job("running")
    job = start_sync(client, connection_id)
    with pytest.raises(IngestionError, match=f"Waiting for Airbyte job {job.job_id} failed: HTTP 503"):
        sync_operator.execute_complete({}, {"status": "error", "job_id": job.job_id, "message": "HTTP 503"})
    assert fake.jobs[job.job_id].status == "cancelled"


def test_a_succeeded_job_event_returns_the_stats_for_xcom(
    fake: FakeAirbyteServer, client: AirbyteClient, connection_id: str, sync_operator: AirbyteSyncOperator
) -> None:
    """The resumed task returns records per stream and the job id (the catalog summary reads them)."""
    job_id = _finished_job(fake, client, connection_id, "running", "succeeded")
    result = sync_operator.execute_complete({}, {"status": "succeeded", "job_id": job_id})
    assert result["total_records"] == 20 + 100 + 20 and result["airbyte"]["job_id"] == job_id, result  # type: ignore[index]


def test_killing_the_task_on_the_worker_cancels_its_airbyte_job(
    fake: FakeAirbyteServer, connection_id: str, sync_operator: AirbyteSyncOperator
) -> None:
    """execute starts the job and defers; on_kill (mark failed / clear) then cancels that job via the API."""
    fake.script_next_job("running")
    task_instance = _TaskInstance({"shop": connection_id})
    with pytest.raises(TaskDeferred):
        sync_operator.execute({"ti": task_instance})
    job_id = task_instance.pushed[JOB_ID_XCOM_KEY]
    assert fake.jobs[job_id].status == "running"
    sync_operator.on_kill()
    assert fake.jobs[job_id].status == "cancelled", "killing the task must cancel the Airbyte job"
    assert ("DELETE", f"/api/public/v1/jobs/{job_id}") in fake.requests
