"""The Airbyte server engine: trigger a connection's sync, attach to a running one, wait, report.

- `start_sync`: POST /jobs; a 409 (the connection already has a job in progress) attaches to that job
  instead of failing, so a retried task or an Airbyte-side trigger never loses or doubles a sync.
- pending, queued, running and incomplete are "in progress" (the provider fails a queued job; we wait).
- failed / cancelled raise `IngestionError` with Airbyte's own failure reason when the server reports one
  (self-hosted: the Config API's failure summary; the public API 1.0.1 has no reason field).
- `wait_for_job` is the blocking wait of `AirbyteServerEngine.sync`; the DAG uses the deferrable trigger
  (`trigger.py`) instead, which holds no worker slot. Both cancel the job when the timeout passes.
"""

import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from airbyte_api import models

from flexlake.ingestion.airbyte_api.client import AirbyteClient, client_from_airflow
from flexlake.ingestion.airbyte_api.provisioning import connection_name_for, default_workspace_name
from flexlake.ingestion.airbyte_api.transport import AirbyteApiError
from flexlake.ingestion.base import IngestionError, StreamStats, SyncRequest, SyncResult

logger = logging.getLogger(__name__)

IN_PROGRESS = frozenset({"pending", "queued", "running", "incomplete"})
SUCCEEDED = "succeeded"
ALL_STREAMS = "all_streams"


@dataclass(frozen=True)
class AirbyteSyncResult(SyncResult):
    job_id: int = 0
    bytes_synced: int = 0

    def to_dict(self) -> dict[str, object]:
        summary = super().to_dict()
        summary["airbyte"] = {"job_id": self.job_id, "bytes_synced": self.bytes_synced}
        return summary


def status_of(job: models.JobResponse) -> str:
    return str(getattr(job.status, "value", job.status))


def start_sync(client: AirbyteClient, connection_id: str) -> models.JobResponse:
    """Start a sync job, or attach to the job already in progress on the connection (409)."""
    for _attempt in range(3):
        try:
            job = client.create_sync_job(connection_id)
            logger.info("Started Airbyte job %d on connection %s", job.job_id, connection_id)
            return job
        except AirbyteApiError as error:
            if error.status != 409:
                raise
        running = [job for job in client.list_jobs(connection_id) if status_of(job) in IN_PROGRESS]
        if running:
            job = max(running, key=lambda item: item.job_id)
            logger.info(
                "Connection %s already has job %d in progress (%s): attaching to it",
                connection_id,
                job.job_id,
                status_of(job),
            )
            return job
        logger.info("409 from Airbyte but no job in progress on %s any more: starting again", connection_id)
    raise IngestionError(f"could not start or find a sync job on Airbyte connection {connection_id}")


def wait_for_job(
    client: AirbyteClient,
    job_id: int,
    *,
    poll_interval_seconds: float,
    timeout_seconds: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> models.JobResponse:
    """Poll until the job leaves the in-progress states; cancel it and fail when the timeout passes."""
    deadline = clock() + timeout_seconds
    while True:
        job = client.get_job(job_id)
        if status_of(job) not in IN_PROGRESS:
            return job
        if clock() >= deadline:
            cancel_job(client, job_id, reason=f"still {status_of(job)} after {timeout_seconds:.0f} s")
            raise IngestionError(
                f"Airbyte job {job_id} was still {status_of(job)} after {timeout_seconds:.0f} s: cancelled it"
            )
        sleep(poll_interval_seconds)


def cancel_job(client: AirbyteClient, job_id: int, *, reason: str) -> None:
    """Cancel a job (best effort: one already finished is left as it is)."""
    try:
        job = client.cancel_job(job_id)
        logger.warning("Cancelled Airbyte job %d (%s): now %s", job_id, reason, status_of(job))
    except AirbyteApiError as error:
        logger.warning("Could not cancel Airbyte job %d (%s): %s", job_id, reason, error)


def sync_result(client: AirbyteClient, source_name: str, job: models.JobResponse, engine: str) -> AirbyteSyncResult:
    """The finished job as a SyncResult, or IngestionError with Airbyte's reason when it did not succeed."""
    status = status_of(job)
    details = client.job_details(job.job_id)
    if status != SUCCEEDED:
        reasons = failure_reasons(details)
        reason = "; ".join(reasons) if reasons else "Airbyte reported no failure reason (see the job's logs in Airbyte)"
        raise IngestionError(
            f"Airbyte job {job.job_id} of source {source_name} (connection {job.connection_id}) {status}: {reason}"
        )
    streams = tuple(StreamStats(stream=name, records=records) for name, records in iter_stream_stats(details))
    if not streams:  # the public API reports totals only
        streams = (StreamStats(stream=ALL_STREAMS, records=int(job.rows_synced or 0)),)
    return AirbyteSyncResult(
        source_name=source_name,
        engine=engine,
        streams=streams,
        duration_seconds=parse_iso_duration(job.duration),
        job_id=job.job_id,
        bytes_synced=int(job.bytes_synced or 0),
    )


def iter_stream_stats(details: dict[str, Any] | None) -> Iterator[tuple[str, int]]:
    """(stream, records committed) from the Config API job info of the last attempt."""
    attempts = (details or {}).get("attempts") or []
    if not attempts:
        return
    attempt = (attempts[-1] or {}).get("attempt") or {}
    for item in attempt.get("streamStats") or []:
        stats = item.get("stats") or {}
        yield str(item.get("streamName")), int(stats.get("recordsCommitted") or stats.get("recordsEmitted") or 0)


def failure_reasons(details: dict[str, Any] | None) -> list[str]:
    """Airbyte's own failure messages (externalMessage) from the Config API job info, newest attempt last."""
    reasons: list[str] = []
    for item in (details or {}).get("attempts") or []:
        summary = ((item or {}).get("attempt") or {}).get("failureSummary") or {}
        for failure in summary.get("failures") or []:
            message = failure.get("externalMessage") or failure.get("internalMessage")
            origin = failure.get("failureOrigin")
            if message:
                reasons.append(f"{origin}: {message}" if origin else str(message))
    return reasons


_DURATION = re.compile(r"^P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>[\d.]+)S)?)?$")


def parse_iso_duration(value: str | None) -> float:
    """Seconds of an ISO 8601 duration such as PT1H2M3.5S (0 when missing or unreadable)."""
    match = _DURATION.match(value or "")
    if not match:
        return 0.0
    parts = {key: float(number) if number else 0.0 for key, number in match.groupdict().items()}
    return parts["d"] * 86400 + parts["h"] * 3600 + parts["m"] * 60 + parts["s"]


def find_connection_id(client: AirbyteClient, tenant_id: str, source_name: str, workspace: str | None) -> str:
    """The provisioned connection of a source, by its deterministic name (run `flexlake airbyte apply` first)."""
    name = default_workspace_name(tenant_id, workspace)
    workspaces = [item for item in client.list_workspaces() if item.name == name]
    if len(workspaces) != 1:
        raise IngestionError(f"Airbyte workspace {name!r} not found (or not unique): run `flexlake airbyte apply`")
    wanted = connection_name_for(tenant_id, source_name)
    found = [item for item in client.list_connections(workspaces[0].workspace_id) if item.name == wanted]
    if len(found) != 1:
        raise IngestionError(f"Airbyte connection {wanted!r} not found (or not unique): run `flexlake airbyte apply`")
    return found[0].connection_id


def run_blocking_sync(request: SyncRequest, engine_name: str = "airbyte") -> SyncResult:
    """Start or attach, wait in this process (the server block's interval and timeout), report."""
    server = request.server
    if server is None:
        raise IngestionError(
            f"source {request.source.name}: the airbyte engine needs the tenant's airbyte: block "
            "(SyncRequest.server); the tenant DAG passes it"
        )
    client = client_from_airflow(server.connection_id)
    try:
        connection_id = find_connection_id(client, request.tenant_id, request.source.name, server.workspace)
        job = start_sync(client, connection_id)
        job = wait_for_job(
            client,
            job.job_id,
            poll_interval_seconds=server.poll_interval_seconds,
            timeout_seconds=server.sync_timeout_minutes * 60,
        )
        return sync_result(client, request.source.name, job, engine_name)
    finally:
        client.close()
