"""The deferrable wait: poll one Airbyte job from the triggerer, holding no worker slot.

The poll interval is the tenant's `airbyte.poll_interval_seconds` (the provider polls every 60 s). Past
the deadline the trigger cancels the job itself (a job stuck in `queued` included) and reports a timeout;
when a user kills the deferred task (mark failed / clear), Airflow calls `on_kill`, which cancels the job
too. Only the server's connection *id* is serialized: the secret is read in the triggerer.
"""

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent
from asgiref.sync import sync_to_async

from flexlake.ingestion.airbyte_api.client import AirbyteClient, client_from_airflow
from flexlake.ingestion.airbyte_api.transport import AirbyteApiError

logger = logging.getLogger(__name__)

IN_PROGRESS = frozenset({"pending", "queued", "running", "incomplete"})


class AirbyteJobTrigger(BaseTrigger):
    def __init__(self, job_id: int, server_connection_id: str, poll_interval_seconds: float, deadline: float) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.job_id = job_id
        self.server_connection_id = server_connection_id
        self.poll_interval_seconds = poll_interval_seconds
        self.deadline = deadline

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "job_id": self.job_id,
                "server_connection_id": self.server_connection_id,
                "poll_interval_seconds": self.poll_interval_seconds,
                "deadline": self.deadline,
            },
        )

    async def _client(self) -> AirbyteClient:
        client: AirbyteClient = await sync_to_async(client_from_airflow)(self.server_connection_id)
        return client

    async def run(self) -> AsyncIterator[TriggerEvent]:
        client = await self._client()
        try:
            while True:
                job = await client.get_job_async(self.job_id)
                status = str(getattr(job.status, "value", job.status))
                if status not in IN_PROGRESS:
                    yield TriggerEvent({"status": status, "job_id": self.job_id})  # type: ignore[no-untyped-call]
                    return
                if time.time() >= self.deadline:
                    await self._cancel(client, f"still {status} at the deadline")
                    yield TriggerEvent({"status": "timeout", "job_id": self.job_id, "last_status": status})  # type: ignore[no-untyped-call]
                    return
                await asyncio.sleep(self.poll_interval_seconds)
        except AirbyteApiError as error:
            yield TriggerEvent({"status": "error", "job_id": self.job_id, "message": str(error)})  # type: ignore[no-untyped-call]
        finally:
            await client.aclose()
            client.close()

    async def on_kill(self) -> None:
        client = await self._client()
        try:
            await self._cancel(client, "the task was killed")
        finally:
            await client.aclose()
            client.close()

    async def _cancel(self, client: AirbyteClient, reason: str) -> None:
        try:
            await client.cancel_job_async(self.job_id)
            logger.warning("Cancelled Airbyte job %d: %s", self.job_id, reason)
        except AirbyteApiError as error:
            logger.warning("Could not cancel Airbyte job %d (%s): %s", self.job_id, reason, error)
